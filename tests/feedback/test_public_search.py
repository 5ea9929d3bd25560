"""Filters, keyword search, summaries and caching of the public pages, over HTTP."""

import csv
import io
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from feedback import search as search_module
from feedback import selectors
from feedback.models import Comment, Member, ReflectionCategory
from feedback.services import report_publish, report_unpublish
from publication.models import PublicState
from tests.factories import (
    CityResponseFactory,
    CommentFactory,
    FollowUpFactory,
    MemberFactory,
    PolicyItemFactory,
    published_report,
    report_with_comments,
)
from tests.helpers import SOURCE, SOURCE_DATA
from tests.html import body_texts

pytestmark = pytest.mark.django_db

MARKER = "秘匿マーカー草案"


def source_numbers_containing(word):
    """The No. of every 資料2 row in whose text ``word`` occurs (ASCII case ignored)."""
    return [row[0] for row in SOURCE_DATA["rows"] if any(word.lower() in c.lower() for c in row)]


def search(client, **params):
    return client.get(reverse("feedback:comment-search"), params)


def numbers(page):
    return [row[1] for row in body_texts(page)]


@pytest.fixture
def draft():
    """A draft remark with the marker in every text field, by a member with no public remark."""
    member = MemberFactory(name=f"{MARKER}委員", name_kana="ん")
    comment = CommentFactory(
        member=member,
        meeting__committee=member.committee,
        policy_item=PolicyItemFactory(heading=f"{MARKER}項目"),
        body=f"{MARKER} AI LINE 意見",
        number=999,
    )
    CityResponseFactory(comment=comment, body=f"{MARKER}の考え方")
    FollowUpFactory(comment=comment, body=f"{MARKER}の対応状況")
    return report_with_comments([comment], title=f"{MARKER}資料")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("AI", ["6", "7"]),
        ("LINE", ["3", "4"]),
        ("ＡＩ", ["6", "7"]),
        ("セキュリティ", ["2", "3", "4", "5"]),
    ],
)
def test_keyword_search_finds_exact_source_rows(client, shiryo2, word, expected):
    response = search(client, q=word)

    page = response.content.decode()
    assert response.status_code == 200
    assert numbers(page) == expected
    assert numbers(page) == source_numbers_containing(word.replace("ＡＩ", "AI"))


def test_keyword_search_highlights_escaped_matches(client, shiryo2):
    page = search(client, q="AI").content.decode()

    assert "2026年度頃には、行政事務の大半は<mark>AI</mark>により処理する" in page
    assert "AI-<mark>OCR</mark>" not in page
    assert "<mark>AI</mark>-OCR" in page


def test_keyword_is_escaped_in_highlight(client, shiryo2):
    comment = Comment.objects.get(number=6)
    comment.body = "<b>AI</b> & 利用"
    comment.save()

    page = search(client, q="<b>AI").content.decode()

    assert "<mark>&lt;b&gt;AI</mark>&lt;/b&gt; &amp; 利用" in page
    assert "<b>AI</b>" not in page


def test_several_keywords_must_all_match(client, shiryo2):
    assert numbers(search(client, q="AI　会議録").content.decode()) == ["6"]


def test_filters_by_member_item_and_category(client, shiryo2):
    ashikawa = Member.objects.get(name="芦川")
    reflected = ReflectionCategory.objects.get(name="反映")
    item = Comment.objects.get(number=3).policy_item

    assert numbers(search(client, member=ashikawa.pk).content.decode()) == ["3", "4", "5"]
    assert numbers(search(client, category=reflected.pk).content.decode()) == ["1", "7"]
    assert numbers(search(client, item=item.pk).content.decode()) == ["3"]
    assert numbers(search(client, member=ashikawa.pk, q="LINE").content.decode()) == ["3", "4"]


def test_filter_options_are_published_members_in_gojuon_order(client, shiryo2, draft):
    page = search(client).content.decode()

    select = re.search(r'<select name="member".*?</select>', page, re.S).group()
    assert re.findall(r">([^<]+)</option>", select) == [
        "すべて",
        "秋山委員",
        "芦川委員",
        "岡部委員",
        "久田委員",
    ]
    assert MARKER not in page


