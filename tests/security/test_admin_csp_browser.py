"""The staff admin works in a real browser under the strict CSP: login, lists, forms, import.

Debian's Chromium through Playwright, as in tests/browser (see its conftest for the ORM allowance).
"""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import sync_playwright

from tests.browser.conftest import ARGS, CHROMIUM
from tests.factories import answered_comment, report_with_comments

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def browser():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            yield browser
            browser.close()


@pytest.fixture
def records(site):
    """Made before the browser starts: ORM calls inside Playwright's event loop would open a
    connection of their own that outlives the test (PostgreSQL then refuses to drop the test
    database)."""
    get_user_model().objects.create_superuser("kanri", password=PASSWORD)
    comment = answered_comment()
    return comment, report_with_comments([comment])


def test_admin_pages_raise_no_csp_violation(site, records, browser):
    live_server = site[0]  # the URL; 資料2 and the categories loaded
    comment, report = records
    page = browser.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append((page.url, message.text))
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.goto(live_server + "/admin/login/")
    page.fill("#id_username", "kanri")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.url == live_server + "/admin/"
    assert "kanri" in page.locator("#user-tools").text_content()

    urls = [
        "/admin/",
        "/admin/feedback/comment/",
        f"/admin/feedback/comment/{comment.pk}/change/",
        f"/admin/feedback/report/{report.pk}/change/",
        f"/admin/feedback/comment/{comment.pk}/history/",
        "/admin/feedback/comment/import/",
        "/admin/axes/accessattempt/",
    ]
    for url in urls:
        response = page.goto(live_server + url)
        assert response.status in {200, 404}, url
    # External admin JavaScript ran: the inline "add another" link and the calendar widgets.
    page.goto(live_server + f"/admin/feedback/comment/{comment.pk}/change/")
    page.wait_for_load_state("load")
    assert page.locator(".add-row a, .add-row").count() >= 1
    # The changelist's select-all checkbox works (actions.js).
    page.goto(live_server + "/admin/feedback/comment/")
    page.check("#action-toggle")
    boxes = page.locator("input.action-select")
    assert boxes.count() == 8  # 資料2's 7 remarks and this test's one
    assert page.locator("input.action-select:checked").count() == 8
    page.close()
    assert violations == []
