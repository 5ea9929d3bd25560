"""The review queue: proposed changes to published remarks (変更案), their diff, approval.

入力担当 make a proposal by saving a published remark's page (``CommentAdmin``) and edit it here
until it is approved; 承認者 see each open proposal with its author, time, the 資料 it appears
in and a field-by-field before/after with the changed characters marked, and approve it or
return it with a reason. The writes are ``services.change_request_*``.
"""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from feedback import permissions, review
from feedback.enums import ChangeRequestStatus
from feedback.models import ChangeRequest, Comment, Member, ReflectionCategory, Report
from feedback.services import (
    change_request_approve,
    change_request_return,
    change_request_save,
    record_propose,
)
from policy.models import PolicyItem
from publication.versioning import StaleRecordError


class FollowUpEntryForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    recorded_on = forms.DateField(label=_("記録日"), required=False)
    body = forms.CharField(label=_("対応状況"), required=False, widget=forms.Textarea({"rows": 3}))


FollowUpEntries = forms.formset_factory(FollowUpEntryForm, extra=1)


class ProposalForm(forms.Form):
    """A proposal's content, edited again before approval."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    member = forms.ModelChoiceField(Member.objects.none(), label=_("委員名"))
    policy_item = forms.ModelChoiceField(PolicyItem.objects.none(), label=_("対象項目"))
    body = forms.CharField(label=_("意見、質問等"), widget=forms.Textarea({"rows": 5}))
    response = forms.CharField(
        label=_("市の考え方"), required=False, widget=forms.Textarea({"rows": 5})
    )
    category = forms.ModelChoiceField(
        ReflectionCategory.objects.order_by("order", "name"), label=_("対応区分"), required=False
    )

    def __init__(self, *args, comment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(
            committee_id=comment.meeting.committee_id
        )
        self.fields["policy_item"].queryset = PolicyItem.objects.select_related("policy")

    def state(self, follow_ups):
        data = self.cleaned_data
        entries = []
        for form in follow_ups:
            entry = form.cleaned_data
            if not entry or not (entry.get("body") or "").strip():
                continue
            entries.append(
                {
                    "id": entry.get("id"),
                    "recorded_on": entry["recorded_on"].isoformat()
                    if entry.get("recorded_on")
                    else None,
                    "body": entry["body"],
                }
            )
        return {
            "member": data["member"].pk,
            "policy_item": data["policy_item"].pk,
            "body": data["body"],
            "response": data["response"],
            "category": data["category"].pk if data["category"] else None,
            "follow_ups": entries,
        }


class RecordProposalForm(forms.ModelForm):
    """A named record's proposal (a member's name, a category's description, …) edited again:
    the record's own fields, never saved to it (``record_propose`` keeps them apart)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


def record_proposal_form(model, proposed):
    """The form class for ``model``'s fields that a proposal holds."""
    names = [field.name for field in model._meta.get_fields() if _holds(field, proposed)]
    form_class = forms.modelform_factory(model, form=RecordProposalForm, fields=names)
    form_class.many_fields = [
        field.name for field in model._meta.many_to_many if field.name in proposed
    ]
    return form_class


def _holds(field, proposed):
    return getattr(field, "editable", False) and (
        field.name in proposed or getattr(field, "attname", None) in proposed
    )


def record_initial(model, proposed):
    """A proposal's plain values keyed by form field name (``committee_id`` → ``committee``)."""
    initial = {}
    for field in model._meta.get_fields():
        if _holds(field, proposed):
            initial[field.name] = proposed.get(field.name, proposed.get(field.attname))
    return initial


