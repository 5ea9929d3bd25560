"""Public, read-only pages. Every queryset comes from ``feedback.selectors``.

Every view is wrapped in ``publication.cache.public_page`` (see ``urls.py``): validators from the
published data, and no shared caching of a logged-in staff member's page.
"""

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from feedback import excel, exports, lineage, selectors, snapshots
from feedback.filters import CommentFilter
from feedback.models import Comment
from publication.cache import request_stamp

COMMENTS_PER_PAGE = 20


class ReportListView(ListView):
    template_name = "feedback/report_list.html"
    context_object_name = "reports"

    def get_queryset(self):
        return selectors.public_reports()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reports = list(context["reports"])
        categories = selectors.public_categories()
        per_report = selectors.report_category_ids(reports)
        meetings = selectors.reports_source_meetings(reports)
        context["reports"] = [
            (
                report,
                selectors.count_by_category(categories, per_report[report.pk]),
                meetings[report.pk],
            )
            for report in reports
        ]
        context["summary"] = selectors.count_by_category(
            categories, [category_id for _pk, category_id in selectors.published_category_ids()]
        )
        return context


class FilteredPageMixin:
    """A filter form over published remarks; a 400 page with the reasons when it is invalid."""

    def filter_for(self, queryset, *, members, items, categories):
        self.filterset = CommentFilter(
            self.request.GET or None,
            queryset,
            members=members,
            items=items,
            categories=categories,
        )
        return self.filterset

    def render_to_response(self, context, **response_kwargs):
        if self.filterset.is_bound and not self.filterset.is_valid():
            response_kwargs["status"] = 400
        return super().render_to_response(context, **response_kwargs)


class ReportDetailView(FilteredPageMixin, DetailView):
    template_name = "feedback/report_detail.html"
    context_object_name = "report"

    def get_queryset(self):
        # The latest 配布版 comes with the 資料 (snapshots.with_latest_snapshot): no extra query.
        return snapshots.with_latest_snapshot(selectors.public_reports())

    def get_context_data(self, **kwargs):
        """A page of rows at a time, so a 資料 of any length costs the same eight queries.

        The change stamp, the 資料 (with its latest 配布版), the categories, the counts per
        category, the members, the policy items, the meetings and one page of rows (with its
        total and latest follow-ups); a 資料 with a 配布版 one more, for the rows withdrawn since.
        """
        context = super().get_context_data(**kwargs)
        report = self.object
        categories = selectors.public_categories()
        summary = selectors.report_category_counts(
            report, categories, version=request_stamp(self.request)
        )
        filterset = self.filter_for(
            selectors.published_comments().filter(report_entries__report=report),
            members=list(selectors.report_members(report)),
            items=list(selectors.report_policy_items(report)),
            categories=categories,
        )
        valid = filterset.is_valid() if filterset.is_bound else True
        total = sum(count for _category, count in summary)
        if filterset.is_active and not valid:
            page = selectors.report_page(report, comments=Comment.objects.none(), total=0)
        else:
            try:
                page = selectors.report_page(
                    report,
                    comments=filterset.qs.values("pk") if filterset.is_active else None,
                    number=self.request.GET.get("page"),
                    after=self.request.GET.get("after"),
                    before=self.request.GET.get("before"),
                    # Unfiltered, the rows are those the category counts add up.
                    total=None if filterset.is_active else total,
                )
            except EmptyPage as error:
                raise Http404("no such page") from error
        query = self.request.GET.copy()
        for name in ("page", "after", "before"):
            query.pop(name, None)
        context.update(
            entries=page.object_list,
            page_obj=page,
            total=total,
            filter=filterset,
            query=filterset.form.cleaned_data.get("q", "") if valid and filterset.is_bound else "",
            summary=summary,
            source_meetings=list(selectors.report_source_meetings(report)),
            querystring=query.urlencode(),
        )
        # What changed since the 配布版: marks on this page's rows, the rows withdrawn since.
        context["withdrawn_since"] = snapshots.mark_changes(report, page.object_list)
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
        filterset = self.filter_for(
            selectors.published_comments().order_by(
                "-meeting__fiscal_year", "-meeting__number", "meeting__committee__name", "number"
            ),
            members=list(selectors.public_members()),
            items=list(selectors.public_policy_items()),
            categories=selectors.public_categories(),
        )
        valid = not filterset.is_bound or filterset.is_valid()
        page = Paginator(filterset.qs if valid else [], COMMENTS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=filterset,
            page_obj=page,
            page_range=page.paginator.get_elided_page_range(page.number),
            comments=list(page.object_list),
            query=filterset.form.cleaned_data.get("q", "") if valid and filterset.is_bound else "",
            querystring=query.urlencode(),
        )
        return context


