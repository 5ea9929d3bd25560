import datetime

from django import template
from django.utils.html import format_html

from feedback import wareki

register = template.Library()


@register.filter
def wareki_date(value):
    """A date as 和暦 text: 「令和3年4月1日」."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return wareki.format_date(value)


@register.filter
def wareki_time(value):
    """A date as ``<time datetime="2021-04-01">令和3年4月1日</time>``."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        value = timezone.localtime(value).date()
    return format_html(
        '<time datetime="{}">{}</time>', value.isoformat(), wareki.format_date(value)
    )


@register.filter
def last_item(related):
    """The last object of a (prefetched) related set, without another query."""
    items = list(related.all())
    return items[-1] if items else None
