"""The public pages in a real browser: Debian's Chromium driven by Playwright, checked by axe-core.

The browser and the live 資料2 site are fixtures in ``conftest.py``.
"""

import os

from axe_playwright_python.sync_playwright import Axe

from feedback.models import Comment
from tests.browser.conftest import AXE_TAGS


def test_phone_width_shows_cards_and_desktop_a_table(browser, site):
    base, report = site
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(base + report.get_absolute_url())
    cell = page.locator("tbody tr").first.locator("td").nth(2)
    assert cell.evaluate("e => getComputedStyle(e).display") == "block"
    label = cell.evaluate("e => getComputedStyle(e, '::before').content")
    assert label == '"意見、質問等"'
    page.set_viewport_size({"width": 1280, "height": 800})
    assert cell.evaluate("e => getComputedStyle(e).display") == "table-cell"
    assert page.locator("thead").is_visible()
    page.close()


def test_filter_form_works_by_keyboard(browser, site):
    base, report = site
    page = browser.new_page()
    page.goto(base + report.get_absolute_url())
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_q":
            break
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.keyboard.type("AI")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("?q=AI&member=&item=&category=")
    assert page.locator("tbody th").all_inner_texts() == ["6", "7"]
    assert page.locator("mark").first.inner_text() == "AI"
    page.close()


def test_print_hides_navigation(browser, site):
    base, report = site
    page = browser.new_page()
    page.goto(base + report.get_absolute_url())
    assert page.locator(".site-nav").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".site-nav").is_visible()
    assert not page.locator(".filter-form").is_visible()
    assert page.locator(".feedback-table").is_visible()
    page.close()


def test_axe_finds_no_violations(browser, site):
    base, report = site
    comment = Comment.objects.get(number=6)
    paths = [
        "/",
        report.get_absolute_url(),
        "/comments/?q=AI",
        comment.get_absolute_url(),
        comment.member.get_absolute_url(),
        "/accessibility/",
    ]
    axe = Axe()
    page = browser.new_page()
    found = {}
    for path in paths:
        page.goto(base + path)
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        found[path] = [v["id"] for v in results.response["violations"]]
    page.close()
    assert found == {path: [] for path in paths}
    assert os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE") == "true"
