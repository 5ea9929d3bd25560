"""The published table as files: the rows every format shares, CSV and JSON.

The print-ready workbook is in ``feedback.excel``. Callers pass remarks that came from
``Comment.objects.published()`` (through ``feedback.selectors``); nothing here filters drafts.
"""

import csv
import io
import json
from dataclasses import asdict, dataclass

from django.utils import timezone

# The column titles of the paper table, in its order. Imports find the header row by them.
COLUMNS = ("No.", "委員名", "対象項目", "意見、質問等", "市の考え方", "対応区分", "対応状況")

# A cell starting with one of these is run as a formula by spreadsheet programs. The full-width
# forms (＝＋－＠) count too: Japanese input methods type them, and spreadsheet programs may
# convert them. So does a sign after leading whitespace (see ``needs_formula_guard``).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


@dataclass(frozen=True)
class FollowUpRow:
    recorded_on: str | None
    text: str


@dataclass(frozen=True)
class TableRow:
    """One remark as the table prints it, plus what open data needs to cite it."""

    id: int
    url: str
    meeting: str
    committee: str
    fiscal_year: int
    meeting_number: int
    held_on: str | None
    number: int
    member: str
    policy: str
    policy_item: str
    remark: str
    city_view: str
    category: str
    follow_up: str
    follow_ups: tuple[FollowUpRow, ...]
    updated_at: str

    @property
    def cells(self):
        """The seven printed cells, in the order of ``COLUMNS``."""
        return (
            self.number,
            self.member,
            self.policy_item,
            self.remark,
            self.city_view,
            self.category,
            self.follow_up,
        )


def table_rows(comments):
    """Build rows from remarks loaded with ``selectors.comment_rows`` (no query per row)."""
    rows = []
    for comment in comments:
        response = getattr(comment, "response", None)
        follow_ups = list(comment.follow_ups.all())
        meeting = comment.meeting
        changed = [comment.updated_at]
        changed += [response.updated_at] if response else []
        changed += [follow_up.updated_at for follow_up in follow_ups]
        rows.append(
            TableRow(
                id=comment.pk,
                url=comment.get_absolute_url(),
                meeting=meeting.name,
                committee=meeting.committee.name,
                fiscal_year=meeting.fiscal_year,
                meeting_number=meeting.number,
                held_on=meeting.held_on.isoformat() if meeting.held_on else None,
                number=comment.number,
                member=comment.member.display_name,
                policy=comment.policy_item.policy.title,
                policy_item=comment.policy_item.heading,
                remark=comment.body,
                city_view=response.body if response else "",
                category=response.category.name if response and response.category else "",
                follow_up=follow_ups[-1].body if follow_ups else "",
                follow_ups=tuple(
                    FollowUpRow(
                        recorded_on=f.recorded_on.isoformat() if f.recorded_on else None,
                        text=f.body,
                    )
                    for f in follow_ups
                ),
                updated_at=timezone.localtime(max(changed)).isoformat(timespec="seconds"),
            )
        )
    return rows


def needs_formula_guard(text):
    """Whether ``text`` would run as a formula, or starts like text we already guarded.

    The sign may follow whitespace (「 =1+1」, a line break, 「　＝1+1」). Text starting with
    apostrophes is judged after them, so that 「'=1」 written by a person gets its own guard
    and the importer can always tell our apostrophe from theirs (an exact round trip).
    """
    body = text.lstrip("'")
    return body.startswith(FORMULA_PREFIXES) or body.lstrip().startswith(FORMULA_PREFIXES)


def neutralize_formula(text):
    """Text that a spreadsheet would run as a formula, made inert with a leading apostrophe.

    ``importing`` removes exactly this apostrophe again when our CSV is read back.
    """
    if needs_formula_guard(text):
        return "'" + text
    return text


CSV_HEADER = ("会議", *COLUMNS, "URL")


def write_csv(rows, *, base_url=""):
    """UTF-8 with BOM and RFC 4180 quoting (CRLF), so Japanese Excel opens it as it is.

    Returns bytes. Numbers stay numbers; text that could run as a formula gets a leading ``'``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADER)
    for row in rows:
        number, *texts = row.cells
        writer.writerow(
            [
                neutralize_formula(row.meeting),
                number,
                *(neutralize_formula(text) for text in texts),
                base_url + row.url,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


JSON_SCHEMA_VERSION = 1


def write_json(rows, *, report=None, base_url=""):
    """The rows as JSON with the field names documented in docs/open-data.md. Returns bytes."""
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "report": (
            {
                "label": report.label,
                "title": report.title,
                "remarks_heading": report.remarks_heading,
                "response_heading": report.response_heading,
                "presented_on": report.presented_on.isoformat() if report.presented_on else None,
                "url": base_url + report.get_absolute_url(),
            }
            if report is not None
            else None
        ),
        "remarks": [
            {
                **asdict(row),
                "url": base_url + row.url,
                "follow_ups": [asdict(f) for f in row.follow_ups],
            }
            for row in rows
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
