"""Roles × rights, checked through the admin over HTTP; anything not granted is denied."""

import pytest
from django.urls import reverse

from feedback.models import ChangeRequest, Comment, FollowUp, Report
from feedback.permissions import ADMINISTRATOR, APPROVER, EDITOR
from tests.factories import (
    CommentFactory,
    answered_comment,
    published_report,
    report_with_comments,
    staff_user,
)
from tests.feedback.admin_forms import change_form_data, hidden_form_data

pytestmark = pytest.mark.django_db

NOBODY = None  # a staff account in no group

MATRIX = {
    #               view   add    change delete publish import export
    NOBODY: [False, False, False, False, False, False, False],
    EDITOR: [True, True, True, True, False, True, True],
    APPROVER: [True, False, False, False, True, False, True],
    ADMINISTRATOR: [True, True, True, True, True, True, True],
}
RIGHTS = ["view", "add", "change", "delete", "publish", "import", "export"]
CASES = [
    (role, right, allowed)
    for role, row in MATRIX.items()
    for right, allowed in zip(RIGHTS, row, strict=True)
]


def codename(right, model):
    return {
        "publish": "feedback.publish_report",
        "import": "feedback.import_feedback",
        "export": "feedback.export_feedback",
    }.get(right, f"feedback.{right}_{model}")


@pytest.mark.parametrize("model", ["comment", "report"])
@pytest.mark.parametrize(("role", "right", "allowed"), CASES)
def test_role_has_exactly_its_permissions(role, right, allowed, model):
    user = staff_user(role)
    assert user.has_perm(codename(right, model)) is allowed


def http_view(client, report):
    response = client.get(reverse("admin:feedback_report_changelist"))
    return response.status_code == 200 and report.label in response.content.decode()


def http_add(client, report):
    return client.get(reverse("admin:feedback_report_add")).status_code == 200


def http_change(client, report):
    url = reverse("admin:feedback_report_change", args=[report.pk])
    page = client.get(url)
    if page.status_code != 200 or "title" not in page.context["adminform"].form.fields:
        return False
    response = client.post(url, {**change_form_data(page), "title": "変更した表題"})
    return response.status_code == 302 and Report.objects.get(pk=report.pk).title == "変更した表題"


def http_delete(client, report):
    response = client.post(
        reverse("admin:feedback_report_delete", args=[report.pk]), {"post": "yes"}
    )
    return response.status_code == 302 and not Report.objects.filter(pk=report.pk).exists()


def http_publish(client, report):
    url = reverse("admin:feedback_report_publish", args=[report.pk])
    confirmation = client.get(url)
    if confirmation.status_code != 200:
        return False
    response = client.post(url, hidden_form_data(confirmation))
    return response.status_code == 302 and Report.objects.get(pk=report.pk).is_published


HTTP = {
    "view": http_view,
    "add": http_add,
    "change": http_change,
    "delete": http_delete,
    "publish": http_publish,
}


@pytest.mark.parametrize(("role", "right", "allowed"), [case for case in CASES if case[1] in HTTP])
def test_role_can_do_exactly_its_rights_over_http(client, role, right, allowed):
    client.force_login(staff_user(role))
    report = report_with_comments([answered_comment()])
    assert HTTP[right](client, report) is allowed


def test_editor_cannot_publish_through_an_admin_action(client):
    client.force_login(staff_user(EDITOR))
    report = report_with_comments([answered_comment()])

    changelist = client.get(reverse("admin:feedback_report_changelist"))
    client.post(
        reverse("admin:feedback_report_changelist"),
        {"action": "publish_selected", "_selected_action": [report.pk]},
    )

    assert "publish_selected" not in changelist.content.decode()
    assert Report.objects.published().count() == 0
    assert Comment.objects.published().count() == 0


def test_editor_cannot_publish_through_a_crafted_change_form(client):
    client.force_login(staff_user(EDITOR))
    report = report_with_comments([answered_comment()])
    url = reverse("admin:feedback_report_change", args=[report.pk])
    data = change_form_data(client.get(url))

    response = client.post(url, {**data, "status": "published", "published_at": "2021-01-01"})

    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).status == "draft"


def test_editor_cannot_publish_through_a_crafted_list_editable_post(client):
    client.force_login(staff_user(EDITOR))
    comment = answered_comment()

    client.post(
        reverse("admin:feedback_comment_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": comment.pk,
            "form-0-status": "published",
            "_save": "保存",
        },
    )

    assert Comment.objects.get(pk=comment.pk).status == "draft"


