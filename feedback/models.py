"""Committees, their members and meetings, the remarks made there and the city's answers.

The vocabulary follows the paper table 資料2: a remark (``Comment``, 意見、質問等) has a No., the
member who made it (委員名) and its target (対象項目, a ``policy.PolicyItem``); the city answers it
(``CityResponse``, 市の考え方) with a response category (``ReflectionCategory``, 対応区分) and
reports later what it did (``FollowUp``, 対応状況). A ``Report`` is the 資料 that presents a list of
remarks at a meeting.
"""

import re

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from feedback import wareki
from feedback.enums import (
    OPEN_CHANGE_REQUEST,
    ChangeRequestStatus,
    MemberRole,
    PublicationStatus,
)
from feedback.search import with_body_line
from policy.models import PolicyItem
from publication.links import detail_url
from publication.models import (
    PublicManager,
    PublicQuerySet,
    Publishable,
    PublishableQuerySet,
    Versioned,
    published_has_date,
)


class CommitteeManager(PublicManager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Committee(Versioned):
    name = models.CharField(_("名称"), max_length=200, unique=True)
    description = models.TextField(_("説明"), blank=True)

    objects = CommitteeManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("委員会")
        verbose_name_plural = _("委員会")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return detail_url("feedback:committee-detail", self.pk)

    def natural_key(self):
        return (self.name,)


# The titles ``MemberRole`` prints after a name, longest first (委員長 before 委員).
_ROLE_TITLE = re.compile(r"(副委員長|委員長|委員)$")
# Each role's title (lazy: translated when printed), for ``Member.display_name``.
_ROLE_LABELS = dict(MemberRole.choices)


class MemberManager(PublicManager):
    def get_by_natural_key(self, committee_name, name):
        return self.get(committee__name=committee_name, name=name)


class Member(Versioned):
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="members", verbose_name=_("委員会")
    )
    # As the tables print it: usually the family name alone (「秋山」 in 「秋山委員」).
    name = models.CharField(_("氏名"), max_length=100)
    name_kana = models.CharField(
        _("よみがな"),
        max_length=100,
        blank=True,
        help_text=_("五十音順に並べるための読み（ひらがな）。"),
        validators=[
            RegexValidator(r"^[\u3041-\u309f\u30fc\s　]*$", _("ひらがなで入力してください。"))
        ],
    )
    role = models.CharField(
        _("役職"), max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    term_start = models.DateField(_("任期開始日"), null=True, blank=True)
    term_end = models.DateField(_("任期終了日"), null=True, blank=True)

    objects = MemberManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("委員")
        verbose_name_plural = _("委員")
        ordering = ["name_kana", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "name"],
                name="member_unique_name_per_committee",
                violation_error_message=_("この委員会には同じ氏名の委員がいます。"),
            ),
            models.CheckConstraint(
                condition=Q(term_start__isnull=True)
                | Q(term_end__isnull=True)
                | Q(term_end__gte=models.F("term_start")),
                name="member_term_ends_after_start",
                violation_error_message=_("任期終了日は任期開始日より後にしてください。"),
            ),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return detail_url("feedback:member-detail", self.pk)

    def natural_key(self):
        return (self.committee.name, self.name)

    natural_key.dependencies = ["feedback.committee"]

    @property
    def display_name(self):
        """The name as the tables print it: 「秋山委員」 (委員 is a title, not part of the name).

        What ``get_role_display()`` gives, without its hashing every choice on each call (a
        quarter of a 資料 page's filter form, which prints ninety members)."""
        return f"{self.name}{_ROLE_LABELS.get(self.role, self.role)}"

    @classmethod
    def name_from_label(cls, label):
        """The name in a label as the tables print it: 「秋山委員」 → 「秋山」 (the opposite of
        ``display_name``); a label that is only a title is kept as it is."""
        label = label.strip()
        return _ROLE_TITLE.sub("", label).strip() or label


class MeetingManager(PublicManager):
    def get_by_natural_key(self, committee_name, fiscal_year, number):
        return self.get(committee__name=committee_name, fiscal_year=fiscal_year, number=number)


