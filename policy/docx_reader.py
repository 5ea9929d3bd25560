"""Reading the city's Word file (.docx) of a policy text into passages.

Paragraphs with a heading style (「見出し 1」, Heading 1, …) become headings of that level; other
paragraphs are headings when their text is numbered like one (「第1章 …」, see ``text_reader``),
else paragraphs. A table becomes one passage per row, its cells joined by a tab, the way a row
pasted from Word or Excel reads: a policy's tables (用語解説, 取組と担当課) are lists whose rows
change one at a time, and a row is what a remark points at.

Hostile files are refused before python-docx parses anything: size, the zip's entry count and
uncompressed size (Python's zipfile never inflates an entry past the size it declares, so the
declared sizes bound the work), macro-enabled documents (.docm content type or a
vbaProject.bin), XML with a DTD (entity expansion), and files that are not Word documents.
Every refusal is a ``PolicyTextError`` in Japanese. Nothing here touches the database.
"""

import io
import re
import zipfile

import docx
from django.conf import settings
from docx.table import Table

from policy.enums import PassageKind
from policy.text_reader import PolicyTextError, check_count, heading_level, with_headings

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 500

DOCUMENT_PART = "word/document.xml"
CONTENT_TYPES_PART = "[Content_Types].xml"
MACRO_CONTENT_TYPE = b"application/vnd.ms-word.document.macroEnabled"
_HEADING_STYLE = re.compile(r"^(?:heading|見出し)\s*([1-9])$", re.IGNORECASE)

NOT_WORD = (
    "Word 文書（.docx）として読めません。Word で .docx 形式で保存したファイルを選んでください。"
)
CORRUPT = "Word 文書（.docx）として読めません（ファイルが壊れています）。"
MACRO = (
    "マクロ付きの Word 文書（.docm）は読み込めません。"
    "Word で「Word 文書（*.docx）」として保存し直してから選んでください。"
)


def limit(name, default):
    return getattr(settings, f"POLICY_IMPORT_{name}", default)


def check_upload_size(size):
    """Refuse a file by its size alone (the admin calls this before reading the upload)."""
    if not size:
        raise PolicyTextError("ファイルが空です（0バイト）。")
    max_bytes = limit("MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES)
    if size > max_bytes:
        raise PolicyTextError(
            f"ファイルが大きすぎます（{size:,}バイト）。上限は{max_bytes:,}バイトです。"
            "画像を減らすか、文書を分けてください。"
        )


def read_docx(content, filename=""):
    """The bytes of a .docx file → a list of ``PassageData``, or ``PolicyTextError``."""
    check_upload_size(len(content))
    if filename.lower().endswith((".docm", ".dotm")):
        raise PolicyTextError(MACRO)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise PolicyTextError(
            "古い Word 形式（.doc）は読み込めません。Word で .docx 形式で保存し直してください。"
        )
    if not content.startswith(b"PK\x03\x04"):
        raise PolicyTextError(NOT_WORD)
    _check_archive(content)
    try:
        document = docx.Document(io.BytesIO(content))
        items = list(_read_body(document))
    except PolicyTextError:
        raise
    except Exception as error:  # python-docx and lxml raise many types for broken files
        raise PolicyTextError(CORRUPT) from error
    if not items:
        raise PolicyTextError("Word 文書に本文がありません。")
    check_count(len(items))
    return with_headings(items)


def _check_archive(content):
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise PolicyTextError(CORRUPT) from error
    if len(entries) > limit("MAX_ZIP_ENTRIES", MAX_ZIP_ENTRIES):
        raise PolicyTextError("Word 文書の中のファイル数が多すぎます。読み込みを中止しました。")
    max_uncompressed = limit("MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES)
    if sum(entry.file_size for entry in entries) > max_uncompressed:
        raise PolicyTextError(
            "Word 文書を展開すると大きすぎます"
            f"（上限{max_uncompressed:,}バイト）。読み込みを中止しました。"
        )
    names = {entry.filename for entry in entries}
    if any(name.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for name in names):
        raise PolicyTextError(MACRO)
    if DOCUMENT_PART not in names or CONTENT_TYPES_PART not in names:
        raise PolicyTextError(NOT_WORD)
    try:
        for entry in entries:
            if not entry.filename.endswith((".xml", ".rels")):
                continue
            data = archive.read(entry)
            if entry.filename == CONTENT_TYPES_PART and MACRO_CONTENT_TYPE in data:
                raise PolicyTextError(MACRO)
            if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                raise PolicyTextError(
                    "Word 文書の中に許可されていない定義（DTD）があります。読み込みを中止しました。"
                )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise PolicyTextError(CORRUPT) from error


def _style_level(paragraph):
    style = paragraph.style
    while style is not None:
        match = _HEADING_STYLE.match((style.name or "").strip())
        if match:
            return int(match[1])
        if (style.name or "").strip().lower() == "title":
            return 1
        style = style.base_style
    return 0


def _read_body(document):
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            yield from _read_table(block)
            continue
        text = block.text.strip()
        if not text:
            continue
        level = _style_level(block) or heading_level(text)
        yield (PassageKind.HEADING if level else PassageKind.PARAGRAPH), level, text


def _read_table(table):
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans: keep it once.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text.strip())
        if any(cells):
            yield PassageKind.PARAGRAPH, 0, "\t".join(cells)
