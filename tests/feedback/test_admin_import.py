"""Import and export through the admin over HTTP: upload, paste from Excel, preview, confirm."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from feedback import permissions, search
from feedback.models import CityResponse, Comment, FollowUp, Meeting, Report
from feedback.search import bigrams_of, refresh_search_text, search_text_of
from feedback.services import report_publish
from tests.factories import answered_comment, report_with_comments, staff_user
from tests.helpers import SAMPLES, SOURCE, SOURCE_DATA, confirm, pasted_source_rows, snapshot

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:feedback_comment_import"
PROCESS_URL = "admin:feedback_comment_process_import"


@pytest.fixture
def editor(client):
    user = staff_user(permissions.EDITOR)
    client.force_login(user)
    return user


def upload(client, path, **options):
    with Path(path).open("rb") as handle:
        return client.post(
            reverse(IMPORT_URL), {"import_file": handle, "format": "0", "resource": "", **options}
        )


def preview_types(response):
    return [row.import_type for row in response.context["result"].valid_rows()]


def test_city_workbook_upload_previews_then_creates_drafts(client, editor, shiryo2):
    before = snapshot()

    preview = upload(client, SAMPLES / "city_sheet.xlsx")

    assert preview.status_code == 200
    page = preview.content.decode()
    assert "確認（2件新規、0件変更、0件変更なし）" in page
    assert page.count('<td class="import-type">新規</td>') == 2
    new_row = preview.context["result"].valid_rows()[0].diff
    assert "監査結果の概要を公表します。" in new_row[5]  # the city view a new row brings
    assert "反映" in new_row[6]
    assert "令和4年3月に概要を公表しました。" in new_row[7]
    assert snapshot() == before  # the preview is a dry run

    response = confirm(client, preview)

    assert response.status_code == 302
    report = Report.objects.get(label="資料3")
    comments = [entry.comment for entry in report.entries.order_by("position")]
    assert [c.number for c in comments] == [1, 2]
    assert all(c.status == "draft" for c in comments)
    assert comments[0].history.first().history_user == editor
    assert not report.is_published


def test_an_upload_writes_one_history_row_per_new_record_by_the_importer(client, editor, shiryo2):
    """The import copies each new record into its history table in bulk: one 「+」 row each,
    by the user who confirmed, with the record's values."""
    response = confirm(client, upload(client, SAMPLES / "city_sheet.xlsx"))

    assert response.status_code == 302
    report = Report.objects.get(label="資料3")
    comments = list(Comment.objects.filter(report_entries__report=report).order_by("number"))
    records = [
        *comments,
        *CityResponse.objects.filter(comment__in=comments),
        *FollowUp.objects.filter(comment__in=comments),
        *report.entries.all(),
    ]
    # Two remarks, their answers, the first one's follow-up, their two rows of 資料3.
    assert [type(record).__name__ for record in records] == [
        "Comment",
        "Comment",
        "CityResponse",
        "CityResponse",
        "FollowUp",
        "ReportEntry",
        "ReportEntry",
    ]
    for record in records:
        row = record.history.get()
        assert (row.history_type, row.history_user, row.history_change_reason) == (
            "+",
            editor,
            None,
        )
        fields = [field.attname for field in type(record).history.model.tracked_fields]
        assert [getattr(row, name) for name in fields] == [getattr(record, name) for name in fields]


def test_an_upload_writes_the_search_text_a_refresh_would_write(client, editor, shiryo2):
    """New remarks get their search text as they are written, from the records in hand: the
    same text ``refresh_search_text`` reads back from the database."""
    confirm(client, upload(client, SAMPLES / "city_sheet.xlsx"))
    report = Report.objects.get(label="資料3")
    stored = list(
        Comment.objects.filter(report_entries__report=report)
        .order_by("number")
        .values_list("pk", "search_text", "search_bigrams")
    )

    refresh_search_text([pk for pk, _text, _bigrams in stored])

    assert (
        list(
            Comment.objects.filter(pk__in=[pk for pk, _text, _bigrams in stored])
            .order_by("number")
            .values_list("pk", "search_text", "search_bigrams")
        )
        == stored
    )
    first = Comment.objects.select_related("member", "policy_item", "response__category").get(
        pk=stored[0][0]
    )
    assert stored[0][1] == search_text_of(
        body=first.body,
        response=first.response.body,
        category=first.response.category.name,
        follow_ups=[follow_up.body for follow_up in first.follow_ups.all()],
        member=first.member.display_name,
        member_name=first.member.name,
        item=first.policy_item.heading,
    )
    assert (
        len(stored[0][1].split("\n")) == 7
    )  # remark, answer, category, follow-up, member ×2, item


