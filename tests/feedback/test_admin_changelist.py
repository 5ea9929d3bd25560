"""The remarks' changelist at scale (feedback/admin.py): its count and its order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback.admin import EstimatedCountPaginator
from feedback.models import Comment
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def test_unfiltered_count_is_the_planner_estimate_on_postgresql_and_exact_elsewhere():
    first = CommentFactory(body="一つ目")
    CommentFactory(body="二つ目", meeting=first.meeting)
    CommentFactory(body="三つ目")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE feedback_comment")

    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(Comment.objects.order_by("pk"), 100).count

    assert count == 3
    # PostgreSQL: one query, the estimate from 10,000 rows on and the exact count below.
    expected = "reltuples" if connection.vendor == "postgresql" else "COUNT(*)"
    assert [expected in query["sql"] for query in queries] == [True]
    filtered = Comment.objects.filter(meeting=first.meeting).order_by("pk")
    assert EstimatedCountPaginator(filtered, 100).count == 2


def test_changelist_lists_remarks_by_meeting_then_number(admin_client):
    first = CommentFactory(body="一つ目", number=2)
    CommentFactory(body="二つ目", number=1, meeting=first.meeting)
    later = CommentFactory(body="三つ目", number=1)

    response = admin_client.get("/admin/feedback/comment/")

    assert response.status_code == 200
    listed = [comment.pk for comment in response.context["cl"].result_list]
    assert listed == [
        *Comment.objects.filter(meeting=first.meeting)
        .order_by("number")
        .values_list("pk", flat=True),
        later.pk,
    ]


def test_changelist_and_autocomplete_search_like_the_public_search(admin_client):
    found = CommentFactory(body="ＤＸの窓口を一つに")
    CommentFactory(body="別の意見")

    response = admin_client.get("/admin/feedback/comment/", {"q": "dx 窓口"})
    assert [comment.pk for comment in response.context["cl"].result_list] == [found.pk]

    autocomplete = {"app_label": "feedback", "model_name": "reportentry", "field_name": "comment"}
    response = admin_client.get("/admin/autocomplete/", {"term": "窓", **autocomplete})
    assert [row["id"] for row in response.json()["results"]] == [str(found.pk)]
