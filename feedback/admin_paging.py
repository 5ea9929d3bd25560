"""Paging the admin's long lists (100,000 remarks) without reading what a page does not show.

- ``ChangelistPaginator`` (``ModelAdmin.paginator``): a page is found in two steps, a "deferred
  join". First the primary keys of the page, in the list's order (``OFFSET`` over the ordering's
  index, or a sort of narrow rows for a search, with no related table joined); then those rows
  with their relations (``select_related``), by primary key. A plain ``OFFSET 50000`` over the
  changelist's join reads, joins and drops 50,000 whole rows. Both steps are one SQL statement
  (the keys are a subquery). The count is the planner's estimate on PostgreSQL when nothing is
  filtered (``pg_class.reltuples``), exact otherwise; a search is counted in the query that
  reads its first page's keys (one pass over the matches, not two).
- ``LookAheadPaginator``: for the autocomplete endpoints, which only say whether there is a next
  page: it reads one row more than the page instead of counting every match, also keys first:
  the keys of the page in the list's order, from the remarks alone (a search's candidates
  only test them, ``search.keyword_condition(ordered=True)``, so one keystroke walks the
  ordering's index for 21 rows), then those rows with their relations, from the admin's
  queryset without the search (the keys carry it).

The rows shown, their order and the links are those of Django's ``Paginator``; only the
unfiltered count on PostgreSQL may be off by the estimate's few per cent, and each page of
such a list corrects it by what it reads (one row past the page), so the last page is always
reachable: an estimate of 99,891 for 100,000 remarks once made page 1,000 an error.
"""

from django.contrib.admin import helpers
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import Count, QuerySet, Window
from django.db.models.lookups import In
from django.db.models.sql.where import AND
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext

#: Below this many rows (by the planner's estimate) the changelist counts exactly.
ESTIMATE_FROM_ROWS = 10_000


class ChangelistPaginator(Paginator):
    """The changelist's paginator: the count estimated when the list is not filtered (on
    PostgreSQL), each page read by its keys first (the module's docstring).

    With ``counts_with_first_page`` (a search: ``PagingMixin`` sets it) the count is read
    together with the first page's keys, ``COUNT(*) OVER ()``: one pass over the matches
    instead of one for the count and one for the page."""

    #: Columns a page's rows are read without: long texts no column of the list shows.
    deferred_fields = ()
    counts_with_first_page = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._first_keys = None
        # Whether ``count`` is the planner's estimate: then every page is reachable all the
        # same (``validate_number``, ``page``), and the page shown may be another than asked.
        self.estimated = False
        self.shown_page = None

    @cached_property
    def count(self):
        """On PostgreSQL an unfiltered list is counted from the planner's row estimate instead
        of a ``COUNT(*)`` of the whole table per page; filtered lists, SQLite (where the count
        of the rowid index is cheap) and a table not analysed yet are counted exactly."""
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        connection = connections[queryset.db]
        if not queryset.query.where and connection.vendor == "postgresql":
            table = connection.ops.quote_name(queryset.model._meta.db_table)
            # One query: the estimate for a large table, the exact count for a small one (or
            # one not analysed yet: reltuples is -1 or 0 until then).
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples >= %s, CASE WHEN reltuples >= %s THEN reltuples::bigint "
                    f"ELSE (SELECT COUNT(*) FROM {table}) END "  # nosec B608
                    "FROM pg_class WHERE oid = %s::regclass",
                    [ESTIMATE_FROM_ROWS, ESTIMATE_FROM_ROWS, table],
                )
                self.estimated, count = cursor.fetchone()
                return count
        if self.counts_with_first_page and queryset.query.where:
            first = list(
                queryset.annotate(paging_total=Window(Count("*"))).values_list(
                    "pk", "paging_total"
                )[: self.per_page + self.orphans]
            )
            self._first_keys = [pk for pk, _total in first]
            return first[0][1] if first else 0
        return super().count

    def validate_number(self, number):
        """Django's checks; with an estimated count a page past its end may still have rows
        (the estimate is a few per cent off either way): ``page`` finds out."""
        if self.count and self.estimated:
            return whole_page_number(number, self.error_messages)
        return super().validate_number(number)

    def page(self, number):
        number = self.validate_number(number)
        if self.estimated:
            return self._estimated_page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.rows(bottom, top), number, self)

    def _estimated_page(self, number):
        """A page of a list counted by the estimate: its keys and one more, which tell whether
        a page follows. The count is corrected by what they show (exact on the last page), so
        the page links reach the last row whichever way the estimate is off; a page past the
        end (a link made from an estimate too high) is the last page, found by one count."""
        queryset = self.object_list
        bottom = (number - 1) * self.per_page
        keys = list(queryset.values_list("pk", flat=True)[bottom : bottom + self.per_page + 1])
        if not keys and number > 1:
            self._correct_count(queryset.count())
            number = self.num_pages
            bottom = (number - 1) * self.per_page
            keys = list(queryset.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        self.shown_page = number  # PagingMixin shows it as the current page
        if len(keys) > self.per_page:
            self._correct_count(max(self.count, bottom + len(keys)))
        else:
            self._correct_count(bottom + len(keys))
        rows = keys_first(queryset.filter(pk__in=keys[: self.per_page]))
        rows = rows.defer(*self.deferred_fields) if self.deferred_fields else rows
        return self._get_page(rows, number, self)

    def _correct_count(self, count):
        self.__dict__["count"] = count
        self.__dict__.pop("num_pages", None)

    def rows(self, bottom, top):
        """The rows from ``bottom`` to ``top`` (0-based, ``top`` excluded), in order: those of
        the keys the list's order puts there. A QuerySet still (a list's form set takes it)."""
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return queryset[bottom:top]
        if bottom == 0 and self._first_keys is not None and top <= len(self._first_keys):
            keys = self._first_keys[:top]
        else:
            # values() leaves out select_related: the subquery joins only what the order needs.
            keys = queryset.values("pk")[bottom:top]
        rows = keys_first(queryset.filter(pk__in=keys))
        return rows.defer(*self.deferred_fields) if self.deferred_fields else rows


def keys_first(rows):
    """``rows`` (a QuerySet whose last condition is ``pk__in=<the page's keys>``) with that
    condition moved first in its ``WHERE``: SQLite drives a query by its first ``rowid IN (…)``,
    which would otherwise be a search's match list, read and filtered a second time.

    Django has no public way to place a condition (``filter`` appends, ``&`` keeps the left
    side's ``select_related`` and ``defer`` only), so this reorders the ``AND`` of
    ``query.where``. The order of ANDed conditions changes no result; should Django's query
    tree ever look otherwise the rows are returned as they are, and
    ``tests/feedback/test_admin_changelist.py`` (``…keys_first…``) fails on the SQL."""
    where = rows.query.where
    last = where.children[-1] if where.children else None
    if (
        where.connector == AND
        and not where.negated
        and isinstance(last, In)
        and getattr(last.lhs, "target", None) == rows.model._meta.pk
    ):
        where.children.insert(0, where.children.pop())
    return rows


class LookAheadPage(Page):
    """A page that knows whether another follows from the one row read past it."""

    def __init__(self, object_list, number, paginator, *, more):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self):
        return self.more

    def has_other_pages(self):
        return self.more or self.has_previous()

    def next_page_number(self):
        return self.number + 1

    def end_index(self):
        return self.start_index() + len(self.object_list) - 1