@pytest.mark.parametrize("word", ["監査", "取り残さない", "秋"])
def test_imported_drafts_are_found_before_and_after_they_are_indexed(client, editor, shiryo2, word):
    """The import writes a new draft's search text but not its index pieces (publishing
    writes them, feedback/search.py): meanwhile the admin's search finds it by the ``LIKE``
    alone, and once published the public search finds it through the index."""
    confirm(client, upload(client, SAMPLES / "city_sheet.xlsx"))
    report = Report.objects.get(label="資料3")
    drafts = Comment.objects.filter(report_entries__report=report)
    assert list(drafts.values_list("search_bigrams", flat=True)) == ["", ""]
    expected = {
        pk
        for pk, text in Comment.objects.values_list("pk", "search_text")
        if search.matches(text, word)
    }
    assert expected & set(drafts.values_list("pk", flat=True))  # a draft matches

    changelist = client.get(reverse("admin:feedback_comment_changelist"), {"q": word})

    assert {comment.pk for comment in changelist.context["cl"].result_list} == expected

    report_publish(report=report)

    assert [bigrams_of(text) for text, _ in drafts.values_list("search_text", "pk")] == list(
        drafts.values_list("search_bigrams", flat=True)
    )
    found = Client().get(reverse("feedback:comment-search"), {"q": word})
    assert {comment.pk for comment in found.context["page_obj"]} == expected


def test_untouched_export_previews_as_all_unchanged(client, editor, shiryo2, tmp_path):
    path = tmp_path / "資料2.xlsx"
    call_command("export_report", "資料2", "-o", str(path), verbosity=0)

    preview = upload(client, path)

    assert preview_types(preview) == ["skip"] * 7
    assert "確認（0件新規、0件変更、7件変更なし）" in preview.content.decode()


@pytest.fixture
def administrator(client):
    user = staff_user(permissions.ADMINISTRATOR)
    client.force_login(user)
    return user


def edited_export(tmp_path, cell, value):
    path = tmp_path / "資料2.xlsx"
    call_command("export_report", "資料2", "-o", str(path), verbosity=0)
    workbook = load_workbook(path)
    workbook.active[cell] = value
    workbook.save(path)
    return path


def test_editor_cannot_change_a_published_remark_by_import(client, editor, shiryo2, tmp_path):
    before = snapshot()

    response = upload(client, edited_export(tmp_path, "E11", "表現を修正しました。"))

    page = response.content.decode()
    assert "11行目: No.7 は公開済みのため、公開の権限がある職員でなければ変更できません" in page
    assert not response.context.get("confirm_form")
    assert snapshot() == before


def test_edited_cell_previews_the_changed_field(client, administrator, shiryo2, tmp_path):
    preview = upload(client, edited_export(tmp_path, "E11", "表現を修正しました。"))

    assert preview_types(preview) == ["skip"] * 6 + ["update"]
    changed = preview.context["result"].valid_rows()[6].diff
    assert "<ins" in changed[5] and "表現を修正しました" in changed[5]  # 市の考え方
    assert "<ins" not in changed[3]  # 意見、質問等 unchanged
    assert "style=" not in "".join(changed)  # the CSP refuses inline styles
    confirm(client, preview)
    assert Comment.objects.get(number=7).response.body == "表現を修正しました。"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "入力されたファイルは空です。"),  # Django's own FileField check
        (b"PK\x03\x04broken", "Excel ブックとして読めません（ファイルが壊れています）。"),
    ],
)
def test_unreadable_upload_is_a_form_error(client, editor, shiryo2, tmp_path, content, message):
    path = tmp_path / "upload.xlsx"
    path.write_bytes(content)
    before = snapshot()

    response = upload(client, path)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "confirm_form" not in response.context or not response.context["confirm_form"]
    assert snapshot() == before


