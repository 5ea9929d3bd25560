"""The public reads: each filtered read is one selector that the page and its download share."""

import datetime
import json

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback import selectors, summaries, table
from feedback.models import Comment, FollowUp, ReflectionCategory
from feedback.services import report_publish
from tests.factories import (
    CommentFactory,
    FollowUpFactory,
    answered_comment,
    category,
    published_report,
    report_with_comments,
)
from tests.helpers import SOURCE_DATA

pytestmark = pytest.mark.django_db


def params(query=""):
    return QueryDict(query)


def download_url(report, fmt="json"):
    return reverse("feedback:report-download", args=[report.pk, fmt])


def choice_values(filterset, name):
    return [value for value, _label in filterset.form.fields[name].choices if value != ""]


def test_report_filter_rows_are_the_published_rows_in_printed_order(shiryo2):
    rows = table.rows(selectors.report_filter(shiryo2, params()).qs)

    assert [[str(cell) for cell in row.cells] for row in rows] == SOURCE_DATA["rows"]


def test_report_filter_offers_the_reports_own_members_and_items(shiryo2):
    other = published_report(count=1)
    filterset = selectors.report_filter(shiryo2, params())

    members = sorted(
        Comment.objects.filter(report_entries__report=shiryo2).values_list("member", flat=True)
    )
    assert sorted(int(value) for value in choice_values(filterset, "member")) == sorted(
        set(members)
    )
    assert str(other.comments.get().member_id) not in choice_values(filterset, "member")
    items = Comment.objects.filter(report_entries__report=shiryo2).values_list(
        "policy_item", flat=True
    )
    assert sorted(int(value) for value in choice_values(filterset, "item")) == sorted(set(items))
    assert choice_values(filterset, "category") == [
        str(pk) for pk in ReflectionCategory.objects.values_list("pk", flat=True)
    ]


def test_report_page_and_download_refuse_the_same_member_of_another_report(client, shiryo2):
    stranger = published_report(count=1).comments.get().member
    query = f"?member={stranger.pk}"

    page = client.get(shiryo2.get_absolute_url() + query)
    download = client.get(download_url(shiryo2, "csv") + query)

    message = "指定された委員は選べません。一覧から選び直してください。"
    assert page.status_code == 400
    assert message in page.content.decode()
    assert (download.status_code, download.content.decode()) == (400, message)


def test_report_download_follows_the_filter_of_the_page(client, shiryo2):
    comment = Comment.objects.get(number=4)
    query = f"?member={comment.member_id}"

    page = client.get(shiryo2.get_absolute_url() + query)
    document = json.loads(client.get(download_url(shiryo2) + query).content)

    # 芦川委員 made remarks 3 to 5 of 資料2.
    assert [row.number for row in page.context["rows"]] == [3, 4, 5]
    assert [remark["number"] for remark in document["remarks"]] == [3, 4, 5]


def test_search_filter_finds_by_keyword_newest_meeting_first(db):
    older = answered_comment(body="窓口のAI案内を検討してください。")
    newer = answered_comment(body="AIの活用を進めてください。", meeting__fiscal_year=2021)
    other = answered_comment(body="紙の申請を減らしてください。")
    report_publish(report=report_with_comments([older, newer, other]))
    answered_comment(body="下書きのAIの意見です。")

    found = selectors.search_filter(params("q=AI")).qs

    assert [comment.pk for comment in found] == [newer.pk, older.pk]


def test_search_filter_choices_leave_out_members_with_only_drafts(shiryo2):
    draft = CommentFactory()
    filterset = selectors.search_filter(params())

    assert str(draft.member_id) not in choice_values(filterset, "member")
    assert len(choice_values(filterset, "member")) == len(
        set(Comment.objects.published().values_list("member", flat=True))
    )


