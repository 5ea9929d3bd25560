"""Folding (feedback/folding.py) and the search built on it (feedback/search.py): exact rules,
the position map used for highlighting, and properties checked with Hypothesis against a pure
Python reference and against the database."""

import random
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import folding
from feedback.folding import fold, fold_with_map, keeps_positions
from feedback.models import Comment
from feedback.search import (
    highlight,
    keyword_condition,
    keywords,
    matches,
    refresh_search_text,
    search_text_of,
)
from tests.factories import CommentFactory, FollowUpFactory, MemberFactory
from tests.helpers import JAPANESE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＤＸ推進", "dx推進"),
        ("ＫＰＩ", "kpi"),
        ("デジタル", "でじたる"),
        ("ｶﾞｲﾄﾞﾗｲﾝ", "がいどらいん"),
        ("か゛", "が"),
        ("セキュリティ", "せきゆりてい"),
        ("キャッシュレス", "きやつしゆれす"),
        ("ヶ月", "け月"),
        ("サ－バ", "さーば"),
        ("サ〜バ～ｰ", "さーばーー"),
        ("AI-OCR", "aiーocr"),
        ("芦川　委員", "芦川委員"),
        ("芦 川\t委\n員\u200b", "芦川委員"),
        ("髙橋", "高橋"),
        ("山﨑・宮嵜", "山崎・宮崎"),
        ("渡邊・渡邉", "渡辺・渡辺"),
        ("齋藤・齊藤・斉藤", "斎藤・斎藤・斎藤"),
        ("㍻3年", "平成3年"),
        ("①", "1"),
        ("", ""),
    ],
)
def test_fold_rules(text, expected):
    assert fold(text) == expected


def test_fold_with_map_points_back_at_the_original_characters():
    folded, spans = fold_with_map("㍻ ＤＸ")

    assert folded == "平成dx"
    assert spans == [(0, 1), (0, 1), (2, 3), (3, 4)]


def test_highlight_marks_folded_matches_in_the_displayed_text():
    assert (
        highlight("行政のＤＸと<髙橋>", "dx 高橋")
        == "行政の<mark>ＤＸ</mark>と&lt;<mark>髙橋</mark>&gt;"
    )
    assert highlight("芦川 委員", "芦川委員") == "<mark>芦川 委員</mark>"
    assert highlight("ｶﾞｲﾄﾞ", "ガイ") == "<mark>ｶﾞｲ</mark>ﾄﾞ"
    assert highlight("㍻3年", "平 成") == "<mark>㍻</mark>3年"


# -- properties --------------------------------------------------------------------------------

texts = st.text(alphabet=JAPANESE, max_size=30)


def _cluster_starts(text):
    _folded, spans = fold_with_map(text)
    return sorted({start for start, _end in spans} | {len(text)})


@settings(max_examples=50, deadline=None)
@given(texts)
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@settings(max_examples=50, deadline=None)
@given(texts)
def test_fold_without_the_cluster_scan_equals_the_mapped_fold(text):
    """``fold`` skips the cluster scan for texts of lone characters; the result is the same."""
    assert fold(text) == fold_with_map(text)[0]


def test_fold_of_each_character_equals_the_mapped_fold():
    """``fold`` looks only at the characters folding changes; each BMP character, beside
    characters that change (ア) and characters that do not (市), folds as the cluster scan
    folds it."""
    differ = [
        hex(code)
        for code in range(0x10000)
        if fold(text := f"市ア{chr(code)}ア市") != fold_with_map(text)[0]
    ]
    assert differ == []


def test_a_text_that_keeps_positions_maps_each_character_to_itself():
    """``highlight`` skips the map for such texts: for each BMP character (beside 「市ア」),
    when ``keeps_positions`` says so, the map is the identity."""
    wrong = []
    for code in range(0x10000):
        text = f"市ア{chr(code)}ア市"
        _folded, spans = fold_with_map(text)
        if keeps_positions(text) and spans != [(i, i + 1) for i in range(len(text))]:
            wrong.append(hex(code))
    assert wrong == []
    assert (
        keeps_positions("行政のＤＸ"),
        keeps_positions("㍻3年"),
        keeps_positions("芦川 委員"),
    ) == (
        True,
        False,
        False,
    )


@settings(max_examples=50, deadline=None)
@given(texts, st.data())
def test_a_piece_of_the_text_is_found_in_it(text, data):
    """What matched before folding (a piece cut at character boundaries) still matches."""
    cuts = _cluster_starts(text)
    start = data.draw(st.sampled_from(cuts))
    end = data.draw(st.sampled_from([cut for cut in cuts if cut >= start]))

    assert fold(text[start:end]) in fold(text)
    assert matches(search_text_of(body=text), text[start:end])


@settings(max_examples=50, deadline=None)
@given(st.lists(texts, min_size=1, max_size=4), texts)
def test_search_text_matches_like_each_text_folded(parts, query):
    """The stored text is searched as if each text were searched on its own: no keyword
    matches across two texts."""
    body, *others = parts
    stored = search_text_of(body=body or "本文", follow_ups=others)
    texts_folded = [fold(body or "本文"), *(fold(text) for text in others if text)]

    expected = all(any(fold(word) in text for text in texts_folded) for word in keywords(query))
    assert matches(stored, query) == expected


def test_database_search_equals_the_python_reference(db):
    """A handful of generated rows; random queries (pieces of them, altered, and noise) must
    select exactly the rows the Python reference selects."""
    rng = random.Random(14)
    bodies = ["".join(rng.choice(JAPANESE) for _ in range(rng.randint(5, 25))) for _ in range(6)]
    bodies = [body if body.strip() else "本文" for body in bodies]
    member = MemberFactory(name="髙橋")
    comments = []
    for body in bodies:
        comment = CommentFactory(body=body, member=member, meeting__committee=member.committee)
        FollowUpFactory(comment=comment, body=rng.choice(bodies)[::-1] or "対応")
        comments.append(comment)
    refresh_search_text([comment.pk for comment in comments])
    stored = dict(Comment.objects.values_list("pk", "search_text"))

    pieces = st.sampled_from(bodies).flatmap(
        lambda body: st.tuples(st.integers(0, len(body)), st.integers(0, len(body))).map(
            lambda cut, body=body: body[min(cut) : max(cut)]
        )
    )

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.one_of(pieces, pieces.map(str.swapcase), texts))
    def check(query):
        found = set(Comment.objects.filter(keyword_condition(query)).values_list("pk", flat=True))
        assert found == {pk for pk, text in stored.items() if matches(text, query)}

    check()


def test_the_character_tables_shortcuts_change_nothing():
    """``_bmp_folds`` and ``_extends_cluster`` answer at once for a character that is its own
    NFKC form; for every BMP character they answer as their definitions do."""

    def extends(char):  # the module's rule, without the shortcut
        if unicodedata.combining(char):
            return True
        normal = "".join(unicodedata.normalize("NFKC", char).split())
        return bool(normal) and unicodedata.combining(normal[0]) != 0

    folds = folding._bmp_folds()
    assert [
        c for c in range(0x10000) if folds[c] != folding._fold_cluster.__wrapped__(chr(c))
    ] == []
    assert [c for c in range(0x10000) if folding._extends_cluster(chr(c)) != extends(chr(c))] == []
