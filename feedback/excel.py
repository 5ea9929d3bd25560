"""The 資料 as a print-ready workbook, laid out like the paper table.

Title, the label (「資料2」) at the top right, the two-level header with the group headings
merged over their columns, then No. | 委員名 | 対象項目 | 意見、質問等 | 市の考え方 | 対応区分 |
対応状況. A4 landscape, one page wide, header rows repeated on every page, page numbers in the
footer, the header frozen.

Every row gets a height from its wrapped text (``row_height``): LibreOffice Calc does not grow
rows by itself when it opens a workbook, so without heights every remark printed as one line.
Every page ends at a page break written in the file (``page_breaks``), so Excel and LibreOffice
start each page on the same row. Staff workbooks that hold unpublished remarks say so above the
table and mark those rows.
"""

import datetime
import io
import math
import re
from copy import copy
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.writer.excel import ExcelWriter

from feedback.table import TITLES

FONT_NAME = "ＭＳ ゴシック"
# Column widths are counted in the digit width of the workbook's default font. That font is
# ＭＳ ゴシック 10 pt (``BODY_FONT``), a fixed-pitch font whose digit is one narrow (半角)
# character of the body text, so a width of 48 holds 48 narrow or 24 full-width characters less
# the cell's padding, in Excel and in LibreOffice alike. With openpyxl's default (Calibri) the
# same width was 4/3 wider in a LibreOffice without Calibri, and the fit-to-width scale differed.
COLUMN_WIDTHS = (6, 11, 16, 48, 48, 10, 42)
TITLE_ROW, NOTE_ROW, GROUP_ROW, HEADER_ROW = 1, 2, 3, 4
FIRST_DATA_ROW = HEADER_ROW + 1
# The staff workbook's extra column when it holds unpublished remarks.
STATUS_COLUMN_TITLE = "公開状態"
STATUS_COLUMN_WIDTH = 10
DRAFT_MARK = "未公開"
DRAFT_NOTE = "未公開の行を含みます（配布前に承認を受けてください）"

