"""Living records (issue 11): a published remark stays public while an 入力担当 proposes a change,
an approver reviews it with a diff and approves or returns it, over HTTP through the admin."""

import csv
import importlib
import io
import json

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from feedback.models import ChangeRequest, Comment, Meeting, MeetingAttendance, Member
from feedback.permissions import ADMINISTRATOR, APPROVER, EDITOR
from feedback.services import report_publish
from policy.models import PolicyItem
from tests.factories import answered_comment, report_with_comments, staff_user
from tests.feedback.admin_forms import change_form_data, hidden_form_data
from tests.html import body_texts

pytestmark = pytest.mark.django_db

NEW_RESPONSE = "承認後に公開される新しい市の考え方です。"
NEW_FOLLOW_UP = "令和3年4月に説明会を開きました。"


def client_as(role, username):
    client = Client()
    client.force_login(staff_user(role, username=username))
    return client


def public_views(report, comment):
    """What citizens get: the 資料 page, the remark page and the three downloads."""
    anonymous = Client()
    pages = {
        "report": anonymous.get(report.get_absolute_url()),
        "remark": anonymous.get(comment.get_absolute_url()),
    }
    assert {name: page.status_code for name, page in pages.items()} == {
        "report": 200,
        "remark": 200,
    }
    base = reverse("feedback:report-download", args=[report.pk, "x"])[: -len("x")]
    xlsx = load_workbook(io.BytesIO(anonymous.get(base + "xlsx").content)).active
    rows = list(csv.reader(io.StringIO(anonymous.get(base + "csv").content.decode("utf-8-sig"))))
    data = json.loads(anonymous.get(base + "json").content)
    return {
        "report": pages["report"].content.decode(),
        "remark": pages["remark"].content.decode(),
        "xlsx": [[cell.value for cell in row] for row in xlsx.iter_rows()],
        "csv": rows,
        "json": data["remarks"],
    }


def propose(editor, comment, *, response=None, follow_up=None):
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    page = editor.get(url)
    assert page.status_code == 200
    assert "この意見は公開中です。保存すると変更案として記録され" in page.content.decode()
    data = change_form_data(page)
    if response is not None:
        data["response-0-body"] = response
    if follow_up is not None:
        total = int(data["follow_ups-TOTAL_FORMS"])
        data["follow_ups-TOTAL_FORMS"] = str(total + 1)
        data[f"follow_ups-{total}-id"] = ""
        data[f"follow_ups-{total}-comment"] = str(comment.pk)
        data[f"follow_ups-{total}-recorded_on"] = "2021-04-20"
        data[f"follow_ups-{total}-body"] = follow_up
    return editor.post(url, data)


def test_a_proposal_leaves_every_public_output_unchanged_until_an_approver_approves(shiryo2):
    comment = Comment.objects.get(number=5)
    before = public_views(shiryo2, comment)
    editor = client_as(EDITOR, "henshu")

    response = propose(editor, comment, response=NEW_RESPONSE, follow_up=NEW_FOLLOW_UP)

    proposal = ChangeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:feedback_changerequest_change", args=[proposal.pk]
    )
    assert (proposal.status, proposal.version, proposal.created_by.username) == (
        "pending",
        1,
        "henshu",
    )
    assert public_views(shiryo2, comment) == before
    comment.refresh_from_db()
    assert comment.version == 1

    approver = client_as(APPROVER, "shonin")
    review_page = approver.get(
        reverse("admin:feedback_changerequest_change", args=[proposal.pk])
    ).content.decode()
    assert "市の考え方" in review_page and "対応状況（追加）" in review_page
    assert '<ins><span class="visually-hidden">追加: </span>' in review_page
    assert "資料2 平塚市デジタル化基本方針への反映状況（公開中）" in review_page

    approved = approver.post(
        reverse("admin:feedback_changerequest_approve", args=[proposal.pk]), {"version": 1}
    )

    assert approved.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.reviewed_by.username) == ("approved", "shonin")
    after = public_views(shiryo2, comment)
    assert NEW_RESPONSE in after["report"] and NEW_RESPONSE in after["remark"]
    assert NEW_FOLLOW_UP in after["report"]
    assert NEW_RESPONSE in [cell for row in after["xlsx"] for cell in row]
    assert any(NEW_RESPONSE in row for row in after["csv"])
    assert [r["city_view"] for r in after["json"] if r["number"] == 5] == [NEW_RESPONSE]
    comment.refresh_from_db()
    assert comment.version == 2
    latest = comment.history.first()
    assert latest.history_user.username == "shonin"
    assert latest.history_change_reason.startswith(f"変更案 #{proposal.pk} を承認（作成: henshu")


