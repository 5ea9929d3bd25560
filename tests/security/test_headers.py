"""Security headers on every kind of response: pages, downloads, static files, errors."""

import pytest

from tests.factories import published_report
from tests.responses import close_quietly

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}


def directives(header):
    """The policy as {directive: sources}; django-csp does not keep the directives' order."""
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.fixture
def report(db):
    return published_report()


def urls(report):
    return [
        ("/", "text/html; charset=utf-8"),
        (report.get_absolute_url(), "text/html; charset=utf-8"),
        ("/comments/?q=テスト", "text/html; charset=utf-8"),
        (f"/reports/{report.pk}/download.csv", "text/csv; charset=utf-8"),
        (f"/reports/{report.pk}/download.json", "application/json; charset=utf-8"),
        # A binary type has no charset parameter; nosniff stops a browser guessing one.
        (
            f"/reports/{report.pk}/download.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("/comments/download.csv?q=テスト", "text/csv; charset=utf-8"),
        ("/no-such-page/", "text/html; charset=utf-8"),
        ("/admin/login/", "text/html; charset=utf-8"),
        ("/static/css/site.css", 'text/css; charset="utf-8"'),
    ]


def test_every_response_carries_the_security_headers(client, report):
    for url, content_type in urls(report):
        response = client.get(url, secure=True)
        assert response["Content-Type"] == content_type, url
        assert directives(response["Content-Security-Policy"]) == EXPECTED_CSP, url
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        ), url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        if not url.startswith("/static/"):
            # Whitenoise answers before XFrameOptionsMiddleware; frame-ancestors covers it.
            assert response["X-Frame-Options"] == "DENY", url
        close_quietly(response)


def test_csp_allows_nothing_inline(client, report):
    policy = client.get("/")["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_spoofed_host_gets_japanese_400(client, db):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "リクエストを処理できません（400）" in response.content.decode()
