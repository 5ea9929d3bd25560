"""Downloads over HTTP: published data only, following the page's filters, with safe names."""

import csv
import io
import json
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from feedback import excel, permissions, table
from feedback.enums import PublicationStatus
from feedback.models import Comment, ReportEntry
from tests.factories import answered_comment, report_with_comments, staff_user
from tests.helpers import SOURCE_DATA

pytestmark = pytest.mark.django_db

MARKER = "下書きだけの秘密の文言"


def download(client, report, fmt, **params):
    return client.get(reverse("feedback:report-download", args=[report.pk, fmt]), params)


def csv_records(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def test_report_workbook_download(client, shiryo2):
    response = download(client, shiryo2, "xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    expected_name = quote("資料2_平塚市デジタル化基本方針への反映状況.xlsx")
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{expected_name}"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == SOURCE_DATA["title"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=5)] == [
        [int(row[0]), *row[1:]] for row in SOURCE_DATA["rows"]
    ]


def test_report_csv_follows_keyword_and_category_filters(client, shiryo2):
    response = download(client, shiryo2, "csv", q="AI")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert [record[1] for record in csv_records(response)[1:]] == ["6", "7"]
    assert "_%E7%B5%9E%E3%82%8A%E8%BE%BC%E3%81%BF.csv" in response["Content-Disposition"]

    reflected = shiryo2.comments.get(number=1).response.category
    response = download(client, shiryo2, "csv", category=reflected.pk)
    assert [record[1] for record in csv_records(response)[1:]] == ["1", "7"]


def test_report_json_has_absolute_urls(client, shiryo2):
    response = download(client, shiryo2, "json")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(response.content)
    assert document["report"]["url"] == f"http://testserver{shiryo2.get_absolute_url()}"
    assert [r["number"] for r in document["remarks"]] == [1, 2, 3, 4, 5, 6, 7]
    assert document["remarks"][0]["url"].startswith("http://testserver/comments/")


def test_downloads_never_hold_drafts(client, shiryo2):
    seeded = Comment.objects.first()
    draft = answered_comment(body=f"{MARKER}の意見", meeting=seeded.meeting, number=100)
    draft.member = seeded.member
    draft.save()
    ReportEntry.objects.create(report=shiryo2, comment=draft, position=99)
    draft_report = report_with_comments([answered_comment(body=MARKER)])

    for fmt in ("xlsx", "csv", "json"):
        for params in ({}, {"q": MARKER}, {"q": "の"}):
            response = download(client, shiryo2, fmt, **params)
            assert response.status_code == 200
            if fmt == "xlsx":
                sheet = load_workbook(io.BytesIO(response.content)).active
                text = "".join(str(c.value) for row in sheet.iter_rows() for c in row)
            else:
                text = response.content.decode("utf-8-sig")
            assert MARKER not in text
        assert download(client, draft_report, fmt).status_code == 404
        all_remarks = client.get(reverse("feedback:comment-download", args=[fmt]))
        assert all_remarks.status_code == 200
        assert MARKER.encode() not in all_remarks.content


def test_all_remarks_download_follows_member_filter(client, shiryo2):
    member = Comment.objects.get(number=3).member  # 芦川委員: remarks 3, 4, 5
    response = client.get(reverse("feedback:comment-download", args=["csv"]), {"member": member.pk})

    assert sorted(record[1] for record in csv_records(response)[1:]) == ["3", "4", "5"]


def test_invalid_filter_is_a_plain_japanese_400(client, shiryo2):
    response = download(client, shiryo2, "csv", member="999999")

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "指定された委員は選べません" in response.content.decode()


def test_unknown_format_is_404(client, shiryo2):
    assert download(client, shiryo2, "pdf").status_code == 404


def test_report_page_links_downloads_with_current_filters(client, shiryo2):
    page = client.get(shiryo2.get_absolute_url(), {"q": "LINE"}).content.decode()

    for fmt in ("xlsx", "csv", "json"):
        url = reverse("feedback:report-download", args=[shiryo2.pk, fmt])
        assert f'href="{url}?q=LINE"' in page


def test_search_page_links_downloads(client, shiryo2):
    page = client.get(reverse("feedback:comment-search"), {"q": "AI"}).content.decode()

    assert f'href="{reverse("feedback:comment-download", args=["csv"])}?q=AI"' in page


def test_open_data_page_describes_the_formats(client, db):
    page = client.get(reverse("feedback:open-data")).content.decode()

    assert "CC BY 4.0" in page
    assert "<code>city_view</code>" in page


def test_all_remarks_workbook_uses_the_list_layout(client, shiryo2):
    response = client.get(reverse("feedback:comment-download", args=["xlsx"]), {"q": "AI"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "意見と市の考え方"
    assert sheet["A3"].value == "委員からの意見、質問等に対する市の考え方"
    assert [sheet["A5"].value, sheet["A6"].value, sheet["A7"].value] == [6, 7, None]


# -- the staff workbooks, numbers, row heights and UTF-8 JSON -----------------------------------


def staff_client(client):
    client.force_login(staff_user(permissions.EDITOR))
    return client


def workbook_sheet(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).active


def unpublish(comment):
    comment.status = PublicationStatus.DRAFT
    comment.published_at = None
    comment.save()


def test_no_is_a_number_in_every_workbook(client, shiryo2, tmp_path):
    """A No. stored as text shows Excel's warning triangle; every path writes a number."""
    path = tmp_path / "資料2.xlsx"
    call_command("export_report", "資料2", "-o", str(path), verbosity=0)
    sheets = {
        "public 資料": workbook_sheet(download(client, shiryo2, "xlsx")),
        "public list": workbook_sheet(
            client.get(reverse("feedback:comment-download", args=["xlsx"]))
        ),
        "export_report": load_workbook(path).active,
    }
    staff = staff_client(client)
    sheets["admin 資料"] = workbook_sheet(
        staff.get(reverse("admin:feedback_report_workbook", args=[shiryo2.pk]))
    )
    sheets["admin action"] = workbook_sheet(
        staff.post(
            reverse("admin:feedback_comment_changelist"),
            {
                "action": "export_workbook",
                "_selected_action": [
                    str(pk) for pk in Comment.objects.values_list("pk", flat=True)
                ],
            },
        )
    )
    for name, sheet in sheets.items():
        numbers = [sheet.cell(row, 1) for row in range(5, sheet.max_row + 1)]
        assert [cell.value for cell in numbers] == [1, 2, 3, 4, 5, 6, 7], name
        assert {cell.data_type for cell in numbers} == {"n"}, name


def test_public_workbook_rows_have_heights_from_their_text(client, shiryo2):
    sheet = workbook_sheet(download(client, shiryo2, "xlsx"))

    for row in range(1, sheet.max_row + 1):
        assert sheet.row_dimensions[row].height, f"row {row} has no height"
    for row in range(5, sheet.max_row + 1):
        lines = max(
            excel.line_count(str(sheet.cell(row, column).value or ""), excel.capacity(width))
            for column, width in enumerate(excel.COLUMN_WIDTHS, start=1)
        )
        assert sheet.row_dimensions[row].height == excel.row_height(lines)
    # No. 1 is the tallest row of 資料2: its remark wraps to 17 lines of 47 narrow characters.
    assert sheet.row_dimensions[5].height == excel.row_height(17) == 216


def test_public_workbook_columns_never_change_for_drafts(client, shiryo2):
    draft = answered_comment(
        body=f"{MARKER}の意見", meeting=Comment.objects.first().meeting, number=100
    )
    ReportEntry.objects.create(report=shiryo2, comment=draft, position=99)

    sheet = workbook_sheet(download(client, shiryo2, "xlsx"))

    assert sheet.max_column == 7
    assert [cell.value for cell in sheet[4]] == list(table.TITLES)
    assert sheet["A2"].value is None
    assert sheet.oddHeader.right.text is None


def test_staff_workbook_marks_draft_rows(client, shiryo2, tmp_path):
    unpublish(Comment.objects.get(number=3))
    staff = staff_client(client)

    for sheet in (
        workbook_sheet(staff.get(reverse("admin:feedback_report_workbook", args=[shiryo2.pk]))),
        workbook_sheet(
            staff.post(
                reverse("admin:feedback_comment_changelist"),
                {
                    "action": "export_workbook",
                    "_selected_action": [
                        str(pk) for pk in Comment.objects.values_list("pk", flat=True)
                    ],
                },
            )
        ),
    ):
        assert sheet["A2"].value == excel.DRAFT_NOTE
        assert sheet.oddHeader.right.text == excel.DRAFT_NOTE
        assert [cell.value for cell in sheet[4]][:7] == list(table.TITLES)
        assert sheet["H3"].value == "公開状態"
        assert [sheet.cell(row, 8).value for row in range(5, 12)] == [
            None, None, "未公開", None, None, None, None
        ]  # fmt: skip
        assert sheet["H7"].font.bold is True

    path = tmp_path / "資料2.xlsx"
    call_command("export_report", "資料2", "-o", str(path), verbosity=0)
    assert load_workbook(path).active["H7"].value == "未公開"
    call_command("export_report", "資料2", "-o", str(path), "--published-only", verbosity=0)
    assert load_workbook(path).active.max_column == 7


def test_staff_workbook_without_drafts_is_the_public_layout(client, shiryo2):
    sheet = workbook_sheet(
        staff_client(client).get(reverse("admin:feedback_report_workbook", args=[shiryo2.pk]))
    )

    assert sheet.max_column == 7
    assert sheet["A2"].value is None


@pytest.mark.parametrize("url_name", ["report", "all"])
def test_json_download_is_utf8_not_escaped(client, shiryo2, url_name):
    if url_name == "report":
        response = download(client, shiryo2, "json")
    else:
        response = client.get(reverse("feedback:comment-download", args=["json"]))

    body = b"".join(response) if response.streaming else response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "秋山委員".encode() in body
    assert SOURCE_DATA["rows"][0][3].encode() in body
    assert b"\\u" not in body
    assert json.loads(body.decode("utf-8"))["remarks"][0]["member"] == "秋山委員"