class Meeting(Versioned):
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("委員会")
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("年度"), help_text=_("年度の始まる西暦年。令和2年度なら 2020。")
    )
    number = models.PositiveSmallIntegerField(_("回"), help_text=_("その年度の第何回か。"))
    held_on = models.DateField(_("開催日"), null=True, blank=True)
    place = models.CharField(
        _("開催場所"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("例: 平塚市役所本館 6階 613会議室"),
    )
    # One item per line, in order: the secretariat types or pastes the 議題 as its 次第 lists
    # them, and one text keeps the order, the history and the optimistic lock of the meeting
    # itself (a related model would need its own inline, history and versions for a few
    # lines). ``agenda_items`` drops a typed 「（1）」 so the public list is not numbered twice.
    agenda = models.TextField(
        _("議題"),
        blank=True,
        default="",
        help_text=_("1行に1件、次第の順に入力してください。「（1）」などの番号は不要です。"),
    )
    attendees = models.ManyToManyField(
        "Member",
        through="MeetingAttendance",
        blank=True,
        related_name="meetings_attended",
        verbose_name=_("出席委員"),
    )
    absentees = models.ManyToManyField(
        "Member",
        through="MeetingAbsence",
        blank=True,
        related_name="meetings_missed",
        verbose_name=_("欠席委員"),
    )
    department = models.CharField(
        _("所管課"), max_length=100, blank=True, default="", help_text=_("例: 行政総務課")
    )
    department_phone = models.CharField(
        _("所管課の電話番号"),
        max_length=30,
        blank=True,
        default="",
        help_text=_("例: 0463-23-1111（内線2140）"),
        validators=[
            RegexValidator(
                r"^[0-9０-９\-－ー()（）\s　内線]+$",
                _("電話番号は数字とハイフンで入力してください（例: 0463-23-1111）。"),
            )
        ],
    )
    department_email = models.EmailField(
        _("所管課のメールアドレス"),
        blank=True,
        default="",
    )
    minutes_url = models.URLField(
        _("会議録のURL"),
        max_length=500,
        blank=True,
        default="",
        help_text=_("市のウェブサイトに掲載した会議録のアドレス（https://…）。"),
        validators=[
            URLValidator(
                schemes=["https"],
                message=_("会議録のURLは https:// で始まるアドレスを入力してください。"),
                # Not "invalid": the field's own message for that code would replace this one.
                code="https_only",
            )
        ],
    )

    objects = MeetingManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("会議")
        verbose_name_plural = _("会議")
        ordering = ["committee", "-fiscal_year", "-number"]
        indexes = [
            # The remark lists' order begins newest meeting first (paging.REMARK_ORDER).
            models.Index(
                models.F("fiscal_year").desc(),
                models.F("number").desc(),
                name="meeting_newest_first",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "fiscal_year", "number"],
                name="meeting_unique_number_per_fiscal_year",
                violation_error_message=_("この委員会の同じ年度に同じ回の会議があります。"),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="meeting_number_positive",
                violation_error_message=_("回は1以上にしてください。"),
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=1868),
                name="meeting_fiscal_year_plausible",
                violation_error_message=_("年度は西暦で入力してください（例: 2020）。"),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return detail_url("feedback:meeting-detail", self.pk)

    def natural_key(self):
        return (self.committee.name, self.fiscal_year, self.number)

    natural_key.dependencies = ["feedback.committee"]

    @property
    def fiscal_year_label(self):
        return wareki.fiscal_year_label(self.fiscal_year)

    @property
    def name(self):
        """「令和2年度第2回平塚市行政改革推進委員会」, derived, never typed."""
        return f"{self.fiscal_year_label}第{self.number}回{self.committee.name}"

    @property
    def agenda_items(self):
        """The 議題, one per non-empty line, without a typed leading number (「（1）」「1.」)."""
        return [
            _AGENDA_NUMBER.sub("", line).strip()
            for line in self.agenda.splitlines()
            if _AGENDA_NUMBER.sub("", line).strip()
        ]

    @property
    def minutes_link(self):
        """The 会議録 address to link, only when it is https (as the field's validator asks;
        a row written around the form must not become a ``javascript:`` link)."""
        return self.minutes_url if self.minutes_url.lower().startswith("https://") else ""

    def attendance_errors(self, members, absent=()):
        """Why ``members`` (present) and ``absent`` cannot be this meeting's attendance (empty
        when they can): each must sit on the committee that held it, and no one is both."""
        errors = []
        for label, chosen in ((_("出席委員"), members), (_("欠席委員"), absent)):
            others = [member for member in chosen if member.committee_id != self.committee_id]
            if others:
                errors.append(
                    _(
                        "%(label)sには、この会議を開いた委員会（%(committee)s）の委員を選んで"
                        "ください: %(names)s"
                    )
                    % {
                        "label": label,
                        "committee": self.committee,
                        "names": "、".join(f"{m.display_name}（{m.committee}）" for m in others),
                    }
                )
        both = [member for member in members if member in set(absent)]
        if both:
            errors.append(
                _("同じ委員を出席と欠席の両方に選んでいます: %(names)s")
                % {"names": "、".join(member.display_name for member in both)}
            )
        return errors

    def clean(self):
        super().clean()
        if (
            self.held_on
            and self.fiscal_year
            and wareki.fiscal_year_of(self.held_on) != self.fiscal_year
        ):
            raise ValidationError(
                {
                    "held_on": _("開催日が%(year)sに入っていません。")
                    % {"year": wareki.fiscal_year_label(self.fiscal_year)}
                }
            )


# 「（1）」「(1)」「1.」「１、」「①」 at the start of an agenda line.
_AGENDA_NUMBER = re.compile(
    r"^\s*(?:[（(]\s*[0-9０-９]+\s*[)）]|[0-9０-９]+\s*[.．、)）]|[①-⑳])\s*"
)


class MeetingRoll(models.Model):
    """A member on a meeting's roll, present or absent: one row per member and meeting.
    Written by ``services.meeting_set_attendees`` one row at a time, so that history records
    each change. Each roll names its relations (``Meta.default_related_name``)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, verbose_name=_("会議"))
    member = models.ForeignKey(Member, on_delete=models.PROTECT, verbose_name=_("委員"))

    objects = PublicManager()
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["meeting", "member__name_kana", "member__name"]

    def __str__(self):
        return f"{self.meeting} / {self.member.display_name}"


def _member_once(message):
    """A roll lists a member once per meeting."""
    return models.UniqueConstraint(
        fields=["meeting", "member"], name="%(class)s_member_once", violation_error_message=message
    )


class MeetingAttendance(MeetingRoll):
    """A member present at a meeting (出席委員)."""

    class Meta(MeetingRoll.Meta):
        verbose_name = _("出席委員")
        verbose_name_plural = _("出席委員")
        default_related_name = "attendance"
        constraints = [_member_once(_("同じ委員が二度出席委員になっています。"))]


class MeetingAbsence(MeetingRoll):
    """A member recorded absent from a meeting (欠席委員). Absence is what the secretariat
    records, never inferred from the committee's roll (terms are often open)."""

    class Meta(MeetingRoll.Meta):
        verbose_name = _("欠席委員")
        verbose_name_plural = _("欠席委員")
        default_related_name = "absence"
        constraints = [_member_once(_("同じ委員が二度欠席委員になっています。"))]


class ReflectionCategoryManager(PublicManager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class ReflectionCategory(Versioned):
    """A 対応区分 such as 反映 or 参考. Each city keeps its own list."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    description = models.CharField(_("説明"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)
    color = models.CharField(
        _("色"),
        max_length=7,
        default="#4b5563",
        help_text=_(
            "グラフに使う色（#RRGGBB）。白い文字や背景との対比が十分な濃さにしてください。"
        ),
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("#RRGGBB の形で入力してください。"))],
    )

    # A remark whose answer has such a category is settled: no longer listed as open, not
    # carried to the next meeting (feedback/lineage.py).
    closes_matter = models.BooleanField(
        _("この区分で終結"),
        default=False,
        help_text=_("この対応区分の意見は終結したものとし、次回の会議に継続しません。"),
    )

    objects = ReflectionCategoryManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("対応区分")
        verbose_name_plural = _("対応区分")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)


class CommentQuerySet(PublishableQuerySet):
    pass


class CommentManager(models.Manager.from_queryset(CommentQuerySet)):
    def get_by_natural_key(self, committee_name, fiscal_year, meeting_number, number):
        return self.get(
            meeting__committee__name=committee_name,
            meeting__fiscal_year=fiscal_year,
            meeting__number=meeting_number,
            number=number,
        )


class Comment(Publishable):
    """A remark (意見、質問等) a member made at a meeting."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="comments", verbose_name=_("会議")
    )
    number = models.PositiveIntegerField(_("No."))
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="comments", verbose_name=_("委員名")
    )
    policy_item = models.ForeignKey(
        PolicyItem, on_delete=models.PROTECT, related_name="comments", verbose_name=_("対象項目")
    )
    body = models.TextField(_("意見、質問等"))
    # 再掲 / 継続審議: the same matter raised at an earlier meeting (feedback/lineage.py).
    continues = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="continued_by",
        verbose_name=_("継続元の意見"),
        help_text=_("前の会議で出された同じ趣旨の意見（再掲・継続審議）。"),
    )
    # Derived, never shown: the folded texts a citizen can search (feedback/search.py), written
    # by search.refresh_search_text. No B-tree index: search is an infix match (LIKE '%…%'),
    # which such an index cannot serve, and PostgreSQL refuses B-tree entries over ~2.7 kB.
    search_text = models.TextField(_("検索用テキスト"), blank=True, default="", editable=False)
    # Derived from search_text, written with it: the pieces the search index holds
    # (search.bigrams_of; indexed by migration 0013, GIN on PostgreSQL, FTS5 on SQLite).
    # Empty on the drafts an import adds until they are saved on their own or published.
    search_bigrams = models.TextField(_("検索用索引"), blank=True, default="", editable=False)

    objects = CommentManager()
    history = HistoricalRecords(excluded_fields=["search_text", "search_bigrams"])

    class Meta:
        verbose_name = _("意見")
        verbose_name_plural = _("意見")
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"],
                name="comment_unique_number_per_meeting",
                violation_error_message=_("この会議には同じ No. の意見があります。"),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="comment_number_positive",
                violation_error_message=_("No. は1以上にしてください。"),
            ),
            models.CheckConstraint(
                condition=~Q(body=""),
                name="comment_body_not_empty",
                violation_error_message=_("意見、質問等を入力してください。"),
            ),
            published_has_date("comment_published_has_date"),
            # The public pages read the search index without looking for remarks outside it
            # (feedback/search.py): a published remark always holds its pieces.
            models.CheckConstraint(
                condition=~Q(status=PublicationStatus.PUBLISHED) | ~Q(search_bigrams=""),
                name="comment_published_indexed",
                violation_error_message=_("公開する意見の検索用索引がありません。"),
            ),
        ]
        indexes = [
            # The drafts an import added without index pieces (feedback/search.py), which the
            # admin's search looks for beside the index: the few rows that have none.
            models.Index(
                fields=["id"],
                condition=Q(search_bigrams=""),
                name="comment_unindexed",
            ),
            # Which remarks continue this one (lineage.open_comments, per open remark): few rows
            # have ``continues``, and the plain foreign-key index, mostly NULLs, looked to
            # SQLite's planner like a scan, so it read every published remark per open one.
            models.Index(
                fields=["continues"],
                condition=Q(continues__isnull=False),
                name="comment_continued",
            ),
            # The last published remarks, newest first (feeds.latest_changed).
            models.Index(
                fields=["published_at", "id"],
                name="comment_published",
            ),
            # How many published remarks each member, policy item and meeting has (the lists,
            # selectors._with_published_count): counted in a partial index alone, without
            # reading the rows. SQLite uses a partial index only where the query states its
            # condition as written (``selectors.PublishedAsWritten``), never for a bound
            # ``status = %s``: so these serve the counts and no other query's plan (an index
            # led by the status made the search page read every published remark through it
            # and sort them all: 1.4 s).
            *(
                models.Index(
                    fields=[field],
                    condition=Q(status=PublicationStatus.PUBLISHED),
                    name=f"comment_public_{name}",
                )
                for field, name in (
                    ("member", "member"),
                    ("policy_item", "item"),
                    ("meeting", "meeting"),
                )
            ),
        ]
        permissions = [
            # Used by the Excel/CSV import and export (feedback/excel.py, feedback/writers.py).
            ("import_feedback", _("意見等を取り込める")),
            ("export_feedback", _("意見等を書き出せる")),
        ]

    def __str__(self):
        return f"{self.meeting} No.{self.number}"

    def save(self, *args, **kwargs):
        # A remark saved on its own is found by its new text (search.with_body_line); the
        # other lines are search.refresh_search_text's, which every write path calls.
        self.search_text, self.search_bigrams = with_body_line(self.search_text, self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_text", "search_bigrams"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return detail_url("feedback:comment-detail", self.pk)

    def natural_key(self):
        return (*self.meeting.natural_key(), self.number)

    natural_key.dependencies = ["feedback.meeting"]

    def clean(self):
        super().clean()
        if (
            self.member_id
            and self.meeting_id
            and self.member.committee_id != self.meeting.committee_id
        ):
            raise ValidationError({"member": _("会議を開いた委員会の委員を選んでください。")})
        if self.continues_id and self.pk and self.continues_id == self.pk:
            raise ValidationError({"continues": _("意見自身を継続元にはできません。")})


def _comment_ever_published(comment_id):
    return Comment.objects.filter(pk=comment_id, published_at__isnull=False).exists()


class CityResponseManager(PublicManager):
    def get_by_natural_key(self, *comment_key):
        return self.get(comment=Comment.objects.get_by_natural_key(*comment_key))


class CityResponse(models.Model):
    """The city's view (市の考え方) of one remark and its response category (対応区分)."""

    comment = models.OneToOneField(
        Comment,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="response",
        verbose_name=_("意見"),
    )
    body = models.TextField(_("市の考え方"), blank=True)
    category = models.ForeignKey(
        ReflectionCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name=_("対応区分"),
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    objects = CityResponseManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("市の考え方")
        verbose_name_plural = _("市の考え方")
        ordering = ["comment"]
        indexes = [
            # The admin's 「未回答」 filter: the few answers without a body or a 対応区分.
            models.Index(
                fields=["comment"],
                condition=Q(body="") | Q(category__isnull=True),
                name="cityresponse_incomplete",
            ),
            # The last saved answers, newest first (feeds.latest_changed).
            models.Index(fields=["updated_at", "comment"], name="cityresponse_updated"),
        ]

    def __str__(self):
        return str(_("%(comment)s への市の考え方") % {"comment": self.comment})

    def natural_key(self):
        return self.comment.natural_key()

    natural_key.dependencies = ["feedback.comment"]

    @property
    def is_answered(self):
        return bool(self.body.strip()) and self.category_id is not None

    def affects_public(self):
        return _comment_ever_published(self.comment_id)


class FollowUpQuerySet(PublicQuerySet):
    def latest_first(self):
        """The latest follow-up first: the one a table prints as 対応状況.

        The one rule for "latest": a later date wins, an undated entry (carried over from
        paper) is older than any dated one, and among equals the later entry wins. The page
        reads it as a subquery, the files as a ``Prefetch`` (``feedback.table``).
        """
        return self.order_by(models.F("recorded_on").desc(nulls_last=True), "-id")


class FollowUp(models.Model):
    """One dated entry of what the city did about a remark (対応状況); the latest is shown."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("意見")
    )
    recorded_on = models.DateField(
        _("記録日"), null=True, blank=True, help_text=_("資料に日付がない場合は空欄。")
    )
    body = models.TextField(_("対応状況"))
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    objects = PublicManager.from_queryset(FollowUpQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("対応状況")
        verbose_name_plural = _("対応状況")
        # Oldest first, the reverse of ``FollowUpQuerySet.latest_first``.
        ordering = [models.F("recorded_on").asc(nulls_first=True), "id"]
        # The last saved follow-ups, newest first (feeds.latest_changed).
        indexes = [models.Index(fields=["updated_at", "id"], name="followup_updated")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(body=""),
                name="followup_body_not_empty",
                violation_error_message=_("対応状況を入力してください。"),
            ),
        ]

    def __str__(self):
        return str(_("%(comment)s の対応状況") % {"comment": self.comment})

    def affects_public(self):
        return _comment_ever_published(self.comment_id)


class ReportQuerySet(PublishableQuerySet):
    def with_pending_rows(self):
        """Published 資料 that list a remark not public yet (承認待ちの追加行): the admin index
        count and the 資料 list's filter. One 資料's such rows: ``Report.pending_entries``.

        Read from the few remarks not public (the status index) to their rows, not from every
        row of every published 資料 to its remark: at 100,000 remarks SQLite read each listed
        remark's row for its status (0.7 s on every admin index page)."""
        unpublished = Comment.objects.exclude(status=PublicationStatus.PUBLISHED).values("pk")
        listing = ReportEntry.objects.filter(comment__in=unpublished).values("report_id")
        return self.published().filter(pk__in=listing)


class ReportManager(models.Manager.from_queryset(ReportQuerySet)):
    def get_by_natural_key(self, title, label):
        return self.get(title=title, label=label)


class Report(Publishable):
    """A 資料: the handout that presents remarks, answers and follow-ups as one table."""

    label = models.CharField(_("資料番号"), max_length=50, help_text=_("例: 資料2"))
    title = models.CharField(_("表題"), max_length=200)
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("提出した会議"),
    )
    presented_on = models.DateField(_("提出日"), null=True, blank=True)
    # The two-level header of the paper table: one heading over 委員名…市の考え方,
    # one over 対応区分 and 対応状況.
    remarks_heading = models.TextField(_("見出し（意見と市の考え方）"))
    response_heading = models.TextField(_("見出し（対応区分と対応状況）"))
    comments = models.ManyToManyField(
        Comment,
        through="ReportEntry",
        related_name="reports",
        verbose_name=_("掲載する意見"),
    )

    objects = ReportManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("資料")
        verbose_name_plural = _("資料")
        ordering = ["-presented_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["title", "label"],
                name="report_unique_title_label",
                violation_error_message=_("同じ表題と資料番号の資料があります。"),
            ),
            published_has_date("report_published_has_date"),
        ]
        permissions = [
            ("publish_report", _("資料を公開・非公開にできる")),
            ("delete_published", _("公開した記録を削除できる")),
        ]

    def __str__(self):
        return f"{self.label} {self.title}"

    def get_absolute_url(self):
        return detail_url("feedback:report-detail", self.pk)

    def natural_key(self):
        return (self.title, self.label)

    def pending_entries(self):
        """The rows of a published 資料 whose remarks are not public yet (承認待ち), in printed
        order: added after publication, they wait for an approver's 「公開前の確認」."""
        if not self.is_published:
            return self.entries.none()
        return (
            self.entries.exclude(comment__status=PublicationStatus.PUBLISHED)
            .select_related("comment")
            .order_by("position")
        )


