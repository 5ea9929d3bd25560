import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from feedback.enums import MemberRole
from feedback.models import Comment, Member, ReflectionCategory, ReportEntry
from tests.factories import (
    CommentFactory,
    CommitteeFactory,
    MeetingFactory,
    MemberFactory,
    ReportFactory,
)

pytestmark = pytest.mark.django_db


def constraint_violated(name, create):
    """Assert that the database itself refuses ``create()`` through the named constraint."""
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        create()
    message = str(error.value)
    if connection.vendor == "sqlite" and message.startswith("UNIQUE constraint failed"):
        return  # SQLite names the columns of a unique constraint, not the constraint
    assert name in message


def test_meeting_name_is_derived_from_committee_fiscal_year_and_number():
    committee = CommitteeFactory(name="平塚市行政改革推進委員会")
    meeting = MeetingFactory(committee=committee, fiscal_year=2020, number=2)
    assert meeting.name == "令和2年度第2回平塚市行政改革推進委員会"
    assert str(meeting) == "令和2年度第2回平塚市行政改革推進委員会"
    assert MeetingFactory(committee=committee, fiscal_year=2019, number=1).name == (
        "令和元年度第1回平塚市行政改革推進委員会"
    )


def test_meeting_held_outside_its_fiscal_year_is_refused_with_message():
    meeting = MeetingFactory.build(
        committee=CommitteeFactory(), fiscal_year=2020, number=9, held_on=datetime.date(2021, 4, 1)
    )
    with pytest.raises(ValidationError) as error:
        meeting.full_clean()
    assert error.value.message_dict["held_on"] == ["開催日が令和2年度に入っていません。"]


def test_member_is_shown_with_title():
    member = MemberFactory(name="秋山")
    assert str(member) == "秋山委員"
    member.role = MemberRole.CHAIR
    assert member.display_name == "秋山委員長"


def test_members_are_ordered_by_kana_not_by_kanji():
    committee = CommitteeFactory()
    readings = {"岡部": "おかべ", "秋山": "あきやま", "久田": "ひさだ", "芦川": "あしかわ"}
    for name, kana in readings.items():
        MemberFactory(committee=committee, name=name, name_kana=kana)
    assert [m.name for m in Member.objects.all()] == ["秋山", "芦川", "岡部", "久田"]


def test_member_kana_must_be_hiragana():
    member = MemberFactory.build(committee=CommitteeFactory(), name="秋山", name_kana="アキヤマ")
    with pytest.raises(ValidationError) as error:
        member.full_clean()
    assert error.value.message_dict["name_kana"] == ["ひらがなで入力してください。"]


def test_comment_number_is_unique_within_its_meeting():
    comment = CommentFactory(number=1)
    CommentFactory(number=1)  # another meeting: allowed
    constraint_violated(
        "comment_unique_number_per_meeting",
        lambda: CommentFactory(meeting=comment.meeting, number=1),
    )
    duplicate = CommentFactory.build(
        meeting=comment.meeting, number=1, member=comment.member, policy_item=comment.policy_item
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert error.value.messages == ["この会議には同じ No. の意見があります。"]


def test_comment_number_zero_is_refused_by_database():
    constraint_violated("comment_number_positive", lambda: CommentFactory(number=0))


def test_comment_member_must_belong_to_the_meeting_committee():
    comment = CommentFactory()
    comment.member = MemberFactory(committee=CommitteeFactory(name="別の委員会"))
    with pytest.raises(ValidationError) as error:
        comment.full_clean()
    assert error.value.message_dict["member"] == ["会議を開いた委員会の委員を選んでください。"]


def test_reflection_categories_are_seeded_in_order():
    assert list(ReflectionCategory.objects.values_list("name", flat=True)) == [
        "反映",
        "一部反映",
        "参考",
        "対応済",
        "今後検討",
        "反映困難",
        "その他",
    ]
    assert ReflectionCategory.objects.get(name="反映").color == "#1a7f37"


def test_report_lists_a_comment_once():
    report = ReportFactory()
    comment = CommentFactory()
    ReportEntry.objects.create(report=report, comment=comment, position=1)
    constraint_violated(
        "reportentry_comment_once_per_report",
        lambda: ReportEntry.objects.create(report=report, comment=comment, position=2),
    )


def test_published_queryset_excludes_drafts():
    draft = CommentFactory()
    assert list(Comment.objects.published()) == []
    assert draft.is_published is False


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("秋山委員", "秋山"),
        (" 芦川副委員長 ", "芦川"),
        ("久田委員長", "久田"),
        ("岡部", "岡部"),
        ("委員", "委員"),
    ],
)
def test_member_name_from_label_drops_the_title_display_name_adds(label, name):
    assert Member.name_from_label(label) == name
