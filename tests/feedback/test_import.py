"""Importing the city's sheets: exact round trips, the city's own layouts, hostile files.

Every refused file leaves the database exactly as it was: the tests compare a full snapshot of
the records before and after.
"""

import io
import zipfile
from datetime import datetime, time

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from feedback import importing
from feedback.models import (
    CityResponse,
    Comment,
    FollowUp,
    Meeting,
    Member,
    Report,
)
from policy.models import PolicyItem
from tests.helpers import SAMPLES, SOURCE, SOURCE_DATA, snapshot


def run_import(path, *args):
    out = io.StringIO()
    call_command("import_feedback", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(path, *args):
    """Run an import that must fail; return its output and check nothing changed."""
    before = snapshot()
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_feedback", str(path), *args, stdout=out, stderr=io.StringIO())
    assert snapshot() == before
    return out.getvalue() + "\n" + str(error.value)


@pytest.fixture
def exported(shiryo2, tmp_path):
    def export(suffix):
        path = tmp_path / f"資料2.{suffix}"
        call_command("export_report", "資料2", "-o", str(path), verbosity=0)
        return path

    return export


# -- reading ------------------------------------------------------------------------------------


def test_source_text_reads_into_the_seven_rows():
    sheet = importing.read_upload(SOURCE.read_bytes())

    assert sheet.meta.title == SOURCE_DATA["title"]
    assert sheet.meta.label == "資料2"
    assert sheet.meta.remarks_heading == SOURCE_DATA["remarks_heading"]
    assert sheet.meta.response_heading == SOURCE_DATA["response_heading"]
    assert sheet.meta.meeting == importing.MeetingKey("平塚市行政改革推進委員会", 2020, 2)
    assert [
        [str(r.number), r.member, r.policy_item, r.remark, r.response, r.category, r.follow_up]
        for r in sheet.rows
    ] == SOURCE_DATA["rows"]
    assert [r.errors for r in sheet.rows] == [[]] * 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和2年度第2回平塚市行政改革推進委員会", ("平塚市行政改革推進委員会", 2020, 2)),
        (
            "令和元年度第1回平塚市行政改革推進委員会における意見",
            ("平塚市行政改革推進委員会", 2019, 1),
        ),
        ("平成30年度第３回都市計画審議会", ("都市計画審議会", 2018, 3)),
        ("第2回平塚市行政改革推進委員会", None),
        ("令和0年度第1回平塚市行政改革推進委員会", None),
        ("令和２年度第２回平塚市行政改革推進委員会", ("平塚市行政改革推進委員会", 2020, 2)),
    ],
)
def test_parse_meeting_name(text, expected):
    key = importing.parse_meeting_name(text)
    assert (key and (key.committee, key.fiscal_year, key.number)) == expected


# -- the round trip -----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_untouched_export_imports_as_all_unchanged(exported, suffix):
    before = snapshot()

    out = run_import(exported(suffix), "--commit")

    assert "新規 0件、変更 0件、変更なし 7件、エラー 0件" in out
    assert snapshot() == before


def test_one_edited_cell_changes_exactly_that_field(exported):
    path = exported("xlsx")
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet["D8"].value.startswith("取組内容の でSNS")
    sheet["D8"] = sheet["D8"].value.replace("取組内容の でSNS", "取組内容の①でSNS")
    workbook.save(path)
    before = snapshot()

    out = run_import(path, "--commit")

    assert "新規 0件、変更 1件、変更なし 6件、エラー 0件" in out
    after = snapshot()
    changed = [
        (name, old_row["id"], key)
        for name in before
        for old_row, new_row in zip(before[name], after[name], strict=True)
        for key in old_row
        if old_row[key] != new_row[key]
    ]
    comment = Comment.objects.get(number=4)
    assert sorted(changed) == [
        ("Comment", comment.pk, "body"),
        ("Comment", comment.pk, "search_bigrams"),
        ("Comment", comment.pk, "search_text"),
        ("Comment", comment.pk, "updated_at"),
        ("Comment", comment.pk, "version"),
    ]
    assert comment.body.startswith("取組内容の①でSNS")
    assert comment.search_text.startswith("取組内容の1でsns")
    assert comment.history.first().body.startswith("取組内容の①でSNS")


