"""No lost updates: a form opened before someone else saved is refused, over HTTP."""

import pytest
from django.test import Client
from django.urls import reverse

from feedback.models import CityResponse, Comment, Report
from feedback.permissions import EDITOR
from feedback.services import comments_set_category
from tests.factories import answered_comment, category, report_with_comments, staff_user
from tests.feedback.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

STALE = (
    "この記録は、あなたが画面を開いた後に他の職員が保存しました（現在の版: 2、"
    "あなたが開いた版: 1）。あなたの変更は保存されていません。"
    "ページを開き直して最新の内容を確認してから、もう一度変更してください。"
)


def two_editors():
    clients = []
    for name in ["editor-a", "editor-b"]:
        client = Client()
        client.force_login(staff_user(EDITOR, username=name))
        clients.append(client)
    return clients


def test_comment_stale_save_is_refused_and_first_save_survives():
    a, b = two_editors()
    comment = answered_comment(body="元の意見")
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    form_a = change_form_data(a.get(url))
    form_b = change_form_data(b.get(url))

    response_a = a.post(url, {**form_a, "body": "Aの修正"})
    response_b = b.post(url, {**form_b, "body": "Bの修正"})

    assert response_a.status_code == 302
    assert response_b.status_code == 200
    assert response_b.context["adminform"].form.non_field_errors() == [STALE]
    assert STALE in response_b.content.decode()
    comment.refresh_from_db()
    assert (comment.body, comment.version) == ("Aの修正", 2)
    assert comment.history.first().history_user.username == "editor-a"


def test_comment_stale_save_is_refused_after_inline_change():
    a, b = two_editors()
    comment = answered_comment()
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    form_a = change_form_data(a.get(url))
    form_b = change_form_data(b.get(url))

    a.post(url, {**form_a, "response-0-body": "Aが直した市の考え方"})
    response_b = b.post(url, {**form_b, "follow_ups-0-body": "Bが直した対応状況"})

    assert response_b.status_code == 200
    assert response_b.context["adminform"].form.non_field_errors() == [STALE]
    assert CityResponse.objects.get(comment=comment).body == "Aが直した市の考え方"
    assert comment.follow_ups.get().body == form_a["follow_ups-0-body"]


def test_comment_form_is_stale_after_bulk_category_change():
    a, _ = two_editors()
    comment = answered_comment()
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    form_a = change_form_data(a.get(url))

    comments_set_category(comments=[comment], category=category("反映"))
    response = a.post(url, {**form_a, "response-0-category": category("参考").pk})

    assert response.context["adminform"].form.non_field_errors() == [STALE]
    assert CityResponse.objects.get(comment=comment).category.name == "反映"


def test_report_stale_save_is_refused_and_first_save_survives():
    a, b = two_editors()
    report = report_with_comments([answered_comment()], title="元の表題")
    url = reverse("admin:feedback_report_change", args=[report.pk])
    form_a = change_form_data(a.get(url))
    form_b = change_form_data(b.get(url))

    a.post(url, {**form_a, "title": "Aの表題"})
    response_b = b.post(url, {**form_b, "title": "Bの表題"})

    assert response_b.context["adminform"].form.non_field_errors() == [STALE]
    assert Report.objects.get(pk=report.pk).title == "Aの表題"


def test_resubmitting_the_same_form_twice_is_refused():
    a, _ = two_editors()
    comment = answered_comment()
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    form = change_form_data(a.get(url))

    first = a.post(url, {**form, "body": "一回目"})
    second = a.post(url, {**form, "body": "二回目"})

    assert first.status_code == 302
    assert second.context["adminform"].form.non_field_errors() == [STALE]
    assert Comment.objects.get(pk=comment.pk).body == "一回目"