def test_a_proposal_pending_at_the_upgrade_to_response_keys_is_approved_as_proposed(shiryo2):
    migration = importlib.import_module("feedback.migrations.0018_response_keys")
    comment = Comment.objects.get(number=5)
    propose(client_as(EDITOR, "henshu"), comment, response=NEW_RESPONSE)
    proposal = ChangeRequest.objects.get()
    stored = {"base": proposal.base, "proposed": proposal.proposed}
    # As stored before migration 0018: the text of 市の考え方 under ``response_body``.
    migration.backwards(apps, None)
    proposal.refresh_from_db()
    assert (proposal.proposed["response_body"], "response" in proposal.proposed) == (
        NEW_RESPONSE,
        False,
    )
    assert sorted(proposal.base) == [
        "body", "category", "follow_ups", "member", "policy_item", "response_body"
    ]  # fmt: skip
    assert proposal.history.first().proposed["response_body"] == NEW_RESPONSE

    migration.forwards(apps, None)

    proposal.refresh_from_db()
    assert {"base": proposal.base, "proposed": proposal.proposed} == stored
    assert proposal.history.first().proposed == stored["proposed"]
    approver = client_as(APPROVER, "shonin")
    approver.post(
        reverse("admin:feedback_changerequest_approve", args=[proposal.pk]), {"version": 1}
    )
    comment.response.refresh_from_db()
    assert comment.response.body == NEW_RESPONSE


def test_an_approver_returns_a_proposal_with_a_reason_the_editor_then_sees(shiryo2):
    comment = Comment.objects.get(number=5)
    editor = client_as(EDITOR, "henshu")
    propose(editor, comment, response=NEW_RESPONSE)
    proposal = ChangeRequest.objects.get()
    approver = client_as(APPROVER, "shonin")

    response = approver.post(
        reverse("admin:feedback_changerequest_return", args=[proposal.pk]),
        {"version": 1, "reason": "根拠となる計画の名称を入れてください。"},
    )

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.return_reason) == (
        "returned",
        "根拠となる計画の名称を入れてください。",
    )
    page = editor.get(reverse("admin:feedback_comment_change", args=[comment.pk])).content.decode()
    assert "差し戻しの理由: 根拠となる計画の名称を入れてください。" in page
    assert NEW_RESPONSE not in Client().get(comment.get_absolute_url()).content.decode()


def edit_form(client, proposal):
    page = client.get(reverse("admin:feedback_changerequest_change", args=[proposal.pk]))
    form, follow_ups = page.context["form"], page.context["follow_ups"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            follow_ups.management_form.add_prefix(n): follow_ups.management_form[n].value()
            for n in follow_ups.management_form.fields
        }
    )
    for entry in follow_ups.forms:
        for name in entry.fields:
            value = entry[name].value()
            data[entry.add_prefix(name)] = "" if value is None else value
    return {k: ("" if v is None else v) for k, v in data.items()}


def test_two_editors_cannot_overwrite_each_others_proposal(shiryo2):
    comment = Comment.objects.get(number=5)
    a, b = client_as(EDITOR, "henshu-a"), client_as(EDITOR, "henshu-b")
    propose(a, comment, response=NEW_RESPONSE)
    proposal = ChangeRequest.objects.get()
    form_a, form_b = edit_form(a, proposal), edit_form(b, proposal)
    url = reverse("admin:feedback_changerequest_change", args=[proposal.pk])

    first = a.post(url, {**form_a, "response": "Aが直した考え方"})
    second = b.post(url, {**form_b, "response": "Bが直した考え方"})

    assert first.status_code == 302
    assert second.status_code == 200
    assert "現在の版: 2、あなたが開いた版: 1" in second.content.decode()
    proposal.refresh_from_db()
    assert (proposal.proposed["response"], proposal.version) == ("Aが直した考え方", 2)


