"""The 資料 page printed and read: a PDF from Chromium, column widths and line lengths measured.

Printing goes through Chromium's own ``page.pdf()`` (print media, the page's @page size), read
back with poppler's ``pdftotext -layout``; widths are measured in the rendered page at 1280 px
against a string of full-width characters set in the same element's font.
"""

import subprocess

import pytest
from axe_playwright_python.sync_playwright import Axe

from feedback.models import Comment
from tests.browser.conftest import AXE_TAGS

GROUP_HEADINGS = [
    "令和2年度第2回平塚市行政改革推進委員会における委員からの意見、質問等に対する市の考え方",
    "平塚市デジタル化基本方針策定に当たった対応",
]
COLUMN_TITLES = ["No.", "委員名", "対象項目", "意見、質問等", "市の考え方", "対応区分", "対応状況"]

# How many full-width characters of the element's own font fit on one line of its content box.
CHARACTERS_PER_LINE = """(element) => {
    const style = getComputedStyle(element);
    const probe = document.createElement("span");
    probe.textContent = "あ".repeat(40);
    probe.style.whiteSpace = "nowrap";
    probe.style.font = style.font;
    probe.style.letterSpacing = style.letterSpacing;
    element.append(probe);
    const perCharacter = probe.getBoundingClientRect().width / 40;
    probe.remove();
    const content = element.clientWidth
        - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return content / perCharacter;
}"""


def pdf_pages(browser, url, tmp_path):
    """The page printed by Chromium, as the text of each PDF page (``pdftotext -layout``)."""
    page = browser.new_page()
    page.goto(url)
    pdf = tmp_path / "page.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    page.close()
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.rstrip("\f").split("\f")


def flat(text):
    """pdftotext spaces out columns (and sometimes a line); compare the text without spaces."""
    return "".join(text.split())


def reads_in_order(cell, page):
    """Whether a cell's text is on the page, each character after the one before it.

    ``-layout`` prints a table line by line across the columns, so one cell's text comes
    interleaved with its neighbours' but always in its own order.
    """
    position = 0
    for character in flat(cell):
        position = page.find(character, position) + 1
        if not position:
            return False
    return True


def row_numbers(page):
    """The No.s of the rows that begin on a printed page: lines like 「 1    秋山委員    …」."""
    return [
        words[0]
        for words in (line.split() for line in page.splitlines())
        if len(words) > 2 and words[0].isdigit() and words[1].endswith("委員")
    ]


def test_printed_report_starts_the_table_on_page_one(browser, site, tmp_path):
    base, report = site
    first = Comment.objects.get(number=1)

    pages = pdf_pages(browser, base + report.get_absolute_url(), tmp_path)

    assert len(pages) == 3
    page_one = flat(pages[0])
    assert page_one.startswith("資料2平塚市デジタル化基本方針への反映状況")
    for text in [
        *GROUP_HEADINGS,
        "".join(COLUMN_TITLES),
        "情報の情報化を、情報のデジタル化に進化さ",
    ]:
        assert text in page_one
    assert reads_in_order(first.body, page_one)
    assert not reads_in_order(first.body, flat(pages[1]))
    for screen_only in [
        "この資料の意見を絞り込む",
        "ダウンロード",
        "表へ移動",
        "本文へ移動",
        "資料一覧",
    ]:
        assert screen_only not in flat("".join(pages))
    for number, page in enumerate(pages, start=1):
        assert "".join(COLUMN_TITLES) in flat(page), f"page {number}"
        assert GROUP_HEADINGS[0] in flat(page), f"page {number}"
    # Each row begins on one page only, in order, the first on page 1.
    starts = [row_numbers(page) for page in pages]
    assert [number for page in starts for number in page] == ["1", "2", "3", "4", "5", "6", "7"]
    assert starts[0][0] == "1"


def test_print_styles_repeat_the_header_and_keep_short_cells_whole(browser, site):
    base, report = site
    page = browser.new_page()
    page.goto(base + report.get_absolute_url())
    page.emulate_media(media="print")

    assert page.locator("thead").evaluate("e => getComputedStyle(e).display") == (
        "table-header-group"
    )
    assert page.locator("tbody th").first.evaluate("e => getComputedStyle(e).breakInside") == (
        "avoid"
    )
    hidden = [".filter", ".downloads", ".summary", ".jump", ".site-header", ".skip-link"]
    assert [page.locator(selector).first.is_visible() for selector in hidden] == [False] * 6
    page.close()


def test_follow_up_column_holds_twelve_characters_a_line_on_a_member_page(browser, site):
    base, _report = site
    member = Comment.objects.get(number=1).member
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(base + member.get_absolute_url())

    cells = page.locator("tbody tr td:nth-child(8)")
    widths = [cells.nth(index).evaluate(CHARACTERS_PER_LINE) for index in range(cells.count())]
    page.close()

    assert len(widths) == 2  # 秋山委員's No.1 and No.2
    assert all(width >= 12 for width in widths), widths


@pytest.mark.parametrize("width", [1280, 1920])
def test_remark_text_runs_at_most_forty_five_characters_a_line(browser, site, width):
    base, _report = site
    comment = Comment.objects.get(number=1)
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(base + comment.get_absolute_url())

    remark = page.locator(".fields dd.cell-text").first
    response = page.locator(".fields dd.cell-text").nth(1)
    follow_up = page.locator(".follow-ups .cell-text").first
    measures = [item.evaluate(CHARACTERS_PER_LINE) for item in (remark, response, follow_up)]
    page.close()

    assert all(35 <= measure <= 45 for measure in measures), measures


def test_axe_finds_no_violations_on_the_changed_pages(browser, site):
    base, report = site
    comment = Comment.objects.get(number=1)
    paths = [
        "/",
        report.get_absolute_url(),
        comment.get_absolute_url(),
        comment.member.get_absolute_url(),
        comment.meeting.get_absolute_url(),
        comment.meeting.committee.get_absolute_url(),
        comment.policy_item.get_absolute_url(),
    ]
    axe = Axe()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    found = {}
    for media in ("screen", "print"):
        page.emulate_media(media=media)
        for path in paths:
            page.goto(base + path)
            results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
            found[media, path] = [v["id"] for v in results.response["violations"]]
    page.close()
    assert found == {key: [] for key in found}
