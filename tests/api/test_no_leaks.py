"""No draft reaches any API response, filter or count, anonymously or with a staff session:
drafts with MARKER in every text field (the ``drafts`` fixture, tests/conftest.py), a published 資料
listing a draft remark, an unpublished 資料, and pending changes (変更案) to a published remark
and to a public member's name."""

import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q

from feedback import review
from feedback.models import Comment, Committee, Member, PolicyChangeLink, Report, ReportEntry
from feedback.permissions import EDITOR
from feedback.services import change_request_save, record_propose
from policy.models import Policy, PolicyItem, PolicyVersion
from tests.api.conftest import walk
from tests.factories import staff_user
from tests.helpers import MARKER

LISTS = [
    "/api/v1/categories/",
    "/api/v1/committees/",
    "/api/v1/meetings/",
    "/api/v1/members/",
    "/api/v1/passages/",
    "/api/v1/policies/",
    "/api/v1/policy-changes/",
    "/api/v1/policy-items/",
    "/api/v1/policy-versions/",
    "/api/v1/remarks/",
    "/api/v1/reports/",
]


@pytest.fixture
def api_drafts(drafts):
    public = drafts["public"]
    sibling = Comment.objects.get(body=f"{MARKER}公開会議の下書き")
    # A published 資料 that lists a draft remark (added after publication).
    ReportEntry.objects.create(report=public, comment=sibling, position=99)
    draft_comment = Comment.objects.get(body=f"{MARKER}の意見")
    hidden_version = PolicyVersion.objects.get(name=f"{MARKER}版")
    # Pending changes (変更案) to a published remark and to a public member's name.
    editor = staff_user(EDITOR, username="henshu")
    published = Comment.objects.published().exclude(pk=sibling.pk).first()
    proposed = review.comment_state(published)
    proposed["response"] = f"{MARKER}承認前の考え方"
    proposed["follow_ups"].append({"id": None, "recorded_on": None, "body": f"{MARKER}承認前"})
    change_request_save(comment=published, proposed=proposed, by=editor)
    renamed = {**review.record_state(published.member), "name": f"{MARKER}承認前の氏名"}
    record_propose(obj=published.member, proposed=renamed, by=editor)
    return {
        "public": public,
        "published_ids": set(Comment.objects.published().values_list("pk", flat=True)),
        "missing": [
            f"/api/v1/remarks/{draft_comment.pk}/",
            f"/api/v1/remarks/{sibling.pk}/",
            f"/api/v1/committees/{Committee.objects.get(name__contains=MARKER).pk}/",
            f"/api/v1/members/{Member.objects.get(name__contains=MARKER).pk}/",
            f"/api/v1/meetings/{draft_comment.meeting_id}/",
            f"/api/v1/policies/{Policy.objects.get(title__contains=MARKER).pk}/",
            f"/api/v1/policy-items/{PolicyItem.objects.get(heading__contains=MARKER).pk}/",
            f"/api/v1/reports/{Report.objects.get(label__contains=MARKER).pk}/",
            f"/api/v1/policy-versions/{hidden_version.pk}/",
            f"/api/v1/passages/{hidden_version.passages.get(position=2).pk}/",
            *(
                f"/api/v1/policy-changes/{link.pk}/"
                for link in PolicyChangeLink.objects.filter(
                    Q(new_passage__version=hidden_version) | Q(comment=sibling)
                )
            ),
        ],
        "filters": [
            f"/api/v1/remarks/?q={MARKER}",
            f"/api/v1/remarks/?committee={draft_comment.meeting.committee_id}",
            f"/api/v1/remarks/?meeting={draft_comment.meeting_id}",
            f"/api/v1/remarks/?member={draft_comment.member_id}",
            f"/api/v1/remarks/?policy_item={draft_comment.policy_item_id}",
            f"/api/v1/members/?committee={draft_comment.meeting.committee_id}",
            f"/api/v1/meetings/?committee={draft_comment.meeting.committee_id}",
            f"/api/v1/policy-items/?policy={draft_comment.policy_item.policy_id}",
            f"/api/v1/reports/?meeting={draft_comment.meeting_id}",
            f"/api/v1/reports/?committee={draft_comment.meeting.committee_id}",
            f"/api/v1/policy-versions/?policy={draft_comment.policy_item.policy_id}",
            f"/api/v1/passages/?version={hidden_version.pk}",
            f"/api/v1/passages/?policy={draft_comment.policy_item.policy_id}",
            f"/api/v1/policy-changes/?remark={sibling.pk}",
        ],
    }


def readers(client):
    staff = client.__class__()
    staff.force_login(staff_user(username="shokuin"))
    superuser = client.__class__()
    superuser.force_login(get_user_model().objects.create_superuser("kanri", password="x" * 16))
    return {"anonymous": client, "staff": staff, "superuser": superuser}


def csv_rows(reader, slug):
    text = reader.get(f"/api/v1/datasets/{slug}.csv").content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_clean(response):
    assert MARKER not in response.content.decode(), response.request["PATH_INFO"]
    assert MARKER not in "\n".join(f"{k}: {v}" for k, v in response.items())


def test_api_shows_no_draft_to_anyone(client, api_drafts):
    public = api_drafts["public"]
    for who, reader in readers(client).items():
        everything = {}
        for path in LISTS:
            results = walk(reader, path)
            everything[path] = results
            assert MARKER not in json.dumps(results, ensure_ascii=False), (who, path)
            for record in results:
                response = reader.get(f"{path}{record['id']}/")
                assert response.status_code == 200
                assert_clean(response)
        assert {r["id"] for r in everything["/api/v1/remarks/"]} == api_drafts["published_ids"]
        assert [r["id"] for r in everything["/api/v1/reports/"]] == [public.pk]
        assert [v["name"] for v in everything["/api/v1/policy-versions/"]] == ["素案"]
        assert everything["/api/v1/policy-changes/"] == []
        rows = json.loads(reader.get(f"/api/v1/reports/{public.pk}/").content)["rows"]
        assert [row["position"] for row in rows] == [1, 2, 3]
        for url in api_drafts["missing"]:
            response = reader.get(url)
            assert response.status_code == 404, (who, url)
            assert json.loads(response.content) == {"detail": "見つかりませんでした。"}
            assert_clean(response)
        for url in api_drafts["filters"]:
            response = reader.get(url)
            assert response.status_code == 200, (who, url)
            assert json.loads(response.content) == {
                "next": None,
                "previous": None,
                "results": [],
            }, (who, url)
        since = walk(reader, "/api/v1/remarks/?updated_since=2000-01-01T00:00:00%2B09:00")
        assert {r["id"] for r in since} == api_drafts["published_ids"]
        for url in ("/api/v1/schema/", "/api/v1/docs/", "/api/v1/datasets/"):
            response = reader.get(url)
            assert response.status_code == 200
            assert_clean(response)
        for slug in ("remarks", "reports", "members", "meetings"):
            response = reader.get(f"/api/v1/datasets/{slug}.csv")
            assert response.status_code == 200
            assert_clean(response)
        _header, *remarks = csv_rows(reader, "remarks")
        assert {int(row[1]) for row in remarks} == api_drafts["published_ids"]
        _header, *reports = csv_rows(reader, "reports")
        assert [row[1] for row in reports] == [str(public.pk)]
