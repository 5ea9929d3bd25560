"""Optimistic locking for every versioned record: the form check and the one save.

A form carries the ``version`` the record had when it was opened; ``VersionedForm`` refuses it
when the stored version moved since, and ``save_versioned`` raises the version with a
conditional ``UPDATE``, so two colleagues can never silently overwrite each other. A history
revert is an edit of the current record: its form offers the current version.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

STALE_FORM_MESSAGE = _(
    "この記録は、あなたが画面を開いた後に他の職員が保存しました（現在の版: %(current)s、"
    "あなたが開いた版: %(submitted)s）。あなたの変更は保存されていません。"
    "ページを開き直して最新の内容を確認してから、もう一度変更してください。"
)
PUBLICATION_FIELDS = ("status", "published_at", "published_by")


class StaleRecordError(ValidationError):
    """The record was saved by someone else after the form (or preview) was made."""

    def __init__(self, *, current, submitted):
        super().__init__(
            STALE_FORM_MESSAGE % {"current": current, "submitted": submitted}, code="stale"
        )


class VersionedForm(forms.ModelForm):
    """A change form that refuses to save over a newer version of the record."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" not in self.fields:
            return  # a read-only page (view permission only)
        self.fields["version"].widget = forms.HiddenInput()
        if self.instance.pk is not None:
            # The history (revert) form is built from an old instance: offer the version the
            # record has now, so reverting counts as an edit of the current record.
            current = self._meta.model._default_manager.filter(pk=self.instance.pk)
            self.initial["version"] = current.values_list("version", flat=True).first()

    def clean(self):
        cleaned_data = super().clean()
        submitted = cleaned_data.get("version")
        if self.instance.pk is None or self.instance._state.adding or submitted is None:
            return cleaned_data
        # Locked until the admin's transaction ends (PostgreSQL), so the check holds at save.
        current = (
            self._meta.model._default_manager.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if current != submitted:
            raise StaleRecordError(current=current, submitted=submitted)
        return cleaned_data


def save_versioned(*, obj, by, expected_version=None, reason=""):
    """Save ``obj`` as version ``expected_version + 1`` (a new record as version 1).

    Refused with ``StaleRecordError`` when the stored version is no longer ``expected_version``
    (nothing is saved then). Publication fields are copied from the stored record, never from
    ``obj``: only the publishing services change them. History records ``by`` and ``reason``.
    Callers check the rights (``feedback.services.record_save``).
    """
    model = type(obj)
    if obj.pk is None or obj._state.adding:
        obj.version = 1
        if hasattr(obj, "status"):
            obj.status, obj.published_at, obj.published_by = "draft", None, None
    else:
        current = model._default_manager.filter(pk=obj.pk).first()
        if current is None:
            raise ValidationError(_("この記録は削除されています。"))
        expected = current.version if expected_version is None else expected_version
        if not obj.bump_version(expected):
            raise StaleRecordError(current=current.version, submitted=expected)
        for name in PUBLICATION_FIELDS:
            if hasattr(current, name):
                setattr(obj, name, getattr(current, name))
    obj._history_user = by
    if reason:
        obj._change_reason = reason
    obj.save()
    return obj
