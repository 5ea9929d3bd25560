"""Pages of the public lists found by seeking, so the last page costs what the first does.

A page link carries where its neighbour starts (``?after=`` / ``?before=`` a row, or
``?page=last``) and the next page is read from there through an index on the list's order: no
``OFFSET`` that grows with the list. A page number (old links) still works, as an ``OFFSET``;
past the end it gives the last page, over ``MAX_PAGE_NUMBER`` it raises ``EmptyPage`` (the
views answer 404). ``seek_page`` is the one pager; ``report_page`` (a 資料's rows, by
``position``) and ``remark_page`` (the remark lists, in ``REMARK_ORDER``) say what to seek on.
"""

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import Count, Q, Subquery

from feedback import search, table
from feedback.models import Comment, ReportEntry

# Fifty rows of long Japanese text are already several screens; a page of them renders in well
# under the 100 ms a cold page may take at 100,000 remarks (a hundred took 90–100 ms).
REPORT_ROWS_PER_PAGE = 50
REMARKS_PER_PAGE = 20
# No list has a million pages; a larger number would reach the database as an offset it cannot
# hold (beyond bigint on PostgreSQL).
MAX_PAGE_NUMBER = 1_000_000
# Positions are PositiveIntegerField (32-bit on every database).
MAX_POSITION = 2**31 - 1

# The remark lists (the search, a member's, policy item's, meeting's or committee's page) show the
# newest meeting first. ``(meeting, number)`` is unique, so the order is total and a page can be
# found by seeking on it; ``meeting_newest_first`` (migration 0016) serves its leading columns.
REMARK_ORDER = (
    ("meeting__fiscal_year", True),
    ("meeting__number", True),
    ("meeting__committee__name", False),
    ("meeting_id", False),
    ("number", False),
)
SEARCH_ORDER = tuple(("-" if descending else "") + name for name, descending in REMARK_ORDER)


class _CountedPaginator(Paginator):
    """A paginator whose count is already known, so it never runs a ``COUNT`` of its own."""

    def __init__(self, per_page, count):
        super().__init__([], per_page)
        self.__dict__["count"] = count


class ReportPage(Page):
    """A page found by seeking that knows where its neighbours start: ``previous_before`` and
    ``next_after`` are the values for ``?before=`` and ``?after=`` (``None`` at either end):
    positions on a 資料's page (``report_page``), remark pks in a remark list (``remark_page``)."""

    def __init__(self, rows, number, paginator, *, previous_before, next_after):
        super().__init__(rows, number, paginator)
        self.previous_before, self.next_after = previous_before, next_after

    def has_next(self):
        return self.next_after is not None

    def has_previous(self):
        return self.previous_before is not None


def _beyond(order, key, *, backwards=False):
    """The rows after ``key`` (the values of a row's ``order`` columns) in ``order``, before it
    when ``backwards``: ``a > x OR (a = x AND (b > y OR …))`` for ascending columns."""

    def past(name, descending, *, strict=True):
        lookup = ("lt" if descending != backwards else "gt") + ("" if strict else "e")
        return Q(**{f"{name}__{lookup}": key[name]})

    condition = None
    for name, descending in reversed(order):
        step = past(name, descending)
        condition = step if condition is None else step | (Q(**{name: key[name]}) & condition)
    if len(order) > 1:
        # The leading column on its own as well, so its index bounds the scan.
        name, descending = order[0]
        condition = past(name, descending, strict=False) & condition
    return condition


def _page_number(value):
    """``?page=`` as a number (1 when it is none), ``EmptyPage`` over ``MAX_PAGE_NUMBER``."""
    try:
        number = max(int(value), 1)
    except (TypeError, ValueError):
        return 1
    if number > MAX_PAGE_NUMBER:
        raise EmptyPage(f"page {number} > {MAX_PAGE_NUMBER}")
    return number


