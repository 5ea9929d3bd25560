"""Public, read-only pages. Every queryset comes from ``feedback.selectors``."""

from django.views.generic import DetailView, ListView

from feedback import selectors


class ReportListView(ListView):
    template_name = "feedback/report_list.html"
    context_object_name = "reports"

    def get_queryset(self):
        return selectors.public_reports()


class ReportDetailView(DetailView):
    template_name = "feedback/report_detail.html"
    context_object_name = "report"

    def get_queryset(self):
        return selectors.public_reports()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entries"] = list(selectors.report_entries(self.object))
        context["source_meetings"] = list(selectors.report_source_meetings(self.object))
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
        return context


class CommentListDetailView(DetailView):
    """A page about one member, policy item, meeting or committee: its published remarks."""

    template_name = "feedback/comment_list_detail.html"
    comment_filter = None
    heading_prefix = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        comments = selectors.published_comments().filter(**{self.comment_filter: self.object})
        context["comments"] = comments.order_by(
            "-meeting__fiscal_year", "-meeting__number", "number"
        )
        context["heading_prefix"] = self.heading_prefix
        return context


class MemberListView(ListView):
    template_name = "feedback/member_list.html"
    context_object_name = "members"

    def get_queryset(self):
        return selectors.public_members()


class MemberDetailView(CommentListDetailView):
    comment_filter = "member"

    def get_queryset(self):
        return selectors.public_members()


class PolicyItemDetailView(CommentListDetailView):
    comment_filter = "policy_item"

    def get_queryset(self):
        return selectors.public_policy_items()


class MeetingDetailView(CommentListDetailView):
    comment_filter = "meeting"

    def get_queryset(self):
        return selectors.public_meetings()


class CommitteeDetailView(CommentListDetailView):
    comment_filter = "meeting__committee"

    def get_queryset(self):
        return selectors.public_committees()
