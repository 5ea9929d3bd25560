"""Writes. Each state change is one function that the admin, the import and commands all call."""

import logging
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, Max, Prefetch, Q, TextField, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from feedback import lineage, permissions, review, snapshots
from feedback.enums import ChangeRequestStatus, PublicationStatus
from feedback.models import (
    ChangeRequest,
    CityResponse,
    Comment,
    FollowUp,
    Meeting,
    MeetingAbsence,
    MeetingAttendance,
    Member,
    ReflectionCategory,
    Report,
    ReportEntry,
    ReportSnapshot,
)
from feedback.search import (
    SEARCH_COLUMNS,
    bigrams_of,
    refresh_search_text,
    search_text_of,
)
from publication.stamp import public_write
from publication.versioning import StaleRecordError, save_versioned

audit = logging.getLogger("audit")


@public_write
def record_save(*, obj, by, expected_version=None, reason="", many=None):
    """Save an edit of any versioned record (a form, a history revert): the one path for them.

    The rights are those of an edit of the record as it is stored now
    (``permissions.can_change``), never of the copy being saved: a revert to an old version
    of a published remark is an edit of a published remark. ``expected_version`` is the
    version the edit was made from (``StaleRecordError`` when it moved; nothing saved).
    Publication fields are never changed here (``report_publish`` does). History records
    ``by`` and ``reason``.

    A named record citizens read now (``review.has_public_name``: a member, committee,
    meeting, policy item or category of a published remark) edited by someone who may not
    correct published records is not saved: the edit, with ``many`` (the form's many-to-many
    values), becomes a proposal (``record_propose``), returned instead of the record.
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
        public_name = current is not None and review.has_public_name(current)
        if public_name and by is not None and not permissions.can_correct_published(by):
            if expected_version is not None and current.version != expected_version:
                raise StaleRecordError(current=current.version, submitted=expected_version)
            proposed = review.record_state(obj, many=many)
            return record_propose(obj=current, proposed=proposed, by=by)
        if current is not None and (getattr(current, "is_published", False) or public_name):
            # システム管理者's direct correction of published text: said so in history and
            # in the audit log, since it skipped the review.
            reason = reason or _("公開中の記録を直接修正")
            audit.info(
                "direct correction of a published record: %s (pk=%s)",
                current,
                current.pk,
                extra={"user": by},
            )
    return save_versioned(obj=obj, by=by, expected_version=expected_version, reason=reason)


@public_write
def meeting_set_attendees(*, meeting, members, absent=None, by=None):
    """Make ``members`` the meeting's attendees (出席委員) and, when given, ``absent`` its
    absentees (欠席委員), each a member of its committee and none both.

    Refused with a ``ValidationError`` naming the members of another committee or those chosen
    twice, or ``PermissionDenied`` without the right to change the meeting; nothing changes
    then. Rows are added and removed one at a time, so history records each with ``by``.
    Returns the attendees added and removed.
    """
    if by is not None and not permissions.can_change(by, meeting):
        raise PermissionDenied(
            _("この記録を変更する権限がありません（%(record)s）。") % {"record": meeting}
        )
    return _set_attendees(meeting, members, absent=absent, by=by)


def _set_attendees(meeting, members, *, absent=None, by):
    members = list(members)
    absent_members = list(meeting.absentees.all()) if absent is None else list(absent)
    errors = meeting.attendance_errors(members, absent_members)
    if errors:
        raise ValidationError({"attendees": errors})
    if absent is not None:
        _sync_rows(MeetingAbsence, meeting, absent_members, by=by)
    return _sync_rows(MeetingAttendance, meeting, members, by=by)


def _sync_rows(model, meeting, members, *, by):
    """Make ``members`` the meeting's rows of ``model`` (attendance or absence), one row at a
    time. Returns the members added and removed."""
    wanted = {member.pk: member for member in members}
    rows = {
        row.member_id: row for row in model.objects.filter(meeting=meeting).select_related("member")
    }
    removed = [row for member_id, row in rows.items() if member_id not in wanted]
    for row in removed:
        row._history_user = by
        row.delete()
    added = [member for pk, member in wanted.items() if pk not in rows]
    for member in added:
        row = model(meeting=meeting, member=member)
        row._history_user = by
        row.save()
    return added, [row.member for row in removed]


def _set_status(obj, *, status, by, now):
    obj.status = status
    if status == PublicationStatus.PUBLISHED:
        obj.published_at = now
        obj.published_by = by
    # simple-history records who made the change when there is no request to read it from.
    obj._history_user = by
    obj.save()


#: Remarks per ``UPDATE`` when publishing: its ``CASE`` tests each row against every remark of
#: the batch that needs index pieces, so the batches are kept small.
PUBLISH_BATCH_SIZE = 100


def _publish_comments(comments, *, by, now):
    """Publish the draft remarks ``comments`` (a QuerySet) as ``_set_status`` publishes one, in
    one ``UPDATE`` per ``PUBLISH_BATCH_SIZE`` remarks instead of two statements per remark (a
    10,000-row 資料 in seconds, not half a minute): the status, when and by whom,
    ``updated_at``, and the index pieces of those that lack them (the import leaves them to
    this; a published remark holds them), each row written once; then the history row each
    save would record (「~」, by ``by``), copied by the database from the rows written. Their
    search text is ``refresh_search_text``'s, which the caller runs after."""
    pks = list(comments.order_by("pk").values_list("pk", flat=True))
    pieces = {
        pk: bigrams_of(text)
        for pk, text in Comment.objects.filter(pk__in=pks, search_bigrams="").values_list(
            "pk", "search_text"
        )
    }
    for start in range(0, len(pks), PUBLISH_BATCH_SIZE):
        batch = pks[start : start + PUBLISH_BATCH_SIZE]
        values = {
            "status": PublicationStatus.PUBLISHED,
            "published_at": now,
            "published_by": by,
            "updated_at": now,
        }
        missing = [When(pk=pk, then=Value(pieces[pk])) for pk in batch if pk in pieces]
        if missing:
            values["search_bigrams"] = Case(
                *missing, default=F("search_bigrams"), output_field=TextField()
            )
        Comment.objects.filter(pk__in=batch).update(**values)
    _copy_history(Comment, pks, by=by, history_type="~")


