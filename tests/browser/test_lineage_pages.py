"""The committee page's open remarks, a remark's chain and the feed links in Chromium, with axe."""

from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model

from feedback.models import Comment, Meeting
from feedback.services import meeting_draft_next_report, report_publish
from tests.browser.conftest import AXE_TAGS


def test_lineage_pages_have_no_axe_violations_and_link_their_feeds(browser, site):
    base, report = site
    meeting = report.entries.first().comment.meeting
    # A transactional test may follow another that emptied the role groups migrations made.
    staff = get_user_model().objects.create_superuser("kanri", password="x" * 16)
    drafted = meeting_draft_next_report(meeting=meeting, by=staff)
    report_publish(report=drafted)
    later = Comment.objects.filter(meeting=drafted.meeting).order_by("number").first()
    committee = meeting.committee
    assert Meeting.objects.filter(committee=committee).count() == 2

    axe = Axe()
    page = browser.new_page()
    found = {}
    for path in [committee.get_absolute_url(), later.get_absolute_url()]:
        page.goto(base + path)
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        found[path] = [violation["id"] for violation in results.response["violations"]]
        assert page.locator("head link[rel=alternate][type='application/atom+xml']").count() == 2
        assert (
            page.get_by_role("link", name="このページの更新情報（Atom）").get_attribute("href")
            == f"{path}feed/"
        )
    # The committee's whole list of open remarks, from the link under its block.
    open_list = f"{committee.get_absolute_url()}open/"
    page.goto(base + open_list)
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    found[open_list] = [violation["id"] for violation in results.response["violations"]]
    assert page.get_by_role("heading", level=1).inner_text() == f"{committee}の未終結の意見"
    page.goto(base + later.get_absolute_url())
    assert page.locator("#lineage").is_visible()
    page.locator(".lineage__link a").first.click()
    assert page.url == base + later.continues.get_absolute_url()
    page.close()
    assert found == {committee.get_absolute_url(): [], later.get_absolute_url(): [], open_list: []}