def seek_page(rows, params, *, order, key, link, total, per_page):
    """One page of ``rows`` in ``order`` (``(field, descending)`` pairs that no two rows share)
    for ``params``: ``after`` / ``before`` a row, ``page`` (a number or ``last``).

    ``key`` turns a link's value into that row's values of ``order`` (``None`` when it is not
    one, and the link is ignored); ``link`` gives a row's value for the links. ``total`` is the
    number of rows, or a function that reads it from the page's rows (``None`` without rows).
    """
    ordered = rows.order_by(*(("-" if desc else "") + name for name, desc in order))
    after, before = key(params.get("after")), key(params.get("before"))
    last = params.get("page") == "last"
    seeking = after is not None or before is not None
    number = None if seeking or last else _page_number(params.get("page"))

    def read(queryset, start=0):
        found = list(queryset[start : start + per_page + 1])
        return found[:per_page], len(found) > per_page

    if after is not None:
        found, more = read(ordered.filter(_beyond(order, after)))
        earlier, later = bool(found), more
    elif before is not None or last:
        backwards = ordered.reverse()
        if before is not None:
            backwards = backwards.filter(_beyond(order, before, backwards=True))
        found, more = read(backwards)
        found.reverse()
        earlier, later = more, bool(found) and before is not None
    else:
        found, more = read(ordered, (number - 1) * per_page)
        earlier, later = number > 1 and bool(found), more
    count = total(found) if callable(total) else total
    if not found and count != 0 and (seeking or (number or 1) > 1):
        # Past the end (or beyond the last row): the last page.
        return seek_page(
            rows, {"page": "last"}, order=order, key=key, link=link, total=total, per_page=per_page
        )
    return ReportPage(
        found,
        number or 1,
        _CountedPaginator(per_page, count or 0),
        previous_before=link(found[0]) if earlier else None,
        next_after=link(found[-1]) if later else None,
    )


def _position_key(value):
    """The place of the 資料 row at position ``value`` (a page link's), or ``None``."""
    try:
        position = int(value)
    except (TypeError, ValueError):
        return None
    return {"position": position} if 0 <= position <= MAX_POSITION else None


def report_page(
    report,
    *,
    comments=None,
    number=1,
    after=None,
    before=None,
    total=None,
    per_page=REPORT_ROWS_PER_PAGE,
):
    """One page of a 資料's rows in printed order, in one query that does not grow with the 資料.

    The page is found by seeking on ``position`` (``after`` / ``before`` a position, or
    ``number="last"``), through the ``(report, position)`` unique index, so the 500th page
    costs what the first does. ``comments`` narrows the rows to those remarks (a filter); by
    default every published one. ``total`` is the number of rows when the caller knows it (the
    資料's category counts add up to it); otherwise it is counted in the same query (a scalar
    subquery, whatever the seek). Each entry carries ``latest_follow_up`` (text) instead of a
    prefetch of every follow-up.
    """
    matching = ReportEntry.objects.filter(
        report=report,
        comment__in=(comments if comments is not None else Comment.objects.published()),
    )
    entries = (
        matching.select_related(*(f"comment__{relation}" for relation in table.ROW_RELATIONS))
        .defer(*(f"comment__{column}" for column in search.SEARCH_COLUMNS))
        .annotate(latest_follow_up=table.latest_follow_up_body(), changed_at=table.changed_at())
    )
    if total is None:
        entries = entries.annotate(
            matching=Subquery(
                matching.order_by().values("report").annotate(total=Count("pk")).values("total")
            )
        )
    return seek_page(
        entries,
        {"page": number, "after": after, "before": before},
        order=(("position", False),),
        key=_position_key,
        link=lambda entry: entry.position,
        total=total if total is not None else lambda rows: rows[0].matching if rows else None,
        per_page=per_page,
    )


def _remark_key(value):
    """The place in ``REMARK_ORDER`` of the remark whose pk is ``value`` (a page link's
    ``after`` / ``before``), or ``None``: one look-up by primary key. Only compared, never
    shown, so a remark withdrawn since the link was made still marks its place."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    names = [name for name, _descending in REMARK_ORDER]
    return Comment.objects.filter(pk=pk).values(*names).first()


def remark_page(comments, params, *, total, per_page=REMARKS_PER_PAGE):
    """One page of ``comments`` (loaded with ``table.load``) in ``REMARK_ORDER`` for ``params``
    (``page``, ``after`` / ``before`` a remark's pk); ``total`` is the list's count
    (``selectors.remark_count``)."""
    return seek_page(
        comments,
        params,
        order=REMARK_ORDER,
        key=_remark_key,
        link=lambda comment: comment.pk,
        total=total,
        per_page=per_page,
    )
