"""The staff admin for policies, their items (対象項目) and the versions of their text.

A version is brought in on its own add page: staff paste the text or upload the city's Word
file, see the passages it was read into, and save; ``policy.services`` does the writing. Its
passages are then read-only (a corrected text is a new version). 「差分を見る」 compares two
versions of the same policy passage by passage and character by character.
"""

import secrets

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from policy import docx_reader, selectors, services, text_reader, textdiff
from policy.enums import VersionStage
from policy.models import Passage, Policy, PolicyItem, PolicyVersion
from publication import stamp
from publication.admin import VersionedAdmin
from publication.dates import JapaneseDateField
from publication.versioning import VersionedForm

PUBLISH_PERMISSION = "policy.publish_policyversion"
UPLOAD_CACHE_PREFIX = "policy-version-upload:"
UPLOAD_CACHE_SECONDS = 60 * 60


class PolicyItemInline(admin.TabularInline):
    """The policy's items, listed; each is edited on its own page, with its version."""

    model = PolicyItem
    fk_name = "policy"
    extra = 0
    fields = ["order", "heading", "kind", "parent"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    verbose_name_plural = _("対象項目（編集は各項目のページで）")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Policy)
class PolicyAdmin(VersionedAdmin):
    list_display = ["title", "stage", "adopted_on"]
    list_filter = ["stage"]
    search_fields = ["title"]
    ordering = ["title"]
    inlines = [PolicyItemInline]


@admin.register(PolicyItem)
class PolicyItemAdmin(VersionedAdmin):
    list_display = ["heading", "policy", "kind", "parent", "order"]
    list_filter = ["policy", "kind"]
    search_fields = ["heading", "policy__title"]
    autocomplete_fields = ["policy", "parent"]
    ordering = ["policy", "order", "id"]


# -- versions -------------------------------------------------------------------------------


class PolicyVersionForm(VersionedForm):
    class Meta:
        model = PolicyVersion
        fields = ["name", "stage", "dated_on", "order", "version"]


class PolicyVersionAddForm(forms.Form):
    """One form for both ways in: pasted text or a Word file, exactly one of them."""

    policy = forms.ModelChoiceField(Policy.objects.all(), label="政策・計画")
    name = forms.CharField(
        label="版の名称", max_length=100, help_text="「素案」「案」「策定版」など。"
    )
    stage = forms.ChoiceField(label="段階", choices=VersionStage.choices)
    dated_on = JapaneseDateField(
        label="日付",
        help_text="その版の日付（例: 令和3年3月31日、R3.3.31、2021-03-31）。",
        widget=forms.DateInput(),
    )
    text = forms.CharField(
        label="本文を貼り付け",
        required=False,
        max_length=text_reader.MAX_TEXT_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100, "spellcheck": "false"}),
        help_text=(
            "Word や市のページから本文をコピーして貼り付けてください。1行が1段落になります。"
            "「第1章 …」「第2節」「方針2 …」「1 はじめに」「（1）…」で始まる行は見出しとして"
            "読み取ります。全角の文字はそのまま保存します。"
        ),
    )
    docx_file = forms.FileField(
        label="または Word ファイル（.docx）",
        required=False,
        help_text=(
            "見出しスタイルの段落は見出し、その他の段落は本文、表は1行ごとに1段落として"
            "読み取ります。マクロ付きの文書（.docm）は読み込めません。"
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".docx,application/vnd.openxmlformats-officedocument"
                ".wordprocessingml.document"
            }
        ),
    )

    def clean_docx_file(self):
        upload = self.cleaned_data.get("docx_file")
        if upload:
            # Refused by its size before a byte of it is read into memory.
            try:
                docx_reader.check_upload_size(upload.size)
            except text_reader.PolicyTextError as error:
                raise ValidationError(error.messages) from error
        return upload

    def clean(self):
        cleaned_data = super().clean()
        has_text = bool((cleaned_data.get("text") or "").strip())
        has_file = bool(cleaned_data.get("docx_file"))
        if "docx_file" in self.errors:
            return cleaned_data
        if has_text == has_file:
            raise ValidationError(
                "本文を貼り付けるか Word ファイルを選ぶか、どちらか一方にしてください。"
            )
        policy, name = cleaned_data.get("policy"), cleaned_data.get("name")
        if policy and name:
            taken = services.policy_version_name_taken(policy=policy, name=name)
            if taken:
                self.add_error("name", taken)
        return cleaned_data