def test_an_approval_of_a_version_edited_after_review_is_refused(shiryo2):
    comment = Comment.objects.get(number=5)
    editor = client_as(EDITOR, "henshu")
    propose(editor, comment, response=NEW_RESPONSE)
    proposal = ChangeRequest.objects.get()
    approver = client_as(APPROVER, "shonin")
    approver.get(reverse("admin:feedback_changerequest_change", args=[proposal.pk]))
    url = reverse("admin:feedback_changerequest_change", args=[proposal.pk])
    editor.post(url, {**edit_form(editor, proposal), "response": "見られていない考え方"})

    response = approver.post(
        reverse("admin:feedback_changerequest_approve", args=[proposal.pk]), {"version": 1}
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "この変更案は、あなたが確認した後に変更されました（確認した版: 1、現在の版: 2）。"
        "もう一度内容を確認してから承認してください。"
    ]
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    assert "見られていない考え方" not in Client().get(comment.get_absolute_url()).content.decode()


def test_staff_see_pending_changes_on_the_index_and_in_the_remark_list(shiryo2):
    comment = Comment.objects.get(number=5)
    editor = client_as(EDITOR, "henshu")
    propose(editor, comment, response=NEW_RESPONSE)
    approver = client_as(APPROVER, "shonin")

    index = approver.get(reverse("admin:index")).content.decode()
    listed = editor.get(reverse("admin:feedback_comment_changelist") + "?proposal=open")

    assert "承認待ち・差し戻しの変更案: 1件" in index
    assert [c.number for c in listed.context["cl"].result_list] == [5]


def test_an_editor_cannot_approve_and_an_approver_cannot_propose(shiryo2):
    comment = Comment.objects.get(number=5)
    editor = client_as(EDITOR, "henshu")
    propose(editor, comment, response=NEW_RESPONSE)
    proposal = ChangeRequest.objects.get()

    refused = editor.post(
        reverse("admin:feedback_changerequest_approve", args=[proposal.pk]), {"version": 1}
    )
    approver_page = client_as(APPROVER, "shonin").get(
        reverse("admin:feedback_comment_change", args=[comment.pk])
    )

    assert refused.status_code == 403
    assert approver_page.context["has_change_permission"] is False
    proposal.refresh_from_db()
    assert proposal.status == "pending"


def test_a_system_administrator_corrects_a_published_typo_directly_and_it_is_recorded(
    shiryo2, caplog
):
    comment = Comment.objects.get(number=4)
    administrator = client_as(ADMINISTRATOR, "kanri")
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    data = change_form_data(administrator.get(url))

    with caplog.at_level("INFO", logger="audit"):
        response = administrator.post(url, {**data, "body": data["body"].replace("の で", "の①で")})

    assert response.status_code == 302
    assert ChangeRequest.objects.count() == 0
    comment.refresh_from_db()
    assert "取組内容の①でSNS" in comment.body
    assert comment.history.first().history_change_reason == "公開中の記録を直接修正"
    assert any("direct correction of a published record" in r.getMessage() for r in caplog.records)


def meeting_report(*numbers):
    """A published 資料 of one meeting listing its remarks ``numbers`` (each answered)."""
    first = answered_comment(number=numbers[0])
    comments = [first, *(answered_comment(meeting=first.meeting, number=n) for n in numbers[1:])]
    return report_publish(report=report_with_comments(comments, meeting=first.meeting))


def test_a_row_added_to_a_published_report_waits_for_the_approver():
    """Issue 11: a row added to a published 資料 is a pending change, not a silent draft."""
    report = meeting_report(1, 2)
    added = answered_comment(meeting=report.meeting, number=3)
    listed = Comment.objects.get(number=1)
    editor = client_as(EDITOR, "henshu")
    before = public_views(report, listed)

    response = editor.post(
        reverse("admin:feedback_report_append_meeting_comments", args=[report.pk])
    )

    assert [m.message for m in get_messages(response.wsgi_request)] == [
        "1件の意見を追加しました。公開中の資料に追加した行は、承認者が"
        "「内容を確認して公開する」で公開するまで公開されません（承認待ち）。"
    ]
    assert public_views(report, listed) == before
    assert Client().get(added.get_absolute_url()).status_code == 404
    approver = client_as(APPROVER, "shonin")
    index = approver.get(reverse("admin:index")).content.decode()
    assert "承認待ちの追加行がある公開中の資料: 1件" in index
    waiting = approver.get(reverse("admin:feedback_report_changelist") + "?pending=yes")
    assert list(waiting.context["cl"].result_list) == [report]
    page = approver.get(reverse("admin:feedback_report_change", args=[report.pk]))
    assert "承認待ちの追加行: 1件（No.3）" in page.content.decode()

    publish_url = reverse("admin:feedback_report_publish", args=[report.pk])
    assert f'href="{publish_url}"' in page.content.decode()
    confirmation = approver.get(publish_url)
    rows = body_texts(confirmation.content.decode(), "publish-rows")
    assert [(row[0], row[7]) for row in rows] == [
        ("1", "公開中"),
        ("2", "公開中"),
        ("3", "未公開（公開されます）"),
    ]
    approver.post(publish_url, hidden_form_data(confirmation))

    assert Client().get(added.get_absolute_url()).status_code == 200
    assert [row[1] for row in public_views(report, listed)["csv"][1:]] == ["1", "2", "3"]
    assert "承認待ちの追加行がある" not in approver.get(reverse("admin:index")).content.decode()