def test_one_edited_csv_cell_changes_exactly_that_field(exported):
    path = exported("csv")
    text = path.read_bytes().decode("utf-8-sig")
    path.write_bytes(("\ufeff" + text.replace(",参考,", ",今後検討,", 1)).encode("utf-8"))

    out = run_import(path, "--commit")

    assert "新規 0件、変更 1件、変更なし 6件、エラー 0件" in out
    assert CityResponse.objects.get(comment__number=2).category.name == "今後検討"
    assert Comment.objects.get(number=2).body == SOURCE_DATA["rows"][1][3]


def test_changed_follow_up_is_added_as_a_new_dated_entry(exported):
    path = exported("xlsx")
    workbook = load_workbook(path)
    workbook.active["G5"] = "用語解説を改訂しました。"
    workbook.save(path)

    run_import(path, "--commit")

    texts = list(Comment.objects.get(number=1).follow_ups.values_list("body", flat=True))
    assert texts == [SOURCE_DATA["rows"][0][6], "用語解説を改訂しました。"]
    assert FollowUp.objects.get(body="用語解説を改訂しました。").recorded_on is not None


# -- the city's own sheets ----------------------------------------------------------------------


def test_source_text_imports_into_an_empty_database(db):
    out = run_import(SOURCE, "--commit", "--create-missing", "--policy", "平塚市デジタル化基本方針")

    assert "新規 7件、変更 0件、変更なし 0件、エラー 0件" in out
    report = Report.objects.get(label="資料2")
    assert report.remarks_heading == SOURCE_DATA["remarks_heading"]
    assert report.is_published is False
    rows = [
        [
            str(entry.comment.number),
            entry.comment.member.display_name,
            entry.comment.policy_item.heading,
            entry.comment.body,
            entry.comment.response.body,
            entry.comment.response.category.name,
            entry.comment.follow_ups.get().body,
        ]
        for entry in report.entries.order_by("position")
    ]
    assert rows == SOURCE_DATA["rows"]
    assert Meeting.objects.get().name == "令和2年度第2回平塚市行政改革推進委員会"
    whole = PolicyItem.objects.get(heading="平塚市デジタル化基本方針（素案）")
    assert whole.kind == "whole"
    assert whole.policy.title == "平塚市デジタル化基本方針"


def test_city_workbook_uses_the_meeting_its_heading_names(shiryo2):
    out = run_import(SAMPLES / "city_sheet.xlsx", "--commit")

    assert "新規 2件、変更 0件、変更なし 0件、エラー 0件" in out
    meeting = Meeting.objects.get(fiscal_year=2021, number=1)
    report = Report.objects.get(label="資料3")
    assert report.title == "平塚市デジタル化推進計画への意見"
    assert report.response_heading == "計画策定に当たった対応"
    comments = [entry.comment for entry in report.entries.order_by("position")]
    assert [(c.meeting, c.number, c.member.name) for c in comments] == [
        (meeting, 1, "秋山"),
        (meeting, 2, "芦川"),
    ]
    assert comments[0].body == "外部監査の結果を公表してほしい。\n特に改善点を知りたい。"
    assert comments[1].response.category.name == "今後検討"
    assert not comments[1].follow_ups.exists()
    assert all(not c.is_published for c in comments)


def test_cp932_csv_keeps_characters_shift_jis_lacks(shiryo2):
    run_import(SAMPLES / "city_sheet_cp932.csv", "--commit")

    comment = Comment.objects.get(meeting__fiscal_year=2021, number=3)
    assert comment.body == "①AI-OCRの対象業務は？\n髙橋課長の説明を求めます。"
    assert comment.follow_ups.get().body == "山﨑部長から説明しました。"
    assert comment.member.name == "久田"


def test_dry_run_changes_nothing(shiryo2):
    before = snapshot()

    out = run_import(SAMPLES / "city_sheet.xlsx")

    assert "新規 2件" in out
    assert "確認のみです" in out
    assert snapshot() == before


def test_publish_option_publishes_the_imported_report(shiryo2):
    run_import(SAMPLES / "city_sheet.xlsx", "--commit", "--publish")

    report = Report.objects.get(label="資料3")
    assert report.is_published
    assert Comment.objects.published().filter(meeting__fiscal_year=2021).count() == 2


