"""The API over HTTP: filters as on the site, read-only methods, CORS, ETag/304, the rate
limit, and cursor pages that neither skip nor repeat."""

import datetime
import json

import pytest
from django.utils import timezone

from api.views import PerAddressThrottle
from feedback.enums import PublicationStatus
from feedback.models import Comment, Meeting, Member, ReflectionCategory
from feedback.search import with_body_line
from policy.models import PolicyItem
from tests.api.conftest import get_json, walk
from tests.factories import MeetingFactory, MemberFactory, PolicyItemFactory, staff_user


def numbers(client, query):
    return [remark["number"] for remark in walk(client, f"/api/v1/remarks/{query}")]


def test_remark_filters_match_the_site(client, shiryo2):
    akiyama = Member.objects.get(name="秋山")
    ashikawa = Member.objects.get(name="芦川")
    item = PolicyItem.objects.get(heading="情報セキュリティの確保")
    meeting = Meeting.objects.get()
    reflected = ReflectionCategory.objects.get(name="反映")
    assert numbers(client, "") == [1, 2, 3, 4, 5, 6, 7]
    assert numbers(client, f"?member={akiyama.pk}") == [1, 2]
    assert numbers(client, f"?member={ashikawa.pk}&q=SNS") == [3, 4]
    assert numbers(client, f"?policy_item={item.pk}") == [3]
    assert numbers(client, f"?category={reflected.pk}") == [1, 7]
    assert numbers(client, f"?committee={meeting.committee_id}&meeting={meeting.pk}") == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
    ]
    assert numbers(client, "?fiscal_year=2020") == [1, 2, 3, 4, 5, 6, 7]
    assert numbers(client, "?fiscal_year=2021") == []
    # Folded like the site's search: full-width and lower case find 「AI」.
    assert numbers(client, "?q=AI") == [6, 7]
    assert numbers(client, "?q=ａｉ") == [6, 7]
    assert numbers(client, "?q=AI%E3%80%80OCR") == [6]
    assert numbers(client, "?member=999999") == []


def test_updated_since_sees_answers_and_follow_ups(client, shiryo2):
    later = timezone.now() + datetime.timedelta(seconds=1)
    since = "?updated_since=" + later.isoformat().replace("+", "%2B")
    assert numbers(client, since) == []
    third = Comment.objects.get(number=3)
    third.response.body += "（追記）"
    third.response.save()
    fifth = Comment.objects.get(number=5)
    fifth.follow_ups.create(body="説明会を開きました。", recorded_on=datetime.date(2021, 4, 1))
    Comment.objects.filter(number__in=[3, 5]).update(updated_at=later - datetime.timedelta(1))
    for model in (type(third.response), type(fifth.follow_ups.first())):
        model.objects.filter(comment__number__in=[3, 5]).update(updated_at=later)
    assert numbers(client, since) == [3, 5]
    remark = get_json(client, f"/api/v1/remarks/{fifth.pk}/")
    assert remark["follow_ups"][-1]["recorded_on"] == "2021-04-01"
    assert remark["follow_ups"][-1]["recorded_on_wareki"] == "令和3年4月1日"
    assert remark["updated_at"] == later.astimezone().isoformat()


@pytest.mark.parametrize(
    ("query", "status", "errors"),
    [
        ("updated_since=yesterday", 400, {"updated_since": ["日時を正しく入力してください。"]}),
        ("member=abc", 400, {"member": ["整数を入力してください。"]}),
        (
            "member=1234567890123456789012",
            400,
            {"member": ["この値は 9223372036854775807 以下でなければなりません。"]},
        ),
        (
            "q=" + "あ" * 101,
            400,
            {"q": ["この値は 100 文字以下でなければなりません( 101 文字になっています)。"]},
        ),
        (
            "cursor=xyz",
            404,
            {
                "detail": "cursor の値が正しくありません。"
                "next / previous の URL をそのまま使ってください。"
            },
        ),
    ],
)
def test_bad_filters_are_400_in_japanese(client, shiryo2, query, status, errors):
    response = client.get(f"/api/v1/remarks/?{query}")
    assert response.status_code == status
    assert json.loads(response.content) == errors
    assert response["Access-Control-Allow-Origin"] == "*"


