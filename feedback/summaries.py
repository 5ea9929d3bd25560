"""What pages show about a whole 資料, kept in the database by the writes that change it.

A 資料's page shows its counts per 対応区分, the members and policy items its filter offers and the
meetings its remarks were made at; the 資料 list shows the counts of every 資料 and of every
published remark. Read from the rows, each grows with the data (a 資料 of 95,000 rows took most
of a second), so they are kept: ``ReportSummary`` (one per 資料) and ``PublishedSummary`` (one
row), read by primary key by the functions at the end of this module (the 資料 page and list,
``feedback.selectors.report_table`` and ``report_filter_choices``).

How they stay exact:

- Every write of a remark, its answer or a 資料's row is a save, a delete or a bulk write of a
  public model: the places that raise the public change signal (``publication``). The receivers
  here listen to the same places (``post_save``, ``post_delete``, ``publication.signals
  .bulk_write``) and note which remarks and 資料 a write touched. A write that names only other
  fields (a version bump saved with ``update_fields``) and a remark that was never published
  (the signal's own rule, ``Publishable.affects_public``) are left alone: neither can change a
  summary.
- ``refresh_noted`` then reads the summaries of the 資料 concerned afresh from their rows and
  stores them: once per batch, at the end of a service's transaction before the change signal
  is raised (``publication.stamp.before_raise``), or at once after a write outside one, in its
  transaction. A summary is never added up from differences, so the order of the writes cannot
  matter. The summaries are no public models of their own: the write they follow raised the
  signal, and commits with them.

``tests/feedback/test_summaries.py`` walks every write path and compares what is stored with
``computed``. Writes nothing here sees must rebuild what they change: raw SQL (``refresh_all``,
from ``manage.py shell``) and data migrations, which use the migration's own models (as 0022
summarises the data it finds).
"""

import threading
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Window
from django.db.models.functions import RowNumber
from django.db.models.signals import post_delete, post_save, pre_save

from feedback.models import (
    CityResponse,
    Comment,
    Meeting,
    Member,
    PublishedSummary,
    Report,
    ReportEntry,
    ReportSummary,
)
from policy.models import PolicyItem
from publication import stamp
from publication.signals import bulk_write

# The fields a summary is read from, per model: a write of other fields changes none.
READ_FIELDS = {
    Comment: {"id", "status", "published_at", "member", "policy_item", "meeting"},
    CityResponse: {"comment", "category"},
    ReportEntry: {"id", "report", "comment"},
}
# Ids per query when looking rows up by id (SQLite allows 32,766 parameters).
CHUNK_SIZE = 5000

_local = threading.local()


@dataclass(frozen=True)
class Summary:
    """A 資料's summary as read from its published rows: counts per 対応区分 (``[[category id or
    None, count], …]``, None last) and the ids of its members, policy items and meetings."""

    category_counts: list
    members: frozenset
    policy_items: frozenset
    meetings: frozenset


def computed(report_id):
    """The summary of the 資料 ``report_id`` read afresh from its published rows."""
    rows = Comment.objects.published().filter(report_entries__report=report_id).order_by()
    return Summary(
        category_counts=category_counts(rows),
        **{
            name: frozenset(rows.values_list(field, flat=True).distinct())
            for name, field in (
                ("members", "member_id"),
                ("policy_items", "policy_item_id"),
                ("meetings", "meeting_id"),
            )
        },
    )


def category_counts(comments):
    """``[[category id or None, count], …]`` of ``comments``: one ``GROUP BY``."""
    counts = comments.order_by().values_list("response__category").annotate(total=Count("pk"))
    return sorted(
        ([category_id, total] for category_id, total in counts),
        key=lambda pair: (pair[0] is None, pair[0] or 0),
    )


def stored(report_id):
    """The summary stored for the 資料 ``report_id`` (an empty one when there is none)."""
    summary = ReportSummary.objects.filter(pk=report_id).first()
    if summary is None:
        return Summary([], frozenset(), frozenset(), frozenset())
    return Summary(
        category_counts=summary.category_counts,
        members=frozenset(summary.members.values_list("pk", flat=True)),
        policy_items=frozenset(summary.policy_items.values_list("pk", flat=True)),
        meetings=frozenset(summary.meetings.values_list("pk", flat=True)),
    )


def refresh_report(report_id):
    """Store the summary of the 資料 ``report_id`` read afresh (nothing when it was deleted:
    its summary went with it)."""
    if not Report.objects.filter(pk=report_id).exists():
        return
    fresh = computed(report_id)
    summary, _created = ReportSummary.objects.update_or_create(
        report_id=report_id, defaults={"category_counts": fresh.category_counts}
    )
    summary.members.set(fresh.members)
    summary.policy_items.set(fresh.policy_items)
    summary.meetings.set(fresh.meetings)


def refresh_published():
    """Store the counts per 対応区分 of every published remark read afresh."""
    PublishedSummary.objects.update_or_create(
        pk=1, defaults={"category_counts": category_counts(Comment.objects.published())}
    )


