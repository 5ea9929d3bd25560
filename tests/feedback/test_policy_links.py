"""Issue 15: policy versions published by staff, answers linked to the changes they caused, the
remark page's 「この意見による変更」 and the policy's page with its 「素案との差異」 — over HTTP,
with the worked example of docs/policy-versions.md (資料2 rows 7 and 1)."""

import csv
import io
import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from openpyxl import load_workbook

from feedback.models import Comment, PolicyChangeLink
from feedback.permissions import ADMINISTRATOR, APPROVER, EDITOR
from policy.models import Passage, PolicyVersion
from policy.services import policy_version_create_from_text, policy_version_publish
from publication import stamp
from tests.crawl import crawl
from tests.factories import CommentFactory, PolicyFactory, staff_user
from tests.feedback.admin_forms import change_form_data
from tests.feedback.policy_example import worked_example
from tests.html import read_table
from tests.policy.examples import FUTURE_ADOPTED, FUTURE_DRAFT, NEW_NORMAL

pytestmark = pytest.mark.django_db

ROW7_LABEL = "令和2年度第2回平塚市行政改革推進委員会 No.7 岡部委員"
ROW1_LABEL = "令和2年度第2回平塚市行政改革推進委員会 No.1 秋山委員"
NEW_NORMAL_HTML = (
    '<ins><span class="visually-hidden">追加:</span>新たな日常\t'
    "新型コロナウイルス感染症の拡大を機に、デジタル技術を活用して市民生活や社会経済活動が大きく変わった、今までと異なる日常。</ins>"
)
FUTURE_BEFORE_HTML = FUTURE_DRAFT.replace(
    "主導", '<del><span class="visually-hidden">削除:</span>主導</del>'
)
FUTURE_AFTER_HTML = FUTURE_ADOPTED.replace(
    "駆動", '<ins><span class="visually-hidden">追加:</span>駆動</ins>'
)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def section(html, start, end):
    return html[html.index(start) : html.index(end, html.index(start))]


# -- publishing versions ---------------------------------------------------------------------


def test_publish_action_by_an_approver_publishes_versions_and_raises_the_counter(client, shiryo2):
    example = worked_example(publish=())
    approver = staff_user(APPROVER)
    client.force_login(approver)
    before = stamp.current().counter

    response = client.post(
        reverse("admin:policy_policyversion_changelist"),
        {
            "action": "publish_versions",
            "_selected_action": [example["draft"].pk, example["adopted"].pk],
        },
    )

    assert response.status_code == 302
    assert messages_of(response) == [
        "公開しました: 平塚市デジタル化基本方針（素案）、平塚市デジタル化基本方針（策定版）"
    ]
    assert list(
        PolicyVersion.objects.order_by("order").values_list("name", "status", "published_by")
    ) == [("素案", "published", approver.pk), ("策定版", "published", approver.pk)]
    assert stamp.current().counter == before + 1  # one action, one change of the public data
    assert [
        (h.status, h.history_user_id) for h in example["adopted"].history.order_by("history_id")
    ] == [("draft", None), ("published", approver.pk)]

    response = client.post(
        reverse("admin:policy_policyversion_changelist"),
        {"action": "unpublish_versions", "_selected_action": [example["adopted"].pk]},
    )
    assert messages_of(response)[-1] == "非公開にしました: 平塚市デジタル化基本方針（策定版）"
    example["adopted"].refresh_from_db()
    assert (example["adopted"].status, example["adopted"].published_at is not None) == (
        "draft",
        True,
    )


def test_an_editor_is_not_offered_the_publish_action_and_cannot_post_it(client, shiryo2):
    example = worked_example(publish=())
    client.force_login(staff_user(EDITOR))
    url = reverse("admin:policy_policyversion_changelist")

    page = client.get(url).content.decode()
    response = client.post(
        url, {"action": "publish_versions", "_selected_action": [example["draft"].pk]}
    )

    assert "選択した版を公開する" not in page
    assert response.status_code == 302
    assert PolicyVersion.objects.published().count() == 0


def test_a_draft_version_is_not_public_and_publishing_it_changes_the_page(client, shiryo2):
    example = worked_example(publish=("素案",))
    url = f"/policies/{example['policy'].pk}/"

    first = client.get(url)
    html = first.content.decode()
    assert first.status_code == 200
    assert "素案との差異" not in html
    assert "本文（素案）" in html
    assert "データ駆動型" not in html and "新たな日常" not in html
    # Row 7's link names an unpublished version: not on the remark page either.
    assert (
        "この意見による変更" not in client.get(example["row7"].get_absolute_url()).content.decode()
    )

    PolicyVersion.objects.get(pk=example["adopted"].pk)  # still a draft

    policy_version_publish(version=example["adopted"])
    second = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert "「素案」から「策定版」への変更 2件" in second.content.decode()


