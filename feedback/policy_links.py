"""Remarks and the policy text they changed, for the public site (issue 15).

Reads only: a remark's published links to passage changes (「この意見による変更」), and a
policy's changes since its draft with the remarks that caused them (the policy's page and its
「素案との差異」 list, §43). Everything public goes through ``PolicyChangeLink.objects
.published()`` (the remark and both versions published) and ``Comment.objects.published()``;
the policy's versions through ``policy.selectors.public_policy_*`` (published versions only).
The policy app knows nothing of remarks, so the joining happens here.
"""

import csv
import io
import json
from dataclasses import dataclass

from django.urls import reverse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from feedback import excel, writers
from feedback.models import PolicyChangeLink
from policy import selectors as policy_selectors
from policy import textdiff

KIND_LABELS = {textdiff.CHANGED: "変更", textdiff.ADDED: "追加", textdiff.REMOVED: "削除"}
HEADING_SEPARATOR = " ＞ "


@dataclass(frozen=True)
class LinkedChange:
    """One change a remark caused: where, in which versions, before and after as runs."""

    kind: str
    policy: object
    old_version: object
    new_version: object
    headings: tuple
    before: tuple
    after: tuple


def _published_links():
    return PolicyChangeLink.objects.published().select_related(
        "old_passage__version__policy", "new_passage__version__policy"
    )


def comment_policy_changes(comment):
    """The published changes of a published remark (empty for a draft remark)."""
    links = _published_links().filter(comment_id=comment.pk)
    changes = []
    for link in links:
        old, new = link.old_passage, link.new_passage
        if old is not None and new is not None:
            kind = textdiff.CHANGED if old.text != new.text else textdiff.UNCHANGED
            ops = textdiff.char_ops(old.text, new.text)
        else:
            kind, ops = (textdiff.ADDED if old is None else textdiff.REMOVED), ()
        change = textdiff.PassageChange(kind, old=old, new=new, ops=ops)
        before, after = textdiff.sides(change)
        changes.append(
            LinkedChange(
                kind=kind,
                policy=(new or old).version.policy,
                old_version=old.version if old else None,
                new_version=new.version if new else None,
                headings=change.headings,
                before=before,
                after=after,
            )
        )
    return changes


@dataclass(frozen=True)
class PolicyChangeRow:
    """A passage of the policy page: its change since the draft and the remarks behind it."""

    number: int | None  # the change's No. in the list of differences; None when unchanged
    change: object  # textdiff.PassageChange
    before: tuple
    after: tuple
    remarks: tuple  # published Comments, in meeting and No. order

    @property
    def kind_label(self):
        return KIND_LABELS.get(self.change.kind, "")

    @property
    def headings(self):
        return self.change.headings


def policy_page(policy):
    """``(first, latest, rows)`` for the policy's public page; rows in the adopted order.

    A link counts for a change when its new passage is the change's passage in the latest
    version, or its old passage is the change's passage in the first version.
    """
    first, latest, changes = policy_selectors.public_policy_comparison(policy)
    if latest is None:
        return None, None, []
    if not changes:
        changes = [
            textdiff.PassageChange(textdiff.UNCHANGED, old=p, new=p)
            for p in policy_selectors.policy_version_passages(latest)
        ]
    by_passage = {}
    links = (
        _published_links()
        .filter(comment__policy_item__policy=policy)
        .select_related("comment__meeting__committee", "comment__member")
        .order_by("comment__meeting__fiscal_year", "comment__meeting__number", "comment__number")
    )
    for link in links:
        for passage_id in (link.old_passage_id, link.new_passage_id):
            if passage_id is not None:
                by_passage.setdefault(passage_id, []).append(link.comment)
    rows, number = [], 0
    for change in changes:
        remarks = []
        if change.kind != textdiff.UNCHANGED:
            number += 1
            for passage in (change.old, change.new):
                for comment in by_passage.get(passage.pk, []) if passage else []:
                    if comment not in remarks:
                        remarks.append(comment)
        before, after = textdiff.sides(change)
        rows.append(
            PolicyChangeRow(
                number=number if change.kind != textdiff.UNCHANGED else None,
                change=change,
                before=before,
                after=after,
                remarks=tuple(remarks),
            )
        )
    return first, latest, rows


