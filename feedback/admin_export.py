"""Workbooks out of the admin: the selected remarks, a 資料, a confirmed 提出時点 version.

Staff workbooks include drafts (marked as such); the public site's files are in ``views.py``.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.http import content_disposition_header

from feedback import excel, permissions, table

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_response(workbook, filename):
    """An openpyxl workbook as a download named ``filename``."""
    response = HttpResponse(excel.workbook_bytes(workbook), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response


@admin.action(description="選択した意見を Excel で書き出す")
def export_workbook(modeladmin, request, queryset):
    """The selected remarks as a print-ready workbook (drafts included)."""
    if not request.user.has_perm(permissions.EXPORT_FEEDBACK):
        raise PermissionDenied
    comments = table.load(queryset).order_by("meeting", "number")
    rows = table.rows(comments)
    workbook = excel.list_workbook(rows, drafts=excel.unpublished(comments))
    return workbook_response(workbook, "選択した意見.xlsx")
