"""The 配布版: a 資料 frozen as handed out (「配布版を確定」), its public 「提出時点」 page, the
marks on the current page, and its staff workbook."""

import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from feedback.models import CityResponse, Comment, FollowUp, ReportEntry, ReportSnapshot
from feedback.permissions import APPROVER, EDITOR
from feedback.services import report_confirm_presented, report_publish, report_unpublish
from feedback.snapshots import snapshot_rows
from tests.factories import (
    CommentFactory,
    MeetingFactory,
    answered_comment,
    published_report,
    report_with_comments,
    staff_user,
)
from tests.helpers import SOURCE_DATA
from tests.html import body_texts, read_table

pytestmark = pytest.mark.django_db

CHANGED = "提出後に変更"
CHANGED_BADGE = f'<span class="changed-badge">{CHANGED}</span>'
WITHDRAWN = "この意見は現在公開されていません"


def presented_url(report):
    return reverse("feedback:report-presented", args=[report.pk])


def confirm_url(report):
    return reverse("admin:feedback_report_confirm_presented", args=[report.pk])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def sheet_rows(content):
    sheet = load_workbook(io.BytesIO(content)).active
    return sheet, [
        row for row in sheet.iter_rows(min_row=5, max_col=7, values_only=True) if any(row)
    ]


def test_shiryo2_presented_page_shows_the_seven_rows_as_the_source(client, shiryo2):
    snapshot = ReportSnapshot.objects.get(report=shiryo2)

    response = client.get(presented_url(shiryo2))

    assert response.status_code == 200
    page = response.content.decode()
    caption, (groups, _columns), body = read_table(page)
    assert caption == "資料2 平塚市デジタル化基本方針への反映状況（提出時点）"
    assert [cell["text"] for cell in groups] == [
        SOURCE_DATA["remarks_heading"],
        SOURCE_DATA["response_heading"],
    ]
    assert len(body) == 7
    assert body_texts(page) == SOURCE_DATA["rows"]
    # No 提出日 and no meeting date in the fixture: confirmed all the same, without a date.
    assert (snapshot.presented_on, snapshot.confirmed_by) == (None, None)
    assert "この表は、会議で配布した資料の内容です。" in page
    current = client.get(shiryo2.get_absolute_url()).content.decode()
    assert f'<a href="{presented_url(shiryo2)}">会議で配布した時点の内容を見る</a>' in current
    assert CHANGED_BADGE not in current
    assert body_texts(current) == SOURCE_DATA["rows"]


def test_a_snapshot_confirmed_before_the_upgrade_to_response_keys_prints_the_same(client, shiryo2):
    migration = importlib.import_module("feedback.migrations.0018_response_keys")
    snapshot = ReportSnapshot.objects.get(report=shiryo2)
    stored = snapshot.rows
    # As stored before migration 0018: the text of 市の考え方 under ``city_view``.
    migration.backwards(apps, None)
    snapshot.refresh_from_db()
    assert sorted(snapshot.rows[0]) == [
        "category", "city_view", "follow_up", "id", "member", "number", "policy_item", "remark"
    ]  # fmt: skip

    migration.forwards(apps, None)

    snapshot.refresh_from_db()
    assert snapshot.rows == stored
    assert body_texts(client.get(presented_url(shiryo2)).content.decode()) == SOURCE_DATA["rows"]
    current = client.get(shiryo2.get_absolute_url()).content.decode()
    assert CHANGED_BADGE not in current


def confirmed_report(client):
    """A published 資料 of three rows, confirmed by an approver through the admin button."""
    report = published_report(count=3, presented_on=datetime.date(2021, 3, 25))
    approver = staff_user(APPROVER)
    client.force_login(approver)
    response = client.post(confirm_url(report))
    assert response.status_code == 302
    assert messages_of(response) == [f"{report}の配布版を確定しました（3行）。"]
    client.logout()
    return report, approver