class ReportEntryManager(PublicManager):
    def get_by_natural_key(self, title, label, *comment_key):
        return self.get(
            report=Report.objects.get_by_natural_key(title, label),
            comment=Comment.objects.get_by_natural_key(*comment_key),
        )


class ReportEntry(models.Model):
    """One row of a 資料: which remark it lists, in which position."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="entries", verbose_name=_("資料")
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.PROTECT, related_name="report_entries", verbose_name=_("意見")
    )
    position = models.PositiveIntegerField(_("掲載順"))

    objects = ReportEntryManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("資料の掲載意見")
        verbose_name_plural = _("資料の掲載意見")
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "comment"],
                name="reportentry_comment_once_per_report",
                violation_error_message=_("同じ意見が資料に二度掲載されています。"),
            ),
            models.UniqueConstraint(
                fields=["report", "position"],
                name="reportentry_unique_position",
                violation_error_message=_("掲載順が重複しています。"),
            ),
        ]

    def __str__(self):
        return f"{self.report} / {self.comment}"

    def natural_key(self):
        return (*self.report.natural_key(), *self.comment.natural_key())

    def affects_public(self):
        return Report.objects.filter(pk=self.report_id, published_at__isnull=False).exists()

    natural_key.dependencies = ["feedback.report", "feedback.comment"]


class ChangeRequestQuerySet(models.QuerySet):
    def open(self):
        """Waiting for an approver, or returned to its author to be reworked."""
        return self.filter(status__in=OPEN_CHANGE_REQUEST)

    def for_record(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
        )


class ChangeRequest(Versioned):
    """A change proposed to a published record, kept apart until an approver approves it.

    The published record stays as it is (and public) meanwhile; ``proposed`` is the record's
    editable content as its author wants it, ``base`` as it was when the proposal began, so
    approving applies only what the author changed (``feedback.review``). One open proposal per
    record; it carries its own ``version`` so two people cannot overwrite each other's.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("記録の種類")
    )
    object_id = models.PositiveBigIntegerField(_("記録の番号"))
    target = GenericForeignKey("content_type", "object_id")
    proposed = models.JSONField(_("変更後の内容"))
    base = models.JSONField(_("変更前の内容"))
    base_version = models.PositiveIntegerField(_("変更前の記録の版"))
    status = models.CharField(
        _("状態"),
        max_length=20,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.PENDING,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("作成した職員"),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("最後に変更した職員"),
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("確認した承認者"),
    )
    reviewed_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    return_reason = models.TextField(_("差し戻しの理由"), blank=True)

    objects = ChangeRequestQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("変更案")
        verbose_name_plural = _("変更案")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(status__in=OPEN_CHANGE_REQUEST),
                name="changerequest_one_open_per_record",
                violation_error_message=_("この記録には、まだ承認されていない変更案があります。"),
            ),
        ]
        permissions = [
            ("review_changerequest", _("変更案を承認・差し戻しできる")),
            ("correct_published", _("公開中の記録を直接修正できる")),
        ]

    def __str__(self):
        return str(_("%(record)s の変更案") % {"record": self.target})

    @property
    def is_open(self):
        return self.status in OPEN_CHANGE_REQUEST


