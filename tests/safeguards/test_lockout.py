"""Login lockout (django-axes) keyed on username and address, and the audit log of logins."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.helpers import PASSWORD, admin_login

CITY_HALL = {"REMOTE_ADDR": "203.0.113.10"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.7"}


@pytest.fixture
def users(db):
    User = get_user_model()
    return [
        User.objects.create_user(name, password=PASSWORD, is_staff=True, is_superuser=True)
        for name in ("tanaka", "suzuki")
    ]


def fail(client, username, times, address):
    for _ in range(times):
        response = admin_login(client, username, "wrong-password", **address)
    return response


def test_fifth_failure_locks_out_username_at_that_address(client, users, audit_lines):
    assert fail(client, "tanaka", 4, CITY_HALL).status_code == 200
    response = fail(client, "tanaka", 1, CITY_HALL)
    assert response.status_code == 429
    assert "ログインが一時的に制限されています" in response.content.decode()
    # Even the right password is refused now.
    assert admin_login(client, "tanaka", **CITY_HALL).status_code == 429
    lines = audit_lines()
    assert (
        sum("WARNING audit login failure user=tanaka ip=203.0.113.10" in line for line in lines)
        >= 5
    )
    assert any(
        "WARNING audit lockout: too many login failures user=tanaka ip=203.0.113.10" in line
        for line in lines
    )


def test_colleague_behind_the_same_address_still_logs_in(client, users, audit_lines):
    fail(client, "tanaka", 5, CITY_HALL)
    colleague = client.__class__()
    response = admin_login(colleague, "suzuki", **CITY_HALL)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert any(
        "INFO audit login success user=suzuki ip=203.0.113.10 path=/admin/login/" in line
        for line in audit_lines()
    )


def test_same_user_from_another_address_still_logs_in(client, users):
    fail(client, "tanaka", 5, CITY_HALL)
    response = admin_login(client.__class__(), "tanaka", **ELSEWHERE)
    assert response.status_code == 302


def test_administrator_lifts_a_lock_with_the_command(client, users):
    fail(client, "tanaka", 5, CITY_HALL)
    assert AccessAttempt.objects.filter(username="tanaka").exists()
    call_command("axes_reset_username", "tanaka", verbosity=0)
    assert admin_login(client.__class__(), "tanaka", **CITY_HALL).status_code == 302


def test_administrator_sees_locks_in_the_admin(client, users):
    fail(client.__class__(), "tanaka", 5, CITY_HALL)
    admin = client.__class__()
    admin.force_login(users[1])
    response = admin.get("/admin/axes/accessattempt/")
    assert response.status_code == 200
    assert "203.0.113.10" in response.content.decode()


def test_cool_off_is_finite():
    from django.conf import settings

    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_username_with_newline_cannot_forge_an_audit_line(client, users, audit_lines):
    forged = "x\r\n2026-01-01T00:00:00+0900 INFO audit login success user=admin"
    admin_login(client, forged, "wrong-password", **CITY_HALL)
    lines = [line for line in audit_lines() if "login failure" in line]
    assert lines == [
        "login failure".join(
            [
                lines[0].split("login failure")[0],
                " user=x\\r\\n2026-01-01T00:00:00+0900 INFO audit login success user=admin"
                " ip=203.0.113.10 path=/admin/login/",
            ]
        )
    ]
    assert not any(line.startswith("2026-01-01") for line in audit_lines())


def test_client_address_comes_from_the_trusted_proxy(client, users, settings, audit_lines):
    settings.PROXY_COUNT = 1
    admin_login(
        client,
        "tanaka",
        "wrong-password",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.10",
    )
    assert any("user=tanaka ip=203.0.113.10" in line for line in audit_lines())
