"""Import and export in the admin: uploads, text pasted from Excel, and workbooks for meetings.

One path for every import: an uploaded file (the remark list's 「インポート」 page) and rows
pasted on a meeting's or a 資料's page are both stored in django-import-export's temporary
storage, previewed with a dry run of ``CommentImportResource`` (new / changed fields /
unchanged / errors) and applied by the same confirm view, all or nothing.
"""

import logging

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from import_export.admin import ImportMixin
from import_export.forms import ConfirmImportForm, ImportForm

from feedback import excel, exports, importing, permissions
from feedback.models import Comment, Meeting, Report
from feedback.resources import CitySheetFormat, CommentImportResource, dataset_from_sheet
from feedback.selectors import comment_rows
from policy.models import Policy

audit = logging.getLogger("audit")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _meetings():
    return Meeting.objects.select_related("committee")


class ImportOptionsMixin(forms.Form):
    """What the file itself may not say: which meeting, which policy, whether to create."""

    meeting = forms.ModelChoiceField(
        _meetings(),
        required=False,
        label="会議",
        help_text="ファイルの見出しや「会議」列に会議名がないときに、この会議の意見として読み込みます。",
    )
    policy = forms.ModelChoiceField(
        Policy.objects.all(),
        required=False,
        label="政策・計画",
        help_text="対象項目を新しく作成するときの政策・計画（登録が一つだけなら選ばなくてかまいません）。",
    )
    create_missing = forms.BooleanField(
        required=False,
        label="登録されていない委員・対象項目・対応区分は作成する",
    )
    report = forms.ModelChoiceField(Report.objects.all(), required=False, widget=forms.HiddenInput)


class FeedbackImportForm(ImportOptionsMixin, ImportForm):
    pass


