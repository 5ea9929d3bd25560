"""Import in the admin: uploads and text pasted from Excel (the workbooks are ``admin_export``).

One path for every import: an uploaded file (the remark list's 「インポート」 page) and rows
pasted on a meeting's or a 資料's page are both stored in django-import-export's temporary
storage, previewed with a dry run of ``CommentImportResource`` (new / changed fields /
unchanged / errors) and applied by the same confirm view, all or nothing.

The stored file lives only as long as it can still be confirmed: it is removed when the
preview refuses it, when the import is confirmed, and an abandoned one expires after an hour
(``PreviewStorage``). An upload over the size limit is refused before it is stored, and one
declaring more than the limit is not read at all (``UploadLimitHandler``).
"""

import logging
import re
from functools import wraps

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.datastructures import MultiValueDict
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from import_export.admin import ImportMixin
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.tmp_storages import CacheStorage

from feedback import importing, permissions
from feedback.models import Comment, Meeting, Report
from feedback.resources import (
    IMPORT_DATA_OPTIONS,
    CitySheetFormat,
    CommentImportResource,
    import_sheet,
    result_errors,
    summary,
)
from policy.models import Policy

audit = logging.getLogger("audit")


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
    def __init__(self, *args, upload_refusal="", **kwargs):
        super().__init__(*args, **kwargs)
        self.upload_refusal = upload_refusal

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.upload_refusal:
            # The file was refused unread (the rest of the request perhaps too): say only that.
            self.errors.clear()
            self.add_error("import_file", self.upload_refusal)


VERSIONS_SALT = "feedback.import.versions"


class FeedbackConfirmImportForm(ImportOptionsMixin, ConfirmImportForm):
    # Each row's remark version as the preview saw it, signed: the confirmation refuses rows
    # that another member of staff changed in between (CommentImportResource.get_instance).
    versions = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("meeting", "policy", "create_missing"):
            self.fields[name].widget = forms.HiddenInput()

    def clean_versions(self):
        value = self.cleaned_data["versions"]
        if not value:
            return None
        try:
            return signing.loads(value, salt=VERSIONS_SALT)
        except signing.BadSignature as error:
            raise forms.ValidationError("確認画面の内容が正しくありません。") from error


def signed_versions(versions):
    return signing.dumps(versions, salt=VERSIONS_SALT, compress=True)


OPTION_NAMES = ("meeting", "policy", "create_missing", "report")


# Room in an upload request for the import form's other fields and the multipart framing.
FORM_ALLOWANCE_BYTES = 64 * 1024
PREVIEW_LIFETIME_SECONDS = 60 * 60


class PreviewStorage(CacheStorage):
    """The uploaded or pasted file between the preview and its confirmation, in the shared cache.

    Removed when the preview refuses it or the import is confirmed; an abandoned preview
    expires after an hour instead of django-import-export's day.
    """

    CACHE_LIFETIME = PREVIEW_LIFETIME_SECONDS


def declared_too_large(content_length, max_bytes):
    return content_length > max_bytes + FORM_ALLOWANCE_BYTES


def _content_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads nothing of a request with an unreadable length


