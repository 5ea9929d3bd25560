"""The Atom feeds over HTTP, parsed with xml.etree: exact entries, published data only."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from feedback import review
from feedback.models import CityResponse, Comment, FollowUp, Report
from feedback.permissions import APPROVER, EDITOR
from feedback.services import (
    change_request_approve,
    change_request_save,
    report_publish,
    report_unpublish,
)
from publication.cache import page_cache
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

ATOM = "{http://www.w3.org/2005/Atom}"
UTC = datetime.UTC
T0 = datetime.datetime(2021, 3, 1, 9, 0, tzinfo=UTC)
T1 = datetime.datetime(2021, 3, 10, 9, 0, tzinfo=UTC)
T2 = datetime.datetime(2021, 4, 5, 9, 0, tzinfo=UTC)
T3 = datetime.datetime(2021, 5, 20, 9, 0, tzinfo=UTC)
T4 = datetime.datetime(2021, 6, 1, 9, 0, tzinfo=UTC)
T5 = datetime.datetime(2021, 6, 2, 9, 0, tzinfo=UTC)
MEETING = "令和2年度第2回テスト市行政改革推進委員会"
DRAFT = "DRAFTFEED9z"


def parse(response):
    """The feed as {title, id, updated, author, alternate, entries: [...]}; checks that it is
    Atom and that every entry has the elements Atom requires."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ja"
    entries = []
    for entry in root.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated", "link"):
            assert len(entry.findall(f"{ATOM}{required}")) == 1, required
        entries.append(
            {
                "title": entry.findtext(f"{ATOM}title"),
                "id": entry.findtext(f"{ATOM}id"),
                "link": entry.find(f"{ATOM}link[@rel='alternate']").get("href"),
                "updated": datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}updated")),
                "summary": entry.findtext(f"{ATOM}summary"),
            }
        )
        assert entries[-1]["id"] and entries[-1]["title"]
    return {
        "title": root.findtext(f"{ATOM}title"),
        "id": root.findtext(f"{ATOM}id"),
        "updated": datetime.datetime.fromisoformat(root.findtext(f"{ATOM}updated")),
        "author": root.findtext(f"{ATOM}author/{ATOM}name"),
        "alternate": root.find(f"{ATOM}link[@rel='alternate']").get("href"),
        "self": root.find(f"{ATOM}link[@rel='self']").get("href"),
        "entries": entries,
    }


def entry_list(feed):
    return [(entry["title"], entry["id"], entry["updated"]) for entry in feed["entries"]]


@pytest.fixture
def published(db):
    """資料 published at T1: remarks No.1 and No.2 of MEETING, answered at T0 (before the
    publication), a follow-up of No.1 recorded at T2. A draft 資料 with DRAFT everywhere."""
    committee = CommitteeFactory()
    meeting = MeetingFactory(committee=committee, fiscal_year=2020, number=2)
    member = MemberFactory(committee=committee, name="秋山")
    other = MemberFactory(committee=committee, name="芦川")
    item = PolicyItemFactory(heading="方針2 行政内部のデジタル化")
    first = CommentFactory(meeting=meeting, number=1, member=member, policy_item=item, body="意見1")
    second = CommentFactory(meeting=meeting, number=2, member=other, body="意見2")
    CityResponseFactory(comment=first, body="考え方1", category=category("参考"))
    CityResponseFactory(comment=second, body="考え方2", category=category("反映"))
    report = report_with_comments([first, second], label="資料2", title="反映状況")
    report_publish(report=report)
    follow_up = FollowUpFactory(comment=first, body="用語解説に追加しました。")
    Report.objects.filter(pk=report.pk).update(published_at=T1)
    Comment.objects.filter(pk__in=[first.pk, second.pk]).update(published_at=T1)
    CityResponse.objects.update(updated_at=T0)
    FollowUp.objects.filter(pk=follow_up.pk).update(updated_at=T2)
    # The history says the same: answers written before the publication, the follow-up after.
    CityResponse.history.update(history_date=T0)
    FollowUp.history.filter(id=follow_up.pk).update(history_date=T2)

    draft_meeting = MeetingFactory(committee=committee, fiscal_year=2021, number=1)
    draft = CommentFactory(meeting=draft_meeting, number=1, member=member, policy_item=item)
    draft.body = f"{DRAFT}の意見"
    draft.save()
    CityResponseFactory(comment=draft, body=f"{DRAFT}の考え方")
    FollowUpFactory(comment=draft, body=f"{DRAFT}の対応状況")
    # A draft follow-up... on a published remark is public by design; a draft remark's is not.
    draft_report = report_with_comments([draft], label=f"{DRAFT}資料", title=f"{DRAFT}表題")
    return {
        "report": report,
        "first": first,
        "second": second,
        "follow_up": follow_up,
        "draft": draft,
        "draft_report": draft_report,
        "member": member,
        "item": item,
    }


