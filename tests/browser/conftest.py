"""Shared by the browser tests: Debian's Chromium driven by Playwright, and 資料2 on a live server.

Chromium must be at /usr/bin/chromium (``make test`` installs it); the tests fail, never skip,
without it. Playwright's sync API runs an event loop in this thread, so the ORM is allowed here
(only in these modules) while a page is open.
"""

import importlib
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

from feedback.models import ReflectionCategory, Report

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} がありません: make test で導入してください"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            yield browser
            browser.close()


@pytest.fixture
def site(live_server, transactional_db):
    """資料2 loaded and published; categories re-seeded (transactional tests flush them)."""
    categories = importlib.import_module("feedback.migrations.0002_reflection_categories")
    for order, (name, description, color) in enumerate(categories.CATEGORIES, start=1):
        ReflectionCategory.objects.get_or_create(
            name=name, defaults={"description": description, "color": color, "order": order}
        )
    call_command("load_report_fixture", verbosity=0)
    return live_server.url, Report.objects.get(label="資料2")
