"""Japanese era (和暦) dates and fiscal years.

A table of our own: the era packages on PyPI write 「令和1年」 where Japanese writes 「令和元年」.
"""

import datetime
from typing import NamedTuple


class Era(NamedTuple):
    name: str
    first_day: datetime.date


# Newest first, so the first era that started on or before a date is that date's era.
ERAS = (
    Era("令和", datetime.date(2019, 5, 1)),
    Era("平成", datetime.date(1989, 1, 8)),
    Era("昭和", datetime.date(1926, 12, 25)),
    Era("大正", datetime.date(1912, 7, 30)),
    Era("明治", datetime.date(1868, 1, 25)),
)


def era_of(day: datetime.date) -> tuple[str, int]:
    """Return the era name and the era year of ``day``: 2019-05-01 → ("令和", 1)."""
    for era in ERAS:
        if day >= era.first_day:
            return era.name, day.year - era.first_day.year + 1
    raise ValueError(f"{day.isoformat()} is before the Meiji era")


def era_year_label(name: str, year: int) -> str:
    """「令和元年」 for the first year, 「令和3年」 otherwise."""
    return f"{name}{'元' if year == 1 else year}年"


def format_date(day: datetime.date) -> str:
    """2021-04-01 → 「令和3年4月1日」; 2019-05-01 → 「令和元年5月1日」."""
    name, year = era_of(day)
    return f"{era_year_label(name, year)}{day.month}月{day.day}日"


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