# -- 素案との差異 as files ----------------------------------------------------------------------


def difference_columns(first, latest):
    return (
        "No.",
        "見出し",
        "区分",
        f"変更前（{first.name}）",
        f"変更後（{latest.name}）",
        "変更箇所",
        "意見",
    )


def _remark_label(comment):
    return f"{comment.meeting.name} No.{comment.number} {comment.member.display_name}"


def difference_cells(row):
    """The printed cells of one difference, in the order of ``difference_columns``."""
    change = row.change
    return (
        row.number,
        HEADING_SEPARATOR.join(row.headings),
        row.kind_label,
        change.old.text if change.old else "",
        change.new.text if change.new else "",
        textdiff.describe(change),
        "\n".join(_remark_label(comment) for comment in row.remarks),
    )


def differences(rows):
    return [row for row in rows if row.number is not None]


def _guarded(value):
    if isinstance(value, str) and writers.needs_formula_guard(value):
        return "'" + value
    return value


def write_csv(policy, first, latest, rows):
    """UTF-8 with BOM and CRLF, like the 資料's CSV.

    Text that could run as a formula gets a leading ``'`` (``writers.needs_formula_guard``).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(difference_columns(first, latest))
    for row in differences(rows):
        writer.writerow([_guarded(cell) for cell in difference_cells(row)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_json(policy, first, latest, rows, *, base_url=""):
    data = {
        "schema_version": 1,
        "policy": policy.title,
        "url": base_url + policy_url(policy),
        "old_version": {"name": first.name, "dated_on": first.dated_on.isoformat()},
        "new_version": {"name": latest.name, "dated_on": latest.dated_on.isoformat()},
        "differences": [
            {
                "number": row.number,
                "headings": list(row.headings),
                "kind": row.change.kind,
                "before": row.change.old.text if row.change.old else None,
                "after": row.change.new.text if row.change.new else None,
                "runs": [
                    {"op": op.op, "text": op.text}
                    for op in (
                        row.change.ops
                        or [*row.before, *row.after]  # added or removed: the whole text
                    )
                ],
                "remarks": [
                    {
                        "meeting": comment.meeting.name,
                        "number": comment.number,
                        "member": comment.member.display_name,
                        "url": base_url + comment.get_absolute_url(),
                    }
                    for comment in row.remarks
                ],
            }
            for row in differences(rows)
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


WORKBOOK_WIDTHS = (6, 24, 8, 44, 44, 30, 30)
_thin = Side(style="thin", color="000000")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)


def workbook_bytes(policy, first, latest, rows):
    """A4 landscape, one page wide, the header repeated on every page, like the 資料's book."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = excel.sheet_title(f"{policy.title} 素案との差異")
    font = Font(name=excel.FONT_NAME, size=10)
    sheet["A1"] = f"{policy.title} 素案との差異（{first.name} → {latest.name}）"
    sheet["A1"].font = Font(name=excel.FONT_NAME, size=14, bold=True)
    header_row = 3
    for column, (title, width) in enumerate(
        zip(difference_columns(first, latest), WORKBOOK_WIDTHS, strict=True), start=1
    ):
        cell = sheet.cell(row=header_row, column=column, value=title)
        cell.font = Font(name=excel.FONT_NAME, size=10, bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[cell.column_letter].width = width
    for offset, row in enumerate(differences(rows), start=1):
        cells = difference_cells(row)
        for column, value in enumerate(cells, start=1):
            cell = sheet.cell(row=header_row + offset, column=column, value=_guarded(value))
            cell.font = font
            cell.border = _BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        lines = max(
            excel.line_count(str(value), excel.capacity(width)) if value else 1
            for value, width in zip(cells, WORKBOOK_WIDTHS, strict=True)
        )
        sheet.row_dimensions[header_row + offset].height = excel.row_height(lines)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return excel.workbook_bytes(workbook)


def policy_url(policy):
    return reverse("policies:policy-detail", kwargs={"pk": policy.pk})
