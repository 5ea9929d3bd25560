"""Word files into passages, and hostile files refused before python-docx parses them."""

import zipfile

import pytest

from policy import docx_reader
from policy.docx_reader import read_docx
from policy.text_reader import PassageData, PolicyTextError
from tests.policy.docx_files import corrupt_docx, macro_docm, policy_docx, zip_bomb


def test_read_docx_headings_paragraphs_table_rows_and_full_width_text():
    chapter1, purpose = "第1章 はじめに", "1 方針の目的"
    chapter2, item, glossary = "第2章 本市の未来像", "（1）業務の効率化", "第3章 用語解説"

    passages = read_docx(policy_docx(), "方針.docx")

    assert passages == [
        PassageData("heading", 1, chapter1, ()),
        PassageData("heading", 2, purpose, (chapter1,)),
        PassageData(
            "paragraph",
            0,
            "本市では、「平塚市情報化基本方針」を全面的に見直します。",
            (chapter1, purpose),
        ),
        PassageData("heading", 1, chapter2, ()),
        PassageData(
            "paragraph",
            0,
            "「データ駆動型の地域社会」を目指します。ＡＩやＲＰＡを活用します。",
            (chapter2,),
        ),
        PassageData("heading", 4, item, (chapter2,)),
        PassageData("paragraph", 0, "テレワークを活用します。", (chapter2, item)),
        PassageData("heading", 1, glossary, ()),
        PassageData("paragraph", 0, "用語\t説明", (glossary,)),
        PassageData("paragraph", 0, "ＡＩ\t人工知能。", (glossary,)),
        PassageData("paragraph", 0, "新たな日常\t今までと異なる日常。", (glossary,)),
        PassageData("paragraph", 0, "以上", (glossary,)),
    ]


def refusal(content, filename="方針.docx"):
    with pytest.raises(PolicyTextError) as error:
        read_docx(content, filename)
    return error.value.messages


def test_read_docx_refuses_a_corrupt_file():
    assert refusal(corrupt_docx()) == [docx_reader.CORRUPT]


def test_read_docx_refuses_a_zip_bomb_before_inflating_it(monkeypatch):
    bomb = zip_bomb()  # 64 MiB of zeros in a file of about 100 KB
    inflated = []
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda *args: inflated.append(args))

    assert len(bomb) < 200_000
    assert refusal(bomb) == [
        "Word 文書を展開すると大きすぎます（上限52,428,800バイト）。読み込みを中止しました。"
    ]
    assert inflated == []


def test_read_docx_refuses_a_macro_enabled_file():
    assert refusal(macro_docm()) == [docx_reader.MACRO]
    assert refusal(policy_docx(), "方針.docm") == [docx_reader.MACRO]


def test_read_docx_refuses_a_macro_content_type_without_vba_part():
    from tests.policy.docx_files import DOCX_CONTENT_TYPE, MACRO_CONTENT_TYPE, rewrite_zip

    content = policy_docx()
    with zipfile.ZipFile(__import__("io").BytesIO(content)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    docm = rewrite_zip(
        content,
        replace={"[Content_Types].xml": types.replace(DOCX_CONTENT_TYPE, MACRO_CONTENT_TYPE)},
    )

    assert refusal(docm) == [docx_reader.MACRO]


def test_read_docx_refuses_an_oversize_file():
    content = b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024)

    assert refusal(content) == [
        "ファイルが大きすぎます（10,485,764バイト）。上限は10,485,760バイトです。"
        "画像を減らすか、文書を分けてください。"
    ]


def test_read_docx_refuses_too_many_entries():
    from tests.policy.docx_files import rewrite_zip

    content = rewrite_zip(
        policy_docx(), add={f"customXml/extra{n}.xml": b"<a/>" for n in range(500)}
    )

    assert refusal(content) == ["Word 文書の中のファイル数が多すぎます。読み込みを中止しました。"]


def test_read_docx_refuses_xml_with_a_dtd():
    from tests.policy.docx_files import rewrite_zip

    content = policy_docx()
    with zipfile.ZipFile(__import__("io").BytesIO(content)) as archive:
        xml = archive.read("word/document.xml")
    bomb = xml.replace(
        b"?>", b'?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', 1
    )

    assert refusal(rewrite_zip(content, replace={"word/document.xml": bomb})) == [
        "Word 文書の中に許可されていない定義（DTD）があります。読み込みを中止しました。"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "ファイルが空です（0バイト）。"),
        (b"%PDF-1.7 ...", docx_reader.NOT_WORD),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "古い Word 形式（.doc）は読み込めません。Word で .docx 形式で保存し直してください。",
        ),
    ],
)
def test_read_docx_refuses_files_that_are_not_word_documents(content, message):
    assert refusal(content) == [message]


def test_read_docx_refuses_an_excel_workbook(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "book.xlsx"
    Workbook().save(path)

    assert refusal(path.read_bytes(), "book.docx") == [docx_reader.NOT_WORD]
