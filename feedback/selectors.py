"""Reads that span relations. Public code reaches data only through ``published()``.

Each public read with GET parameters is one selector that the page and its download share:
``report_filter`` (a 資料's rows) and ``search_filter`` (the remark search) hold the rows, the
filter and its choices (``FilterChoices``); ``report_table`` and ``remark_search`` are the pages'
reads on top of them, a page at a time (``feedback.paging``). The API's own reads are in
``api.selectors``.
"""

import functools
import hashlib
from collections import Counter
from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import BooleanField, Count, Exists, F, Func, OuterRef, Prefetch, Subquery

from feedback import search, summaries, table
from feedback.filters import CommentFilter
from feedback.models import (
    Comment,
    Committee,
    Meeting,
    Member,
    ReflectionCategory,
    Report,
    ReportEntry,
)
from feedback.paging import SEARCH_ORDER, ReportPage, remark_page, report_page
from policy.models import PolicyItem
from publication.cache import page_cache
from publication.models import PublicationStatus


def report_comments(report, *, published_only=True):
    """The remarks a 資料 lists, in its printed order, loaded for ``table.rows``.

    Public code keeps ``published_only``; staff exports (the meeting's handout is prepared
    before publication) pass ``False``.
    """
    comments = Comment.objects.filter(report_entries__report=report)
    if published_only:
        comments = comments.published()
    return table.load(comments).order_by("report_entries__position")


def report_published(report):
    """The published remarks a 資料 lists (unordered): the one spelling of that set."""
    return Comment.objects.published().filter(report_entries__report=report)


def published_rows():
    """Published remarks loaded for ``table.rows`` (follow-ups latest first)."""
    return table.load(Comment.objects.published())


def public_reports():
    return Report.objects.published().select_related("meeting__committee")


def report_published_comment_ids(report):
    """The ids of the published remarks a 資料 lists."""
    return set(report_published(report).values_list("pk", flat=True))


def _members_of(comments):
    """The members who made one of ``comments``, in 五十音順 (one query, no count)."""
    return (
        Member.objects.filter(Exists(comments.filter(member=OuterRef("pk"))))
        .select_related("committee")
        .order_by("name_kana", "name")
    )


def _policy_items_of(comments):
    """The policy items one of ``comments`` is about, in the policy's order."""
    return (
        PolicyItem.objects.filter(Exists(comments.filter(policy_item=OuterRef("pk"))))
        .select_related("policy")
        .order_by("policy__title", "order", "id")
    )


class PublishedAsWritten(Func):
    """``status = 'published'`` with the value written into the SQL, not bound: the only form
    in which SQLite uses a partial index on that condition (``Comment.Meta.indexes``). The
    value is the code's own constant, a plain word."""

    template = f"%(expressions)s = '{PublicationStatus.PUBLISHED.value}'"
    output_field = BooleanField()

    def __init__(self):
        super().__init__(F("status"))


def _with_published_count(records):
    """``records`` (members, policy items or meetings) that have a published remark, each with
    how many (``published_count``): one count per record, read from the partial index of
    published remarks by that field (``Comment.Meta.indexes``) rather than a join of the
    whole table grouped afterwards."""
    field = {Member: "member", PolicyItem: "policy_item", Meeting: "meeting"}[records.model]
    counted = (
        Comment.objects.filter(PublishedAsWritten(), **{field: OuterRef("pk")})
        .order_by()
        .values(field)
        # COUNT(*), not of the id: PostgreSQL then needs nothing the index lacks.
        .annotate(total=Count("*"))
        .values("total")
    )
    return records.annotate(published_count=Subquery(counted)).filter(published_count__gt=0)


def public_members():
    """Members with at least one published remark, in 五十音順, with ``published_count``."""
    members = Member.objects.select_related("committee")
    return _with_published_count(members).order_by("name_kana", "name")


def public_policy_items():
    """Policy items with at least one published remark, with ``published_count``."""
    items = PolicyItem.objects.select_related("policy")
    return _with_published_count(items).order_by("policy__title", "order", "id")


def public_meetings():
    """Meetings with a published remark (each asked until its first one is found)."""
    published = Comment.objects.published().filter(meeting=OuterRef("pk"))
    return Meeting.objects.filter(Exists(published)).select_related("committee")


