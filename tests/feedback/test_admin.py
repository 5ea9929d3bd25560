"""The admin in Japanese over HTTP: every model's list and change pages work for staff."""

import pytest
from django.urls import reverse

from feedback.models import Comment, ReflectionCategory

pytestmark = pytest.mark.django_db

MODELS = [
    ("feedback", "committee", "委員会"),
    ("feedback", "member", "委員"),
    ("feedback", "meeting", "会議"),
    ("feedback", "comment", "意見"),
    ("feedback", "reflectioncategory", "対応区分"),
    ("feedback", "report", "資料"),
    ("policy", "policy", "政策・計画"),
    ("policy", "policyitem", "対象項目"),
]


@pytest.mark.parametrize(("app", "model", "title"), MODELS)
def test_changelist_in_japanese(admin_client, shiryo2, app, model, title):
    response = admin_client.get(reverse(f"admin:{app}_{model}_changelist"))
    page = response.content.decode()
    assert response.status_code == 200
    assert f"変更する {title} を選択" in page


def test_comment_change_page_edits_response_and_follow_ups_inline(admin_client, shiryo2):
    comment = Comment.objects.get(number=4)
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    page = admin_client.get(url).content.decode()
    assert "取組内容の でSNSなどの" in page
    assert "市の考え方" in page
    assert "対応状況" in page
    assert 'name="response-0-body"' in page
    assert 'name="follow_ups-0-body"' in page


def test_comment_changelist_filters_by_category(admin_client, shiryo2):
    url = reverse("admin:feedback_comment_changelist")
    reflected = ReflectionCategory.objects.get(name="反映")
    response = admin_client.get(url, {"response__category__id__exact": reflected.pk})
    numbers = sorted(c.number for c in response.context["cl"].result_list)
    assert numbers == [1, 7]


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("admin:feedback_comment_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
