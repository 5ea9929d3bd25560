"""Policy versions through the admin over HTTP: paste or upload, preview, save, compare."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback import permissions
from policy import docx_reader
from policy.models import Passage, PolicyVersion
from tests.factories import PolicyFactory, staff_user
from tests.feedback.admin_forms import change_form_data
from tests.html import read_table
from tests.policy.docx_files import corrupt_docx, macro_docm, policy_docx, zip_bomb
from tests.policy.examples import ADOPTED_TEXT, DRAFT_TEXT, FUTURE_ADOPTED, NEW_NORMAL

pytestmark = pytest.mark.django_db

ADD_URL = "admin:policy_policyversion_add"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def editor(client):
    user = staff_user(permissions.EDITOR)
    client.force_login(user)
    return user


@pytest.fixture
def policy():
    return PolicyFactory()


def counts():
    return (
        PolicyVersion.objects.count(),
        Passage.objects.count(),
        PolicyVersion.history.count(),
        Passage.history.count(),
    )


def preview(client, policy, *, name="素案", stage="draft", dated_on="2021-01-15", **source):
    data = {"policy": policy.pk, "name": name, "stage": stage, "dated_on": dated_on, **source}
    return client.post(reverse(ADD_URL), {**data, "_preview": "1"})


def save(client, response):
    """Post the preview's 「保存する」 form as the browser does."""
    form = response.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    return client.post(reverse(ADD_URL), {**data, "_save": "1"})


def docx_upload(content, name="デジタル化基本方針.docx"):
    return SimpleUploadedFile(name, content, content_type=DOCX_TYPE)


def add_version(client, policy, **kwargs):
    response = save(client, preview(client, policy, **kwargs))
    assert response.status_code == 302
    return PolicyVersion.objects.get(policy=policy, name=kwargs.get("name", "素案"))


def test_paste_previews_the_passages_then_saves_them(client, editor, policy):
    before = counts()

    response = preview(client, policy, text=DRAFT_TEXT)

    assert response.status_code == 200
    page = response.content.decode()
    assert "確認: 貼り付けた本文 から 10段落（うち見出し 6）" in page
    _, _, rows = read_table(page, "policy-passages")
    assert [[cell["text"] for cell in row] for row in rows[:3]] == [
        ["1", "見出し（階層1）", "", "第1章 はじめに"],
        ["2", "見出し（階層3）", "第1章 はじめに", "1 方針の目的"],
        [
            "3",
            "本文",
            "第1章 はじめに ＞ 1 方針の目的",
            "本市では、「平塚市情報化基本方針」を全面的に見直し、"
            "「平塚市デジタル化基本方針」を策定します。",
        ],
    ]
    assert counts() == before  # nothing saved by the preview

    response = save(client, response)

    version = PolicyVersion.objects.get(policy=policy, name="素案")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:policy_policyversion_change", args=[version.pk])
    assert version.passages.count() == 10
    assert version.history.get().history_user == editor
    page = client.get(response["Location"]).content.decode()
    assert "「テスト市デジタル化基本方針（素案）」を登録しました（10段落）。" in page
    assert "差分を見る" in page
    assert 'href="/static/css/policy-versions.css"' in page


def test_word_upload_comes_in_as_the_expected_passages(client, editor, policy):
    response = preview(client, policy, name="策定版", docx_file=docx_upload(policy_docx()))

    assert "確認: デジタル化基本方針.docx から 12段落（うち見出し 5）" in response.content.decode()

    save(client, response)

    version = PolicyVersion.objects.get(name="策定版")
    assert version.source_filename == "デジタル化基本方針.docx"
    assert list(version.passages.values_list("kind", "level", "heading_path", "text")) == [
        ("heading", 1, "", "第1章 はじめに"),
        ("heading", 2, "第1章 はじめに", "1 方針の目的"),
        (
            "paragraph",
            0,
            "第1章 はじめに\n1 方針の目的",
            "本市では、「平塚市情報化基本方針」を全面的に見直します。",
        ),
        ("heading", 1, "", "第2章 本市の未来像"),
        (
            "paragraph",
            0,
            "第2章 本市の未来像",
            "「データ駆動型の地域社会」を目指します。ＡＩやＲＰＡを活用します。",
        ),
        ("heading", 4, "第2章 本市の未来像", "（1）業務の効率化"),
        ("paragraph", 0, "第2章 本市の未来像\n（1）業務の効率化", "テレワークを活用します。"),
        ("heading", 1, "", "第3章 用語解説"),
        ("paragraph", 0, "第3章 用語解説", "用語\t説明"),
        ("paragraph", 0, "第3章 用語解説", "ＡＩ\t人工知能。"),
        ("paragraph", 0, "第3章 用語解説", "新たな日常\t今までと異なる日常。"),
        ("paragraph", 0, "第3章 用語解説", "以上"),
    ]