# -- linking an answer to the change: the remark's admin page --------------------------------


def inline_post(client, comment, links):
    url = reverse("admin:feedback_comment_change", args=[comment.pk])
    data = change_form_data(client.get(url))
    prefix = "policy_changes"
    data[f"{prefix}-TOTAL_FORMS"] = str(len(links))
    for index, (old, new) in enumerate(links):
        data[f"{prefix}-{index}-order"] = str(index + 1)  # a changed row (blank ones are skipped)
        data[f"{prefix}-{index}-old_passage"] = str(old.pk) if old else ""
        data[f"{prefix}-{index}-new_passage"] = str(new.pk) if new else ""
        data[f"{prefix}-{index}-comment"] = str(comment.pk)
    return client.post(url, data)


def inline_errors(response):
    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "policy_changes"
    )
    return [form.errors for form in formset.forms]


def test_the_remark_page_links_its_answer_to_passages_with_checks(client, shiryo2):
    example = worked_example()
    PolicyChangeLink.objects.all().delete()
    client.force_login(staff_user(ADMINISTRATOR))
    draft_future = Passage.objects.get(version=example["draft"], text=FUTURE_DRAFT)
    adopted_future = Passage.objects.get(version=example["adopted"], text=FUTURE_ADOPTED)
    other = PolicyFactory(title="別の方針")

    other_version = policy_version_create_from_text(
        policy=other, name="素案", dated_on=example["draft"].dated_on, text="第1章 別\n別の本文。"
    )
    other_passage = other_version.passages.get(position=2)

    backwards = inline_post(client, example["row7"], [(adopted_future, draft_future)])
    assert backwards.status_code == 200
    assert inline_errors(backwards) == [
        {
            "old_passage": [
                "変更前の段落は、変更後の段落より前の版から選んでください"
                "（変更前: 策定版、変更後: 素案）。"
            ]
        }
    ]
    other_policy = inline_post(client, example["row7"], [(draft_future, other_passage)])
    assert inline_errors(other_policy) == [
        {"new_passage": ["変更前と変更後の段落は同じ政策・計画の版から選んでください。"]}
    ]
    not_the_remarks_policy = inline_post(client, example["row7"], [(None, other_passage)])
    assert inline_errors(not_the_remarks_policy) == [
        {
            "__all__": [
                "意見の対象項目と同じ政策・計画（平塚市デジタル化基本方針）の段落を選んでください。"
            ]
        }
    ]
    neither = inline_post(client, example["row7"], [(None, None)])
    assert inline_errors(neither) == [
        {"__all__": ["変更前か変更後の段落の少なくとも一方を選んでください。"]}
    ]
    assert PolicyChangeLink.objects.count() == 0

    saved = inline_post(client, example["row7"], [(draft_future, adopted_future)])

    assert saved.status_code == 302
    assert list(
        PolicyChangeLink.objects.values_list("comment__number", "old_passage", "new_passage")
    ) == [(7, draft_future.pk, adopted_future.pk)]


def test_passages_are_found_by_autocomplete_with_their_version(client, shiryo2):
    worked_example()
    client.force_login(staff_user(EDITOR))

    response = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "feedback",
            "model_name": "policychangelink",
            "field_name": "old_passage",
            "term": "データ",
        },
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == [
        "素案 5: " + FUTURE_DRAFT[:40],
        "策定版 5: " + FUTURE_ADOPTED[:40],
    ]


# -- the public pages ---------------------------------------------------------------------------