def test_site_feed_lists_published_changes_newest_first(client, published):
    first, second = published["first"], published["second"]
    base = "http://testserver"

    feed = parse(client.get("/feeds/"))

    assert feed["title"] == "平塚市 審議会等の意見と市の考え方 の更新情報"
    assert feed["id"] == f"{base}/feeds/"
    assert feed["self"] == f"{base}/feeds/"
    assert feed["alternate"] == f"{base}/"
    assert feed["author"] == "平塚市 審議会等の意見と市の考え方"
    assert feed["updated"] == T2
    assert entry_list(feed) == [
        (
            f"対応状況を追加: {MEETING} No.1",
            f"{base}/comments/{first.pk}/#follow-up-{published['follow_up'].pk}",
            T2,
        ),
        (
            "資料を公開しました: 資料2 反映状況",
            f"{base}/reports/{published['report'].pk}/",
            T1,
        ),
        (f"市の考え方（反映）: {MEETING} No.2", f"{base}/comments/{second.pk}/#answer", T1),
        (f"市の考え方（参考）: {MEETING} No.1", f"{base}/comments/{first.pk}/#answer", T1),
    ]
    assert [entry["link"] for entry in feed["entries"]] == [
        entry["id"] for entry in feed["entries"]
    ]
    assert feed["entries"][0]["summary"] == "<p>用語解説に追加しました。</p>"


def test_object_feeds_announce_only_the_reports_that_list_their_remarks(client, published):
    """Read from the 資料's summaries: a 資料 of another committee's remark is in none of the
    first committee's feeds, and is in its own member's, item's, meeting's and committee's."""
    committee = CommitteeFactory(name="テスト市都市計画審議会")
    meeting = MeetingFactory(committee=committee, fiscal_year=2020, number=1)
    member = MemberFactory(committee=committee, name="別府")
    elsewhere = CommentFactory(meeting=meeting, number=1, member=member, body="別の意見")
    CityResponseFactory(comment=elsewhere, category=category("参考"))
    report_publish(report=report_with_comments([elsewhere], label="資料5", title="別の資料"))
    announced = "資料を公開しました: 資料5 別の資料"
    first = published["first"]

    def titles(url):
        return [entry["title"] for entry in parse(client.get(url))["entries"]]

    ours = [
        f"/members/{published['member'].pk}/feed/",
        f"/items/{published['item'].pk}/feed/",
        f"/meetings/{first.meeting.pk}/feed/",
        f"/committees/{first.meeting.committee.pk}/feed/",
    ]
    theirs = [
        f"/members/{elsewhere.member.pk}/feed/",
        f"/items/{elsewhere.policy_item.pk}/feed/",
        f"/meetings/{elsewhere.meeting.pk}/feed/",
        f"/committees/{elsewhere.meeting.committee.pk}/feed/",
    ]
    assert [announced in titles(url) for url in ours] == [False] * 4
    assert [announced in titles(url) for url in theirs] == [True] * 4
    assert announced in titles("/feeds/")