class OpenFilter(admin.SimpleListFilter):
    title = _("状態")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("承認待ち・差し戻し")), *ChangeRequestStatus.choices]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.open()
        if self.value() in ChangeRequestStatus.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ["record", "status", "created_by", "updated_at", "reports"]
    list_filter = [OpenFilter]
    list_select_related = ["created_by", "content_type"]
    ordering = ["-updated_at"]
    change_form_template = "admin/feedback/changerequest/review.html"

    def has_add_permission(self, request):
        return False  # made by saving a published remark's page

    def has_delete_permission(self, request, obj=None):
        return permissions.can_correct_published(request.user) and super().has_delete_permission(
            request, obj
        )

    @admin.display(description=_("記録"))
    def record(self, change_request):
        return str(change_request.target)

    @admin.display(description=_("掲載している資料"))
    def reports(self, change_request):
        if change_request.content_type.model_class() is not Comment:
            return "—"
        listed = Report.objects.filter(entries__comment_id=change_request.object_id)
        return "、".join(report.label for report in listed) or "—"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:object_id>/approve/",
                self.admin_site.admin_view(require_POST(self.approve_view)),
                name="{}_{}_approve".format(*info),
            ),
            path(
                "<int:object_id>/return/",
                self.admin_site.admin_view(require_POST(self.return_view)),
                name="{}_{}_return".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404
        change_request = get_object_or_404(ChangeRequest, pk=object_id)
        if not self.has_view_or_change_permission(request, change_request):
            raise PermissionDenied
        model = change_request.content_type.model_class()
        if model is Comment:
            record = review.target_comment(change_request)
            edit, changes = self._comment_proposal, review.changes
        else:
            record = get_object_or_404(model, pk=change_request.object_id)
            edit, changes = self._record_proposal, partial(review.record_changes, model)
        editable = change_request.is_open and permissions.can_propose(request.user, record)
        form, follow_ups, saved = edit(request, change_request, record) if editable else (None,) * 3
        if saved:
            self.message_user(request, gettext("変更案を保存しました。"), messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        opts = record._meta
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("変更案: %(record)s") % {"record": record},
            "opts": self.opts,
            "change_request": change_request,
            "record": record,
            "record_kind": opts.verbose_name,
            "record_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk]
            ),
            "comment": record if model is Comment else None,
            "changes": changes(change_request.base, change_request.proposed),
            "outdated": change_request.base_version != record.version and change_request.is_open,
            "reports": Report.objects.filter(entries__comment=record) if model is Comment else (),
            "can_review": change_request.is_open
            and change_request.status == ChangeRequestStatus.PENDING
            and permissions.can_review(request.user),
            "form": form,
            "follow_ups": follow_ups,
        }
        return TemplateResponse(request, self.change_form_template, context)

    def _comment_proposal(self, request, change_request, comment):
        """The remark proposal's edit form: ``(form, follow-up forms, saved)``."""
        if request.method != "POST":
            initial = {**change_request.proposed, "version": change_request.version}
            entries = change_request.proposed.get("follow_ups", [])
            form = ProposalForm(initial=initial, comment=comment)
            return form, FollowUpEntries(initial=entries, prefix="follow_ups"), False
        form = ProposalForm(request.POST, comment=comment)
        follow_ups = FollowUpEntries(request.POST, prefix="follow_ups")
        if form.is_valid() and follow_ups.is_valid():
            try:
                change_request_save(
                    comment=comment,
                    proposed=form.state(follow_ups),
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except (StaleRecordError, ValidationError) as error:
                form.add_error(None, error)
            else:
                return form, follow_ups, True
        return form, follow_ups, False

    def _record_proposal(self, request, change_request, record):
        """A named record's proposal, edited with its own fields: ``(form, None, saved)``."""
        form_class = record_proposal_form(type(record), change_request.proposed)
        if request.method != "POST":
            initial = {**record_initial(type(record), change_request.proposed)}
            initial["version"] = change_request.version
            return form_class(instance=record, initial=initial), None, False
        form = form_class(request.POST, instance=record)
        if form.is_valid():
            many = {name: form.cleaned_data[name] for name in form.many_fields}
            try:
                record_propose(
                    obj=record,
                    proposed=review.record_state(form.instance, many=many),
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except (StaleRecordError, ValidationError) as error:
                form.add_error(None, error)
            else:
                return form, None, True
        return form, None, False

    def _reviewed(self, request, object_id, action):
        change_request = get_object_or_404(ChangeRequest, pk=object_id)
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            action(change_request, version)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:feedback_changerequest_change", args=[change_request.pk])
            )
        return None

    def approve_view(self, request, object_id):
        if not permissions.can_review(request.user):
            raise PermissionDenied
        refused = self._reviewed(
            request,
            object_id,
            lambda cr, version: change_request_approve(
                change_request=cr, by=request.user, expected_version=version
            ),
        )
        if refused:
            return refused
        self.message_user(request, gettext("変更案を承認し、公開しました。"), messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:feedback_changerequest_changelist") + "?state=open"
        )

    def return_view(self, request, object_id):
        if not permissions.can_review(request.user):
            raise PermissionDenied
        refused = self._reviewed(
            request,
            object_id,
            lambda cr, version: change_request_return(
                change_request=cr,
                by=request.user,
                reason=request.POST.get("reason", ""),
                expected_version=version,
            ),
        )
        if refused:
            return refused
        self.message_user(request, gettext("変更案を差し戻しました。"), messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:feedback_changerequest_changelist") + "?state=open"
        )


class PendingChangeFilter(admin.SimpleListFilter):
    """「承認待ちの変更案」 on the remark list."""

    title = _("変更案")
    parameter_name = "proposal"

    def lookups(self, request, model_admin):
        return [("open", _("承認待ちの変更案あり"))]

    def queryset(self, request, queryset):
        if self.value() != "open":
            return queryset
        proposals = ChangeRequest.objects.open().filter(
            content_type__app_label="feedback",
            content_type__model="comment",
            object_id=OuterRef("pk"),
        )
        return queryset.filter(Exists(proposals))