def test_invalid_parameters_give_a_japanese_message(client, shiryo2):
    response = search(client, member="abc", category="99999")

    page = response.content.decode()
    assert response.status_code == 400
    assert "指定された委員は選べません。一覧から選び直してください。" in page
    assert "指定された対応区分は選べません。一覧から選び直してください。" in page
    assert body_texts(page) == []


def test_report_page_filters_with_the_same_parameters(client, shiryo2):
    url = shiryo2.get_absolute_url()

    page = client.get(url, {"q": "AI"}).content.decode()

    assert [row[0] for row in body_texts(page)] == ["6", "7"]
    assert "7件中2件を表示しています。" in page
    assert client.get(url, {"item": "x"}).status_code == 400


def test_search_paginates_and_keeps_parameters(client):
    report = published_report(count=25)
    # Each remark has a meeting of its own, numbered in creation order: the newest meeting first.
    newest_first = list(report.comments.order_by("-meeting__number"))
    keyword = "?q=%E3%83%86%E3%82%B9%E3%83%88%E3%81%AE%E6%84%8F%E8%A6%8B"

    page1 = search(client, q="テストの意見").content.decode()
    after = newest_first[19].pk
    page2 = search(client, q="テストの意見", after=after).content.decode()

    assert [row[4] for row in body_texts(page1)] == [c.body for c in newest_first[:20]]
    assert [row[4] for row in body_texts(page2)] == [c.body for c in newest_first[20:]]
    assert "25件</h2>" in page1
    assert "25件</h2>" in page2
    assert f'{keyword}&amp;after={after}" rel="next"' in page1
    assert f"{keyword}&amp;page=last" in page1
    assert 'rel="prev"' not in page1
    assert f'{keyword}&amp;before={newest_first[20].pk}" rel="prev"' in page2
    assert f'href="{keyword}">最初のページ' in page2
    assert 'rel="next"' not in page2
    # An old numbered link still reaches the same rows.
    old_link = search(client, q="テストの意見", page=2).content.decode()
    assert body_texts(old_link) == body_texts(page2)


def test_search_counts_up_to_its_limit_and_says_so(client, monkeypatch):
    report = published_report(count=25)
    newest_first = list(report.comments.order_by("-meeting__number"))
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 20)

    page1 = search(client, q="テストの意見").content.decode()
    page2 = search(client, q="テストの意見", after=newest_first[19].pk).content.decode()
    last = search(client, q="テストの意見", page="last").content.decode()
    unfiltered = search(client).content.decode()

    # More matches than the limit: walked in the page's order, the same rows as sorted.
    assert [row[4] for row in body_texts(page1)] == [c.body for c in newest_first[:20]]
    assert [row[4] for row in body_texts(page2)] == [c.body for c in newest_first[20:]]
    assert [row[4] for row in body_texts(last)] == [c.body for c in newest_first[5:]]
    heading = '<h2 class="result-count" id="result-count">'
    for page in (page1, page2, last):
        assert f"{heading}「テストの意見」の検索結果: 20件以上</h2>" in page
        assert "ファイルには、20件を超える結果もすべて入ります。" in page
        assert "25件" not in page
    assert f"{heading}20件以上</h2>" in unfiltered
    # The download has every match.
    csv_url = reverse("feedback:comment-download", args=["csv"])
    text = client.get(csv_url, {"q": "テストの意見"}).content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 1 + 25


def test_search_at_its_limit_gives_the_exact_count(client, monkeypatch):
    published_report(count=25)
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 25)

    page = search(client, q="テストの意見").content.decode()

    heading = '<h2 class="result-count" id="result-count">'
    assert f"{heading}「テストの意見」の検索結果: 25件</h2>" in page
    assert "件以上" not in page
    assert "件を超える結果" not in page