def test_object_feeds_list_only_their_remarks(client, published):
    first = published["first"]
    follow_up = f"対応状況を追加: {MEETING} No.1"
    report = "資料を公開しました: 資料2 反映状況"
    response1 = f"市の考え方（参考）: {MEETING} No.1"
    response2 = f"市の考え方（反映）: {MEETING} No.2"

    def titles(url):
        return [entry["title"] for entry in parse(client.get(url))["entries"]]

    assert titles(f"/comments/{first.pk}/feed/") == [follow_up, report, response1]
    assert titles(f"/members/{published['member'].pk}/feed/") == [follow_up, report, response1]
    assert titles(f"/items/{published['item'].pk}/feed/") == [follow_up, report, response1]
    assert titles(f"/meetings/{first.meeting.pk}/feed/") == [
        follow_up,
        report,
        response2,
        response1,
    ]
    committee = first.meeting.committee
    feed = parse(client.get(f"/committees/{committee.pk}/feed/"))
    assert [entry["title"] for entry in feed["entries"]] == [
        follow_up,
        report,
        response2,
        response1,
    ]
    assert feed["title"] == "テスト市行政改革推進委員会 の更新情報"
    assert feed["alternate"] == f"http://testserver/committees/{committee.pk}/"
    comment_feed = parse(client.get(f"/comments/{first.pk}/feed/"))
    assert comment_feed["title"] == f"{MEETING} No.1（秋山委員） の更新情報"


def test_feeds_never_show_a_draft(client, published):
    draft = published["draft"]
    urls = [
        "/feeds/",
        f"/committees/{draft.meeting.committee.pk}/feed/",
        f"/members/{published['member'].pk}/feed/",
        f"/items/{published['item'].pk}/feed/",
    ]
    for url in urls:
        response = client.get(url)
        assert DRAFT not in response.content.decode(), url
        assert len(parse(response)["entries"]) >= 3, url
    for url in [f"/comments/{draft.pk}/feed/", f"/meetings/{draft.meeting.pk}/feed/"]:
        assert client.get(url).status_code == 404, url


def test_follow_up_of_a_published_remark_appears_and_a_drafts_does_not(client, published):
    first, draft = published["first"], published["draft"]
    added = FollowUpFactory(comment=first, body="令和3年5月に公開しました。")
    FollowUp.history.filter(id=added.pk).update(history_date=T3)
    FollowUpFactory(comment=draft, body=f"{DRAFT}追加の対応状況")

    for url in ["/feeds/", f"/comments/{first.pk}/feed/", f"/members/{first.member.pk}/feed/"]:
        feed = parse(client.get(url))
        assert (feed["entries"][0]["title"], feed["entries"][0]["id"]) == (
            f"対応状況を追加: {MEETING} No.1",
            f"http://testserver/comments/{first.pk}/#follow-up-{added.pk}",
        ), url
        assert feed["entries"][0]["updated"] == T3
        assert feed["entries"][0]["summary"] == "<p>令和3年5月に公開しました。</p>"
        assert feed["updated"] == T3
        assert DRAFT not in str(feed)


def test_each_change_of_an_answer_is_its_own_entry(client, published):
    second = published["second"]
    response = second.response
    response.body = "方針の記述を修正しました。"
    response.save()
    response.category = category("参考")
    response.save()
    response.save()  # saved again unchanged: no entry
    revised, recategorized, unchanged = CityResponse.history.filter(comment_id=second.pk).order_by(
        "history_id"
    )[1:]
    CityResponse.history.filter(pk=revised.pk).update(history_date=T3)
    CityResponse.history.filter(pk=recategorized.pk).update(history_date=T4)
    CityResponse.history.filter(pk=unchanged.pk).update(history_date=T5)
    base = f"http://testserver/comments/{second.pk}/"

    feed = parse(client.get(f"/comments/{second.pk}/feed/"))

    assert [
        (entry["title"], entry["id"], entry["link"], entry["updated"], entry["summary"])
        for entry in feed["entries"]
    ] == [
        (
            f"対応区分を変更（反映 → 参考）: {MEETING} No.2",
            f"{base}#answer-change-{recategorized.history_id}",
            f"{base}#answer",
            T4,
            "<p>対応区分: 反映 → 参考</p>",
        ),
        (
            f"市の考え方を改訂: {MEETING} No.2",
            f"{base}#answer-change-{revised.history_id}",
            f"{base}#answer",
            T3,
            "<p>改訂後の市の考え方:<br>方針の記述を修正しました。</p>\n\n"
            "<p>改訂前の市の考え方:<br>考え方2</p>",
        ),
        (
            "資料を公開しました: 資料2 反映状況",
            f"http://testserver/reports/{published['report'].pk}/",
            f"http://testserver/reports/{published['report'].pk}/",
            T1,
            "<p>令和2年度第2回テスト委員会における委員からの意見、質問等に対する市の考え方</p>",
        ),
        # As published: the wording and category the public first saw.
        (
            f"市の考え方（反映）: {MEETING} No.2",
            f"{base}#answer",
            f"{base}#answer",
            T1,
            "<p>考え方2</p>",
        ),
    ]


