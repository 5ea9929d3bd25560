"""Entering fifty remarks after a meeting, through the admin over HTTP (issue 14)."""

import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from feedback.models import Comment, Meeting, Member, ReportEntry
from feedback.permissions import ADMINISTRATOR, EDITOR
from tests.factories import (
    CommentFactory,
    CommitteeFactory,
    MeetingFactory,
    MemberFactory,
    PolicyItemFactory,
    answered_comment,
    published_report,
    report_with_comments,
    staff_user,
)
from tests.feedback.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/feedback/comment/add/"


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def editor_client(client):
    client.force_login(staff_user(EDITOR))
    return client


# -- 1. 「保存してもう一つ追加」 keeps the meeting, proposes the next No. ----------------


def test_add_another_keeps_meeting_and_proposes_next_number(editor_client):
    meeting = MeetingFactory()
    CommentFactory(meeting=meeting, number=1)
    CommentFactory(meeting=meeting, number=2)
    CommentFactory(number=7)  # another meeting's No. does not count
    member = MemberFactory(committee=meeting.committee)
    item = PolicyItemFactory()
    data = change_form_data(editor_client.get(ADD_URL))
    data.update(
        meeting=meeting.pk,
        number="3",
        member=member.pk,
        policy_item=item.pk,
        body="三つ目の意見です。",
        _addanother="1",
    )

    response = editor_client.post(ADD_URL, data, follow=True)

    assert response.redirect_chain == [(f"{ADD_URL}?meeting={meeting.pk}", 302)]
    form = response.context["adminform"].form
    assert form.initial["meeting"] == str(meeting.pk)
    assert form.initial["number"] == 4
    page = response.content.decode()
    assert f'<option value="{meeting.pk}" selected>{meeting.name}</option>' in page
    assert 'name="number" value="4"' in page
    assert Comment.objects.get(meeting=meeting, number=3).body == "三つ目の意見です。"


def test_add_form_for_meeting_without_remarks_proposes_number_one(editor_client):
    meeting = MeetingFactory()

    response = editor_client.get(ADD_URL, {"meeting": meeting.pk})

    assert response.context["adminform"].form.initial["number"] == 1


# -- 2. Meeting search by 和暦 year, 西暦 year and 「第N回」 ---------------------------------------


@pytest.fixture
def meetings():
    committee = CommitteeFactory(name="平塚市行政改革推進委員会")
    other = CommitteeFactory(name="平塚市環境審議会")
    return {
        "r3_1": MeetingFactory(committee=committee, fiscal_year=2021, number=1),
        "r3_2": MeetingFactory(committee=committee, fiscal_year=2021, number=2),
        "r2_1": MeetingFactory(committee=committee, fiscal_year=2020, number=1),
        "r2_2": MeetingFactory(committee=committee, fiscal_year=2020, number=2),
        "env_r3_1": MeetingFactory(committee=other, fiscal_year=2021, number=1),
    }


def autocomplete_texts(client, term, *, model_name="comment", field_name="meeting"):
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "feedback", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [result["text"] for result in json.loads(response.content)["results"]]


@pytest.mark.parametrize("term", ["令和3年度", "令和３年度", "R3", "r3", "2021", "2021年度"])
def test_meeting_autocomplete_finds_fiscal_year(editor_client, meetings, term):
    # In the admin's order: committee (by name), newest year and meeting first.
    assert autocomplete_texts(editor_client, term) == [
        "令和3年度第1回平塚市環境審議会",
        "令和3年度第2回平塚市行政改革推進委員会",
        "令和3年度第1回平塚市行政改革推進委員会",
    ]


def test_meeting_autocomplete_finds_meeting_number(editor_client, meetings):
    assert autocomplete_texts(editor_client, "第1回") == [
        "令和3年度第1回平塚市環境審議会",
        "令和3年度第1回平塚市行政改革推進委員会",
        "令和2年度第1回平塚市行政改革推進委員会",
    ]


