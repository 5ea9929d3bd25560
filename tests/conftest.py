import datetime

import pytest
from django.core.management import call_command

from feedback.models import Committee, PolicyChangeLink, Report
from feedback.services import report_confirm_presented
from policy.services import policy_version_create_from_text, policy_version_publish
from tests.factories import (
    CityResponseFactory,
    CommentFactory,
    FollowUpFactory,
    MeetingFactory,
    MemberFactory,
    PolicyFactory,
    PolicyItemFactory,
    published_report,
    report_with_comments,
)
from tests.helpers import MARKER


@pytest.fixture
def shiryo2(db):
    """資料2 loaded and published the way `make run` does it."""
    call_command("load_report_fixture", verbosity=0)
    return Report.objects.get(label="資料2")


DATE = datetime.date(2021, 1, 15)


@pytest.fixture
def drafts(db):
    """Published 資料 for context, and drafts with MARKER in every text field (no-leak tests)."""
    public = published_report(count=3)
    report_confirm_presented(report=public, by=None)  # its 「提出時点」 page is crawled too
    committee = Committee.objects.create(name=f"{MARKER}委員会", description=f"{MARKER}説明")
    meeting = MeetingFactory(committee=committee)
    member = MemberFactory(committee=committee, name=f"{MARKER}委員", name_kana="あ" + MARKER)
    policy = PolicyFactory(title=f"{MARKER}方針", description=MARKER)
    item = PolicyItemFactory(policy=policy, heading=f"{MARKER}項目")
    comment = CommentFactory(
        meeting=meeting, member=member, policy_item=item, body=f"{MARKER}の意見"
    )
    CityResponseFactory(comment=comment, body=f"{MARKER}の市の考え方")
    FollowUpFactory(comment=comment, body=f"{MARKER}の対応状況")
    # A draft remark by a published member, on a published meeting and item.
    published_comment = public.entries.first().comment
    sibling = CommentFactory(
        meeting=published_comment.meeting,
        member=published_comment.member,
        policy_item=published_comment.policy_item,
        body=f"{MARKER}公開会議の下書き",
    )
    FollowUpFactory(comment=sibling, body=f"{MARKER}下書きの対応状況")
    # A follow-up being drafted... on a published remark is public by design; not marked.
    report = report_with_comments(
        [comment, sibling],
        label=f"{MARKER}資料",
        title=f"{MARKER}表題",
        remarks_heading=f"{MARKER}見出し1",
        response_heading=f"{MARKER}見出し2",
    )
    # Issue 15: a published version of the published remark's policy (its page is public), an
    # unpublished one with MARKER, and links that name the unpublished version or a draft remark.
    public_policy = published_comment.policy_item.policy
    shown = policy_version_create_from_text(
        policy=public_policy, name="素案", dated_on=DATE, text="第1章 公開\n公開の本文。"
    )
    policy_version_publish(version=shown)
    hidden = policy_version_create_from_text(
        policy=public_policy,
        name=f"{MARKER}版",
        dated_on=DATE,
        text=f"第1章 公開\n{MARKER}の本文。",
    )
    PolicyChangeLink.objects.create(
        comment=published_comment,
        old_passage=shown.passages.get(position=2),
        new_passage=hidden.passages.get(position=2),
    )
    PolicyChangeLink.objects.create(comment=sibling, new_passage=shown.passages.get(position=2))
    policy_version_create_from_text(
        policy=policy, name="素案", dated_on=DATE, text=f"第1章 {MARKER}\n{MARKER}の本文。"
    )
    return {
        "public": public,
        "draft_urls": [
            f"/policies/{policy.pk}/",
            f"/policies/{policy.pk}/differences.csv",
            comment.get_absolute_url(),
            sibling.get_absolute_url(),
            report.get_absolute_url(),
            f"/reports/{report.pk}/presented/",
            f"/reports/{report.pk}/download.csv",
            f"/reports/{report.pk}/download.json",
            f"/reports/{report.pk}/download.xlsx",
            member.get_absolute_url(),
            item.get_absolute_url(),
            meeting.get_absolute_url(),
            committee.get_absolute_url(),
            # Atom feeds (feedback/feeds.py) of the draft objects.
            f"{comment.get_absolute_url()}feed/",
            f"{sibling.get_absolute_url()}feed/",
            f"{member.get_absolute_url()}feed/",
            f"{item.get_absolute_url()}feed/",
            f"{meeting.get_absolute_url()}feed/",
            f"{committee.get_absolute_url()}feed/",
        ],
    }
