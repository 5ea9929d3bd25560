"""Test data builders. Real seed data lives in fixtures/; tests build their own."""

import factory

from feedback.models import (
    CityResponse,
    Comment,
    Committee,
    FollowUp,
    Meeting,
    Member,
    ReflectionCategory,
    Report,
    ReportEntry,
)
from feedback.services import report_publish
from policy.models import Policy, PolicyItem


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee
        django_get_or_create = ["name"]

    name = "テスト市行政改革推進委員会"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"委員{n:03d}")
    name_kana = factory.Sequence(lambda n: f"い{'あいうえお'[n % 5]}")


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    committee = factory.SubFactory(CommitteeFactory)
    fiscal_year = 2020
    number = factory.Sequence(lambda n: n + 1)


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy
        django_get_or_create = ["title"]

    title = "テスト市デジタル化基本方針"


class PolicyItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyItem

    policy = factory.SubFactory(PolicyFactory)
    heading = factory.Sequence(lambda n: f"方針{n} テスト項目")
    order = factory.Sequence(lambda n: n)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    meeting = factory.SubFactory(MeetingFactory)
    number = factory.Sequence(lambda n: n + 1)
    member = factory.LazyAttribute(lambda o: MemberFactory(committee=o.meeting.committee))
    policy_item = factory.SubFactory(PolicyItemFactory)
    body = factory.Sequence(lambda n: f"テストの意見その{n}です。")


def category(name="参考"):
    return ReflectionCategory.objects.get(name=name)


class CityResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CityResponse

    comment = factory.SubFactory(CommentFactory)
    body = factory.Sequence(lambda n: f"市の考え方その{n}です。")
    category = factory.LazyFunction(category)


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    comment = factory.SubFactory(CommentFactory)
    body = factory.Sequence(lambda n: f"対応状況その{n}です。")


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    label = factory.Sequence(lambda n: f"資料{n + 1}")
    title = factory.Sequence(lambda n: f"テスト方針への反映状況{n}")
    remarks_heading = "令和2年度第2回テスト委員会における委員からの意見、質問等に対する市の考え方"
    response_heading = "テスト方針策定に当たった対応"


def report_with_comments(comments, **report_fields):
    """A draft 資料 listing ``comments`` in the given order."""
    report = ReportFactory(**report_fields)
    for position, comment in enumerate(comments, start=1):
        ReportEntry.objects.create(report=report, comment=comment, position=position)
    return report


def answered_comment(**fields):
    """A draft remark with a city view, a category and one follow-up."""
    comment = CommentFactory(**fields)
    CityResponseFactory(comment=comment)
    FollowUpFactory(comment=comment)
    return comment


def published_report(count=2, **report_fields):
    comments = [answered_comment() for _ in range(count)]
    report = report_with_comments(comments, **report_fields)
    return report_publish(report=report)


def staff_user(role=None, username=None):
    """An active staff user, in the role group ``role`` (feedback.permissions.EDITOR, …) if given.

    The groups come from migration 0004_staff_groups, so their rights are the real ones.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(
        username or f"staff-{get_user_model().objects.count() + 1}",
        password="x" * 16,
        is_staff=True,
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    return user