def test_corrected_follow_up_is_an_entry_with_before_and_after(client, published):
    follow_up = published["follow_up"]
    follow_up.body = "用語解説に「新たな日常」を追加しました。"
    follow_up.recorded_on = datetime.date(2021, 7, 1)
    follow_up.save()
    corrected = FollowUp.history.filter(id=follow_up.pk).latest("history_id")
    FollowUp.history.filter(pk=corrected.pk).update(history_date=T3)

    feed = parse(client.get(f"/comments/{published['first'].pk}/feed/"))

    assert [(e["title"], e["updated"], e["summary"]) for e in feed["entries"][:2]] == [
        (
            f"対応状況を修正: {MEETING} No.1",
            T3,
            "<p>記録日: 日付なし → 令和3年7月1日</p>\n\n"
            "<p>修正後の対応状況:<br>用語解説に「新たな日常」を追加しました。</p>\n\n"
            "<p>修正前の対応状況:<br>用語解説に追加しました。</p>",
        ),
        (f"対応状況を追加: {MEETING} No.1", T2, "<p>用語解説に追加しました。</p>"),
    ]
    assert feed["entries"][0]["id"] == (
        f"http://testserver/comments/{published['first'].pk}/"
        f"#follow-up-{follow_up.pk}-change-{corrected.history_id}"
    )


def test_changes_made_while_a_draft_never_appear(client, db):
    """Typed, corrected and re-categorized before publication: only the published state."""
    remark = CommentFactory(number=1, body="意見1")
    response = CityResponseFactory(
        comment=remark, body=f"{DRAFT}最初の下書き", category=category("参考")
    )
    response.body = "公開した考え方"
    response.category = category("反映")
    response.save()
    follow_up = FollowUpFactory(comment=remark, body=f"{DRAFT}下書きの対応状況")
    follow_up.body = "公開した対応状況"
    follow_up.save()
    report_publish(report=report_with_comments([remark]))
    Comment.objects.filter(pk=remark.pk).update(published_at=T1)
    CityResponse.history.update(history_date=T0)
    FollowUp.history.update(history_date=T0)

    feed = parse(client.get("/feeds/"))

    assert [(e["title"], e["updated"], e["summary"]) for e in feed["entries"]][1:] == [
        (f"対応状況: {remark}", T1, "<p>公開した対応状況</p>"),
        (f"市の考え方（反映）: {remark}", T1, "<p>公開した考え方</p>"),
    ]
    assert DRAFT not in str(feed)