def test_row_errors_are_listed_and_nothing_can_be_confirmed(client, editor, shiryo2, tmp_path):
    workbook = load_workbook(SAMPLES / "city_sheet.xlsx")
    workbook.active["E5"] = "検討中"
    path = tmp_path / "unknown.xlsx"
    workbook.save(path)
    before = snapshot()

    response = upload(client, path)

    page = response.content.decode()
    assert "エラーのある行があります（1件）" in page
    assert "5行目 E列（対応区分）: 対応区分「検討中」は登録されていません" in page
    assert not response.context.get("confirm_form")
    assert snapshot() == before


def test_create_missing_option_reaches_the_import(client, editor, shiryo2, tmp_path):
    workbook = load_workbook(SAMPLES / "city_sheet.xlsx")
    workbook.active["A6"] = "2 新井委員"
    path = tmp_path / "new_member.xlsx"
    workbook.save(path)

    preview = upload(client, path, create_missing="on")
    confirm(client, preview)

    assert Comment.objects.get(meeting__fiscal_year=2021, number=2).member.name == "新井"


def test_approver_cannot_import(client, shiryo2):
    client.force_login(staff_user(permissions.APPROVER))

    assert client.get(reverse(IMPORT_URL)).status_code == 403
    changelist = client.get(reverse("admin:feedback_comment_changelist")).content.decode()
    assert reverse(IMPORT_URL) not in changelist


def test_editor_sees_the_import_link(client, editor, shiryo2):
    changelist = client.get(reverse("admin:feedback_comment_changelist")).content.decode()

    assert reverse(IMPORT_URL) in changelist


def test_paste_on_a_meeting_previews_and_confirms(client, editor, db):
    call_command("load_report_fixture", "--draft", verbosity=0)
    meeting = Meeting.objects.get()
    for comment in Comment.objects.filter(number__lte=3):
        comment.report_entries.all().delete()
        comment.delete()
    url = reverse("admin:feedback_meeting_paste", args=[meeting.pk])

    preview = client.post(url, {"text": pasted_source_rows()})

    assert preview.status_code == 200
    assert preview_types(preview) == ["new", "new", "new"]
    confirm(client, preview)
    assert [
        [c.number, c.member.display_name, c.body]
        for c in Comment.objects.filter(number__lte=3).order_by("number")
    ] == [[int(row[0]), row[1], row[3]] for row in SOURCE_DATA["rows"][:3]]


def test_editor_cannot_reorder_a_published_report_by_paste(client, editor, shiryo2):
    lines = SOURCE.read_text(encoding="utf-8").split("\n")
    url = reverse("admin:feedback_report_paste", args=[shiryo2.pk])
    Report.objects.filter(pk=shiryo2.pk).update(meeting=Meeting.objects.get())
    before = snapshot()

    preview = client.post(url, {"text": "\n".join([lines[7], lines[10], lines[8]])})

    page = preview.content.decode()
    assert (
        "は公開済みのため、掲載している行の削除・並べ替えと公開中の意見の追加は、公開の権限" in page
    )
    assert "[&#x27;" not in page  # the message itself, not a Python list
    assert not preview.context.get("confirm_form")
    assert snapshot() == before


def test_paste_on_a_report_sets_its_rows_in_pasted_order(client, administrator, shiryo2):
    lines = SOURCE.read_text(encoding="utf-8").split("\n")
    text = "\n".join([lines[7], lines[10], lines[8]])  # header, No.3, No.1
    url = reverse("admin:feedback_report_paste", args=[shiryo2.pk])
    shiryo2.meeting = Meeting.objects.get()
    shiryo2.save()

    preview = client.post(url, {"text": text})
    confirm(client, preview)

    numbers = [e.comment.number for e in shiryo2.entries.order_by("position")]
    assert numbers == [3, 1]
    # The remarks no published 資料 lists any more leave the public site.
    assert sorted(Comment.objects.published().values_list("number", flat=True)) == [1, 3]
    removed = Comment.objects.get(number=2)
    assert Client().get(removed.get_absolute_url()).status_code == 404


