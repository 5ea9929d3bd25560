"""The published table as files: CSV and JSON writers over ``table.TableRow`` values.

The print-ready workbook is in ``feedback.excel``; the rows come from ``feedback.table``.
Callers pass rows of remarks that came from ``Comment.objects.published()`` (through
``feedback.selectors``); nothing here filters drafts.
"""

import csv
import io
import json
from dataclasses import asdict

from django.utils import timezone

from feedback.table import MEETING_COLUMN, TITLES

# A cell starting with one of these is run as a formula by spreadsheet programs. The full-width
# forms (＝＋－＠) count too: Japanese input methods type them, and spreadsheet programs may
# convert them. So does a sign after leading whitespace (see ``needs_formula_guard``).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


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


CSV_HEADER = (MEETING_COLUMN.title, *TITLES, "URL")


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
# The fields of a remark in the JSON file, in its order (docs/open-data.md), and the row's
# attribute each is read from. The file keeps its published names, which readers' programs
# depend on; where one is not the code word (docs/domain.md), it is mapped here.
JSON_FIELDS = {
    "id": "id",
    "url": "url",
    "meeting": "meeting",
    "committee": "committee",
    "fiscal_year": "fiscal_year",
    "meeting_number": "meeting_number",
    "held_on": "held_on",
    "number": "number",
    "member": "member",
    "policy": "policy",
    "policy_item": "policy_item",
    "remark": "remark",
    "city_view": "response",
    "category": "category",
    "follow_up": "follow_up",
    "follow_ups": "follow_ups",
    "updated_at": "updated_at",
}


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
                **{name: getattr(row, attribute) for name, attribute in JSON_FIELDS.items()},
                "url": base_url + row.url,
                "follow_ups": [asdict(f) for f in row.follow_ups],
                "updated_at": _moment(row.updated_at),
            }
            for row in rows
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _moment(value):
    """A time as the files write it: ISO 8601 in local time, to the second ("" when none)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""
