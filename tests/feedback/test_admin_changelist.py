"""The admin's long lists at scale (feedback/admin.py, feedback/admin_paging.py): counts, pages
read by their keys, searches counted with their first page, autocompletes that never count."""

import re

import pytest
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.functional import cached_property

from feedback import admin_paging
from feedback.admin import CommentAdmin
from feedback.admin_paging import ChangelistPaginator, keys_first
from feedback.models import Comment, Report
from feedback.search import keyword_condition, matches
from tests.factories import CommentFactory, CommitteeFactory, MeetingFactory, ReportFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/feedback/comment/"
AUTOCOMPLETE = "/admin/autocomplete/"


def listed(response):
    return [comment.pk for comment in response.context["cl"].result_list]


def remarks(count, **fields):
    """``count`` remarks of one meeting, No.1 … No.count."""
    meeting = MeetingFactory()
    return [CommentFactory(meeting=meeting, number=n, **fields) for n in range(1, count + 1)]


def test_unfiltered_count_is_the_planner_estimate_on_postgresql_and_exact_elsewhere():
    first = CommentFactory(body="一つ目")
    CommentFactory(body="二つ目", meeting=first.meeting)
    CommentFactory(body="三つ目")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE feedback_comment")

    with CaptureQueriesContext(connection) as queries:
        count = ChangelistPaginator(Comment.objects.order_by("pk"), 100).count

    assert count == 3
    # PostgreSQL: one query, the estimate from 10,000 rows on and the exact count below.
    expected = "reltuples" if connection.vendor == "postgresql" else "COUNT(*)"
    assert [expected in query["sql"] for query in queries] == [True]
    filtered = Comment.objects.filter(meeting=first.meeting).order_by("pk")
    assert ChangelistPaginator(filtered, 100).count == 2


def _estimating(monkeypatch, estimate):
    """The changelist's paginator counting unfiltered lists as ``estimate``: on PostgreSQL the
    planner's own figure (``pg_class.reltuples`` set by hand, as ANALYZE's sample would), on
    SQLite, which has none, the same answer put in its place."""
    if connection.vendor == "postgresql":
        monkeypatch.setattr(admin_paging, "ESTIMATE_FROM_ROWS", 1)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE pg_class SET reltuples = %s WHERE oid = 'feedback_comment'::regclass",
                [estimate],
            )
        return
    exact = ChangelistPaginator.count.func

    def count(paginator):
        if paginator.object_list.query.where:
            return exact(paginator)
        paginator.estimated = True
        return estimate

    monkeypatch.setattr(ChangelistPaginator, "count", cached_property(count))
    ChangelistPaginator.count.__set_name__(ChangelistPaginator, "count")


