"""Word files built in the tests with python-docx, and hostile variants of them."""

import io
import zipfile

import docx

MACRO_CONTENT_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"
DOCX_CONTENT_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)


def policy_docx():
    """A short policy in Word: heading styles, paragraphs, a numbered line, a table, 全角."""
    document = docx.Document()
    document.add_heading("第1章 はじめに", level=1)
    document.add_heading("1 方針の目的", level=2)
    document.add_paragraph("本市では、「平塚市情報化基本方針」を全面的に見直します。")
    document.add_paragraph("")  # blank paragraphs are layout
    document.add_heading("第2章 本市の未来像", level=1)
    document.add_paragraph("「データ駆動型の地域社会」を目指します。ＡＩやＲＰＡを活用します。")
    # Numbered like a heading but typed as a plain paragraph, as city documents often are.
    document.add_paragraph("（1）業務の効率化")
    document.add_paragraph("テレワークを活用します。")
    document.add_heading("第3章 用語解説", level=1)
    table = document.add_table(rows=3, cols=2)
    for row, (term, meaning) in zip(
        table.rows,
        [("用語", "説明"), ("ＡＩ", "人工知能。"), ("新たな日常", "今までと異なる日常。")],
        strict=True,
    ):
        row.cells[0].text = term
        row.cells[1].text = meaning
    document.add_paragraph("以上")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rewrite_zip(content, *, replace=None, add=None):
    """A copy of the zip ``content`` with some entries replaced or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            data = source.read(entry)
            target.writestr(entry.filename, replace.get(entry.filename, data))
        for name, data in add.items():
            target.writestr(name, data)
    return out.getvalue()


def macro_docm():
    """The same document saved as macro-enabled: .docm content type and a vbaProject.bin."""
    content = policy_docx()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    return rewrite_zip(
        content,
        replace={"[Content_Types].xml": types.replace(DOCX_CONTENT_TYPE, MACRO_CONTENT_TYPE)},
        add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"Attribute VB_Name" * 100},
    )


def zip_bomb(uncompressed=64 * 1024 * 1024):
    """A small valid .docx carrying one highly compressible large entry."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(policy_docx())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            target.writestr(entry.filename, source.read(entry))
        with target.open("word/media/image1.bin", "w") as handle:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(uncompressed // len(chunk)):
                handle.write(chunk)
    return out.getvalue()


def corrupt_docx():
    """A Word file cut short, as a broken download leaves it."""
    content = policy_docx()
    return content[: len(content) // 2]