def public_meeting_records():
    """Public meetings with what their page shows beside the remarks: attendees (出席委員)
    and absentees (欠席委員), each with ``has_page`` (a published remark, so a page)."""
    members = Member.objects.select_related("committee").annotate(
        has_page=Exists(Comment.objects.published().filter(member=OuterRef("pk")))
    )
    return public_meetings().prefetch_related(
        Prefetch("attendees", queryset=members), Prefetch("absentees", queryset=members)
    )


def public_committees():
    """Committees with a published remark (each asked until its first one is found)."""
    published = Comment.objects.published().filter(meeting__committee=OuterRef("pk"))
    return Committee.objects.filter(Exists(published))


def public_categories():
    return list(ReflectionCategory.objects.all())


@dataclass(frozen=True)
class FilterChoices:
    """What the public filter offers: lists already read (published records only)."""

    members: list
    items: list
    categories: list


def report_filter_choices(report, categories=None):
    """The choices of a 資料's filter: its own members and policy items (from its summary),
    every category (two queries, three without ``categories``)."""
    return FilterChoices(
        members=list(summaries.report_members(report)),
        items=list(summaries.report_policy_items(report)),
        categories=public_categories() if categories is None else categories,
    )


def search_filter_choices(categories=None):
    """The choices of the remark search: every member and policy item with a published
    remark, every category."""
    published = Comment.objects.published()
    return FilterChoices(
        members=list(_members_of(published)),
        items=list(_policy_items_of(published)),
        categories=public_categories() if categories is None else categories,
    )


def report_filter(report, params, *, categories=None):
    """A published 資料's published remarks filtered by ``params`` (GET), for its page and its
    download: ``.qs`` is the rows in printed order, loaded for ``table.rows``; the choices
    (``report_filter_choices``) are read only when the form is needed."""
    return CommentFilter(
        params or None,
        report_comments(report),
        choices=functools.partial(report_filter_choices, report, categories),
    )


def _listed(comments):
    """Remarks loaded for ``table.rows`` without the search columns."""
    return table.load(comments).defer(*search.SEARCH_COLUMNS)


def search_filter(params):
    """Every published remark filtered by ``params`` (GET), for the search page and its
    download: ``.qs`` in ``SEARCH_ORDER``, loaded for ``table.rows``; the choices
    (``search_filter_choices``) are read only when the form is needed."""
    return CommentFilter(
        params or None,
        _listed(Comment.objects.published()).order_by(*SEARCH_ORDER),
        choices=search_filter_choices,
    )


def filter_is_valid(filterset):
    """Whether a filter can be applied: unbound, or bound with valid values."""
    return not filterset.is_bound or filterset.is_valid()


def filter_query(filterset):
    """The keyword the rows are marked with: the valid ``q``, or ``""``."""
    if filterset.is_bound and filterset.is_valid():
        return filterset.form.cleaned_data.get("q", "")
    return ""


@dataclass(frozen=True)
class ReportTable:
    """What the 資料 page shows of its rows: the filter, counts per category and their
    ``total``, one ``page`` of entries and their ``rows`` (``table.TableRow``);
    ``more_than_limit`` when a filter matches more than ``SEARCH_COUNT_LIMIT`` rows (the page's
    count is then ``SEARCH_COUNT_LIMIT + 1`` and not shown)."""

    filter: CommentFilter
    summary: list
    total: int
    page: "ReportPage"
    rows: list
    more_than_limit: bool = False


#: A 資料 longer than this is filtered from the remarks' side (``report_table``).
LONG_REPORT_ROWS = 10_000


