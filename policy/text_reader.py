"""Reading a policy text pasted by staff into passages: headings with a level, and paragraphs.

Each non-blank line is one passage: text copied from Word or from the city's web page has one
paragraph per line. A line is a heading when it starts the way Japanese policy documents number
their parts (the level in brackets):

- 「第1章 はじめに」 (1), 「第2節 …」 (2), 「方針2 行政内部のデジタル化」 (2),
- 「1 はじめに」「1. はじめに」 (3), 「（1）業務の効率化」 (4), 「ア 窓口」「① 窓口」 (5),

the last three only when the line is short and does not end a sentence (「。」), so that a
numbered sentence in the body stays a paragraph. The patterns are matched on an NFKC-folded
copy (「第１章」 and 「第1章」 alike); the stored text is the line exactly as written, only the
spaces around it (including a full-width indent 「　」) are dropped: they are layout, not text.

Nothing here touches the database.
"""

import re
import unicodedata
from dataclasses import dataclass

from policy.enums import PassageKind

MAX_TEXT_CHARS = 2_000_000
MAX_PASSAGES = 10_000
# A numbered line longer than this is a sentence of the body, not a heading.
MAX_NUMBERED_HEADING_CHARS = 60

_KANJI_NUMBER = "0-9〇一二三四五六七八九十百"
_SPACE = r"[ \t\u3000]"
# (level, pattern, always a heading whatever its length)
_HEADING_PATTERNS = [
    (1, re.compile(rf"^第[{_KANJI_NUMBER}]+[章部編]({_SPACE}|$)"), True),
    (2, re.compile(rf"^第[{_KANJI_NUMBER}]+節({_SPACE}|$)"), True),
    (2, re.compile(rf"^方針{_SPACE}*[0-9]+({_SPACE}|$)"), True),
    (3, re.compile(rf"^[0-9]{{1,2}}(\.|{_SPACE})({_SPACE}*)\S"), False),
    (4, re.compile(r"^\([0-9]{1,2}\)"), False),
    (5, re.compile(rf"^[アイウエオカキクケコサシスセソタチツテト]{_SPACE}"), False),
]
# Matched before folding: NFKC turns 「①」 into 「1」.
_CIRCLED = (5, re.compile(r"^[①-⑳]"), False)


class PolicyTextError(Exception):
    """The text or file cannot be read. ``messages`` are in Japanese, for staff."""

    def __init__(self, *messages):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class PassageData:
    """A passage as read, before it is stored: what ``textdiff`` compares."""

    kind: str
    level: int
    text: str
    headings: tuple = ()  # the headings above it, outermost first

    @property
    def is_heading(self):
        return self.kind == PassageKind.HEADING


def heading_level(text):
    """The heading level of a line (1 = chapter), or 0 if it is a paragraph."""
    stripped = text.strip()
    folded = unicodedata.normalize("NFKC", stripped)
    for level, pattern, always in [_CIRCLED, *_HEADING_PATTERNS]:
        line = stripped if pattern is _CIRCLED[1] else folded
        if pattern.match(line) and (
            always
            or (len(folded) <= MAX_NUMBERED_HEADING_CHARS and not folded.endswith(("。", ".")))
        ):
            return level
    return 0


def with_headings(items):
    """``(kind, level, text)`` in document order → ``PassageData`` with each one's headings.

    A heading closes every open heading at its level or deeper; the levels need not be
    consecutive (a text may go from 第1章 straight to （1）).
    """
    passages, open_headings = [], []  # open_headings: [(level, text)]
    for kind, level, text in items:
        if kind == PassageKind.HEADING:
            while open_headings and open_headings[-1][0] >= level:
                open_headings.pop()
        passages.append(
            PassageData(
                kind=PassageKind(kind).value,
                level=level,
                text=text,
                headings=tuple(t for _, t in open_headings),
            )
        )
        if kind == PassageKind.HEADING:
            open_headings.append((level, text))
    return passages


def check_count(count):
    if count > MAX_PASSAGES:
        raise PolicyTextError(
            f"段落が多すぎます（{count:,}）。上限は{MAX_PASSAGES:,}段落です。"
            "文書を分けて登録してください。"
        )


def read_text(text):
    """Pasted text → a list of ``PassageData``; ``PolicyTextError`` if there is nothing to read."""
    if len(text) > MAX_TEXT_CHARS:
        raise PolicyTextError(
            f"文章が長すぎます（{len(text):,}文字）。上限は{MAX_TEXT_CHARS:,}文字です。"
        )
    items = []
    for line in text.lstrip("\ufeff").splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        level = heading_level(stripped)
        kind = PassageKind.HEADING if level else PassageKind.PARAGRAPH
        items.append((kind, level, stripped))
    if not items:
        raise PolicyTextError("文章がありません。本文を貼り付けてください。")
    check_count(len(items))
    return with_headings(items)
