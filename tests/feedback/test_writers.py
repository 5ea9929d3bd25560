"""Files opened the way staff and programs open them: openpyxl, the csv module, json."""

import csv
import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from feedback import excel, table, writers
from feedback.models import CityResponse, Comment, FollowUp
from tests.helpers import SOURCE_DATA

pytestmark = pytest.mark.django_db


def shiryo2_rows(report):
    comments = Comment.objects.published().filter(report_entries__report=report)
    return table.rows(table.load(comments).order_by("report_entries__position"))


@pytest.fixture
def workbook(shiryo2, tmp_path):
    path = tmp_path / "資料2.xlsx"
    call_command("export_report", "資料2", "--output", str(path), verbosity=0)
    return load_workbook(path)


def test_workbook_cells_equal_the_source(workbook):
    sheet = workbook.active
    assert sheet.title == "資料2"
    assert sheet["A1"].value == "平塚市デジタル化基本方針への反映状況"
    assert sheet["G1"].value == "資料2"
    assert sheet["A3"].value == SOURCE_DATA["remarks_heading"]
    assert sheet["F3"].value == SOURCE_DATA["response_heading"]
    assert [cell.value for cell in sheet[4]] == list(table.TITLES)
    data = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]
    expected = [[int(row[0]), *row[1:]] for row in SOURCE_DATA["rows"]]
    assert data == expected


def test_workbook_layout_prints_like_the_paper(workbook):
    sheet = workbook.active
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == ["A1:F1", "A3:E3", "F3:G3"]
    assert sheet.print_title_rows == "$3:$4"
    assert sheet.freeze_panes == "A5"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.oddFooter.center.text == "&P / &N"
    assert sheet.print_area == "'資料2'!$A$1:$G$11"
    assert [round(sheet.column_dimensions[c].width) for c in "ABCDEFG"] == list(excel.COLUMN_WIDTHS)


def test_workbook_cells_are_styled_text_with_borders(workbook):
    sheet = workbook.active
    body = sheet["D5"]
    assert body.data_type == "s"
    assert body.font.name == "ＭＳ ゴシック"
    assert body.alignment.wrap_text is True
    assert body.alignment.vertical == "top"
    assert body.border.left.style == "thin"
    assert sheet["A5"].data_type == "n"
    assert sheet["A4"].font.bold is True


def test_workbook_never_writes_formulas(shiryo2):
    comment = Comment.objects.get(number=1)
    comment.body = '=HYPERLINK("http://example.com","x")'
    comment.save()
    comment.response.body = "#N/A"
    comment.response.save()
    rows = shiryo2_rows(shiryo2)

    content = excel.workbook_bytes(excel.report_workbook(shiryo2, rows))

    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["D5"].data_type == "s"
    assert sheet["D5"].value == '=HYPERLINK("http://example.com","x")'
    assert sheet["E5"].data_type == "s"
    assert sheet["E5"].value == "#N/A"


def test_csv_has_bom_crlf_and_every_cell(shiryo2):
    content = writers.write_csv(shiryo2_rows(shiryo2), base_url="https://example.jp")

    assert content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in content
    records = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert records[0] == list(writers.CSV_HEADER)
    assert [record[1:8] for record in records[1:]] == SOURCE_DATA["rows"]
    assert {record[0] for record in records[1:]} == {"令和2年度第2回平塚市行政改革推進委員会"}
    assert records[1][8].startswith("https://example.jp/comments/")


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralizes_formula_text(shiryo2, dangerous):
    comment = Comment.objects.get(number=2)
    comment.body = dangerous
    comment.save()

    records = list(
        csv.reader(io.StringIO(writers.write_csv(shiryo2_rows(shiryo2)).decode("utf-8-sig")))
    )

    assert records[2][4] == "'" + dangerous
    assert records[2][1] == "2"  # numbers stay numbers


