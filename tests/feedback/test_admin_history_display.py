"""History pages show what the form showed: labels, choice names, staff names, Tokyo time."""

import datetime

import pytest

from feedback.models import Comment
from feedback.permissions import ADMINISTRATOR, APPROVER
from feedback.services import report_publish
from tests.factories import answered_comment, report_with_comments, staff_user
from tests.feedback.admin_forms import change_form_data
from tests.html import read_table

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(hour, minute=0):
    """2021-07-29 at ``hour`` UTC, with microseconds the page must not show."""
    return datetime.datetime(2021, 7, 29, hour, minute, 5, 123456, tzinfo=UTC)


def history_rows(client, comment):
    page = client.get(f"/admin/feedback/comment/{comment.pk}/history/").content.decode()
    _caption, head, body = read_table(page, "table-striped")
    return (
        [" ".join(cell["text"].split()) for cell in head[0]],
        [[" ".join(cell["text"].split()) for cell in row] for row in body],
    )


def test_history_of_published_and_edited_remark_reads_as_the_form(client):
    approver = staff_user(APPROVER, username="shonin")
    approver.first_name, approver.last_name = "花子", "山田"
    approver.save()
    administrator = staff_user(ADMINISTRATOR, username="kanri")
    comment = answered_comment(number=1, body="最初の意見")
    report_publish(report=report_with_comments([comment]), by=approver)
    client.force_login(administrator)
    url = f"/admin/feedback/comment/{comment.pk}/change/"
    data = change_form_data(client.get(url))
    data["body"] = "直した意見"
    assert client.post(url, data).status_code == 302
    # Fixed times, so the page can be compared exactly (UTC in the database).
    created, published, edited = comment.history.order_by("history_id")
    for record, when in ((created, at(1)), (published, at(2)), (edited, at(15, 30))):
        Comment.history.filter(history_id=record.history_id).update(
            history_date=when, published_at=None if record is created else at(2)
        )
    _head, rows = history_rows(client, comment)
    assert rows[1][3:] == [
        "花子 山田",
        "—",
        "公開日時: （空欄） → 2021年7月29日 11:00:05 公開した職員: （空欄） → 花子 山田 "
        "公開状態: 下書き → 公開",
    ]
    approver.delete()  # the approver's account is gone; the history must still read

    head, rows = history_rows(client, comment)

    assert head == ["記録", "日時", "操作", "変更した職員", "変更理由", "変更内容"]
    name = str(comment)
    assert rows == [
        [
            name,
            "2021年7月30日 00:30:05",
            "変更",
            "kanri",
            "公開中の記録を直接修正",
            "意見、質問等: 最初の意見 → 直した意見 版: 1 → 2",
        ],
        [
            name,
            "2021年7月29日 11:00:05",
            "変更",
            "（削除された職員）",
            "—",
            "公開日時: （空欄） → 2021年7月29日 11:00:05 "
            "公開した職員: （空欄） → （削除された職員） "
            "公開状態: 下書き → 公開",
        ],
        [name, "2021年7月29日 10:00:05", "作成", "（削除された職員）", "—", ""],
    ]


def test_inline_history_shows_labels_and_tokyo_time(admin_client):
    comment = answered_comment(number=1)
    response = comment.response
    response.body = "新しい考え方"
    response.save()
    record = response.history.order_by("-history_id").first()
    type(record).objects.filter(history_id=record.history_id).update(history_date=at(3))

    page = admin_client.get(f"/admin/feedback/comment/{comment.pk}/history/").content.decode()

    assert "2021年7月29日 12:00:05" in page
    assert "+00:00" not in page
    assert ".123456" not in page
