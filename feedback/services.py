"""Writes. Each state change is one function that the admin, the import and commands all call."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback import permissions, snapshots
from feedback.enums import PublicationStatus
from feedback.models import CityResponse, Comment, ReflectionCategory, Report, ReportSnapshot
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


@public_write
def report_confirm_presented(*, report: Report, by, presented_on=None) -> ReportSnapshot:
    """Freeze a 資料 as handed out at its meeting (「配布版を確定」): a new ``ReportSnapshot``.

    Keeps the printed rows (No., 委員名, 対象項目, 意見、質問等, 市の考え方, 対応区分, latest
    対応状況), title, label and both group headings exactly as the staff workbook prints them
    now. ``presented_on`` defaults to the 資料's 提出日, else the date of the meeting it was
    presented at; it may stay empty. Only those who may publish confirm (``by`` ``None`` is a
    command run by the operator). Refused with a ``ValidationError``, nothing written, when the
    資料 lists no remark, a remark lacks a city view or a 対応区分 (named by No.), or a listed
    remark is not published: the public 「提出時点」 page shows the 配布版, so it may hold no
    word an approver has not published. Confirming again makes another snapshot; the pages
    show the latest, the earlier ones stay in the admin.
    """
    if by is not None and not permissions.can_publish(by):
        raise PermissionDenied(_("配布版を確定する権限がありません。"))
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not report.entries.exists():
        raise ValidationError(_("掲載する意見がない資料は配布版を確定できません。"))
    unanswered = report_unanswered_comments(report)
    if unanswered:
        raise ValidationError(
            _(
                "市の考え方または対応区分が未入力の意見があるため"
                "配布版を確定できません: %(comments)s"
            )
            % {"comments": "、".join(f"No.{comment.number}" for comment in unanswered)}
        )
    if not report.is_published:
        raise ValidationError(
            _("公開していない資料は配布版を確定できません。先に公開してください。")
        )
    rows, comments = snapshots.current_rows(report)
    drafts = [comment for comment in comments if not comment.is_published]
    if drafts:
        raise ValidationError(
            _(
                "公開していない意見があるため"
                "配布版を確定できません（先に公開してください）: %(comments)s"
            )
            % {"comments": "、".join(f"No.{comment.number}" for comment in drafts)}
        )
    if presented_on is None:
        presented_on = report.presented_on or (report.meeting.held_on if report.meeting else None)
    snapshot = ReportSnapshot.objects.create(
        report=report,
        confirmed_at=timezone.now(),
        confirmed_by=by,
        presented_on=presented_on,
        label=report.label,
        title=report.title,
        remarks_heading=report.remarks_heading,
        response_heading=report.response_heading,
        rows=snapshots.rows_to_json(rows),
    )
    audit.info(
        "report confirm presented: %s (pk=%s, snapshot=%s)",
        report,
        report.pk,
        snapshot.pk,
        extra={"user": by},
    )
    return snapshot