def test_editor_cannot_publish_through_the_button_url(client):
    client.force_login(staff_user(EDITOR))
    report = report_with_comments([answered_comment()])

    response = client.post(reverse("admin:feedback_report_publish", args=[report.pk]))
    page = client.get(reverse("admin:feedback_report_change", args=[report.pk]))

    assert response.status_code == 403
    assert reverse("admin:feedback_report_publish", args=[report.pk]) not in (page.content.decode())
    assert Report.objects.published().count() == 0


def test_editor_cannot_delete_a_published_report(client):
    client.force_login(staff_user(EDITOR))
    report = published_report(count=1)

    response = client.post(
        reverse("admin:feedback_report_delete", args=[report.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Report.objects.filter(pk=report.pk).exists()


def test_editor_bulk_delete_skips_no_rule_for_published(client):
    client.force_login(staff_user(EDITOR))
    published = published_report(count=1)
    draft = report_with_comments([])

    response = client.post(
        reverse("admin:feedback_report_changelist"),
        {"action": "delete_selected", "_selected_action": [published.pk, draft.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert sorted(Report.objects.values_list("pk", flat=True)) == [published.pk, draft.pk]


def test_editor_cannot_delete_follow_up_of_published_remark(client):
    client.force_login(staff_user(EDITOR))
    published_report(count=1)
    comment = Comment.objects.get()
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    data = change_form_data(client.get(url))

    response = client.post(url, {**data, "follow_ups-0-DELETE": "on"})

    # No delete box is offered and none is honoured: the save proposes nothing.
    assert response.status_code == 302
    assert FollowUp.objects.filter(comment=comment).count() == 1
    assert ChangeRequest.objects.count() == 0


def test_editor_saving_a_published_remark_makes_a_proposal_not_a_change(client):
    """Issue 11: an editor's save of a published remark is a 変更案 for an approver; the
    published text does not change (it was read-only before proposals existed)."""
    client.force_login(staff_user(EDITOR))
    published_report(count=1)
    comment = Comment.objects.get()
    before = comment.body
    url = reverse("admin:feedback_comment_change", args=[comment.pk])

    page = client.get(url)
    assert page.context["has_change_permission"] is True
    response = client.post(url, {**change_form_data(page), "body": "承認を経ない修正"})

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == before
    assert ChangeRequest.objects.get().proposed["body"] == "承認を経ない修正"


def test_editor_may_add_a_follow_up_to_a_published_remark_only_as_a_proposal(client):
    client.force_login(staff_user(EDITOR))
    published_report(count=1)
    comment = Comment.objects.get()
    url = reverse("admin:feedback_comment_change", args=[comment.pk])

    page = client.get(url).content.decode()

    assert 'name="follow_ups-__prefix__-body"' in page
    assert "この意見は公開中です。保存すると変更案として記録され" in page


def test_administrator_corrects_a_published_remark_and_history_records_it(client):
    user = staff_user(ADMINISTRATOR)
    client.force_login(user)
    published_report(count=1)
    comment = Comment.objects.get()
    url = reverse("admin:feedback_comment_change", args=[comment.pk])

    response = client.post(url, {**change_form_data(client.get(url)), "body": "承認済みの修正"})

    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.body, comment.is_published) == ("承認済みの修正", True)
    assert comment.history.first().history_user == user


def test_editor_bulk_category_refuses_published_remarks(client):
    client.force_login(staff_user(EDITOR))
    published_report(count=1)
    comment = Comment.objects.get()
    before = comment.response.category

    response = client.post(
        reverse("admin:feedback_comment_changelist"),
        {"action": "set_category", "_selected_action": [str(comment.pk)]},
        follow=True,
    )

    assert "公開済みの意見は、公開の権限がある職員だけが変更できます" in response.content.decode()
    comment.response.refresh_from_db()
    assert comment.response.category == before


def test_editor_deletes_a_draft_remark(client):
    client.force_login(staff_user(EDITOR))
    comment = CommentFactory()

    response = client.post(
        reverse("admin:feedback_comment_delete", args=[comment.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert Comment.objects.count() == 0


def test_administrator_deletes_published_report_and_history_records_it(client):
    administrator = staff_user(ADMINISTRATOR)
    client.force_login(administrator)
    report = published_report(count=1)

    response = client.post(
        reverse("admin:feedback_report_delete", args=[report.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert Report.objects.count() == 0
    deletion = Report.history.filter(id=report.pk).first()
    assert (deletion.history_type, deletion.history_user) == ("-", administrator)
