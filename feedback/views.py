"""Public, read-only pages. Every queryset comes from ``feedback.selectors``.

Every view is wrapped in ``publication.cache.public_page`` (see ``urls.py``): validators from the
published data, and no shared caching of a logged-in staff member's page.
"""

from django.core.paginator import EmptyPage
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from feedback import excel, lineage, selectors, snapshots, summaries, table, wareki, writers
from publication.cache import request_stamp


class ReportListView(ListView):
    """The published 資料, newest first, fifty a page: a city keeps every committee's 資料 for
    years, and a page of all of them (400 at 100,000 remarks) took a third of a second to
    render and weighed 640 kB."""

    template_name = "feedback/report_list.html"
    context_object_name = "reports"
    paginate_by = 50

    def get_queryset(self):
        # Each 資料's counts come with it, from its summary (feedback.summaries).
        return selectors.public_reports().select_related("summary")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reports = list(context["reports"])
        categories = selectors.public_categories()
        counts = summaries.reports_category_counts(reports, categories)
        meetings = summaries.reports_source_meetings(reports)
        context["reports"] = [
            (report, counts[report.pk], meetings[report.pk]) for report in reports
        ]
        context["summary"] = summaries.published_category_counts(categories)
        return context


class FilteredPageMixin:
    """A page over a filter of published remarks: a 400 page with the reasons when the filter
    is invalid. ``get_context_data`` puts the filter in ``context["filter"]``."""

    def render_to_response(self, context, **response_kwargs):
        if not selectors.filter_is_valid(context["filter"]):
            response_kwargs["status"] = 400
        return super().render_to_response(context, **response_kwargs)


def _querystring(params, *drop):
    """``params`` without the paging parameters ``drop``, for the page links."""
    query = params.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()


class ReportDetailView(FilteredPageMixin, DetailView):
    template_name = "feedback/report_detail.html"
    context_object_name = "report"

    def get_queryset(self):
        # The latest 配布版 (snapshots.with_latest_snapshot) and the summary of all its rows
        # (feedback.summaries) come with the 資料: no extra query.
        return snapshots.with_latest_snapshot(selectors.public_reports()).select_related("summary")

    def get_context_data(self, **kwargs):
        """A page of rows at a time, so a 資料 of any length costs the same seven queries.

        The change stamp, the 資料 (with its latest 配布版 and its summary: the counts per
        category), the categories, the members, the policy items, the meetings and one page of
        rows (with its latest follow-ups; filtered, with its total); a 資料 with a 配布版 one
        more, for the rows withdrawn since.
        """
        context = super().get_context_data(**kwargs)
        report = self.object
        try:
            read = selectors.report_table(
                report, self.request.GET, version=request_stamp(self.request)
            )
        except EmptyPage as error:
            raise Http404("no such page") from error
        # What changed since the 配布版: marks on this page's rows, the rows withdrawn since.
        rows, withdrawn = snapshots.mark_changes(report, read.rows)
        context.update(
            entries=read.page.object_list,
            rows=rows,
            page_obj=read.page,
            total=read.total,
            # Matches counted up to a limit, as the search's (selectors.bounded_matches).
            count_limit=selectors.SEARCH_COUNT_LIMIT,
            more_than_limit=read.more_than_limit,
            filter=read.filter,
            query=selectors.filter_query(read.filter),
            summary=read.summary,
            source_meetings=summaries.report_source_meetings(report),
            querystring=_querystring(self.request.GET, "page", "after", "before"),
            withdrawn_since=withdrawn,
            # The latest change of what the page shows: the 資料's publication, its rows here.
            last_updated=max(
                [report.published_at, *(entry.changed_at for entry in read.page.object_list)]
            ),
        )
        return context


