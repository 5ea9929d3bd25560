import datetime

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

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


@register.simple_tag
def meeting_when(meeting):
    """When a meeting was: 「令和2年度 第2回（令和2年11月5日開催）」, linked to the meeting's
    page, the date only when it is known."""
    when = _("%(year)s 第%(number)s回") % {
        "year": escape(meeting.fiscal_year_label),
        "number": meeting.number,
    }
    if meeting.held_on:
        when_held = _("（%(held_on)s開催）") % {"held_on": wareki_time(meeting.held_on)}
    else:
        when_held = ""
    # The texts are ours, their values escaped (as blocktranslate does).
    return format_html(
        '<span class="meeting-when"><a href="{}">{}</a>{}</span>',
        meeting.get_absolute_url(),
        mark_safe(when),  # nosec B308 B703
        mark_safe(when_held),  # nosec B308 B703
    )


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


#: Each cell's ``headers`` on the 資料 pages (``two_level``): both header levels, by cell.
TWO_LEVEL_HEADERS = {
    "number": "group-remarks col-number",
    "member": "group-remarks col-member",
    "policy_item": "group-remarks col-item",
    "remark": "group-remarks col-body",
    "response": "group-remarks col-response",
    "category": "group-response col-category",
    "follow_up": "group-response col-follow-up",
}


@register.simple_tag
def table_body(rows, *, two_level=False, with_meeting=False, presented=False, query=""):
    """The table's one ``<tbody>``: ``rows`` are ``feedback.table.TableRow`` values.

    The 資料 page and the 提出時点 page (``two_level``) name both header levels in each cell's
    ``headers`` attribute; the lists (``with_meeting``) start each row with its meeting; the
    提出時点 page (``presented``) links to the remark as it is now and prints a withdrawn
    remark's No. only. ``query`` is marked in the text (``highlight``).

    Written here rather than as a template, and joined as text: a page's fifty rows of eight
    cells took 20 ms as template nodes on a 2-core machine (a fifth of a cold 資料 page) and
    15 ms as a ``format_html`` per cell. Every value from a row goes through ``escape`` or
    ``highlight`` (which escapes); the rest is this function's own markup and labels, escaped
    once per table."""
    labels = {
        key: escape(label)
        for key, label in {
            "meeting": _("会議"),
            "number": _("No."),
            "member": _("委員名"),
            "policy_item": _("対象項目"),
            "remark": _("意見、質問等"),
            "response": _("市の考え方"),
            "category": _("対応区分"),
            "follow_up": _("対応状況"),
        }.items()
    }
    # Each cell's opening tag, with its headers and label.
    opening = {
        key: (f' headers="{TWO_LEVEL_HEADERS[key]}"' if two_level else "")
        + f' data-label="{label}"'
        for key, label in labels.items()
        if key != "meeting"
    }
    changed = f'<span class="changed-badge">{escape(_("提出後に変更"))}</span>'
    added = f'<span class="changed-badge">{escape(_("提出後に追加"))}</span>'
    undecided = f'<span class="category category--none">{escape(_("未定"))}</span>'
    withdrawn = escape(_("この意見は現在公開されていません"))
    withdrawn_headers = f' headers="{TWO_LEVEL_HEADERS["remark"]}"' if two_level else ""

    def mark(value):
        return highlight_text(value, query)

    def linked(url, value):
        return f'<a href="{escape(url)}">{mark(value)}</a>' if url else escape(value)

    def text(value):
        return f'<div class="cell-text">{mark(value)}</div>'

    parts = ["<tbody>\n    "]
    for row in rows:
        if row.withdrawn:
            parts.append(
                f'\n    <tr class="withdrawn">\n      <th scope="row"{opening["number"]}>'
                f'{escape(row.number)}</th>\n      <td colspan="6"{withdrawn_headers}>'
                f"{withdrawn}</td>\n    </tr>\n    "
            )
            continue
        badges = {key: changed for key in row.changed_cells}
        if row.added_since:
            badges["number"] = added
        if presented:
            aria = _("No.%(number)s の現在の内容") % {"number": row.number}
        elif with_meeting:
            aria = _("%(meeting)s No.%(number)s の詳細") % {
                "meeting": row.meeting,
                "number": row.number,
            }
        else:
            aria = _("No.%(number)s の詳細") % {"number": row.number}
        meeting = (
            f'<td data-label="{labels["meeting"]}"><a href="{escape(row.meeting_url)}">'
            f"{escape(row.meeting)}</a></td>\n      "
            if with_meeting
            else ""
        )
        if row.category:
            category = f'<span class="category">{escape(row.category)}</span>'
        else:
            category = "" if presented else undecided
        cells = {
            "member": linked(row.member_url, row.member),
            "policy_item": linked(row.policy_item_url, row.policy_item),
            "remark": text(row.remark),
            "response": text(row.response),
            "category": category,
            "follow_up": text(row.follow_up) if row.follow_up else "",
        }
        parts.append(
            f'\n    <tr id="comment-{escape(row.id)}">\n      {meeting}'
            f'<th scope="row"{opening["number"]}><a href="{escape(row.url)}"'
            f' aria-label="{escape(aria)}">{escape(row.number)}</a>{badges.get("number", "")}'
            "</th>"
            + "".join(
                f"\n      <td{opening[key]}>{content}{badges.get(key, '')}</td>"
                for key, content in cells.items()
            )
            + "\n    </tr>\n    "
        )
    parts.append("\n  </tbody>\n")
    return mark_safe("".join(parts))  # nosec B308 B703 - each row value escaped above
