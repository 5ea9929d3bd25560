"""Issue 15's public pages in Chromium: the policy page and a remark page with a change pass axe,
and their printed PDFs carry the 「削除:」/「追加:」 labels, so the difference is understood
without colour (pdftotext reads the PDF Chromium prints)."""

import importlib
import subprocess  # nosec B404: pdftotext from poppler-utils, fixed arguments
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from feedback.models import Comment, ReflectionCategory
from policy.models import Policy
from tests.browser.conftest import AXE_TAGS
from tests.feedback.policy_example import worked_example

PDFTOTEXT = "/usr/bin/pdftotext"


@pytest.fixture
def policy_site(live_server, transactional_db):
    """資料2 published, its policy's 素案 and 策定版 published, rows 7 and 1 linked."""
    categories = importlib.import_module("feedback.migrations.0002_reflection_categories")
    for order, (name, description, color) in enumerate(categories.CATEGORIES, start=1):
        ReflectionCategory.objects.get_or_create(
            name=name, defaults={"description": description, "color": color, "order": order}
        )
    call_command("load_report_fixture", verbosity=0)
    worked_example()
    policy = Policy.objects.get(title="平塚市デジタル化基本方針")
    return live_server.url, policy, Comment.objects.get(number=7)


def printed_text(page, tmp_path, name):
    pdf = tmp_path / f"{name}.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4")
    assert Path(PDFTOTEXT).exists(), f"{PDFTOTEXT} がありません: make test で導入してください"
    result = subprocess.run(  # nosec B603: fixed program and arguments
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    )
    return "".join(result.stdout.split())  # words wrap anywhere in Japanese


def test_policy_and_remark_pages_pass_axe_and_print_the_labels(browser, policy_site, tmp_path):
    base, policy, row7 = policy_site
    axe = Axe()
    page = browser.new_page()
    found = {}
    for path in (f"/policies/{policy.pk}/", row7.get_absolute_url()):
        page.goto(base + path)
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        found[path] = [violation["id"] for violation in results.response["violations"]]
    assert found == {f"/policies/{policy.pk}/": [], row7.get_absolute_url(): []}

    # On screen the labels are visually hidden but read (the accessible text has them).
    page.goto(base + f"/policies/{policy.pk}/")
    first_before = page.locator("#difference-1 td").nth(2)
    assert first_before.text_content() == (
        "本市は、デジタル技術を活用して市民一人ひとりが豊かさを実感できる"
        "「データ削除:主導型の地域社会」を目指します。"
    )
    label = page.locator("#difference-1 del .visually-hidden")
    assert label.evaluate("e => getComputedStyle(e).position") == "absolute"
    assert (
        page.locator("#difference-1 del").evaluate("e => getComputedStyle(e).textDecorationLine")
        == "line-through"
    )
    assert (
        page.locator("#difference-1 ins").evaluate("e => getComputedStyle(e).textDecorationLine")
        == "underline"
    )

    policy_pdf = printed_text(page, tmp_path, "policy")
    assert "素案との差異" in policy_pdf
    # The table's columns are printed side by side (their lines interleave in the text);
    # the adopted text below it has the change in one line.
    assert "削除:主導型の地域社会" in policy_pdf
    assert "追加:駆動型の地域社会" in policy_pdf
    assert "「データ削除:主導追加:駆動型の地域社会」" in policy_pdf
    assert "追加:新たな日常" in policy_pdf
    assert "No.7岡部委員" in policy_pdf

    page.emulate_media(media="screen")
    page.goto(base + row7.get_absolute_url())
    remark_pdf = printed_text(page, tmp_path, "remark")
    assert "この意見による変更" in remark_pdf
    assert "変更前（素案）" in remark_pdf
    assert "「データ削除:主導型の地域社会」" in remark_pdf
    assert "「データ追加:駆動型の地域社会」" in remark_pdf
    page.close()