@pytest.mark.parametrize(
    ("make_file", "filename", "message"),
    [
        (corrupt_docx, "方針.docx", docx_reader.CORRUPT),
        (
            zip_bomb,
            "方針.docx",
            "Word 文書を展開すると大きすぎます（上限52,428,800バイト）。読み込みを中止しました。",
        ),
        (macro_docm, "方針.docx", docx_reader.MACRO),
        (policy_docx, "方針.docm", docx_reader.MACRO),
        (
            lambda: b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024),
            "方針.docx",
            "ファイルが大きすぎます（10,485,764バイト）。上限は10,485,760バイトです。"
            "画像を減らすか、文書を分けてください。",
        ),
    ],
    ids=["corrupt", "zip-bomb", "macro-docm", "macro-extension", "oversize"],
)
def test_hostile_word_files_are_refused_in_japanese_and_nothing_changes(
    client, editor, policy, make_file, filename, message
):
    before = counts()

    response = preview(client, policy, docx_file=docx_upload(make_file(), filename))

    assert response.status_code == 200
    assert response.context["form"].errors["docx_file"] == [message]
    assert message in response.content.decode()
    assert "confirm_form" not in response.context
    assert counts() == before


def test_duplicate_name_is_refused_before_the_preview(client, editor, policy):
    add_version(client, policy, text="本文です。")
    before = counts()

    response = preview(client, policy, text=DRAFT_TEXT)

    assert response.context["form"].errors["name"] == [
        "「テスト市デジタル化基本方針」には「素案」という版がすでにあります。"
        "別の名称にしてください。"
    ]
    assert counts() == before


def test_text_and_file_together_are_refused(client, editor, policy):
    response = preview(client, policy, text=DRAFT_TEXT, docx_file=docx_upload(policy_docx()))

    assert response.context["form"].non_field_errors() == [
        "本文を貼り付けるか Word ファイルを選ぶか、どちらか一方にしてください。"
    ]


def test_save_with_an_unknown_preview_key_saves_nothing(client, editor, policy):
    before = counts()
    data = {"policy": policy.pk, "name": "素案", "stage": "draft", "dated_on": "2021-01-15"}

    response = client.post(reverse(ADD_URL), {**data, "token": "forged", "_save": "1"})

    assert "確認画面の有効期限が切れたか、内容を確認できません。" in response.content.decode()
    assert counts() == before


