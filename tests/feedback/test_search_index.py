"""The bigram index behind keyword search (feedback/search.py, migration 0008): the pieces it
stores, that it never loses a match (against a plain Python scan), that the database reaches
it for keywords of one, two and three characters, and the pages built on it, over HTTP."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import permissions, search
from feedback.folding import fold
from feedback.models import Comment
from feedback.search import (
    FTS_TABLE,
    bigrams_of,
    keyword_condition,
    postgresql_query,
    refresh_search_text,
    sqlite_query,
)
from feedback.services import report_publish
from tests.factories import (
    CityResponseFactory,
    CommentFactory,
    report_with_comments,
    staff_user,
)
from tests.helpers import JAPANESE
from tests.html import body_texts

pytestmark = pytest.mark.django_db

GIN_INDEX = "feedback_comment_search_bigrams_gin"


def test_bigrams_of_lists_each_pair_and_each_last_character_once():
    assert bigrams_of("窓口の窓口\n市") == "の窓 口 口の 市 窓口"
    assert bigrams_of("") == ""


def test_index_queries_quote_every_piece():
    assert postgresql_query(["市"]) == "'市':*"
    assert postgresql_query(["窓口", "a'\\b"]) == r"'窓口' & '''\\' & '\\b' & 'a'''"
    assert sqlite_query(["市", '"a']) == '"市"* AND """a"'


def test_database_index_is_in_step_after_save_update_and_delete():
    comment = CommentFactory(body="窓口の電子化")
    other = CommentFactory(body="市民の声")

    def found(word):
        return set(Comment.objects.filter(keyword_condition(word)).values_list("pk", flat=True))

    assert found("窓口") == {comment.pk}
    comment.body = "手続の簡素化"
    comment.save()
    assert found("窓口") == set()
    assert found("簡") == {comment.pk}
    assert comment.search_bigrams == bigrams_of(comment.search_text)
    other.delete()
    assert found("市") == set()


def _plan(queryset):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The test table holds a handful of rows, where a sequential scan is cheaper;
            # what is checked is that the index can serve the query at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
    return queryset.explain()


@pytest.mark.parametrize("word", ["市", "窓口", "電子化", "ＤＸ推進"])
def test_search_reaches_the_bigram_index(word):
    CommentFactory(body="窓口の電子化とＤＸ推進は市の課題")
    CommentFactory(body="別の意見")

    plan = _plan(Comment.objects.filter(keyword_condition(word)))

    if connection.vendor == "postgresql":
        assert f"Bitmap Index Scan on {GIN_INDEX}" in plan, plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan and FTS_TABLE in plan


@pytest.mark.parametrize("word", ["市", "窓口"])
def test_the_admins_search_also_reaches_the_drafts_without_pieces(word):
    CommentFactory(body="窓口の電子化は市の課題")
    draft = CommentFactory(body="市の窓口")
    Comment.objects.filter(pk=draft.pk).update(search_bigrams="")  # as an import leaves it

    plan = _plan(Comment.objects.filter(keyword_condition(word)))
    public = _plan(Comment.objects.filter(keyword_condition(word, published=True)))

    # Both through an index: the bigrams' and the partial one of the remarks without pieces.
    if connection.vendor == "postgresql":
        assert f"Bitmap Index Scan on {GIN_INDEX}" in plan, plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan and FTS_TABLE in plan
    assert "comment_unindexed" in plan, plan
    assert "comment_unindexed" not in public, public
    assert draft.pk in Comment.objects.filter(keyword_condition(word)).values_list("pk", flat=True)


def test_a_published_remark_cannot_lose_its_index_pieces():
    comment = CommentFactory(body="窓口の電子化")
    CityResponseFactory(comment=comment, body="検討します")
    report_publish(report=report_with_comments([comment]))

    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(search_bigrams="")

    comment.refresh_from_db()
    assert comment.search_bigrams == bigrams_of(comment.search_text) != ""


def test_the_search_texts_are_stored_with_lz4_where_postgresql_has_it():
    """Migration 0027: LZ4 for the two search texts on a PostgreSQL built with it (this
    machine's and CI's are); SQLite stores text as it is."""
    if connection.vendor != "postgresql":
        migration = importlib.import_module("feedback.migrations.0027_search_text_lz4")
        written = []
        editor = SimpleNamespace(
            connection=connection, quote_name=connection.ops.quote_name, execute=written.append
        )
        migration.to_lz4(None, editor)
        migration.to_default(None, editor)
        assert written == []
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        assert cursor.fetchone() == (True,)
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute WHERE attrelid ="
            " 'feedback_comment'::regclass AND attname IN ('body', 'search_text', 'search_bigrams')"
            " ORDER BY attname"
        )
        assert cursor.fetchall() == [("body", ""), ("search_bigrams", "l"), ("search_text", "l")]


def test_common_keywords_leave_the_index_out():
    common = str(Comment.objects.filter(keyword_condition("市 窓口", common=True)).query)
    indexed = str(Comment.objects.filter(keyword_condition("市 窓口")).query)

    assert FTS_TABLE not in common and "search_index" not in common
    if connection.vendor == "postgresql":
        assert "search_index" in indexed
        assert common.count("feedback_search_contains(") == 2
        assert "LIKE" not in common
    else:
        assert FTS_TABLE in indexed
        assert common.count("LIKE") == 2