class FeedbackConfirmImportForm(ImportOptionsMixin, ConfirmImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("meeting", "policy", "create_missing"):
            self.fields[name].widget = forms.HiddenInput()


OPTION_NAMES = ("meeting", "policy", "create_missing", "report")


def summary(result):
    totals = result.totals
    return (
        f"新規 {totals['new']}件、変更 {totals['update']}件、変更なし {totals['skip']}件、"
        f"エラー {totals['error'] + totals['invalid']}件"
    )


class FeedbackImportMixin(ImportMixin):
    """The remark list's import page, restricted to roles with ``feedback.import_feedback``."""

    resource_classes = [CommentImportResource]
    import_formats = [CitySheetFormat]
    import_form_class = FeedbackImportForm
    confirm_form_class = FeedbackConfirmImportForm
    import_template_name = "admin/feedback/comment/import.html"
    # Every change is in django-simple-history already, with its author.
    skip_admin_log = True

    def has_import_permission(self, request):
        return request.user.is_active and request.user.has_perm(permissions.IMPORT_FEEDBACK)

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        options = {"user": request.user}
        if form is not None and form.is_bound and form.is_valid():
            options.update({name: form.cleaned_data.get(name) for name in OPTION_NAMES})
        return options

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            for name in OPTION_NAMES:
                value = import_form.cleaned_data.get(name)
                initial[name] = getattr(value, "pk", value)
        return initial

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        kwargs.update(use_transactions=True, rollback_on_validation_errors=True)
        return kwargs

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, importing.SheetError):
            for message in e.messages:
                form.add_error("import_file", message)
        else:
            form.add_error("import_file", "ファイルを読めませんでした。形式を確かめてください。")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The confirm step re-reads the stored file; if the data changed in between,
            # the transaction was rolled back and the staff member is told so.
            messages.error(
                request, f"取り込みを中止しました（{summary(result)}）。何も変更していません。"
            )
            return HttpResponseRedirect(reverse("admin:feedback_comment_import"))
        audit.info("import comments: %s", summary(result), extra={"user": request.user})
        messages.success(request, f"取り込みました（{summary(result)}）。")
        return HttpResponseRedirect(reverse("admin:feedback_comment_changelist"))

    # -- rows pasted from Excel ------------------------------------------------------------------

    def paste_preview(self, request, *, text, options, title):
        """Store pasted text like an upload, preview it, and hand confirmation to the import."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        context = self.admin_site.each_context(request)
        context.update(title=title, opts=self.model._meta, paste=True)
        try:
            dataset = dataset_from_sheet(importing.read_text(text))
        except importing.SheetError as error:
            context["paste_errors"] = error.messages
            return context
        format_index = 0
        tmp_storage = self.get_tmp_storage_class()(
            read_mode=CitySheetFormat().get_read_mode(), **self.get_tmp_storage_class_kwargs()
        )
        tmp_storage.save(text.encode("utf-8"))
        resource = CommentImportResource(user=request.user, **options)
        result = resource.import_data(
            dataset, dry_run=True, raise_errors=False, use_transactions=True, user=request.user
        )
        context["result"] = result
        if not result.has_errors() and not result.has_validation_errors():
            initial = {
                "import_file_name": tmp_storage.name,
                "original_file_name": "貼り付けたデータ",
                "format": format_index,
                "resource": "",
            }
            initial.update({name: getattr(v, "pk", v) for name, v in options.items()})
            context["confirm_form"] = FeedbackConfirmImportForm(initial=initial)
        return context

    def export_workbook(self, request, queryset):
        """Admin action: the selected remarks as a print-ready workbook (drafts included)."""
        if not request.user.has_perm(permissions.EXPORT_FEEDBACK):
            raise PermissionDenied
        comments = comment_rows(queryset).order_by("meeting", "number")
        rows = exports.table_rows(comments)
        workbook = excel.list_workbook(rows, drafts=excel.unpublished(comments))
        return workbook_response(workbook, "選択した意見.xlsx")

    export_workbook.short_description = "選択した意見を Excel で書き出す"


def workbook_response(workbook, filename):
    response = HttpResponse(excel.workbook_bytes(workbook), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response


class PasteForm(forms.Form):
    text = forms.CharField(
        label="Excel から貼り付け",
        widget=forms.Textarea(attrs={"rows": 14, "cols": 120, "spellcheck": "false"}),
        help_text=(
            "Excel で見出し行（委員名・対象項目・意見、質問等 …）から"
            "データの行までを選んでコピーし、ここに貼り付けてください。"
            "「1 秋山委員」のように No. と委員名が一つのセルでもかまいません。"
        ),
        max_length=2_000_000,
    )
    create_missing = forms.BooleanField(
        required=False, label="登録されていない委員・対象項目・対応区分は作成する"
    )
    policy = forms.ModelChoiceField(
        Policy.objects.all(), required=False, label="政策・計画（対象項目を作成するとき）"
    )


class PasteMixin:
    """A 「Excel から貼り付け」 page on a meeting or a 資料, previewed, then confirmed.

    The admin using it defines ``paste_options(obj)``: the resource options the pasted rows
    get from the object (its meeting, or the 資料 whose rows they become).
    """

    paste_template = "admin/feedback/paste.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/paste/",
                self.admin_site.admin_view(self.paste_view),
                name="{}_{}_paste".format(*info),
            ),
            *super().get_urls(),
        ]

    def paste_view(self, request, object_id):
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        comment_admin = self.admin_site._registry[Comment]
        if not comment_admin.has_import_permission(request):
            raise PermissionDenied
        form = PasteForm(request.POST or None)
        title = f"{obj} に Excel から貼り付け"
        context = self.admin_site.each_context(request)
        context.update(title=title, opts=Comment._meta, form=form, target=obj)
        if request.method == "POST" and form.is_valid():
            options = self.paste_options(obj)
            options.update(
                create_missing=form.cleaned_data["create_missing"],
                policy=form.cleaned_data["policy"],
            )
            context.update(
                comment_admin.paste_preview(
                    request, text=form.cleaned_data["text"], options=options, title=title
                )
            )
            context["form"] = form
        return TemplateResponse(request, self.paste_template, context)