def test_meeting_autocomplete_combines_year_number_and_committee(editor_client, meetings):
    assert autocomplete_texts(editor_client, "令和3年度第1回") == [
        "令和3年度第1回平塚市環境審議会",
        "令和3年度第1回平塚市行政改革推進委員会",
    ]
    assert autocomplete_texts(editor_client, "R3 第1回 環境") == ["令和3年度第1回平塚市環境審議会"]
    assert autocomplete_texts(editor_client, "環境") == ["令和3年度第1回平塚市環境審議会"]


def test_meeting_changelist_search_finds_era_year(editor_client, meetings):
    response = editor_client.get("/admin/feedback/meeting/", {"q": "令和2年度"})

    assert [m.name for m in response.context["cl"].result_list] == [
        "令和2年度第2回平塚市行政改革推進委員会",
        "令和2年度第1回平塚市行政改革推進委員会",
    ]


def test_remark_changelist_search_finds_meeting_and_number(editor_client, meetings):
    CommentFactory(meeting=meetings["r3_1"], number=1, body="デジタル化について")
    CommentFactory(meeting=meetings["r3_1"], number=2, body="窓口について")
    CommentFactory(meeting=meetings["r2_1"], number=1, body="デジタル化の進め方")

    def search(term):
        response = editor_client.get("/admin/feedback/comment/", {"q": term})
        return [str(c) for c in response.context["cl"].result_list]

    assert search("令和3年度第1回") == [
        "令和3年度第1回平塚市行政改革推進委員会 No.1",
        "令和3年度第1回平塚市行政改革推進委員会 No.2",
    ]
    assert search("R3 デジタル") == ["令和3年度第1回平塚市行政改革推進委員会 No.1"]
    assert search("令和3年度第1回 No.2") == ["令和3年度第1回平塚市行政改革推進委員会 No.2"]


# -- 3. A 資料's rows read 「No.3 芦川委員: 取組内容の…」 ------------------------------------------


@pytest.fixture
def ashikawa_remark():
    meeting = MeetingFactory(fiscal_year=2021, number=1)
    member = Member.objects.create(committee=meeting.committee, name="芦川", name_kana="あしかわ")
    return CommentFactory(
        meeting=meeting,
        number=3,
        member=member,
        body="取組内容の でSNSなどの情報発信ツールを活用し、市民にわかりやすく伝えてほしい。",
    )


ROW_LABEL = "No.3 芦川委員: 取組内容の でSNSなどの情報発信ツールを活用し、市民にわ…"


def test_report_rows_show_number_member_and_start_of_remark(admin_client, ashikawa_remark):
    report = report_with_comments([ashikawa_remark])

    page = admin_client.get(f"/admin/feedback/report/{report.pk}/change/").content.decode()

    assert f'<option value="{ashikawa_remark.pk}" selected>{ROW_LABEL}</option>' in page
    assert reverse("admin:feedback_comment_row_autocomplete") in page


def test_report_row_autocomplete_answers_with_row_labels(admin_client, ashikawa_remark):
    CommentFactory(meeting=ashikawa_remark.meeting, number=4, body="別の意見")
    response = admin_client.get(
        reverse("admin:feedback_comment_row_autocomplete"),
        {
            "app_label": "feedback",
            "model_name": "reportentry",
            "field_name": "comment",
            "term": "取組内容",
        },
    )

    assert json.loads(response.content) == {
        "results": [{"id": str(ashikawa_remark.pk), "text": ROW_LABEL}],
        "pagination": {"more": False},
    }


# -- 4. 「この会議の意見をすべて資料に追加」 --------------------------------------------


