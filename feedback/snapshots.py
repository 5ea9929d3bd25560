"""The 配布版: a 資料 frozen as it was handed out at its meeting, and what changed since.

A ``ReportSnapshot`` (written by ``services.report_confirm_presented``) keeps the printed rows
as JSON (``TableRow.printed``: the id and the seven cells). This module turns the 資料 into
those rows, reads them back as ``table.TableRow`` values (which ``excel.build_workbook`` and the
pages' ``<tbody>`` print) and compares them with the rows the current page shows::

    rows = snapshot_rows(snapshot)                     # as handed out, in printed order
    rows, withdrawn = mark_changes(report, rows_now)   # the current page's rows, marked
    public_rows(snapshot)                              # for the public page: withdrawn rows
                                                       # keep their No. only

It replaces rebuilding the 資料 from history by its 提出日, which could not know what was
actually printed (nothing before the first history entry, a whole day of edits counted as
presented, answers that only ever existed in a draft).
"""

import dataclasses

from django.db.models import OuterRef, Subquery
from django.db.models.fields.json import JSONField
from django.urls import reverse

from feedback import selectors, table
from feedback.models import Comment, ReportSnapshot
from feedback.table import TableRow


def current_rows(report):
    """Every row of ``report`` as the staff workbook prints it now, drafts included, and the
    remarks they were built from."""
    comments = selectors.report_comments(report, published_only=False)
    return table.rows(comments), comments


def rows_to_json(rows):
    return [row.printed() for row in rows]


def snapshot_rows(snapshot):
    """The rows of ``snapshot`` as handed out, in printed order."""
    return [TableRow(**row) for row in snapshot.rows]


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


def public_rows(snapshot):
    """The snapshot's rows for a public page, each linked to the remark as it is now; a remark
    that is not public now keeps its No. only, never its text (one query)."""
    rows = snapshot_rows(snapshot)
    public = set(
        Comment.objects.published()
        .filter(pk__in=[row.id for row in rows])
        .values_list("pk", flat=True)
    )
    return [
        dataclasses.replace(row, url=reverse("feedback:comment-detail", args=[row.id]))
        if row.id in public
        else _withdrawn(row)
        for row in rows
    ]


def _withdrawn(row):
    """A row that keeps nothing but its place and No."""
    blank = dict.fromkeys(table.CELLS, "")
    return TableRow(**(blank | {"id": row.id, "number": row.number, "withdrawn": True}))


def mark_changes(report, rows):
    """Mark the current page's ``rows`` (``table.entry_row``) against the latest 配布版 of
    ``report``.

    ``report`` comes from ``with_latest_snapshot``. Returns the rows, each with
    ``changed_cells`` (the keys of ``table.CELLS`` that differ from the 配布版) and
    ``added_since`` (not in the 配布版), and the No.s of the 配布版's rows that are not public
    now (withdrawn since), in printed order: one query, only when there is a 配布版.
    """
    if report.snapshot_id is None:
        return rows, []
    then = {row["id"]: row for row in report.snapshot_rows}
    marked = []
    for row in rows:
        before = then.get(row.id)
        now = row.printed()
        marked.append(
            dataclasses.replace(
                row,
                added_since=before is None,
                changed_cells=frozenset(
                    key for key in table.CELLS if before and now[key] != before[key]
                ),
            )
        )
    public = selectors.report_published_comment_ids(report)
    return marked, [row["number"] for pk, row in then.items() if pk not in public]