def test_diff_page_shows_exactly_row7_and_row1_changes(client, editor, policy):
    add_version(client, policy, name="素案", text=DRAFT_TEXT)
    adopted = add_version(
        client, policy, name="策定版", stage="adopted", dated_on="2021-03-31", text=ADOPTED_TEXT
    )

    response = client.get(reverse("admin:policy_policyversion_diff", args=[adopted.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "「素案」から「策定版」への変更" in page
    assert "変更 1段落" in page and "追加 1段落" in page and "削除 0段落" in page
    assert "変更なし 9段落" in page
    _, head, rows = read_table(page, "policy-diff")
    assert [cell["text"] for cell in head[0]] == ["区分", "見出し", "本文"]
    assert [[cell["text"] for cell in row] for row in rows] == [
        [
            "変更",
            "第2章 本市の未来像",
            "本市は、デジタル技術を活用して市民一人ひとりが豊かさを実感できる"
            "「データ削除:主導追加:駆動型の地域社会」を目指します。",
        ],
        ["追加", "第3章 用語解説", NEW_NORMAL],
    ]
    # Deleted and inserted runs are marked up, with labels that do not rely on colour.
    assert (
        '「データ<del><span class="visually-hidden">削除:</span>主導</del>'
        '<ins><span class="visually-hidden">追加:</span>駆動</ins>型の地域社会」' in page
    )
    assert page.count("<del>") == 1 and page.count("<ins>") == 1
    assert 'href="/static/css/policy-versions.css"' in page
    assert " style=" not in page and "<script>" not in page.split("</head>")[1]


def test_diff_page_can_show_unchanged_passages_and_compare_the_other_way(client, editor, policy):
    draft = add_version(client, policy, name="素案", text=DRAFT_TEXT)
    adopted = add_version(client, policy, name="策定版", dated_on="2021-03-31", text=ADOPTED_TEXT)
    url = reverse("admin:policy_policyversion_diff", args=[draft.pk])

    response = client.get(url, {"old": adopted.pk, "all": "1"})

    _, _, rows = read_table(response.content.decode(), "policy-diff")
    kinds = [row[0]["text"] for row in rows]
    assert kinds.count("変更なし") == 9
    assert kinds.count("削除") == 1  # 「新たな日常」 is not in the draft
    assert any(FUTURE_ADOPTED[:10] in row[2]["text"] for row in rows)


def test_diff_page_refuses_a_version_of_another_policy(client, editor, policy):
    draft = add_version(client, policy, name="素案", text=DRAFT_TEXT)
    other = PolicyFactory(title="別の計画")
    foreign = add_version(client, other, name="素案", text=DRAFT_TEXT)

    response = client.get(
        reverse("admin:policy_policyversion_diff", args=[draft.pk]), {"old": foreign.pk}
    )

    assert response.status_code == 404


def test_approver_reads_versions_and_differences_but_cannot_add(client, policy):
    editor_client = client.__class__()
    editor_client.force_login(staff_user(permissions.EDITOR))
    draft = add_version(editor_client, policy, name="素案", text=DRAFT_TEXT)
    add_version(editor_client, policy, name="策定版", dated_on="2021-03-31", text=ADOPTED_TEXT)
    client.force_login(staff_user(permissions.APPROVER))

    assert client.get(reverse(ADD_URL)).status_code == 403
    assert client.post(reverse(ADD_URL), {"text": DRAFT_TEXT}).status_code == 403
    page = client.get(reverse("admin:policy_policyversion_change", args=[draft.pk]))
    assert page.status_code == 200
    assert "第2章 本市の未来像" in page.content.decode()
    diff = client.get(reverse("admin:policy_policyversion_diff", args=[draft.pk]))
    assert diff.status_code == 200


def test_changing_a_version_at_an_older_update_number_is_refused(client, editor, policy):
    draft = add_version(client, policy, name="素案", text=DRAFT_TEXT)
    url = reverse("admin:policy_policyversion_change", args=[draft.pk])
    form = {"name": "素案", "stage": "draft", "dated_on": "2021-01-16", "order": "0"}
    inline = {
        "passages-TOTAL_FORMS": "10",
        "passages-INITIAL_FORMS": "10",
        "passages-MIN_NUM_FORMS": "0",
        "passages-MAX_NUM_FORMS": "1000",
    }
    for index, passage in enumerate(draft.passages.order_by("position")):
        inline[f"passages-{index}-id"] = str(passage.pk)
        inline[f"passages-{index}-version"] = str(draft.pk)

    first = client.post(url, {**form, **inline, "version": "1"})
    second = client.post(url, {**form, **inline, "name": "素案（再）", "version": "1"})

    assert first.status_code == 302
    assert second.status_code == 200
    assert "あなたの変更は保存されていません。" in second.content.decode()
    draft.refresh_from_db()
    assert (draft.name, draft.version, str(draft.dated_on)) == ("素案", 2, "2021-01-16")
    assert draft.history.first().history_user == editor


def test_version_list_counts_passages(client, editor, policy):
    add_version(client, policy, name="素案", text=DRAFT_TEXT)

    page = client.get(reverse("admin:policy_policyversion_changelist")).content.decode()

    assert "テスト市デジタル化基本方針（素案）" in page
    assert '<td class="field-passage_count">10</td>' in page


def test_staff_roles_have_rights_on_versions():
    from django.contrib.auth.models import Group

    def rights(name):
        return sorted(
            Group.objects.get(name=name)
            # Not the history tables' rights: feedback 0004 gives システム管理者 every right
            # that exists when it runs, and a feedback migration that depends on a policy
            # version (feedback 0008) makes the policy history tables exist by then.
            .permissions.filter(codename__regex="^[a-z]+_(policyversion|passage)$")
            .values_list("codename", flat=True)
        )

    assert rights(permissions.EDITOR) == [
        "add_passage",
        "add_policyversion",
        "change_policyversion",
        "delete_passage",
        "delete_policyversion",
        "view_passage",
        "view_policyversion",
    ]
    # Publishing a version is the publishers' right (policy 0005), as publishing a 資料 is.
    assert rights(permissions.APPROVER) == [
        "publish_policyversion",
        "view_passage",
        "view_policyversion",
    ]
    assert len(rights(permissions.ADMINISTRATOR)) == 9


def test_reverting_a_version_from_its_history_offers_the_current_update_number(
    client, editor, policy
):
    draft = add_version(client, policy, name="素案", text=DRAFT_TEXT)
    first = draft.history.earliest()
    draft.name = "素案（改）"
    draft.version = 2
    draft.save()

    url = reverse("admin:policy_policyversion_simple_history", args=[draft.pk, first.history_id])
    response = client.get(url)

    assert response.status_code == 200
    assert response.context["adminform"].form["version"].value() == 2


@pytest.mark.parametrize("dated_on", ["令和3年1月15日", "R3.1.15", "２０２１／０１／１５"])
def test_version_date_accepts_era_and_full_width_dates(client, editor, policy, dated_on):
    version = add_version(client, policy, dated_on=dated_on, text=DRAFT_TEXT)

    assert str(version.dated_on) == "2021-01-15"


def test_version_date_change_form_accepts_era_date(client, editor, policy):
    version = add_version(client, policy, text=DRAFT_TEXT)
    url = reverse("admin:policy_policyversion_change", args=[version.pk])
    data = change_form_data(client.get(url))
    data["dated_on"] = "令和3年3月31日"

    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    version.refresh_from_db()
    assert str(version.dated_on) == "2021-03-31"