def test_append_meeting_remarks_adds_missing_in_number_order(editor_client):
    meeting = MeetingFactory()
    listed = CommentFactory(meeting=meeting, number=2)
    third = CommentFactory(meeting=meeting, number=3)
    first = CommentFactory(meeting=meeting, number=1)
    CommentFactory(number=1)  # another meeting's remark stays out
    report = report_with_comments([listed], meeting=meeting)
    change = f"/admin/feedback/report/{report.pk}/change/"
    action = reverse("admin:feedback_report_append_meeting_comments", args=[report.pk])
    page = editor_client.get(change).content.decode()
    assert f'<form method="post" action="{action}">' in page
    assert "この会議の意見をすべて資料に追加" in page

    assert editor_client.get(action).status_code == 405
    response = editor_client.post(action, follow=True)

    assert response.redirect_chain == [(change, 302)]
    assert [str(m) for m in response.context["messages"]] == ["2件の意見を追加しました"]
    rows = list(report.entries.order_by("position").values_list("position", "comment_id"))
    assert rows == [(1, listed.pk), (2, first.pk), (3, third.pk)]
    report.refresh_from_db()
    assert report.version == 2
    assert report.history.first().history_user.groups.get().name == EDITOR

    again = editor_client.post(action)
    assert messages_of(again) == [
        "追加する意見はありません（この会議の意見はすべて掲載済みです）。"
    ]
    report.refresh_from_db()
    assert report.version == 2


def test_append_meeting_remarks_by_editor_on_published_report_wait_unpublished(editor_client):
    """Issue 11: an 入力担当 may add rows to a published 資料; they wait for an approver
    (tests/feedback/test_review.py follows them to publication)."""
    report = published_report(count=1)
    meeting = report.entries.get().comment.meeting
    report.meeting = meeting
    report.save()
    added = CommentFactory(meeting=meeting, number=99)
    version = report.version
    action = reverse("admin:feedback_report_append_meeting_comments", args=[report.pk])
    page = editor_client.get(f"/admin/feedback/report/{report.pk}/change/").content.decode()
    assert "この会議の意見をすべて資料に追加" in page

    response = editor_client.post(action)

    assert response.status_code == 302
    assert [entry.comment for entry in report.entries.order_by("position")][1:] == [added]
    added.refresh_from_db()
    assert added.status == "draft"
    report.refresh_from_db()
    assert (report.status, report.version) == ("published", version + 1)


def test_append_meeting_remarks_allowed_to_administrator_on_published_report(client):
    client.force_login(staff_user(ADMINISTRATOR))
    report = published_report(count=1)
    meeting = report.entries.get().comment.meeting
    report.meeting = meeting
    report.save()
    added = answered_comment(meeting=meeting, number=99)
    action = reverse("admin:feedback_report_append_meeting_comments", args=[report.pk])

    response = client.post(action)

    # Added as a draft row: published with 「内容を確認して公開する」, like an editor's.
    assert messages_of(response) == [
        "1件の意見を追加しました。公開中の資料に追加した行は、承認者が"
        "「内容を確認して公開する」で公開するまで公開されません（承認待ち）。"
    ]
    assert ReportEntry.objects.get(report=report, position=2).comment == added


# -- 5. Dates in 和暦 and 西暦 ------------------------------------------------------------------


def meeting_add_data(client, **fields):
    data = change_form_data(client.get("/admin/feedback/meeting/add/"))
    data.update(committee=CommitteeFactory().pk, number="1", **fields)
    return data


@pytest.mark.parametrize(
    ("held_on", "fiscal_year"),
    [
        ("令和3年7月29日", "令和3"),
        ("R3.7.29", "R3"),
        ("2021/07/29", "2021"),
        ("2021-07-29", "令和3年度"),
        ("令和３年７月２９日", "２０２１"),
        ("２０２１／０７／２９", "r3"),
    ],
)
def test_meeting_saved_with_japanese_and_western_dates(editor_client, held_on, fiscal_year):
    response = editor_client.post(
        "/admin/feedback/meeting/add/",
        meeting_add_data(editor_client, fiscal_year=fiscal_year, held_on=held_on),
    )

    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert (meeting.fiscal_year, str(meeting.held_on)) == (2021, "2021-07-29")
    assert meeting.name == "令和3年度第1回テスト市行政改革推進委員会"