def report_unanswered_comments(report):
    """The remarks a 資料 lists that still lack a city view or a 対応区分, in printed order."""
    entries = report.entries.select_related(
        "comment__response", "comment__meeting__committee"
    ).defer(*(f"comment__{column}" for column in SEARCH_COLUMNS))
    unanswered = []
    for entry in entries.order_by("position"):
        response = getattr(entry.comment, "response", None)
        if response is None or not response.is_answered:
            unanswered.append(entry.comment)
    return unanswered


@public_write
def report_publish(*, report: Report, by=None, reviewed=None) -> Report:
    """Publish a 資料 and every remark it lists, after checking that each one is answered.

    ``reviewed`` is the ``review.report_content`` the approver saw on the confirmation page:
    when the 資料 has changed since (an editor changed an answer, added a row), publishing is
    refused, naming what changed, so nothing is published unseen. Commands that publish a file
    their operator checked pass ``None``.

    Refused with a ``ValidationError`` naming the remarks that lack a city view or a category;
    nothing changes then.
    """
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not report.entries.exists():
        raise ValidationError(_("掲載する意見がない資料は公開できません。"))
    if reviewed is not None:
        changed = review.report_content_changes(reviewed, review.report_content(report))
        if changed:
            raise ValidationError(
                _(
                    "確認画面を開いた後に資料が変更されました（%(changes)s）。"
                    "もう一度内容を確認してから公開してください。"
                )
                % {"changes": "、".join(changed)}
            )
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
    _publish_comments(drafts, by=by, now=now)
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
    _hide_unlisted(report.entries.values_list("comment_id", flat=True), by=by)
    audit.info("report unpublish: %s (pk=%s)", report, report.pk, extra={"user": by})
    return report