def test_pending_proposal_never_appears_and_its_approval_does(client, published):
    first = published["first"]
    editor, approver = staff_user(EDITOR), staff_user(APPROVER)
    state = review.comment_state(first)
    proposed = {
        **state,
        "response": f"{DRAFT}提案中の考え方",
        "follow_ups": [
            *state["follow_ups"],
            {"id": None, "recorded_on": "2021-08-01", "body": "承認された対応状況"},
        ],
    }
    proposal = change_request_save(comment=first, proposed=proposed, by=editor)

    pending = client.get("/feeds/").content.decode()
    assert DRAFT not in pending and "承認された対応状況" not in pending

    change_request_approve(change_request=proposal, by=approver, expected_version=proposal.version)

    titles = [entry["title"] for entry in parse(client.get("/feeds/"))["entries"]]
    assert titles[:2] == [f"対応状況を追加: {MEETING} No.1", f"市の考え方を改訂: {MEETING} No.1"]
    assert f"{DRAFT}提案中の考え方" in client.get("/feeds/").content.decode()


def test_deleted_follow_up_leaves_the_feed_with_its_changes(client, published):
    follow_up = published["follow_up"]
    follow_up.body = "修正した対応状況"
    follow_up.save()
    follow_up.delete()

    text = client.get("/feeds/").content.decode()

    assert "用語解説に追加しました。" not in text and "修正した対応状況" not in text


def test_unpublished_report_leaves_every_feed(client, published):
    report_unpublish(report=published["report"])

    assert parse(client.get("/feeds/"))["entries"] == []
    assert client.get(f"/comments/{published['first'].pk}/feed/").status_code == 404


def test_markup_in_a_follow_up_stays_text_in_the_feed(client, published):
    FollowUpFactory(comment=published["first"], body='<script>alert("x")</script>')

    feed = parse(client.get("/feeds/"))

    summaries = [entry["summary"] for entry in feed["entries"]]
    assert "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>" in summaries


def test_feed_is_a_public_page_with_etag_and_304(client, published):
    response = client.get("/feeds/")
    etag = response["ETag"]
    assert response["Cache-Control"] == "public, max-age=60"

    assert client.get("/feeds/", headers={"if-none-match": etag}).status_code == 304

    FollowUpFactory(comment=published["first"], body="新しい対応状況")
    again = client.get("/feeds/", headers={"if-none-match": etag})
    assert again.status_code == 200
    assert again["ETag"] != etag
    assert "新しい対応状況" in again.content.decode()


def test_public_pages_link_their_feed_in_head_and_body(client, published):
    first = published["first"]
    pages = {
        "/": None,
        f"/comments/{first.pk}/": f"/comments/{first.pk}/feed/",
        f"/members/{first.member.pk}/": f"/members/{first.member.pk}/feed/",
        f"/items/{first.policy_item.pk}/": f"/items/{first.policy_item.pk}/feed/",
        f"/meetings/{first.meeting.pk}/": f"/meetings/{first.meeting.pk}/feed/",
        f"/committees/{first.meeting.committee.pk}/": (
            f"/committees/{first.meeting.committee.pk}/feed/"
        ),
    }
    for url, own in pages.items():
        html = client.get(url).content.decode()
        site_link = (
            '<link rel="alternate" type="application/atom+xml" '
            'title="サイト全体の更新情報（Atom）" href="/feeds/">'
        )
        assert site_link in html, url
        assert (
            '<a href="/feeds/" type="application/atom+xml">サイト全体の更新情報（Atom）</a>' in html
        ), url
        if own:
            assert (
                '<link rel="alternate" type="application/atom+xml" '
                f'title="このページの更新情報（Atom）" href="{own}">'
            ) in html, url
            assert (
                f'<a href="{own}" type="application/atom+xml">このページの更新情報（Atom）</a>'
            ) in html, url
        else:
            assert "このページの更新情報" not in html, url


