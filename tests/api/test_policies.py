"""Policy versions, their passages and the remarks' links to passage changes in the API
(issue 16 §3, on the worked example of issue 15): published versions only, the same gate as
the policy's public page, cursor pages, no draft version anywhere."""

import json

from feedback.enums import PublicationStatus
from feedback.models import Comment, PolicyChangeLink
from policy import services as policy_services
from policy.models import Passage
from tests.api.conftest import get_json, walk
from tests.feedback.policy_example import worked_example
from tests.policy.examples import FUTURE_ADOPTED, FUTURE_DRAFT, NEW_NORMAL


def texts(passages):
    return [passage["text"] for passage in passages]


def test_published_versions_passages_and_changes(client, shiryo2):
    example = worked_example()
    policy, draft, adopted = example["policy"], example["draft"], example["adopted"]
    versions = walk(client, "/api/v1/policy-versions/")
    assert versions == [
        {
            "id": draft.pk,
            "policy": {"id": policy.pk, "title": "平塚市デジタル化基本方針"},
            "name": "素案",
            "stage": "素案",
            "stage_code": "draft",
            "dated_on": "2021-01-15",
            "dated_on_wareki": "令和3年1月15日",
            "order": 0,
            "published_at": versions[0]["published_at"],
            "url": f"http://testserver/policies/{policy.pk}/",
        },
        {
            "id": adopted.pk,
            "policy": {"id": policy.pk, "title": "平塚市デジタル化基本方針"},
            "name": "策定版",
            "stage": "策定版",
            "stage_code": "adopted",
            "dated_on": "2021-03-31",
            "dated_on_wareki": "令和3年3月31日",
            "order": 1,
            "published_at": versions[1]["published_at"],
            "url": f"http://testserver/policies/{policy.pk}/",
        },
    ]
    assert walk(client, f"/api/v1/policy-versions/?policy={policy.pk + 1}") == []
    passages = walk(client, f"/api/v1/passages/?version={draft.pk}&page_size=3")
    assert texts(passages) == [
        "第1章 はじめに",
        "1 方針の目的",
        "本市では、「平塚市情報化基本方針」を全面的に見直し、「平塚市デジタル化基本方針」を策定します。",
        "第2章 本市の未来像",
        FUTURE_DRAFT,
        "方針2 行政内部のデジタル化",
        "（1）業務の効率化",
        "テレワークやオンライン会議を活用し、業務の効率化を図ります。",
        "第3章 用語解説",
        "ＡＩ\t人工知能。人間の知的なふるまいをコンピュータで再現する技術。",
    ]
    assert [p["position"] for p in passages] == list(range(1, len(passages) + 1))
    future = next(p for p in passages if p["text"] == FUTURE_DRAFT)
    assert future["kind"] == "本文"
    assert future["kind_code"] == "paragraph"
    assert future["level"] == 0
    assert future["headings"] == ["第2章 本市の未来像"]
    assert future["version"] == draft.pk
    adopted_passages = walk(client, f"/api/v1/passages/?policy={policy.pk}")
    assert len(adopted_passages) == len(passages) * 2 + 1  # the 策定版 adds 「新たな日常」
    changes = walk(client, "/api/v1/policy-changes/")
    new_normal = Passage.objects.get(version=adopted, text=NEW_NORMAL)
    assert changes == [
        {
            "id": PolicyChangeLink.objects.get(comment=example["row7"]).pk,
            "remark": example["row7"].pk,
            "policy": policy.pk,
            "old_passage": Passage.objects.get(version=draft, text=FUTURE_DRAFT).pk,
            "new_passage": Passage.objects.get(version=adopted, text=FUTURE_ADOPTED).pk,
            "kind": "changed",
            "order": 0,
        },
        {
            "id": PolicyChangeLink.objects.get(comment=example["row1"]).pk,
            "remark": example["row1"].pk,
            "policy": policy.pk,
            "old_passage": None,
            "new_passage": new_normal.pk,
            "kind": "added",
            "order": 0,
        },
    ]
    assert [
        c["remark"] for c in walk(client, f"/api/v1/policy-changes/?remark={example['row7'].pk}")
    ] == [example["row7"].pk]
    detail = get_json(client, f"/api/v1/passages/{new_normal.pk}/")
    assert detail["text"] == NEW_NORMAL


def test_an_unpublished_version_its_passages_and_links_stay_out(client, shiryo2):
    example = worked_example(publish=("素案",))
    draft, adopted = example["draft"], example["adopted"]
    hidden = Passage.objects.get(version=adopted, text=NEW_NORMAL)
    assert [v["id"] for v in walk(client, "/api/v1/policy-versions/")] == [draft.pk]
    passages = walk(client, f"/api/v1/passages/?policy={example['policy'].pk}")
    assert {p["version"] for p in passages} == {draft.pk}
    assert len(passages) == draft.passages.count() == 10
    # Both links name a passage of the 策定版: neither is public yet.
    assert walk(client, "/api/v1/policy-changes/") == []
    for url in (
        f"/api/v1/policy-versions/?policy={example['policy'].pk}&page_size=1",
        f"/api/v1/passages/?version={adopted.pk}",
        f"/api/v1/policy-changes/?remark={example['row1'].pk}",
    ):
        body = get_json(client, url)
        assert NEW_NORMAL not in json.dumps(body, ensure_ascii=False)
        assert adopted.pk not in [record.get("version", record["id"]) for record in body["results"]]
    for url in (
        f"/api/v1/policy-versions/{adopted.pk}/",
        f"/api/v1/passages/{hidden.pk}/",
        f"/api/v1/policy-changes/{PolicyChangeLink.objects.get(comment=example['row1']).pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert json.loads(response.content) == {"detail": "見つかりませんでした。"}
    # Publishing the 策定版 brings all of it; unpublishing row 7 hides its link again.
    policy_services.policy_version_publish(version=adopted)
    assert len(walk(client, "/api/v1/policy-changes/")) == 2
    Comment.objects.filter(pk=example["row7"].pk).update(status=PublicationStatus.DRAFT)
    assert [c["remark"] for c in walk(client, "/api/v1/policy-changes/")] == [example["row1"].pk]
