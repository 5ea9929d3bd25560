"""The worked example of issue 15 on 資料2: the policy's 素案 and 策定版 (tests/policy/examples.py),
row 7's answer linked to 「データ主導型」→「データ駆動型」, row 1's to the added 「新たな日常」."""

from feedback.models import Comment, PolicyChangeLink
from policy import services as policy_services
from policy.enums import VersionStage
from policy.models import Passage, Policy
from tests.policy.examples import (
    ADOPTED_DATE,
    ADOPTED_TEXT,
    DRAFT_DATE,
    DRAFT_TEXT,
    FUTURE_ADOPTED,
    FUTURE_DRAFT,
    NEW_NORMAL,
)


def worked_example(*, publish=("素案", "策定版"), by=None):
    """Versions of 資料2's policy and two links; publishes the versions named in ``publish``."""
    policy = Policy.objects.get(title="平塚市デジタル化基本方針")
    draft = policy_services.policy_version_create_from_text(
        policy=policy, name="素案", dated_on=DRAFT_DATE, text=DRAFT_TEXT, by=by
    )
    adopted = policy_services.policy_version_create_from_text(
        policy=policy,
        name="策定版",
        stage=VersionStage.ADOPTED,
        dated_on=ADOPTED_DATE,
        text=ADOPTED_TEXT,
        by=by,
    )
    for version in (draft, adopted):
        if version.name in publish:
            policy_services.policy_version_publish(version=version, by=by)
    row7 = Comment.objects.get(number=7)
    row1 = Comment.objects.get(number=1)
    links = [
        PolicyChangeLink(
            comment=row7,
            old_passage=Passage.objects.get(version=draft, text=FUTURE_DRAFT),
            new_passage=Passage.objects.get(version=adopted, text=FUTURE_ADOPTED),
        ),
        PolicyChangeLink(
            comment=row1,
            old_passage=None,
            new_passage=Passage.objects.get(version=adopted, text=NEW_NORMAL),
        ),
    ]
    for link in links:
        link.full_clean()
        link.save()
    return {"policy": policy, "draft": draft, "adopted": adopted, "row7": row7, "row1": row1}
