"""The 資料 as a print-ready workbook, laid out like the paper table.

Title, the label (「資料2」) at the top right, the two-level header with the group headings
merged over their columns, then No. | 委員名 | 対象項目 | 意見、質問等 | 市の考え方 | 対応区分 |
対応状況. A4 landscape, one page wide, header rows repeated on every page, page numbers in the
footer, the header frozen.
"""

import io
import re
from copy import copy

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from feedback.exports import COLUMNS

FONT_NAME = "ＭＳ ゴシック"
COLUMN_WIDTHS = (6, 11, 16, 48, 48, 10, 42)
TITLE_ROW, GROUP_ROW, HEADER_ROW = 1, 3, 4
FIRST_DATA_ROW = HEADER_ROW + 1

_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
BODY_FONT = Font(name=FONT_NAME, size=10)
HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True)
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True)
LABEL_FONT = Font(name=FONT_NAME, size=12, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER_TOP = Alignment(horizontal="center", vertical="top", wrap_text=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

# Excel refuses these in sheet names.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text):
    cleaned = _SHEET_NAME_FORBIDDEN.sub("", text).strip() or "資料"
    return cleaned[:31]


def _text(cell, value):
    """Write ``value`` as text, never as a formula or an error code."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"


def build_workbook(*, title, label, remarks_heading, response_heading, rows, sheet_name=None):
    """Return an openpyxl ``Workbook`` holding ``rows`` (``exports.TableRow``) as the paper 資料."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(sheet_name or label or title)
    last_column = len(COLUMNS)
    last_letter = get_column_letter(last_column)

    for index, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    # Title across the first six columns, the label alone at the top right, as on paper.
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=6)
    _text(sheet.cell(TITLE_ROW, 1), title)
    sheet.cell(TITLE_ROW, 1).font = TITLE_FONT
    sheet.cell(TITLE_ROW, 1).alignment = Alignment(horizontal="center", vertical="center")
    label_cell = sheet.cell(TITLE_ROW, last_column)
    _text(label_cell, label)
    label_cell.font = LABEL_FONT
    label_cell.alignment = Alignment(horizontal="right", vertical="center")
    sheet.row_dimensions[TITLE_ROW].height = 24

    # The two-level header: one heading over No.…市の考え方, one over 対応区分 and 対応状況.
    groups = ((1, 5, remarks_heading), (6, last_column, response_heading))
    for start, end, heading in groups:
        sheet.merge_cells(
            start_row=GROUP_ROW, start_column=start, end_row=GROUP_ROW, end_column=end
        )
        _text(sheet.cell(GROUP_ROW, start), heading)
        for column in range(start, end + 1):
            cell = sheet.cell(GROUP_ROW, column)
            cell.font, cell.fill, cell.border, cell.alignment = (
                HEADER_FONT,
                HEADER_FILL,
                BORDER,
                CENTER,
            )
    sheet.row_dimensions[GROUP_ROW].height = 32
    for column, name in enumerate(COLUMNS, start=1):
        cell = sheet.cell(HEADER_ROW, column)
        _text(cell, name)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, CENTER

    # Styles are set once per column on the first row and copied to the others: assigning a
    # Font, Border and Alignment looks each up in the workbook's style tables, which costs more
    # than writing the cell (openpyxl's own copy_worksheet copies ``_style`` the same way).
    column_styles = {}
    for row_index, row in enumerate(rows, start=FIRST_DATA_ROW):
        number, *texts = row.cells
        cells = [sheet.cell(row_index, 1, number)]
        for column, text in enumerate(texts, start=2):
            cell = sheet.cell(row_index, column)
            _text(cell, text)
            cells.append(cell)
        for column, cell in enumerate(cells, start=1):
            if column in column_styles:
                cell._style = copy(column_styles[column])
                continue
            cell.font, cell.border = BODY_FONT, BORDER
            cell.alignment = CENTER_TOP if column in (1, 2, 6) else WRAP_TOP
            column_styles[column] = cell._style

    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 1)
    sheet.print_title_rows = f"{GROUP_ROW}:{HEADER_ROW}"
    sheet.print_area = f"A1:{last_letter}{max(HEADER_ROW, FIRST_DATA_ROW + len(rows) - 1)}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(
        left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3
    )
    sheet.oddFooter.center.text = "&P / &N"
    sheet.oddFooter.center.font = FONT_NAME
    return workbook


def workbook_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


LIST_TITLE = "意見と市の考え方"
LIST_REMARKS_HEADING = "委員からの意見、質問等に対する市の考え方"
LIST_RESPONSE_HEADING = "市の対応"


def list_workbook(rows):
    """Remarks that are not one 資料 (a search, an admin selection) in the same layout."""
    return build_workbook(
        title=LIST_TITLE,
        label="",
        remarks_heading=LIST_REMARKS_HEADING,
        response_heading=LIST_RESPONSE_HEADING,
        rows=rows,
    )


def report_workbook(report, rows):
    """The workbook of a 資料 with its own title, label and group headings."""
    return build_workbook(
        title=report.title,
        label=report.label,
        remarks_heading=report.remarks_heading,
        response_heading=report.response_heading,
        rows=rows,
    )
