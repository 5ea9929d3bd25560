"""Filters for the history templates (``publication.history_display``)."""

from django import template

from publication import history_display

register = template.Library()


@register.filter
def staff_name(user):
    """「山田 花子」, else the username; 「（削除された職員）」 when the account is gone."""
    return history_display.staff_name(user)


@register.filter
def local_datetime(value):
    """「2021年7月29日 14:05:09」 in Asia/Tokyo."""
    return history_display.local_datetime(value)
