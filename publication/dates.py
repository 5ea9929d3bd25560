"""Dates as city staff type them: 和暦 (「令和3年7月29日」「R3.7.29」) or 西暦 (「2021/07/29」).

One parser for every date field of the admin, here because both ``policy`` and ``feedback`` use
it and ``policy`` must not import ``feedback``. ``feedback.wareki`` formats with the same era
table. The era packages on PyPI write 「令和1年」 where Japanese writes 「令和元年」, hence a table
of our own.
"""

import datetime
import re
import unicodedata
from typing import NamedTuple

from django import forms
from django.core.exceptions import ValidationError


class Era(NamedTuple):
    name: str
    letter: str
    first_day: datetime.date


# Newest first, so the first era that started on or before a date is that date's era.
ERAS = (
    Era("令和", "R", datetime.date(2019, 5, 1)),
    Era("平成", "H", datetime.date(1989, 1, 8)),
    Era("昭和", "S", datetime.date(1926, 12, 25)),
    Era("大正", "T", datetime.date(1912, 7, 30)),
    Era("明治", "M", datetime.date(1868, 1, 25)),
)
_ERA_BY_KEY = {key: era for era in ERAS for key in (era.name, era.letter)}
ERA_PATTERN = "|".join([era.name for era in ERAS] + [era.letter for era in ERAS])

DATE_FORMATS_HINT = "「令和3年7月29日」「R3.7.29」「2021/07/29」「2021-07-29」"

_SEP = r"\s*[年月./\-]\s*"
_ERA_DATE = re.compile(
    rf"^(?P<era>{ERA_PATTERN})\s*(?P<year>元|\d{{1,2}}){_SEP}(?P<month>\d{{1,2}}){_SEP}"
    r"(?P<day>\d{1,2})\s*日?$",
    re.IGNORECASE,
)
_WESTERN_DATE = re.compile(
    rf"^(?P<year>\d{{4}}){_SEP}(?P<month>\d{{1,2}}){_SEP}(?P<day>\d{{1,2}})\s*日?$"
)
_ERA_FISCAL_YEAR = re.compile(
    rf"^(?P<era>{ERA_PATTERN})\s*(?P<year>元|\d{{1,2}})\s*(年度?)?$", re.IGNORECASE
)
_WESTERN_FISCAL_YEAR = re.compile(r"^(?P<year>\d{4})\s*(年度?)?$")


def normalize(text: str) -> str:
    """全角 digits, letters and signs to their ASCII forms (「２０２１／０７／２９」)."""
    return unicodedata.normalize("NFKC", text).strip()


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


def _era_year(era_key: str, year: str) -> tuple[Era, int]:
    era = _ERA_BY_KEY[era_key.upper() if len(era_key) == 1 else era_key]
    return era, 1 if year == "元" else int(year)


def parse_date(text: str) -> datetime.date:
    """「令和3年7月29日」「R3.7.29」「2021/07/29」「2021-07-29」 (全角 too) → date(2021, 7, 29).

    Raises ``ValidationError`` with a Japanese message naming what is wrong: the form, a day
    that does not exist (「令和3年2月30日は存在しない日付です。」) or a day outside its era.
    """
    value = normalize(text)
    if match := _ERA_DATE.match(value):
        era, era_year = _era_year(match["era"], match["year"])
        year = era.first_day.year + era_year - 1
        written = (
            era_year_label(era.name, era_year) + f"{int(match['month'])}月{int(match['day'])}日"
        )
    elif match := _WESTERN_DATE.match(value):
        era, year = None, int(match["year"])
        written = f"{year}年{int(match['month'])}月{int(match['day'])}日"
    else:
        raise ValidationError(
            "「%(value)s」は日付として読めません。%(formats)sのように入力してください。",
            code="invalid",
            params={"value": text.strip(), "formats": DATE_FORMATS_HINT},
        )
    try:
        day = datetime.date(year, int(match["month"]), int(match["day"]))
    except ValueError:
        raise ValidationError(
            "%(written)sは存在しない日付です。", code="invalid_date", params={"written": written}
        ) from None
    if era is not None:
        following = ERAS[ERAS.index(era) - 1] if era is not ERAS[0] else None
        if era_year < 1:
            raise ValidationError(
                "%(written)sは存在しない日付です。",
                code="invalid_date",
                params={"written": written},
            )
        if day < era.first_day or (following and day >= following.first_day):
            last = (following.first_day - datetime.timedelta(days=1)) if following else None
            raise ValidationError(
                "%(written)sは%(era)sの期間外です（%(era)sは%(first)sから%(last)sまで）。",
                code="outside_era",
                params={
                    "written": written,
                    "era": era.name,
                    "first": f"{era.first_day:%Y年%-m月%-d日}",
                    "last": f"{last:%Y年%-m月%-d日}" if last else "現在",
                },
            )
    return day


def parse_fiscal_year(text: str) -> int:
    """A 年度 by its starting calendar year: 「令和3」「令和3年度」「R3」「2021」 → 2021.

    An era year counts from the era's first calendar year (令和元年度 = 2019, 平成元年度 = 1989),
    as ``feedback.wareki.fiscal_year_label`` names them.
    """
    value = normalize(text)
    if match := _ERA_FISCAL_YEAR.match(value):
        era, era_year = _era_year(match["era"], match["year"])
        if era_year < 1:
            raise ValidationError(
                "「%(value)s」という年度はありません。", code="invalid", params={"value": text}
            )
        return era.first_day.year + era_year - 1
    if match := _WESTERN_FISCAL_YEAR.match(value):
        return int(match["year"])
    raise ValidationError(
        "「%(value)s」は年度として読めません。「令和3」「R3」「2021」のように入力してください。",
        code="invalid",
        params={"value": text.strip()},
    )


class JapaneseDateField(forms.DateField):
    """A date field that reads 和暦 and 西暦, half and full width (``parse_date``)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        return parse_date(str(value))


class FiscalYearField(forms.IntegerField):
    """A 年度 typed as 「令和3」「R3」 or 「2021」, stored as the starting calendar year."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        return parse_fiscal_year(str(value))

    def widget_attrs(self, widget):
        # TextInput, not NumberInput: 「令和3」 must be typeable; no min/max/step attributes.
        return {"inputmode": "text", "size": 10}