def test_publish_refusal_rolls_back_the_import(shiryo2, tmp_path):
    workbook = load_workbook(SAMPLES / "city_sheet.xlsx")
    workbook.active["E6"] = None  # row 2 loses its category: the 資料 cannot be published
    path = tmp_path / "unanswered.xlsx"
    workbook.save(path)

    message = refused(path, "--commit", "--publish")

    assert "公開できません" in message
    assert "No.2" in message


# -- broken and hostile files -------------------------------------------------------------------


def test_unknown_category_is_a_row_error_naming_row_and_column(shiryo2, tmp_path):
    workbook = load_workbook(SAMPLES / "city_sheet.xlsx")
    workbook.active["E5"] = "検討中"
    path = tmp_path / "unknown.xlsx"
    workbook.save(path)

    message = refused(path, "--commit")

    assert "5行目 E列（対応区分）: 対応区分「検討中」は登録されていません" in message
    assert "エラー 1件" in message


def test_unknown_member_is_an_error_unless_create_missing(shiryo2, tmp_path):
    workbook = load_workbook(SAMPLES / "city_sheet.xlsx")
    workbook.active["A6"] = "2 新井委員"
    path = tmp_path / "new_member.xlsx"
    workbook.save(path)

    message = refused(path, "--commit")
    assert (
        "6行目 A列（委員名）: 「新井委員」は平塚市行政改革推進委員会の委員に登録されていません"
        in message
    )

    run_import(path, "--commit", "--create-missing")
    assert Member.objects.get(name="新井").committee.name == "平塚市行政改革推進委員会"


def test_blank_member_is_refused(shiryo2, tmp_path):
    path = tmp_path / "blank_member.csv"
    path.write_text(
        "No.,委員名,対象項目,意見、質問等\r\n1,,本市の未来像,意見です。\r\n",
        encoding="utf-8",
    )

    message = refused(path, "--commit", "--meeting", "令和2年度第2回平塚市行政改革推進委員会")

    assert "2行目 2列目（委員名）: 委員名が空です。" in message


def test_same_number_twice_is_refused(shiryo2, tmp_path):
    workbook = load_workbook(SAMPLES / "city_sheet.xlsx")
    workbook.active["A6"] = "1 芦川委員"
    path = tmp_path / "duplicate.xlsx"
    workbook.save(path)

    message = refused(path, "--commit")

    assert "6行目: No.1 が5行目と重複しています。" in message


def test_missing_required_column_is_refused(shiryo2, tmp_path):
    path = tmp_path / "missing.csv"
    path.write_text("No.,委員名,意見、質問等\r\n1,秋山委員,意見です。\r\n", encoding="utf-8")

    message = refused(path, "--commit")

    assert "1行目の見出しに必要な列がありません: 「対象項目」" in message


def test_formula_cells_are_refused(shiryo2):
    message = refused(SAMPLES / "formula.xlsx", "--commit")

    assert "数式のセルは読み込めません" in message
    assert "2行目 D列" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "ファイルが空です（0バイト）。"),
        (b"PK\x03\x04not really a zip", "Excel ブックとして読めません（ファイルが壊れています）。"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "このファイルは読み込めません。"),
        (b"\x00\x01\x02binary", "このファイルは読み込めません。"),
        (b"\x85\x40,\x85\x41\r\n", "文字コードを判別できません。"),
        ("表題だけの文章\n".encode(), "見出し行が見つかりません。"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(shiryo2, tmp_path, content, expected):
    path = tmp_path / "upload.bin"
    path.write_bytes(content)

    assert expected in refused(path, "--commit")


@override_settings(FEEDBACK_IMPORT_MAX_UPLOAD_BYTES=1000)
def test_file_over_the_size_limit_is_refused(shiryo2):
    message = refused(SAMPLES / "city_sheet.xlsx", "--commit")

    assert "ファイルが大きすぎます" in message
    assert "上限は1,000バイトです" in message


@override_settings(FEEDBACK_IMPORT_MAX_UNCOMPRESSED_BYTES=1_000_000)
def test_zip_bomb_is_refused_before_parsing(shiryo2, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 5_000_000)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 20_000

    message = refused(path, "--commit")

    assert "Excel ブックを展開すると大きすぎます" in message


def _workbook_bytes(fill):
    workbook = Workbook()
    fill(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _trimmed(rows):
    """Rows without their trailing blank cells and the blank rows at the end: the readers
    size a sheet differently (openpyxl by its recorded dimension, calamine by its cells)."""
    rows = [list(row) for row in rows]
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _odd_cells(workbook):
    sheet = workbook.active
    sheet.append(["No.", "委員名", "対象項目", "意見、質問等", "日付", "時刻", "真偽"])
    sheet.append(
        [1, "秋山委員", "1 基本方針", "改行\r\nあり", datetime(2024, 4, 1), time(9, 30), True]
    )
    sheet.append([2.5, "髙橋委員", CellRichText(["太", TextBlock(InlineFont(b=True), "字")])])
    sheet["C5"] = datetime(2024, 4, 2, 9, 5)
    sheet["E6"] = 12345678901234
    workbook.create_sheet("空のシート")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda: (SAMPLES / "city_sheet.xlsx").read_bytes(), id="city_sheet"),
        pytest.param(lambda: _workbook_bytes(_odd_cells), id="dates-numbers-rich-text"),
    ],
)
def test_both_workbook_readers_give_the_same_cells(content):
    """calamine reads a workbook without formulas, openpyxl one with them: the same texts."""
    content = content()
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert not importing._has_formulas_or_errors(archive)

    fast = importing._read_xlsx(content)
    cells = importing._read_xlsx_cells(content)

    assert _trimmed(fast.rows) == _trimmed(cells.rows)
    assert any(row for row in fast.rows)