def test_other_lists_filter_and_show_popolo_members(client, shiryo2):
    committee = Meeting.objects.get().committee
    members = walk(client, f"/api/v1/members/?committee={committee.pk}")
    assert [member["display_name"] for member in members] == [
        "秋山委員",
        "芦川委員",
        "久田委員",
        "岡部委員",
    ]
    assert members[0]["membership"] == {
        "organization": {"id": committee.pk, "name": "平塚市行政改革推進委員会"},
        "role": "委員",
        "role_code": "member",
        "start_date": None,
        "end_date": None,
    }
    assert walk(client, f"/api/v1/members/?committee={committee.pk + 1}") == []
    meetings = walk(client, "/api/v1/meetings/?fiscal_year=2020")
    assert [(m["name"], m["fiscal_year_label"]) for m in meetings] == [
        ("令和2年度第2回平塚市行政改革推進委員会", "令和2年度")
    ]
    report = get_json(client, f"/api/v1/reports/{shiryo2.pk}/")
    assert report["label"] == "資料2"
    assert [row["position"] for row in report["rows"]] == [1, 2, 3, 4, 5, 6, 7]
    assert report["rows"][3]["body"].startswith("取組内容の でSNSなどの")
    assert [row["answer"]["category"]["name"] for row in report["rows"]] == [
        "反映",
        "参考",
        "参考",
        "参考",
        "参考",
        "参考",
        "反映",
    ]
    policies = walk(client, "/api/v1/policies/")
    assert [item["heading"] for item in policies[0]["items"]] == [
        "平塚市デジタル化基本方針（素案）",
        "情報セキュリティの確保",
        "暮らしのデジタル化",
        "想定される具体的な取組",
        "方針2 行政内部のデジタル化",
        "本市の未来像",
    ]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_405_even_for_staff(client, shiryo2, method):
    remark = Comment.objects.get(number=1)
    staff = client.__class__(enforce_csrf_checks=True)
    staff.force_login(staff_user(username="shokuin"))
    for each in (client, staff):
        for url in ("/api/v1/remarks/", f"/api/v1/remarks/{remark.pk}/"):
            response = getattr(each, method)(url, data="{}", content_type="application/json")
            assert response.status_code == 405, (method, url)
            assert response["Allow"] == "GET, HEAD, OPTIONS"
            assert response["Access-Control-Allow-Origin"] == "*"
            detail = json.loads(response.content)["detail"]
            assert detail == f'メソッド "{method.upper()}" は許されていません。'
    assert Comment.objects.get(number=1).body == remark.body


def test_options_answers_a_cors_preflight(client, shiryo2):
    response = client.options(
        "/api/v1/remarks/",
        HTTP_ORIGIN="https://example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Headers"] == "If-None-Match, If-Modified-Since"
    assert "Access-Control-Allow-Credentials" not in response
    assert json.loads(response.content)["name"] == "Remark List"


