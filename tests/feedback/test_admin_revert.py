"""A history revert is an edit: the same rights as an edit of the record as it is now, the same
save (version raised, history with the author), and a message when it is refused. Issue 10.1."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from feedback.models import ChangeRequest, Comment, ReflectionCategory, Report
from feedback.permissions import ADMINISTRATOR, APPROVER, EDITOR
from tests.factories import answered_comment, staff_user
from tests.feedback.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def client_as(role, username):
    client = Client()
    client.force_login(staff_user(role, username=username))
    return client


def oldest_history_url(obj):
    opts = obj._meta
    record = obj.history.order_by("history_id").first()
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[obj.pk, record.history_id]
    )


def revert_form(obj, field, value):
    """The revert form as a システム管理者's page renders it, with one field rewritten: what
    anyone can post by hand."""
    page = client_as(ADMINISTRATOR, "kanri-form").get(oldest_history_url(obj))
    assert page.status_code == 200
    return {**change_form_data(page), field: value}


def refused_message(client, obj):
    return (
        f"「{obj}」を変更する権限がないため、以前の版に戻せません。"
        "戻す必要があるときは、権限のある職員に依頼してください。"
    )


def test_revert_of_a_published_remark_is_refused_to_an_approver_who_may_only_view_it(shiryo2):
    comment = Comment.objects.get(number=1)
    before = (comment.body, comment.version, comment.history.count())
    client = client_as(APPROVER, "shonin")
    data = revert_form(comment, "body", "改ざんした意見")

    response = client.post(oldest_history_url(comment), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:feedback_comment_history", args=[comment.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        refused_message(client, comment)
    ]
    comment.refresh_from_db()
    assert (comment.body, comment.version, comment.history.count()) == before
    assert "改ざんした意見" not in Client().get(shiryo2.get_absolute_url()).content.decode()
    assert ChangeRequest.objects.count() == 0


def test_an_editors_revert_of_a_published_remark_is_a_proposal_and_nothing_goes_public(shiryo2):
    comment = Comment.objects.get(number=1)
    before = (comment.body, comment.version, comment.history.count())
    client = client_as(EDITOR, "henshu")
    data = revert_form(comment, "body", "戻したい意見")

    response = client.post(oldest_history_url(comment), data)

    proposal = ChangeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:feedback_changerequest_change", args=[proposal.pk]
    )
    assert (proposal.status, proposal.proposed["body"]) == ("pending", "戻したい意見")
    assert proposal.created_by.username == "henshu"
    comment.refresh_from_db()
    assert (comment.body, comment.version, comment.history.count()) == before
    assert "戻したい意見" not in Client().get(shiryo2.get_absolute_url()).content.decode()


def test_revert_of_a_published_reports_title_is_refused_to_an_editor(shiryo2):
    data = revert_form(shiryo2, "title", "書き換えた表題")

    response = client_as(EDITOR, "henshu").post(oldest_history_url(shiryo2), data)

    assert response.status_code == 302
    shiryo2.refresh_from_db()
    assert shiryo2.title == "平塚市デジタル化基本方針への反映状況"


def test_revert_of_a_category_is_refused_to_an_editor_who_may_only_view_it(shiryo2):
    category = ReflectionCategory.objects.get(name="反映")
    category.save()  # categories made by migration have no history row yet
    original = (category.name, category.color, category.version)
    data = {**revert_form(category, "name", "改ざん"), "color": "#ff0000"}

    response = client_as(EDITOR, "henshu").post(oldest_history_url(category), data)

    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name, category.color, category.version) == original
    assert ReflectionCategory.objects.filter(name="改ざん").count() == 0


def test_revert_form_offers_no_revert_button_to_an_approver_of_a_published_remark(shiryo2):
    comment = Comment.objects.get(number=1)

    page = client_as(APPROVER, "shonin").get(oldest_history_url(comment))

    assert page.status_code == 200
    assert page.context["revert_disabled"] is True


def test_revert_of_a_draft_is_an_edit_through_the_same_save():
    comment = answered_comment(body="最初の意見")
    editor = client_as(EDITOR, "henshu")
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    data = change_form_data(editor.get(url))
    assert editor.post(url, {**data, "body": "直した意見"}).status_code == 302

    history_url = oldest_history_url(comment)
    revert = change_form_data(editor.get(history_url))
    response = editor.post(history_url, revert)

    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.body, comment.version) == ("最初の意見", 3)
    latest = comment.history.first()
    assert latest.history_user.username == "henshu"
    assert latest.history_change_reason.startswith("履歴から以前の版に戻しました（履歴番号 ")


def test_an_administrator_may_revert_a_published_remark_and_it_stays_published(shiryo2):
    comment = Comment.objects.get(number=2)
    administrator = client_as(ADMINISTRATOR, "kanri")
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    original = comment.body
    data = change_form_data(administrator.get(url))
    administrator.post(url, {**data, "body": "管理者が直した意見"})

    revert = change_form_data(administrator.get(oldest_history_url(comment)))
    response = administrator.post(oldest_history_url(comment), revert)

    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.body, comment.status, comment.version) == (original, "published", 3)
    assert original in Client().get(shiryo2.get_absolute_url()).content.decode()


def test_a_stale_revert_is_refused_like_a_stale_edit():
    comment = answered_comment(body="最初の意見")
    editor = client_as(EDITOR, "henshu")
    history_url = oldest_history_url(comment)
    revert = change_form_data(editor.get(history_url))
    Comment.objects.filter(pk=comment.pk).update(version=5)

    response = editor.post(history_url, revert)

    assert response.status_code == 200
    assert "現在の版: 5、あなたが開いた版: 1" in response.content.decode()


@pytest.mark.parametrize(
    "path", ["abc/history/1/", "1/history/abc/", "1/history/99999999999999999999/"]
)
def test_odd_ids_in_history_urls_are_404(path, shiryo2):
    client = client_as(ADMINISTRATOR, "kanri")

    assert client.get(f"/admin/feedback/comment/{path}").status_code == 404


def test_report_revert_as_administrator_keeps_publication(shiryo2):
    administrator = client_as(ADMINISTRATOR, "kanri")
    revert = change_form_data(administrator.get(oldest_history_url(shiryo2)))

    administrator.post(oldest_history_url(shiryo2), revert)

    shiryo2.refresh_from_db()
    assert shiryo2.status == "published"
    assert Report.objects.published().count() == 1
