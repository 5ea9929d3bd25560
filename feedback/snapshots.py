"""The 配布版: a 資料 frozen as it was handed out at its meeting, and what changed since.

A ``ReportSnapshot`` (written by ``services.report_confirm_presented``) keeps the printed rows
as JSON. This module turns the 資料 into those rows, reads them back as ``SnapshotRow`` values
(which ``excel.build_workbook`` prints like ``exports.TableRow``) and compares them with the
rows the current page shows::

    rows = snapshot_rows(snapshot)                     # as handed out, in printed order
    marked = mark_changes(snapshot, entries)           # the current page's entries, marked
    public_rows(snapshot)                              # for the public page: withdrawn rows
                                                       # keep their No. only

It replaces rebuilding the 資料 from history by its 提出日, which could not know what was
actually printed (nothing before the first history entry, a whole day of edits counted as
presented, answers that only ever existed in a draft).
"""

from dataclasses import asdict, dataclass

from django.db.models import OuterRef, Subquery
from django.db.models.fields.json import JSONField

from feedback import exports, selectors
from feedback.models import Comment, ReportSnapshot

# The printed cells by name, in the order of ``exports.COLUMNS``.
CELLS = ("number", "member", "policy_item", "remark", "city_view", "category", "follow_up")
WITHDRAWN_TEXT = "この意見は現在公開されていません"


@dataclass(frozen=True)
class SnapshotRow:
    """One printed row of a 配布版; ``id`` is the remark's, for comparing with the 資料 now."""

    id: int
    number: int
    member: str
    policy_item: str
    remark: str
    city_view: str
    category: str
    follow_up: str

    @property
    def cells(self):
        """The seven printed cells, in the order of ``exports.COLUMNS`` (as ``TableRow``)."""
        return tuple(getattr(self, name) for name in CELLS)


def rows_from_table(table_rows):
    """``exports.TableRow`` values (the workbook's rows) as ``SnapshotRow`` values."""
    return [SnapshotRow(row.id, *row.cells) for row in table_rows]


def current_rows(report):
    """Every row of ``report`` as the staff workbook prints it now, drafts included."""
    comments = selectors.report_comments(report, published_only=False)
    return rows_from_table(exports.table_rows(comments)), comments


def rows_to_json(rows):
    return [asdict(row) for row in rows]


def snapshot_rows(snapshot):
    """The rows of ``snapshot`` as handed out, in printed order."""
    return [SnapshotRow(**row) for row in snapshot.rows]


def latest_snapshot(report):
    """The 配布版 the pages show: the latest confirmation of ``report``, or ``None``."""
    return ReportSnapshot.objects.filter(report=report).order_by("-confirmed_at", "-id").first()


def with_latest_snapshot(reports):
    """``reports`` annotated with their latest 配布版 (``snapshot_id``, ``snapshot_rows``,
    ``snapshot_presented_on``) inside the same query, so the 資料 page costs no extra query
    for a 資料 that has none."""
    latest = ReportSnapshot.objects.filter(report=OuterRef("pk")).order_by("-confirmed_at", "-id")
    return reports.annotate(
        snapshot_id=Subquery(latest.values("pk")[:1]),
        snapshot_rows=Subquery(latest.values("rows")[:1], output_field=JSONField()),
        snapshot_presented_on=Subquery(latest.values("presented_on")[:1]),
    )


@dataclass(frozen=True)
class PublicRow:
    """A row of the public 「提出時点」 page: ``row`` is ``None`` when the remark is withdrawn."""

    number: int
    comment_id: int
    row: SnapshotRow | None


def public_rows(snapshot):
    """The snapshot's rows for a public page: a remark that is not public now keeps its No.
    only, never its text (one query)."""
    rows = snapshot_rows(snapshot)
    public = set(
        Comment.objects.published()
        .filter(pk__in=[row.id for row in rows])
        .values_list("pk", flat=True)
    )
    return [PublicRow(row.number, row.id, row if row.id in public else None) for row in rows]


def entry_cells(entry):
    """The printed cells of one entry of ``selectors.report_page`` (latest follow-up annotated),
    keyed like ``CELLS``; the same values ``exports.table_rows`` prints."""
    comment = entry.comment
    response = getattr(comment, "response", None)
    return {
        "number": comment.number,
        "member": comment.member.display_name,
        "policy_item": comment.policy_item.heading,
        "remark": comment.body,
        "city_view": response.body if response else "",
        "category": response.category.name if response and response.category else "",
        "follow_up": entry.latest_follow_up or "",
    }


def mark_changes(report, entries):
    """Mark the current page's ``entries`` against the latest 配布版 of ``report``.

    ``report`` comes from ``with_latest_snapshot``. Each entry gets ``changed_cells`` (the names
    in ``CELLS`` that differ from the 配布版) and ``added_since`` (not in the 配布版). Returns the
    No.s of the 配布版's rows that are not public now (withdrawn since), in printed order: one
    query, only when there is a 配布版.
    """
    rows = (
        {row["id"]: row for row in report.snapshot_rows} if report.snapshot_id is not None else {}
    )
    for entry in entries:
        then = rows.get(entry.comment_id)
        entry.added_since = report.snapshot_id is not None and then is None
        now = entry_cells(entry)
        entry.changed_cells = (
            frozenset(name for name in CELLS if now[name] != then[name]) if then else frozenset()
        )
    if not rows:
        return []
    public = selectors.report_published_comment_ids(report)
    return [row["number"] for pk, row in rows.items() if pk not in public]
