"""Keyword search over the public table's text columns, and highlighting of the matches.

Japanese has no spaces between words, so a keyword matches as a plain substring (「AI」 inside
「AIにより」); whitespace (half- or full-width) separates keywords that must all match. Each
keyword is also tried in its NFKC form, so 「ＡＩ」 typed on a Japanese keyboard finds 「AI」.
"""

import re
import unicodedata

from django.db.models import Exists, OuterRef, Q
from django.utils.html import escape
from django.utils.safestring import mark_safe

from feedback.importing import split_member

MAX_KEYWORDS = 5


def keywords(value):
    """The keywords of a search string: split on any whitespace, at most ``MAX_KEYWORDS``."""
    return [word for word in re.split(r"\s+", value or "") if word][:MAX_KEYWORDS]


def variants(word):
    return sorted({word, unicodedata.normalize("NFKC", word)})


def member_name(word):
    """「秋山委員」 as typed from the table finds member 秋山: 委員 is a title, not the name."""
    return split_member(word)


def keyword_condition(value):
    """A condition on ``Comment`` that every keyword occurs in one of the row's text columns."""
    from feedback.models import FollowUp

    condition = Q()
    for word in keywords(value):
        any_column = Q()
        for variant in variants(word):
            any_column |= (
                Q(body__icontains=variant)
                | Q(response__body__icontains=variant)
                | Q(response__category__name__icontains=variant)
                | Q(member__name__icontains=member_name(variant))
                | Q(policy_item__heading__icontains=variant)
                | Q(
                    Exists(FollowUp.objects.filter(comment=OuterRef("pk"), body__icontains=variant))
                )
            )
        condition &= any_column
    return condition


def highlight(text, value):
    """``text`` escaped, with every keyword of ``value`` wrapped in ``<mark>``."""
    text = str(text or "")
    terms = sorted({v for word in keywords(value) for v in variants(word)}, key=len, reverse=True)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    parts, position = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    parts.append(escape(text[position:]))
    # Safe: every piece was escaped above.
    return mark_safe("".join(parts))  # nosec B308 B703
