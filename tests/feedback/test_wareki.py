import datetime

import pytest

from feedback import wareki


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2021, 4, 1), "令和3年4月1日"),
        (datetime.date(2019, 5, 1), "令和元年5月1日"),
        (datetime.date(2019, 4, 30), "平成31年4月30日"),
        (datetime.date(1989, 1, 8), "平成元年1月8日"),
        (datetime.date(1989, 1, 7), "昭和64年1月7日"),
        (datetime.date(2020, 12, 31), "令和2年12月31日"),
    ],
)
def test_format_date_writes_era_with_gannen(day, expected):
    assert wareki.format_date(day) == expected


@pytest.mark.parametrize(
    ("fiscal_year", "expected"),
    [
        (2020, "令和2年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
    ],
)
def test_fiscal_year_label(fiscal_year, expected):
    assert wareki.fiscal_year_label(fiscal_year) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2021, 3, 31), 2020),
        (datetime.date(2021, 4, 1), 2021),
        (datetime.date(2020, 12, 15), 2020),
    ],
)
def test_fiscal_year_of_runs_april_to_march(day, expected):
    assert wareki.fiscal_year_of(day) == expected


def test_format_date_before_meiji_is_refused():
    with pytest.raises(ValueError, match="before the Meiji era"):
        wareki.format_date(datetime.date(1867, 1, 1))
