"""Pasted policy text into passages: headings with levels, paragraphs, text kept as written."""

import pytest

from policy.text_reader import PassageData, PolicyTextError, heading_level, read_text
from tests.policy.examples import DRAFT_TEXT, FUTURE_DRAFT


def h(level, text, *headings):
    return PassageData(kind="heading", level=level, text=text, headings=headings)


def p(text, *headings):
    return PassageData(kind="paragraph", level=0, text=text, headings=headings)


def test_read_text_worked_example_headings_and_paragraphs():
    chapter1, purpose = "第1章 はじめに", "1 方針の目的"
    chapter2, policy2, item = (
        "第2章 本市の未来像",
        "方針2 行政内部のデジタル化",
        "（1）業務の効率化",
    )
    glossary = "第3章 用語解説"

    assert read_text(DRAFT_TEXT) == [
        h(1, chapter1),
        h(3, purpose, chapter1),
        p(
            "本市では、「平塚市情報化基本方針」を全面的に見直し、「平塚市デジタル化基本方針」を策定します。",
            chapter1,
            purpose,
        ),
        h(1, chapter2),
        p(FUTURE_DRAFT, chapter2),
        h(2, policy2, chapter2),
        h(4, item, chapter2, policy2),
        p("テレワークやオンライン会議を活用し、業務の効率化を図ります。", chapter2, policy2, item),
        h(1, glossary),
        p("ＡＩ\t人工知能。人間の知的なふるまいをコンピュータで再現する技術。", glossary),
    ]


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("第1章 はじめに", 1),
        ("第１章　はじめに", 1),
        ("第十二章 おわりに", 1),
        ("第2節", 2),
        ("第２節 推進体制", 2),
        ("方針2 行政内部のデジタル化", 2),
        ("方針２　行政内部のデジタル化", 2),
        ("1 はじめに", 3),
        ("１　はじめに", 3),
        ("2. 基本的な考え方", 3),
        ("（1）業務の効率化", 4),
        ("(2) 窓口の改善", 4),
        ("ア 窓口", 5),
        ("① 申請のオンライン化", 5),
        # Sentences of the body, even when they start with a number:
        ("1 市民の利便性を高めるため、申請をオンライン化します。", 0),
        ("（1）の取組は、令和3年度から始めます。", 0),
        ("2020年に国がデジタル庁の設置を決めました。", 0),
        ("第1章で述べたとおり", 0),
        ("方針として定めます。", 0),
        ("本市の未来像", 0),
    ],
)
def test_heading_level_recognises_numbered_headings(line, level):
    assert heading_level(line) == level


def test_read_text_keeps_full_width_text_without_nfkc():
    passages = read_text("第１章　ＡＩの活用\n　ＡＩ（人工知能）を①窓口で使います。\n")

    assert [(x.kind, x.level, x.text) for x in passages] == [
        ("heading", 1, "第１章　ＡＩの活用"),
        ("paragraph", 0, "ＡＩ（人工知能）を①窓口で使います。"),
    ]


def test_read_text_a_later_chapter_closes_the_open_headings():
    passages = read_text("第1章 a\n（1）b\n本文1\n第2章 c\n本文2\n")

    assert [x.headings for x in passages] == [
        (),
        ("第1章 a",),
        ("第1章 a", "（1）b"),
        (),
        ("第2章 c",),
    ]


def test_read_text_blank_text_is_refused_in_japanese():
    with pytest.raises(PolicyTextError) as error:
        read_text(" \n\u3000\n")

    assert error.value.messages == ["文章がありません。本文を貼り付けてください。"]
