"""History pages in the words staff use: field and choice labels, names, Tokyo time.

django-simple-history prints values with ``str()``: 「draft → published」, 「None」, UTC times
with microseconds and 「Deleted ユーザー (pk=None)」 for a user who is gone. These functions turn
a stored value into what the edit form showed.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.html import conditional_escape
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from publication.dates import format_date

EMPTY = "（空欄）"
DELETED_STAFF = "（削除された職員）"
DELETED_RECORD = "（削除された記録）"


def staff_name(user):
    """The name staff know a colleague by: the full name, else the username."""
    if user is None or isinstance(user, DeletedObject):
        return DELETED_STAFF
    return user.get_full_name() or user.get_username()


def local_datetime(value):
    """An aware datetime in the site's zone (Asia/Tokyo), to the second.

    「2021年7月29日 14:05:09」.
    """
    if value is None:
        return EMPTY
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M:%S}"


def display_value(field, value):
    """A stored field value as the form showed it."""
    if isinstance(value, DeletedObject) and value.pk is None:
        return EMPTY  # simple-history's stand-in for an empty foreign key
    if isinstance(value, DeletedObject):
        return DELETED_STAFF if value.model is get_user_model() else DELETED_RECORD
    if value is None or value == "":
        return EMPTY
    if isinstance(field, models.ForeignKey) and field.related_model is get_user_model():
        return staff_name(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, datetime.datetime):
        return local_datetime(value)
    if isinstance(value, datetime.date):
        return format_date(value)
    return str(value)


def delta_changes(model, record, previous):
    """The fields ``record`` changed since ``previous``: [{"field", "old", "new"}], labelled."""
    delta = record.diff_against(previous, foreign_keys_are_objs=True)
    changes = []
    for change in delta.changes:
        field = model._meta.get_field(change.field)
        changes.append(
            {
                "field": field.verbose_name,
                "old": display_value(field, change.old),
                "new": display_value(field, change.new),
            }
        )
    return changes


class LabelledContextHelper(HistoricalRecordContextHelper):
    """simple-history's formatting of a change, with ``display_value`` for each value."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, models.ManyToManyField):
            return super().prepare_delta_change_value(change, value)
        return display_value(field, value)

    def stringify_delta_change_values(self, change, old, new):
        # No shortening to 「…」: a remark's changed text is what the reader came for.
        return conditional_escape(str(old)), conditional_escape(str(new))