class LookAheadPaginator(Paginator):
    """A paginator that never counts: a page reads ``per_page + 1`` rows, the last one only to
    say that there is a next page. For lists that show no count or page numbers (the admin's
    autocomplete answers ``{"results": …, "pagination": {"more": …}}``).

    ``rows``: where the page's rows are read by their keys (a QuerySet of the same model, in
    the list's order, with the relations the page prints; the module's docstring); without it
    the rows are read from the list itself."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, rows=None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.rows = rows

    def validate_number(self, number):
        """Django's checks but the last one, which needs the count: a page past the end is
        found empty by ``page``."""
        return whole_page_number(number, self.error_messages)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page + 1
        if self.rows is None or not isinstance(self.object_list, QuerySet):
            rows = list(self.object_list[bottom:top])
        else:
            # One statement: the keys are a subquery, read without the relations (values()
            # leaves out select_related), so that the list's order is walked on its own table.
            rows = list(self.rows.filter(pk__in=self.object_list.values("pk")[bottom:top]))
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return LookAheadPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)


def whole_page_number(number, error_messages):
    """``Paginator.validate_number`` but its last check, which needs the count."""
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        number = int(number)
    except (TypeError, ValueError):
        raise PageNotAnInteger(error_messages["invalid_page"]) from None
    if number < 1:
        raise EmptyPage(error_messages["min_page"])
    return number


def is_autocomplete(request):
    """Whether ``request`` asks an autocomplete endpoint (Django's ``/admin/autocomplete/`` and
    the remark rows' own: any URL named ``…autocomplete``)."""
    match = request.resolver_match
    return match is not None and (match.url_name or "").endswith("autocomplete")


class PagingMixin:
    """A ``ModelAdmin`` whose autocomplete answers (``is_autocomplete``) page with
    ``LookAheadPaginator``: a keystroke reads 21 rows, not a count of every match, with the
    relations their labels print (``autocomplete_select_related``), not a query per row. Its
    changelist keeps ``paginator``; a ``ChangelistPaginator`` counts a search with its first
    page.

    The autocomplete's rows are read by their keys from ``get_queryset``: Django's
    ``AutocompleteJsonView`` starts from it, so its order (``get_ordering``) is the answer's;
    the search and ``limit_choices_to`` are the keys'. The changelist's rows write their
    action checkbox directly (``action_checkbox``)."""

    #: The relations each autocomplete answer's label prints (``str()`` of the row, or the
    #: label of an endpoint of the admin's own).
    autocomplete_select_related = ()

    def action_checkbox(self, obj):
        """Each row's checkbox for the actions, written out as Django's ``CheckboxInput``
        renders it through two templates per row (a sixth of a 100-row changelist's time)."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # A page asked past the end of an estimated count shows the last one: marked as such.
        shown = getattr(changelist.paginator, "shown_page", None)
        if shown is not None:
            changelist.page_num = shown
        return changelist

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if is_autocomplete(request):
            rows = self.get_queryset(request)
            if self.autocomplete_select_related:
                rows = rows.select_related(*self.autocomplete_select_related)
            return LookAheadPaginator(
                queryset, per_page, orphans, allow_empty_first_page, rows=rows
            )
        paginator = super().get_paginator(
            request, queryset, per_page, orphans, allow_empty_first_page
        )
        if isinstance(paginator, ChangelistPaginator) and request.GET.get(SEARCH_VAR):
            paginator.counts_with_first_page = True
        return paginator