def test_an_editor_adds_no_public_remark_to_a_published_report():
    """A remark already public elsewhere would show at once: it is left for the approver."""
    report = meeting_report(1)
    other = answered_comment(meeting=report.meeting, number=2)
    report_publish(report=report_with_comments([other]))
    editor = client_as(EDITOR, "henshu")

    response = editor.post(
        reverse("admin:feedback_report_append_meeting_comments", args=[report.pk])
    )

    assert [m.message for m in get_messages(response.wsgi_request)] == [
        "追加する意見はありません（この会議の意見はすべて掲載済みです）。"
    ]
    assert report.entries.count() == 1


# -- 7. Names are published words too --------------------------------------------------------


def test_a_renamed_member_keeps_the_old_public_name_until_approved(shiryo2):
    member = Comment.objects.get(number=1).member
    assert member.name == "秋山"
    editor = client_as(EDITOR, "henshu")
    url = reverse("admin:feedback_member_change", args=[member.pk])
    page = editor.get(url)
    assert [m.message for m in get_messages(page.wsgi_request)] == [
        "この記録は公開中の意見に表示されています。保存すると変更案として記録され、"
        "承認者が承認するまで公開中の表示は変わりません。"
    ]
    before = public_views(shiryo2, Comment.objects.get(number=1))
    data = change_form_data(page)

    response = editor.post(url, {**data, "name": "秋元"})

    proposal = ChangeRequest.objects.get()
    assert response["Location"] == reverse(
        "admin:feedback_changerequest_change", args=[proposal.pk]
    )
    assert Member.objects.get(pk=member.pk).name == "秋山"
    assert public_views(shiryo2, Comment.objects.get(number=1)) == before
    # While it waits, the member's page is read-only to editors and points to the proposal.
    again = editor.get(url)
    assert again.context["has_change_permission"] is False
    assert "この記録には承認待ちの変更案があります。" in again.content.decode()

    approver = client_as(APPROVER, "shonin")
    review_page = approver.get(reverse("admin:feedback_changerequest_change", args=[proposal.pk]))
    assert body_texts(review_page.content.decode(), "review-diff") == [
        ["氏名", "秋削除: 山", "秋追加: 元"]
    ]
    approver.post(
        reverse("admin:feedback_changerequest_approve", args=[proposal.pk]),
        {"version": proposal.version},
    )

    after = public_views(shiryo2, Comment.objects.get(number=1))
    assert Member.objects.get(pk=member.pk).name == "秋元"
    assert after["csv"][1][2] == "秋元委員"
    assert "秋元委員" in after["report"] and "秋山委員" not in after["report"]
    found = Client().get(reverse("feedback:comment-search"), {"q": "秋元"}).content.decode()
    # The search text holds the new name: the folded index finds both of 秋元's remarks.
    assert [(row[1], row[2]) for row in body_texts(found)] == [("1", "秋元委員"), ("2", "秋元委員")]


def test_a_member_no_published_remark_names_is_renamed_at_once(shiryo2):
    member = Member.objects.create(
        committee=Comment.objects.get(number=1).member.committee, name="新井"
    )
    editor = client_as(EDITOR, "henshu")
    url = reverse("admin:feedback_member_change", args=[member.pk])

    editor.post(url, {**change_form_data(editor.get(url)), "name": "新居"})

    assert Member.objects.get(pk=member.pk).name == "新居"
    assert ChangeRequest.objects.count() == 0