def _hide_unlisted(comment_ids, *, by):
    """The published remarks among ``comment_ids`` that no published 資料 lists, hidden."""
    still_listed = Comment.objects.filter(
        report_entries__report__status=PublicationStatus.PUBLISHED
    )
    hidden = list(
        Comment.objects.published().filter(pk__in=comment_ids).exclude(pk__in=still_listed)
    )
    now = timezone.now()
    for comment in hidden:
        _set_status(comment, status=PublicationStatus.DRAFT, by=by, now=now)
    return hidden


@public_write
def comments_hide_unlisted(*, comment_ids, by=None) -> list[Comment]:
    """Hide the published remarks among ``comment_ids`` that no published 資料 lists any more.

    A remark is public because a published 資料 lists it; when its row is removed from the
    last such 資料 (the admin's rows), it leaves the public site as ``report_unpublish`` would
    take it, history recording ``by``. Returns the remarks hidden.
    """
    hidden = _hide_unlisted(comment_ids, by=by)
    if hidden:
        audit.info(
            "remarks hidden, no longer listed: %s",
            "、".join(str(comment) for comment in hidden),
            extra={"user": by},
        )
    return hidden


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


# -- imports (feedback.resources) --------------------------------------------------------------


@public_write
def comments_save_imported(*, comments, follow_ups=(), by=None, batch_size=1000) -> list:
    """Save remarks read from a sheet with their city views and new follow-ups.

    Each remark's answer is ``comment.response`` (written when it is new and says something,
    or when it differs from the stored one); ``follow_ups`` are the new ``FollowUp`` entries of
    these remarks. New remarks go in batches of ``batch_size``, each with its history row and
    its search text (made from the records in hand, as ``refresh_search_text`` would read them
    back); a changed one is an edit through ``record_save`` from the version it was read at (a
    form opened before can no longer save over it; ``StaleRecordError`` if it moved meanwhile).
    History records ``by``. Returns the remarks.
    """
    new = [comment for comment in comments if comment._state.adding]
    changed = [comment for comment in comments if not comment._state.adding]
    stored = {
        response.pk: (response.body, response.category_id)
        for response in CityResponse.objects.filter(comment__in=changed)
    }
    for comment in changed:
        record_save(obj=comment, by=by, expected_version=comment.version)
    _set_search_text(new, follow_ups)
    _bulk_create_with_history(new, Comment, by=by, batch_size=batch_size)
    responses = []
    for comment in comments:
        response = getattr(comment, "response", None)
        if response is None:
            continue
        response.comment = comment
        values = (response.body, response.category_id)
        if comment.pk in stored:
            if stored[comment.pk] != values:
                response._history_user = by
                response.save()
        elif response.body or response.category_id is not None:
            responses.append(response)
    _bulk_create_with_history(responses, CityResponse, by=by, batch_size=batch_size)
    # bulk_create takes each new remark's id from the remark the entry points to.
    _bulk_create_with_history(list(follow_ups), FollowUp, by=by, batch_size=batch_size)
    refresh_search_text([comment.pk for comment in changed])  # search_text
    return comments


def _set_search_text(comments, follow_ups):
    """The search text of new remarks, from the records in hand (member, 対象項目, answer,
    category and ``follow_ups``, none read again): what ``refresh_search_text`` writes, without
    a second write of each new remark (tests compare the two). A draft gets no index pieces
    (``feedback.search``: publishing it writes them); they were a third of an import's time."""
    entries = {}
    for follow_up in follow_ups:
        entries.setdefault(id(follow_up.comment), []).append(follow_up)
    # FollowUp's ordering: undated first, then by date, then in the order written.
    first = date.min
    printed = {}
    with translation.override("ja"):
        for comment in comments:
            member = comment.member
            if member.pk not in printed:
                printed[member.pk] = member.display_name
            response = getattr(comment, "response", None)
            category = response.category if response and response.category_id else None
            ordered = sorted(
                entries.get(id(comment), ()),
                key=lambda f: (f.recorded_on is not None, f.recorded_on or first),
            )
            text = search_text_of(
                body=comment.body,
                response=response.body if response else "",
                category=category.name if category else "",
                follow_ups=[follow_up.body for follow_up in ordered],
                member=printed[member.pk],
                member_name=member.name,
                item=comment.policy_item.heading,
            )
            comment.search_text = text
            # A draft's index pieces wait for its publication, which writes them
            # (_publish_comments); the admin's search finds it by the LIKE alone until then.
            published = comment.status == PublicationStatus.PUBLISHED
            comment.search_bigrams = bigrams_of(text) if published else ""


