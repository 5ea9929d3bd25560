"""The 配布版 in the admin: 「配布版を確定」 on a 資料's page, its workbook, the list of them.

``ReportSnapshotAdminMixin`` adds to ``ReportAdmin`` (kept apart from the rest of the 資料's
admin): a POST-only confirm view for those who may publish (``services.report_confirm_presented``)
and the staff workbook of the latest 配布版 beside the existing one of the 資料 as it is now.
``ReportSnapshotAdmin`` lists every confirmation, read-only.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from feedback import excel, permissions, snapshots
from feedback.admin_export import workbook_response
from feedback.admin_import import numeric_object_id
from feedback.models import Report, ReportSnapshot
from feedback.services import report_confirm_presented


def snapshot_workbook(snapshot):
    """The workbook exactly as handed out: the 配布版's own title, label, headings and rows."""
    return excel.build_workbook(
        title=snapshot.title,
        label=snapshot.label,
        remarks_heading=snapshot.remarks_heading,
        response_heading=snapshot.response_heading,
        rows=snapshots.snapshot_rows(snapshot),
    )


def snapshot_filename(snapshot):
    confirmed = timezone.localtime(snapshot.confirmed_at)
    return f"{snapshot.label}_{snapshot.title}_配布版_{confirmed:%Y%m%d%H%M}.xlsx"


class ReportSnapshotAdminMixin:
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/confirm-presented/",
                self.admin_site.admin_view(numeric_object_id(require_POST(self.confirm_view))),
                name="{}_{}_confirm_presented".format(*info),
            ),
            path(
                "<path:object_id>/workbook/presented/",
                self.admin_site.admin_view(numeric_object_id(self.snapshot_workbook_view)),
                name="{}_{}_workbook_presented".format(*info),
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        original = context.get("original")
        context["latest_snapshot"] = snapshots.latest_snapshot(original) if original else None
        context["can_confirm"] = permissions.can_publish(request.user)
        return super().render_change_form(request, context, add, change, **kwargs)

    def confirm_view(self, request, object_id):
        """「配布版を確定」: one POST, checked again here and in the service."""
        if not permissions.can_publish(request.user):
            raise PermissionDenied
        report = get_object_or_404(Report, pk=object_id)
        try:
            snapshot = report_confirm_presented(report=report, by=request.user)
        except ValidationError as error:
            self.message_user(
                request,
                gettext("%(report)sの配布版を確定できません。%(reason)s")
                % {"report": report, "reason": " ".join(error.messages)},
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                gettext("%(report)sの配布版を確定しました（%(count)d行）。")
                % {"report": report, "count": len(snapshot.rows)},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:feedback_report_change", args=[report.pk]))

    def snapshot_workbook_view(self, request, object_id):
        """The staff workbook of the latest 配布版: what was handed out, cell for cell."""
        report = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not request.user.has_perm(permissions.EXPORT_FEEDBACK):
            raise PermissionDenied
        snapshot = snapshots.latest_snapshot(report)
        if snapshot is None:
            raise Http404("no snapshot")
        return workbook_response(snapshot_workbook(snapshot), snapshot_filename(snapshot))


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(admin.ModelAdmin):
    """Every confirmed 配布版, read-only: they are made on the 資料's page and never changed."""

    list_display = ["report", "presented_on", "confirmed_at", "confirmed_by", "row_count"]
    list_filter = ["report"]
    list_select_related = ["report", "confirmed_by"]
    fields = [
        "report",
        "presented_on",
        "confirmed_at",
        "confirmed_by",
        "label",
        "title",
        "remarks_heading",
        "response_heading",
        "row_count",
    ]
    readonly_fields = fields
    ordering = ["report", "-confirmed_at", "-id"]

    @admin.display(description=_("行数"))
    def row_count(self, snapshot):
        return len(snapshot.rows)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
