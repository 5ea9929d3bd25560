"""A remark removed from its last published 資料 through the admin's rows leaves the public site
(issue 11, point 6: pinned by this test)."""

import pytest
from django.test import Client
from django.urls import reverse

from feedback.models import Comment
from feedback.permissions import ADMINISTRATOR
from feedback.services import report_publish
from tests.factories import report_with_comments, staff_user
from tests.feedback.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def remove_row(client, report, comment):
    url = reverse("admin:feedback_report_change", args=[report.pk])
    data = change_form_data(client.get(url))
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith("entries-") and key.endswith("-comment") and str(value) == str(comment.pk)
    )
    return client.post(url, {**data, f"entries-{index}-DELETE": "on"})


def test_a_remark_removed_from_its_last_published_report_disappears(shiryo2):
    administrator = Client()
    administrator.force_login(staff_user(ADMINISTRATOR, username="kanri"))
    comment = Comment.objects.get(number=7)
    anonymous = Client()
    assert anonymous.get(comment.get_absolute_url()).status_code == 200

    response = remove_row(administrator, shiryo2, comment)

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == "draft"
    assert anonymous.get(comment.get_absolute_url()).status_code == 404
    page = anonymous.get(shiryo2.get_absolute_url()).content.decode()
    assert comment.get_absolute_url() not in page
    assert comment.history.first().history_user.username == "kanri"


def test_a_remark_another_published_report_still_lists_stays_public(shiryo2):
    administrator = Client()
    administrator.force_login(staff_user(ADMINISTRATOR, username="kanri"))
    comment = Comment.objects.get(number=6)
    other = report_with_comments([comment], label="資料3")
    report_publish(report=other)

    remove_row(administrator, shiryo2, comment)

    comment.refresh_from_db()
    assert comment.status == "published"
    assert Client().get(comment.get_absolute_url()).status_code == 200
