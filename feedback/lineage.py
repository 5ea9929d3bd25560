"""A remark's life across meetings: 再掲 / 継続審議 links, open matters and the chain of events.

A remark (``Comment``) may continue an earlier one (``Comment.continues``). A matter stays
*open* until the answer of its latest remark has a category that closes it
(``ReflectionCategory.closes_matter``: 反映, 対応済); a remark that has been raised again is
represented by its continuation, so it is not listed as open itself.

Public code passes published remarks only: every query below starts from the queryset it is
given, so the draft rule stays in ``published()``.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from feedback import search
from feedback.models import Comment

# Chains are a handful of meetings long; the bound only stops a corrupt loop.
MAX_CHAIN = 100


def not_closed():
    """Remarks whose answer does not (yet) close the matter."""
    return (
        Q(response__isnull=True)
        | Q(response__category__isnull=True)
        | Q(response__category__closes_matter=False)
    )


def open_comments(comments, *, continuations):
    """``comments`` that are open: not closed and not raised again among ``continuations``."""
    return comments.filter(not_closed()).exclude(
        Exists(continuations.filter(continues=OuterRef("pk")))
    )


def committee_open_comments(committee, *, published_only=True):
    """A committee's open remarks, oldest meeting first. Public code keeps ``published_only``
    (a draft continuation does not close a published remark for readers); staff drafting the
    next meeting pass ``False``, so a remark already carried forward is not carried twice."""
    published = Comment.objects.published()
    continuations = published if published_only else Comment.objects.all()
    return (
        open_comments(published.filter(meeting__committee=committee), continuations=continuations)
        .select_related("meeting__committee", "member", "policy_item", "response__category")
        # Not the search columns: a sort of the open remarks would carry ~5 kB each.
        .defer(*search.SEARCH_COLUMNS)
        .order_by("meeting__fiscal_year", "meeting__number", "number")
    )


# The committee page lists this many of its open remarks, those that have waited longest; the
# rest are a link away (``views.CommitteeOpenRemarksView``), so the page stays one screen.
OPEN_REMARKS_SHOWN = 20


def with_age(comments):
    """``(remark, days since its meeting)`` for each of ``comments``, counted from today."""
    today = timezone.localdate()
    return [(comment, age_in_days(comment, today)) for comment in comments]


def age_in_days(comment, today=None):
    """Days since the meeting where the remark was made; ``None`` without a meeting date."""
    held_on = comment.meeting.held_on
    if held_on is None:
        return None
    return ((today or timezone.localdate()) - held_on).days


def chain(comment, *, comments):
    """The remarks of ``comment``'s matter, first raised first, as far as ``comments`` (a
    queryset, e.g. the published ones) reaches: a link through a remark outside it is not
    followed, so a draft never joins two public remarks."""
    by_pk = {}
    current = comment
    earlier = []
    while current.continues_id and len(earlier) < MAX_CHAIN:
        previous = comments.filter(pk=current.continues_id).first()
        if previous is None or previous.pk in by_pk:
            break
        by_pk[previous.pk] = previous
        earlier.append(previous)
        current = previous
    later = []
    current = comment
    while len(later) < MAX_CHAIN:
        following = (
            comments.filter(continues=current)
            .order_by("meeting__fiscal_year", "meeting__number", "number")
            .first()
        )
        if following is None or following.pk in by_pk or following.pk == comment.pk:
            break
        by_pk[following.pk] = following
        later.append(following)
        current = following
    return [*reversed(earlier), comment, *later]


@dataclass(frozen=True)
class Event:
    """One step of a matter's life, as the remark page lists it."""

    kind: str  # raised, raised-again, answered, followed-up, closed
    comment: Comment
    date: datetime.date | None
    text: str = ""
    category: object = None


def events(remarks):
    """raised → answered → followed up → raised again → … → closed, from ``chain()``'s remarks
    (already published). Each remark's answer and follow-ups are read with it."""
    remarks = (
        Comment.objects.filter(pk__in=[remark.pk for remark in remarks])
        .select_related("meeting__committee", "member", "response__category")
        .prefetch_related("follow_ups")
        .order_by("meeting__fiscal_year", "meeting__number", "number")
    )
    result = []
    for index, remark in enumerate(remarks):
        held_on = remark.meeting.held_on
        result.append(Event("raised-again" if index else "raised", remark, held_on, remark.body))
        response = getattr(remark, "response", None)
        if response is not None and response.is_answered:
            result.append(
                Event("answered", remark, held_on, response.body, category=response.category)
            )
        for follow_up in remark.follow_ups.all():
            result.append(Event("followed-up", remark, follow_up.recorded_on, follow_up.body))
        if response is not None and response.category and response.category.closes_matter:
            result.append(Event("closed", remark, None, category=response.category))
    return result


def comment_lineage(comment):
    """What a public remark page shows of its matter: published remarks only."""
    published = Comment.objects.published()
    remarks = chain(comment, comments=published)
    return {
        "continues": next(
            (remark for remark in remarks if remark.pk == comment.continues_id), None
        ),
        "continued_by": list(
            published.filter(continues=comment)
            .select_related("meeting__committee")
            .order_by("meeting__fiscal_year", "meeting__number", "number")
        ),
        "events": events(remarks) if len(remarks) > 1 else [],
    }