# -- 配布版 (the version handed out at the meeting) ----------------------------------------------


class ReportSnapshotQuerySet(PublicQuerySet):
    """Snapshots are never changed: a new confirmation makes a new one (``save`` refuses too)."""

    def update(self, **kwargs):
        raise ValidationError(_("確定した配布版は変更できません。"))

    update.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        raise ValidationError(_("確定した配布版は変更できません。"))

    bulk_update.alters_data = True


class ReportSnapshotManager(models.Manager.from_queryset(ReportSnapshotQuerySet)):
    pass


class ReportSnapshot(models.Model):
    """A 資料 exactly as printed when staff confirmed it as handed out (「配布版を確定」).

    Written only by ``services.report_confirm_presented``; immutable afterwards. Every
    confirmation is kept, the public 「提出時点」 page shows the latest. ``rows`` holds the printed
    cells in order (``feedback.table.TableRow.printed``), the other text fields the page's title,
    label and both group headings as they were printed.
    """

    # Deleting a 資料 (システム管理者 only, recorded in its history) takes its 配布版 with it:
    # there is no page left to show them on.
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("資料")
    )
    confirmed_at = models.DateTimeField(_("確定日時"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("確定した職員"),
    )
    presented_on = models.DateField(_("提出日"), null=True, blank=True)
    label = models.CharField(_("資料番号"), max_length=50)
    title = models.CharField(_("表題"), max_length=200)
    remarks_heading = models.TextField(_("見出し（意見と市の考え方）"))
    response_heading = models.TextField(_("見出し（対応区分と対応状況）"))
    rows = models.JSONField(_("掲載した行"))

    objects = ReportSnapshotManager()

    class Meta:
        verbose_name = _("配布版")
        verbose_name_plural = _("配布版")
        ordering = ["report", "-confirmed_at", "-id"]
        get_latest_by = ["confirmed_at", "id"]

    def __str__(self):
        return f"{self.label} {self.title}（{self.confirmed_at:%Y-%m-%d %H:%M} 確定）"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("確定した配布版は変更できません。"))
        super().save(*args, **kwargs)


