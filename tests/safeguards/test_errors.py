"""Error pages in Japanese, without a traceback, and logged: DEBUG off as in production, and on
as in `make run` (the site's pages in place of Django's debug pages; details only in the log)."""

import logging

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponseBadRequest
from django.test import override_settings
from django.urls import path

from hiratsuka_site import urls as site_urls


def raise_error(request):
    raise RuntimeError("test-only failure")


def raise_suspicious(request):
    raise SuspiciousOperation("test-only suspicious request")


def raise_denied(request):
    raise PermissionDenied


def raise_not_found(request):
    raise Http404("test-only missing record")


def own_bad_request(request):
    return HttpResponseBadRequest("日付の形式が正しくありません。", content_type="text/plain")


urlpatterns = [
    *site_urls.urlpatterns,
    path("boom/", raise_error),
    path("suspicious/", raise_suspicious),
    path("denied/", raise_denied),
    path("missing/", raise_not_found),
    path("own-400/", own_bad_request),
]

handler403 = "safeguards.errors.permission_denied"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("tests.safeguards.test_errors"),
]


@pytest.fixture
def client(client):
    client.raise_request_exception = False
    return client


def assert_japanese_page(response, status, heading):
    body = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert heading in body
    assert '<html lang="ja">' in body
    assert "Traceback" not in body
    assert "test-only" not in body


@override_settings(DEBUG=False)
def test_500_is_japanese_and_logged(client, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")
    assert_japanese_page(response, 500, "エラーが発生しました（500）")
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Internal Server Error: /boom/"
    assert record.exc_info[0] is RuntimeError


@override_settings(DEBUG=False)
def test_400_is_japanese_and_logged(client, caplog):
    with caplog.at_level(logging.ERROR, logger="django.security"):
        response = client.get("/suspicious/")
    assert_japanese_page(response, 400, "リクエストを処理できません（400）")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("django.security")] == [
        "test-only suspicious request"
    ]


@override_settings(DEBUG=False)
def test_403_is_japanese_and_logged(client, audit_lines):
    response = client.get("/denied/", REMOTE_ADDR="203.0.113.9")
    assert_japanese_page(response, 403, "このページにはアクセスできません（403）")
    assert [line.split(" ", 1)[1] for line in audit_lines()] == [
        "WARNING audit permission denied user=- ip=203.0.113.9 path=/denied/"
    ]


@override_settings(DEBUG=False)
def test_404_is_japanese_and_logged(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/no-such-page/")
    assert_japanese_page(response, 404, "ページが見つかりません（404）")
    assert "Not Found: /no-such-page/" in [r.getMessage() for r in caplog.records]


@override_settings(DEBUG=True)
def test_404_in_debug_mode_is_the_sites_page_not_the_url_list(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/no-such-page/")
    assert_japanese_page(response, 404, "ページが見つかりません（404）")
    body = response.content.decode()
    assert "Using the URLconf" not in body
    assert "boom/" not in body
    assert "Not Found: /no-such-page/" in [r.getMessage() for r in caplog.records]


@override_settings(DEBUG=True)
def test_404_raised_by_a_view_in_debug_mode_is_the_sites_page(client):
    response = client.get("/missing/")
    assert_japanese_page(response, 404, "ページが見つかりません（404）")
    assert "Raised by" not in response.content.decode()


@override_settings(DEBUG=True)
def test_500_in_debug_mode_is_the_sites_page_and_the_traceback_is_logged(client, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/", HTTP_ACCEPT="text/html")
    assert_japanese_page(response, 500, "エラーが発生しました（500）")
    assert "RuntimeError" not in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Internal Server Error: /boom/"
    assert record.exc_info[0] is RuntimeError
    assert str(record.exc_info[1]) == "test-only failure"


@override_settings(DEBUG=True)
def test_500_in_debug_mode_is_the_sites_page_for_a_script_too(client):
    """Django's debug page would be the traceback as plain text for a non-browser client."""
    response = client.get("/boom/", HTTP_ACCEPT="application/json")
    assert_japanese_page(response, 500, "エラーが発生しました（500）")


@override_settings(DEBUG=True)
def test_400_in_debug_mode_is_the_sites_page(client):
    response = client.get("/suspicious/")
    assert_japanese_page(response, 400, "リクエストを処理できません（400）")


@override_settings(DEBUG=True)
def test_a_views_own_400_is_kept_in_debug_mode(client):
    response = client.get("/own-400/")
    assert response.status_code == 400
    assert response.content.decode() == "日付の形式が正しくありません。"
