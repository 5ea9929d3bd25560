"""「次回資料を作成」 on a meeting's admin page: the next meeting's draft 資料 from the
committee's open remarks, through ``services.meeting_draft_next_report``."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from feedback import permissions
from feedback.admin_import import numeric_object_id
from feedback.models import Comment, Meeting, Report
from feedback.services import meeting_draft_next_report, meeting_next

NEW_MEETING = "new"


def may_draft_next(user):
    return permissions.can_add(user, Comment) and permissions.can_add(user, Report)


class NextMeetingForm(forms.Form):
    """The meeting to draft for: a later meeting of the committee, or the next number, new."""

    next_meeting = forms.ChoiceField(label=_("次回の会議"))

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.later = {
            str(later.pk): later
            for later in Meeting.objects.filter(committee=meeting.committee)
            .select_related("committee")
            .order_by("fiscal_year", "number")
            if (later.fiscal_year, later.number) > (meeting.fiscal_year, meeting.number)
        }
        following = meeting_next(meeting)
        choices = [(pk, later.name) for pk, later in self.later.items()]
        if following.pk is None:
            choices.insert(
                0, (NEW_MEETING, gettext("%(name)s（新しく作成）") % {"name": following.name})
            )
        self.fields["next_meeting"].choices = choices

    def chosen(self):
        value = self.cleaned_data["next_meeting"]
        return None if value == NEW_MEETING else self.later[value]


class DraftNextReportMixin:
    """Adds the POST-only ``draft-next`` URL and the form on the meeting's change page."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/draft-next/",
                self.admin_site.admin_view(numeric_object_id(self.draft_next_view)),
                name="{}_{}_draft_next".format(*info),
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        meeting = context.get("original")
        if change and meeting is not None and may_draft_next(request.user):
            context["draft_next_form"] = NextMeetingForm(meeting=meeting)
        return super().render_change_form(request, context, add, change, **kwargs)

    def draft_next_view(self, request, object_id):
        return require_POST(self._draft_next)(request, object_id)

    def _draft_next(self, request, object_id):
        meeting = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not may_draft_next(request.user):
            raise PermissionDenied
        back = reverse("admin:feedback_meeting_change", args=[meeting.pk])
        form = NextMeetingForm(request.POST, meeting=meeting)
        if not form.is_valid():
            messages.error(request, gettext("次回の会議を選んでください。"))
            return HttpResponseRedirect(back)
        try:
            report = meeting_draft_next_report(
                meeting=meeting, by=request.user, next_meeting=form.chosen()
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(back)
        count = report.entries.count()
        workbook = reverse("admin:feedback_report_workbook", args=[report.pk])
        messages.success(
            request,
            format_html(
                gettext(
                    "{meeting}の下書き資料「{report}」を作成しました（継続する意見 {count}件）。"
                    '<a href="{workbook}">印刷用 Excel をダウンロード</a>'
                ),
                meeting=report.meeting.name,
                report=report,
                count=count,
                workbook=workbook,
            ),
        )
        return HttpResponseRedirect(reverse("admin:feedback_report_change", args=[report.pk]))