# -- links from answers to the policy text they changed (issue 15) ------------------------------


class PolicyChangeLinkQuerySet(PublicQuerySet):
    def published(self):
        """Links a reader may see: the remark is published, and so is every version it names."""
        published = PublicationStatus.PUBLISHED
        return self.filter(comment__status=published).filter(
            Q(old_passage__isnull=True) | Q(old_passage__version__status=published),
            Q(new_passage__isnull=True) | Q(new_passage__version__status=published),
        )


class PolicyChangeLink(models.Model):
    """A remark's answer (usually 反映 or 一部反映) linked to a change of the policy text it caused.

    ``old_passage`` is the passage as it stood in an earlier version, ``new_passage`` as it
    stands in a later one; one of them is empty when the remark made a passage be added (only
    new) or removed (only old). Both belong to versions of the same policy as the remark's
    対象項目.
    """

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="policy_changes", verbose_name=_("意見")
    )
    old_passage = models.ForeignKey(
        "policy.Passage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="change_links_as_old",
        verbose_name=_("変更前の段落"),
    )
    new_passage = models.ForeignKey(
        "policy.Passage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="change_links_as_new",
        verbose_name=_("変更後の段落"),
    )
    order = models.PositiveIntegerField(_("表示順"), default=0)

    objects = PolicyChangeLinkQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("意見による政策・計画の変更")
        verbose_name_plural = _("意見による政策・計画の変更")
        ordering = ["comment", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(old_passage__isnull=False) | Q(new_passage__isnull=False),
                name="policychangelink_has_a_passage",
                violation_error_message=_("変更前か変更後の段落の少なくとも一方を選んでください。"),
            ),
        ]

    def __str__(self):
        return str(_("%(comment)s による変更") % {"comment": self.comment})

    def affects_public(self):
        return _comment_ever_published(self.comment_id)

    def clean(self):
        super().clean()
        old, new = self.old_passage, self.new_passage
        if old is None and new is None:
            return  # policychangelink_has_a_passage says so
        if old is not None and new is not None:
            if old.version.policy_id != new.version.policy_id:
                raise ValidationError(
                    {
                        "new_passage": _(
                            "変更前と変更後の段落は同じ政策・計画の版から選んでください。"
                        )
                    }
                )
            if _version_rank(old.version) >= _version_rank(new.version):
                raise ValidationError(
                    {
                        "old_passage": _(
                            "変更前の段落は、変更後の段落より前の版から選んでください"
                            "（変更前: %(old)s、変更後: %(new)s）。"
                        )
                        % {"old": old.version.name, "new": new.version.name}
                    }
                )
        policy_id = (old or new).version.policy_id
        if self.comment_id and self.comment.policy_item.policy_id != policy_id:
            raise ValidationError(
                _("意見の対象項目と同じ政策・計画（%(policy)s）の段落を選んでください。")
                % {"policy": self.comment.policy_item.policy}
            )


