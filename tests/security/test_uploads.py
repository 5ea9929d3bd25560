"""Uploads to the admin import: refused on their size before they are read or stored, and the
preview's stored file removed when it is refused, confirmed or abandoned (issue 10.6)."""

from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from import_export.tmp_storages import CacheStorage
from openpyxl import load_workbook

from feedback import permissions
from feedback.models import Meeting, Report
from tests.factories import staff_user
from tests.helpers import SAMPLES, SOURCE, confirm, pasted_source_rows, snapshot

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:feedback_comment_import")
LIMIT = 5 * 1024 * 1024
TOO_LARGE = "ファイルが大きすぎます。上限は5,242,880バイトです。分割して読み込んでください。"


@pytest.fixture
def editor(client, shiryo2):
    user = staff_user(permissions.EDITOR)
    client.force_login(user)
    return user


def stored_files():
    """The preview files in the cache table (the test settings' cache is the database's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cache_key, expires FROM django_cache WHERE cache_key LIKE %s",
            [f"%{CacheStorage.CACHE_PREFIX}%"],
        )
        rows = cursor.fetchall()
    # SQLite hands back the expiry without its time zone (UTC).
    return [(key, timezone.make_aware(e, UTC) if timezone.is_naive(e) else e) for key, e in rows]


def post_file(client, content, name="upload.csv", **extra):
    return client.post(
        IMPORT_URL,
        {"import_file": SimpleUploadedFile(name, content), "format": "0", "resource": ""},
        **extra,
    )


def city_sheet():
    return Path(SAMPLES / "city_sheet.xlsx").read_bytes()


def form_errors(response):
    return response.context["form"].errors.get("import_file")


@pytest.mark.parametrize(
    "size",
    [LIMIT + 1, 6 * 1024 * 1024, 12 * 1024 * 1024],
    ids=["one byte over (read until the limit)", "6 MB", "12 MB (over the declared size)"],
)
def test_file_over_the_limit_is_refused_on_the_form_and_not_stored(client, editor, size):
    before = snapshot()

    response = post_file(client, b"x" * size)

    assert response.status_code == 200
    assert form_errors(response) == [TOO_LARGE]
    assert TOO_LARGE in response.content.decode()
    assert not response.context.get("confirm_form")
    assert stored_files() == []
    assert snapshot() == before


def test_request_declaring_300_mb_is_refused_before_anything_is_read(client, editor):
    """Django's test payload fails the test if more than the body it holds is read: the
    refusal comes from the declared Content-Length alone."""
    response = post_file(client, city_sheet(), CONTENT_LENGTH=str(300 * 1024 * 1024))

    assert response.status_code == 200
    assert form_errors(response) == [TOO_LARGE]
    assert stored_files() == []


def test_file_part_declaring_more_than_the_limit_is_skipped_unread(client, editor):
    boundary = "odd-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="format"\r\n\r\n0\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="import_file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n"
        f"Content-Length: {300 * 1024 * 1024}\r\n\r\n"
        "委員名,対象項目,意見、質問等\r\n"
        f"\r\n--{boundary}--\r\n"
    ).encode()

    response = client.post(
        IMPORT_URL, body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 200
    assert form_errors(response) == [TOO_LARGE]
    assert stored_files() == []


def test_the_limit_follows_the_setting(client, editor, settings):
    settings.FEEDBACK_IMPORT_MAX_UPLOAD_BYTES = 1000

    response = post_file(client, city_sheet(), name="city_sheet.xlsx")

    assert form_errors(response) == [
        "ファイルが大きすぎます。上限は1,000バイトです。分割して読み込んでください。"
    ]
    assert stored_files() == []


def test_csrf_is_still_checked_on_an_upload_within_the_limit(editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)

    response = post_file(browser, city_sheet(), name="city_sheet.xlsx")

    assert response.status_code == 403
    assert stored_files() == []


def test_confirmed_import_removes_its_stored_file(client, editor):
    preview = post_file(client, city_sheet(), name="city_sheet.xlsx")
    [(_key, expires)] = stored_files()
    # An abandoned preview is gone within the hour (django-import-export keeps it a day).
    assert timedelta(minutes=59) < expires - timezone.now() <= timedelta(hours=1)

    response = confirm(client, preview)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:feedback_comment_changelist")
    assert Report.objects.filter(label="資料3").exists()
    assert stored_files() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04broken", "Excel ブックとして読めません（ファイルが壊れています）。"),
        ("ただの文章".encode(), "見出し行が見つかりません。"),
    ],
)
def test_unreadable_upload_keeps_no_stored_file(client, editor, content, message):
    response = post_file(client, content)

    assert message in form_errors(response)[0]
    assert stored_files() == []


def test_preview_with_row_errors_keeps_no_stored_file(client, editor, tmp_path):
    workbook = load_workbook(SAMPLES / "city_sheet.xlsx")
    workbook.active["E5"] = "検討中"
    path = tmp_path / "unknown.xlsx"
    workbook.save(path)

    response = post_file(client, path.read_bytes(), name="unknown.xlsx")

    assert "5行目 E列（対応区分）: 対応区分「検討中」は登録されていません" in (
        response.content.decode()
    )
    assert not response.context.get("confirm_form")
    assert stored_files() == []


def test_confirming_an_expired_preview_changes_nothing_and_says_so(client, editor):
    preview = post_file(client, city_sheet(), name="city_sheet.xlsx")
    with connection.cursor() as cursor:  # an hour later
        cursor.execute(
            "UPDATE django_cache SET expires = %s", [timezone.now() - timedelta(seconds=1)]
        )
    before = snapshot()

    response = confirm(client, preview)

    assert response.status_code == 302
    assert response["Location"] == IMPORT_URL
    page = client.get(IMPORT_URL).content.decode()
    assert (
        "確認画面を開いてから時間がたったため、読み込んだファイルは破棄されました。"
        "何も変更していません。もう一度ファイルを選んでください。"
    ) in page
    assert snapshot() == before


def test_paste_stores_its_text_only_until_confirmed(client, editor):
    Report.objects.all().delete()
    meeting = Meeting.objects.get()
    meeting.comments.all().delete()
    url = reverse("admin:feedback_meeting_paste", args=[meeting.pk])

    preview = client.post(url, {"text": pasted_source_rows()})

    assert len(stored_files()) == 1
    confirm(client, preview)
    assert meeting.comments.count() == 3
    assert stored_files() == []


def test_refused_paste_stores_nothing(client, editor, shiryo2):
    lines = SOURCE.read_text(encoding="utf-8").split("\n")
    Report.objects.filter(pk=shiryo2.pk).update(meeting=Meeting.objects.get())
    url = reverse("admin:feedback_report_paste", args=[shiryo2.pk])

    # An editor may not reorder a published 資料: the preview refuses it.
    response = client.post(url, {"text": "\n".join([lines[7], lines[10], lines[8]])})

    assert "は公開済みのため、掲載している行の削除・並べ替えと公開中の意見の追加は、公開の権限" in (
        response.content.decode()
    )
    assert not response.context.get("confirm_form")
    assert stored_files() == []
