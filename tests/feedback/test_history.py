"""History for audit: field-by-field changes and revert in the admin.

(The 資料 as handed out is no longer rebuilt from history: see tests/feedback/test_snapshots.py.)
"""

import pytest
from django.urls import reverse

from feedback.permissions import ADMINISTRATOR, EDITOR
from feedback.services import report_publish
from tests.factories import (
    answered_comment,
    category,
    report_with_comments,
    staff_user,
)
from tests.feedback.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def test_admin_history_page_shows_changed_fields_and_user(client):
    editor = staff_user(EDITOR, username="editor-a")
    client.force_login(editor)
    comment = answered_comment(body="元の意見")
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    client.post(url, {**change_form_data(client.get(url)), "body": "直した意見"})

    page = client.get(reverse("admin:feedback_comment_history", args=[comment.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    assert "意見、質問等" in text
    assert "元の意見" in text
    assert "直した意見" in text
    assert "editor-a" in text


def test_admin_revert_restores_text_but_never_publication_state(client):
    # Published records are corrected by those who may publish (here the administrator).
    client.force_login(staff_user(ADMINISTRATOR))
    comment = answered_comment(body="下書きの意見")
    draft_version = comment.history.get()
    report_publish(report=report_with_comments([comment]))
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    client.post(url, {**change_form_data(client.get(url)), "body": "公開後の修正"})
    revert_url = reverse(
        "admin:feedback_comment_simple_history", args=[comment.pk, draft_version.history_id]
    )

    response = client.post(revert_url, change_form_data(client.get(revert_url)))

    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.body, comment.status) == ("下書きの意見", "published")
    assert comment.version == 3
    assert comment.history.first().history_user is not None


def test_admin_history_page_shows_inline_changes_with_user(client):
    client.force_login(staff_user(EDITOR, username="editor-b"))
    comment = answered_comment()
    old_view = comment.response.body
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    data = change_form_data(client.get(url))
    client.post(
        url,
        {**data, "response-0-body": "直した考え方", "response-0-category": category("反映").pk},
    )

    page = client.get(reverse("admin:feedback_comment_history", args=[comment.pk]))

    inline = page.context["inline_histories"][0]["records"][0]
    assert inline.history_user.username == "editor-b"
    assert [(c["field"], str(c["old"]), str(c["new"])) for c in inline.changes] == [
        ("市の考え方", old_view, "直した考え方"),
        ("対応区分", "参考", "反映"),
    ]
    text = page.content.decode()
    assert "市の考え方の変更履歴" in text
    assert "対応状況の変更履歴" in text
