"""Reading the city's own sheets: Excel workbooks, CSV files and text pasted from Excel.

The sheets come in many shapes. The reader finds the header row by its titles (委員名, 対象項目,
意見、質問等, …) wherever it is, reads the title, the 資料 label and the group heading above it,
takes No. from its own column or from inside the member cell (「1 秋山委員」, as on page 1 of
資料2), skips a header repeated further down (page 2 of 資料2 repeats it, one column to the
right), and ignores blank rows. Line breaks inside cells are kept.

Hostile files are refused before any parsing work: size, zero bytes, zip bombs (uncompressed
size and entry count are checked first), formulas, unknown encodings. Every problem is reported
in Japanese with the row and column it is in. Nothing here touches the database.
"""

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook, SheetTypeEnum

from feedback.table import IMPORT_TITLES as COLUMN_TITLES  # the columns and their aliases
from feedback.writers import needs_formula_guard
from publication.dates import ERAS, parse_fiscal_year

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_ZIP_ENTRIES = 300
MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 30


def limit(name, default):
    return getattr(settings, f"FEEDBACK_IMPORT_{name}", default)


def max_upload_bytes():
    """The largest file an import reads: ``MAX_UPLOAD_BYTES`` unless settings say otherwise."""
    return limit("MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES)


def too_large_message(size=None):
    """The refusal of a file over the limit; ``size`` when it is known (it is not when the
    upload was stopped before the end of the file)."""
    shown = f"（{size:,}バイト）" if size is not None else ""
    return (
        f"ファイルが大きすぎます{shown}。"
        f"上限は{max_upload_bytes():,}バイトです。分割して読み込んでください。"
    )


class SheetError(Exception):
    """The file cannot be read at all. ``messages`` are in Japanese, for staff."""

    def __init__(self, *messages):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


REQUIRED_COLUMNS = ("member", "policy_item", "remark")
COLUMN_LABELS = {key: titles[0] for key, titles in COLUMN_TITLES.items()}


def _normalize_title(text):
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


_TITLE_LOOKUP = {
    _normalize_title(title): key for key, titles in COLUMN_TITLES.items() for title in titles
}

_MERGED_MEMBER = re.compile(r"^\s*([0-9０-９]+)[\s　]+(\S.*?)\s*$")
_LABEL = re.compile(r"^資料\s*[0-9０-９]+([-－ー][0-9０-９]+)?$")
# Matched after NFKC normalization, so full-width digits are ASCII by then.
_MEETING = re.compile(
    rf"^(?P<era>{'|'.join(era.name for era in ERAS)})(?P<year>元|[0-9]+)年度第(?P<number>[0-9]+)回"
    r"(?P<committee>.+?)(?:における|での|の会議|$)"
)


@dataclass(frozen=True)
class MeetingKey:
    committee: str
    fiscal_year: int
    number: int


def parse_meeting_name(text):
    """「令和2年度第2回平塚市行政改革推進委員会（における…）」 → MeetingKey, or None."""
    match = _MEETING.match(unicodedata.normalize("NFKC", text or "").strip())
    if not match:
        return None
    try:
        fiscal_year = parse_fiscal_year(match["era"] + match["year"])
    except ValidationError:
        return None  # 「令和0年度」
    return MeetingKey(
        committee=match["committee"].strip(), fiscal_year=fiscal_year, number=int(match["number"])
    )


@dataclass
class SheetMeta:
    title: str = ""
    label: str = ""
    remarks_heading: str = ""
    response_heading: str = ""

    @property
    def meeting(self):
        return parse_meeting_name(self.remarks_heading)


@dataclass
class SheetRow:
    line: int
    meeting: str = ""
    number: int | None = None
    member: str = ""
    policy_item: str = ""
    remark: str = ""
    response: str = ""
    category: str = ""
    follow_up: str = ""
    errors: list = field(default_factory=list)


@dataclass
class Sheet:
    meta: SheetMeta
    rows: list
    columns: dict  # key -> column label for messages ("D列" or "4列目")


@dataclass
class _Grid:
    """Cell texts by row, with a way to name a cell's place in messages."""

    rows: list
    spreadsheet: bool  # columns named by letter (Excel) or by position (CSV, pasted text)

    def column_name(self, index):
        if self.spreadsheet:
            return f"{get_column_letter(index + 1)}列"
        return f"{index + 1}列目"


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _unescape_formula_guard(text):
    """Undo the leading ``'`` our own CSV export puts before formula-like text."""
    if text.startswith("'") and needs_formula_guard(text[1:]):
        return text[1:]
    return text


# ---------------------------------------------------------------------------------------------
# Reading bytes


def read_upload(content, filename=""):
    """Read an uploaded file (xlsx, csv or tab-separated text) into a ``Sheet``.

    Raises ``SheetError`` with a Japanese message when the file cannot be read.
    """
    if not content:
        raise SheetError("ファイルが空です（0バイト）。")
    if len(content) > max_upload_bytes():
        raise SheetError(too_large_message(len(content)))
    if content.startswith(b"PK\x03\x04"):
        return parse_grid(_read_xlsx(content))
    if content.startswith((b"\xd0\xcf\x11\xe0", b"%PDF")) or b"\x00" in content[:4096]:
        raise SheetError(
            "このファイルは読み込めません。Excel ブック（.xlsx）か CSV ファイルを選んでください"
            "（古い .xls 形式は Excel で .xlsx として保存し直してください）。"
        )
    return read_text(_decode(content))


def read_text(text):
    """Tab-separated text pasted from Excel, or CSV text."""
    text = text.lstrip("\ufeff")
    first_lines = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    delimiter = "\t" if any("\t" in line for line in first_lines) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [[_unescape_formula_guard(_cell_text(cell)) for cell in row] for row in reader]
    except csv.Error as error:
        raise SheetError(
            f"{reader.line_num}行目: CSV の形式が正しくありません（{error}）。"
        ) from error
    return parse_grid(_Grid(rows=rows, spreadsheet=False))


def _decode(content):
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise SheetError("文字コードが UTF-8 として正しくありません。") from error
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # Japanese Excel saves CSV as CP932; the shift_jis codec fails on ①, 髙 and 﨑.
        return content.decode("cp932")
    except UnicodeDecodeError as error:
        raise SheetError(
            "文字コードを判別できません。UTF-8 または Shift_JIS（CP932）で保存した CSV か、"
            "Excel ブック（.xlsx）を選んでください。"
        ) from error


def _read_xlsx(content):
    archive = _checked_archive(content)
    if _has_formulas_or_errors(archive):
        return _read_xlsx_cells(content)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        index = next(
            index
            for index, sheet in enumerate(workbook.sheets_metadata)
            if sheet.typ == SheetTypeEnum.WorkSheet
        )
        values = workbook.get_sheet_by_index(index).to_python(skip_empty_area=False)
        workbook.close()
    except Exception as error:  # calamine raises its own error types for broken files
        raise SheetError("Excel ブックとして読めません（ファイルが壊れています）。") from error
    _check_row_count(len(values))
    rows = [[_cell_text(_as_openpyxl_reads(value)) for value in row] for row in values]
    return _Grid(rows=rows, spreadsheet=True)


def _checked_archive(content):
    """The workbook's zip archive, refused before anything is unpacked when it is not one, or
    when it would unpack to too many files or too many bytes (a zip bomb)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SheetError("Excel ブックとして読めません（ファイルが壊れています）。") from error
    if len(entries) > limit("MAX_ZIP_ENTRIES", MAX_ZIP_ENTRIES):
        raise SheetError("Excel ブックの中のファイル数が多すぎます。読み込みを中止しました。")
    max_uncompressed = limit("MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES)
    if sum(entry.file_size for entry in entries) > max_uncompressed:
        raise SheetError(
            "Excel ブックを展開すると大きすぎます"
            f"（上限{max_uncompressed:,}バイト）。読み込みを中止しました。"
        )
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise SheetError("Excel ブック（.xlsx）ではありません。")
    return archive


# A formula element (``<f>``, ``<x:f t="shared" …/>``) and an error value's cell type (``t="e"``)
# in a part's XML. A ``<`` in a cell's text is escaped there; a text saying ``t="e"`` only makes
# the slower reader read the file. Searched apart, the error's as plain bytes: a regular
# expression starting with a class or an alternation scans a large sheet ten times slower.
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_ERROR_TYPES = (b't="e"', b"t='e'")


def _has_formulas_or_errors(archive):
    """Whether any part of the workbook but its shared strings holds a formula or an error
    value (a chart's reference to cells counts too: then the slower reader decides)."""
    for entry in archive.infolist():
        if entry.filename.endswith(".xml") and entry.filename != "xl/sharedStrings.xml":
            try:
                xml = archive.read(entry)
            except Exception as error:  # zlib.error, BadZipFile, EOFError… for a damaged entry
                raise SheetError(
                    "Excel ブックとして読めません（ファイルが壊れています）。"
                ) from error
            if _FORMULA.search(xml) or any(error in xml for error in _ERROR_TYPES):
                return True
    return False


def _as_openpyxl_reads(value):
    """A value as openpyxl gives it, so both readers make the same texts: a date cell is a
    ``datetime`` (calamine gives a ``date`` when its time is midnight)."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return datetime.datetime.combine(value, datetime.time())
    return value


def _check_row_count(count):
    if count > limit("MAX_ROWS", MAX_ROWS) + HEADER_SEARCH_ROWS:
        raise SheetError(f"行が多すぎます（上限{limit('MAX_ROWS', MAX_ROWS):,}行）。")


def _read_xlsx_cells(content):
    """The first worksheet read cell by cell with openpyxl, which tells a formula from a value:
    the reader of workbooks with formulas or error values, whose cells the message names."""
    try:
        # openpyxl parses with defusedxml when it is installed (it is a requirement).
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        grid = _Grid(rows=[], spreadsheet=True)
        formulas = []
        for row_index, row in enumerate(sheet.iter_rows(), start=1):
            _check_row_count(row_index)
            texts = []
            for column_index, cell in enumerate(row):
                if getattr(cell, "data_type", None) == "f":
                    formulas.append(f"{row_index}行目 {grid.column_name(column_index)}")
                texts.append(_cell_text(getattr(cell, "value", None)))
            grid.rows.append(texts)
        workbook.close()
    except SheetError:
        raise
    except Exception as error:  # openpyxl raises many types for broken files
        raise SheetError("Excel ブックとして読めません（ファイルが壊れています）。") from error
    if formulas:
        raise SheetError(
            "数式のセルは読み込めません。値として貼り付けてから保存し直してください: "
            + "、".join(formulas[:10])
            + ("、…" if len(formulas) > 10 else "")
        )
    return grid


# ---------------------------------------------------------------------------------------------
# From cells to rows


def _header_columns(cells):
    """Map column keys to indexes if ``cells`` is a header row, else None."""
    columns = {}
    for index, cell in enumerate(cells):
        key = _TITLE_LOOKUP.get(_normalize_title(cell))
        if key and key not in columns:
            columns[key] = index
    if sum(key in columns for key in REQUIRED_COLUMNS) < 2:
        return None
    # 資料2's page 2 leaves the No. column's title blank, just left of 委員名.
    member = columns.get("member")
    if "number" not in columns and member and not cells[member - 1].strip():
        columns["number"] = member - 1
    return columns


def parse_grid(grid):
    rows = grid.rows
    header_index, columns = None, None
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _header_columns(cells)
        if columns:
            header_index = index
            break
    if columns is None:
        raise SheetError(
            "見出し行が見つかりません。「委員名」「対象項目」「意見、質問等」の列見出しがある行を、"
            f"先頭から{HEADER_SEARCH_ROWS}行以内に置いてください。"
        )
    missing = [COLUMN_LABELS[key] for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise SheetError(
            f"{header_index + 1}行目の見出しに必要な列がありません: "
            + "、".join(f"「{name}」" for name in missing)
        )
    meta = _read_meta(rows[:header_index], columns)
    sheet_rows = []
    for index in range(header_index + 1, len(rows)):
        cells = rows[index]
        if not any(cell.strip() for cell in cells):
            continue
        repeated = _header_columns(cells)
        if repeated and not [k for k in REQUIRED_COLUMNS if k not in repeated]:
            columns = repeated  # a header repeated on a later page, perhaps shifted
            continue
        first = next(cell for cell in cells if cell.strip()).strip()
        if meta.remarks_heading and first == meta.remarks_heading:
            continue  # the group heading repeated on a later page
        sheet_rows.append(_read_row(grid, index, cells, columns))
        if len(sheet_rows) > limit("MAX_ROWS", MAX_ROWS):
            raise SheetError(f"行が多すぎます（上限{limit('MAX_ROWS', MAX_ROWS):,}行）。")
    _check_duplicate_numbers(sheet_rows, meta)
    names = {key: grid.column_name(index) for key, index in columns.items()}
    return Sheet(meta=meta, rows=sheet_rows, columns=names)


def _is_label(text):
    return bool(_LABEL.match(unicodedata.normalize("NFKC", text)))


def _read_meta(above, columns):
    """Title, 資料 label and the two group headings from the rows above the header."""
    meta = SheetMeta()
    rows = [[cell.strip() for cell in row] for row in above if any(cell.strip() for cell in row)]
    # The group headings stand in the row right above the header: one over the remark
    # columns, one from 対応区分 on.
    if rows:
        group = rows[-1]
        cut = columns.get("category", len(group))
        before = [cell for cell in group[:cut] if cell and not _is_label(cell)]
        after = [cell for cell in group[cut:] if cell and not _is_label(cell)]
        if before and (after or parse_meeting_name(before[0]) or len(rows) > 1):
            meta.remarks_heading = before[0]
            meta.response_heading = after[0] if after else ""
            rows = rows[:-1]
    for row in rows:
        for cell in row:
            if not cell:
                continue
            if _is_label(cell):
                meta.label = meta.label or cell
            elif not meta.title:
                meta.title = cell
    return meta


def _get(cells, columns, key):
    index = columns.get(key)
    if index is None or index >= len(cells):
        return ""
    return cells[index]


def _read_row(grid, index, cells, columns):
    line = index + 1
    row = SheetRow(line=line)

    def where(key):
        return f"{line}行目 {grid.column_name(columns[key])}（{COLUMN_LABELS[key]}）"

    row.meeting = _get(cells, columns, "meeting").strip()
    member_cell = _get(cells, columns, "member").strip()
    number_text = _get(cells, columns, "number").strip()
    if not number_text:
        # Page 1 of 資料2 writes No. and member in one cell: 「1 秋山委員」.
        merged = _MERGED_MEMBER.match(member_cell)
        if merged:
            number_text, member_cell = merged[1], merged[2]
    if number_text:
        normalized = unicodedata.normalize("NFKC", number_text)
        if normalized.isdigit() and int(normalized) > 0:
            row.number = int(normalized)
        else:
            label = where("number") if "number" in columns else f"{line}行目（No.）"
            row.errors.append(f"{label}: No. は1以上の整数にしてください（「{number_text}」）。")
    else:
        row.errors.append(
            f"{line}行目: No. がありません。No. の列か「1 秋山委員」の形で入れてください。"
        )
    row.member = member_cell
    row.policy_item = _get(cells, columns, "policy_item").strip()
    row.remark = _get(cells, columns, "remark")
    row.response = _get(cells, columns, "response")
    row.category = _get(cells, columns, "category").strip()
    row.follow_up = _get(cells, columns, "follow_up")
    if not row.member:
        row.errors.append(f"{where('member')}: 委員名が空です。")
    if not row.policy_item:
        row.errors.append(f"{where('policy_item')}: 対象項目が空です。")
    if not row.remark.strip():
        row.errors.append(f"{where('remark')}: 意見、質問等が空です。")
    return row


def _check_duplicate_numbers(rows, meta):
    seen = {}
    for row in rows:
        if row.number is None:
            continue
        key = (row.meeting or meta.remarks_heading, row.number)
        if key in seen:
            row.errors.append(
                f"{row.line}行目: No.{row.number} が{seen[key]}行目と重複しています。"
            )
        else:
            seen[key] = row.line