class UploadLimitHandler(FileUploadHandler):
    """Refuses an import file over ``max_bytes`` before any of it is stored.

    A request declaring more than the limit (Content-Length, plus room for the other fields)
    is not read at all; a file part declaring more is skipped unread; otherwise reading stops
    as soon as more than the limit has arrived. ``request.upload_refusal`` then holds the
    Japanese message for the form.
    """

    def __init__(self, request, max_bytes):
        super().__init__(request)
        self.max_bytes = max_bytes

    def refuse(self):
        self.request.upload_refusal = importing.too_large_message()

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if declared_too_large(content_length, self.max_bytes):
            self.refuse()
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        if content_length is not None and content_length > self.max_bytes:
            self.refuse()
            raise SkipFile

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_bytes:
            self.refuse()
            raise SkipFile  # the handlers after this one close and delete what they had
        return raw_data

    def file_complete(self, file_size):
        return None


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

    # -- the stored file: checked on the way in, removed when it cannot or need not be confirmed

    @method_decorator(csrf_exempt)
    def import_action(self, request, **kwargs):
        """The upload page, with the size limit in force before Django reads the body.

        Upload handlers must be in place before the CSRF check reads the body: hence exempt
        here and ``csrf_protect`` below. The one request not checked is one refused on its
        declared size: nothing of it is read, and it only shows the form with the refusal.
        """
        max_bytes = importing.max_upload_bytes()
        request.upload_handlers.insert(0, UploadLimitHandler(request, max_bytes))
        view = super().import_action
        if not (
            request.method == "POST" and declared_too_large(_content_length(request), max_bytes)
        ):
            view = csrf_protect(view)
        response = None
        try:
            response = view(request, **kwargs)
        finally:
            self._discard_unconfirmable_upload(request, response)
        return response

    def _discard_unconfirmable_upload(self, request, response):
        """A preview that offers no confirmation (refused file, errors) keeps no stored file."""
        stored = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
        context = getattr(response, "context_data", None) or {}
        if stored and not context.get("confirm_form"):
            self.preview_storage(stored).remove()

    def preview_storage(self, name=None):
        storage_class = self.get_tmp_storage_class()
        return storage_class(
            name=name,
            read_mode=CitySheetFormat().get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )

    def get_import_form_kwargs(self, request):
        kwargs = super().get_import_form_kwargs(request)
        refusal = getattr(request, "upload_refusal", "")
        if refusal:
            # Bound even when nothing of the request was read, so that the form says why.
            kwargs.update(data=request.POST, files=request.FILES, upload_refusal=refusal)
        return kwargs

    def process_import(self, request, **kwargs):
        """Confirm: import the stored file and remove it, whatever the outcome."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if request.method != "POST" or not confirm_form.is_valid():
            return super().process_import(request, **kwargs)
        storage = self.preview_storage(confirm_form.cleaned_data["import_file_name"])
        if storage.read() is None:
            messages.error(
                request,
                "確認画面を開いてから時間がたったため、読み込んだファイルは破棄されました。"
                "何も変更していません。もう一度ファイルを選んでください。",
            )
            return HttpResponseRedirect(reverse("admin:feedback_comment_import"))
        try:
            return super().process_import(request, **kwargs)
        finally:
            storage.remove()

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        options = {"by": request.user}
        if form is not None and form.is_bound and form.is_valid():
            options.update({name: form.cleaned_data.get(name) for name in OPTION_NAMES})
        if isinstance(form, FeedbackConfirmImportForm):
            options["expected_versions"] = form.cleaned_data.get("versions") or {}
        else:
            # The dry run leaves each row's version here for the confirmation form.
            request.import_preview = {}
            options["preview"] = request.import_preview
        return options

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            for name in OPTION_NAMES:
                value = import_form.cleaned_data.get(name)
                initial[name] = getattr(value, "pk", value)
        preview = getattr(request, "import_preview", None) or {}
        initial["versions"] = signed_versions(preview.get("versions", {}))
        return initial

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        kwargs.update(IMPORT_DATA_OPTIONS)
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
            for message in result_errors(result)[:20]:
                messages.error(request, message)
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
        preview = {}
        try:
            result = import_sheet(
                importing.read_text(text), dry_run=True, by=request.user, preview=preview, **options
            )
        except importing.SheetError as error:
            context["paste_errors"] = error.messages
            return context
        format_index = 0
        context["result"] = result
        if not result.has_errors() and not result.has_validation_errors():
            # Stored only when it can be confirmed; the confirmation removes it.
            tmp_storage = self.preview_storage()
            tmp_storage.save(text.encode("utf-8"))
            initial = {
                "import_file_name": tmp_storage.name,
                "original_file_name": "貼り付けたデータ",
                "format": format_index,
                "resource": "",
                "versions": signed_versions(preview.get("versions", {})),
            }
            initial.update({name: getattr(v, "pk", v) for name, v in options.items()})
            context["confirm_form"] = FeedbackConfirmImportForm(initial=initial)
        return context


# A record's id in an admin URL: every model here has a numeric key (BigAutoField), and 18
# digits always fit it. Anything else never reaches the database.
_RECORD_ID = re.compile(r"[0-9]{1,18}")


def numeric_object_id(view):
    """An admin view for a ``<path:object_id>`` URL that answers 404 unless the id is a number.

    Django's admin takes any text there; given to ``get_object_or_404`` it was a ValueError
    (500), and a number beyond bigint a database error on PostgreSQL.
    """

    @wraps(view)
    def checked(request, object_id, *args, **kwargs):
        if not _RECORD_ID.fullmatch(object_id):
            raise Http404("no such record")
        return view(request, object_id, *args, **kwargs)

    return checked


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
                self.admin_site.admin_view(numeric_object_id(self.paste_view)),
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