def _version_rank(version):
    """A version's place in its policy's order (the model's ordering: order, date, id)."""
    return (version.order, version.dated_on, version.pk)


# -- what pages show about a whole 資料, kept by the writes (feedback/summaries.py) ------------


class ReportSummary(models.Model):
    """What a 資料's page and the 資料 list show about all of its published rows, so a page
    reads it by primary key instead of reading every row: the counts per 対応区分, and the
    members, policy items and meetings of those rows (the filter's choices, 「提出した会議」).

    Written only by ``feedback.summaries``, in the transaction of every write that changes it,
    from a fresh reading of the rows (never added up by hand). A 資料 that lists no published
    remark may have none.
    """

    report = models.OneToOneField(
        Report,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="summary",
        verbose_name=_("資料"),
    )
    # [[category id or null, count], …]: JSON keys would be strings, and null is 未定.
    category_counts = models.JSONField(_("対応区分ごとの件数"), default=list)
    members = models.ManyToManyField(
        Member, related_name="report_summaries", verbose_name=_("委員")
    )
    policy_items = models.ManyToManyField(
        PolicyItem, related_name="report_summaries", verbose_name=_("対象項目")
    )
    meetings = models.ManyToManyField(
        Meeting, related_name="report_summaries", verbose_name=_("会議")
    )

    # Not a PublicManager: written only after the public write it follows raised the change
    # signal (feedback.summaries.refresh_noted).

    class Meta:
        verbose_name = _("資料の集計")
        verbose_name_plural = _("資料の集計")

    def __str__(self):
        return str(_("%(report)s の集計") % {"report": self.report})


class PublishedSummary(models.Model):
    """One row: the counts per 対応区分 of every published remark (the 資料 list's totals; a
    remark listed by two 資料 counts once). Kept like ``ReportSummary``."""

    category_counts = models.JSONField(_("対応区分ごとの件数"), default=list)

    class Meta:
        verbose_name = _("公開中の意見の集計")
        verbose_name_plural = _("公開中の意見の集計")
        constraints = [
            models.CheckConstraint(
                condition=Q(id=1),
                name="publishedsummary_single_row",
                violation_error_message=_("公開中の意見の集計は1行だけです。"),
            )
        ]

    def __str__(self):
        return str(_("公開中の意見の集計"))
