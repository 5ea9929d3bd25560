"""Cookies, session rotation at login, server-side logout, idle and absolute session limits."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone

from safeguards.sessions import LOGIN_AT_SESSION_KEY, RENEWED_AT_SESSION_KEY
from tests.helpers import PASSWORD, admin_login


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        "shokuin", password=PASSWORD, is_staff=True, is_superuser=True
    )


def session_cookie(client):
    return client.cookies[settings.SESSION_COOKIE_NAME]


def test_session_key_changes_at_login(client, staff):
    client.get("/admin/login/")
    session = client.session
    session["before"] = "anonymous"
    session.save()
    anonymous_key = session.session_key
    response = admin_login(client, "shokuin")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert session_cookie(client).value != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()


def test_cookies_are_secure_httponly_samesite(client, staff):
    response = admin_login(client, "shokuin")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert settings.SESSION_COOKIE_NAME == "__Host-sessionid"
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == 1800
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    assert settings.CSRF_COOKIE_NAME == "__Host-csrftoken"
    assert csrf["secure"] is True
    assert csrf["httponly"] is True


def test_logout_ends_the_session_on_the_server(client, staff):
    admin_login(client, "shokuin")
    old_key = session_cookie(client).value
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout/")
    assert not Session.objects.filter(session_key=old_key).exists()
    replay = client.__class__()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key
    response = replay.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_request_renews_the_idle_limit_once_the_last_renewal_is_a_minute_old(client, staff):
    admin_login(client, "shokuin")
    session = Session.objects.get(session_key=session_cookie(client).value)
    renewed = client.session[RENEWED_AT_SESSION_KEY]
    # Within a minute of the last renewal a request writes nothing: no cookie, the same row.
    response = client.get("/admin/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.get(pk=session.pk).expire_date == session.expire_date
    assert client.session[RENEWED_AT_SESSION_KEY] == renewed
    # A minute later the next request renews both: 30 idle minutes again from now.
    stored = client.session
    stored[RENEWED_AT_SESSION_KEY] = time.time() - 60
    stored.save()
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=29))
    before = timezone.now()
    response = client.get("/admin/")
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 1800
    expire_date = Session.objects.get(pk=session.pk).expire_date
    assert before + timedelta(minutes=30) <= expire_date <= timezone.now() + timedelta(minutes=30)
    assert client.session[RENEWED_AT_SESSION_KEY] >= before.timestamp()
    assert settings.SESSION_SAVE_EVERY_REQUEST is False


def test_idle_session_expires_after_30_minutes(client, staff):
    admin_login(client, "shokuin")
    session = Session.objects.get(session_key=session_cookie(client).value)
    assert session.expire_date - timezone.now() <= timedelta(minutes=30)
    # 30 idle minutes later the stored expiry has passed.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_session_ends_12_hours_after_login_however_active(client, staff, audit_lines):
    admin_login(client, "shokuin")
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[LOGIN_AT_SESSION_KEY] = time.time() - 12 * 60 * 60 - 1
    session.save()
    old_key = session.session_key
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not Session.objects.filter(session_key=old_key).exists()
    assert any("session expired after 12 hours user=shokuin" in line for line in audit_lines())


def test_login_stores_the_login_time(client, staff):
    before = time.time()
    admin_login(client, "shokuin")
    assert before <= client.session[LOGIN_AT_SESSION_KEY] <= time.time()
