"""Folding: the form of a text that search compares, so that spellings a reader treats as the
same word match each other. Pure Python, no Django: both the stored side
(``Comment.search_text``) and the typed query go through ``fold``.

``fold`` is never applied to what is shown: NFKC alone changes some kanji and symbols
(「㍻」 → 「平成」, compatibility ideographs), and the public record is reproduced character for
character. The search highlights matches in the original text through ``fold_with_map``.

The rules, applied to each character cluster (a character with the combining marks and
voicing marks that follow it) until nothing changes:

1. **Width and compatibility forms** — Unicode NFKC: 「ＤＸ」 → 「DX」, 「ｶﾞ」 → 「ガ」,
   「①」 → 「1」.
2. **Case** — ``str.casefold``: 「DX」 → 「dx」.
3. **Katakana → hiragana** — 「デジタル」 → 「でじたる」 (ァ–ヶ, ヽ, ヾ; ヷ–ヺ have no hiragana
   and stay).
4. **Small kana → large** — ぁぃぅぇぉ → あいうえお, っ → つ, ゃゅょ → やゆよ, ゎ → わ,
   ゕ → か, ゖ → け, and the small katakana ㇰ–ㇿ: 「てぃ」 and 「てい」 fold alike.
5. **Long-vowel marks and dashes** — ー, ｰ, ～, 〜, 〰, ~, ‐, ‑, ‒, –, —, ―, −, －, ─, ━ and the
   hyphen-minus all become 「ー」: a PDF's 「サ－バ」 or 「サ〜バ」 is 「サーバ」.
6. **Whitespace** — every whitespace character (full-width U+3000 included) and the
   zero-width space/joiners are removed: 「芦川 委員」 folds to 「芦川委員」.
7. **Itaiji (異体字) in names** — ``ITAIJI``: 髙 → 高, 﨑 → 崎, 邊/邉 → 辺, 齋/齊/斉 → 斎, …

Folding is idempotent (``fold(fold(t)) == fold(t)``) and works cluster by cluster, so
``fold(a + b) == fold(a) + fold(b)`` whenever ``b`` starts a new cluster; that is what lets
``fold_with_map`` point every folded character back at the original characters it came from.
"""

import functools
import re
import unicodedata

#: Variant kanji common in personal and place names, each mapped to the form in everyday use.
#: Only pairs that registries and name-search systems (住民基本台帳, 戸籍統一文字) treat as the
#: same name; characters that are different words (竜/龍, 桜 in other senses) are not folded.
ITAIJI = {
    "髙": "高",
    "﨑": "崎",
    "嵜": "崎",
    "碕": "崎",
    "邊": "辺",
    "邉": "辺",
    "齋": "斎",
    "齊": "斎",
    "斉": "斎",
    "澤": "沢",
    "濱": "浜",
    "濵": "浜",
    "邨": "村",
    "嶋": "島",
    "嶌": "島",
    "冨": "富",
    "廣": "広",
    "國": "国",
    "眞": "真",
    "惠": "恵",
    "榮": "栄",
    "瀨": "瀬",
    "槇": "槙",
    "德": "徳",
    "櫻": "桜",
    "峯": "峰",
}

_SMALL_KANA = dict(zip("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ", strict=True))
_SMALL_KATAKANA_EXTENSION = dict(
    zip("ㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ", "くしすとぬはひふへほむらりるれろ", strict=True)
)
LONG_VOWEL = "ー"
_LONG_VOWEL_VARIANTS = "ーｰ～〜〰~‐‑‒–—―−－─━-"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def _table():
    table = {}
    # Katakana ァ (U+30A1) … ヶ (U+30F6), ヽ, ヾ sit 0x60 above their hiragana.
    for code in [*range(0x30A1, 0x30F7), 0x30FD, 0x30FE]:
        table[code] = chr(code - 0x60)
    for small, large in {**_SMALL_KANA, **_SMALL_KATAKANA_EXTENSION}.items():
        table[ord(small)] = large
    # ゕ/ゖ come from ヵ/ヶ through the katakana rule: take them on to か/け.
    table[0x30F5], table[0x30F6] = "か", "け"
    for mark in _LONG_VOWEL_VARIANTS:
        table[ord(mark)] = LONG_VOWEL
    for code in range(0x3001):
        if chr(code).isspace():
            table[code] = None
    for char in _INVISIBLE:
        table[ord(char)] = None
    for variant, standard in ITAIJI.items():
        table[ord(variant)] = standard
    return table


_TABLE = _table()


