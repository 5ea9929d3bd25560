"""Imports never lose a colleague's work (issue 10.4) and a column the sheet lacks is left as it
is (issue 10.5): through the admin's upload and confirmation and the real command."""

from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from feedback import permissions
from feedback.models import Comment
from tests.factories import staff_user
from tests.feedback.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:feedback_comment_import"
PROCESS_URL = "admin:feedback_comment_process_import"
STALE = "現在の版: 2、あなたが開いた版: 1"


def logged_in(role, username):
    client = Client()
    client.force_login(staff_user(role, username=username))
    return client


def upload(client, path):
    with Path(path).open("rb") as handle:
        return client.post(
            reverse(IMPORT_URL), {"import_file": handle, "format": "0", "resource": ""}
        )


def confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    return client.post(reverse(PROCESS_URL), {k: ("" if v is None else v) for k, v in data.items()})


def write_csv(tmp_path, header, rows, name="sheet.csv"):
    path = tmp_path / name
    lines = [",".join(header)] + [",".join(row) for row in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


MEETING = "令和2年度第2回平塚市行政改革推進委員会"


@pytest.fixture
def draft_remark(shiryo2):
    """資料2 unpublished, so an editor may change its remarks."""
    from feedback.services import report_unpublish

    report_unpublish(report=shiryo2)
    return Comment.objects.select_related("member", "policy_item", "response").get(number=3)


def row_for(comment, **changes):
    values = {
        "会議": MEETING,
        "No.": str(comment.number),
        "委員名": comment.member.display_name,
        "対象項目": comment.policy_item.heading,
        "意見、質問等": comment.body.replace("\n", " "),
        **changes,
    }
    return values


def test_an_import_raises_the_version_so_a_form_opened_before_it_cannot_save_over_it(
    draft_remark, tmp_path
):
    editor = logged_in(permissions.EDITOR, "henshu")
    url = reverse("admin:feedback_comment_change", args=[draft_remark.pk])
    opened_before = change_form_data(editor.get(url))
    values = row_for(draft_remark, **{"意見、質問等": "取り込みで直した意見"})
    path = write_csv(tmp_path, list(values), [list(values.values())])

    call_command("import_feedback", str(path), "--commit", verbosity=0)

    draft_remark.refresh_from_db()
    assert (draft_remark.body, draft_remark.version) == ("取り込みで直した意見", 2)
    response = editor.post(url, {**opened_before, "body": "古い画面からの保存"})
    assert response.status_code == 200
    assert STALE in response.content.decode()
    draft_remark.refresh_from_db()
    assert draft_remark.body == "取り込みで直した意見"


def test_confirming_an_import_after_a_colleague_saved_the_row_is_refused_naming_it(
    draft_remark, tmp_path
):
    importer = logged_in(permissions.EDITOR, "torikomi")
    colleague = logged_in(permissions.EDITOR, "douryou")
    values = row_for(draft_remark, **{"意見、質問等": "取り込む意見"})
    path = write_csv(tmp_path, list(values), [list(values.values())])
    preview = upload(importer, path)
    assert preview.context["confirm_form"]

    url = reverse("admin:feedback_comment_change", args=[draft_remark.pk])
    data = change_form_data(colleague.get(url))
    assert colleague.post(url, {**data, "body": "同僚が直した意見"}).status_code == 302

    response = confirm(importer, preview)

    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(
        "2行目: No.3 は、確認画面を表示した後に他の職員が変更しました（確認したときの版: 1、"
        "現在の版: 2）。" in message
        for message in messages
    ), messages
    draft_remark.refresh_from_db()
    assert (draft_remark.body, draft_remark.version) == ("同僚が直した意見", 2)


def test_a_sheet_without_answer_columns_leaves_answers_and_categories_alone(shiryo2, tmp_path):
    comment = Comment.objects.select_related("member", "policy_item", "response").get(number=7)
    response = (comment.response.body, comment.response.category_id)
    follow_ups = list(comment.follow_ups.values_list("body", flat=True))
    values = row_for(comment)
    values.pop("会議")
    path = write_csv(
        tmp_path, ["No.", "委員名", "対象項目", "意見、質問等"], [list(values.values())]
    )

    out = call_command_output(path, "--commit", "--meeting", MEETING)

    assert "新規 0件、変更 0件、変更なし 1件、エラー 0件" in out
    comment.refresh_from_db()
    comment.response.refresh_from_db()
    assert (comment.response.body, comment.response.category_id) == response
    assert list(comment.follow_ups.values_list("body", flat=True)) == follow_ups
    assert comment.status == "published"


def test_an_empty_answer_cell_for_a_published_remark_is_refused(shiryo2, tmp_path):
    comment = Comment.objects.select_related("member", "policy_item", "response").get(number=7)
    response = comment.response.body
    values = row_for(comment, **{"市の考え方": "", "対応区分": ""})
    values.pop("会議")
    path = write_csv(tmp_path, list(values), [list(values.values())])

    administrator = logged_in(permissions.ADMINISTRATOR, "kanri")
    with path.open("rb") as handle:
        preview = administrator.post(
            reverse(IMPORT_URL),
            {
                "import_file": handle,
                "format": "0",
                "resource": "",
                "meeting": comment.meeting_id,
            },
        )

    assert "2行目: No.7 は公開済みのため、市の考え方と対応区分を空にできません。" in (
        preview.content.decode()
    )
    assert not preview.context.get("confirm_form")
    comment.response.refresh_from_db()
    assert comment.response.body == response


def call_command_output(path, *args):
    from io import StringIO

    out = StringIO()
    call_command("import_feedback", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()
