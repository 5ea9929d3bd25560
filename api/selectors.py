"""The API's own reads: records as the API lists them (a remark with every follow-up, a 資料's
rows with their position, a policy with only its public items) and what ``updated_since``
filters on. Published records only, through ``feedback.selectors`` and ``published()``; the
reads the API shares with the site's pages stay in ``feedback.selectors``."""

from django.db.models import Exists, F, OuterRef, Prefetch, Q

from feedback import selectors, table
from feedback.models import Comment, FollowUp
from policy.models import Policy, PolicyItem


def comment_rows(comments):
    """Remarks with their relations and every follow-up in its order (oldest first), as the
    API lists them: a constant number of queries."""
    return comments.select_related(*table.ROW_RELATIONS).prefetch_related("follow_ups")


def published_comments():
    return comment_rows(Comment.objects.published())


def report_rows(report):
    """A published 資料's published remarks in printed order, each with its ``position`` and
    every follow-up (the API's rows)."""
    return (
        comment_rows(selectors.report_published(report))
        .annotate(position=F("report_entries__position"))
        .order_by("position")
    )


def changed_since(moment):
    """A condition on ``Comment``: the remark, its answer or one of its follow-ups was saved at
    or after ``moment`` (what a harvester needs to fetch again)."""
    return (
        Q(updated_at__gte=moment)
        | Q(response__updated_at__gte=moment)
        | Exists(FollowUp.objects.filter(comment=OuterRef("pk"), updated_at__gte=moment))
    )


def public_policies():
    """Policies with at least one published remark on one of their items, each with only
    those items (``public_items``)."""
    published_items = PolicyItem.objects.filter(
        policy=OuterRef("pk"), comments__in=Comment.objects.published()
    )
    return (
        Policy.objects.filter(Exists(published_items))
        .prefetch_related(
            Prefetch("items", queryset=selectors.public_policy_items(), to_attr="public_items")
        )
        .order_by("title")
    )