@pytest.mark.parametrize("through_index", [True, False])
def test_a_report_page_counts_its_matches_up_to_the_limit_and_pages_through_all(
    client, monkeypatch, through_index
):
    report = published_report(count=25)
    entries = list(report.entries.order_by("position").select_related("comment"))
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 20)
    if not through_index:
        # On SQLite the FTS table then lists too many candidates: the rows are walked.
        monkeypatch.setitem(search_module.SQLITE_INDEX_LIMITS, "alone", 0)
    url = report.get_absolute_url()

    def read(**params):
        return client.get(url, {"q": "テストの意見", **params}).content.decode()

    first, after, last = read(), read(after=entries[9].position), read(page="last")
    member = entries[3].comment.member_id
    one = client.get(url, {"q": "テストの意見", "member": member}).content.decode()

    # More matches than the limit: the same rows, in printed order, said as 「20件以上」.
    assert [row[3] for row in body_texts(first)] == [e.comment.body for e in entries]
    assert [row[3] for row in body_texts(after)] == [e.comment.body for e in entries[10:]]
    assert [row[3] for row in body_texts(last)] == [e.comment.body for e in entries]
    for page in (first, after, last):
        assert "「テストの意見」の検索結果: 25件中20件以上を表示しています。" in page
    # Fewer: the exact count.
    assert [row[3] for row in body_texts(one)] == [entries[3].comment.body]
    assert "「テストの意見」の検索結果: 25件中1件を表示しています。" in one
    assert "件以上" not in one


def test_a_common_keyword_costs_no_more_queries(client, monkeypatch, django_assert_max_num_queries):
    report = published_report(count=25)
    member = report.comments.first().member_id
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 20)
    # On SQLite the count goes without the index too.
    monkeypatch.setitem(search_module.SQLITE_INDEX_LIMITS, "alone", 0)
    monkeypatch.setitem(search_module.SQLITE_INDEX_LIMITS, "narrowed", 0)

    for params in ({"q": "テストの意見"}, {"q": "テストの意見", "member": member}):
        with django_assert_max_num_queries(8):
            page = search(client, **params).content.decode()
        assert "テストの意見" in body_texts(page)[0][4]


def test_drafts_reach_no_public_page(client, shiryo2, draft):
    comment = draft.comments.get()
    urls = [
        reverse("feedback:report-list"),
        reverse("feedback:comment-search"),
        reverse("feedback:comment-search") + f"?q={MARKER}",
        reverse("feedback:member-list"),
        reverse("feedback:policy-item-list"),
        reverse("feedback:meeting-list"),
        reverse("feedback:accessibility"),
        shiryo2.get_absolute_url(),
        shiryo2.get_absolute_url() + f"?q={MARKER}",
    ]
    for url in urls:
        page = client.get(url).content.decode()
        # The search box repeats what the reader typed; nothing else may carry the marker.
        page = page.replace(f'value="{MARKER}"', "")
        assert MARKER not in page, url
    assert numbers(search(client, q=MARKER).content.decode()) == []
    assert "0件" in search(client, q=MARKER).content.decode()
    for url in [draft.get_absolute_url(), comment.get_absolute_url()]:
        assert client.get(url).status_code == 404
    assert (
        client.get(reverse("feedback:comment-search"), {"member": comment.member.pk}).status_code
        == 400
    )


def test_summary_chart_counts_published_rows_in_category_colours(client, shiryo2, draft):
    page = client.get(shiryo2.get_absolute_url()).content.decode()
    home = client.get(reverse("feedback:report-list")).content.decode()

    for html in (page, home):
        assert "<div><dt>反映</dt><dd>2件</dd></div>" in html
        assert "<div><dt>参考</dt><dd>5件</dd></div>" in html
        assert "<div><dt>反映困難</dt><dd>0件</dd></div>" in html
        assert 'fill="#1a7f37"' in html
        assert 'fill="#1d4ed8"' in html
        assert "style=" not in html
        assert "<script" not in html
    assert "<li>反映 2件</li><li>参考 5件</li>" in home


