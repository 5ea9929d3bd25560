import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback.models import CityResponse, Comment, ReflectionCategory, Report
from feedback.search import bigrams_of, keyword_condition
from feedback.services import comments_set_category, report_publish, report_unpublish
from tests.factories import (
    CommentFactory,
    answered_comment,
    published_report,
    report_with_comments,
)

pytestmark = pytest.mark.django_db


def test_publish_publishes_report_and_its_comments_and_records_who():
    user = get_user_model().objects.create_user("approver", password="x" * 12)
    comments = [answered_comment(), answered_comment()]
    report = report_with_comments(comments)

    report_publish(report=report, by=user)

    report.refresh_from_db()
    assert report.is_published
    assert report.published_by == user
    assert report.published_at is not None
    assert Comment.objects.published().count() == 2
    assert {c.published_by for c in Comment.objects.all()} == {user}
    assert report.history.first().history_user == user


def test_publish_records_each_remark_in_its_history_as_a_save_would():
    user = get_user_model().objects.create_user("approver", password="x" * 12)
    first = answered_comment(number=1, body="窓口の電子化")
    comments = [first, answered_comment(number=2, meeting=first.meeting)]
    # As the import leaves a draft: its search text written, its index pieces not.
    Comment.objects.filter(pk=first.pk).update(search_bigrams="")

    report_publish(report=report_with_comments(comments), by=user)

    for comment in Comment.objects.filter(pk__in=[c.pk for c in comments]):
        latest = comment.history.first()
        assert (latest.history_type, latest.history_user, latest.history_change_reason) == (
            "~",
            user,
            None,
        )
        assert comment.history.count() == 2  # added, then published
        fields = [field.attname for field in Comment.history.model.tracked_fields]
        assert [getattr(latest, name) for name in fields] == [
            getattr(comment, name) for name in fields
        ]
        assert (comment.status, comment.published_by, comment.updated_at) == (
            "published",
            user,
            comment.published_at,
        )
        assert comment.search_bigrams == bigrams_of(comment.search_text) != ""
    assert Comment.objects.filter(keyword_condition("窓口", published=True)).get() == first


def test_publishing_takes_as_many_queries_for_thirty_remarks_as_for_three():
    def publish(count):
        first = answered_comment(number=1)
        comments = [first]
        comments += [answered_comment(number=n, meeting=first.meeting) for n in range(2, count + 1)]
        report = report_with_comments(comments)
        with CaptureQueriesContext(connection) as queries:
            report_publish(report=report)
        return len(queries)

    publish(1)  # the first publication also makes the published remarks' summary row
    assert publish(30) == publish(3)


def test_publish_refuses_unanswered_comments_and_names_them():
    answered = answered_comment(number=1)
    no_view = CommentFactory(number=2, meeting=answered.meeting)
    no_category = CommentFactory(number=3, meeting=answered.meeting)
    CityResponse.objects.create(comment=no_category, body="検討します。", category=None)
    report = report_with_comments([answered, no_view, no_category])

    with pytest.raises(ValidationError) as error:
        report_publish(report=report)

    assert error.value.messages == [
        "市の考え方または対応区分が未入力の意見があるため公開できません: No.2、No.3"
    ]
    assert Report.objects.published().count() == 0
    assert Comment.objects.published().count() == 0


def test_publish_refuses_an_empty_report():
    report = report_with_comments([])
    with pytest.raises(ValidationError) as error:
        report_publish(report=report)
    assert error.value.messages == ["掲載する意見がない資料は公開できません。"]


def test_unpublish_hides_without_deleting():
    report = published_report(count=3)

    report_unpublish(report=report)

    assert Report.objects.count() == 1
    assert Comment.objects.count() == 3
    assert Report.objects.published().count() == 0
    assert Comment.objects.published().count() == 0


def test_unpublish_keeps_comments_another_published_report_lists():
    shared = answered_comment()
    first = report_with_comments([shared, answered_comment()])
    second = report_with_comments([shared])
    report_publish(report=first)
    report_publish(report=second)

    report_unpublish(report=first)

    assert list(Comment.objects.published()) == [shared]


def test_set_category_creates_missing_views_and_raises_versions():
    user = get_user_model().objects.create_user("editor", password="x" * 12)
    without_view = CommentFactory(number=1)
    already = answered_comment(number=2)
    already.response.category = ReflectionCategory.objects.get(name="反映")
    already.response.save()

    changed = comments_set_category(
        comments=[without_view, already],
        category=ReflectionCategory.objects.get(name="反映"),
        by=user,
    )

    assert changed == [without_view]
    response = CityResponse.objects.get(comment=without_view)
    assert (response.body, response.category.name) == ("", "反映")
    assert response.history.get().history_user == user
    versions = dict(Comment.objects.values_list("number", "version"))
    assert versions == {1: 2, 2: 1}
