"""Where a login leads: a refused ``next=`` goes to the admin index, never a missing page
(issue 10.12)."""

import pytest
from django.contrib.auth import get_user_model

from tests.helpers import PASSWORD


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        "shokuin", password=PASSWORD, is_staff=True, is_superuser=True
    )


def login(client, next_url):
    """The login form as the browser posts it after /admin/login/?next=…"""
    assert client.get("/admin/login/", {"next": next_url}).status_code == 200
    return client.post(
        "/admin/login/", {"username": "shokuin", "password": PASSWORD, "next": next_url}
    )


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)", ""],
)
def test_refused_next_after_login_goes_to_the_admin_index(client, staff, next_url):
    response = login(client, next_url)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    index = client.get(response["Location"])
    assert index.status_code == 200
    assert "管理メニュー" in index.content.decode()


def test_same_site_next_is_still_followed(client, staff):
    response = login(client, "/admin/feedback/comment/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/feedback/comment/"