def _bulk_create_with_history(objs, model, *, by, batch_size):
    """``bulk_create`` and the history row of each new record (「+」, by ``by``, no reason):
    the rows simple-history's ``bulk_create_with_history`` writes, copied by the database from
    the records just written instead of built as one Python object each (at 10,000 remarks
    that copy was a third of an import's time)."""
    created = model._default_manager.bulk_create(objs, batch_size=batch_size)
    _copy_history(model, [obj.pk for obj in created], by=by, history_type="+")
    return created


def _copy_history(model, pks, *, by, history_type):
    """The history row (``history_type``, by ``by``, no reason, dated now) of each record of
    ``model`` in ``pks`` as it is stored: what simple-history records on a save, copied by the
    database (``INSERT … SELECT``) rather than built as one Python object per record."""
    if not pks or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = model.history.model
    quote = connection.ops.quote_name
    tracked = [
        (field.column, history._meta.get_field(field.name).column)
        for field in history.tracked_fields
    ]
    source = ", ".join(quote(column) for column, _target in tracked)
    target = ", ".join(quote(column) for _source, column in tracked)
    user = quote(history._meta.get_field("history_user").column)
    pk = quote(model._meta.pk.column)
    when = connection.ops.adapt_datetimefield_value(timezone.now())
    step = 500  # within SQLite's limit of bound values per statement
    with connection.cursor() as cursor:
        for start in range(0, len(pks), step):
            batch = pks[start : start + step]
            # Table and column names come from the models, quoted; the values are parameters.
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({target}, history_date,"  # nosec B608
                f" history_change_reason, history_type, {user})"
                f" SELECT {source}, %s, NULL, %s, %s FROM {quote(model._meta.db_table)}"
                f" WHERE {pk} IN ({', '.join(['%s'] * len(batch))}) ORDER BY {pk}",
                [when, history_type, by.pk if by is not None else None, *batch],
            )


@public_write
def report_set_rows(*, report: Report, comments, by=None) -> Report:
    """Make ``comments`` the rows of a 資料, in this order (an import of its table).

    Nothing changes when they are its rows already. A published 資料's rows are removed or
    reordered only by those who may publish (``by`` ``None``, the command line, counts as one);
    a remark no published 資料 lists any more then leaves the public site
    (``comments_hide_unlisted``'s rule). An 入力担当 may append unpublished remarks to a
    published 資料: they wait there (承認待ち) until an approver publishes them
    (``report_publish`` through 「公開前の確認」). Old rows are deleted and the new ones written,
    each with its history row recording ``by``.
    """
    wanted = [comment.pk for comment in comments]
    entries = list(report.entries.order_by("position"))
    current = [entry.comment_id for entry in entries]
    if wanted == current:
        return report
    if report.is_published and by is not None and not permissions.can_publish(by):
        appended = wanted[len(current) :]
        if wanted[: len(current)] != current or (
            Comment.objects.published().filter(pk__in=appended).exists()
        ):
            raise PermissionDenied(
                _(
                    "%(report)sは公開済みのため、掲載している行の削除・並べ替えと公開中の意見の"
                    "追加は、公開の権限がある職員でなければできません（まだ公開していない意見は、"
                    "末尾に承認待ちの行として追加できます）。"
                )
                % {"report": report}
            )
        # Only the new rows, after the published ones: pending until an approver publishes.
        last = max((entry.position for entry in entries), default=0)
        rows = list(enumerate(appended, start=last + 1))
    else:
        for entry in entries:
            entry._history_user = by
            entry.delete()
        rows = list(enumerate(wanted, start=1))
    _bulk_create_with_history(
        [ReportEntry(report=report, comment_id=pk, position=position) for position, pk in rows],
        ReportEntry,
        by=by,
        batch_size=500,
    )
    if report.is_published:
        _hide_unlisted(set(current) - set(wanted), by=by)
    return report


