"""Writes. Each state change is one function that the admin, the import and commands all call."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback import lineage, permissions
from feedback.enums import PublicationStatus
from feedback.models import (
    CityResponse,
    Comment,
    FollowUp,
    Meeting,
    ReflectionCategory,
    Report,
    ReportEntry,
)
from feedback.search import refresh_search_text
from publication.stamp import public_write
from publication.versioning import save_versioned

audit = logging.getLogger("audit")


@public_write
def record_save(*, obj, by, expected_version=None, reason=""):
    """Save an edit of any versioned record (a form, a history revert): the one path for them.

    The rights are those of an edit of the record as it is stored now
    (``permissions.can_change``), never of the copy being saved: a revert to an old version
    of a published remark is an edit of a published remark. ``expected_version`` is the
    version the edit was made from (``StaleRecordError`` when it moved; nothing saved).
    Publication fields are never changed here (``report_publish`` does). History records
    ``by`` and ``reason``.
    """
    model = type(obj)
    if obj.pk is None or obj._state.adding:
        if by is not None and not permissions.can_add(by, model):
            raise PermissionDenied(_("この記録を追加する権限がありません。"))
    else:
        current = model._default_manager.select_for_update().filter(pk=obj.pk).first()
        if current is not None and by is not None and not permissions.can_change(by, current):
            raise PermissionDenied(
                _("この記録を変更する権限がありません（%(record)s）。") % {"record": current}
            )
    return save_versioned(obj=obj, by=by, expected_version=expected_version, reason=reason)


def _set_status(obj, *, status, by, now):
    obj.status = status
    if status == PublicationStatus.PUBLISHED:
        obj.published_at = now
        obj.published_by = by
    # simple-history records who made the change when there is no request to read it from.
    obj._history_user = by
    obj.save()


def report_unanswered_comments(report):
    """The remarks a 資料 lists that still lack a city view or a 対応区分, in printed order."""
    entries = report.entries.select_related("comment__response", "comment__meeting__committee")
    unanswered = []
    for entry in entries.order_by("position"):
        response = getattr(entry.comment, "response", None)
        if response is None or not response.is_answered:
            unanswered.append(entry.comment)
    return unanswered


@public_write
def report_publish(*, report: Report, by=None) -> Report:
    """Publish a 資料 and every remark it lists, after checking that each one is answered.

    Refused with a ``ValidationError`` naming the remarks that lack a city view or a category;
    nothing changes then.
    """
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not report.entries.exists():
        raise ValidationError(_("掲載する意見がない資料は公開できません。"))
    unanswered = report_unanswered_comments(report)
    if unanswered:
        raise ValidationError(
            _("市の考え方または対応区分が未入力の意見があるため公開できません: %(comments)s")
            % {"comments": "、".join(f"No.{comment.number}" for comment in unanswered)}
        )
    now = timezone.now()
    drafts = Comment.objects.filter(report_entries__report=report).exclude(
        status=PublicationStatus.PUBLISHED
    )
    for comment in drafts:
        _set_status(comment, status=PublicationStatus.PUBLISHED, by=by, now=now)
    refresh_search_text(report.entries.values_list("comment_id", flat=True))  # search_text
    if not report.is_published:
        _set_status(report, status=PublicationStatus.PUBLISHED, by=by, now=now)
    audit.info("report publish: %s (pk=%s)", report, report.pk, extra={"user": by})
    return report


@public_write
def report_unpublish(*, report: Report, by=None) -> Report:
    """Hide a 資料 from the public site without deleting anything.

    Its remarks are hidden too, except those another published 資料 still lists.
    """
    report = Report.objects.select_for_update().get(pk=report.pk)
    now = timezone.now()
    if report.is_published:
        _set_status(report, status=PublicationStatus.DRAFT, by=by, now=now)
    still_listed = Comment.objects.filter(
        report_entries__report__status=PublicationStatus.PUBLISHED
    )
    hidden = (
        Comment.objects.published()
        .filter(report_entries__report=report)
        .exclude(pk__in=still_listed)
    )
    for comment in hidden:
        _set_status(comment, status=PublicationStatus.DRAFT, by=by, now=now)
    audit.info("report unpublish: %s (pk=%s)", report, report.pk, extra={"user": by})
    return report


@public_write
def comments_set_category(*, comments, category: ReflectionCategory, by=None) -> list[Comment]:
    """Set the 対応区分 of several remarks at once; returns the remarks that changed.

    A remark without a city view gets one with an empty text, so the category is kept while
    the answer is being drafted. Each changed remark's ``version`` goes up, so a form opened
    before this change can no longer overwrite it; history records ``by`` as the author.
    """
    changed = []
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the response.
    locked = Comment.objects.select_for_update(of=("self",)).filter(pk__in=[c.pk for c in comments])
    for comment in locked.select_related("response").order_by("pk"):
        response = getattr(comment, "response", None) or CityResponse(comment=comment)
        if response.category_id == category.pk:
            continue
        response.category = category
        response._history_user = by
        response.save()
        comment.version += 1
        comment._history_user = by
        comment.save(update_fields=["version", "updated_at"])
        changed.append(comment)
    refresh_search_text([comment.pk for comment in changed])  # search_text
    return changed


# --- 継続審議: the next meeting's 資料 from the open remarks (feedback/lineage.py) ---


def meeting_next(meeting):
    """The committee's meeting after ``meeting``: the next number in the same 年度 (unsaved
    when it does not exist yet)."""
    return Meeting.objects.filter(
        committee=meeting.committee, fiscal_year=meeting.fiscal_year, number=meeting.number + 1
    ).first() or Meeting(
        committee=meeting.committee, fiscal_year=meeting.fiscal_year, number=meeting.number + 1
    )


@public_write
def meeting_draft_next_report(*, meeting: Meeting, by, next_meeting: Meeting | None = None):
    """Draft the next meeting's 資料 from the committee's open remarks.

    ``next_meeting`` is a later meeting of the same committee; by default ``meeting_next``
    (created when missing). Each open published remark of a meeting before it that was not
    carried forward yet becomes a draft remark of ``next_meeting`` continuing it (same member,
    item and text), with its answer, category and latest follow-up copied for staff to update,
    listed in order in a new draft 資料. Nothing is published. Returns the 資料; refused with a
    ``ValidationError`` when there is nothing open, ``PermissionDenied`` without the right to
    add remarks and 資料. History records ``by``.
    """
    if not (permissions.can_add(by, Comment) and permissions.can_add(by, Report)):
        raise PermissionDenied(_("意見と資料を追加する権限がありません。"))
    if next_meeting is None:
        next_meeting = meeting_next(meeting)
        if next_meeting.pk is None:
            next_meeting._history_user = by
            next_meeting.full_clean()
            next_meeting.save()
    if next_meeting.committee_id != meeting.committee_id or (
        next_meeting.fiscal_year,
        next_meeting.number,
    ) <= (meeting.fiscal_year, meeting.number):
        raise ValidationError(_("次回の会議には、同じ委員会の後の会議を選んでください。"))
    next_meeting = Meeting.objects.select_for_update().get(pk=next_meeting.pk)
    earlier = Q(meeting__fiscal_year__lt=next_meeting.fiscal_year) | Q(
        meeting__fiscal_year=next_meeting.fiscal_year, meeting__number__lt=next_meeting.number
    )
    originals = list(
        lineage.committee_open_comments(meeting.committee, published_only=False)
        .filter(earlier)
        .prefetch_related("follow_ups")
    )
    if not originals:
        raise ValidationError(_("次回に継続する未終結の意見がありません。"))
    number = (next_meeting.comments.aggregate(last=Max("number"))["last"] or 0) + 1
    report = Report(
        label=_("資料1"),
        title=_("%(meeting)s 継続審議の意見と市の考え方") % {"meeting": next_meeting.name},
        meeting=next_meeting,
        presented_on=next_meeting.held_on,
        remarks_heading=_("前回までの委員からの意見、質問等に対する市の考え方（継続審議）"),
        response_heading=_("対応区分と対応状況（前回までの内容を更新してください）"),
    )
    taken = set(Report.objects.filter(title=report.title).values_list("label", flat=True))
    serial = 1
    while report.label in taken:
        serial += 1
        report.label = _("資料%(number)s") % {"number": serial}
    report._history_user = by
    report.save()
    created = []
    for position, original in enumerate(originals, start=1):
        draft = Comment(
            meeting=next_meeting,
            number=number,
            member=original.member,
            policy_item=original.policy_item,
            body=original.body,
            continues=original,
        )
        number += 1
        draft._history_user = by
        draft.full_clean()
        draft.save()
        created.append(draft)
        response = getattr(original, "response", None)
        if response is not None:
            copy = CityResponse(comment=draft, body=response.body, category=response.category)
            copy._history_user = by
            copy.save()
        follow_ups = list(original.follow_ups.all())
        if follow_ups:
            latest = follow_ups[-1]  # FollowUp's ordering puts the latest last
            copy = FollowUp(comment=draft, recorded_on=latest.recorded_on, body=latest.body)
            copy._history_user = by
            copy.save()
        entry = ReportEntry(report=report, comment=draft, position=position)
        entry._history_user = by
        entry.save()
    refresh_search_text([draft.pk for draft in created])  # search_text
    audit.info(
        "meeting draft next report: %s -> %s (pk=%s, %s remarks)",
        meeting,
        next_meeting,
        report.pk,
        len(created),
        extra={"user": by},
    )
    return report
