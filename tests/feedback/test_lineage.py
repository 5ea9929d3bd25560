"""A remark's life across meetings, over HTTP: raised, answered 参考, raised again, answered
反映 and closed; the open list; 「次回資料を作成」 in the admin and its workbook."""

import datetime
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from feedback import permissions, selectors
from feedback.models import CityResponse, Comment, FollowUp, Meeting, ReflectionCategory, Report
from feedback.services import report_publish
from tests.crawl import Links
from tests.factories import (
    CityResponseFactory,
    CommentFactory,
    CommitteeFactory,
    FollowUpFactory,
    MeetingFactory,
    MemberFactory,
    PolicyItemFactory,
    category,
    report_with_comments,
    staff_user,
)

COMMITTEE = "テスト市行政改革推進委員会"
M1 = f"令和2年度第1回{COMMITTEE}"
M2 = f"令和2年度第2回{COMMITTEE}"
M3 = f"令和2年度第3回{COMMITTEE}"
HELD_1 = datetime.date(2020, 6, 1)
HELD_2 = datetime.date(2020, 10, 1)


def text_of(html):
    """The page's visible text with tags removed and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def section(html, heading_id):
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def open_list(client, committee):
    html = client.get(f"/committees/{committee.pk}/").content.decode()
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", section(html, "open-remarks"))
    return [text_of(row) for row in rows]


def draft_next(client, meeting, next_meeting):
    return client.post(
        f"/admin/feedback/meeting/{meeting.pk}/draft-next/", {"next_meeting": next_meeting}
    )


@pytest.fixture
def first_meeting(db):
    """Meeting 1 (2020-06-01): No.1 by 秋山 answered 参考 with a follow-up, No.2 by 芦川
    answered 反映 (closed); both published in 資料2. Meeting 2 exists, without remarks."""
    committee = CommitteeFactory()
    m1 = MeetingFactory(committee=committee, fiscal_year=2020, number=1, held_on=HELD_1)
    m2 = MeetingFactory(committee=committee, fiscal_year=2020, number=2, held_on=HELD_2)
    akiyama = MemberFactory(committee=committee, name="秋山")
    ashikawa = MemberFactory(committee=committee, name="芦川")
    item = PolicyItemFactory(heading="方針2 行政内部のデジタル化")
    raised = CommentFactory(
        meeting=m1, number=1, member=akiyama, policy_item=item, body="SNSの活用を進めるべき。"
    )
    CityResponseFactory(comment=raised, body="今後の参考とします。", category=category("参考"))
    FollowUpFactory(
        comment=raised, body="広報課と協議を始めました。", recorded_on=datetime.date(2020, 8, 1)
    )
    closed = CommentFactory(
        meeting=m1, number=2, member=ashikawa, policy_item=item, body="用語集を"
    )
    CityResponseFactory(comment=closed, body="追加しました。", category=category("反映"))
    report_publish(report=report_with_comments([raised, closed], label="資料2", title="反映状況"))
    return {"committee": committee, "m1": m1, "m2": m2, "raised": raised, "closed": closed}


def test_closing_categories_come_from_the_migration(db):
    assert list(
        ReflectionCategory.objects.filter(closes_matter=True).values_list("name", flat=True)
    ) == ["反映", "対応済"]


def test_remark_raised_answered_raised_again_and_closed(client, first_meeting):
    committee, m1, m2 = first_meeting["committee"], first_meeting["m1"], first_meeting["m2"]
    raised = first_meeting["raised"]
    editor = client.__class__()
    editor.force_login(staff_user(permissions.EDITOR, username="nyuryoku"))
    today = timezone.localdate()
    age_1 = (today - HELD_1).days

    # Before: only No.1 is open (No.2 was answered 反映).
    assert open_list(client, committee) == [f"{M1} No.1 秋山委員 参考 {age_1}日"]

    # 「次回資料を作成」 at meeting 1, for meeting 2.
    page = editor.get(f"/admin/feedback/meeting/{m1.pk}/change/").content.decode()
    assert f'action="/admin/feedback/meeting/{m1.pk}/draft-next/"' in page
    assert f'<option value="{m2.pk}">{M2}</option>' in page
    response = draft_next(editor, m1, m2.pk)
    report = Report.objects.get(meeting=m2)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/feedback/report/{report.pk}/change/"
    workbook_url = f"/admin/feedback/report/{report.pk}/workbook/"
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f"{M2}の下書き資料「資料1 {M2} 継続審議の意見と市の考え方」を作成しました"
        f'（継続する意見 1件）。<a href="{workbook_url}">印刷用 Excel をダウンロード</a>'
    ]
    shown = editor.get(response["Location"]).content.decode()  # the message, once
    assert f'<a href="{workbook_url}">印刷用 Excel をダウンロード</a>' in shown
    assert report.status == "draft"
    assert report.title == f"{M2} 継続審議の意見と市の考え方"
    carried = Comment.objects.get(meeting=m2)
    assert list(report.entries.values_list("comment", "position")) == [(carried.pk, 1)]
    assert (carried.number, carried.member.name, carried.policy_item, carried.body) == (
        1,
        "秋山",
        raised.policy_item,
        "SNSの活用を進めるべき。",
    )
    assert carried.continues == raised
    assert carried.status == "draft"
    assert (carried.response.body, carried.response.category.name) == (
        "今後の参考とします。",
        "参考",
    )
    assert list(carried.follow_ups.values_list("recorded_on", "body")) == [
        (datetime.date(2020, 8, 1), "広報課と協議を始めました。")
    ]
    assert carried.history.get().history_user.username == "nyuryoku"
    assert report.history.get().history_user.username == "nyuryoku"

    # The print workbook of the draft is ready at once.
    sheet = load_workbook(io.BytesIO(editor.get(workbook_url).content)).active
    assert sheet["A1"].value == f"{M2} 継続審議の意見と市の考え方"
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)] == [
        [
            1,
            "秋山委員",
            "方針2 行政内部のデジタル化",
            "SNSの活用を進めるべき。",
            "今後の参考とします。",
            "参考",
            "広報課と協議を始めました。",
            "未公開",
        ]
    ]

    # A draft continuation is not public: meeting 1's remark stays open and unlinked.
    assert open_list(client, committee) == [f"{M1} No.1 秋山委員 参考 {age_1}日"]
    page = client.get(raised.get_absolute_url()).content.decode()
    assert f"/comments/{carried.pk}/" not in page
    assert 'id="lineage"' not in page
    # Pressing again carries nothing twice.
    again = draft_next(editor, m1, m2.pk)
    assert [str(m) for m in get_messages(again.wsgi_request)] == [
        "次回に継続する未終結の意見がありません。"
    ]
    assert Report.objects.filter(meeting=m2).count() == 1

    # Meeting 2: staff update the answer (参考 again) and a follow-up; 資料 published.
    CityResponse.objects.filter(comment=carried).update(body="引き続き検討します。")
    FollowUp.objects.filter(comment=carried).update(
        body="試行を始めました。", recorded_on=datetime.date(2020, 12, 1)
    )
    report_publish(report=report)
    age_2 = (today - HELD_2).days
    assert open_list(client, committee) == [f"{M2} No.1 秋山委員 参考 {age_2}日"]

    # 「次回資料を作成」 at meeting 2: meeting 3 does not exist yet and is created.
    page = editor.get(f"/admin/feedback/meeting/{m2.pk}/change/").content.decode()
    assert f'<option value="new">{M3}（新しく作成）</option>' in page
    editor.get(draft_next(editor, m2, "new")["Location"])
    m3 = Meeting.objects.get(committee=committee, fiscal_year=2020, number=3)
    third = Comment.objects.get(meeting=m3)
    assert third.continues == carried
    assert list(
        Report.objects.get(meeting=m3).entries.values_list("comment__continues", flat=True)
    ) == [carried.pk]

    # Meeting 3: answered 反映, closed.
    CityResponse.objects.filter(comment=third).update(
        body="方針に明記しました。", category=category("反映")
    )
    report_publish(report=Report.objects.get(meeting=m3))
    assert open_list(client, committee) == []
    assert (
        "未終結の意見はありません。" in client.get(f"/committees/{committee.pk}/").content.decode()
    )

    # The chain on the public page of the last remark, and the links both ways.
    html = client.get(third.get_absolute_url()).content.decode()
    lineage = section(html, "lineage")
    steps = [
        text_of(step)
        for step in re.findall(r'<li class="lineage__event[^"]*">(.*?)</li>', lineage, re.S)
    ]
    assert steps == [
        f"提起 — {M1} No.1 令和2年6月1日",
        "市の考え方（参考） 令和2年6月1日 今後の参考とします。",
        "対応状況 令和2年8月1日 広報課と協議を始めました。",
        f"再掲 — {M2} No.1 令和2年10月1日",
        "市の考え方（参考） 令和2年10月1日 引き続き検討します。",
        "対応状況 令和2年12月1日 試行を始めました。",
        f"再掲 — {M3} No.1（このページ）",
        "市の考え方（反映） 方針に明記しました。",
        # carried forward with the draft; staff left it as it was
        "対応状況 令和2年12月1日 試行を始めました。",
        "終結（反映）",
    ]
    assert f'継続元の意見: <a href="/comments/{carried.pk}/">{M2} No.1</a>' in lineage
    middle = section(client.get(carried.get_absolute_url()).content.decode(), "lineage")
    assert f'継続元の意見: <a href="/comments/{raised.pk}/">{M1} No.1</a>' in middle
    assert f'再掲・継続した意見: <a href="/comments/{third.pk}/">{M3} No.1</a>' in middle
    first = section(client.get(raised.get_absolute_url()).content.decode(), "lineage")
    assert f'再掲・継続した意見: <a href="/comments/{carried.pk}/">{M2} No.1</a>' in first

    # Nothing is open any more: a further draft is refused with the reason.
    response = draft_next(editor, m3, "new")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "次回に継続する未終結の意見がありません。"
    ]
    assert not Meeting.objects.filter(number=4).exists()


def test_draft_next_needs_the_right_to_add_remarks(client, first_meeting):
    m1, m2 = first_meeting["m1"], first_meeting["m2"]
    approver = client.__class__()
    approver.force_login(staff_user(permissions.APPROVER, username="shonin"))
    page = approver.get(f"/admin/feedback/meeting/{m1.pk}/change/")
    assert page.status_code == 200
    assert "次回資料を作成" not in page.content.decode()
    assert draft_next(approver, m1, m2.pk).status_code == 403
    assert not Report.objects.filter(meeting=m2).exists()

    editor = client.__class__()
    editor.force_login(staff_user(permissions.EDITOR, username="nyuryoku"))
    assert editor.get(f"/admin/feedback/meeting/{m1.pk}/draft-next/").status_code == 405
    assert draft_next(editor, m1, "999999").status_code == 302
    assert not Report.objects.filter(meeting=m2).exists()


def test_chain_skips_a_draft_between_published_remarks(client, first_meeting):
    """A published remark continuing a draft one: the draft is neither linked nor shown."""
    raised, m2 = first_meeting["raised"], first_meeting["m2"]
    hidden = CommentFactory(meeting=m2, number=1, member=raised.member, continues=raised)
    later = MeetingFactory(committee=m2.committee, fiscal_year=2020, number=3)
    shown = CommentFactory(meeting=later, number=1, member=raised.member, continues=hidden)
    CityResponseFactory(comment=shown, category=category("参考"))
    report_publish(report=report_with_comments([shown]))

    page = client.get(shown.get_absolute_url()).content.decode()
    links = Links()
    links.feed(page)
    assert f"/comments/{hidden.pk}/" not in links.hrefs
    assert 'id="lineage"' not in page
    assert f"/comments/{shown.pk}/" not in client.get(raised.get_absolute_url()).content.decode()


def open_remarks_of(count_first, count_second, name=COMMITTEE):
    """A committee with two published meetings: ``count_first`` open remarks (参考) at
    meeting 1, ``count_second`` at meeting 2, and one closed (反映) at meeting 2."""
    committee = CommitteeFactory(name=name)
    member = MemberFactory(committee=committee, name="秋山")
    m1 = MeetingFactory(committee=committee, fiscal_year=2020, number=1, held_on=HELD_1)
    m2 = MeetingFactory(committee=committee, fiscal_year=2020, number=2, held_on=HELD_2)
    comments = []
    for meeting, count in ((m1, count_first), (m2, count_second + 1)):
        for number in range(1, count + 1):
            comment = CommentFactory(meeting=meeting, number=number, member=member)
            closed = meeting == m2 and number == count
            CityResponseFactory(comment=comment, category=category("反映" if closed else "参考"))
            comments.append(comment)
    report_publish(report=report_with_comments(comments))
    return committee


def test_committee_page_lists_the_open_remarks_that_waited_longest(client, db):
    committee = open_remarks_of(5, 100)
    today = timezone.localdate()
    age_1, age_2 = (today - HELD_1).days, (today - HELD_2).days
    html = client.get(f"/committees/{committee.pk}/").content.decode()
    assert open_list(client, committee) == [
        f"{M1} No.{n} 秋山委員 参考 {age_1}日" for n in range(1, 6)
    ] + [f"{M2} No.{n} 秋山委員 参考 {age_2}日" for n in range(1, 16)]
    block = section(html, "open-remarks")
    assert "<caption>未終結の意見 105件（経過日数の長い順に20件）</caption>" in block
    assert (
        f'<a href="/committees/{committee.pk}/open/">未終結の意見をすべて見る（105件）</a>' in block
    )

    # The whole list, a hundred at a time, oldest meeting first.
    first = client.get(f"/committees/{committee.pk}/open/").content.decode()
    rows = [text_of(row) for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", first)]
    assert len(rows) == 100
    assert rows[0] == f"{M1} No.1 秋山委員 参考 {age_1}日"
    assert rows[-1] == f"{M2} No.95 秋山委員 参考 {age_2}日"
    assert "<caption>未終結の意見 105件中 1～100件目（古い会議から）</caption>" in first
    assert '<a href="?page=2" rel="next">次のページ</a>' in first
    second = client.get(f"/committees/{committee.pk}/open/?page=2").content.decode()
    assert [text_of(row) for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", second)] == [
        f"{M2} No.{n} 秋山委員 参考 {age_2}日" for n in range(96, 101)
    ]
    assert '<a href="?page=1" rel="prev">前のページ</a>' in second
    assert client.get(f"/committees/{committee.pk}/open/?page=3").status_code == 404
    assert client.get(f"/committees/{committee.pk + 999}/open/").status_code == 404


def test_committee_page_counts_its_open_remarks_up_to_the_limit(client, db, monkeypatch):
    committee = open_remarks_of(5, 100)
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 50)

    block = section(client.get(f"/committees/{committee.pk}/").content.decode(), "open-remarks")

    assert "<caption>未終結の意見 50件以上（経過日数の長い順に20件）</caption>" in block
    assert (
        f'<a href="/committees/{committee.pk}/open/">未終結の意見をすべて見る（50件以上）</a>'
        in block
    )
    assert "105件" not in block


def test_committee_page_shows_every_open_remark_when_they_are_few(client, db):
    committee = open_remarks_of(2, 1)
    block = section(client.get(f"/committees/{committee.pk}/").content.decode(), "open-remarks")
    assert "<caption>未終結の意見 3件</caption>" in block
    assert "すべて見る" not in block


def test_committee_page_queries_do_not_grow_with_the_open_remarks(client, db):
    """Two queries for the block (its count and its twenty rows), however many are open."""
    few, many = open_remarks_of(2, 1, name="テスト市情報化推進委員会"), open_remarks_of(5, 100)
    counts = []
    for committee in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/committees/{committee.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