@pytest.mark.parametrize(
    ("held_on", "message"),
    [
        ("令和3年2月30日", "令和3年2月30日は存在しない日付です。"),
        ("R3.2.30", "令和3年2月30日は存在しない日付です。"),
        ("2021/02/30", "2021年2月30日は存在しない日付です。"),
        (
            "平成32年1月1日",
            "平成32年1月1日は平成の期間外です（平成は1989年1月8日から2019年4月30日まで）。",
        ),
        (
            "7月29日",
            "「7月29日」は日付として読めません。"
            "「令和3年7月29日」「R3.7.29」「2021/07/29」「2021-07-29」のように入力してください。",
        ),
    ],
)
def test_meeting_date_errors_name_what_is_wrong(editor_client, held_on, message):
    response = editor_client.post(
        "/admin/feedback/meeting/add/",
        meeting_add_data(editor_client, fiscal_year="令和2", held_on=held_on),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"held_on": [message]}
    assert Meeting.objects.count() == 0


def test_meeting_fiscal_year_error_names_the_input(editor_client):
    response = editor_client.post(
        "/admin/feedback/meeting/add/",
        meeting_add_data(editor_client, fiscal_year="らいねん", held_on=""),
    )

    assert response.context["adminform"].form.errors == {
        "fiscal_year": [
            "「らいねん」は年度として読めません。「令和3」「R3」「2021」のように入力してください。"
        ]
    }


def test_follow_up_and_member_term_dates_accept_era_dates(admin_client):
    comment = CommentFactory()
    url = f"/admin/feedback/comment/{comment.pk}/change/"
    data = change_form_data(admin_client.get(url))
    data["follow_ups-TOTAL_FORMS"] = "1"
    data["follow_ups-0-recorded_on"] = "R3.3.31"
    data["follow_ups-0-body"] = "用語解説に追加しました。"

    assert admin_client.post(url, data).status_code == 302
    assert str(comment.follow_ups.get().recorded_on) == "2021-03-31"

    member = comment.member
    url = f"/admin/feedback/member/{member.pk}/change/"
    data = change_form_data(admin_client.get(url))
    data.update(term_start="令和元年5月1日", term_end="令和3年4月30日")
    assert admin_client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert (str(member.term_start), str(member.term_end)) == ("2019-05-01", "2021-04-30")


def test_report_presented_on_accepts_era_date(admin_client):
    report = report_with_comments([CommentFactory()])
    url = f"/admin/feedback/report/{report.pk}/change/"
    data = change_form_data(admin_client.get(url))
    data["presented_on"] = "令和3年7月29日"

    assert admin_client.post(url, data).status_code == 302
    report.refresh_from_db()
    assert str(report.presented_on) == "2021-07-29"


# -- 7. The read-only reason for an editor ------------------------------------------------------


def test_editor_is_told_why_published_remark_is_read_only(editor_client):
    """A published 資料 is read-only to an editor and says why; a published remark is not:
    the editor's save there is a proposal for an approver (issue 11), and its page says so."""
    report = published_report(count=1)
    comment = report.entries.get().comment

    response = editor_client.get(f"/admin/feedback/report/{report.pk}/change/")
    assert messages_of(response) == [
        "公開済みのため、入力担当は変更できません。直す必要があるときは、"
        "承認者に資料を非公開にしてもらってから修正してください"
        "（公開中のまま直せるのはシステム管理者です）。"
    ]
    assert 'name="_save"' not in response.content.decode()

    remark = editor_client.get(f"/admin/feedback/comment/{comment.pk}/change/")
    assert messages_of(remark) == []
    assert "この意見は公開中です。保存すると変更案として記録され" in remark.content.decode()


def test_draft_and_administrator_pages_carry_no_read_only_reason(editor_client, admin_client):
    draft = CommentFactory()
    assert messages_of(editor_client.get(f"/admin/feedback/comment/{draft.pk}/change/")) == []
    comment = published_report(count=1).entries.get().comment
    assert messages_of(admin_client.get(f"/admin/feedback/comment/{comment.pk}/change/")) == []