def test_odd_cells_read_as_their_texts():
    rows = _trimmed(importing._read_xlsx(_workbook_bytes(_odd_cells)).rows)

    assert rows[1] == [
        "1",
        "秋山委員",
        "1 基本方針",
        "改行\nあり",
        "2024-04-01 00:00:00",
        "09:30:00",
        "True",
    ]
    assert rows[2] == ["2.5", "髙橋委員", "太字"]
    assert rows[4] == ["", "", "2024-04-02 09:05:00"]
    assert rows[5] == ["", "", "", "", "12345678901234"]


def test_an_error_value_is_read_by_openpyxl_as_its_text():
    def fill(workbook):
        workbook.active.append(["No.", "委員名"])
        workbook.active.append([1, "#N/A"])
        workbook.active["B2"].data_type = "e"

    content = _workbook_bytes(fill)

    assert importing._has_formulas_or_errors(zipfile.ZipFile(io.BytesIO(content)))
    assert _trimmed(importing._read_xlsx(content).rows) == [["No.", "委員名"], ["1", "#N/A"]]


def test_a_formula_on_another_sheet_is_read_by_openpyxl_and_allowed():
    def fill(workbook):
        workbook.active.append(["No.", "委員名"])
        workbook.active.append([1, "秋山委員"])
        workbook.create_sheet("集計")["A1"] = "=COUNTA(Sheet!A:A)"

    content = _workbook_bytes(fill)

    assert importing._has_formulas_or_errors(zipfile.ZipFile(io.BytesIO(content)))
    assert _trimmed(importing._read_xlsx(content).rows) == [["No.", "委員名"], ["1", "秋山委員"]]


def test_a_workbook_defining_entities_is_refused(shiryo2, tmp_path):
    """Billion laughs: calamine's parser expands no entity the file defines; the file is
    refused at once as broken."""
    entities = '<!ENTITY a "ああああああああああ">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{f"&{chr(97 + i)};" * 10}">' for i in range(8)
    )

    def fill(workbook):
        workbook.active.append(["No.", "委員名", "対象項目", "意見、質問等"])
        workbook.active.append([1, "秋山委員", "1 基本方針", "PLACEHOLDER"])

    source = zipfile.ZipFile(io.BytesIO(_workbook_bytes(fill)))
    path = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name in source.namelist():
            part = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                part = part.replace(
                    b"<worksheet", f"<!DOCTYPE w [{entities}]><worksheet".encode(), 1
                )
                part = part.replace(b"PLACEHOLDER", b"&i;")
            archive.writestr(name, part)

    assert "Excel ブックとして読めません（ファイルが壊れています）。" in refused(path, "--commit")


def test_openpyxl_parses_with_defusedxml():
    from openpyxl import xml

    assert xml.DEFUSEDXML is True


def test_publish_needs_commit(shiryo2):
    with pytest.raises(CommandError, match="--publish は --commit と一緒に"):
        call_command("import_feedback", str(SAMPLES / "city_sheet.xlsx"), "--publish")