class PolicyVersionConfirmForm(forms.Form):
    """The preview's 「保存する」: the choices again and the key of the stored source."""

    policy = forms.ModelChoiceField(Policy.objects.all(), widget=forms.HiddenInput)
    name = forms.CharField(max_length=100, widget=forms.HiddenInput)
    stage = forms.ChoiceField(choices=VersionStage.choices, widget=forms.HiddenInput)
    dated_on = forms.DateField(widget=forms.HiddenInput)
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)


class PassageInline(admin.TabularInline):
    """A version's passages, read-only: a corrected text is brought in as a new version."""

    model = Passage
    extra = 0
    can_delete = False
    show_change_link = False
    fields = ["position", "kind", "level", "heading_path", "text"]
    readonly_fields = fields
    ordering = ["position"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PolicyVersion)
class PolicyVersionAdmin(VersionedAdmin):
    form = PolicyVersionForm
    list_display = [
        "__str__",
        "stage",
        "dated_on",
        "order",
        "passage_count",
        "status",
        "published_at",
        "created_at",
    ]
    list_filter = ["policy", "stage", "status"]
    search_fields = ["name", "policy__title"]
    ordering = ["policy", "order", "dated_on", "id"]
    readonly_fields = ["policy", "source_filename", "status", "published_at", "created_at"]
    fields = [
        "policy",
        "name",
        "stage",
        "dated_on",
        "order",
        "source_filename",
        "status",
        "published_at",
        "created_at",
    ]
    actions = ["publish_versions", "unpublish_versions"]
    inlines = [PassageInline]
    change_form_template = "admin/policy/policyversion/change_form.html"
    add_template = "admin/policy/policyversion/add.html"
    diff_template = "admin/policy/policyversion/diff.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("policy")
            .annotate(passage_total=Count("passages"))
        )

    # -- 公開・非公開 (policy.services; 承認者 and システム管理者) -------------------------------

    def has_publish_permission(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    # A published version is changed or deleted only by those who may publish: every public
    # word is an approved one (as feedback's permissions.can_change says for remarks).
    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published and not self.has_publish_permission(request):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published and not self.has_publish_permission(request):
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description="選択した版を公開する", permissions=["publish"])
    def publish_versions(self, request, queryset):
        versions = list(queryset)
        with transaction.atomic(), stamp.batch():
            for version in versions:
                services.policy_version_publish(version=version, by=request.user)
        messages.success(
            request,
            "公開しました: " + "、".join(str(version) for version in versions),
        )

    @admin.action(description="選択した版を非公開にする", permissions=["publish"])
    def unpublish_versions(self, request, queryset):
        versions = list(queryset)
        with transaction.atomic(), stamp.batch():
            for version in versions:
                services.policy_version_unpublish(version=version, by=request.user)
        messages.success(
            request,
            "非公開にしました: " + "、".join(str(version) for version in versions),
        )

    @admin.display(description="段落数", ordering="passage_total")
    def passage_count(self, obj):
        return obj.passage_total

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if self.has_change_permission(request, obj):
            fields.append("version")
        return fields

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/diff/",
                self.admin_site.admin_view(self.diff_view),
                name="{}_{}_diff".format(*info),
            ),
            *super().get_urls(),
        ]

    # -- add: paste or upload, preview, save --------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "政策・計画の版を追加（本文の貼り付け・Word ファイル）",
            "has_view_permission": self.has_view_permission(request),
        }
        if request.method == "POST" and "_save" in request.POST:
            return self._add_save(request, context)
        form = PolicyVersionAddForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            preview = self._add_preview(request, form)
            if preview is not None:
                context.update(preview)
        context["form"] = form
        return TemplateResponse(request, self.add_template, context)

    def _add_preview(self, request, form):
        """Read the text or file, keep it for the save, and show its passages."""
        data = form.cleaned_data
        upload = data.get("docx_file")
        try:
            if upload:
                source = {"docx": upload.read(), "filename": upload.name}
                passages = docx_reader.read_docx(source["docx"], source["filename"])
            else:
                source = {"text": data["text"]}
                passages = text_reader.read_text(data["text"])
        except text_reader.PolicyTextError as error:
            field = "docx_file" if upload else "text"
            for message in error.messages:
                form.add_error(field, message)
            return None
        token = secrets.token_urlsafe(24)
        cache.set(
            UPLOAD_CACHE_PREFIX + token,
            {**source, "user": request.user.pk},
            UPLOAD_CACHE_SECONDS,
        )
        confirm = PolicyVersionConfirmForm(
            initial={
                "policy": data["policy"].pk,
                "name": data["name"],
                "stage": data["stage"],
                "dated_on": data["dated_on"],
                "token": token,
            }
        )
        return {
            "passages": passages,
            "confirm_form": confirm,
            "source_name": upload.name if upload else "貼り付けた本文",
            "heading_total": sum(p.is_heading for p in passages),
        }

    def _add_save(self, request, context):
        confirm = PolicyVersionConfirmForm(request.POST)
        stored = None
        if confirm.is_valid():
            stored = cache.get(UPLOAD_CACHE_PREFIX + confirm.cleaned_data["token"])
        if not stored or stored.get("user") != request.user.pk:
            context["form"] = PolicyVersionAddForm()
            context["errors"] = [
                "確認画面の有効期限が切れたか、内容を確認できません。"
                "もう一度貼り付けるかファイルを選んでください。何も保存していません。"
            ]
            return TemplateResponse(request, self.add_template, context)
        data = confirm.cleaned_data
        common = {
            "policy": data["policy"],
            "name": data["name"],
            "stage": data["stage"],
            "dated_on": data["dated_on"],
            "by": request.user,
        }
        try:
            if "docx" in stored:
                version = services.policy_version_create_from_docx(
                    content=stored["docx"], filename=stored["filename"], **common
                )
            else:
                version = services.policy_version_create_from_text(text=stored["text"], **common)
        except ValidationError as error:
            context["form"] = PolicyVersionAddForm(initial=data)
            context["errors"] = [*error.messages, "何も保存していません。"]
            return TemplateResponse(request, self.add_template, context)
        cache.delete(UPLOAD_CACHE_PREFIX + data["token"])
        messages.success(
            request, f"「{version}」を登録しました（{version.passages.count()}段落）。"
        )
        return HttpResponseRedirect(reverse("admin:policy_policyversion_change", args=[version.pk]))

    # -- 差分を見る ------------------------------------------------------------------------------

    def diff_view(self, request, object_id):
        """Compare this version (the new one) with another version of the same policy."""
        version = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        others = list(selectors.policy_version_others(version))
        other_id = request.GET.get("old")
        if other_id:
            old = next((v for v in others if str(v.pk) == other_id), None)
            if old is None:
                raise Http404("同じ政策・計画の版ではありません。")
        else:
            old = selectors.policy_version_previous(version)
        changes = selectors.policy_versions_diff(old=old, new=version) if old else []
        counts = {kind: 0 for kind in (textdiff.CHANGED, textdiff.ADDED, textdiff.REMOVED)}
        for change in changes:
            if change.kind in counts:
                counts[change.kind] += 1
        show_all = request.GET.get("all") == "1"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"差分を見る: {version.policy}",
            "original": version,
            "old": old,
            "others": others,
            "changes": changes if show_all else [c for c in changes if c.kind != "unchanged"],
            "show_all": show_all,
            "counts": counts,
            "unchanged_total": len(changes) - sum(counts.values()),
        }
        return TemplateResponse(request, self.diff_template, context)


@admin.register(Passage)
class PassageAdmin(admin.ModelAdmin):
    """Passages are read only (they come with their version); registered for the autocomplete
    that links a remark's answer to the passages it changed (feedback's remark page)."""

    search_fields = ["text", "heading_path", "version__name", "version__policy__title"]
    list_display = ["__str__", "version", "kind", "level"]
    list_filter = ["version__policy"]
    list_select_related = ["version__policy"]
    ordering = ["version__policy", "version__order", "version__id", "position"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("version__policy")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
