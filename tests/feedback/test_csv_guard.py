"""The CSV formula guard on the public download, and our own CSV read back exactly (issue 10.8)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback import permissions
from feedback.models import CityResponse, Comment, FollowUp
from tests.factories import staff_user
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db

# Each is run as a formula by some spreadsheet program unless it is guarded.
DANGEROUS = [
    "=1+1",
    "＝1+1",  # full-width equals sign
    " =1+1",  # a leading space
    "　＝1+1",  # a full-width space
    "\n=1+1",  # a leading line break
    "\r\n=1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
    "+1",
    "@SUM(A1)",
    "\tx",
]


def public_csv(client, report):
    response = client.get(reverse("feedback:report-download", args=[report.pk, "csv"]))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("dangerous", DANGEROUS)
def test_public_csv_guards_formula_text_after_whitespace_and_full_width(client, shiryo2, dangerous):
    Comment.objects.filter(number=2).update(body=dangerous)

    records = public_csv(client, shiryo2)

    assert records[2][1] == "2"  # No. stays a number
    assert records[2][4] == "'" + dangerous


@pytest.mark.parametrize("text", ["取組を進めます。", "1+1", "'引用", "途中に＝の記号があります"])
def test_public_csv_leaves_ordinary_text_alone(client, shiryo2, text):
    Comment.objects.filter(number=2).update(body=text)

    assert public_csv(client, shiryo2)[2][4] == text


def test_text_that_starts_with_an_apostrophe_and_a_sign_gets_its_own_guard(client, shiryo2):
    Comment.objects.filter(number=2).update(body="'=1+1")

    assert public_csv(client, shiryo2)[2][4] == "''=1+1"


def test_public_csv_reads_back_unchanged_through_the_admin_import(client, shiryo2):
    """Every guarded cell is read back exactly: the preview finds nothing to change."""
    Comment.objects.filter(number=1).update(body="＝1+1")
    Comment.objects.filter(number=2).update(body=" =1+1")
    Comment.objects.filter(number=3).update(body="\n=1+1")
    Comment.objects.filter(number=4).update(body="'=1+1")
    Comment.objects.filter(number=5).update(body="'引用")
    CityResponse.objects.filter(comment__number=6).update(body="　－1")
    FollowUp.objects.filter(comment__number=7).update(body="＠SUM(A1)")
    content = client.get(reverse("feedback:report-download", args=[shiryo2.pk, "csv"])).content
    client.force_login(staff_user(permissions.ADMINISTRATOR))
    before = snapshot()

    preview = client.post(
        reverse("admin:feedback_comment_import"),
        {
            "import_file": SimpleUploadedFile("資料2.csv", content, content_type="text/csv"),
            "format": "0",
            "resource": "",
        },
    )

    assert preview.status_code == 200
    assert [row.import_type for row in preview.context["result"].valid_rows()] == ["skip"] * 7
    assert "確認（0件新規、0件変更、7件変更なし）" in preview.content.decode()
    assert snapshot() == before
