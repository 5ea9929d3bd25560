"""The staff workflow through the admin over HTTP: inlines, filters, bulk category, publishing."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from feedback.enums import PublicationStatus
from feedback.models import CityResponse, Comment, FollowUp, Report, ReportEntry
from feedback.permissions import APPROVER, EDITOR
from tests.factories import (
    CityResponseFactory,
    CommentFactory,
    MeetingFactory,
    answered_comment,
    category,
    published_report,
    report_with_comments,
    staff_user,
)
from tests.feedback.admin_forms import change_form_data, hidden_form_data
from tests.helpers import change_url
from tests.html import body_texts

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def changelist_numbers(client, params):
    response = client.get(reverse("admin:feedback_comment_changelist"), params)
    assert response.status_code == 200
    return sorted(comment.number for comment in response.context["cl"].result_list)


def test_comment_inlines_save_response_category_and_follow_up(client):
    editor = staff_user(EDITOR)
    client.force_login(editor)
    comment = CommentFactory()
    url = change_url(comment)
    data = change_form_data(client.get(url))
    data["response-0-body"] = "用語解説に追加します。"
    data["response-0-category"] = category("反映").pk
    data["follow_ups-TOTAL_FORMS"] = "1"
    data["follow_ups-0-recorded_on"] = "2021-03-31"
    data["follow_ups-0-body"] = "用語解説に「新たな日常」を追加しました。"

    response = client.post(url, data)

    assert response.status_code == 302
    response_row = CityResponse.objects.get(comment=comment)
    assert (response_row.body, response_row.category.name) == ("用語解説に追加します。", "反映")
    follow_up = FollowUp.objects.get(comment=comment)
    assert str(follow_up.recorded_on) == "2021-03-31"
    # Inline saves are recorded in history with the user who saved the page.
    assert response_row.history.get().history_user == editor
    assert follow_up.history.get().history_user == editor


def test_meeting_page_lists_its_remarks_with_links(admin_client):
    meeting = MeetingFactory()
    first = CommentFactory(meeting=meeting, number=1, body="一つ目の意見")
    CommentFactory(meeting=meeting, number=2, body="二つ目の意見")
    CommentFactory(number=3, body="別の会議の意見")

    page = admin_client.get(change_url(meeting)).content.decode()

    assert "一つ目の意見" in page
    assert "二つ目の意見" in page
    assert "別の会議の意見" not in page
    assert change_url(first) in page


def test_report_page_reorders_remarks(admin_client):
    first, second = answered_comment(number=1), answered_comment(number=2)
    report = report_with_comments([first, second])
    url = change_url(report)
    data = change_form_data(admin_client.get(url))
    assert data["entries-0-position"] == 1
    data["entries-0-position"] = "2"
    data["entries-1-position"] = "1"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert list(report.entries.order_by("position").values_list("comment", flat=True)) == [
        second.pk,
        first.pk,
    ]


def test_unanswered_filter_lists_remarks_without_view_or_category(admin_client):
    meeting = MeetingFactory()
    answered_comment(meeting=meeting, number=1)
    CommentFactory(meeting=meeting, number=2)
    CityResponseFactory(comment=CommentFactory(meeting=meeting, number=3), category=None)
    CityResponseFactory(comment=CommentFactory(meeting=meeting, number=4), body="")

    assert changelist_numbers(admin_client, {"answered": "no"}) == [2, 3, 4]
    assert changelist_numbers(admin_client, {"answered": "yes"}) == [1]


def test_changelist_filters_by_meeting_member_item_and_state(admin_client):
    report = published_report(count=2)
    published = list(Comment.objects.order_by("number"))
    other = CommentFactory(meeting=published[0].meeting, number=9)

    assert changelist_numbers(admin_client, {"meeting__id__exact": other.meeting_id}) == sorted(
        [published[0].number, 9]
    )
    assert changelist_numbers(admin_client, {"member__id__exact": other.member_id}) == [9]
    assert changelist_numbers(
        admin_client, {"policy_item__id__exact": published[1].policy_item_id}
    ) == [published[1].number]
    assert changelist_numbers(admin_client, {"status__exact": "draft"}) == [9]
    assert report.is_published


def test_set_category_action_asks_then_sets_and_records_history(client):
    editor = staff_user(EDITOR)
    client.force_login(editor)
    meeting = MeetingFactory()
    without_view = CommentFactory(meeting=meeting, number=1)
    with_view = answered_comment(meeting=meeting, number=2)
    untouched = answered_comment(meeting=meeting, number=3)
    url = reverse("admin:feedback_comment_changelist")
    selected = {"action": "set_category", "_selected_action": [without_view.pk, with_view.pk]}

    page = client.post(url, selected)

    assert page.status_code == 200
    assert "対応区分の一括設定" in page.content.decode()
    assert CityResponse.objects.filter(comment=without_view).count() == 0

    response = client.post(url, {**selected, "apply": "1", "category": category("反映").pk})

    assert response.status_code == 302
    assert messages_of(response) == ["2件の意見の対応区分を「反映」にしました。"]
    names = dict(Comment.objects.values_list("number", "response__category__name"))
    assert names == {1: "反映", 2: "反映", 3: "参考"}
    assert CityResponse.objects.get(comment=without_view).body == ""
    assert with_view.response.history.first().history_user == editor
    assert Comment.objects.get(pk=with_view.pk).version == 2
    assert Comment.objects.get(pk=untouched.pk).version == 1


def test_publish_action_publishes_and_records_approver(client):
    approver = staff_user(APPROVER)
    client.force_login(approver)
    first = answered_comment(number=1)
    report = report_with_comments([first, answered_comment(meeting=first.meeting, number=2)])
    changelist = reverse("admin:feedback_report_changelist")

    confirmation = client.post(
        changelist, {"action": "publish_selected", "_selected_action": [report.pk]}
    )
    assert confirmation.status_code == 200
    assert Report.objects.published().count() == 0
    assert [row[0] for row in body_texts(confirmation.content.decode(), "publish-rows")] == [
        "1",
        "2",
    ]
    response = client.post(changelist, hidden_form_data(confirmation))

    assert response.status_code == 302
    assert messages_of(response) == [f"{report}を公開しました。"]
    report.refresh_from_db()
    assert (report.status, report.published_by) == (PublicationStatus.PUBLISHED, approver)
    assert list(Comment.objects.values_list("status", "published_by")) == [
        ("published", approver.pk),
        ("published", approver.pk),
    ]


def test_publish_action_refuses_unanswered_and_names_them(client):
    client.force_login(staff_user(APPROVER))
    answered = answered_comment(number=1)
    unanswered = CommentFactory(meeting=answered.meeting, number=2)
    report = report_with_comments([answered, unanswered])
    changelist = reverse("admin:feedback_report_changelist")

    confirmation = client.post(
        changelist, {"action": "publish_selected", "_selected_action": [report.pk]}
    )
    assert (
        "市の考え方または対応区分が未入力の意見があるため、このままでは公開できません: No.2"
        in confirmation.content.decode()
    )
    response = client.post(changelist, hidden_form_data(confirmation))

    assert messages_of(response) == [
        f"{report}を公開できません。"
        "市の考え方または対応区分が未入力の意見があるため公開できません: No.2"
    ]
    assert Report.objects.published().count() == 0
    assert Comment.objects.published().count() == 0


def test_publish_button_publishes_and_unpublish_button_hides(client):
    client.force_login(staff_user(APPROVER))
    report = report_with_comments([answered_comment()])
    publish_url = reverse("admin:feedback_report_publish", args=[report.pk])
    page = client.get(change_url(report)).content.decode()
    assert f'href="{publish_url}"' in page

    response = client.post(publish_url, hidden_form_data(client.get(publish_url)))

    assert response.status_code == 302
    assert response["Location"] == change_url(report)
    assert Report.objects.published().count() == 1

    response = client.post(reverse("admin:feedback_report_unpublish", args=[report.pk]))

    assert messages_of(response)[-1] == f"{report}を非公開にしました（削除はしていません）。"
    assert Report.objects.published().count() == 0
    assert (Report.objects.count(), Comment.objects.count()) == (1, 1)


def test_publish_page_shows_the_rows_and_publishes_nothing_on_get(client):
    client.force_login(staff_user(APPROVER))
    first = answered_comment(number=1)
    report = report_with_comments([first, answered_comment(meeting=first.meeting, number=2)])

    response = client.get(reverse("admin:feedback_report_publish", args=[report.pk]))

    assert response.status_code == 200
    rows = body_texts(response.content.decode(), "publish-rows")
    assert [(row[0], row[4], row[7]) for row in rows] == [
        ("1", first.response.body, "未公開（公開されます）"),
        ("2", Comment.objects.get(number=2).response.body, "未公開（公開されます）"),
    ]
    assert Report.objects.published().count() == 0


def test_publish_without_the_confirmation_page_publishes_nothing(client):
    client.force_login(staff_user(APPROVER))
    report = report_with_comments([answered_comment()])
    url = reverse("admin:feedback_report_publish", args=[report.pk])

    response = client.post(url)
    forged = client.post(url, {f"reviewed-{report.pk}": "not-signed-by-this-server"})

    assert messages_of(response) == ["公開する前に、この画面で内容を確認してください。"]
    assert (response.status_code, response["Location"]) == (302, url)
    assert forged["Location"] == url
    assert Report.objects.published().count() == 0
    assert Comment.objects.published().count() == 0


def test_an_answer_changed_after_the_confirmation_page_is_not_published_unseen(client):
    client.force_login(staff_user(APPROVER))
    first = answered_comment(number=1)
    second = answered_comment(meeting=first.meeting, number=2)
    report = report_with_comments([first, second])
    url = reverse("admin:feedback_report_publish", args=[report.pk])
    confirmation = client.get(url)

    # An editor changes No.2's answer and adds No.3 while the approver reads the page.
    CityResponse.objects.filter(comment=second).update(body="確認後に書き換えた考え方")
    third = answered_comment(meeting=first.meeting, number=3)
    ReportEntry.objects.create(report=report, comment=third, position=3)
    response = client.post(url, hidden_form_data(confirmation))

    assert messages_of(response) == [
        f"{report}を公開できません。確認画面を開いた後に資料が変更されました"
        "（No.2 の内容、No.3 の追加）。もう一度内容を確認してから公開してください。"
    ]
    assert Report.objects.published().count() == 0
    assert Comment.objects.published().count() == 0

    response = client.post(url, hidden_form_data(client.get(url)))

    assert messages_of(response) == [f"{report}を公開しました。"]
    assert Comment.objects.published().count() == 3


def test_change_form_ignores_crafted_publication_fields(admin_client):
    comment = CommentFactory()
    url = change_url(comment)
    data = change_form_data(admin_client.get(url))
    data.update(status="published", published_at="2021-01-01 00:00:00", published_by="1")

    response = admin_client.post(url, data)

    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.published_at, comment.published_by) == ("draft", None, None)


def test_add_form_creates_drafts_only(admin_client):
    template = CommentFactory(number=1)
    response = admin_client.post(
        reverse("admin:feedback_comment_add"),
        {
            "meeting": template.meeting_id,
            "number": "2",
            "member": template.member_id,
            "policy_item": template.policy_item_id,
            "body": "追加した意見",
            "version": "7",
            "status": "published",
            "response-TOTAL_FORMS": "0",
            "response-INITIAL_FORMS": "0",
            "follow_ups-TOTAL_FORMS": "0",
            "follow_ups-INITIAL_FORMS": "0",
            "policy_changes-TOTAL_FORMS": "0",  # the links to policy changes (issue 15)
            "policy_changes-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    added = Comment.objects.get(number=2)
    assert (added.status, added.version) == ("draft", 1)


def test_report_entry_reorder_of_published_report_keeps_it_published(admin_client):
    report = published_report(count=2)
    url = change_url(report)
    data = change_form_data(admin_client.get(url))

    response = admin_client.post(url, data)

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.version) == ("published", 2)
    assert ReportEntry.objects.filter(report=report).count() == 2