@pytest.mark.parametrize(("limit", "pays"), [(3, True), (2, False)])
def test_the_count_reads_the_index_when_it_lists_few_candidates(monkeypatch, limit, pays):
    for number in (1, 2, 3):
        CommentFactory(body=f"窓口{number}")
    CommentFactory(body="別の意見")
    monkeypatch.setitem(search.SQLITE_INDEX_LIMITS, "alone", limit)
    monkeypatch.setitem(search.SQLITE_INDEX_LIMITS, "narrowed", 0)

    # PostgreSQL's planner weighs the index itself: it is always offered.
    assert search.index_pays("窓口") is (pays or connection.vendor == "postgresql")
    assert search.index_pays("窓口", narrowed=True) is (connection.vendor == "postgresql")
    assert search.index_pays("別") is True
    # Nothing to look up: the index is not asked.
    assert search.index_pays("") is True


# -- property: the indexed search selects what a Python scan selects ---------------------------

# One keyword: no whitespace (several keywords are a conjunction of one-keyword conditions).
LETTERS = "".join(char for char in JAPANESE if not char.isspace())
texts = st.text(alphabet=JAPANESE, min_size=1, max_size=30)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(texts, min_size=1, max_size=5),
    st.text(alphabet=LETTERS, min_size=1, max_size=4),
    st.data(),
)
def test_indexed_search_selects_exactly_what_a_python_scan_selects(bodies, query, data):
    Comment.objects.all().delete()
    comments = [CommentFactory(body=body if body.strip() else "本文") for body in bodies]
    if data.draw(st.booleans()):
        # A piece of a stored body, so that matches are common, not only misses.
        body = data.draw(st.sampled_from([comment.body for comment in comments]))
        start = data.draw(st.integers(0, len(body) - 1))
        query = "".join(body[start : start + data.draw(st.integers(1, 3))].split()) or "市"
    # The member's and the item's lines, as every write path adds them.
    refresh_search_text([comment.pk for comment in comments])
    # Some drafts without index pieces, as an import leaves them: found by the LIKE alone.
    unindexed = data.draw(st.lists(st.sampled_from([comment.pk for comment in comments])))
    Comment.objects.filter(pk__in=unindexed).update(search_bigrams="")

    def found(*, common):
        condition = keyword_condition(query, common=common)
        return set(Comment.objects.filter(condition).values_list("pk", flat=True))

    def texts_of(comment):
        with translation.override("ja"):
            printed = comment.member.display_name
        return [comment.body, printed, comment.member.name, comment.policy_item.heading]

    expected = {
        comment.pk
        for comment in comments
        if any(fold(query) in fold(text) for text in texts_of(comment))
    }
    # Through the index, and without it as a search for common keywords reads (on PostgreSQL
    # through feedback_search_contains, migration 0023).
    assert found(common=False) == expected
    assert found(common=True) == expected


# -- over HTTP ---------------------------------------------------------------------------------


def test_one_and_two_character_keywords_find_exact_rows(client):
    first = CommentFactory(body="窓口を一つにしてください。", number=1)
    comments = [
        first,
        CommentFactory(body="市の窓口", number=2, meeting=first.meeting),
        CommentFactory(body="電子申請、%対応", number=3, meeting=first.meeting),
    ]
    for comment in comments:
        CityResponseFactory(comment=comment, body="検討します")
    report_publish(report=report_with_comments(comments))
    url = reverse("feedback:comment-search")

    def rows(word):
        page = client.get(url, {"q": word}).content.decode()
        return [row[1] for row in body_texts(page)]

    assert rows("窓口") == ["1", "2"]
    # 「口」 ends No.2's remark: found through the token of a line's last character.
    assert rows("口") == ["1", "2"]
    assert rows("市") == ["2"]
    assert rows("、%") == ["3"]
    assert rows("%") == ["3"]
    assert rows("電子化") == []


def test_only_the_admins_search_looks_for_remarks_without_pieces(client):
    """The public search page, a 資料's keyword filter and the API read published remarks only,
    which all hold their pieces: their SQL has no arm for the drafts the import left without
    them (which would cost them nothing in results but a second index read); the admin's has."""
    published = CommentFactory(body="市の窓口", number=1)
    CityResponseFactory(comment=published, body="検討します")
    report = report_with_comments([published])
    report_publish(report=report)
    draft = CommentFactory(body="窓口の電子化", number=2, meeting=published.meeting)
    Comment.objects.filter(pk=draft.pk).update(search_bigrams="")  # as an import leaves it
    # The drafts' arm as each database writes it (BigramIndexMatch).
    arm = (
        "search_bigrams\" = ''"
        if connection.vendor == "postgresql"
        else "comment\" WHERE search_bigrams = ''"
    )

    def statements(c, url, params):
        with CaptureQueriesContext(connection) as queries:
            response = c.get(url, params)
        assert response.status_code == 200
        return [
            query["sql"] for query in queries if "@@" in query["sql"] or FTS_TABLE in query["sql"]
        ]

    public = [
        *statements(client, reverse("feedback:comment-search"), {"q": "窓口"}),
        *statements(client, report.get_absolute_url(), {"q": "窓口"}),
        *statements(client, "/api/v1/remarks/", {"q": "窓口"}),
    ]
    staff = Client()
    staff.force_login(staff_user(permissions.EDITOR))
    admin = statements(staff, reverse("admin:feedback_comment_changelist"), {"q": "窓口"})

    assert public and not any(arm in sql for sql in public)
    assert admin and all(arm in sql for sql in admin)