@pytest.mark.parametrize("estimate", [3, 9])
def test_every_page_of_an_estimated_count_is_reachable(admin_client, monkeypatch, estimate):
    """An estimate a few per cent low once made the last page of 100,000 remarks an error
    (99,891 estimated: page 1,000 refused). Low (3 for 5) or high (9), each page reads one row
    past itself and corrects the count: the links reach the last row, and a page past the end
    shows the last one."""
    monkeypatch.setattr(CommentAdmin, "list_per_page", 2)
    remarks(5)
    _estimating(monkeypatch, estimate)

    def page(number):
        response = admin_client.get(CHANGELIST, {"p": number})
        assert response.status_code == 200
        cl = response.context["cl"]
        assert (cl.result_count, cl.paginator.estimated) == (estimate, True)
        shown = [comment.number for comment in cl.result_list]
        return cl.page_num, shown, cl.paginator.num_pages

    assert page(1) == (1, [1, 2], max(2, -(-estimate // 2)))
    assert page(2) == (2, [3, 4], max(3, -(-estimate // 2)))
    assert page(3) == (3, [5], 3)
    assert page(5) == (3, [5], 3)


def test_changelist_lists_remarks_by_meeting_then_number(admin_client):
    first = CommentFactory(body="一つ目", number=2)
    CommentFactory(body="二つ目", number=1, meeting=first.meeting)
    later = CommentFactory(body="三つ目", number=1)

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert listed(response) == [
        *Comment.objects.filter(meeting=first.meeting)
        .order_by("number")
        .values_list("pk", flat=True),
        later.pk,
    ]


@pytest.mark.parametrize(
    "query",
    [{}, {"o": "2"}, {"o": "-5.1"}, {"status__exact": "draft"}, {"q": "窓口"}],
    ids=["default order", "by member", "by category", "filtered", "searched"],
)
def test_every_page_lists_the_rows_an_offset_page_lists(admin_client, monkeypatch, query):
    monkeypatch.setattr(CommentAdmin, "list_per_page", 2)
    remarks(3, body="窓口の意見")
    remarks(2, body="窓口を一つに")
    CommentFactory(body="別の意見")

    for page in (1, 2, 3):
        response = admin_client.get(CHANGELIST, {**query, "p": page})

        cl = response.context["cl"]
        # Django's own paging of the same list: LIMIT/OFFSET over the whole join.
        expected = [c.pk for c in Paginator(cl.queryset, 2).page(page).object_list]
        assert listed(response) == expected
        assert cl.result_count == cl.queryset.count()


def test_deep_page_reads_its_keys_first_and_its_rows_without_the_search_text(
    admin_client, monkeypatch
):
    monkeypatch.setattr(CommentAdmin, "list_per_page", 2)
    rows = remarks(5)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(CHANGELIST, {"p": 2})

    assert listed(response) == [rows[2].pk, rows[3].pk]
    page_query = queries[-1]["sql"]
    # One statement: the page's keys in the list's order (a subquery), then those rows.
    assert "LIMIT 2 OFFSET 2" in page_query
    assert '"feedback_comment"."search_text"' not in page_query.split(" FROM ")[0]
    assert response.context["cl"].result_list[0].get_deferred_fields() == {
        "search_text",
        "search_bigrams",
    }


def test_first_middle_filtered_and_searched_pages_read_the_same_queries(admin_client, monkeypatch):
    monkeypatch.setattr(CommentAdmin, "list_per_page", 2)
    remarks(5, body="窓口の意見")

    counts = {}
    for name, query in {
        "first": {},
        "middle": {"p": 2},
        "last": {"p": 3},
        "filtered": {"status__exact": "draft", "p": 2},
        "searched": {"q": "窓口", "p": 1},
        "searched page": {"q": "窓口", "p": 2},
    }.items():
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(CHANGELIST, query).status_code == 200
        counts[name] = len(queries)

    # Session, user, the filters' choices (meetings, members, items, categories), the count
    # and the page.
    assert set(counts.values()) == {8}, counts


def test_search_is_counted_with_its_first_page(admin_client, monkeypatch):
    monkeypatch.setattr(CommentAdmin, "list_per_page", 2)
    found = remarks(3, body="ＤＸの窓口を一つに")
    CommentFactory(body="別の意見")

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(CHANGELIST, {"q": "dx 窓口"})

    assert listed(response) == [found[0].pk, found[1].pk]
    assert response.context["cl"].result_count == 3
    sql = [query["sql"] for query in queries]
    assert not any('COUNT(*) AS "__count"' in statement for statement in sql)
    assert sum("COUNT(*) OVER ()" in statement for statement in sql) == 1
    assert listed(admin_client.get(CHANGELIST, {"q": "dx 窓口", "p": 2})) == [found[2].pk]


def test_changelist_and_autocomplete_search_like_the_public_search(admin_client):
    found = CommentFactory(body="ＤＸの窓口を一つに")
    CommentFactory(body="別の意見")

    response = admin_client.get(CHANGELIST, {"q": "dx 窓口"})
    assert listed(response) == [found.pk]

    autocomplete = {"app_label": "feedback", "model_name": "reportentry", "field_name": "comment"}
    response = admin_client.get(AUTOCOMPLETE, {"term": "窓", **autocomplete})
    assert [row["id"] for row in response.json()["results"]] == [str(found.pk)]


def test_autocomplete_reads_one_row_past_its_page_and_never_counts(admin_client, monkeypatch):
    monkeypatch.setattr(AutocompleteJsonView, "paginate_by", 2)
    rows = remarks(3, body="窓口の意見")
    CommentFactory(body="別の意見")
    continues = {"app_label": "feedback", "model_name": "comment", "field_name": "continues"}

    with CaptureQueriesContext(connection) as queries:
        first = admin_client.get(AUTOCOMPLETE, {"term": "窓口", **continues}).json()
    # Session, user, the page (labels with their meeting and committee): no count, no query
    # per row.
    assert len(queries) == 3
    assert not any("COUNT(" in query["sql"] for query in queries)
    second = admin_client.get(AUTOCOMPLETE, {"term": "窓口", "page": 2, **continues}).json()
    past = admin_client.get(AUTOCOMPLETE, {"term": "窓口", "page": 3, **continues})

    assert first == {
        "results": [{"id": str(c.pk), "text": str(c)} for c in rows[:2]],
        "pagination": {"more": True},
    }
    assert second == {
        "results": [{"id": str(rows[2].pk), "text": str(rows[2])}],
        "pagination": {"more": False},
    }
    assert past.status_code == 404


ROWS = {"app_label": "feedback", "model_name": "reportentry", "field_name": "comment"}


def _one_keystroke_remarks():
    """Remarks of two meetings, entered out of their order, most holding 「市」."""
    later, earlier = MeetingFactory(number=2), MeetingFactory(number=1)
    for meeting, number, body in [
        (earlier, 3, "市の窓口"),
        (later, 1, "市民の声"),
        (earlier, 1, "市役所の電子化"),
        (earlier, 2, "別の意見"),
        (later, 2, "都市計画"),
    ]:
        CommentFactory(meeting=meeting, number=number, body=body)
    # The autocomplete's order is the admin's (CommentAdmin.ordering: meeting id, No.).
    return [
        comment.pk
        for comment in Comment.objects.order_by("meeting_id", "number")
        if matches(comment.search_text, "市")
    ]


@pytest.mark.parametrize("url", [AUTOCOMPLETE, "/admin/feedback/comment/row-autocomplete/"])
def test_one_keystroke_autocomplete_walks_its_order_for_one_page(admin_client, monkeypatch, url):
    monkeypatch.setattr(AutocompleteJsonView, "paginate_by", 2)
    expected = _one_keystroke_remarks()
    assert len(expected) == 4

    with CaptureQueriesContext(connection) as queries:
        first = admin_client.get(url, {"term": "市", **ROWS}).json()
    # Session, user, the page with the relations its labels print (meeting, committee,
    # member): no count, no query per row.
    assert len(queries) == 3
    page = queries[-1]["sql"]
    second = admin_client.get(url, {"term": "市", "page": 2, **ROWS}).json()

    assert [row["id"] for row in first["results"]] == [str(pk) for pk in expected[:2]]
    assert first["pagination"] == {"more": True}
    assert [row["id"] for row in second["results"]] == [str(pk) for pk in expected[2:]]
    assert second["pagination"] == {"more": False}
    assert "COUNT(" not in page
    if connection.vendor == "sqlite":
        # The index tests the rows of the walk, it does not choose them (search.py).
        assert re.search(r'\+\S+"id" IN \(SELECT rowid FROM feedback_comment_search', page), page
        assert page.count(" MATCH ") == 1  # read once: the rows come by their keys
        assert "LIMIT 3" in page


def test_changelist_search_still_starts_from_the_index(admin_client):
    _one_keystroke_remarks()

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(CHANGELIST, {"q": "市"})

    assert response.context["cl"].result_count == 4
    if connection.vendor == "sqlite":
        searches = [query["sql"] for query in queries if " MATCH " in query["sql"]]
        assert searches
        assert not any(re.search(r'\+\S+"id" IN \(SELECT rowid', sql) for sql in searches)


def test_a_pages_rows_are_read_by_their_keys_first():
    """``admin_paging.keys_first`` reorders Django's query tree (no public API places a
    condition): this fails, rather than the pages turning slow unnoticed, if that tree
    changes."""
    remarks(3, body="窓口の意見")
    searched = Comment.objects.filter(keyword_condition("窓口")).order_by("meeting_id", "number")

    page = ChangelistPaginator(searched, 2).page(1).object_list
    sql = str(page.query)

    where = sql[sql.index(" WHERE ") :]
    assert where.startswith(' WHERE ("feedback_comment"."id" IN (SELECT U0."id" AS "pk" FROM'), (
        where
    )
    assert [comment.number for comment in page] == [1, 2]
    # Anything else is left as it is.
    other = Comment.objects.filter(number=1).filter(body="x")
    assert str(keys_first(other).query) == str(other.query)


def test_meeting_autocomplete_reads_the_committee_with_the_meetings(admin_client):
    meetings = [MeetingFactory(number=n) for n in (1, 2, 3)]
    field = {"app_label": "feedback", "model_name": "comment", "field_name": "meeting"}

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(AUTOCOMPLETE, {"term": "", **field})

    assert [row["text"] for row in response.json()["results"]] == [
        str(meeting) for meeting in reversed(meetings)
    ]
    assert len(queries) == 3


def test_report_changelist_reads_its_meeting_filter_in_one_query(admin_client):
    def queries_of_changelist():
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get("/admin/feedback/report/")
        assert response.status_code == 200
        return len(queries)

    ReportFactory(meeting=MeetingFactory())
    before = queries_of_changelist()
    for _ in range(3):
        ReportFactory(meeting=MeetingFactory())

    assert queries_of_changelist() == before
    assert Report.objects.count() == 4


def test_each_rows_checkbox_is_the_html_django_renders_for_it(admin_client):
    """PagingMixin writes the actions' checkbox of each row out directly: the same HTML as
    Django's widget, a name that needs escaping included, and it selects rows for an action."""
    committee = CommitteeFactory(name='<行政&"改革">委員会')
    comments = [
        CommentFactory(meeting=MeetingFactory(committee=committee), member__committee=committee)
        for _ in range(2)
    ]

    page = admin_client.get(CHANGELIST).content.decode()

    django_admin = ModelAdmin(Comment, AdminSite())
    for comment in comments:
        expected = ModelAdmin.action_checkbox(django_admin, comment)
        assert CommentAdmin.action_checkbox(django_admin, comment) == expected
        assert expected in page
    assert "&lt;行政&amp;&quot;改革&quot;&gt;委員会" in page


def _meeting_filter(response, title):
    """The meeting filter's choices (names; the selected one starred) and whether it asks for
    a committee."""
    html = response.content.decode()
    pattern = rf'<details data-filter-title="{title}".*?</details>\s*(<p class="help">[^<]*</p>)?'
    block = re.search(pattern, html, re.S).group(0)
    choices = [
        ("*" if selected else "") + name.strip()
        for selected, name in re.findall(
            r'<li( class="selected")?>\s*<a href="[^"]*">([^<]*)</a></li>', block
        )
    ]
    return choices, "委員会を選ぶと、その委員会の会議から選べます。" in block


@pytest.mark.parametrize(
    ("admin_url", "title", "empty"),
    # A 資料 may have no meeting: Django adds the choice of those (「-」).
    [(CHANGELIST, "会議", []), ("/admin/feedback/report/", "提出した会議", ["-"])],
)
def test_the_meeting_filter_lists_the_chosen_committees_meetings(
    admin_client, admin_url, title, empty
):
    """400 meetings would be one long column: the 会議 filter waits for a committee, then lists
    its meetings; a link choosing only a meeting lists its committee's, that one selected."""
    gyokaku = CommitteeFactory(name="行政改革推進委員会")
    kankyo = CommitteeFactory(name="環境審議会")
    first = MeetingFactory(committee=gyokaku, fiscal_year=2020, number=1)
    second = MeetingFactory(committee=gyokaku, fiscal_year=2020, number=2)
    MeetingFactory(committee=kankyo, fiscal_year=2020, number=1)
    for meeting in (first, second):
        CommentFactory(meeting=meeting)
        ReportFactory(meeting=meeting)

    nothing_chosen = admin_client.get(admin_url)
    by_committee = admin_client.get(admin_url, {"meeting__committee__id__exact": gyokaku.pk})
    by_meeting = admin_client.get(admin_url, {"meeting__id__exact": first.pk})
    typed = admin_client.get(admin_url, {"meeting__committee__id__exact": "1; DROP"})

    assert _meeting_filter(nothing_chosen, title) == (["*全て", *empty], True)
    names = ["令和2年度第2回行政改革推進委員会", "令和2年度第1回行政改革推進委員会"]
    assert _meeting_filter(by_committee, title) == (["*全て", *names, *empty], False)
    chosen = ["全て", names[0], "*" + names[1], *empty]
    assert _meeting_filter(by_meeting, title) == (chosen, False)
    assert len(by_meeting.context["cl"].result_list) == 1
    # An id typed by hand that is no number: Django's own answer, the list without filters.
    assert (typed.status_code, typed.url) == (302, f"{admin_url}?e=1")
