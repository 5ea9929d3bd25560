"""Reads that span relations. Public code reaches data only through ``published()``."""

from django.db.models import Count, Prefetch, Q

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