def refresh_all():
    """Rebuild every summary from the rows, in one batch."""
    with stamp.batch():
        for report_id in Report.objects.order_by("pk").values_list("pk", flat=True):
            refresh_report(report_id)
        refresh_published()


# -- what a write touched ----------------------------------------------------------------------


def _noted():
    if not hasattr(_local, "comments"):
        _local.comments, _local.rows, _local.entries = set(), set(), set()
    return _local


def _note(*, comments=(), rows=(), entries=()):
    """Remember remark ids, ``(report id, remark id)`` rows and row ids (read again when the
    summaries are refreshed) a write touched, and ask for ``refresh_noted``."""
    noted = _noted()
    noted.comments.update(comments)
    noted.rows.update(rows)
    noted.entries.update(entries)
    stamp.before_raise(refresh_noted)


def refresh_noted():
    """Refresh the summaries the noted writes may have changed: those of every 資料 listing a
    noted remark or row, and the published counts when a remark or its answer changed."""
    noted = _noted()
    comments, rows, entries = noted.comments, noted.rows, noted.entries
    noted.comments, noted.rows, noted.entries = set(), set(), set()
    rows |= set(_values(ReportEntry.objects.all(), "pk", entries, "report_id", "comment_id"))
    # A remark never published is in no summary (published_at stays once set).
    never = set(
        _values(
            Comment.objects.filter(published_at__isnull=True),
            "pk",
            comments | {comment_id for _report_id, comment_id in rows},
            "pk",
        )
    )
    comments -= never
    reports = {report_id for report_id, comment_id in rows if comment_id not in never}
    reports |= set(_values(ReportEntry.objects.all(), "comment_id", comments, "report_id"))
    for report_id in sorted(reports):
        refresh_report(report_id)
    if comments:
        refresh_published()
    if (reports or comments) and not connection.in_atomic_block:
        # The write this follows raised the change signal and committed before this one: raise
        # it again, so no page is kept under the new signal with the summary before it. In a
        # transaction (a service, the admin) both commit together and the signal raised for
        # the write stands for the summary too.
        stamp.changed()


def _values(queryset, field, ids, *names):
    """``values_list(*names)`` of the rows of ``queryset`` whose ``field`` is in ``ids``."""
    ids = sorted(ids)
    flat = len(names) == 1
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        yield from queryset.filter(**{f"{field}__in": chunk}).values_list(*names, flat=flat)


def _reads(model, fields):
    """Whether a write of ``fields`` (``None``: every field) of ``model`` can change a summary."""
    if fields is None:
        return True
    opts = model._meta
    names = {opts.pk.name if name == "pk" else opts.get_field(name).name for name in fields}
    return bool(names & READ_FIELDS[model])


def _comment_written(sender, instance, update_fields=None, **kwargs):
    if _reads(Comment, update_fields) and instance.affects_public():
        _note(comments=[instance.pk])


def _response_written(sender, instance, update_fields=None, **kwargs):
    if _reads(CityResponse, update_fields):
        _note(comments=[instance.comment_id])


def _row_saving(sender, instance, update_fields=None, **kwargs):
    # A row changed to another 資料 or remark leaves the one it was on: note that one as well.
    if not instance._state.adding and _reads(ReportEntry, update_fields):
        noted = _noted()
        noted.rows.update(
            ReportEntry.objects.filter(pk=instance.pk).values_list("report_id", "comment_id")
        )


def _row_written(sender, instance, update_fields=None, **kwargs):
    if _reads(ReportEntry, update_fields):
        _note(rows=[(instance.report_id, instance.comment_id)])


def _bulk_written(sender, queryset, objs, fields, **kwargs):
    """``update()`` and ``bulk_update()`` (before the write) and ``bulk_create()`` (after)."""
    if sender not in READ_FIELDS or not _reads(sender, fields):
        return
    if sender is Comment:
        ids = queryset.values_list("pk", flat=True) if queryset is not None else objs
        _note(comments=[getattr(value, "pk", value) for value in ids])
    elif sender is CityResponse:
        if queryset is not None:
            objs = queryset.values_list("comment_id", flat=True)
        _note(comments=[getattr(value, "comment_id", value) for value in objs])
    elif queryset is not None:
        # The rows as they are, and as the update leaves them (read again when refreshing).
        _note(
            rows=queryset.values_list("report_id", "comment_id"),
            entries=queryset.values_list("pk", flat=True),
        )
    else:
        # bulk_update's rows as stored before it; bulk_create's (``fields`` None) had none.
        before = []
        if fields is not None:
            before = _values(
                ReportEntry.objects.all(), "pk", {obj.pk for obj in objs}, "report_id", "comment_id"
            )
        _note(rows=[*before, *((obj.report_id, obj.comment_id) for obj in objs)])