class ReportAsPresentedView(DetailView):
    """The 配布版 of a published 資料: its latest snapshot (``feedback.snapshots``), as handed
    out. A remark that is not public now keeps its No. only, never its text."""

    template_name = "feedback/report_presented.html"
    context_object_name = "report"

    def get_queryset(self):
        return snapshots.with_latest_snapshot(selectors.public_reports()).filter(
            snapshot_id__isnull=False
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        snapshot = snapshots.latest_snapshot(self.object)
        context.update(snapshot=snapshot, rows=snapshots.public_rows(snapshot))
        return context


class CommentSearchView(FilteredPageMixin, TemplateView):
    """All published remarks, filtered by member, policy item, 対応区分 and keyword."""

    template_name = "feedback/comment_search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            search = selectors.remark_search(self.request.GET, version=request_stamp(self.request))
        except EmptyPage as error:
            raise Http404("no such page") from error
        context.update(
            filter=search.filter,
            page_obj=search.page,
            rows=search.rows,
            # Counted up to a limit: 「1,000件以上」 beyond it (selectors.remark_search).
            count_limit=selectors.SEARCH_COUNT_LIMIT,
            more_than_limit=search.more_than_limit,
            last_updated=table.last_changed(search.rows),
            query=selectors.filter_query(search.filter),
            querystring=_querystring(self.request.GET, *selectors.PAGING_PARAMETERS),
        )
        return context


class CommentDetailView(DetailView):
    template_name = "feedback/comment_detail.html"
    context_object_name = "comment"

    def get_queryset(self):
        return selectors.published_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        comment = self.object
        context["reports"] = comment.reports.published()
        # 対応状況 as a timeline, newest first (the table prints the first).
        context["follow_ups"] = follow_ups = getattr(comment, table.FOLLOW_UPS)
        context["last_updated"] = table.updated_at(comment, follow_ups)
        context["lineage"] = lineage.comment_lineage(comment)  # 再掲 / 継続審議
        return context


class CommentListDetailView(DetailView):
    """A page about one member, policy item, meeting or committee: its published remarks, a
    page at a time (``selectors.remarks_of``)."""

    template_name = "feedback/comment_list_detail.html"
    comment_filter = None
    kind = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            page, rows = selectors.remarks_of(
                self.request.GET,
                version=request_stamp(self.request),
                **{self.comment_filter: self.object},
            )
        except EmptyPage as error:
            raise Http404("no such page") from error
        context["page_obj"], context["rows"] = page, rows
        context["last_updated"] = table.last_changed(rows)
        context["querystring"] = _querystring(self.request.GET, *selectors.PAGING_PARAMETERS)
        context["kind"] = self.kind
        return context


class MemberListView(ListView):
    template_name = "feedback/member_list.html"
    context_object_name = "members"

    def get_queryset(self):
        return selectors.public_members()


class MemberDetailView(CommentListDetailView):
    comment_filter = "member"
    kind = "member"

    def get_queryset(self):
        return selectors.public_members()


class PolicyItemListView(ListView):
    template_name = "feedback/policy_item_list.html"
    context_object_name = "items"

    def get_queryset(self):
        return selectors.public_policy_items()


class PolicyItemDetailView(CommentListDetailView):
    comment_filter = "policy_item"
    kind = "item"

    def get_queryset(self):
        return selectors.public_policy_items()


class MeetingListView(TemplateView):
    """Meetings with published remarks by committee; with ``fiscal_year``, one 年度's only."""

    template_name = "feedback/meeting_list.html"

    def get_context_data(self, **kwargs):
        fiscal_year = self.kwargs.get("fiscal_year")
        meetings, counts = selectors.meetings_by_fiscal_year(fiscal_year)
        if fiscal_year is not None and not meetings:
            raise Http404("no public meeting in this fiscal year")
        return super().get_context_data(
            meetings=meetings,
            fiscal_years=[(year, wareki.fiscal_year_label(year), count) for year, count in counts],
            fiscal_year_label=wareki.fiscal_year_label(fiscal_year) if fiscal_year else None,
            **kwargs,
        )


class MeetingDetailView(CommentListDetailView):
    """A meeting as the city records it (開催日, place, 議題, attendees, 所管課, 会議録, its
    資料), then its published remarks."""

    template_name = "feedback/meeting_detail.html"
    comment_filter = "meeting"
    kind = "meeting"

    def get_queryset(self):
        return selectors.public_meeting_records()

    def get_context_data(self, **kwargs):
        reports = selectors.public_reports().filter(meeting=self.object)
        return super().get_context_data(meeting_reports=reports, **kwargs)


class CommitteeDetailView(CommentListDetailView):
    comment_filter = "meeting__committee"
    kind = "committee"

    def get_queryset(self):
        return selectors.public_committees()

    def get_context_data(self, **kwargs):
        """The committee's remarks, and its open ones that have waited longest (the whole list
        is ``CommitteeOpenRemarksView``): two queries however many are open, the count stopped
        past ``SEARCH_COUNT_LIMIT`` (「1,000件以上」) and kept per change stamp."""
        context = super().get_context_data(**kwargs)
        open_comments = lineage.committee_open_comments(self.object)
        limit = selectors.SEARCH_COUNT_LIMIT
        context["open_total"] = selectors.remark_count(
            open_comments,
            f"open:committee={self.object.pk}",
            version=request_stamp(self.request),
            at_most=limit,
        )
        context["open_more"] = context["open_total"] > limit
        context["open_limit"] = limit
        context["open_remarks"] = lineage.with_age(open_comments[: lineage.OPEN_REMARKS_SHOWN])
        return context


class CommitteeOpenRemarksView(ListView):
    """Every open remark of a committee, oldest meeting first, a page at a time."""

    template_name = "feedback/committee_open_remarks.html"
    paginate_by = 100

    def get_queryset(self):
        self.committee = get_object_or_404(selectors.public_committees(), pk=self.kwargs["pk"])
        return lineage.committee_open_comments(self.committee)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            committee=self.committee,
            open_total=context["paginator"].count,
            open_remarks=lineage.with_age(context["object_list"]),
        )
        return context


class AccessibilityView(TemplateView):
    template_name = "feedback/accessibility.html"


DOWNLOAD_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


class DownloadView(View):
    """A 資料 or the filtered list of all remarks as Excel, CSV or JSON: published data only,
    following the same GET filters as the page it is linked from."""

    def get(self, request, fmt, pk=None):
        if fmt not in DOWNLOAD_TYPES:
            raise Http404
        report = get_object_or_404(selectors.public_reports(), pk=pk) if pk else None
        filterset = (
            selectors.report_filter(report, request.GET)
            if report
            else selectors.search_filter(request.GET)
        )
        if not selectors.filter_is_valid(filterset):
            return HttpResponseBadRequest(
                "\n".join(filterset.error_messages), content_type="text/plain; charset=utf-8"
            )
        rows = table.rows(filterset.qs)
        base_url = request.build_absolute_uri("/").rstrip("/")
        name = f"{report.label}_{report.title}" if report else excel.LIST_TITLE
        if filterset.is_active:
            name += "_絞り込み"
        if fmt == "xlsx":
            workbook = excel.report_workbook(report, rows) if report else excel.list_workbook(rows)
            content = excel.workbook_bytes(workbook)
        elif fmt == "csv":
            content = writers.write_csv(rows, base_url=base_url)
        else:
            content = writers.write_json(rows, report=report, base_url=base_url)
        response = HttpResponse(content, content_type=DOWNLOAD_TYPES[fmt])
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{name}.{fmt}"
        )
        return response