@functools.lru_cache(maxsize=65536)
def _extends_cluster(char):
    """Whether ``char`` belongs to the cluster before it: combining marks, and characters that
    NFKC turns into one (the half-width ﾞ, the spacing ゛ which NFKC writes as a space and the
    combining mark)."""
    if unicodedata.combining(char):
        return True
    if unicodedata.is_normalized("NFKC", char):
        return False  # its own NFKC form, and not a combining mark
    normal = "".join(unicodedata.normalize("NFKC", char).split())
    return bool(normal) and unicodedata.combining(normal[0]) != 0


def _clusters(text):
    """``(start, end)`` of each cluster of ``text``."""
    start = 0
    for index in range(1, len(text)):
        if not _extends_cluster(text[index]):
            yield start, index
            start = index
    if text:
        yield start, len(text)


# Texts repeat their characters: a remark of a thousand characters has a few hundred distinct
# clusters, so each is folded once per process (the import folds every text it writes).
@functools.lru_cache(maxsize=65536)
def _fold_cluster(cluster):
    for _round in range(4):
        folded = unicodedata.normalize("NFKC", cluster).casefold().translate(_TABLE)
        if folded == cluster:
            break
        cluster = folded
    # A mark whose base folded away (「う ゙」: the space goes) would join the character before
    # it when the folded text is folded again: drop it, so that folding twice changes nothing.
    return cluster.lstrip("".join(c for c in cluster if unicodedata.combining(c)))


@functools.cache
def _may_extend():
    """A pattern matching any character that may join the cluster before it (BMP characters
    for which ``_extends_cluster`` holds, and any astral one, judged the slow way)."""
    extenders = [code for code in range(0x10000) if _extends_cluster(chr(code))]
    return re.compile("[" + _ranges(extenders) + "\U00010000-\U0010ffff]")


@functools.cache
def _bmp_folds():
    """Each BMP character's one-character cluster, folded. Built once per process at the first
    search or import: most characters are their own fold, told by four C calls (a third of
    the time ``_fold_cluster`` takes)."""
    return [_bmp_fold(chr(code)) for code in range(0x10000)]


def _bmp_fold(char):
    if (
        not unicodedata.combining(char)
        and unicodedata.is_normalized("NFKC", char)
        and char.casefold() == char
        and char.translate(_TABLE) == char
    ):
        return char
    return _fold_cluster.__wrapped__(char)


@functools.cache
def _changing():
    """A pattern matching runs of characters that folding changes on their own (BMP characters
    whose one-character cluster folds to something else, and any astral one)."""
    changed = [code for code, folded in enumerate(_bmp_folds()) if folded != chr(code)]
    return re.compile("[" + _ranges(changed) + "\U00010000-\U0010ffff]+")


@functools.cache
def _resizing():
    """A pattern matching any character whose one-character cluster does not fold to exactly
    one character (BMP characters: 「㍻」 → 「平成」, a space → nothing; and any astral one)."""
    resized = [code for code, folded in enumerate(_bmp_folds()) if len(folded) != 1]
    return re.compile("[" + _ranges(resized) + "\U00010000-\U0010ffff]")


def keeps_positions(text):
    """Whether ``fold(text)[i]`` comes from ``text[i]`` for every ``i`` (every character a
    cluster of its own, folded to one character; most texts): ``fold_with_map``'s spans are
    then ``(i, i + 1)`` and need not be built."""
    return not _may_extend().search(text) and not _resizing().search(text)


def _ranges(codes):
    """A character class's body for these sorted code points: 「a-cx-z」."""
    ranges, start = [], None
    for index, code in enumerate(codes):
        if start is None:
            start = code
        if index + 1 == len(codes) or codes[index + 1] != code + 1:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(code))}")
            start = None
    return "".join(ranges)


def _fold_run(match):
    return "".join(map(_fold_cluster, match.group()))


def fold(text):
    """The folded form of ``text`` (see the module's rules): what search compares."""
    text = str(text or "")
    if not _may_extend().search(text):
        # Every character is a cluster of its own (most texts): no cluster scan, and only the
        # characters folding changes are looked at (kanji and hiragana stay as they are).
        return _changing().sub(_fold_run, text)
    return "".join(_fold_cluster(text[start:end]) for start, end in _clusters(text))


def fold_with_map(text):
    """``fold(text)`` and, for each of its characters, the ``(start, end)`` span of ``text``
    it came from: a match at ``folded[i:j]`` is ``text[spans[i][0]:spans[j - 1][1]]``.

    One original cluster may give several folded characters (「㍻」 → 「平成」, each mapped to the
    whole 「㍻」) or none (whitespace).
    """
    text = str(text or "")
    folded, spans = [], []
    for start, end in _clusters(text):
        piece = _fold_cluster(text[start:end])
        folded.append(piece)
        spans.extend([(start, end)] * len(piece))
    return "".join(folded), spans