def test_cors_and_no_cookies_on_reads(client, shiryo2):
    response = client.get("/api/v1/remarks/", HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Expose-Headers"] == "ETag, Last-Modified, Retry-After"
    assert response.cookies == {}
    head = client.head("/api/v1/remarks/")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == response["ETag"]


def test_etag_gives_304_until_public_data_changes(client, shiryo2):
    first = client.get("/api/v1/remarks/")
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, max-age=60"
    again = client.get("/api/v1/remarks/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["Access-Control-Allow-Origin"] == "*"
    # A staff session changes nothing: the API reads no session.
    staff = client.__class__()
    staff.force_login(staff_user(username="shokuin"))
    assert staff.get("/api/v1/remarks/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    remark = Comment.objects.get(number=1)
    remark.body += "（訂正）"
    remark.save()
    changed = client.get("/api/v1/remarks/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert json.loads(changed.content)["results"][0]["body"] == remark.body
    # No 304 for what does not exist.
    missing = client.get("/api/v1/remarks/999999/", HTTP_IF_NONE_MATCH=changed["ETag"])
    assert missing.status_code == 404


def test_rate_limit_gives_429_in_japanese_and_english(client, shiryo2, settings, monkeypatch):
    settings.API_RATE_LIMIT = "3/min"
    monkeypatch.setattr(PerAddressThrottle, "timer", lambda self: 1_000_000.0)
    statuses = [client.get("/api/v1/committees/").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.get("/api/v1/remarks/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert refused["Access-Control-Allow-Origin"] == "*"
    assert json.loads(refused.content) == {
        "detail": "アクセスが多すぎます。同じアドレスからの利用は1分に3回までです。"
        " Too many requests: the limit is 3/minute per IP address."
        " 60秒後に再度お試しください。 Retry after 60 seconds."
    }
    # Per address: another reader is not refused.
    assert client.get("/api/v1/remarks/", REMOTE_ADDR="192.0.2.7").status_code == 200


COUNT = 600


def searchable(body):
    """A remark's body with the search text and index pieces ``Comment.save`` would write
    (``bulk_create`` does not call it; a published remark must hold its pieces)."""
    text, bigrams = with_body_line("", body)
    return {"body": body, "search_text": text, "search_bigrams": bigrams}


def test_cursor_pages_neither_skip_nor_repeat_while_remarks_are_added(client, db):
    meeting = MeetingFactory()
    member = MemberFactory(committee=meeting.committee)
    item = PolicyItemFactory()
    now = timezone.now()

    def remark(number):
        return Comment(
            meeting=meeting,
            member=member,
            policy_item=item,
            number=number,
            **searchable(f"意見{number}"),
            status=PublicationStatus.PUBLISHED,
            published_at=now,
        )

    Comment.objects.bulk_create([remark(number) for number in range(1, COUNT + 1)])
    # Drafts in between are never counted.
    draft = Comment.objects.create(
        meeting=meeting, member=member, policy_item=item, number=COUNT + 1, body="下書き"
    )
    seen, url, pages = [], "/api/v1/remarks/?page_size=100", 0
    while url:
        body = get_json(client, url)
        seen += [row["number"] for row in body["results"]]
        url = body["next"]
        pages += 1
        if pages == 2:
            Comment.objects.bulk_create([remark(COUNT + 2)])
            Comment.objects.filter(number=150).update(body="ページの間の訂正")
        if pages == 3:
            Comment.objects.filter(number=1).delete()
    assert draft.number not in seen
    assert seen == [*range(1, COUNT + 1), COUNT + 2]
    assert pages == 7


WALK_COUNT = 10_000


def test_cursor_walks_ten_thousand_remarks_once_each_while_one_is_added(client, db):
    meeting = MeetingFactory()
    member = MemberFactory(committee=meeting.committee)
    item = PolicyItemFactory()
    now = timezone.now()

    def remark(number, **kwargs):
        return Comment(
            meeting=meeting,
            member=member,
            policy_item=item,
            number=number,
            **searchable(f"意見{number}"),
            **{"status": PublicationStatus.PUBLISHED, "published_at": now, **kwargs},
        )

    Comment.objects.bulk_create(
        [remark(number) for number in range(1, WALK_COUNT + 1)], batch_size=1000
    )
    published = set(Comment.objects.published().values_list("pk", flat=True))
    assert len(published) == WALK_COUNT
    seen, url, pages, added = [], "/api/v1/remarks/?page_size=500", 0, None
    while url:
        body = get_json(client, url)
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        pages += 1
        if pages == 10:
            # Half way: a new remark, and a draft that must not appear.
            (added,) = Comment.objects.bulk_create([remark(WALK_COUNT + 1)])
            Comment.objects.bulk_create(
                [remark(WALK_COUNT + 2, status=PublicationStatus.DRAFT, published_at=None)]
            )
    assert len(seen) == len(set(seen)) == WALK_COUNT + 1
    assert set(seen) == published | {added.pk}
    assert seen == sorted(seen)
    assert seen[-1] == added.pk
    assert pages == 21


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/api/v1/remarks/", 2),
        ("/api/v1/reports/{report}/", 3),
        ("/api/v1/members/", 1),
        ("/api/v1/policies/", 2),
    ],
)
def test_queries_do_not_grow_with_rows(client, shiryo2, django_assert_num_queries, path, queries):
    """The stamp, the rate limit's counter in the shared cache (a table here: 6 queries,
    one look-up with Redis), then one query per relation whatever the number of rows."""
    url = path.format(report=shiryo2.pk)
    with django_assert_num_queries(1 + 6 + queries):
        assert client.get(url).status_code == 200
