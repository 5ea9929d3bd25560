"""The one date parser of the admin: 和暦 and 西暦, half and full width, Japanese refusals."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from feedback.wareki import MeetingTerms, parse_meeting_terms
from publication.dates import parse_date, parse_fiscal_year


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和3年7月29日", datetime.date(2021, 7, 29)),
        ("R3.7.29", datetime.date(2021, 7, 29)),
        ("r3.7.29", datetime.date(2021, 7, 29)),
        ("2021/07/29", datetime.date(2021, 7, 29)),
        ("2021-07-29", datetime.date(2021, 7, 29)),
        ("2021年7月29日", datetime.date(2021, 7, 29)),
        ("令和３年７月２９日", datetime.date(2021, 7, 29)),
        ("２０２１－０７－２９", datetime.date(2021, 7, 29)),
        ("令和元年5月1日", datetime.date(2019, 5, 1)),
        ("平成31年4月30日", datetime.date(2019, 4, 30)),
        ("H1.1.8", datetime.date(1989, 1, 8)),
    ],
)
def test_parse_date_reads_japanese_and_western_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("令和3年2月30日", "令和3年2月30日は存在しない日付です。"),
        ("令和0年5月1日", "令和0年5月1日は存在しない日付です。"),
        ("R1.4.30", "令和元年4月30日は令和の期間外です（令和は2019年5月1日から現在まで）。"),
        (
            "平成32年1月1日",
            "平成32年1月1日は平成の期間外です（平成は1989年1月8日から2019年4月30日まで）。",
        ),
    ],
)
def test_parse_date_names_what_is_wrong(text, message):
    with pytest.raises(ValidationError) as error:
        parse_date(text)
    assert error.value.messages == [message]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("令和3", 2021), ("令和3年度", 2021), ("R3", 2021), ("2021", 2021), ("令和元年度", 2019)],
)
def test_parse_fiscal_year(text, expected):
    assert parse_fiscal_year(text) == expected


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("令和3年度第1回", MeetingTerms(2021, 1, None, "")),
        ("R3 環境", MeetingTerms(2021, None, None, "環境")),
        ("第２回", MeetingTerms(None, 2, None, "")),
        ("2021年度 No.3 デジタル", MeetingTerms(2021, None, 3, "デジタル")),
        ("SNS", MeetingTerms(None, None, None, "SNS")),
    ],
)
def test_parse_meeting_terms(term, expected):
    assert parse_meeting_terms(term) == expected