# -- proposed changes to published remarks (変更案) -------------------------------------------


@transaction.atomic
def change_request_save(*, comment, proposed, by, expected_version=None):
    """Propose ``proposed`` (a ``review.comment_state``) for the published ``comment``.

    The published remark is not touched: it stays public as approved. The record's open
    proposal is updated (``expected_version`` must be its version: two people cannot overwrite
    each other's proposal) or a new one is made from the remark as it is now. A proposal that
    changes nothing is refused. Returns the ``ChangeRequest``.
    """
    if not permissions.can_propose(by, comment):
        raise PermissionDenied(_("変更案を作成する権限がありません。"))
    live = Comment.objects.select_for_update().get(pk=comment.pk)
    return _propose(live, review.comment_state(live), proposed, by, expected_version)


@transaction.atomic
def record_propose(*, obj, proposed, by, expected_version=None):
    """Propose ``proposed`` (a ``review.record_state``) for a named record citizens read now
    (a committee, member, meeting, policy item or category: ``review.has_public_name``).

    As ``change_request_save``: the public name stays until an approver approves. Returns the
    ``ChangeRequest``.
    """
    if not permissions.can_propose(by, obj):
        raise PermissionDenied(_("変更案を作成する権限がありません。"))
    live = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    return _propose(live, review.record_state(live), proposed, by, expected_version)


def _propose(live, current, proposed, by, expected_version):
    open_request = ChangeRequest.objects.select_for_update().open().for_record(live).first()
    if open_request is None:
        if proposed == current:
            raise ValidationError(_("変更がありません。"))
        change_request = ChangeRequest(
            target=live,
            proposed=proposed,
            base=current,
            base_version=live.version,
            created_by=by,
            updated_by=by,
        )
        change_request._history_user = by
        change_request.save()
        return change_request
    if expected_version is not None and open_request.version != expected_version:
        raise StaleRecordError(current=open_request.version, submitted=expected_version)
    open_request.proposed = proposed
    open_request.status = ChangeRequestStatus.PENDING
    open_request.updated_by = by
    open_request.version += 1
    open_request._history_user = by
    open_request.save()
    return open_request


@public_write
def change_request_approve(*, change_request, by, expected_version):
    """Publish a proposed change: it is applied to the published remark in one transaction.

    ``expected_version`` is the proposal's version the approver reviewed: a proposal edited
    since is refused, so nothing is ever published unseen. History records the approver and
    the proposal; the public pages show the change on their next request.
    """
    if not permissions.can_review(by):
        raise PermissionDenied(_("変更案を承認する権限がありません。"))
    locked = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if not locked.is_open:
        raise ValidationError(
            _("この変更案は既に%(status)sです。") % {"status": locked.get_status_display()}
        )
    if locked.version != expected_version:
        raise ValidationError(
            _(
                "この変更案は、あなたが確認した後に変更されました（確認した版: %(seen)s、"
                "現在の版: %(current)s）。もう一度内容を確認してから承認してください。"
            )
            % {"seen": expected_version, "current": locked.version}
        )
    model = locked.content_type.model_class()
    record = model._default_manager.select_for_update().get(pk=locked.object_id)
    author = locked.created_by
    reason = _("変更案 #%(id)s を承認（作成: %(author)s、承認: %(approver)s）") % {
        "id": locked.pk,
        "author": author.get_username() if author else "-",
        "approver": by.get_username(),
    }
    # An approval is an edit of the published record: its version goes up with it.
    record.version += 1
    if model is Comment:
        applied = review.apply_comment_state(
            record, base=locked.base, proposed=locked.proposed, by=by, reason=reason
        )
        refresh_search_text([record.pk])  # search_text
    else:
        applied = review.apply_record_state(
            record, base=locked.base, proposed=locked.proposed, by=by, reason=reason
        )
        changed = [
            name
            for name in ("attendees", "absentees")
            if model is Meeting and locked.base.get(name) != locked.proposed.get(name)
        ]
        if changed:
            # One row at a time, with history, as meeting_set_attendees writes them.
            present, absent = (
                Member.objects.filter(pk__in=locked.proposed.get(name) or [])
                for name in ("attendees", "absentees")
            )
            _set_attendees(record, present, absent=absent, by=by)
            applied += changed
        refresh_search_text(review.comment_ids_naming(record))  # names are in search_text
    locked.status = ChangeRequestStatus.APPROVED
    locked.reviewed_by = by
    locked.reviewed_at = timezone.now()
    locked._history_user = by
    locked.save()
    audit.info(
        "change request approve: #%s %s fields=%s",
        locked.pk,
        record,
        ",".join(applied),
        extra={"user": by},
    )
    return locked