def test_worked_example_remark_page_shows_the_change_it_caused(client, shiryo2):
    example = worked_example()

    html = client.get(example["row7"].get_absolute_url()).content.decode()
    changes = section(html, '<section class="policy-change"', "</section>")

    assert '<h2 id="policy-changes">この意見による変更</h2>' in changes
    assert (
        '<p class="policy-change__where">第2章 本市の未来像'
        f'（<a href="/policies/{example["policy"].pk}/">平塚市デジタル化基本方針</a>）</p>'
    ) in changes
    assert (
        f'<dt>変更前（素案）</dt>\n        <dd class="cell-text">{FUTURE_BEFORE_HTML}</dd>'
    ) in changes
    assert (
        f'<dt>変更後（策定版）</dt>\n        <dd class="cell-text">{FUTURE_AFTER_HTML}</dd>'
    ) in changes
    assert (
        f'<a href="/policies/{example["policy"].pk}/">'
        "平塚市デジタル化基本方針：策定版の本文と素案との差異</a>"
    ) in html

    row1 = client.get(example["row1"].get_absolute_url()).content.decode()
    added = section(row1, '<section class="policy-change"', "</section>")
    assert "<dt>変更前（素案）</dt>" not in added
    assert '<dt>変更前</dt>\n        <dd class="cell-text">（なし：新たに追加）</dd>' in added
    assert f'<dd class="cell-text">{NEW_NORMAL_HTML}</dd>' in added

    # Row 2 (参考) caused no change: no such section.
    row2 = client.get(Comment.objects.get(number=2).get_absolute_url()).content.decode()
    assert "この意見による変更" not in row2


def test_worked_example_policy_page_lists_the_differences_with_their_remarks(client, shiryo2):
    example = worked_example()
    url = f"/policies/{example['policy'].pk}/"

    response = client.get(url)
    html = response.content.decode()
    caption, head, rows = read_table(html, "policy-differences")

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60"
    assert caption == "平塚市デジタル化基本方針 素案との差異"
    assert [cell["text"] for cell in head[0]] == [
        "No.",
        "見出し",
        "変更前（素案）",
        "変更後（策定版）",
        "意見",
    ]
    assert [[cell["text"] for cell in row] for row in rows] == [
        [
            "1",
            "第2章 本市の未来像（変更）",
            FUTURE_DRAFT.replace("主導", "削除:主導"),
            FUTURE_ADOPTED.replace("駆動", "追加:駆動"),
            ROW7_LABEL,
        ],
        ["2", "第3章 用語解説（追加）", "（なし）", "追加:" + NEW_NORMAL, ROW1_LABEL],
    ]
    assert "「素案」から「策定版」への変更 2件" in html
    text = section(html, '<h2 id="text-heading">', "</section>")
    assert "本文（策定版）" in text
    assert (
        "<p>"
        + FUTURE_DRAFT.replace(
            "主導",
            '<del><span class="visually-hidden">削除:</span>主導</del>'
            '<ins><span class="visually-hidden">追加:</span>駆動</ins>',
        )
        + "</p>"
    ) in text
    assert (
        '<a href="#difference-1">差異 No.1（変更）</a>　この変更の理由となった意見: '
        f'<a href="{example["row7"].get_absolute_url()}">No.7 岡部委員</a>'
    ) in text
    assert f"<p>{NEW_NORMAL_HTML}</p>" in text
    # The 対象項目 pages link here (only while a version is published).
    item_page = client.get(example["row7"].policy_item.get_absolute_url()).content.decode()
    assert f'<a href="{url}">平塚市デジタル化基本方針：策定版の本文と素案との差異</a>' in item_page


