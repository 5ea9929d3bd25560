"""The public pages over HTTP: published records only, exact rows, links between pages."""

import datetime
import re

import pytest
from django.db.models import Max
from django.urls import reverse

from feedback.models import CityResponse, Comment, FollowUp, Report
from feedback.services import report_publish, report_unpublish
from publication.models import PublicState
from tests.factories import (
    CommitteeFactory,
    FollowUpFactory,
    MeetingFactory,
    answered_comment,
    published_report,
    report_with_comments,
)
from tests.html import body_texts, definition_list

pytestmark = pytest.mark.django_db

DRAFT_MARKER = "下書きの秘密の記述"


@pytest.fixture
def draft_report():
    comment = answered_comment(body=f"{DRAFT_MARKER}（意見）")
    return report_with_comments([comment], title=f"{DRAFT_MARKER}の資料")


def test_report_list_shows_published_reports_only(client, draft_report):
    published = published_report(title="公開済みの資料")

    response = client.get(reverse("feedback:report-list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "公開済みの資料" in page
    assert published.get_absolute_url() in page
    assert DRAFT_MARKER not in page


def test_draft_report_and_its_comment_are_404(client, draft_report):
    comment = draft_report.comments.get()
    assert client.get(draft_report.get_absolute_url()).status_code == 404
    assert client.get(comment.get_absolute_url()).status_code == 404
    assert client.get(comment.member.get_absolute_url()).status_code == 404
    assert client.get(comment.policy_item.get_absolute_url()).status_code == 404
    assert client.get(comment.meeting.get_absolute_url()).status_code == 404
    assert client.get(comment.meeting.committee.get_absolute_url()).status_code == 404


def test_unpublished_report_disappears(client):
    report = published_report()
    url = report.get_absolute_url()
    assert client.get(url).status_code == 200

    report_unpublish(report=report)

    assert client.get(url).status_code == 404
    assert url not in client.get(reverse("feedback:report-list")).content.decode()


def test_report_page_rows_follow_entry_order(client):
    report = published_report(count=3)
    entries = list(report.entries.order_by("position"))
    entries[0].position, entries[2].position = 99, 1
    entries[0].save()
    entries[2].save()

    rows = body_texts(client.get(report.get_absolute_url()).content.decode())

    assert [row[0] for row in rows] == [
        str(entries[2].comment.number),
        str(entries[1].comment.number),
        str(entries[0].comment.number),
    ]


def test_report_page_shows_latest_follow_up_only(client):
    report = published_report(count=1)
    comment = report.comments.get()
    FollowUpFactory(
        comment=comment, body="令和3年7月1日に配信を開始しました。", recorded_on="2021-07-01"
    )

    rows = body_texts(client.get(report.get_absolute_url()).content.decode())

    assert rows[0][6] == "令和3年7月1日に配信を開始しました。"


def test_report_page_keeps_line_breaks(client):
    report = published_report(count=1)
    comment = report.comments.get()
    comment.body = "一行目\n・二行目"
    comment.save()

    rows = body_texts(client.get(report.get_absolute_url()).content.decode())

    assert rows[0][3] == "一行目\n・二行目"


def test_report_page_prints_markup_in_every_cell_as_text_and_marks_the_keyword(client):
    """Each cell's text escaped (the row is written by the ``table_body`` tag, not a template),
    the keyword marked inside it, the member's and item's links kept."""
    report = published_report(count=1)
    comment = report.comments.select_related("member", "policy_item").get()
    comment.body = '<script>alert("窓口")</script> & 窓口'
    comment.save()
    CityResponse.objects.filter(comment=comment).update(body="<b>窓口</b>の's")
    FollowUp.objects.filter(comment=comment).update(body="a<b & c")

    page = client.get(report.get_absolute_url() + "?q=窓口").content.decode()

    row = page[page.index(f'<tr id="comment-{comment.pk}">') :]
    row = row[: row.index("</tr>")]
    assert (
        '<div class="cell-text">&lt;script&gt;alert(&quot;<mark>窓口</mark>&quot;)'
        "&lt;/script&gt; &amp; <mark>窓口</mark></div>"
    ) in row
    assert '<div class="cell-text">&lt;b&gt;<mark>窓口</mark>&lt;/b&gt;の&#x27;s</div>' in row
    assert '<div class="cell-text">a&lt;b &amp; c</div>' in row
    assert f'<a href="{comment.member.get_absolute_url()}">' in row
    assert f'<a href="{comment.policy_item.get_absolute_url()}">' in row
    assert (
        f'<a href="{comment.get_absolute_url()}" aria-label="No.{comment.number} の詳細">'
        f"{comment.number}</a></th>"
    ) in row
    assert "<script>" not in row

    # The search's list starts each row with its meeting, linked.
    page = client.get("/comments/?q=窓口").content.decode()
    row = page[page.index(f'<tr id="comment-{comment.pk}">') :]
    assert row.startswith(
        f'<tr id="comment-{comment.pk}">\n      <td data-label="会議">'
        f'<a href="{comment.meeting.get_absolute_url()}">{comment.meeting.name}</a></td>'
    )


def test_report_page_query_count_is_constant(client, django_assert_max_num_queries):
    small = published_report(count=2)
    large = published_report(count=20)
    with django_assert_max_num_queries(8):
        client.get(small.get_absolute_url())
    with django_assert_max_num_queries(8):
        client.get(large.get_absolute_url())


def test_comment_page_shows_fields_and_follow_ups_newest_first(client):
    report = published_report(count=1)
    comment = report.comments.get()
    first = comment.follow_ups.get()
    first.recorded_on = "2021-04-01"
    first.save()
    FollowUpFactory(comment=comment, body="二回目の報告です。", recorded_on="2021-06-30")

    response = client.get(comment.get_absolute_url())

    page = response.content.decode()
    assert comment.body in page
    assert comment.response.body in page
    assert '<time datetime="2021-04-01">令和3年4月1日</time>' in page
    assert '<time datetime="2021-06-30">令和3年6月30日</time>（最新）' in page
    # A timeline, newest first (issue 11): the latest is the one the 資料's table prints.
    assert "新しい順に表示しています。" in page
    assert page.index("二回目の報告です。") < page.index(first.body)
    assert "最終更新日" in page
    assert report.get_absolute_url() in page


def test_member_page_lists_their_published_remarks(client, draft_report):
    report = published_report(count=2)
    comment = report.comments.first()
    draft_comment = draft_report.comments.get()
    draft_comment.member = comment.member
    draft_comment.meeting = comment.meeting
    # A No. the meeting does not have yet (the factory's sequence runs across the session).
    draft_comment.number = comment.meeting.comments.aggregate(last=Max("number"))["last"] + 1
    draft_comment.save()

    response = client.get(comment.member.get_absolute_url())

    page = response.content.decode()
    assert f"<h1>{comment.member.display_name}</h1>" in page
    assert [row[4] for row in body_texts(page)] == [comment.body]
    assert DRAFT_MARKER not in page


def test_member_list_counts_published_remarks_only(client, draft_report):
    report = published_report(count=1)
    member = report.comments.get().member
    draft_comment = draft_report.comments.get()
    draft_comment.member = member
    draft_comment.meeting = report.comments.get().meeting
    draft_comment.number = draft_comment.meeting.comments.aggregate(last=Max("number"))["last"] + 1
    draft_comment.save()

    page = client.get(reverse("feedback:member-list")).content.decode()

    assert f"{member.committee.name}・1件" in page
    assert draft_report.comments.get().member.get_absolute_url() in page  # same member


def test_policy_item_meeting_and_committee_pages_list_the_remark(client):
    report = published_report(count=1)
    comment = Comment.objects.published().get()
    for url in [
        comment.policy_item.get_absolute_url(),
        comment.meeting.get_absolute_url(),
        comment.meeting.committee.get_absolute_url(),
    ]:
        rows = body_texts(client.get(url).content.decode())
        assert [row[4] for row in rows] == [comment.body], url
    assert report.is_published


def test_report_list_names_the_meeting_before_the_publication_date(client, shiryo2):
    page = client.get(reverse("feedback:report-list")).content.decode()

    meeting = shiryo2.comments.first().meeting
    published = shiryo2.published_at.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
    assert definition_list(page, "meta")[:3] == [
        ("意見が出された会議", "令和2年度 第2回"),
        ("委員会", "平塚市行政改革推進委員会"),
        ("公開日", f"令和{published.year - 2018}年{published.month}月{published.day}日"),
    ]
    assert (
        f'<dt>意見が出された会議</dt><dd><span class="meeting-when">'
        f'<a href="{meeting.get_absolute_url()}">令和2年度 第2回</a></span></dd>'
    ) in page


def test_report_list_gives_the_meeting_date_when_it_is_known(client, shiryo2):
    meeting = shiryo2.comments.first().meeting
    meeting.held_on = datetime.date(2020, 11, 5)
    meeting.save()

    page = client.get(reverse("feedback:report-list")).content.decode()

    assert definition_list(page, "meta")[0] == (
        "意見が出された会議",
        "令和2年度 第2回（令和2年11月5日開催）",
    )
    assert (
        f'<a href="{meeting.get_absolute_url()}">令和2年度 第2回</a>'
        '（<time datetime="2020-11-05">令和2年11月5日</time>開催）</span>'
    ) in page
    assert page.index('datetime="2020-11-05"') < page.index("<dt>公開日</dt>")


def test_report_page_jumps_to_the_table(client, shiryo2):
    page = client.get(shiryo2.get_absolute_url()).content.decode()

    assert '<a href="#report-table">表へ移動</a>' in page
    assert page.index('id="report-table"') < page.index("<caption>")


def test_report_page_says_when_what_it_shows_last_changed(client):
    """Issue 11: 「最終更新日」 is the latest change of the rows shown (remark, answer,
    follow-ups) or the 資料's publication, whichever is later."""
    report = published_report(count=2)
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    early = datetime.datetime(2021, 1, 4, 10, 0, tzinfo=tokyo)
    Report.objects.filter(pk=report.pk).update(published_at=early)
    Comment.objects.update(updated_at=early)
    CityResponse.objects.update(updated_at=early)
    FollowUp.objects.update(updated_at=early)
    follow_up = FollowUp.objects.order_by("pk").last()

    before = dict(definition_list(client.get(report.get_absolute_url()).content.decode(), "meta"))
    FollowUp.objects.filter(pk=follow_up.pk).update(
        updated_at=datetime.datetime(2026, 5, 5, 23, 30, tzinfo=tokyo)
    )
    after = dict(definition_list(client.get(report.get_absolute_url()).content.decode(), "meta"))

    assert before["最終更新日"] == "令和3年1月4日"
    assert after["最終更新日"] == "令和8年5月5日"


def test_member_page_says_when_its_remarks_last_changed(client):
    report = published_report(count=2)
    member = report.comments.first().member
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    Comment.objects.update(updated_at=datetime.datetime(2021, 1, 4, 10, 0, tzinfo=tokyo))
    CityResponse.objects.update(updated_at=datetime.datetime(2021, 3, 1, 9, 0, tzinfo=tokyo))
    FollowUp.objects.update(updated_at=datetime.datetime(2021, 2, 1, 9, 0, tzinfo=tokyo))

    page = client.get(member.get_absolute_url()).content.decode()

    assert (
        '<p class="updated">最終更新日: <time datetime="2021-03-01">令和3年3月1日</time></p>'
        in page
    )


def test_site_wide_lists_give_the_date_of_the_latest_public_change(client):
    published_report(count=1)
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    PublicState.objects.update(changed_at=datetime.datetime(2026, 4, 1, 8, 0, tzinfo=tokyo))

    pages = [client.get(url).content.decode() for url in ("/", "/members/", "/meetings/")]

    when = '<time datetime="2026-04-01">令和8年4月1日</time>'
    footer = f'<p class="updated">公開データの最終更新日: {when}</p>'
    assert [footer in page for page in pages] == [True, True, True]


def test_report_list_pages_fifty_at_a_time_newest_first(client):
    reports = [published_report(count=1, title=f"ページ送りの資料{n:02}") for n in range(1, 52)]
    newest_first = [report.title for report in reversed(reports)]

    def titles(page):
        return re.findall(r'<h3 class="report-card__title"><a href="[^"]+">([^<]+)</a>', page)

    first = client.get("/").content.decode()
    assert titles(first) == newest_first[:50]
    assert "（全51件中 1～50件目）" in first
    assert '<a href="?page=2" rel="next">次のページ</a>' in first
    second = client.get("/?page=2").content.decode()
    assert titles(second) == newest_first[50:]
    assert "（全51件中 51～51件目）" in second
    assert '<a href="?page=1" rel="prev">前のページ</a>' in second
    assert client.get("/?page=3").status_code == 404


def test_a_report_of_many_meetings_names_the_newest_and_counts_the_others(
    client, django_assert_num_queries
):
    """Neither the 資料's page nor its card in the list grows with the meetings its remarks
    span: five are named (SOURCE_MEETINGS_SHOWN), the others counted, in the same queries."""
    committee = CommitteeFactory(name="行政改革推進委員会")
    meetings = [
        MeetingFactory(committee=committee, fiscal_year=2020, number=n) for n in range(1, 8)
    ]
    report = report_publish(
        report=report_with_comments(
            [answered_comment(meeting=meeting, member__committee=committee) for meeting in meetings]
        )
    )
    newest = [
        "令和2年度第7回",
        "令和2年度第6回",
        "令和2年度第5回",
        "令和2年度第4回",
        "令和2年度第3回",
    ]

    with django_assert_num_queries(7):
        page = client.get(report.get_absolute_url()).content.decode()
    named = [d for t, d in definition_list(page, "meta") if t == "意見が出された会議"]
    assert named == [f"{name}行政改革推進委員会" for name in newest] + ["ほか2回（会議一覧）"]
    assert (
        f'<a href="{meetings[6].get_absolute_url()}">令和2年度第7回行政改革推進委員会</a>' in page
    )
    assert f'ほか2回（<a href="{reverse("feedback:meeting-list")}">会議一覧</a>）' in page

    with django_assert_num_queries(6):
        page = client.get(reverse("feedback:report-list")).content.decode()
    named = [d for t, d in definition_list(page, "meta") if t == "意見が出された会議"]
    assert named == [name.replace("年度", "年度 ") for name in newest] + ["ほか2回"]