@transaction.atomic
def change_request_return(*, change_request, by, reason, expected_version):
    """Return a proposal to its author with a reason (差し戻し); nothing is published."""
    if not permissions.can_review(by):
        raise PermissionDenied(_("変更案を差し戻す権限がありません。"))
    if not reason.strip():
        raise ValidationError(_("差し戻す理由を入力してください。"))
    locked = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if locked.status != ChangeRequestStatus.PENDING:
        raise ValidationError(_("この変更案は承認待ちではありません。"))
    if locked.version != expected_version:
        raise ValidationError(_("この変更案は、あなたが確認した後に変更されました。"))
    locked.status = ChangeRequestStatus.RETURNED
    locked.return_reason = reason.strip()
    locked.reviewed_by = by
    locked.reviewed_at = timezone.now()
    locked._history_user = by
    locked.save()
    return locked


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
        .prefetch_related(
            Prefetch("follow_ups", FollowUp.objects.latest_first(), to_attr="latest_follow_ups")
        )
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
        if original.latest_follow_ups:
            latest = original.latest_follow_ups[0]
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


@public_write
def report_append_meeting_comments(*, report: Report, by) -> list:
    """Append to a 資料 every remark of its meeting it does not list yet, in No. order.

    For entering a meeting's remarks first and making the 資料 from them in one step. The
    rights are ``permissions.can_append_rows``: on a published 資料 an 入力担当 adds only
    unpublished remarks, which wait there (承認待ち, ``Report.pending_entries``) until
    an approver publishes them; a remark already public elsewhere is left for the approver.
    Raises the 資料's version (a form opened before can no longer save over the new rows);
    history records ``by``. Returns the new rows.
    """
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not permissions.can_append_rows(by, report):
        raise PermissionDenied(
            _("「%(report)s」に意見を追加する権限がありません。") % {"report": report}
        )
    if report.meeting_id is None:
        raise ValidationError(
            _("「%(report)s」には提出した会議が設定されていないため、意見を追加できません。")
            % {"report": report}
        )
    listed = report.entries.values("comment_id")
    missing = report.meeting.comments.exclude(pk__in=listed).order_by("number")
    if report.is_published and not permissions.can_change(by, report):
        missing = missing.exclude(status=PublicationStatus.PUBLISHED)
    position = report.entries.aggregate(last=Max("position"))["last"] or 0
    added = []
    for comment in missing:
        position += 1
        entry = ReportEntry(report=report, comment=comment, position=position)
        entry._history_user = by
        entry.full_clean()
        entry.save()
        added.append(entry)
    if added:
        report.version += 1
        report._history_user = by
        report._change_reason = _("会議の意見を%(count)d件追加しました") % {"count": len(added)}
        report.save(update_fields=["version", "updated_at"])
    audit.info(
        "report append meeting comments: %s (pk=%s), %d rows",
        report,
        report.pk,
        len(added),
        extra={"user": by},
    )
    return added


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