def test_pages_stay_within_eight_queries(client, shiryo2, django_assert_max_num_queries):
    comment = Comment.objects.get(number=4)
    urls = [
        reverse("feedback:report-list"),
        shiryo2.get_absolute_url(),
        shiryo2.get_absolute_url() + "?q=AI",
        shiryo2.get_absolute_url() + f"?member={comment.member_id}",
        reverse("feedback:comment-search") + f"?q=AI&member={comment.member_id}",
        comment.get_absolute_url(),
        comment.member.get_absolute_url(),
        reverse("feedback:member-list"),
        reverse("feedback:policy-item-list"),
        reverse("feedback:meeting-list"),
        reverse("feedback:accessibility"),
    ]
    # A 資料 with a 配布版 (資料2 has one) costs one more: which of its rows are withdrawn since.
    # Filtered, its matches are counted (up to selectors.SEARCH_COUNT_LIMIT) before the page is
    # read; on SQLite a keyword's candidates in the FTS table are counted first
    # (search.index_pays).
    extra = {
        shiryo2.get_absolute_url(): 1,
        shiryo2.get_absolute_url() + f"?member={comment.member_id}": 1,
        shiryo2.get_absolute_url() + "?q=AI": 1 + (connection.vendor == "sqlite"),
    }
    for url in urls:
        with django_assert_max_num_queries(8 + extra.get(url, 0)):
            assert client.get(url).status_code == 200, url


def test_repeat_visit_is_304_by_etag_and_by_date(client, shiryo2):
    url = shiryo2.get_absolute_url()
    first = client.get(url)

    assert first["Cache-Control"] == "public, max-age=60"
    assert first["Vary"] == "Cookie, Accept-Language"
    assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": first["Last-Modified"]}).status_code == 304


def _validators(client):
    response = client.get(reverse("feedback:report-list"))
    return response["ETag"], response["Last-Modified"]


def test_validators_change_on_edit_unpublish_and_publish(client, shiryo2, draft):
    before = _validators(client)

    comment = Comment.objects.get(number=1)
    comment.body += "（修正）"
    comment.save()
    after_edit = _validators(client)

    report_unpublish(report=shiryo2)
    after_unpublish = _validators(client)

    report_publish(report=draft)
    after_publish = _validators(client)

    etags = [before[0], after_edit[0], after_unpublish[0], after_publish[0]]
    assert len(set(etags)) == 4
    response = client.get(reverse("feedback:report-list"), headers={"If-None-Match": before[0]})
    assert response.status_code == 200


def test_unpublish_moves_last_modified_forward(client, shiryo2):
    # Pretend everything was last changed long ago, so "now" is a later second.
    long_ago = "2000-01-01T00:00:00Z"
    for model in apps.get_app_config("feedback").get_models():
        if hasattr(model, "history_date"):
            model.objects.update(history_date=long_ago)
        elif hasattr(model, "updated_at") and not model.__name__.startswith("Historical"):
            model.objects.update(updated_at=long_ago)
    for model in apps.get_app_config("policy").get_models():
        if hasattr(model, "history_date"):
            model.objects.update(history_date=long_ago)
    PublicState.objects.update(changed_at=long_ago)
    old = client.get(reverse("feedback:report-list"))["Last-Modified"]
    assert old == "Sat, 01 Jan 2000 00:00:00 GMT"

    report_unpublish(report=shiryo2)

    response = client.get(reverse("feedback:report-list"), headers={"If-Modified-Since": old})
    assert response.status_code == 200
    assert "公開中の資料はまだありません。" in response.content.decode()


def test_draft_edit_leaves_validator_unchanged(client, shiryo2, draft):
    before = _validators(client)
    comment = draft.comments.get()
    comment.body = f"{MARKER}（別の文）"
    comment.save()

    assert _validators(client)[0] == before[0]


def test_staff_pages_are_not_publicly_cacheable(client, shiryo2):
    staff = get_user_model().objects.create_user("staff", password="x" * 12, is_staff=True)
    client.force_login(staff)

    response = client.get(shiryo2.get_absolute_url())

    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert "public" not in cache_control
    assert not response.has_header("ETag")
    assert response["Vary"] == "Cookie, Accept-Language"


def test_member_as_printed_finds_their_remarks(client, shiryo2):
    rows = body_texts(
        client.get(reverse("feedback:comment-search"), {"q": "芦川委員"}).content.decode()
    )

    assert sorted(row[1] for row in rows) == ["3", "4", "5"]