def report_table(report, params, *, version=None):
    """A published 資料's page of rows for ``params`` (its filter, ``page``, ``after``,
    ``before``): the categories, the counts from the 資料's summary (none more when the 資料
    was read ``select_related("summary")``), the filter's choices when the form is shown (two)
    and the page's own query, whatever the 資料's length.

    Filtered, the matches are counted up to ``SEARCH_COUNT_LIMIT`` and kept per filter for
    ``version`` (``remark_ids``), as the search counts its own: an exact count of a keyword in
    most of a long 資料's rows reads every one of them.

    An invalid filter gives no rows (the page says why); a page number out of range raises
    ``EmptyPage``.
    """
    categories = public_categories()
    summary = summaries.report_category_counts(report, categories)
    total = sum(count for _category, count in summary)
    filterset = report_filter(report, params, categories=categories)
    paging = {name: params.get(name) for name in ("after", "before")}
    matched = None
    if not filter_is_valid(filterset):
        page = report_page(report, comments=Comment.objects.none(), total=0)
    elif not filterset.is_active:
        # Each row's remark is checked by its id (a correlated subquery): a plain ``IN
        # (published remarks)`` made SQLite read every published remark of the site to find a
        # page of seven rows, and PostgreSQL hash them all. The rows are those the category
        # counts add up.
        page = report_page(
            report,
            comments=Comment.objects.published().filter(pk=OuterRef("comment_id")),
            number=params.get("page"),
            **paging,
            total=total,
        )
    else:
        # A long 資料's matches are counted among its remarks through each remark's own
        # indexes (its member, its policy item, the keyword's), the 資料 asked of each
        # (``EXISTS``): joined the other way, its rows lead, all of them. At most
        # ``SEARCH_COUNT_LIMIT + 1`` of them are read (their ids): a page of few matches looks
        # its rows up by id, where a subquery made PostgreSQL join the 資料's every row first.
        if total > LONG_REPORT_ROWS:
            listed = ReportEntry.objects.filter(report=report, comment=OuterRef("pk"))
            remarks = Comment.objects.published().filter(Exists(listed))
        else:
            # A 資料 of usual length: its rows lead (asked the other way, SQLite read every
            # published remark of the site to find a 7-row 資料's matches: 1.3 s).
            remarks = filterset.queryset
        in_report = filterset.matching(remarks, common=not _index_pays(filterset))
        ids = remark_ids(in_report, _filter_key(f"report={report.pk}", params), version=version)
        matched = len(ids)
        # The page walks the 資料's rows in printed order: with few matches, those; with many,
        # each row's remark is tested as it comes (correlated).
        if matched <= SEARCH_COUNT_LIMIT:
            comments = ids
        else:
            remarks = filterset.matching(Comment.objects.published(), common=True)
            comments = remarks.filter(pk=OuterRef("comment_id")).values("pk")
        page = report_page(
            report, comments=comments, number=params.get("page"), **paging, total=matched
        )
    rows = [table.entry_row(entry) for entry in page.object_list]
    return ReportTable(
        filter=filterset,
        summary=summary,
        total=total,
        page=page,
        rows=rows,
        more_than_limit=matched is not None and matched > SEARCH_COUNT_LIMIT,
    )


def _kept(kind, key, version, read):
    """``read()``, kept once per ``version`` (the request's public change stamp) beside the
    rendered pages (``publication.cache``) under ``kind`` and ``key``, so every other page of
    the same list reads it from memory until something public changes. Without ``version``,
    read every time."""
    if version is None:
        return read()
    cache_key = f"{kind}:" + hashlib.sha256(f"{version!r}|{key}".encode()).hexdigest()
    value = page_cache().get(cache_key)
    if value is None:
        value = read()
        page_cache().set(cache_key, value)
    return value


def remark_count(comments, key, *, version=None, at_most=None):
    """How many ``comments`` there are, kept per ``version`` under ``key`` (``_kept``).

    With ``at_most``, counting stops at ``at_most + 1`` (a ``LIMIT`` in a subquery): a larger
    result means "more than ``at_most``", at the cost of that many rows whatever the list's
    length."""

    def count():
        counted = comments.order_by()
        if at_most is not None:
            counted = counted.values("pk")[: at_most + 1]
        return counted.count()

    return _kept("remark-count", f"{at_most!r}|{key}", version, count)


def remark_ids(comments, key, *, version=None):
    """The ids of ``comments``, at most ``SEARCH_COUNT_LIMIT + 1`` of them (more means "more
    than the limit"), kept per ``version`` under ``key`` (``_kept``)."""
    limit = SEARCH_COUNT_LIMIT + 1
    return _kept(
        "remark-ids",
        f"{limit}|{key}",
        version,
        lambda: list(comments.order_by().values_list("pk", flat=True)[:limit]),
    )


#: The search counts its results up to this number; beyond it the page says 「1,000件以上」.
SEARCH_COUNT_LIMIT = 1000
#: The search's filters whose own index narrows the rows to about a thousand at 100,000
#: remarks (``search.index_pays``); a 対応区分 holds one remark in seven.
NARROWING_FILTERS = ("member", "item")


