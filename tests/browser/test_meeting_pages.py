"""The meeting page with its record and the meetings page's 年度 list in Chromium, with axe."""

import datetime

from axe_playwright_python.sync_playwright import Axe

from feedback.models import Meeting, Member
from feedback.services import meeting_set_attendees
from tests.browser.conftest import AXE_TAGS


def test_meeting_pages_have_no_axe_violations(browser, site):
    base, _report = site
    meeting = Meeting.objects.get()
    meeting.held_on = datetime.date(2020, 11, 16)
    meeting.place = "平塚市役所本館 6階 613会議室"
    meeting.agenda = "平塚市デジタル化基本方針について\nその他"
    meeting.department = "行政総務課"
    meeting.department_phone = "0463-23-1111"
    meeting.department_email = "gyosei@city.example.jp"
    meeting.minutes_url = "https://www.city.example.jp/minutes/r2-2.html"
    meeting.save()
    meeting_set_attendees(meeting=meeting, members=Member.objects.all())

    axe = Axe()
    page = browser.new_page()
    found = {}
    paths = [meeting.get_absolute_url(), "/meetings/", "/meetings/fiscal-years/2020/"]
    for path in paths:
        page.goto(base + path)
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        found[path] = [violation["id"] for violation in results.response["violations"]]
    page.goto(base + "/meetings/")
    page.get_by_role("link", name="令和2年度（1回）").click()
    assert page.url == base + "/meetings/fiscal-years/2020/"
    page.get_by_role("link", name=meeting.name).click()
    assert page.locator("time[datetime='2020-11-16']").inner_text() == (
        "令和2年11月16日（2020年11月16日）"
    )
    assert page.get_by_role("link", name="秋山委員").count() >= 1
    page.close()
    assert found == {path: [] for path in paths}
