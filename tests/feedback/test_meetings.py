"""Meetings as the city records them (issue 15, part 5): entered in the admin, shown on the
public meeting page and browsed by 年度, over HTTP with exact values."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from feedback.models import Meeting, MeetingAttendance
from feedback.permissions import ADMINISTRATOR, EDITOR
from feedback.services import meeting_set_attendees, report_publish
from tests.factories import (
    CommitteeFactory,
    MeetingFactory,
    MemberFactory,
    answered_comment,
    report_with_comments,
    staff_user,
)
from tests.feedback.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

COMMITTEE = "テスト市行政改革推進委員会"


@pytest.fixture
def editor_client(client):
    client.force_login(staff_user(EDITOR))
    return client


def record_fields(html):
    """The meeting page's 会議の概要 as {dt: dd's inner HTML}."""
    dl = re.search(r'<dl class="fields meeting-record">(.*?)</dl>', html, re.S).group(1)
    return dict(re.findall(r"<div><dt>(.*?)</dt><dd>(.*?)</dd></div>", dl, re.S))


@pytest.fixture
def recorded():
    """令和3年度第1回: held, placed, with 議題, two attendees (秋山 has a published remark,
    芦川 none) and one absentee (久田), 所管課 and 会議録; a published 資料 and a draft one
    presented at it."""
    committee = CommitteeFactory()
    akiyama = MemberFactory(committee=committee, name="秋山", name_kana="あきやま")
    ashikawa = MemberFactory(committee=committee, name="芦川", name_kana="あしかわ")
    meeting = MeetingFactory(
        committee=committee,
        fiscal_year=2021,
        number=1,
        held_on=datetime.date(2021, 7, 29),
        place="平塚市役所本館 6階 613会議室",
        agenda="（1）平塚市デジタル化基本方針について\n\n(2) その他\n",
        department="行政総務課",
        department_phone="0463-23-1111",
        department_email="gyosei@city.example.jp",
        minutes_url="https://www.city.example.jp/minutes/r3-1.html",
    )
    hisada = MemberFactory(committee=committee, name="久田", name_kana="ひさだ")
    meeting_set_attendees(meeting=meeting, members=[ashikawa, akiyama], absent=[hisada], by=None)
    remark = answered_comment(meeting=meeting, number=1, member=akiyama)
    report = report_with_comments(
        [remark], label="資料1", title="意見と市の考え方", meeting=meeting
    )
    report_publish(report=report)
    draft = report_with_comments([], label="資料9", title="DRAFTMEETING9", meeting=meeting)
    return {"meeting": meeting, "akiyama": akiyama, "report": report, "draft": draft}


# -- the public meeting page ------------------------------------------------------------------


def test_meeting_page_shows_the_record_with_exact_values(client, recorded):
    meeting, akiyama, report = recorded["meeting"], recorded["akiyama"], recorded["report"]

    response = client.get(f"/meetings/{meeting.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>令和3年度第1回テスト市行政改革推進委員会</h1>" in html
    assert record_fields(html) == {
        "委員会": f'<a href="/committees/{meeting.committee.pk}/">{COMMITTEE}</a>',
        "開催日": '<time datetime="2021-07-29">令和3年7月29日（2021年7月29日）</time>',
        "開催場所": "平塚市役所本館 6階 613会議室",
        "議題": '<ol class="agenda"><li>平塚市デジタル化基本方針について</li><li>その他</li></ol>',
        # In 五十音順 (あきやま, あしかわ); only 秋山 has a public page.
        "出席委員": f'<ul class="attendees"><li><a href="/members/{akiyama.pk}/">秋山委員</a>'
        "</li><li>芦川委員</li></ul>",
        "欠席委員": '<ul class="attendees"><li>久田委員</li></ul>',
        "所管課": '行政総務課<ul class="contact"><li>電話: 0463-23-1111</li><li>メール: '
        '<a href="mailto:gyosei@city.example.jp">gyosei@city.example.jp</a></li></ul>',
        "会議録": '<a href="https://www.city.example.jp/minutes/r3-1.html">'
        "令和3年度第1回テスト市行政改革推進委員会の会議録（市のウェブサイト）</a>",
        "資料": f'<ul class="meeting-reports"><li><a href="/reports/{report.pk}/">'
        "資料1 意見と市の考え方</a></li></ul>",
    }
    assert "DRAFTMEETING9" not in html
    assert (
        '<li><a href="/meetings/fiscal-years/2021/">令和3年度</a></li>'
        f'\n    <li><span aria-current="page">{meeting.name}</span></li>' in html
    )


def test_meeting_page_without_the_new_fields_says_so(client):
    remark = answered_comment()
    report_publish(report=report_with_comments([remark]))

    html = client.get(remark.meeting.get_absolute_url()).content.decode()

    assert record_fields(html) == {
        "委員会": f'<a href="/committees/{remark.meeting.committee.pk}/">{COMMITTEE}</a>',
        "開催日": "記載なし",
        "開催場所": "記載なし",
        "議題": "記載なし",
        "出席委員": "記載なし",
        "欠席委員": "記載なし",
        "所管課": "記載なし",
        "会議録": "掲載されていません",
        "資料": "公開されている資料はありません",
    }


def test_meeting_without_published_remarks_has_no_page(client, recorded):
    draft_meeting = MeetingFactory(committee=recorded["meeting"].committee, fiscal_year=2022)
    answered_comment(meeting=draft_meeting, member=recorded["akiyama"])

    assert client.get(f"/meetings/{draft_meeting.pk}/").status_code == 404
    assert client.get("/meetings/fiscal-years/2022/").status_code == 404


def test_minutes_link_is_never_other_than_https(client, recorded):
    Meeting.objects.filter(pk=recorded["meeting"].pk).update(minutes_url="javascript:alert(1)")

    html = client.get(recorded["meeting"].get_absolute_url()).content.decode()

    assert record_fields(html)["会議録"] == "掲載されていません"
    assert "javascript:" not in html


# -- 年度 ----------------------------------------------------------------------------------------


def fiscal_year_links(html):
    nav = re.search(r'<nav class="fiscal-years".*?</nav>', html, re.S).group(0)
    return re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)


@pytest.fixture
def three_years(recorded):
    """Published meetings in 令和3年度 (two) and 令和2年度 (one); a draft-only one in 令和4年度."""
    committee = recorded["meeting"].committee
    second = MeetingFactory(committee=committee, fiscal_year=2021, number=2)
    earlier = MeetingFactory(committee=committee, fiscal_year=2020, number=3)
    draft_only = MeetingFactory(committee=committee, fiscal_year=2022, number=1)
    remarks = [answered_comment(meeting=meeting) for meeting in (second, earlier)]
    report_publish(report=report_with_comments(remarks))
    answered_comment(meeting=draft_only)
    return {"recorded": recorded["meeting"], "second": second, "earlier": earlier}


def test_meeting_list_offers_each_fiscal_year_with_its_count(client, three_years):
    html = client.get("/meetings/").content.decode()

    assert fiscal_year_links(html) == [
        ("/meetings/", ' aria-current="page"', "すべての年度"),
        ("/meetings/fiscal-years/2021/", "", "令和3年度（2回）"),
        ("/meetings/fiscal-years/2020/", "", "令和2年度（1回）"),
    ]
    assert re.findall(r'<a href="/meetings/(\d+)/">', html) == [
        str(three_years[name].pk) for name in ("second", "recorded", "earlier")
    ]


def test_fiscal_year_permalink_lists_that_year_only(client, three_years):
    response = client.get("/meetings/fiscal-years/2021/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>令和3年度の会議</h1>" in html
    assert "<title>令和3年度の会議" in html
    assert fiscal_year_links(html) == [
        ("/meetings/", "", "すべての年度"),
        ("/meetings/fiscal-years/2021/", ' aria-current="page"', "令和3年度（2回）"),
        ("/meetings/fiscal-years/2020/", "", "令和2年度（1回）"),
    ]
    assert re.findall(r'<a href="/meetings/(\d+)/">', html) == [
        str(three_years["second"].pk),
        str(three_years["recorded"].pk),
    ]
    assert client.get("/meetings/fiscal-years/2019/").status_code == 404


# -- the admin ---------------------------------------------------------------------------------


def meeting_add_data(client, **fields):
    data = change_form_data(client.get("/admin/feedback/meeting/add/"))
    data.update(committee=CommitteeFactory().pk, number="1", fiscal_year="令和3", **fields)
    return data


def test_admin_adds_a_meeting_with_its_record(editor_client):
    committee = CommitteeFactory()
    akiyama = MemberFactory(committee=committee, name="秋山")
    MemberFactory(committee=committee, name="芦川")

    response = editor_client.post(
        "/admin/feedback/meeting/add/",
        meeting_add_data(
            editor_client,
            held_on="R3.7.29",
            place="平塚市役所本館 6階 613会議室",
            agenda="平塚市デジタル化基本方針について\nその他",
            present_members=[akiyama.pk],
            department="行政総務課",
            department_phone="0463-23-1111（内線2140）",
            department_email="gyosei@city.example.jp",
            minutes_url="https://www.city.example.jp/minutes/r3-1.html",
        ),
    )

    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert (
        meeting.held_on,
        meeting.place,
        meeting.agenda_items,
        list(meeting.attendees.values_list("name", flat=True)),
        meeting.department,
        meeting.department_phone,
        meeting.department_email,
        meeting.minutes_url,
    ) == (
        datetime.date(2021, 7, 29),
        "平塚市役所本館 6階 613会議室",
        ["平塚市デジタル化基本方針について", "その他"],
        ["秋山"],
        "行政総務課",
        "0463-23-1111（内線2140）",
        "gyosei@city.example.jp",
        "https://www.city.example.jp/minutes/r3-1.html",
    )
    record = MeetingAttendance.history.get()
    assert (record.history_type, record.member_id, record.history_user.groups.get().name) == (
        "+",
        akiyama.pk,
        EDITOR,
    )


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"minutes_url": "http://www.city.example.jp/minutes.html"},
            {"minutes_url": ["会議録のURLは https:// で始まるアドレスを入力してください。"]},
        ),
        (
            {"department_email": "gyosei@"},
            {"department_email": ["有効なメールアドレスを入力してください。"]},
        ),
        (
            {"department_phone": "おでんわ"},
            {
                "department_phone": [
                    "電話番号は数字とハイフンで入力してください（例: 0463-23-1111）。"
                ]
            },
        ),
    ],
)
def test_admin_refuses_bad_contact_and_minutes_in_japanese(editor_client, fields, errors):
    response = editor_client.post(
        "/admin/feedback/meeting/add/", meeting_add_data(editor_client, **fields)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == errors
    assert Meeting.objects.count() == 0


def test_admin_refuses_an_attendee_of_another_committee_and_saves_nothing(editor_client):
    committee = CommitteeFactory()
    own = MemberFactory(committee=committee, name="秋山")
    other = MemberFactory(committee=CommitteeFactory(name="平塚市情報公開審査会"), name="岡部")
    data = meeting_add_data(editor_client, present_members=[own.pk, other.pk])
    data["committee"] = committee.pk

    response = editor_client.post("/admin/feedback/meeting/add/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "present_members": [
            "出席委員には、この会議を開いた委員会（テスト市行政改革推進委員会）の委員を"
            "選んでください: 岡部委員（平塚市情報公開審査会）"
        ]
    }
    assert (Meeting.objects.count(), MeetingAttendance.objects.count()) == (0, 0)


def test_change_form_offers_only_the_committees_members(editor_client):
    meeting = MeetingFactory(place="旧会場")
    own = MemberFactory(committee=meeting.committee, name="秋山")
    other = MemberFactory(committee=CommitteeFactory(name="平塚市情報公開審査会"), name="岡部")
    url = f"/admin/feedback/meeting/{meeting.pk}/change/"
    page = editor_client.get(url)
    field = page.context["adminform"].form.fields["present_members"]
    assert [(choice.value, label) for choice, label in field.choices] == [(own.pk, "秋山委員")]
    data = change_form_data(page)
    data.update(place="新会場", present_members=[own.pk, other.pk])

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "present_members": [f"正しく選択してください。 {other.pk} は候補にありません。"]
    }
    meeting.refresh_from_db()
    assert (meeting.place, MeetingAttendance.objects.count()) == ("旧会場", 0)


def test_changing_attendees_is_recorded_and_shown_in_history(client, recorded):
    meeting = recorded["meeting"]
    administrator = staff_user(ADMINISTRATOR, username="kanri")
    client.force_login(administrator)
    url = f"/admin/feedback/meeting/{meeting.pk}/change/"
    page = client.get(url)
    assert page.context["adminform"].form.initial["present_members"] == list(
        meeting.attendees.all()
    )
    data = change_form_data(page)
    data["present_members"] = [recorded["akiyama"].pk]  # 芦川 was not there after all

    response = client.post(url, data)

    assert response.status_code == 302
    assert list(meeting.attendees.values_list("name", flat=True)) == ["秋山"]
    removed = MeetingAttendance.history.filter(history_type="-").get()
    assert (removed.member.name, removed.history_user) == ("芦川", administrator)
    page = client.get(f"/admin/feedback/meeting/{meeting.pk}/history/").content.decode()
    attendance, absence = page.split("<h2>出席委員の変更履歴</h2>")[1].split(
        "<h2>欠席委員の変更履歴</h2>"
    )
    assert re.findall(r"<td>(削除|作成)</td>\s*<td>([^<]+)</td>", attendance) == [
        ("削除", "芦川委員"),
        ("作成", "秋山委員"),
        ("作成", "芦川委員"),
    ]
    assert re.findall(r"<td>(削除|作成)</td>\s*<td>([^<]+)</td>", absence) == [
        ("作成", "久田委員"),
    ]


def test_stale_meeting_form_is_refused(editor_client):
    meeting = MeetingFactory()
    url = f"/admin/feedback/meeting/{meeting.pk}/change/"
    data = change_form_data(editor_client.get(url))
    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    data["place"] = "新会場"

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert Meeting.objects.get().place == ""
    assert "他の職員が" in " ".join(response.context["adminform"].form.non_field_errors())


def test_service_refuses_members_of_another_committee(recorded):
    stranger = MemberFactory(committee=CommitteeFactory(name="平塚市情報公開審査会"), name="岡部")

    with pytest.raises(ValidationError) as refused:
        meeting_set_attendees(meeting=recorded["meeting"], members=[stranger])

    assert refused.value.message_dict == {
        "attendees": [
            "出席委員には、この会議を開いた委員会（テスト市行政改革推進委員会）の委員を"
            "選んでください: 岡部委員（平塚市情報公開審査会）"
        ]
    }
    assert sorted(recorded["meeting"].attendees.values_list("name", flat=True)) == ["秋山", "芦川"]


def test_editor_without_rights_cannot_set_attendees(recorded):
    viewer = staff_user()

    with pytest.raises(PermissionDenied):
        meeting_set_attendees(meeting=recorded["meeting"], members=[], by=viewer)

    assert recorded["meeting"].attendees.count() == 2


def test_admin_records_an_absentee_and_refuses_one_member_both_present_and_absent(client, recorded):
    meeting, akiyama = recorded["meeting"], recorded["akiyama"]
    client.force_login(staff_user(ADMINISTRATOR, username="kanri"))
    url = f"/admin/feedback/meeting/{meeting.pk}/change/"
    data = change_form_data(client.get(url))
    both = {**data, "absent_members": [akiyama.pk]}

    refused = client.post(url, both)

    assert refused.context["adminform"].form.errors == {
        "present_members": ["同じ委員を出席と欠席の両方に選んでいます: 秋山委員"]
    }
    assert list(meeting.absentees.values_list("name", flat=True)) == ["久田"]

    data["absent_members"] = []
    client.post(url, data)

    assert list(meeting.absentees.all()) == []
    assert sorted(meeting.attendees.values_list("name", flat=True)) == ["秋山", "芦川"]
