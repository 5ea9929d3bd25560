"""Japanese era (和暦) dates and fiscal years.

The era table and the date parser live in ``publication.dates`` (``policy`` uses them too and
must not import ``feedback``); this module adds the fiscal-year names and the meeting search
terms of this app.
"""

import datetime
import re
from typing import NamedTuple

from publication.dates import (  # noqa: F401 (re-exported: the app's one place for 和暦)
    ERA_PATTERN,
    ERAS,
    Era,
    era_of,
    era_year_label,
    format_date,
    normalize,
    parse_date,
    parse_fiscal_year,
)


def fiscal_year_label(fiscal_year: int) -> str:
    """The 年度 beginning in April of ``fiscal_year``: 2020 → 「令和2年度」.

    A fiscal year is named after the era in force at the end of its first calendar year, which
    gives the names in use: FY2019 is 「令和元年度」 and FY1989 「平成元年度」, although each
    began in the previous era.
    """
    name, year = era_of(datetime.date(fiscal_year, 12, 31))
    return f"{era_year_label(name, year)}度"


def fiscal_year_of(day: datetime.date) -> int:
    """The fiscal year (by its starting calendar year) that ``day`` falls in."""
    return day.year if day.month >= 4 else day.year - 1


class MeetingTerms(NamedTuple):
    """What a search box term says about a meeting, and the words left for a text search."""

    fiscal_year: int | None
    number: int | None
    comment_number: int | None
    rest: str


_TERM_FISCAL_YEAR = re.compile(
    rf"(?<![A-Za-z0-9])(?:(?P<era>{ERA_PATTERN})\s*(?P<era_year>元|\d{{1,2}})\s*(?:年度?)?"
    r"|(?P<year>(?:18|19|20|21)\d{2})\s*(?:年度?)?)(?![0-9])",
    re.IGNORECASE,
)
_TERM_NUMBER = re.compile(r"第\s*(?P<number>\d+)\s*回")
_TERM_COMMENT_NUMBER = re.compile(r"(?<![A-Za-z])No\.?\s*(?P<number>\d+)", re.IGNORECASE)


def parse_meeting_terms(term: str) -> MeetingTerms:
    """「令和3年度第1回」 → (2021, 1, None, ""); 「R3 委員会」 → (2021, None, None, "委員会").

    Recognises a 年度 (「令和3年度」「令和3」「R3」「2021」「2021年度」, 全角 too), 「第N回」 and
    「No.N」; whatever else the term says is returned as ``rest``.
    """
    value = normalize(term)
    fiscal_year = number = comment_number = None
    if match := _TERM_NUMBER.search(value):
        number = int(match["number"])
        value = value[: match.start()] + " " + value[match.end() :]
    if match := _TERM_COMMENT_NUMBER.search(value):
        comment_number = int(match["number"])
        value = value[: match.start()] + " " + value[match.end() :]
    if match := _TERM_FISCAL_YEAR.search(value):
        if match["era"]:
            fiscal_year = parse_fiscal_year(match["era"] + match["era_year"])
        else:
            fiscal_year = int(match["year"])
        value = value[: match.start()] + " " + value[match.end() :]
    return MeetingTerms(fiscal_year, number, comment_number, " ".join(value.split()))