def test_a_system_administrator_renames_a_public_committee_directly(shiryo2, caplog):
    committee = Comment.objects.get(number=1).meeting.committee
    administrator = client_as(ADMINISTRATOR, "kanri")
    url = reverse("admin:feedback_committee_change", args=[committee.pk])

    administrator.post(
        url, {**change_form_data(administrator.get(url)), "name": "平塚市行革委員会"}
    )

    committee.refresh_from_db()
    assert committee.name == "平塚市行革委員会"
    assert committee.history.first().history_change_reason == "公開中の記録を直接修正"
    assert ChangeRequest.objects.count() == 0
    assert "direct correction of a published record" in caplog.text


def test_a_policy_item_heading_change_is_a_proposal_edited_on_its_page(shiryo2):
    item = Comment.objects.get(number=7).policy_item
    old_heading = item.heading
    editor = client_as(EDITOR, "henshu")
    url = reverse("admin:policy_policyitem_change", args=[item.pk])
    editor.post(url, {**change_form_data(editor.get(url)), "heading": old_heading + "（改）"})
    proposal = ChangeRequest.objects.get()
    page_url = reverse("admin:feedback_changerequest_change", args=[proposal.pk])

    page = editor.get(page_url)
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    editor.post(page_url, {**data, "heading": old_heading + "（再改）"})
    stale = editor.post(page_url, {**data, "heading": old_heading + "（古い画面から）"})

    proposal.refresh_from_db()
    assert proposal.proposed["heading"] == old_heading + "（再改）"
    assert stale.context["form"].non_field_errors() == [
        "この記録は、あなたが画面を開いた後に他の職員が保存しました（現在の版: 2、"
        "あなたが開いた版: 1）。あなたの変更は保存されていません。"
        "ページを開き直して最新の内容を確認してから、もう一度変更してください。"
    ]
    assert PolicyItem.objects.get(pk=item.pk).heading == old_heading
    public = Client().get(Comment.objects.get(number=7).get_absolute_url()).content.decode()
    assert old_heading in public and "（再改）" not in public

    approver = client_as(APPROVER, "shonin")
    approver.post(
        reverse("admin:feedback_changerequest_approve", args=[proposal.pk]), {"version": 2}
    )

    assert PolicyItem.objects.get(pk=item.pk).heading == old_heading + "（再改）"
    public = Client().get(Comment.objects.get(number=7).get_absolute_url()).content.decode()
    assert old_heading + "（再改）" in public


def test_a_public_meetings_place_and_attendees_wait_for_the_approver(shiryo2):
    meeting = Comment.objects.get(number=1).meeting
    members = {m.name: m for m in Member.objects.filter(committee=meeting.committee)}
    editor = client_as(EDITOR, "henshu")
    url = reverse("admin:feedback_meeting_change", args=[meeting.pk])
    data = change_form_data(editor.get(url))
    data.update(place="平塚市役所本館", present_members=[members["秋山"].pk, members["岡部"].pk])
    public_page = Client().get(meeting.get_absolute_url()).content.decode()

    editor.post(url, data)

    proposal = ChangeRequest.objects.get()
    assert (Meeting.objects.get(pk=meeting.pk).place, meeting.attendees.count()) == ("", 0)
    assert Client().get(meeting.get_absolute_url()).content.decode() == public_page
    approver = client_as(APPROVER, "shonin")
    review_page = approver.get(reverse("admin:feedback_changerequest_change", args=[proposal.pk]))
    assert body_texts(review_page.content.decode(), "review-diff") == [
        ["開催場所", "", "追加: 平塚市役所本館"],
        ["出席委員", "", "追加: 秋山委員、岡部委員"],
    ]

    approver.post(
        reverse("admin:feedback_changerequest_approve", args=[proposal.pk]), {"version": 1}
    )

    assert Meeting.objects.get(pk=meeting.pk).place == "平塚市役所本館"
    assert sorted(meeting.attendees.values_list("name", flat=True)) == ["岡部", "秋山"]
    added = MeetingAttendance.history.filter(history_type="+")
    assert {(row.member.name, row.history_user.username) for row in added} == {
        ("秋山", "shonin"),
        ("岡部", "shonin"),
    }
    assert "平塚市役所本館" in Client().get(meeting.get_absolute_url()).content.decode()
