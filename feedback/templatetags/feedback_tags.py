import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from feedback import wareki
from feedback.models import ChangeRequest, Report
from feedback.search import highlight as highlight_text

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
        value = timezone.localtime(value).date()
    return format_html(
        '<time datetime="{}">{}</time>', value.isoformat(), wareki.format_date(value)
    )


@register.filter
def highlight(value, query):
    """The text escaped, with the search keywords in ``<mark>``."""
    return highlight_text(value, query)


CHART_BAR_WIDTH = 240
CHART_ROW_HEIGHT = 28


@register.inclusion_tag("feedback/includes/category_chart.html")
def category_chart(counts, caption):
    """Counts per 対応区分 as an inline SVG bar chart (presentation attributes, no styles)."""
    largest = max((count for _category, count in counts), default=0)
    rows = []
    for index, (category, count) in enumerate(counts):
        width = round(CHART_BAR_WIDTH * count / largest) if largest else 0
        rows.append(
            {
                "name": category.name if category else "未定",
                "color": category.color if category else "#57606a",
                "count": count,
                "width": width,
                "y": index * CHART_ROW_HEIGHT,
                "text_y": index * CHART_ROW_HEIGHT + 19,
                "count_x": 100 + width + 8,
            }
        )
    return {
        "rows": rows,
        "caption": caption,
        "height": max(len(rows), 1) * CHART_ROW_HEIGHT,
        "total": sum(count for _category, count in counts),
    }


@register.simple_tag
def open_change_requests():
    """How many proposed changes wait for an approver or their author (the admin index)."""
    return ChangeRequest.objects.open().count()


@register.simple_tag
def reports_waiting_for_rows():
    """How many published 資料 list rows not public yet (the admin index)."""
    return Report.objects.with_pending_rows().count()
