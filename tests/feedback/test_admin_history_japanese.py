"""The history pages (django-simple-history ships no Japanese) speak Japanese."""

import pytest
from django.urls import reverse

from feedback.models import Comment

pytestmark = pytest.mark.django_db


def test_history_list_and_revert_pages_are_japanese(admin_client, shiryo2):
    comment = Comment.objects.get(number=1)
    comment.body = "修正した意見"
    comment.save()

    page = admin_client.get(
        reverse("admin:feedback_comment_history", args=[comment.pk])
    ).content.decode()

    assert "元に戻したい時点を下の一覧から選んでください。" in page
    assert "変更した職員" in page
    assert "変更理由" in page
    assert "Changed by" not in page

    version = comment.history.last()
    revert = admin_client.get(
        reverse(
            "admin:feedback_comment_simple_history",
            args=[comment.pk, version.history_id],
        )
    ).content.decode()
    assert "を元に戻す" in revert
    assert "Revert" not in revert
