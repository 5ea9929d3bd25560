"""The meeting's record (issue 15, part 5) in the API and the meetings CSV dataset: exact values,
published meetings only."""

import csv
import io

import pytest

from feedback.models import Meeting, Member
from feedback.services import meeting_set_attendees
from tests.api.conftest import get_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(shiryo2):
    meeting = Meeting.objects.get()
    meeting.place = "平塚市役所本館 6階 613会議室"
    meeting.agenda = "（1）平塚市デジタル化基本方針について\n(2) その他;報告"
    meeting.department = "行政総務課"
    meeting.department_phone = "0463-23-1111"
    meeting.department_email = "gyosei@city.example.jp"
    meeting.minutes_url = "https://www.city.example.jp/minutes/r2-2.html"
    meeting.save()
    members = Member.objects.filter(name__in=["秋山", "芦川"])
    absent = Member.objects.filter(name="久田")
    meeting_set_attendees(meeting=meeting, members=members, absent=absent)
    return meeting


def test_meeting_api_gives_the_record(client, recorded):
    body = get_json(client, f"/api/v1/meetings/{recorded.pk}/")

    assert {
        key: body[key]
        for key in (
            "place",
            "agenda",
            "attendees",
            "absentees",
            "department",
            "department_phone",
            "department_email",
            "minutes_url",
        )
    } == {
        "place": "平塚市役所本館 6階 613会議室",
        "agenda": ["平塚市デジタル化基本方針について", "その他;報告"],
        "attendees": ["秋山委員", "芦川委員"],
        "absentees": ["久田委員"],
        "department": "行政総務課",
        "department_phone": "0463-23-1111",
        "department_email": "gyosei@city.example.jp",
        "minutes_url": "https://www.city.example.jp/minutes/r2-2.html",
    }
    listed = get_json(client, "/api/v1/meetings/")["results"]
    assert [meeting["attendees"] for meeting in listed] == [["秋山委員", "芦川委員"]]


def test_meetings_csv_has_the_record_columns(client, recorded):
    response = client.get("/api/v1/datasets/meetings.csv")
    header, row = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))

    assert dict(zip(header, row, strict=True)) == {
        "全国地方公共団体コード": "142034",
        "ID": str(recorded.pk),
        "地方公共団体名": "平塚市",
        "委員会名": "平塚市行政改革推進委員会",
        "会議名": "令和2年度第2回平塚市行政改革推進委員会",
        "年度": "2020",
        "年度（和暦）": "令和2年度",
        "回": "2",
        "開催日": "",
        "開催日（和暦）": "",
        "開催場所": "平塚市役所本館 6階 613会議室",
        # A ; inside an item is written full-width, so ; only separates items.
        "議題": "平塚市デジタル化基本方針について;その他；報告",
        "出席委員": "秋山委員;芦川委員",
        "欠席委員": "久田委員",
        "所管課": "行政総務課",
        "所管課電話番号": "0463-23-1111",
        "所管課メールアドレス": "gyosei@city.example.jp",
        "会議録URL": "https://www.city.example.jp/minutes/r2-2.html",
        "公開意見数": "7",
        "URL": f"http://testserver/meetings/{recorded.pk}/",
    }
