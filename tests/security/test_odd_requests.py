"""Odd numbers in URLs are a 404 page, never a database error (issue 10.7).

Run on SQLite and on PostgreSQL (``DATABASE_URL=postgres://…``): PostgreSQL refuses a number
beyond bigint where SQLite does not, and both refuse text where a number is expected.
"""

import pytest
from django.urls import reverse

from feedback import permissions
from feedback.models import Comment, Meeting
from policy.models import Policy
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

NOT_FOUND = "ページが見つかりません（404）"
HUGE = "99999999999999999999"  # beyond PostgreSQL's bigint
ODD_IDS = ["abc", "1.5", "-1", "１", "1 ", HUGE, "1/2"]


def assert_not_found(response):
    assert response.status_code == 404
    assert NOT_FOUND in response.content.decode()


@pytest.mark.parametrize("page", [HUGE, "9" * 40, "1000001"])
def test_report_page_number_beyond_any_page_is_not_found(client, shiryo2, page):
    assert_not_found(client.get(f"/reports/{shiryo2.pk}/", {"page": page}))


@pytest.mark.parametrize("page", ["999", "1000000", "0", "-3", "abc", "1e999", ""])
def test_report_page_number_in_range_or_not_a_number_still_shows_the_table(client, shiryo2, page):
    """Past the end is the last page and text is page 1, as before (the only page here)."""
    response = client.get(f"/reports/{shiryo2.pk}/", {"page": page})

    assert response.status_code == 200
    assert response.context["page_obj"].number == 1


@pytest.fixture
def administrator(client, shiryo2):
    user = staff_user(permissions.ADMINISTRATOR)
    client.force_login(user)
    return user


@pytest.mark.parametrize("object_id", ODD_IDS)
@pytest.mark.parametrize("action", ["publish", "unpublish", "confirm-presented"])
def test_report_state_change_with_an_odd_id_is_not_found(client, administrator, object_id, action):
    assert_not_found(client.post(f"/admin/feedback/report/{object_id}/{action}/"))


@pytest.mark.parametrize("object_id", ODD_IDS)
@pytest.mark.parametrize(
    "url",
    [
        "/admin/feedback/report/{}/workbook/",
        "/admin/feedback/report/{}/workbook/presented/",
        "/admin/feedback/report/{}/paste/",
        "/admin/feedback/meeting/{}/paste/",
    ],
)
def test_custom_admin_page_with_an_odd_id_is_not_found(client, administrator, object_id, url):
    assert_not_found(client.get(url.format(object_id)))


@pytest.mark.parametrize("object_id", ODD_IDS)
@pytest.mark.parametrize(
    "model", ["feedback/comment", "feedback/report", "feedback/meeting", "policy/policy"]
)
def test_history_with_an_odd_object_id_is_not_found(client, administrator, model, object_id):
    assert_not_found(client.get(f"/admin/{model}/{object_id}/history/"))


@pytest.mark.parametrize("history_id", ODD_IDS)
def test_history_version_with_an_odd_id_is_not_found(client, administrator, history_id):
    comment = Comment.objects.get(number=1)

    assert_not_found(client.get(f"/admin/feedback/comment/{comment.pk}/history/{history_id}/"))


@pytest.mark.parametrize("object_id", ODD_IDS)
def test_history_version_of_an_odd_object_id_is_not_found(client, administrator, object_id):
    history_id = Comment.objects.get(number=1).history.first().history_id

    assert_not_found(client.get(f"/admin/feedback/comment/{object_id}/history/{history_id}/"))


def test_custom_admin_pages_with_real_ids_still_work(client, administrator, shiryo2):
    meeting = Meeting.objects.get()
    comment = Comment.objects.get(number=1)
    history_id = comment.history.first().history_id

    assert client.get(f"/admin/feedback/report/{shiryo2.pk}/workbook/").status_code == 200
    workbook = client.get(f"/admin/feedback/report/{shiryo2.pk}/workbook/presented/")
    assert workbook.status_code == 200
    assert client.get(f"/admin/feedback/report/{shiryo2.pk}/paste/").status_code == 200
    assert client.get(f"/admin/feedback/meeting/{meeting.pk}/paste/").status_code == 200
    assert client.get(f"/admin/feedback/comment/{comment.pk}/history/").status_code == 200
    assert (
        client.get(f"/admin/feedback/comment/{comment.pk}/history/{history_id}/").status_code == 200
    )
    policy = Policy.objects.get()
    assert client.get(f"/admin/policy/policy/{policy.pk}/history/").status_code == 200
    response = client.post(f"/admin/feedback/report/{shiryo2.pk}/unpublish/")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:feedback_report_change", args=[shiryo2.pk])
