"""The admin base for every record with history: versioned forms, one save, reverts as edits."""

from django.contrib import messages
from django.contrib.admin import widgets
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin

from publication.dates import JapaneseDateField
from publication.history_display import LabelledContextHelper
from publication.versioning import StaleRecordError, VersionedForm, save_versioned

# Every admin date field reads 和暦 and 西暦 (「令和3年7月29日」「R3.7.29」「2021/07/29」), with
# Django's calendar widget kept. Inlines, which are not VersionedAdmins, use this dict too.
DATE_FORMFIELD_OVERRIDES = {
    models.DateField: {"form_class": JapaneseDateField, "widget": widgets.AdminDateWidget},
}


class StaleObjectError(PermissionDenied):
    """The row changed between the form's check and its save (a race the lock should stop)."""


class VersionedAdmin(SimpleHistoryAdmin):
    """Forms refuse stale versions; saves go through ``save_record``; a history revert is an edit
    of the record as it is stored now, allowed only to those who may edit it now."""

    form = VersionedForm
    # A typed address without a scheme is taken as https (Django 6's default, said now).
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        **DATE_FORMFIELD_OVERRIDES,
    }

    def get_historical_record_context_helper(self, request, historical_record):
        """History shows field and choice labels, names and Tokyo time, not raw values."""
        return LabelledContextHelper(self.model, historical_record)

    def save_record(self, request, obj, *, expected_version, reason=""):
        """The write service for this model (overridden where the app has its own rules)."""
        return save_versioned(
            obj=obj, by=request.user, expected_version=expected_version, reason=reason
        )

    def save_model(self, request, obj, form, change):
        expected = form.cleaned_data.get("version") if change else None
        reason = getattr(request, "_revert_reason", "")
        try:
            self.save_record(request, obj, expected_version=expected, reason=reason)
        except StaleRecordError as error:
            raise StaleObjectError(
                gettext("他の職員が同時に保存したため、保存できませんでした。")
            ) from error

    def delete_model(self, request, obj):
        obj._history_user = request.user
        super().delete_model(request, obj)

    def _current(self, request, object_id):
        obj = self.get_object(request, unquote(str(object_id)))
        if obj is None:
            raise Http404
        return obj

    def revert_disabled(self, request, obj=None):
        # ``obj`` is the old version: what counts is whether the record may be edited now.
        if obj is not None and obj.pk is not None:
            current = self.get_queryset(request).filter(pk=obj.pk).first()
            if current is None or not self.has_change_permission(request, current):
                return True
        return super().revert_disabled(request, obj)

    @transaction.atomic
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        current = self._current(request, object_id)
        if not str(version_id).isdigit():
            raise Http404
        if request.method == "POST" and not self.has_change_permission(request, current):
            self.message_user(
                request,
                gettext(
                    "「%(record)s」を変更する権限がないため、以前の版に戻せません。"
                    "戻す必要があるときは、権限のある職員に依頼してください。"
                )
                % {"record": current},
                messages.ERROR,
            )
            opts = self.opts
            return HttpResponseRedirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_history",
                    args=[current.pk],
                    current_app=self.admin_site.name,
                )
            )
        request._revert_reason = gettext("履歴から以前の版に戻しました（履歴番号 %(id)s）") % {
            "id": version_id
        }
        return super().history_form_view(request, object_id, version_id, extra_context)
