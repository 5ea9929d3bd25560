"""feedback/summaries.py: what a 資料's page shows about all of its rows is kept by every write
that changes it. Each test writes through one path (services, the admin, the import, bulk
writes) and compares every stored summary with the rows read afresh, after checking that the
write did change what is counted (so the comparison could fail)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from feedback import review, summaries
from feedback.enums import PublicationStatus
from feedback.models import (
    CityResponse,
    Comment,
    FollowUp,
    PublishedSummary,
    ReflectionCategory,
    Report,
    ReportEntry,
    ReportSummary,
)
from feedback.permissions import ADMINISTRATOR, APPROVER, EDITOR
from feedback.services import (
    change_request_approve,
    change_request_save,
    comments_set_category,
    report_append_meeting_comments,
    report_publish,
    report_set_rows,
    report_unpublish,
)
from publication import stamp
from tests.factories import (
    CommentFactory,
    answered_comment,
    category,
    published_report,
    report_with_comments,
    staff_user,
)
from tests.feedback.admin_forms import change_form_data
from tests.helpers import SAMPLES, change_url

pytestmark = pytest.mark.django_db


def assert_exact():
    """Every 資料's stored summary and the published counts equal their rows read afresh."""
    for report_id in Report.objects.order_by("pk").values_list("pk", flat=True):
        assert summaries.stored(report_id) == summaries.computed(report_id), report_id
    published = PublishedSummary.objects.filter(pk=1).first()
    assert (published.category_counts if published else []) == summaries.category_counts(
        Comment.objects.published()
    )


def counts(report):
    """The stored counts of ``report`` by category name (未定 for none)."""
    stored = summaries.stored(report.pk).category_counts
    names = dict(ReflectionCategory.objects.values_list("pk", "name"))
    return {names.get(category_id, "未定"): total for category_id, total in stored}


def test_publishing_a_report_stores_its_summary_and_the_published_counts():
    comments = [answered_comment() for _ in range(3)]
    report = report_with_comments(comments)
    assert not ReportSummary.objects.exists()

    report_publish(report=report)

    stored = summaries.stored(report.pk)
    assert stored.category_counts == [[category().pk, 3]]
    assert stored.members == {comment.member_id for comment in comments}
    assert stored.policy_items == {comment.policy_item_id for comment in comments}
    assert stored.meetings == {comment.meeting_id for comment in comments}
    assert PublishedSummary.objects.get().category_counts == [[category().pk, 3]]
    assert_exact()


def test_a_published_summary_counts_a_remark_two_reports_list_once():
    report = published_report(count=2)
    other = report_with_comments(list(report.comments.all()))
    report_publish(report=other)

    assert summaries.stored(other.pk).category_counts == [[category().pk, 2]]
    assert PublishedSummary.objects.get().category_counts == [[category().pk, 2]]
    assert_exact()


def test_approving_a_proposal_that_changes_the_category_member_and_item(shiryo2):
    comment = Comment.objects.get(number=5)
    other = Comment.objects.get(number=1)
    before = counts(shiryo2)
    proposed = review.comment_state(comment)
    proposed.update(category=category("反映").pk, policy_item=other.policy_item_id)
    proposal = change_request_save(
        comment=comment, proposed=proposed, by=staff_user(EDITOR, username="henshu")
    )
    assert counts(shiryo2) == before  # nothing public changes until an approver approves

    change_request_approve(
        change_request=proposal,
        by=staff_user(APPROVER, username="shonin"),
        expected_version=proposal.version,
    )

    assert counts(shiryo2) == {**before, "反映": before["反映"] + 1, "参考": before["参考"] - 1}
    assert_exact()


def test_changing_a_published_remarks_category_in_the_admin(admin_client, shiryo2):
    comment = Comment.objects.get(number=5)
    url = change_url(comment)
    data = change_form_data(admin_client.get(url))
    data["response-0-category"] = str(category("反映困難").pk)

    assert admin_client.post(url, data).status_code == 302

    assert counts(shiryo2) == {"反映": 2, "参考": 4, "反映困難": 1}
    assert_exact()


def test_setting_the_category_of_several_remarks(shiryo2):
    comments_set_category(
        comments=Comment.objects.filter(number__in=[1, 2, 3]), category=category("今後検討")
    )

    assert counts(shiryo2)["今後検討"] == 3
    assert_exact()


def test_rows_appended_wait_and_count_once_published(shiryo2):
    extra = CommentFactory(meeting=Comment.objects.get(number=1).meeting, number=99)
    CityResponse.objects.create(comment=extra, body="検討します。", category=category("反映"))
    shiryo2.meeting = extra.meeting
    shiryo2.save()
    before = counts(shiryo2)

    report_append_meeting_comments(report=shiryo2, by=staff_user(ADMINISTRATOR))
    assert counts(shiryo2) == before  # a pending row is not public yet
    report_publish(report=shiryo2)

    assert counts(shiryo2) == {**before, "反映": before["反映"] + 1}
    assert extra.member_id in summaries.stored(shiryo2.pk).members
    assert_exact()


def test_rows_removed_by_an_import_of_the_table(shiryo2):
    kept = list(Comment.objects.filter(number__in=[1, 3]).order_by("number"))

    report_set_rows(report=shiryo2, comments=kept, by=None)

    assert sum(counts(shiryo2).values()) == 2
    assert summaries.stored(shiryo2.pk).members == {comment.member_id for comment in kept}
    assert_exact()