def test_json_uses_documented_fields(shiryo2):
    document = json.loads(writers.write_json(shiryo2_rows(shiryo2), report=shiryo2))

    assert document["schema_version"] == 1
    assert document["report"]["label"] == "資料2"
    assert document["report"]["remarks_heading"] == SOURCE_DATA["remarks_heading"]
    first = document["remarks"][0]
    assert sorted(first) == sorted(
        [
            "id",
            "url",
            "meeting",
            "committee",
            "fiscal_year",
            "meeting_number",
            "held_on",
            "number",
            "member",
            "policy",
            "policy_item",
            "remark",
            "city_view",
            "category",
            "follow_up",
            "follow_ups",
            "updated_at",
        ]
    )
    assert [
        [str(r["number"]), r["member"], r["policy_item"], r["remark"], r["city_view"],
         r["category"], r["follow_up"]]
        for r in document["remarks"]
    ] == SOURCE_DATA["rows"]  # fmt: skip
    assert first["follow_ups"] == [{"recorded_on": None, "text": SOURCE_DATA["rows"][0][6]}]
    assert first["fiscal_year"] == 2020


def test_json_updated_at_is_the_rows_latest_change_in_local_time_to_the_second(shiryo2):
    comment = Comment.objects.get(number=3)
    # 00:30:15.5 UTC is 09:30:15 in Tokyo; the answer changed last.
    Comment.objects.filter(pk=comment.pk).update(
        updated_at=datetime.datetime(2021, 3, 1, 0, 0, tzinfo=datetime.UTC)
    )
    CityResponse.objects.filter(comment=comment).update(
        updated_at=datetime.datetime(2021, 3, 1, 0, 30, 15, 500000, tzinfo=datetime.UTC)
    )
    FollowUp.objects.filter(comment=comment).update(
        updated_at=datetime.datetime(2021, 2, 1, tzinfo=datetime.UTC)
    )

    document = json.loads(writers.write_json(shiryo2_rows(shiryo2), report=shiryo2))

    (row,) = [row for row in document["remarks"] if row["number"] == 3]
    assert row["updated_at"] == "2021-03-01T09:30:15+09:00"


def test_export_command_refuses_unknown_report(db, tmp_path):
    with pytest.raises(CommandError, match="資料「資料99」が見つかりません"):
        call_command("export_report", "資料99", "--output", str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


def test_export_command_writes_csv_and_json(shiryo2, tmp_path):
    call_command("export_report", "資料2", "-o", str(tmp_path / "a.csv"), verbosity=0)
    call_command("export_report", str(shiryo2.pk), "-o", str(tmp_path / "a.json"), verbosity=0)
    assert (tmp_path / "a.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(json.loads((tmp_path / "a.json").read_text("utf-8"))["remarks"]) == 7


@pytest.mark.parametrize(
    ("text", "capacity", "lines"),
    [
        ("", 47, 1),
        ("あ" * 23, 47, 1),  # full width counts 2: 46 of 47
        ("あ" * 24, 47, 2),
        ("a" * 47, 47, 1),  # ASCII counts 1
        ("a" * 48, 47, 2),
        ("一行目\n二行目\n\n四行目", 47, 4),  # explicit line breaks
        ("あ" * 22 + "い。", 47, 2),  # 。 never starts a line: い goes with it
        ("あ" * 22 + "「い", 47, 2),  # 「 never ends a line
        ("あ" * 20 + "LINEです", 47, 2),  # an ASCII word is not split
        ("x" * 100, 47, 3),  # unless longer than a line
        ("word " * 10, 10, 5),  # spaces at a line's end hang
    ],
)
def test_line_count_wraps_like_japanese_typesetting(text, capacity, lines):
    assert excel.line_count(text, capacity) == lines


def test_row_height_is_whole_pixels_within_excels_limit():
    assert excel.row_height(1) == 15.75  # 12.5 + 3 pt, rounded up to 21 px
    assert excel.row_height(2) == 28.5
    assert excel.row_height(1, 14) == 21
    assert excel.row_height(1000) == 409


def test_workbook_default_font_is_the_body_font(workbook):
    """Column widths count in the default font's digit: ＭＳ ゴシック 10 pt, not Calibri."""
    assert workbook._fonts[0].name == "ＭＳ ゴシック"
    assert workbook._fonts[0].sz == 10