def test_changes_after_confirming_are_marked_cell_by_cell_on_the_current_page(client):
    report, approver = confirmed_report(client)
    snapshot = ReportSnapshot.objects.get(report=report)
    assert (snapshot.confirmed_by, snapshot.presented_on) == (approver, datetime.date(2021, 3, 25))
    first, second, third = [entry.comment for entry in report.entries.order_by("position")]
    then = {row.id: row for row in snapshot_rows(snapshot)}
    # The answer text of one row; a follow-up of another; a row added; a remark unpublished.
    CityResponse.objects.filter(comment=first).update(body="提出後に書き直した市の考え方")
    FollowUp.objects.create(
        comment=second, recorded_on=datetime.date(2021, 7, 1), body="提出後の対応状況"
    )
    added = answered_comment(meeting=first.meeting)
    ReportEntry.objects.create(report=report, comment=added, position=4)
    report_publish(report=report, by=approver)
    Comment.objects.filter(pk=third.pk).update(status="draft")

    page = client.get(report.get_absolute_url()).content.decode()

    rows = body_texts(page)
    first_then, second_then = then[first.pk], then[second.pk]
    assert rows == [
        [
            str(first.number),
            first_then.member,
            first_then.policy_item,
            first_then.remark,
            "提出後に書き直した市の考え方" + CHANGED,
            first_then.category,
            first_then.follow_up,
        ],
        [
            str(second.number),
            second_then.member,
            second_then.policy_item,
            second_then.remark,
            second_then.response,
            second_then.category,
            "提出後の対応状況" + CHANGED,
        ],
        [
            f"{added.number}提出後に追加",
            added.member.display_name,
            added.policy_item.heading,
            added.body,
            added.response.body,
            added.response.category.name,
            added.follow_ups.get().body,
        ],
    ]
    assert page.count(CHANGED_BADGE) == 2
    assert f"配布後に取り下げられ、現在公開していない意見: No.{third.number}" in page
    assert third.body not in page

    presented = client.get(presented_url(report)).content.decode()
    assert body_texts(presented) == [
        [str(row.number), *row.cells[1:]] for row in (first_then, second_then)
    ] + [[str(third.number), WITHDRAWN]]
    for text in (third.body, then[third.pk].response, then[third.pk].follow_up, added.body):
        assert text not in presented
    assert "提出後に書き直した市の考え方" not in presented
    assert "令和3年3月25日提出時点" in presented


def test_snapshot_workbook_is_what_was_handed_out_and_the_current_one_is_now(client, shiryo2):
    snapshot = ReportSnapshot.objects.get(report=shiryo2)
    CityResponse.objects.filter(comment__number=4).update(body="提出後の市の考え方")
    client.force_login(staff_user(EDITOR))

    handed_out = client.get(reverse("admin:feedback_report_workbook_presented", args=[shiryo2.pk]))
    now = client.get(reverse("admin:feedback_report_workbook", args=[shiryo2.pk]))

    assert handed_out.status_code == 200
    sheet, rows = sheet_rows(handed_out.content)
    assert rows == [row.cells for row in snapshot_rows(snapshot)]
    assert [[str(cell) for cell in row] for row in rows] == SOURCE_DATA["rows"]
    assert (sheet["A1"].value, sheet["G1"].value) == (shiryo2.title, shiryo2.label)
    assert (sheet["A3"].value, sheet["F3"].value) == (
        SOURCE_DATA["remarks_heading"],
        SOURCE_DATA["response_heading"],
    )
    _sheet, current = sheet_rows(now.content)
    assert current[3][4] == "提出後の市の考え方"
    assert rows[3][4] == SOURCE_DATA["rows"][3][4]
    change_page = client.get(reverse("admin:feedback_report_change", args=[shiryo2.pk]))
    assert "印刷用 Excel を書き出す（配布版）" in change_page.content.decode()
    assert "印刷用 Excel を書き出す（現在の内容）" in change_page.content.decode()


def test_editor_cannot_confirm_and_nothing_is_written(client):
    report = published_report(count=2)
    editor = staff_user(EDITOR)
    client.force_login(editor)

    change_page = client.get(reverse("admin:feedback_report_change", args=[report.pk]))
    response = client.post(confirm_url(report))

    assert "配布版を確定" not in change_page.content.decode()
    assert response.status_code == 403
    assert ReportSnapshot.objects.filter(report=report).count() == 0
    with pytest.raises(PermissionDenied):
        report_confirm_presented(report=report, by=editor)
    assert ReportSnapshot.objects.filter(report=report).count() == 0