def test_a_row_removed_in_the_admin(admin_client, shiryo2):
    url = change_url(shiryo2)
    data = change_form_data(admin_client.get(url))
    data["entries-0-DELETE"] = "on"

    assert admin_client.post(url, data).status_code == 302

    assert sum(counts(shiryo2).values()) == 6
    assert_exact()


def test_withdrawing_a_report(shiryo2):
    report_unpublish(report=shiryo2)

    # Its remarks leave the public site: nothing published is left to count.
    assert summaries.stored(shiryo2.pk).category_counts == []
    assert PublishedSummary.objects.get().category_counts == []
    assert_exact()


def test_the_import_command(shiryo2):
    call_command(
        "import_feedback",
        str(SAMPLES / "city_sheet.xlsx"),
        "--commit",
        "--publish",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    imported = Report.objects.get(label="資料3")
    assert sum(counts(imported).values()) == 2
    assert_exact()


def test_a_published_remark_deleted_with_its_row(shiryo2):
    comment = Comment.objects.get(number=7)
    shiryo2.entries.get(comment=comment).delete()
    comment.delete()

    assert sum(counts(shiryo2).values()) == 6
    assert_exact()


def test_a_deleted_answer_counts_as_no_category(shiryo2):
    CityResponse.objects.get(comment__number=2).delete()

    assert counts(shiryo2)["未定"] == 1
    assert_exact()


def test_a_deleted_report_takes_its_summary_with_it():
    report = published_report(count=2)
    Report.objects.filter(pk=report.pk).delete()

    assert not ReportSummary.objects.exists()
    assert_exact()


def test_bulk_writes_of_remarks_answers_and_rows():
    report = published_report(count=3)
    other = published_report(count=1)
    first, second, third = report.comments.order_by("pk")

    Comment.objects.filter(pk=first.pk).update(status=PublicationStatus.DRAFT)
    assert sum(counts(report).values()) == 2
    response = CityResponse.objects.get(comment=second)
    response.category = category("反映")
    CityResponse.objects.bulk_update([response], ["category"])
    assert counts(report)["反映"] == 1
    ReportEntry.objects.filter(report=report, comment=third).update(report=other, position=9)
    assert sum(counts(report).values()) == 1
    assert sum(counts(other).values()) == 2
    entry = ReportEntry.objects.get(comment=third)
    entry.report, entry.position = report, 9
    entry.save()
    assert sum(counts(other).values()) == 1
    ReportEntry.objects.bulk_create([ReportEntry(report=other, comment=second, position=10)])
    assert counts(other)["反映"] == 1
    assert_exact()


def test_bulk_updated_rows_leave_their_old_report_and_bulk_created_ones_are_not_read_back():
    """bulk_update's rows are read as stored before it (the 資料 a row leaves is refreshed
    too); bulk_create's had no earlier state to read (an import writes 10,000 at once)."""
    report = published_report(count=2)
    other = published_report(count=1)
    first, second = report.comments.order_by("pk")
    entry = ReportEntry.objects.get(report=report, comment=second)
    entry.report, entry.position = other, 9

    ReportEntry.objects.bulk_update([entry], ["report", "position"])

    assert (sum(counts(report).values()), sum(counts(other).values())) == (1, 2)
    with CaptureQueriesContext(connection) as queries:
        ReportEntry.objects.bulk_create([ReportEntry(report=other, comment=first, position=10)])
    read_back = [q["sql"] for q in queries if '"feedback_reportentry"."id" IN' in q["sql"]]
    assert read_back == []
    assert sum(counts(other).values()) == 3
    assert_exact()


def test_writes_of_what_no_summary_reads_leave_them_alone(shiryo2):
    comment = Comment.objects.get(number=5)

    with CaptureQueriesContext(connection) as queries:
        FollowUp.objects.create(comment=comment, body="公開後の対応")
        ReportEntry.objects.filter(report=shiryo2).update(position=F("position") + 100)
        comments_set_category(comments=[comment], category=category())  # already 参考
        draft = CommentFactory()
        CityResponse.objects.create(comment=draft, body="下書き", category=category())
        draft.body = "下書きの修正"
        draft.save()

    assert [q["sql"] for q in queries if "summary" in q["sql"]] == []
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_signal_is_raised_again_after_the_summary():
    # A transactional test may follow another that emptied the tables migrations filled.
    for name in ("参考", "反映"):
        ReflectionCategory.objects.get_or_create(name=name)
    report = published_report(count=2)
    response = CityResponse.objects.get(comment=report.comments.order_by("pk").first())
    before = stamp.current().counter

    response.category = category("反映")
    response.save()

    # Once for the answer (by publication.signals), once after its summary was stored.
    assert stamp.current().counter == before + 2
    assert counts(report)["反映"] == 1
    assert_exact()


def test_refresh_all_rebuilds_what_a_write_around_the_models_left_behind():
    report = published_report(count=2)
    comment = report.comments.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE feedback_cityresponse SET category_id = %s WHERE comment_id = %s",
            [category("反映").pk, comment.pk],
        )
    assert "反映" not in counts(report)

    summaries.refresh_all()

    assert counts(report) == {"反映": 1, "参考": 1}
    assert_exact()