class CommentDetailView(DetailView):
    template_name = "feedback/comment_detail.html"
    context_object_name = "comment"

    def get_queryset(self):
        return selectors.published_comments()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        comment = self.object
        context["reports"] = comment.reports.published()
        response = getattr(comment, "response", None)
        context["last_updated"] = max(
            [comment.updated_at]
            + ([response.updated_at] if response else [])
            + [follow_up.updated_at for follow_up in comment.follow_ups.all()]
        )
        context["lineage"] = lineage.comment_lineage(comment)  # 再掲 / 継続審議
        return context


class CommentListDetailView(DetailView):
    """A page about one member, policy item, meeting or committee: its published remarks."""

    template_name = "feedback/comment_list_detail.html"
    comment_filter = None
    heading_prefix = ""
    kind = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        comments = selectors.published_comments().filter(**{self.comment_filter: self.object})
        context["comments"] = comments.order_by(
            "-meeting__fiscal_year", "-meeting__number", "number"
        )
        context["heading_prefix"] = self.heading_prefix
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


class MeetingListView(ListView):
    template_name = "feedback/meeting_list.html"
    context_object_name = "meetings"

    def get_queryset(self):
        return selectors.public_meetings_list()


class MeetingDetailView(CommentListDetailView):
    comment_filter = "meeting"
    kind = "meeting"

    def get_queryset(self):
        return selectors.public_meetings()


class CommitteeDetailView(CommentListDetailView):
    comment_filter = "meeting__committee"
    kind = "committee"

    def get_queryset(self):
        return selectors.public_committees()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["open_remarks"] = [
            (comment, lineage.age_in_days(comment, today))
            for comment in lineage.committee_open_comments(self.object)
        ]
        return context


class AccessibilityView(TemplateView):
    template_name = "feedback/accessibility.html"


class OpenDataView(TemplateView):
    """The open-data catalogue: every dataset's files with URL, format, licence, update date
    and size, and the same as DCAT JSON-LD (``api.catalog``, which reads this app's data)."""

    template_name = "feedback/open_data.html"

    def get_context_data(self, **kwargs):
        # Imported here: the one place feedback reads api (the catalogue lists the api's
        # files beside this app's); the page keeps the address and URL name it always had.
        from api import catalog

        found = catalog.catalogue(self.request)
        return super().get_context_data(
            datasets=found,
            licence=catalog.licence(),
            city=catalog.city(),
            jsonld=catalog.dcat_script_text(self.request, found),
            **kwargs,
        )


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
        if report:
            comments = selectors.report_comments(report)
        else:
            comments = selectors.published_comments().order_by(
                "-meeting__fiscal_year", "-meeting__number", "meeting__committee__name", "number"
            )
        filterset = CommentFilter(
            request.GET or None,
            comments,
            members=list(selectors.public_members()),
            items=list(selectors.public_policy_items()),
            categories=selectors.public_categories(),
        )
        if filterset.is_bound and not filterset.is_valid():
            return HttpResponseBadRequest(
                "\n".join(filterset.error_messages), content_type="text/plain; charset=utf-8"
            )
        rows = exports.table_rows(filterset.qs)
        base_url = request.build_absolute_uri("/").rstrip("/")
        name = f"{report.label}_{report.title}" if report else excel.LIST_TITLE
        if filterset.is_active:
            name += "_絞り込み"
        if fmt == "xlsx":
            workbook = excel.report_workbook(report, rows) if report else excel.list_workbook(rows)
            content = excel.workbook_bytes(workbook)
        elif fmt == "csv":
            content = exports.write_csv(rows, base_url=base_url)
        else:
            content = exports.write_json(rows, report=report, base_url=base_url)
        response = HttpResponse(content, content_type=DOWNLOAD_TYPES[fmt])
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{name}.{fmt}"
        )
        return response
