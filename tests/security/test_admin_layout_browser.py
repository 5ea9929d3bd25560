"""The admin at 1366×768 (a city office laptop), in Debian's Chromium under the strict CSP:
object tools do not cover the title, and the remark list is not cut at the window's edge."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import sync_playwright

from tests.browser.conftest import ARGS, CHROMIUM
from tests.factories import (
    CommentFactory,
    PolicyItemFactory,
    answered_comment,
    report_with_comments,
)

PASSWORD = "correct-horse-battery-staple"
WIDTH, HEIGHT = 1366, 768


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
    """Made before the browser starts (see test_admin_csp_browser.records)."""
    get_user_model().objects.create_superuser("kanri", password=PASSWORD)
    comment = answered_comment()
    long_item = PolicyItemFactory(
        heading="方針2 行政内部のデジタル化（業務プロセスの見直しと電子決裁・文書管理の推進）"
    )
    for number in range(20, 24):
        CommentFactory(meeting=comment.meeting, number=number, policy_item=long_item)
    report = report_with_comments(
        [comment],
        meeting=comment.meeting,
        title="平塚市デジタル化基本方針への反映状況（令和2年度第2回平塚市行政改革推進委員会）",
    )
    return report


def boxes_intersect(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_admin_layout_at_1366_by_768(site, records, browser):
    live_server = site[0]
    report = records
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(live_server + "/admin/login/")
    page.fill("#id_username", "kanri")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")

    page.goto(live_server + f"/admin/feedback/report/{report.pk}/change/")
    # 「資料 を変更」 (h1) and the 資料's own name under it (h2): Django floats the object tools
    # 48px up, onto the h2, which a long 資料 title fills.
    title = page.locator("#content h1").bounding_box()
    subtitle = page.locator("#content h2").first.bounding_box()
    publish = page.get_by_role("link", name="内容を確認して公開する").bounding_box()
    append = page.locator("button[name=_append_meeting_comments]").bounding_box()
    for button in (publish, append):
        assert not boxes_intersect(button, title)
        assert not boxes_intersect(button, subtitle)
        assert button["x"] + button["width"] <= WIDTH

    page.goto(live_server + "/admin/feedback/comment/")
    table = page.locator("#result_list").bounding_box()
    box = page.locator("#changelist-form .results").bounding_box()
    # Every column is on screen: the table fits its box (long cells wrap), the box the window.
    assert table["x"] + table["width"] <= box["x"] + box["width"] <= WIDTH
    last_header = page.locator("#result_list thead th").last.bounding_box()
    assert last_header["x"] + last_header["width"] <= box["x"] + box["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    page.close()
    assert violations == []
