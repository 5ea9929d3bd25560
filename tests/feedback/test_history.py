"""History: field-by-field changes and revert in the admin; the 資料 as presented."""

import dataclasses
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.history import (
    FollowUpRow,
    ReportRow,
    presented_at,
    report_differs_from_presented,
    report_rows_as_of,
    report_rows_as_presented,
    report_rows_current,
)
from feedback.models import (
    CityResponse,
    Comment,
    FollowUp,
    Member,
    PolicyItem,
    ReflectionCategory,
    Report,
    ReportEntry,
)
from feedback.permissions import ADMINISTRATOR, EDITOR
from feedback.services import report_publish
from tests.factories import (
    CommentFactory,
    FollowUpFactory,
    MemberFactory,
    PolicyItemFactory,
    answered_comment,
    category,
    report_with_comments,
    staff_user,
)
from tests.feedback.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

PRESENTED_ON = datetime.date(2021, 3, 25)
BEFORE = timezone.make_aware(datetime.datetime(2021, 3, 1, 10, 0))
HISTORY_MODELS = [Comment, CityResponse, FollowUp, ReportEntry, Member, PolicyItem]


def move_history_to(when):
    """Pretend that everything recorded so far was recorded at ``when``."""
    for model in [*HISTORY_MODELS, ReflectionCategory, Report]:
        model.history.update(history_date=when)


def presented_report():
    comment = CommentFactory(
        number=1,
        member=MemberFactory(name="秋山"),
        policy_item=PolicyItemFactory(heading="方針2 行政内部のデジタル化"),
        body="元の意見",
    )
    CityResponse.objects.create(comment=comment, body="元の考え方", category=category("参考"))
    FollowUp.objects.create(comment=comment, body="元の対応状況")
    report = report_with_comments([comment], presented_on=PRESENTED_ON)
    move_history_to(BEFORE)
    return report, comment


PRESENTED_ROW = ReportRow(
    position=1,
    comment_id=0,  # replaced in the tests
    number=1,
    member_name="秋山委員",
    policy_item_heading="方針2 行政内部のデジタル化",
    body="元の意見",
    response_body="元の考え方",
    category_name="参考",
    follow_ups=(FollowUpRow(recorded_on=None, body="元の対応状況"),),
)


def test_presented_at_is_the_end_of_the_day_in_tokyo():
    report = Report(presented_on=PRESENTED_ON)
    assert presented_at(report).isoformat() == "2021-03-25T23:59:59.999999+09:00"
    assert presented_at(Report(presented_on=None)) is None


def test_rows_as_presented_are_the_rows_before_later_corrections():
    report, comment = presented_report()
    expected = [dataclasses.replace(PRESENTED_ROW, comment_id=comment.pk)]

    comment.body = "直した意見"
    comment.save()
    comment.response.category = category("反映")
    comment.response.save()
    FollowUpFactory(comment=comment, recorded_on=datetime.date(2021, 4, 1), body="追加の対応")
    Member.objects.filter(pk=comment.member_id).update(name="芦川")

    assert report_rows_as_presented(report) == expected
    current = report_rows_current(report)
    assert (current[0].body, current[0].category_name, current[0].member_name) == (
        "直した意見",
        "反映",
        "芦川委員",
    )
    assert current[0].follow_ups == (
        FollowUpRow(recorded_on=None, body="元の対応状況"),
        FollowUpRow(recorded_on=datetime.date(2021, 4, 1), body="追加の対応"),
    )
    assert current[0].latest_follow_up.body == "追加の対応"
    assert report_differs_from_presented(report) is True


def test_report_without_later_changes_does_not_differ():
    report, _ = presented_report()
    assert report_rows_current(report) == report_rows_as_presented(report)
    assert report_differs_from_presented(report) is False


def test_rows_as_presented_keep_a_row_removed_later_and_omit_one_added_later():
    report, comment = presented_report()
    added = answered_comment(meeting=comment.meeting, number=2)
    ReportEntry.objects.filter(report=report).delete()
    ReportEntry.objects.create(report=report, comment=added, position=1)

    assert [row.number for row in report_rows_as_presented(report)] == [1]
    assert [row.number for row in report_rows_current(report)] == [2]
    assert report_differs_from_presented(report) is True


def test_rows_as_of_before_the_report_existed_are_empty():
    report, _ = presented_report()
    assert report_rows_as_of(report, BEFORE - datetime.timedelta(days=1)) == []


def test_report_without_presentation_date_never_differs():
    report = report_with_comments([answered_comment()])
    assert report_rows_as_presented(report) is None
    assert report_differs_from_presented(report) is False


def test_admin_history_page_shows_changed_fields_and_user(client):
    editor = staff_user(EDITOR, username="editor-a")
    client.force_login(editor)
    comment = answered_comment(body="元の意見")
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    client.post(url, {**change_form_data(client.get(url)), "body": "直した意見"})

    page = client.get(reverse("admin:feedback_comment_history", args=[comment.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    assert "意見、質問等" in text
    assert "元の意見" in text
    assert "直した意見" in text
    assert "editor-a" in text


def test_admin_revert_restores_text_but_never_publication_state(client):
    # Published records are corrected by those who may publish (here the administrator).
    client.force_login(staff_user(ADMINISTRATOR))
    comment = answered_comment(body="下書きの意見")
    draft_version = comment.history.get()
    report_publish(report=report_with_comments([comment]))
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    client.post(url, {**change_form_data(client.get(url)), "body": "公開後の修正"})
    revert_url = reverse(
        "admin:feedback_comment_simple_history", args=[comment.pk, draft_version.history_id]
    )

    response = client.post(revert_url, change_form_data(client.get(revert_url)))

    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.body, comment.status) == ("下書きの意見", "published")
    assert comment.version == 3
    assert comment.history.first().history_user is not None


def test_admin_history_page_shows_inline_changes_with_user(client):
    client.force_login(staff_user(EDITOR, username="editor-b"))
    comment = answered_comment()
    old_view = comment.response.body
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    data = change_form_data(client.get(url))
    client.post(
        url,
        {**data, "response-0-body": "直した考え方", "response-0-category": category("反映").pk},
    )

    page = client.get(reverse("admin:feedback_comment_history", args=[comment.pk]))

    inline = page.context["inline_histories"][0]["records"][0]
    assert inline.history_user.username == "editor-b"
    assert [(c["field"], str(c["old"]), str(c["new"])) for c in inline.changes] == [
        ("市の考え方", old_view, "直した考え方"),
        ("対応区分", "参考", "反映"),
    ]
    text = page.content.decode()
    assert "市の考え方の変更履歴" in text
    assert "対応状況の変更履歴" in text