def test_paste_without_header_is_explained(client, editor, shiryo2):
    meeting = Meeting.objects.get()
    url = reverse("admin:feedback_meeting_paste", args=[meeting.pk])

    response = client.post(url, {"text": "ただの文章"})

    assert "見出し行が見つかりません。" in response.content.decode()


def test_export_action_writes_the_selected_remarks(client, editor, shiryo2):
    selected = Comment.objects.filter(number__in=[2, 6]).values_list("pk", flat=True)

    response = client.post(
        reverse("admin:feedback_comment_changelist"),
        {"action": "export_workbook", "_selected_action": [str(pk) for pk in selected]},
    )

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [sheet["A5"].value, sheet["A6"].value, sheet["A7"].value] == [2, 6, None]


def test_report_workbook_for_a_draft_report(client, editor, db):
    call_command("load_report_fixture", "--draft", verbosity=0)
    report = Report.objects.get()

    response = client.get(reverse("admin:feedback_report_workbook", args=[report.pk]))

    sheet = load_workbook(io.BytesIO(response.content)).active
    # Every row is a draft: the staff workbook says so and adds the 公開状態 column, so the
    # label moves to the new last column.
    assert sheet["H1"].value == "資料2"
    assert sheet["A2"].value == "未公開の行を含みます（配布前に承認を受けてください）"
    assert sheet["H3"].value == "公開状態"
    assert [sheet.cell(row, 8).value for row in range(5, 12)] == ["未公開"] * 7
    assert sheet.max_row == 11


def test_confirmed_import_is_audit_logged_with_the_user(client, editor, shiryo2, caplog):
    preview = upload(client, SAMPLES / "city_sheet.xlsx")

    with caplog.at_level("INFO", logger="audit"):
        confirm(client, preview)

    records = [r for r in caplog.records if r.name == "audit" and "import" in r.getMessage()]
    assert len(records) == 1
    assert "新規 2件" in records[0].getMessage()
    assert records[0].user == editor.get_username()


def test_create_missing_category_needs_the_right_to_add_categories(
    client, editor, shiryo2, tmp_path
):
    workbook = load_workbook(SAMPLES / "city_sheet.xlsx")
    workbook.active["E5"] = "検討中"
    path = tmp_path / "new_category.xlsx"
    workbook.save(path)
    before = snapshot()

    response = upload(client, path, create_missing="on")

    page = response.content.decode()
    assert "5行目 E列（対応区分）: この記録を追加する権限がありません。" in page
    assert not response.context.get("confirm_form")
    assert snapshot() == before


def test_editor_pastes_a_new_row_onto_a_published_report_and_it_waits(client, editor):
    """Issue 11: a row added to a published 資料 is a pending change, not refused or silent."""
    first = answered_comment(number=1)
    report = report_publish(report=report_with_comments([first], meeting=first.meeting))
    response = first.response
    row_one = [
        "1",
        first.member.display_name,
        first.policy_item.heading,
        first.body,
        response.body,
        response.category.name,
        first.follow_ups.get().body,
    ]
    row_two = ["2", first.member.display_name, first.policy_item.heading, "追加の意見です。"]
    row_two += ["追加の意見への考え方です。", response.category.name, ""]
    text = "\n".join(
        "\t".join(cells)
        for cells in [
            ["No.", "委員名", "対象項目", "意見、質問等", "市の考え方", "対応区分", "対応状況"],
            row_one,
            row_two,
        ]
    )
    public = Client().get(report.get_absolute_url()).content.decode()

    preview = client.post(reverse("admin:feedback_report_paste", args=[report.pk]), {"text": text})
    confirm(client, preview)

    added = Comment.objects.get(meeting=first.meeting, number=2)
    assert [entry.comment for entry in report.entries.order_by("position")] == [first, added]
    assert added.status == "draft"
    assert Client().get(report.get_absolute_url()).content.decode() == public
    page = client.get(reverse("admin:feedback_report_change", args=[report.pk]))
    assert "承認待ちの追加行: 1件（No.2）" in page.content.decode()
