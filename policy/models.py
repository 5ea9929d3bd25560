from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from policy.enums import ItemKind, PassageKind, PolicyStage, VersionStage
from publication.enums import PublicationStatus
from publication.links import detail_url
from publication.models import (
    PublicManager,
    PublicQuerySet,
    Publishable,
    PublishableQuerySet,
    Versioned,
    published_has_date,
)


class PolicyManager(PublicManager):
    def get_by_natural_key(self, title):
        return self.get(title=title)


class Policy(Versioned):
    """A policy document the committee is consulted on, e.g. 平塚市デジタル化基本方針."""

    title = models.CharField(_("名称"), max_length=200, unique=True)
    stage = models.CharField(
        _("段階"), max_length=20, choices=PolicyStage.choices, default=PolicyStage.DRAFT
    )
    # Optional even when adopted: older tables often say that a policy was adopted, not when.
    adopted_on = models.DateField(_("策定日"), null=True, blank=True)
    url = models.URLField(_("公開ページのURL"), blank=True)
    description = models.TextField(_("概要"), blank=True)

    objects = PolicyManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政策・計画")
        verbose_name_plural = _("政策・計画")
        ordering = ["title"]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.title,)


class PolicyItemManager(PublicManager):
    def get_by_natural_key(self, policy_title, heading):
        return self.get(policy__title=policy_title, heading=heading)


class PolicyItem(Versioned):
    """A 対象項目: the part of a policy a remark is about, with its heading as written."""

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="items", verbose_name=_("政策・計画")
    )
    heading = models.CharField(_("見出し"), max_length=200)
    kind = models.CharField(
        _("種別"), max_length=20, choices=ItemKind.choices, default=ItemKind.SECTION
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上位の項目"),
    )
    order = models.PositiveIntegerField(_("表示順"), default=0)

    objects = PolicyItemManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("対象項目")
        verbose_name_plural = _("対象項目")
        ordering = ["policy", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "heading"],
                name="policyitem_unique_heading_per_policy",
                violation_error_message=_("同じ政策・計画に同じ見出しの対象項目があります。"),
            ),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(kind=ItemKind.WHOLE_DOCUMENT),
                name="policyitem_one_whole_document_per_policy",
                violation_error_message=_("文書全体を表す対象項目は政策・計画ごとに一つです。"),
            ),
            models.CheckConstraint(
                condition=Q(kind=ItemKind.SECTION) | Q(parent__isnull=True),
                name="policyitem_whole_document_has_no_parent",
                violation_error_message=_("文書全体を表す対象項目には上位の項目を指定できません。"),
            ),
        ]

    def __str__(self):
        return self.heading

    def get_absolute_url(self):
        return detail_url("feedback:policy-item-detail", self.pk)

    def natural_key(self):
        return (self.policy.title, self.heading)

    natural_key.dependencies = ["policy.policy"]

    def clean(self):
        super().clean()
        if self.parent_id is None:
            return
        if self.parent.policy_id != self.policy_id:
            raise ValidationError(
                {"parent": _("上位の項目は同じ政策・計画のものを選んでください。")}
            )
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": _("項目を自分自身の下位に置くことはできません。")})
            ancestor = ancestor.parent


class PolicyVersionQuerySet(PublishableQuerySet):
    pass


class PolicyVersion(Publishable):
    """One dated text of a policy: its 素案, its 案, its 策定版, made of ordered passages.

    The text itself is never edited here: a corrected text is a new version, so that what the
    committee was shown stays on record beside what the city adopted. A version reaches the
    public site only once staff publish it (``published()``, ``policy.services``).
    """

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="versions", verbose_name=_("政策・計画")
    )
    name = models.CharField(
        _("版の名称"), max_length=100, help_text=_("「素案」「案」「策定版」など。")
    )
    stage = models.CharField(
        _("段階"), max_length=20, choices=VersionStage.choices, default=VersionStage.DRAFT
    )
    dated_on = models.DateField(_("日付"))
    order = models.PositiveIntegerField(_("表示順"), default=0)
    source_filename = models.CharField(_("元のファイル名"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    objects = PolicyVersionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政策・計画の版")
        verbose_name_plural = _("政策・計画の版")
        ordering = ["policy", "order", "dated_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "name"],
                name="policyversion_unique_name_per_policy",
                violation_error_message=_("同じ政策・計画に同じ名称の版があります。"),
            ),
            published_has_date("policyversion_published_has_date"),
        ]
        permissions = [("publish_policyversion", _("政策・計画の版を公開・非公開にできる"))]

    def __str__(self):
        return f"{self.policy}（{self.name}）"

    def get_absolute_url(self):
        return reverse("admin:policy_policyversion_change", args=[self.pk])


class PassageQuerySet(PublicQuerySet):
    def published(self):
        """Passages of published versions only: the one gate for public reads of text."""
        return self.filter(version__status=PublicationStatus.PUBLISHED)


class Passage(models.Model):
    """A heading or a paragraph of a version's text, in document order.

    ``heading_path`` holds the headings above the passage, outermost first, one per line, so a
    passage can be shown and compared with its place in the document without a query per row.
    """

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="passages", verbose_name=_("版")
    )
    position = models.PositiveIntegerField(_("位置"))
    kind = models.CharField(_("種別"), max_length=20, choices=PassageKind.choices)
    level = models.PositiveSmallIntegerField(
        _("見出しの階層"), default=0, help_text=_("見出しは1（章）から、本文は0。")
    )
    heading_path = models.TextField(_("上位の見出し"), blank=True)
    text = models.TextField(_("本文"))

    objects = PassageQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("文章の段落")
        verbose_name_plural = _("文章の段落")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"],
                name="passage_unique_position_per_version",
                violation_error_message=_("同じ版の同じ位置に二つの段落があります。"),
            ),
            models.CheckConstraint(
                condition=(Q(kind=PassageKind.HEADING) & Q(level__gte=1))
                | (Q(kind=PassageKind.PARAGRAPH) & Q(level=0)),
                name="passage_level_matches_kind",
                violation_error_message=_("見出しの階層は1以上、本文の階層は0にしてください。"),
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="passage_text_not_empty",
                violation_error_message=_("段落の本文が空です。"),
            ),
        ]

    def __str__(self):
        # The version's name tells passages of the 素案 and the 策定版 apart in the admin's
        # autocomplete (which select_related the version).
        return f"{self.version.name} {self.position}: {self.text[:40]}"

    def affects_public(self):
        return PolicyVersion.objects.filter(pk=self.version_id, published_at__isnull=False).exists()

    @property
    def headings(self):
        """The headings above this passage, outermost first."""
        return tuple(self.heading_path.split("\n")) if self.heading_path else ()
