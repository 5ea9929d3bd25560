"""Writing versions: one transaction, history with the author, duplicates and bad files refused."""

import pytest
from django.core.exceptions import ValidationError

from policy.models import Passage, PolicyVersion
from policy.services import policy_version_create_from_docx, policy_version_create_from_text
from tests.factories import PolicyFactory, staff_user
from tests.policy.docx_files import macro_docm, policy_docx
from tests.policy.examples import ADOPTED_DATE, DRAFT_DATE, DRAFT_TEXT, FUTURE_DRAFT

pytestmark = pytest.mark.django_db


def counts():
    return (
        PolicyVersion.objects.count(),
        Passage.objects.count(),
        PolicyVersion.history.count(),
        Passage.history.count(),
    )


def test_create_from_text_stores_passages_in_order_with_headings_and_history():
    policy, user = PolicyFactory(), staff_user()

    version = policy_version_create_from_text(
        policy=policy, name="素案", dated_on=DRAFT_DATE, text=DRAFT_TEXT, by=user
    )

    assert (version.name, version.stage, version.dated_on, version.order) == (
        "素案",
        "draft",
        DRAFT_DATE,
        0,
    )
    rows = list(version.passages.values_list("position", "kind", "level", "heading_path", "text"))
    assert len(rows) == 10
    assert rows[0] == (1, "heading", 1, "", "第1章 はじめに")
    assert rows[4] == (5, "paragraph", 0, "第2章 本市の未来像", FUTURE_DRAFT)
    assert rows[7][3] == "第2章 本市の未来像\n方針2 行政内部のデジタル化\n（1）業務の効率化"
    assert version.history.get().history_user == user
    assert {h.history_user for h in Passage.history.all()} == {user}
    assert Passage.history.count() == 10


def test_create_from_docx_keeps_the_file_name_and_numbers_the_order():
    policy = PolicyFactory()
    policy_version_create_from_text(policy=policy, name="素案", dated_on=DRAFT_DATE, text="本文")

    version = policy_version_create_from_docx(
        policy=policy,
        name="策定版",
        dated_on=ADOPTED_DATE,
        content=policy_docx(),
        filename="デジタル化基本方針.docx",
        stage="adopted",
    )

    assert (version.order, version.source_filename, version.passages.count()) == (
        1,
        "デジタル化基本方針.docx",
        12,
    )


def test_create_refuses_a_duplicate_name_and_writes_nothing():
    policy = PolicyFactory()
    policy_version_create_from_text(policy=policy, name="素案", dated_on=DRAFT_DATE, text="本文")
    before = counts()

    with pytest.raises(ValidationError) as error:
        policy_version_create_from_text(
            policy=policy, name="素案", dated_on=ADOPTED_DATE, text=DRAFT_TEXT
        )

    assert error.value.messages == [
        "「テスト市デジタル化基本方針」には「素案」という版がすでにあります。"
        "別の名称にしてください。"
    ]
    assert counts() == before


def test_create_refuses_a_macro_file_and_writes_nothing():
    before = counts()

    with pytest.raises(ValidationError) as error:
        policy_version_create_from_docx(
            policy=PolicyFactory(),
            name="素案",
            dated_on=DRAFT_DATE,
            content=macro_docm(),
            filename="素案.docx",
        )

    assert error.value.messages[0].startswith("マクロ付きの Word 文書（.docm）は読み込めません。")
    assert counts() == before
