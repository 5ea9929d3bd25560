"""The public 資料 as presented at its meeting, beside how it stands now."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import CityResponse, Comment, FollowUp, Report, ReportEntry
from tests.html import body_texts

pytestmark = pytest.mark.django_db


def presented_yesterday(report):
    """Date the report's presentation yesterday and move all history recorded so far before it."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    moment = timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(10)))
    for model in (Comment, CityResponse, FollowUp, Report, ReportEntry):
        model.history.update(history_date=moment)
    Report.objects.filter(pk=report.pk).update(presented_on=yesterday)
    report.refresh_from_db()
    return yesterday


def test_presented_page_says_when_nothing_changed(client, shiryo2):
    presented_yesterday(shiryo2)

    response = client.get(reverse("feedback:report-presented", args=[shiryo2.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "提出時点と現在の内容は同じです。" in page
    assert "提出後に変更あり" not in page
    assert [row[3] for row in body_texts(page)] == [
        c.body for c in Comment.objects.order_by("number")
    ]


def test_presented_page_shows_old_text_and_marks_the_changed_row(client, shiryo2):
    day = presented_yesterday(shiryo2)
    comment = Comment.objects.get(number=4)
    old_body = comment.body
    comment.body = old_body.replace("取組内容の で", "取組内容の①で")
    comment.save()

    page = client.get(reverse("feedback:report-presented", args=[shiryo2.pk])).content.decode()

    assert "提出後に内容が変わっています" in page
    assert "変更された意見 1件" in page
    rows = body_texts(page)
    assert rows[3][3] == old_body
    assert rows[3][0] == "4提出後に変更あり"
    assert [row[0] for row in rows].count("1") == 1
    assert f'<time datetime="{day.isoformat()}">' in page
    current = client.get(shiryo2.get_absolute_url()).content.decode()
    assert "提出時点の内容と比べる" in current
    assert body_texts(current)[3][3] == comment.body


def test_presented_page_is_404_without_a_date_or_for_a_draft(client, shiryo2):
    url = reverse("feedback:report-presented", args=[shiryo2.pk])
    assert client.get(url).status_code == 404

    presented_yesterday(shiryo2)
    Report.objects.filter(pk=shiryo2.pk).update(status="draft")
    assert client.get(url).status_code == 404


def test_presented_page_leaves_out_remarks_withdrawn_since(client, shiryo2):
    presented_yesterday(shiryo2)
    Comment.objects.filter(number=7).update(status="draft")

    rows = body_texts(
        client.get(reverse("feedback:report-presented", args=[shiryo2.pk])).content.decode()
    )

    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5", "6"]