def test_latest_changed_equals_ordering_by_greatest_when_remarks_share_a_publication(db):
    """One 資料 publishes 120 remarks at the same instant; their answers and follow-ups were saved
    before and after it, some at the same instant, follow-ups made in reverse remark order. The
    two limited reads merged pick exactly the rows the one full ordering picks, in its order."""
    from django.db.models import F
    from django.db.models.functions import Greatest

    from feedback.feeds import _of_remarks, _remarks, latest_changed

    meeting = MeetingFactory()
    comments = [CommentFactory(meeting=meeting, number=n) for n in range(1, 121)]
    later = [CommentFactory(meeting=meeting, number=n) for n in range(121, 126)]
    for comment in comments + later:
        CityResponseFactory(comment=comment)
    report_publish(report=report_with_comments(comments))
    report_publish(report=report_with_comments(later))
    Comment.objects.filter(pk__in=[c.pk for c in comments]).update(published_at=T1)
    Comment.objects.filter(pk__in=[c.pk for c in later]).update(published_at=T3)
    for n, comment in enumerate(comments + later):
        # Saved before the publication, after it, or at its very instant.
        saved = [T0, T2, T1, T4][n % 4] + datetime.timedelta(minutes=n % 7)
        CityResponse.objects.filter(pk=comment.pk).update(updated_at=saved)
    for n, comment in enumerate(reversed(comments + later)):
        for k in range(1 + n % 2):
            follow_up = FollowUpFactory(comment=comment)
            saved = [T2, T0, T5, T1][(n + k) % 4] + datetime.timedelta(minutes=n % 5)
            FollowUp.objects.filter(pk=follow_up.pk).update(updated_at=saved)

    greatest = Greatest(F("updated_at"), F("comment__published_at"))
    for walk in (True, False):
        remarks = {} if walk else {"meeting": meeting}
        for model in (CityResponse, FollowUp):
            rows = _of_remarks(model, _remarks(remarks, walk=walk))
            expected = list(
                rows.annotate(visible_at=greatest)
                .order_by("-visible_at", "-pk")
                .values_list("pk", "visible_at")[:50]
            )
            found = [(row.pk, row.visible_at) for row in latest_changed(rows, limit=50)]
            assert found == expected
            assert len(found) == 50


def test_feeds_read_a_fixed_number_of_queries(client, published, django_assert_num_queries):
    """The page cache's public state, 資料, answers, follow-ups, categories and two histories
    (and, for a member's feed, the member and the ids of its remarks): however many remarks
    there are. With fifty answers or more, the answers' second read (by publication) adds one,
    and so for follow-ups."""
    for url in (
        "/feeds/",
        f"/committees/{published['first'].meeting.committee_id}/feed/",
        f"/members/{published['member'].pk}/feed/",
        f"/comments/{published['first'].pk}/feed/",
    ):
        client.get(url)  # warms anything read once per process
    page_cache().clear()
    with django_assert_num_queries(7):
        parse(client.get("/feeds/"))
    with django_assert_num_queries(9):
        parse(client.get(f"/members/{published['member'].pk}/feed/"))


def test_a_feed_of_more_remarks_than_it_lists_by_id_walks_them_to_the_same_entries(
    client, published, monkeypatch
):
    """A member's (item's, meeting's) remarks are read as ids first, up to FEED_REMARK_IDS;
    beyond that the feed asks each answer and follow-up about its remark instead: the same
    entries either way."""
    from feedback import feeds

    urls = [
        f"/members/{published['member'].pk}/feed/",
        f"/comments/{published['first'].pk}/feed/",
    ]
    by_ids = [parse(client.get(url))["entries"] for url in urls]
    assert all(by_ids)
    monkeypatch.setattr(feeds, "FEED_REMARK_IDS", 0)
    page_cache().clear()

    assert [parse(client.get(url))["entries"] for url in urls] == by_ids


def test_entries_of_remarks_none_of_which_is_published_are_none(published):
    """The ids a feed reads first may be none (every remark of the member a draft by now): no
    answer, follow-up or 資料 then, and no query with an empty ``IN ()``."""
    from feedback import feeds

    draft_only = MemberFactory(committee=published["member"].committee, name="青木")
    CommentFactory(meeting=published["draft"].meeting, number=2, member=draft_only)

    assert feeds.entries({"member": draft_only}) == []
    # The follow-up of T2, then the 資料 and No.1's answer, both public since T1.
    assert [entry.key for entry in feeds.entries({"member": published["member"]})] == [
        f"follow-up-{published['follow_up'].pk}",
        f"report-{published['report'].pk}",
        f"response-{published['first'].pk}",
    ]
