"""Differences between two versions: passages aligned, then characters compared."""

from policy.text_reader import PassageData, read_text
from policy.textdiff import CharOp, PassageChange, char_ops, diff_passages
from tests.policy.examples import (
    ADOPTED_TEXT,
    DRAFT_TEXT,
    FUTURE_ADOPTED,
    FUTURE_DRAFT,
    NEW_NORMAL,
)


def p(text, *headings):
    return PassageData("paragraph", 0, text, headings)


def h(level, text, *headings):
    return PassageData("heading", level, text, headings)


def summary(changes):
    return [(c.kind, c.passage.text) for c in changes]


def test_diff_worked_example_row7_and_row1():
    changes = diff_passages(read_text(DRAFT_TEXT), read_text(ADOPTED_TEXT))

    changed = [c for c in changes if c.kind != "unchanged"]
    assert [(c.kind, c.headings) for c in changed] == [
        ("changed", ("第2章 本市の未来像",)),
        ("added", ("第3章 用語解説",)),
    ]
    assert changed[0].old.text == FUTURE_DRAFT
    assert changed[0].new.text == FUTURE_ADOPTED
    assert changed[0].ops == (
        CharOp("equal", "本市は、デジタル技術を活用して市民一人ひとりが豊かさを実感できる「データ"),
        CharOp("delete", "主導"),
        CharOp("insert", "駆動"),
        CharOp("equal", "型の地域社会」を目指します。"),
    )
    assert changed[1].new.text == NEW_NORMAL
    assert changed[1].ops == ()
    assert [c.kind for c in changes].count("unchanged") == 9


def test_diff_identical_versions_are_all_unchanged():
    passages = read_text(DRAFT_TEXT)

    assert {c.kind for c in diff_passages(passages, passages)} == {"unchanged"}


def test_diff_reworded_paragraph_pairs_with_its_old_self_not_delete_insert():
    old = [h(1, "第1章 はじめに"), p("市民の利便性を高めます。"), p("行政の効率化を進めます。")]
    new = [
        h(1, "第1章 はじめに"),
        p("市民の利便性を大きく高めます。"),
        p("行政の効率化を進めます。"),
    ]

    changes = diff_passages(old, new)

    assert summary(changes) == [
        ("unchanged", "第1章 はじめに"),
        ("changed", "市民の利便性を大きく高めます。"),
        ("unchanged", "行政の効率化を進めます。"),
    ]
    assert changes[1].ops == (
        CharOp("equal", "市民の利便性を"),
        CharOp("insert", "大きく"),
        CharOp("equal", "高めます。"),
    )


def test_diff_added_and_removed_passages():
    old = [
        p("一つ目の段落です。"),
        p("削除される段落。まったく違う内容。"),
        p("三つ目の段落です。"),
    ]
    new = [p("一つ目の段落です。"), p("三つ目の段落です。"), p("新しく加えた、まだ無かった文章。")]

    assert summary(diff_passages(old, new)) == [
        ("unchanged", "一つ目の段落です。"),
        ("removed", "削除される段落。まったく違う内容。"),
        ("unchanged", "三つ目の段落です。"),
        ("added", "新しく加えた、まだ無かった文章。"),
    ]


def test_diff_reordered_passages_show_as_removed_then_added():
    a, b, c = p("ＡＩを活用します。"), p("ＲＰＡを導入します。"), p("窓口をオンライン化します。")

    changes = diff_passages([a, b, c], [c, a, b])

    assert [(x.kind, x.passage.text) for x in changes] == [
        ("added", "窓口をオンライン化します。"),
        ("unchanged", "ＡＩを活用します。"),
        ("unchanged", "ＲＰＡを導入します。"),
        ("removed", "窓口をオンライン化します。"),
    ]


def test_diff_removed_passage_keeps_its_old_headings():
    old = read_text("第1章 旧\n消える段落です。\n第2章 残る\n残る段落です。")
    new = read_text("第2章 残る\n残る段落です。")

    changes = diff_passages(old, new)

    assert [(x.kind, x.passage.text, x.headings) for x in changes] == [
        ("removed", "第1章 旧", ()),
        ("removed", "消える段落です。", ("第1章 旧",)),
        ("unchanged", "第2章 残る", ()),
        ("unchanged", "残る段落です。", ("第2章 残る",)),
    ]


def test_diff_a_heading_never_pairs_with_a_paragraph():
    old = [h(3, "1 方針の目的")]
    new = [p("1 方針の目的を述べます。")]

    assert [x.kind for x in diff_passages(old, new)] == ["removed", "added"]


def test_diff_pairs_the_most_similar_passage_in_a_stretch():
    old = [p("オンライン申請を拡充します。")]
    new = [p("まったく別の新しい段落が入りました。"), p("オンライン申請を大幅に拡充します。")]

    changes = diff_passages(old, new)

    assert [x.kind for x in changes] == ["added", "changed"]
    assert changes[1] == PassageChange(
        "changed",
        old=old[0],
        new=new[1],
        ops=(
            CharOp("equal", "オンライン申請を"),
            CharOp("insert", "大幅に"),
            CharOp("equal", "拡充します。"),
        ),
    )


def test_char_ops_replacement_inside_a_long_passage_is_exactly_the_changed_characters():
    filler = "デジタル技術を活用した取組を進め、" * 30
    old = filler + "「データ主導型の地域社会」を目指します。" + filler

    ops = char_ops(old, old.replace("主導", "駆動"))

    assert [(op.op, op.text) for op in ops if op.op != "equal"] == [
        ("delete", "主導"),
        ("insert", "駆動"),
    ]
    assert "".join(op.text for op in ops if op.op != "insert") == old