def test_confirm_button_refuses_get_and_incomplete_reports_naming_the_rows(client):
    client.force_login(staff_user(APPROVER))
    empty = report_with_comments([])
    answered, unanswered = answered_comment(), CommentFactory()
    incomplete = report_with_comments([answered, unanswered])

    assert client.get(confirm_url(empty)).status_code == 405
    refused_empty = client.post(confirm_url(empty))
    refused_incomplete = client.post(confirm_url(incomplete))

    assert messages_of(refused_empty) == [
        f"{empty}の配布版を確定できません。掲載する意見がない資料は配布版を確定できません。"
    ]
    # The second response's messages still hold the first (no redirect was followed).
    assert messages_of(refused_incomplete)[1:] == [
        f"{incomplete}の配布版を確定できません。市の考え方または対応区分が未入力の意見があるため"
        f"配布版を確定できません: No.{unanswered.number}"
    ]
    assert ReportSnapshot.objects.count() == 0


def test_confirming_again_keeps_the_first_and_the_page_shows_the_latest(client):
    meeting = MeetingFactory(held_on=datetime.date(2021, 3, 25))
    comment = answered_comment(meeting=meeting)
    report = report_publish(report=report_with_comments([comment], meeting=meeting))
    approver = staff_user(APPROVER)
    first = report_confirm_presented(report=report, by=approver)
    CityResponse.objects.filter(comment=comment).update(body="二回目の市の考え方")

    second = report_confirm_presented(report=report, by=approver)

    assert first.presented_on == second.presented_on == datetime.date(2021, 3, 25)
    assert ReportSnapshot.objects.filter(report=report).count() == 2
    assert snapshot_rows(ReportSnapshot.objects.get(pk=first.pk))[0].response != (
        "二回目の市の考え方"
    )
    presented = body_texts(client.get(presented_url(report)).content.decode())
    assert presented[0][4] == "二回目の市の考え方"
    current = client.get(report.get_absolute_url()).content.decode()
    assert CHANGED_BADGE not in current


def test_snapshot_page_never_shows_a_drafts_text(client):
    approver = staff_user(APPROVER)
    report = published_report(count=2)
    listed = [entry.comment for entry in report.entries.order_by("position")]
    snapshot = report_confirm_presented(report=report, by=approver)
    url = presented_url(report)

    # A draft can never be confirmed: neither a draft 資料 nor a draft row of a published one.
    report_unpublish(report=report, by=approver)
    CityResponse.objects.filter(comment=listed[0]).update(body="下書きだけの市の考え方")
    assert client.get(url).status_code == 404
    with pytest.raises(Exception, match="公開していない資料は配布版を確定できません。"):
        report_confirm_presented(report=report, by=approver)
    CityResponse.objects.filter(comment=listed[0]).update(body="公開する市の考え方")
    report_publish(report=report, by=approver)
    draft = answered_comment(meeting=listed[0].meeting)
    CityResponse.objects.filter(comment=draft).update(body="下書きの行の市の考え方")
    ReportEntry.objects.create(report=report, comment=draft, position=3)
    with pytest.raises(Exception, match=f"先に公開してください）: No.{draft.number}"):
        report_confirm_presented(report=report, by=approver)
    assert list(ReportSnapshot.objects.filter(report=report)) == [snapshot]

    # A remark made a draft after confirming keeps its No. only.
    Comment.objects.filter(pk=listed[1].pk).update(status="draft")
    page = client.get(url).content.decode()

    assert body_texts(page)[1] == [str(listed[1].number), WITHDRAWN]
    for text in ("下書きだけの市の考え方", "下書きの行の市の考え方", draft.body, listed[1].body):
        assert text not in page
    for row in snapshot_rows(snapshot)[1:]:
        assert row.remark not in page and row.response not in page