def test_report_page_costs_seven_queries_and_one_more_with_a_snapshot(
    client, shiryo2, django_assert_num_queries
):
    plain = published_report(count=30)

    with django_assert_num_queries(7):
        assert client.get(plain.get_absolute_url()).status_code == 200
    # 資料2 has a 配布版: which of its rows are withdrawn since.
    with django_assert_num_queries(8):
        assert client.get(shiryo2.get_absolute_url()).status_code == 200


def test_unfiltered_download_reads_the_rows_and_no_choices(client, django_assert_num_queries):
    report = published_report(count=30)

    # The change stamp, the 資料, its rows, their follow-ups.
    with django_assert_num_queries(4):
        response = client.get(download_url(report))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("feedback:comment-download", args=["csv"]))

    assert len(json.loads(response.content)["remarks"]) == 30
    assert not [query for query in queries if "COUNT(" in query["sql"].upper()]


def test_filtered_download_reads_the_reports_choices_once(client, django_assert_num_queries):
    report = published_report(count=3)
    member = report.comments.first().member

    # As unfiltered, plus the 資料's members, its policy items and the categories.
    with django_assert_num_queries(7):
        response = client.get(download_url(report) + f"?member={member.pk}")

    assert [remark["member"] for remark in json.loads(response.content)["remarks"]] == [
        member.display_name
    ]


def test_report_table_with_an_invalid_filter_has_no_rows(shiryo2):
    read = selectors.report_table(shiryo2, params("category=999999"))

    assert read.rows == []
    assert read.total == 7
    assert read.filter.error_messages == [
        "指定された対応区分は選べません。一覧から選び直してください。"
    ]


def test_report_table_summary_counts_every_category(shiryo2):
    read = selectors.report_table(shiryo2, params())

    counts = {category.name: count for category, count in read.summary if category}
    assert (counts["反映"], counts["参考"], counts["反映困難"]) == (2, 5, 0)
    assert read.total == 7
    assert [row.number for row in read.rows] == [1, 2, 3, 4, 5, 6, 7]


def test_counts_per_category_list_every_category_then_the_uncategorised(db):
    categories = list(ReflectionCategory.objects.order_by("order", "name")[:2])
    report = report_with_comments([answered_comment(), CommentFactory()])

    counted = summaries.count_by_category(categories, [[categories[1].pk, 2], [None, 1]])
    grouped = summaries.report_category_counts(report, categories)

    assert counted == [(categories[0], 0), (categories[1], 2), (None, 1)]
    # Drafts are not counted: the 資料 is not published.
    assert grouped == [(categories[0], 0), (categories[1], 0)]


def test_published_category_counts_are_those_of_the_published_remarks(shiryo2):
    categories = selectors.public_categories()

    counts = dict(summaries.published_category_counts(categories))

    assert (counts[category("反映")], counts[category("参考")]) == (2, 5)
    assert sum(counts.values()) == 7


def test_latest_follow_up_is_the_same_on_the_page_and_in_the_files(client):
    report = published_report(count=1)
    comment = report.comments.get()
    FollowUp.objects.filter(comment=comment).delete()
    FollowUpFactory(comment=comment, body="日付のない記録", recorded_on=None)
    FollowUpFactory(comment=comment, body="後の記録", recorded_on=datetime.date(2021, 7, 1))
    FollowUpFactory(comment=comment, body="先の記録", recorded_on=datetime.date(2021, 4, 1))
    FollowUpFactory(comment=comment, body="同じ日の後の記録", recorded_on=datetime.date(2021, 7, 1))

    page = client.get(report.get_absolute_url())
    document = json.loads(client.get(download_url(report)).content)

    assert page.context["rows"][0].follow_up == "同じ日の後の記録"
    assert document["remarks"][0]["follow_up"] == "同じ日の後の記録"
    assert [entry["text"] for entry in document["remarks"][0]["follow_ups"]] == [
        "日付のない記録",
        "先の記録",
        "後の記録",
        "同じ日の後の記録",
    ]
    assert list(
        FollowUp.objects.filter(comment=comment).latest_first().values_list("body", flat=True)
    ) == ["同じ日の後の記録", "後の記録", "先の記録", "日付のない記録"]