def test_worked_example_differences_download_as_xlsx_csv_and_json(client, shiryo2):
    example = worked_example()
    base = f"/policies/{example['policy'].pk}/differences"
    header = ("No.", "見出し", "区分", "変更前（素案）", "変更後（策定版）", "変更箇所", "意見")
    expected = [
        (
            1,
            "第2章 本市の未来像",
            "変更",
            FUTURE_DRAFT,
            FUTURE_ADOPTED,
            "削除:主導 追加:駆動",
            ROW7_LABEL,
        ),
        (2, "第3章 用語解説", "追加", None, NEW_NORMAL, "追加:" + NEW_NORMAL, ROW1_LABEL),
    ]

    xlsx = client.get(base + ".xlsx")
    assert xlsx["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert xlsx["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E5%B9%B3%E5%A1%9A%E5%B8%82%E3%83%87%E3%82%B8%E3%82%BF"
        "%E3%83%AB%E5%8C%96%E5%9F%BA%E6%9C%AC%E6%96%B9%E9%87%9D_%E7%B4%A0%E6%A1%88%E3%81%A8"
        "%E3%81%AE%E5%B7%AE%E7%95%B0.xlsx"
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "平塚市デジタル化基本方針 素案との差異（素案 → 策定版）"
    assert tuple(cell.value for cell in sheet[3]) == header
    assert [tuple(cell.value for cell in sheet[row]) for row in (4, 5)] == expected
    assert sheet.max_row == 5
    assert sheet.print_title_rows == "$3:$3"
    assert (sheet.page_setup.orientation, sheet.page_setup.paperSize) == ("landscape", 9)
    assert sheet["D4"].alignment.wrap_text is True

    response = client.get(base + ".csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows == [
        list(header),
        *[[str(cell) if cell is not None else "" for cell in row] for row in expected],
    ]
    assert response.content.count(b"\r\n") == 3

    data = json.loads(client.get(base + ".json").content)
    assert data["policy"] == "平塚市デジタル化基本方針"
    assert data["old_version"] == {"name": "素案", "dated_on": "2021-01-15"}
    assert data["new_version"] == {"name": "策定版", "dated_on": "2021-03-31"}
    assert data["differences"][0]["runs"] == [
        {"op": "equal", "text": FUTURE_DRAFT.split("主導")[0]},
        {"op": "delete", "text": "主導"},
        {"op": "insert", "text": "駆動"},
        {"op": "equal", "text": FUTURE_DRAFT.split("主導")[1]},
    ]
    assert data["differences"][1] == {
        "number": 2,
        "headings": ["第3章 用語解説"],
        "kind": "added",
        "before": None,
        "after": NEW_NORMAL,
        "runs": [{"op": "insert", "text": NEW_NORMAL}],
        "remarks": [
            {
                "meeting": "令和2年度第2回平塚市行政改革推進委員会",
                "number": 1,
                "member": "秋山委員",
                "url": "http://testserver" + example["row1"].get_absolute_url(),
            }
        ],
    }
    assert client.get(base + ".pdf").status_code == 404


# -- nothing unpublished reaches the public pages ----------------------------------------------

MARKER = "DRAFTLEAK7q"


def test_unpublished_versions_and_links_of_draft_remarks_never_appear(client, shiryo2):
    example = worked_example(publish=("素案", "策定版"))

    hidden = policy_version_create_from_text(
        policy=example["policy"],
        name="改定案",
        dated_on=example["adopted"].dated_on,
        text=f"第1章 はじめに\n{MARKER}の本文。",
    )
    draft_remark = CommentFactory(
        meeting=example["row7"].meeting,
        member=example["row7"].member,
        policy_item=example["row7"].policy_item,
        number=8,
        body=f"{MARKER}の下書きの意見",
    )
    PolicyChangeLink.objects.create(
        comment=draft_remark,
        old_passage=Passage.objects.get(version=example["draft"], text=FUTURE_DRAFT),
        new_passage=Passage.objects.get(version=example["adopted"], text=FUTURE_ADOPTED),
    )
    nothing_public = PolicyFactory(title=f"{MARKER}方針")
    policy_version_create_from_text(
        policy=nothing_public, name="素案", dated_on=hidden.dated_on, text=f"{MARKER}本文。"
    )

    pages = crawl(client, ["/", f"/policies/{example['policy'].pk}/", "/items/"])

    assert f"/policies/{example['policy'].pk}/differences.csv" in pages
    for url, (_status, text, _headers) in pages.items():
        assert MARKER not in text, url
        assert "改定案" not in text, url
        assert f"/comments/{draft_remark.pk}/" not in text, url
    for url in [
        f"/policies/{nothing_public.pk}/",
        f"/policies/{nothing_public.pk}/differences.csv",
        draft_remark.get_absolute_url(),
    ]:
        assert client.get(url).status_code == 404, url
    _caption, _head, rows = read_table(
        pages[f"/policies/{example['policy'].pk}/"][1], "policy-differences"
    )
    assert [row[4]["text"] for row in rows] == [ROW7_LABEL, ROW1_LABEL]


def test_an_editor_cannot_change_or_delete_a_published_version(client, shiryo2):
    example = worked_example(publish=("素案",))
    client.force_login(staff_user(EDITOR))
    draft_url = reverse("admin:policy_policyversion_change", args=[example["draft"].pk])
    adopted_url = reverse("admin:policy_policyversion_change", args=[example["adopted"].pk])

    published_page = client.get(draft_url).content.decode()
    draft_page = client.get(adopted_url).content.decode()
    delete = client.post(
        reverse("admin:policy_policyversion_delete", args=[example["draft"].pk]), {"post": "yes"}
    )

    assert 'name="name"' not in published_page  # read only
    assert "素案" in published_page
    assert 'name="name"' in draft_page
    assert delete.status_code == 403
    assert PolicyVersion.objects.filter(pk=example["draft"].pk).exists()