@dataclass(frozen=True)
class RemarkSearch:
    """What the search page shows: the filter, one ``page`` of remarks and their ``rows``, and
    ``more_than_limit`` when more than ``SEARCH_COUNT_LIMIT`` remarks match (the page's count,
    ``page.paginator.count``, is then ``SEARCH_COUNT_LIMIT + 1`` and not shown)."""

    filter: CommentFilter
    page: Page
    rows: list
    more_than_limit: bool = False


PAGING_PARAMETERS = ("page", "after", "before")


def _index_pays(filterset):
    """Whether a valid ``filterset``'s keywords are best found through the index
    (``search.index_pays``; a member or policy item narrows the rows too)."""
    narrowed = filterset.is_bound and any(
        filterset.form.cleaned_data.get(name) for name in NARROWING_FILTERS
    )
    return search.index_pays(filter_query(filterset), narrowed=narrowed)


def _filter_key(scope, params):
    """What a filtered list's counts are kept under: ``scope`` and ``params`` without paging."""
    query = params.copy()
    for name in PAGING_PARAMETERS:
        query.pop(name, None)
    return f"{scope}?{query.urlencode()}"


def bounded_matches(filterset, params, scope, *, version=None):
    """The remarks a valid ``filterset`` matches, counted up to ``SEARCH_COUNT_LIMIT``:
    ``(remarks, count)``.

    An exact count of tens of thousands of matches means reading every one of them, a cost no
    reader asked for, while a page shows twenty and the seek links need no count. The count
    (``remark_count``, kept per ``scope`` and filter for ``version``) reads the index only
    where it pays (``_index_pays``) and says how to read the page: with more matches than the
    limit, or a keyword in most remarks, the remarks are walked in the page's order and tested
    until the page is full (``CommentFilter.common_qs``) instead of sorting every match.
    """
    indexed = _index_pays(filterset)
    count = remark_count(
        filterset.qs if indexed else filterset.common_qs(),
        _filter_key(scope, params),
        version=version,
        at_most=SEARCH_COUNT_LIMIT,
    )
    common = not indexed or count > SEARCH_COUNT_LIMIT
    return (filterset.common_qs() if common else filterset.qs), count


def remark_search(params, *, version=None):
    """A page of the remark search for ``params`` (its filter, ``page``, ``after``,
    ``before``), its matches counted up to ``SEARCH_COUNT_LIMIT`` (``bounded_matches``)."""
    filterset = search_filter(params)
    if not filter_is_valid(filterset):
        page = remark_page(Comment.objects.none(), {}, total=0)
        return RemarkSearch(filter=filterset, page=page, rows=[])
    matching, total = bounded_matches(filterset, params, "search", version=version)
    page = remark_page(matching, params, total=total)
    return RemarkSearch(
        filter=filterset,
        page=page,
        rows=table.rows(page.object_list, links=True),
        more_than_limit=total > SEARCH_COUNT_LIMIT,
    )


def remarks_of(params=None, *, version=None, **condition):
    """A page (``params``: ``page``, ``after``, ``before``) of the published remarks on a
    member's, policy item's, meeting's or committee's page (``condition``, one field and its
    object), newest meeting first: ``(page, rows)``."""
    comments = _listed(Comment.objects.published().filter(**condition))
    ((field, value),) = condition.items()
    total = remark_count(comments, f"{field}={value.pk}", version=version)
    page = remark_page(comments, params or {}, total=total)
    return page, table.rows(page.object_list, links=True)


def public_meetings_list():
    """Meetings with published remarks, by committee and newest first, with their counts."""
    meetings = Meeting.objects.select_related("committee")
    return _with_published_count(meetings).order_by("committee__name", "-fiscal_year", "-number")


def meetings_by_fiscal_year(fiscal_year=None):
    """``public_meetings_list``, only those of ``fiscal_year`` when given, and every 年度 with
    how many meetings it has, newest first: ``(meetings, [(year, count), …])``. Both come from
    the one list, so they cannot disagree."""
    meetings = list(public_meetings_list())
    counts = Counter(meeting.fiscal_year for meeting in meetings)
    if fiscal_year is not None:
        meetings = [meeting for meeting in meetings if meeting.fiscal_year == fiscal_year]
    return meetings, sorted(counts.items(), reverse=True)
