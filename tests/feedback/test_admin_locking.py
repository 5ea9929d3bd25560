"""No lost updates: a form opened before someone else saved is refused, over HTTP."""

import pytest
from django.test import Client
from django.urls import reverse

from feedback.models import CityResponse, Comment, Report
from feedback.permissions import ADMINISTRATOR, EDITOR
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


def _name_records():
    comment = answered_comment()
    return {
        "committee": (comment.meeting.committee, "name", EDITOR),
        "member": (comment.member, "name", EDITOR),
        "meeting": (comment.meeting, "number", EDITOR),
        "policyitem": (comment.policy_item, "heading", EDITOR),
        "policy": (comment.policy_item.policy, "title", EDITOR),
        "reflectioncategory": (category("参考"), "name", ADMINISTRATOR),
    }


@pytest.mark.parametrize(
    "model", ["committee", "member", "meeting", "policyitem", "policy", "reflectioncategory"]
)
def test_stale_form_of_every_named_record_is_refused(model):
    """Issue 10.10: the same optimistic locking as remarks for every record staff edit."""
    obj, field, role = _name_records()[model]
    clients = []
    for name in ["colleague-a", "colleague-b"]:
        client = Client()
        client.force_login(staff_user(role, username=name))
        clients.append(client)
    a, b = clients
    url = reverse(f"admin:{obj._meta.app_label}_{model}_change", args=[obj.pk])
    form_a = change_form_data(a.get(url))
    form_b = change_form_data(b.get(url))
    value_a = 7 if field == "number" else "Aの名称"
    value_b = 8 if field == "number" else "Bの名称"

    response_a = a.post(url, {**form_a, field: value_a})
    response_b = b.post(url, {**form_b, field: value_b})

    assert response_a.status_code == 302
    assert response_b.status_code == 200
    assert STALE in response_b.content.decode()
    obj.refresh_from_db()
    assert (getattr(obj, field), obj.version) == (value_a, 2)
    assert obj.history.first().history_user.username == "colleague-a"