def test_member_and_item_matches_are_highlighted_too(client, shiryo2):
    page = client.get(shiryo2.get_absolute_url(), {"q": "芦川 デジタル"}).content.decode()

    assert "<mark>芦川</mark>委員</a>" in page
    assert "暮らしの<mark>デジタル</mark>化</a>" in page
    search = client.get(reverse("feedback:comment-search"), {"q": "未来像"}).content.decode()
    assert "本市の<mark>未来像</mark></a>" in search


# -- folded search (issue 14) -------------------------------------------------------------------


def folded_report():
    """A published 資料 whose texts are written the ways citizens do not type them."""
    takahashi = MemberFactory(name="髙橋", name_kana="たかはし")
    comments = [
        CommentFactory(
            body="行政のＤＸを進めてください。",
            member=takahashi,
            meeting__committee=takahashi.committee,
        ),
        CommentFactory(body="ＫＰＩを設定してください。"),
        CommentFactory(body="デジタル人材を育ててください。"),
    ]
    for comment in comments:
        CityResponseFactory(comment=comment)
    return report_publish(report=report_with_comments(comments))


def bodies(page):
    return [row[4] for row in body_texts(page)]


@pytest.mark.parametrize("word", ["DX", "dx", "ＤＸ", "ｄｘ"])
def test_halfwidth_and_lowercase_find_fullwidth_text(client, word):
    folded_report()

    page = search(client, q=word).content.decode()

    assert bodies(page) == ["行政のＤＸを進めてください。"]
    assert "行政の<mark>ＤＸ</mark>を進めてください。" in page
    assert f'<h2 class="result-count" id="result-count">「{word}」の検索結果: 1件</h2>' in page


def test_kpi_finds_fullwidth_kpi(client):
    folded_report()

    page = search(client, q="KPI").content.decode()

    assert bodies(page) == ["ＫＰＩを設定してください。"]
    assert "<mark>ＫＰＩ</mark>を設定してください。" in page


def test_hiragana_finds_katakana(client, shiryo2):
    page = search(client, q="でじたる").content.decode()

    assert numbers(page) == ["1", "2", "3", "4", "5", "6", "7"]
    assert numbers(page) == source_numbers_containing("デジタル")
    assert "「でじたる」の検索結果: 7件" in page
    assert "暮らしの<mark>デジタル</mark>化" in page


def test_member_as_printed_with_a_space_finds_their_remarks(client, shiryo2):
    page = search(client, q="芦川 委員").content.decode()

    assert numbers(page) == ["3", "4", "5"]
    assert "<mark>芦川</mark><mark>委員</mark>" in page


def test_common_kanji_finds_a_name_written_with_its_variant(client):
    folded_report()

    page = search(client, q="高橋").content.decode()

    assert bodies(page) == ["行政のＤＸを進めてください。"]
    assert "<mark>髙橋</mark>委員</a>" in page
    assert "高橋" not in page.replace('value="高橋"', "").replace("「高橋」", "")


def test_no_result_page_suggests_what_to_try(client, shiryo2):
    response = search(client, q="存在しない言葉")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<h2 class="result-count" id="result-count">0件</h2>' in page
    assert "条件に合う意見はありません。" in page
    assert "キーワードを減らすか、短くする" in page
    assert "カタカナの言葉はひらがなで入力しても探せます。" in page
    assert f'<a href="{reverse("feedback:comment-search")}">条件を解除してすべて表示</a>' in page


def test_report_page_says_what_was_searched_for(client, shiryo2):
    page = client.get(shiryo2.get_absolute_url(), {"q": "ai"}).content.decode()

    assert "「ai」の検索結果: 7件中2件を表示しています。" in page
    assert [row[0] for row in body_texts(page)] == ["6", "7"]


def test_downloads_follow_the_folded_keyword(client, shiryo2):
    url = reverse("feedback:report-download", args=[shiryo2.pk, "csv"])

    text = client.get(url, {"q": "ａｉ"}).content.decode("utf-8-sig")

    assert [record[1] for record in csv.reader(io.StringIO(text))][1:] == ["6", "7"]


def _admin_post(admin_client, comment, **changes):
    from tests.feedback.admin_forms import change_form_data

    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    data = change_form_data(admin_client.get(url))
    data.update(changes)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()