_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
BODY_FONT = Font(name=FONT_NAME, size=10)
HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True)
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True)
LABEL_FONT = Font(name=FONT_NAME, size=12, bold=True)
DRAFT_FONT = Font(name=FONT_NAME, size=10, bold=True, color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
DRAFT_FILL = PatternFill("solid", fgColor="FCE4E4")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER_TOP = Alignment(horizontal="center", vertical="top", wrap_text=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
PAGE_MARGINS = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
# A4 landscape in points.
PAGE_WIDTH_PT, PAGE_HEIGHT_PT = 297 / 25.4 * 72, 210 / 25.4 * 72

# -- row heights ---------------------------------------------------------------------------------
#
# Neither Excel nor LibreOffice stores the height a wrapped cell needs, and LibreOffice does not
# work it out when it opens a workbook: rows without a height print one line tall, cut. So the
# height of every row is written here, from the text it has to hold:
#
# 1. A cell holds ``width - 1`` narrow characters a line (one digit width is the padding; this
#    is exactly what LibreOffice fits, Excel fits a little more). A character of another size
#    scales with it: the 14 pt title fits 10/14 of that.
# 2. Full-width characters (Japanese, full-width signs) count 2, ASCII 1, and every explicit
#    line break starts a new line.
# 3. Lines break like Japanese typesetting (禁則): never before 、。」）・ー and small kana, never
#    after 「（; ASCII and full-width alphanumeric words are not split unless longer than a line;
#    spaces at the end of a line hang. Where the programs might break a little differently this
#    model breaks earlier, so it never counts fewer lines than they print.
# 4. A line is 1.25 × the font size (LibreOffice's substitute for ＭＳ ゴシック needs 1.0 ×,
#    Excel's ＭＳ ゴシック about 1.2 ×), plus 3 pt of padding, rounded up to whole pixels (0.75 pt)
#    so that Excel and LibreOffice store the same height; at most Excel's limit of 409 pt.

LINE_SPACING = 1.25
ROW_PADDING_PT = 3
PIXEL_PT = 0.75
MAX_ROW_HEIGHT_PT = 409

# Characters that may not start a line (closing brackets, punctuation, small kana, ー …) and
# characters that may not end one (opening brackets, currency signs).
_NO_START = (
    "）」』】〕〉》］｝〙〗”’、。，．・：；！？ー々ゝゞヽヾ〜…‥％"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
)
_NO_END = "（「『【〔〈《［｛〘〖“‘￥＄"
# ASCII and full-width alphanumerics form words that are not broken.
_WORD_CHARS = "!-~０-９Ａ-Ｚａ-ｚ"
_TOKEN = re.compile(
    rf"(?P<space>[ \t]+)"
    # a run of plain full-width characters, each breakable, the last not followed by a closer
    # (only the last can be: the others are followed by the run's own characters, so one look
    # ahead at its end, stepping back one character when it fails, instead of one per character)
    rf"|(?P<run>[^ \t{_WORD_CHARS}{_NO_START}{_NO_END}]+(?![{_NO_START}]))"
    # one word or character with the brackets and punctuation glued to it
    rf"|(?P<cluster>[{_NO_END}]*(?:[{_WORD_CHARS}]+|[^ \t])[{_NO_START}]*)"
)


def text_width(text):
    """Width in narrow characters: ASCII counts 1, everything else (Japanese) 2."""
    return 2 * len(text) - len(text.encode("ascii", "ignore"))


def line_count(text, capacity):
    """How many lines ``text`` takes in a cell ``capacity`` narrow characters wide."""
    capacity = max(capacity, 2)
    return sum(_paragraph_lines(paragraph, capacity) for paragraph in text.split("\n"))


def _paragraph_lines(text, capacity):
    if text_width(text) <= capacity:
        return 1
    lines, used = 1, 0
    # findall: each token as the (space, run, cluster) it matched, no Match object per token.
    for space, run, cluster in _TOKEN.findall(text):
        if space:
            # Spaces at the end of a line hang past it; the next word starts the next line.
            used = min(used + len(space), capacity)
        elif run:
            fits = (capacity - used) // 2
            if len(run) <= fits:
                used += text_width(run)
                continue
            per_line = capacity // 2
            more_lines, rest = divmod(len(run) - fits, per_line)
            if rest:
                lines, used = lines + more_lines + 1, 2 * rest
            else:
                lines, used = lines + more_lines, 2 * per_line
        else:
            width = text_width(cluster)
            if used + width <= capacity:
                used += width
                continue
            if used:
                lines += 1
            # A word longer than a line is split wherever the line is full.
            more_lines = (width - 1) // capacity
            lines, used = lines + more_lines, width - more_lines * capacity
    return lines


def capacity(width, font_size=BODY_FONT.size):
    """Narrow characters of ``font_size`` a line of a cell ``width`` (column units) holds."""
    return math.floor((width - 1) * BODY_FONT.size / font_size)


def row_height(lines, font_size=BODY_FONT.size):
    """Points for ``lines`` lines of ``font_size`` text, in whole pixels, within Excel's limit."""
    points = lines * font_size * LINE_SPACING + ROW_PADDING_PT
    return min(math.ceil(points / PIXEL_PT) * PIXEL_PT, MAX_ROW_HEIGHT_PT)


def _text_height(cells):
    """Height of a row from ``(text, width, font_size)`` for each of its cells."""
    return max(
        row_height(line_count(text, capacity(width, size)), size) for text, width, size in cells
    )


# -- page breaks ---------------------------------------------------------------------------------
#
# Left to themselves, Excel and LibreOffice end a page at different rows: each fits the columns
# to the page width with its own measure of a column (so each prints at its own scale), and
# LibreOffice keeps the footer inside the scaled page where Excel keeps it in the margin. So the
# workbook says where every page ends, with a manual page break after its last row, and both
# programs break there and nowhere else, provided every page fits in both:
#
# 1. The scale is the one LibreOffice fits the columns with: the largest whole percentage at
#    which the column widths, in digits of ＭＳ ゴシック 10 pt (5 pt each), fit between the side
#    margins. Excel counts a column in whole pixels of the digit plus 5 pixels of padding, so its
#    columns are wider and its scale is at most this one (80 % to LibreOffice's 86 % for 資料2):
#    rows take no more room in Excel than here.
# 2. A page holds what fits between the top and bottom margins at that scale. Excel prints the
#    header and footer inside those margins; LibreOffice takes the footer's band from the page
#    but scales it, which leaves it a little more room. Page 1 starts with the title rows, every
#    other page with the repeated header rows; a page holds at least one data row.
# 3. LibreOffice tries 2 % less than the fitting scale and keeps it only if it saves a page
#    (tdf#103516); with the breaks written it saves none, so the scale stays as in 1.
#
# Excel keeps at most 1,023 manual breaks in a sheet ([MS-XLSB] 2.4.196): a workbook of more
# than 1,024 pages has its first 1,024 pages broken here, the rest by each program itself.

MAX_PAGE_BREAKS = 1023


def fit_to_width_scale(widths, margins=PAGE_MARGINS):
    """The print scale (0.1–1.0) at which columns of ``widths`` fill one page's width."""
    digit = BODY_FONT.size / 2
    printable = PAGE_WIDTH_PT - (margins.left + margins.right) * 72
    return min(100, math.floor(printable * 100 / (sum(widths) * digit))) / 100


def page_breaks(heights, scale, margins=PAGE_MARGINS):
    """The rows that end a page, every page but the last, from the row heights (points).

    ``heights[row - 1]`` is the height of sheet row ``row``: the title rows, the header rows,
    then the data rows. Page 1 holds the title and header rows, every other page the header rows
    (printed again) before its data rows.
    """
    room = (PAGE_HEIGHT_PT - (margins.top + margins.bottom) * 72) / scale
    repeated = sum(heights[GROUP_ROW - 1 : HEADER_ROW])
    used, rows_on_page, breaks = sum(heights[:HEADER_ROW]), 0, []
    for row in range(FIRST_DATA_ROW, len(heights) + 1):
        height = heights[row - 1]
        if rows_on_page and used + height > room:
            breaks.append(row - 1)
            used, rows_on_page = repeated, 0
        used += height
        rows_on_page += 1
    return breaks


# Excel refuses these in sheet names.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text):
    cleaned = _SHEET_NAME_FORBIDDEN.sub("", text).strip() or "資料"
    return cleaned[:31]


def _text(cell, value):
    """Write ``value`` as text, never as a formula or an error code."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"


def build_workbook(
    *, title, label, remarks_heading, response_heading, rows, sheet_name=None, drafts=frozenset()
):
    """Return an openpyxl ``Workbook`` holding ``rows`` (``table.TableRow``) as the paper 資料.

    ``drafts`` are the ids of rows that are not published (staff workbooks only): when there are
    any, a note above the table and on every page says so and a 「公開状態」 column marks them.
    """
    workbook = Workbook()
    _set_default_font(workbook, BODY_FONT)
    sheet = workbook.active
    sheet.title = sheet_title(sheet_name or label or title)
    drafts = frozenset(drafts) & {row.id for row in rows}
    widths = list(COLUMN_WIDTHS) + ([STATUS_COLUMN_WIDTH] if drafts else [])
    last_column = len(widths)
    last_letter = get_column_letter(last_column)
    capacities = [capacity(width) for width in widths]

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    # Title across the columns but the last, the label alone at the top right, as on paper.
    title_width = sum(widths[:-1])
    sheet.merge_cells(
        start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=last_column - 1
    )
    _text(sheet.cell(TITLE_ROW, 1), title)
    sheet.cell(TITLE_ROW, 1).font = TITLE_FONT
    sheet.cell(TITLE_ROW, 1).alignment = Alignment(
        horizontal="center", vertical="center", wrap_text=True
    )
    label_cell = sheet.cell(TITLE_ROW, last_column)
    _text(label_cell, label)
    label_cell.font = LABEL_FONT
    label_cell.alignment = Alignment(horizontal="right", vertical="center", wrap_text=True)
    sheet.row_dimensions[TITLE_ROW].height = _text_height(
        [(title, title_width, TITLE_FONT.size), (label, widths[-1], LABEL_FONT.size)]
    )

    if drafts:
        sheet.merge_cells(
            start_row=NOTE_ROW, start_column=1, end_row=NOTE_ROW, end_column=last_column
        )
        note = sheet.cell(NOTE_ROW, 1)
        _text(note, DRAFT_NOTE)
        note.font, note.alignment = DRAFT_FONT, Alignment(vertical="center", wrap_text=True)
        sheet.row_dimensions[NOTE_ROW].height = _text_height([(DRAFT_NOTE, sum(widths), 10)])
        # On every printed page too, so that no page of it is handed out unnoticed.
        sheet.oddHeader.right.text = DRAFT_NOTE
        sheet.oddHeader.right.font = f"{FONT_NAME},Bold"
        sheet.oddHeader.right.color = DRAFT_FONT.color.rgb[2:]
    else:
        sheet.row_dimensions[NOTE_ROW].height = row_height(1)

    # The two-level header: one heading over No.…市の考え方, one over 対応区分 and 対応状況.
    groups = ((1, 5, remarks_heading), (6, len(TITLES), response_heading))
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
    sheet.row_dimensions[GROUP_ROW].height = _text_height(
        [(heading, sum(widths[start - 1 : end]), 10) for start, end, heading in groups]
    )
    for column, name in enumerate(TITLES, start=1):
        cell = sheet.cell(HEADER_ROW, column)
        _text(cell, name)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, CENTER
    sheet.row_dimensions[HEADER_ROW].height = _text_height(
        [(name, width, 10) for name, width in zip(TITLES, COLUMN_WIDTHS, strict=True)]
    )
    if drafts:
        # The status column has no group heading: its title stands over both header rows.
        for row_index in (GROUP_ROW, HEADER_ROW):
            cell = sheet.cell(row_index, last_column)
            cell.font, cell.fill, cell.border, cell.alignment = (
                HEADER_FONT,
                HEADER_FILL,
                BORDER,
                CENTER,
            )
        _text(sheet.cell(GROUP_ROW, last_column), STATUS_COLUMN_TITLE)
        sheet.merge_cells(f"{last_letter}{GROUP_ROW}:{last_letter}{HEADER_ROW}")

    # Styles are set once per column on the first row and copied to the others: assigning a
    # Font, Border and Alignment looks each up in the workbook's style tables, which costs more
    # than writing the cell (openpyxl's own copy_worksheet copies ``_style`` the same way).
    column_styles = {}
    for row_index, row in enumerate(rows, start=FIRST_DATA_ROW):
        number, *texts = row.cells
        # No. is a number (a text No. shows Excel's warning triangle on every row).
        cells = [sheet.cell(row_index, 1, number)]
        for column, text in enumerate(texts, start=2):
            cell = sheet.cell(row_index, column)
            _text(cell, text)
            cells.append(cell)
        if drafts:
            status = sheet.cell(row_index, last_column)
            if row.id in drafts:
                _text(status, DRAFT_MARK)
            cells.append(status)
        for column, cell in enumerate(cells, start=1):
            if column in column_styles:
                cell._style = copy(column_styles[column])
                continue
            cell.font, cell.border = BODY_FONT, BORDER
            cell.alignment = CENTER_TOP if column in (1, 2, 6, 8) else WRAP_TOP
            column_styles[column] = cell._style
        if row.id in drafts:
            cells[-1].font, cells[-1].fill = DRAFT_FONT, DRAFT_FILL
        lines = max(
            line_count(str(text), room)
            for text, room in zip((number, *texts), capacities, strict=False)
        )
        sheet.row_dimensions[row_index].height = row_height(lines)

    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 1)
    sheet.print_title_rows = f"{GROUP_ROW}:{HEADER_ROW}"
    sheet.print_area = f"A1:{last_letter}{max(HEADER_ROW, FIRST_DATA_ROW + len(rows) - 1)}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    last_row = FIRST_DATA_ROW + len(rows) - 1
    heights = [sheet.row_dimensions[row].height for row in range(1, last_row + 1)]
    breaks = page_breaks(heights, fit_to_width_scale(widths))[:MAX_PAGE_BREAKS]
    sheet.row_breaks = RowBreak(brk=[Break(id=row) for row in breaks])
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PAGE_MARGINS
    sheet.oddFooter.center.text = "&P / &N"
    sheet.oddFooter.center.font = FONT_NAME
    return workbook


def _set_default_font(workbook, font):
    """Make ``font`` the workbook's standard font (the 標準 style), which column widths count in.

    openpyxl offers no setting for it: the standard font is the first of the workbook's fonts,
    which every unstyled cell and the 標準 style point to.
    """
    workbook._fonts = IndexedList([font])
    workbook._named_styles["Normal"].font = font


# The date in every workbook's properties and zip entries: the zip format's earliest date, as
# reproducible builds use it. The clock would make each download of the same data a different
# file (openpyxl stamps it, and the compressed size varies with the digits), so the size the
# open-data catalogue states (api/catalog.py) would not hold a second later.
REPRODUCIBLE_DATE = datetime.datetime(1980, 1, 1)


def workbook_bytes(workbook):
    """The workbook as bytes: the same data gives the same bytes (``REPRODUCIBLE_DATE``)."""
    workbook.properties.created = workbook.properties.modified = REPRODUCIBLE_DATE
    buffer = io.BytesIO()
    archive = _DatedZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True)
    # ExcelWriter, not workbook.save(): save() sets ``modified`` to the clock again.
    ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


class _DatedZipFile(ZipFile):
    """Members dated ``date_time``, not the clock or a temporary file's time (openpyxl writes
    sheets from temporary files)."""

    date_time = REPRODUCIBLE_DATE.timetuple()[:6]

    def writestr(self, name, data, *args, **kwargs):
        if isinstance(name, str):
            name = ZipInfo(name, date_time=self.date_time)
            name.compress_type = self.compression
            name.external_attr = 0o600 << 16
        super().writestr(name, data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs):
        with open(filename, "rb") as source:
            self.writestr(arcname or str(filename), source.read())


LIST_TITLE = "意見と市の考え方"
LIST_REMARKS_HEADING = "委員からの意見、質問等に対する市の考え方"
LIST_RESPONSE_HEADING = "市の対応"


def list_workbook(rows, *, drafts=frozenset()):
    """Remarks that are not one 資料 (a search, an admin selection) in the same layout."""
    return build_workbook(
        title=LIST_TITLE,
        label="",
        remarks_heading=LIST_REMARKS_HEADING,
        response_heading=LIST_RESPONSE_HEADING,
        rows=rows,
        drafts=drafts,
    )


def report_workbook(report, rows, *, drafts=frozenset()):
    """The workbook of a 資料 with its own title, label and group headings."""
    return build_workbook(
        title=report.title,
        label=report.label,
        remarks_heading=report.remarks_heading,
        response_heading=report.response_heading,
        rows=rows,
        drafts=drafts,
    )


def unpublished(comments):
    """The ids of the remarks in ``comments`` that are not published, for ``drafts=``.

    Staff workbooks (the admin's, ``export_report``) include drafts; public downloads never
    reach one. ``comments`` is the queryset the rows were built from, so no query is added.
    """
    return frozenset(comment.pk for comment in comments if not comment.is_published)
