"""The review queue and a proposal's diff in Chromium: axe (WCAG 2.1 AA) and the keyboard only.

An 入力担当's proposal for a published 資料2 remark waits in the queue; the approver logs in,
reaches the queue from the admin index, opens the proposal and approves it without a mouse.
"""

from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from feedback import review
from feedback.models import ChangeRequest, CityResponse, Comment
from feedback.services import change_request_save
from tests.browser.conftest import AXE_TAGS

NEW_RESPONSE = "承認後に公開される、改めた市の考え方です。"


def editor_with_proposal_rights():
    """An 入力担当's rights, made here (a transactional test may follow one that emptied groups)."""
    editor = get_user_model().objects.create_user("nyuryoku", password="x" * 16, is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="feedback",
            codename__in=["add_changerequest", "change_comment", "view_comment"],
        )
    )
    return get_user_model().objects.get(pk=editor.pk)  # fresh permission cache


def violations(axe, page):
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [
        (violation["id"], [node["html"] for node in violation["nodes"]])
        for violation in results.response["violations"]
    ]


def press_tab_until(page, name, *, limit=80):
    """Tab through the page until the focused element's accessible text is ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => (document.activeElement.innerText || document.activeElement.value || '').trim()"
        )
        if focused == name:
            return
    raise AssertionError(f"「{name}」にキーボードで移動できません")


def test_review_queue_and_diff_pass_axe_and_an_approver_approves_by_keyboard(browser, site):
    base, report = site
    comment = Comment.objects.get(reports=report, number=7)
    before = CityResponse.objects.get(comment=comment).body
    proposed = {**review.comment_state(comment), "response": NEW_RESPONSE}
    proposal = change_request_save(
        comment=comment, proposed=proposed, by=editor_with_proposal_rights()
    )
    get_user_model().objects.create_superuser("shonin", password="s" * 16)

    axe = Axe()
    page = browser.new_page()
    page.goto(base + "/admin/login/")
    page.get_by_label("ユーザー名").fill("shonin")
    page.get_by_label("パスワード").fill("s" * 16)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/admin/")
    found = {"index": violations(axe, page)}

    press_tab_until(page, "承認待ち・差し戻しの変更案: 1件")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/feedback/changerequest/?state=open")
    found["queue"] = violations(axe, page)
    assert page.get_by_role("link", name=str(comment)).count() == 1

    press_tab_until(page, str(comment))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/admin/feedback/changerequest/{proposal.pk}/change/?*")
    found["diff"] = violations(axe, page)
    diff = page.get_by_role("table", name="変更内容（公開中 → 変更案）")
    row = diff.get_by_role("row").filter(has_text="市の考え方")
    assert row.locator("del").count() >= 1
    assert row.locator("ins").count() >= 1
    # The marks are read aloud, not only coloured.
    assert row.locator("ins .visually-hidden").first.inner_text() == "追加:"

    press_tab_until(page, "承認して公開する")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/feedback/changerequest/?state=open")
    assert page.get_by_text("変更案を承認し、公開しました。").count() == 1
    page.close()

    assert found == {"index": [], "queue": [], "diff": []}
    assert before != NEW_RESPONSE
    assert CityResponse.objects.get(comment=comment).body == NEW_RESPONSE
    assert ChangeRequest.objects.get(pk=proposal.pk).get_status_display() == "承認済み"