def test_admin_edit_of_a_remark_updates_search(admin_client, client, shiryo2):
    comment = Comment.objects.get(number=2)
    assert numbers(search(client, q="ぱぶりっくこめんと").content.decode()) == []

    _admin_post(admin_client, comment, body="パブリックコメントをＷｅｂで受け付けてください。")

    assert numbers(search(client, q="ぱぶりっくこめんと web").content.decode()) == ["2"]


def test_follow_up_added_in_the_admin_inline_updates_search(admin_client, client, shiryo2):
    comment = Comment.objects.get(number=5)
    assert numbers(search(client, q="ﾁｬｯﾄﾎﾞｯﾄ").content.decode()) == []

    _admin_post(
        admin_client,
        comment,
        **{
            "follow_ups-TOTAL_FORMS": "2",
            "follow_ups-1-body": "チャットボットを導入しました。",
            "follow_ups-1-recorded_on": "2021-06-01",
        },
    )

    assert numbers(search(client, q="ﾁｬｯﾄﾎﾞｯﾄ").content.decode()) == ["5"]


def test_import_of_a_changed_remark_updates_search(client, shiryo2, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "資料2.csv"
    call_command("export_report", "資料2", "-o", str(path), verbosity=0)
    text = path.read_bytes().decode("utf-8-sig")
    assert "取組内容の でSNS" in text
    path.write_bytes(text.replace("取組内容の でSNS", "取組内容のＤＸでSNS").encode("utf-8"))

    call_command("import_feedback", str(path), "--commit", verbosity=0)

    assert numbers(search(client, q="内容のdxで").content.decode()) == ["4"]


def test_member_rename_in_the_admin_updates_search(admin_client, client, shiryo2):
    from tests.feedback.admin_forms import change_form_data

    member = Member.objects.get(name="岡部")
    url = reverse("admin:feedback_member_change", args=[member.pk])
    data = change_form_data(admin_client.get(url))
    data["name"] = "岡邊"

    assert admin_client.post(url, data).status_code == 302

    assert numbers(search(client, q="岡辺委員").content.decode()) == ["7"]
    assert numbers(search(client, q="岡部").content.decode()) == []


def test_import_of_new_remarks_writes_their_search_text(db):
    from django.core.management import call_command

    from feedback.search import refresh_search_text

    call_command(
        "import_feedback",
        str(SOURCE),
        "--commit",
        "--create-missing",
        "--policy",
        "平塚市デジタル化基本方針",
        verbosity=0,
    )
    imported = dict(Comment.objects.values_list("number", "search_text"))
    Comment.objects.update(search_text="")
    refresh_search_text(Comment.objects.all())

    assert imported == dict(Comment.objects.values_list("number", "search_text"))
    assert imported[3].split("\n")[-3:] == ["芦川委員", "芦川", "情報せきゆりていの確保"]


def test_policy_item_rename_in_the_admin_updates_search(admin_client, client, shiryo2):
    from tests.feedback.admin_forms import change_form_data

    item = Comment.objects.get(number=3).policy_item
    url = reverse("admin:policy_policyitem_change", args=[item.pk])
    data = change_form_data(admin_client.get(url))
    data["heading"] = "方針２　行政内部のＤＸ"

    assert admin_client.post(url, data).status_code == 302

    assert numbers(search(client, q="行政内部のdx").content.decode()) == ["3"]


@pytest.mark.parametrize("value", [None, "", "2", ["2"], "9"])
def test_the_filters_select_writes_what_djangos_select_writes(value):
    """feedback.filters.PlainSelect: the same element, attributes and options as Django's
    ``Select`` (which renders each option through templates), whitespace between tags aside."""
    from django import forms

    from feedback.filters import PlainSelect

    choices = [("", "すべて"), (1, "秋山委員"), (2, '<芦川&"委員">'), ("2", "重複した値")]
    attrs = {"id": "id_member", "aria-describedby": "help", "required": True, "disabled": False}

    def written(widget):
        html = widget(choices=choices).render("member", value, attrs=attrs)
        return re.sub(r">\s+<", "><", html).strip()

    assert written(PlainSelect) == written(forms.Select)
    assert "&lt;芦川&amp;&quot;委員&quot;&gt;" in written(PlainSelect)
