"""Reads that span relations. Public code reaches data only through ``published()``."""

import datetime

from django.db import connection
from django.db.models import Count, Max, Prefetch, Q, Value
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from feedback.models import (
    Comment,
    Committee,
    FollowUp,
    Meeting,
    Member,
    ReflectionCategory,
    Report,
    ReportEntry,
)
from policy.models import PolicyItem

ROW_RELATIONS = (
    "member",
    "policy_item__policy",
    "meeting__committee",
    "response__category",
)


def comment_rows(comments):
    """Remarks with everything a table row shows, in a constant number of queries."""
    return comments.select_related(*ROW_RELATIONS).prefetch_related(
        Prefetch("follow_ups", queryset=FollowUp.objects.order_by(*FollowUp._meta.ordering))
    )


def published_comments():
    return comment_rows(Comment.objects.published())


def public_reports():
    return Report.objects.published().select_related("meeting__committee")


def report_entries(report):
    """The rows of a 資料 in their printed order, published remarks only."""
    return (
        ReportEntry.objects.filter(report=report, comment__in=Comment.objects.published())
        .select_related(*(f"comment__{relation}" for relation in ROW_RELATIONS))
        .prefetch_related(
            Prefetch(
                "comment__follow_ups",
                queryset=FollowUp.objects.order_by(*FollowUp._meta.ordering),
            )
        )
        .order_by("position")
    )


def report_published_comment_ids(report):
    """The ids of the published remarks a 資料 lists."""
    return set(
        Comment.objects.published()
        .filter(report_entries__report=report)
        .values_list("pk", flat=True)
    )


def report_source_meetings(report):
    """The meetings whose remarks a 資料 lists (usually one)."""
    return (
        Meeting.objects.filter(comments__report_entries__report=report)
        .filter(comments__in=Comment.objects.published())
        .select_related("committee")
        .distinct()
    )


def category_counts(comments):
    """Counts per 対応区分 for the given remarks, every category listed (zero included).

    Remarks without a category yet are counted under ``None``.
    """
    counts = {
        row["response__category"]: row["total"]
        for row in comments.order_by().values("response__category").annotate(total=Count("pk"))
    }
    categories = list(ReflectionCategory.objects.all())
    result = [(category, counts.get(category.pk, 0)) for category in categories]
    uncategorised = counts.get(None, 0)
    if uncategorised:
        result.append((None, uncategorised))
    return result


def public_members():
    """Members with at least one published remark, in 五十音順."""
    return (
        Member.objects.filter(comments__in=Comment.objects.published())
        .select_related("committee")
        .annotate(
            published_count=Count(
                "comments", filter=Q(comments__in=Comment.objects.published()), distinct=True
            )
        )
        .order_by("name_kana", "name")
    )


def public_policy_items():
    return (
        PolicyItem.objects.filter(comments__in=Comment.objects.published())
        .select_related("policy")
        .annotate(
            published_count=Count(
                "comments", filter=Q(comments__in=Comment.objects.published()), distinct=True
            )
        )
        .order_by("policy__title", "order", "id")
    )


def public_meetings():
    return (
        Meeting.objects.filter(comments__in=Comment.objects.published())
        .select_related("committee")
        .distinct()
    )


def public_committees():
    return Committee.objects.filter(meetings__comments__in=Comment.objects.published()).distinct()


def public_categories():
    return list(ReflectionCategory.objects.all())


def count_by_category(categories, category_ids):
    """Counts per 対応区分 from already-read category ids: every category listed, zero included.

    Remarks without a category are counted under ``None`` (listed only when there are some).
    """
    counts = {}
    for category_id in category_ids:
        counts[category_id] = counts.get(category_id, 0) + 1
    result = [(category, counts.get(category.pk, 0)) for category in categories]
    if counts.get(None):
        result.append((None, counts[None]))
    return result


def report_category_ids(reports):
    """For each published 資料 (by pk), the 対応区分 ids of its published rows: one query."""
    ids = {report.pk: [] for report in reports}
    rows = ReportEntry.objects.filter(
        report__in=[report.pk for report in reports], comment__in=Comment.objects.published()
    ).values_list("report_id", "comment__response__category_id")
    for report_id, category_id in rows:
        ids[report_id].append(category_id)
    return ids


def published_category_ids():
    """The 対応区分 id of every published remark that a published 資料 lists."""
    return list(
        Comment.objects.published()
        .filter(reports__in=Report.objects.published())
        .distinct()
        .values_list("pk", "response__category_id")
    )


def public_meetings_list():
    """Meetings with published remarks, by committee and newest first, with their counts."""
    published = Comment.objects.published()
    return (
        Meeting.objects.filter(comments__in=published)
        .select_related("committee")
        .annotate(
            published_count=Count("comments", filter=Q(comments__in=published), distinct=True)
        )
        .order_by("committee__name", "-fiscal_year", "-number")
    )


def public_change_stamp():
    """The latest change anything public depends on, and a fingerprint of the public data.

    Returns ``(last_modified, fingerprint)`` read in one query. Both must move on every change a
    reader could see, including changes that *remove* data: unpublishing a 資料 lowers the
    newest ``updated_at`` among published rows and deleting a follow-up lowers a count that a
    later addition can restore. So beside the published rows themselves, the stamp reads the
    history tables (django-simple-history writes a row with the time of every save and delete):

    - 資料 and remarks that are or ever were published (``published_at`` is kept when a record
      is unpublished), so publishing, editing, unpublishing and deleting them all add a row;
    - answers, follow-ups and table rows of such remarks and 資料, including deleted ones;
    - committees, members, meetings, categories and policy items, which the tables print.

    Edits of remarks that were never published leave it unchanged.
    """
    from feedback.models import CityResponse
    from policy.models import Policy

    ever_published_comments = Comment.objects.filter(published_at__isnull=False).values("pk")
    ever_published_reports = Report.objects.filter(published_at__isnull=False).values("pk")
    parts = [
        (Report.objects.published(), "updated_at"),
        (Comment.objects.published(), "updated_at"),
        (Report.history.filter(published_at__isnull=False), "history_date"),
        (Comment.history.filter(published_at__isnull=False), "history_date"),
        (CityResponse.history.filter(comment_id__in=ever_published_comments), "history_date"),
        (FollowUp.history.filter(comment_id__in=ever_published_comments), "history_date"),
        (ReportEntry.history.filter(report_id__in=ever_published_reports), "history_date"),
        (ReflectionCategory.history.all(), "history_date"),
        (Member.history.all(), "history_date"),
        (Meeting.history.all(), "history_date"),
        (Committee.history.all(), "history_date"),
        (PolicyItem.history.all(), "history_date"),
        (Policy.history.all(), "history_date"),
    ]
    selects, params = [], []
    for index, (queryset, field) in enumerate(parts):
        sql, sql_params = (
            queryset.order_by()
            .annotate(_one=Value(1))
            .values("_one")
            .annotate(latest=Max(field), total=Count("pk"))
            .values_list("latest", "total")
            .query.sql_with_params()
        )
        selects.append(f"({sql}) AS part{index}")
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {', '.join(selects)}", params)
        row = cursor.fetchone()
    latest = [_as_datetime(value) for value in row[0::2] if value is not None]
    last_modified = max(latest) if latest else None
    fingerprint = "|".join(
        f"{_as_datetime(value).isoformat() if value else '-'}/{total}"
        for value, total in zip(row[0::2], row[1::2], strict=True)
    )
    return last_modified, fingerprint


def _as_datetime(value):
    """Raw SQL gives SQLite datetimes as text (in UTC) and PostgreSQL's as datetimes."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value