def connect():
    """Listen to the writes of remarks, answers and rows (``FeedbackConfig.ready``)."""
    for model, receiver in (
        (Comment, _comment_written),
        (CityResponse, _response_written),
        (ReportEntry, _row_written),
    ):
        uid = f"summaries-{model._meta.model_name}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-delete")
    pre_save.connect(_row_saving, sender=ReportEntry, dispatch_uid="summaries-reportentry-pre")
    bulk_write.connect(_bulk_written, dispatch_uid="summaries-bulk")


# -- reads: what the pages show about a whole 資料, and about every published remark --------


def report_category_counts(report, categories):
    """Counts per 対応区分 of a 資料's published rows, listed as ``_every_category``: from its
    summary (``feedback.summaries``), which comes with the 資料 when it was read
    ``select_related("summary")`` and is one look-up by primary key otherwise."""
    try:
        summary = report.summary
    except ReportSummary.DoesNotExist:  # a 資料 that lists no published remark
        return _every_category(categories, {})
    return count_by_category(categories, summary.category_counts)


def reports_category_counts(reports, categories):
    """For each 資料 (by pk), the counts per 対応区分 of its published rows, listed as
    ``_every_category``: from their summaries (read with them: ``select_related("summary")``)."""
    return {report.pk: report_category_counts(report, categories) for report in reports}


def published_category_counts(categories):
    """The counts per 対応区分 of every published remark (a remark two 資料 list counts once),
    listed as ``_every_category``: one look-up of their summary (``feedback.summaries``)."""
    summary = PublishedSummary.objects.filter(pk=1).first()
    return count_by_category(categories, summary.category_counts if summary else [])


def count_by_category(categories, category_counts):
    """``category_counts`` as a summary stores them (``[[category id or None, count], …]``),
    listed as ``_every_category``."""
    return _every_category(categories, dict(map(tuple, category_counts)))


def _every_category(categories, counts):
    """``(category, count)`` for every category in ``categories`` (zero included), then the
    rows without a category under ``None`` when there are some: the one shape of counts per
    category."""
    result = [(category, counts.get(category.pk, 0)) for category in categories]
    if counts.get(None):
        result.append((None, counts[None]))
    return result


def report_members(report):
    """The members whose published remarks a 資料 lists, in 五十音順 (from its summary)."""
    return (
        Member.objects.filter(report_summaries=report.pk)
        .select_related("committee")
        .order_by("name_kana", "name")
    )


def report_policy_items(report):
    """The policy items the published remarks of a 資料 are about (from its summary)."""
    return (
        PolicyItem.objects.filter(report_summaries=report.pk)
        .select_related("policy")
        .order_by("policy__title", "order", "id")
    )


#: How many of a 資料's meetings its page and its card in the 資料 list name; the others are
#: counted (「ほか375回」), so that neither grows with a 資料 whose remarks span every meeting.
SOURCE_MEETINGS_SHOWN = 5


class SourceMeetings(list):
    """The first ``SOURCE_MEETINGS_SHOWN`` meetings a 資料's published remarks were made at,
    newest first, and how many there are in all (``total``; ``more`` not shown)."""

    def __init__(self, shown, total):
        super().__init__(shown)
        self.total = total

    @property
    def more(self):
        return self.total - len(self)


def report_source_meetings(report):
    """``SourceMeetings`` of one 資料 (usually one meeting; from its summary)."""
    return reports_source_meetings([report])[report.pk]


def reports_source_meetings(reports):
    """For each 資料 (by pk), ``SourceMeetings`` of the meetings its published remarks were
    made at: one query (their summaries' meetings, at most ``SOURCE_MEETINGS_SHOWN`` of each,
    with their count)."""
    each = {"partition_by": F("report_summaries")}
    newest = [F("fiscal_year").desc(), F("number").desc()]
    rows = (
        Meeting.objects.filter(report_summaries__in=[report.pk for report in reports])
        .annotate(
            report_id=F("report_summaries"),
            rank=Window(RowNumber(), order_by=newest, **each),
            listed=Window(Count("pk"), **each),
        )
        .filter(rank__lte=SOURCE_MEETINGS_SHOWN)
        .select_related("committee")
        .order_by("report_id", "-fiscal_year", "-number")
    )
    meetings = {report.pk: SourceMeetings([], 0) for report in reports}
    for meeting in rows:
        meetings[meeting.report_id].append(meeting)
        meetings[meeting.report_id].total = meeting.listed
    return meetings


def reports_listing(field, record):
    """The published 資料 that list a published remark of ``record``: a member, policy item,
    meeting or committee (``field``, the remark's lookup to it), found in their summaries
    rather than by asking every 資料's rows (a feed's 資料)."""
    reports = Report.objects.published()
    if field == "meeting__committee":
        meetings = ReportSummary.meetings.through.objects.filter(
            reportsummary=OuterRef("pk"), meeting__committee=record
        )
        return reports.filter(Exists(meetings))
    relation = {"member": "members", "policy_item": "policy_items", "meeting": "meetings"}[field]
    return reports.filter(**{f"summary__{relation}": record})
