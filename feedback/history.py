"""A 資料 as it was presented, rebuilt from the django-simple-history tables.

Staff correct remarks, answers and follow-ups after a 資料 was handed out. The public page shows
the table as it stands now and, when it differs, the table as presented on ``presented_on``:

    rows_then = report_rows_as_presented(report)     # None when presented_on is empty
    rows_now = report_rows_current(report)
    changed = report_differs_from_presented(report)  # False when presented_on is empty

Both lists hold ``ReportRow`` values in printed order, so a template renders either the same way
and ``==`` compares them.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from feedback.models import (
    CityResponse,
    Comment,
    FollowUp,
    Member,
    ReflectionCategory,
    Report,
    ReportEntry,
)
from policy.models import PolicyItem


@dataclass(frozen=True)
class FollowUpRow:
    recorded_on: datetime.date | None
    body: str


@dataclass(frozen=True)
class ReportRow:
    """One printed row of a 資料: No., 委員名, 対象項目, 意見, 市の考え方, 対応区分, 対応状況."""

    position: int
    comment_id: int
    number: int
    member_name: str
    policy_item_heading: str
    body: str
    response_body: str
    category_name: str
    follow_ups: tuple[FollowUpRow, ...]

    @property
    def latest_follow_up(self):
        """The entry the table prints (the last one), or ``None``."""
        return self.follow_ups[-1] if self.follow_ups else None


def presented_at(report: Report) -> datetime.datetime | None:
    """The moment the as-presented table is taken at: the end of ``presented_on``, local time.

    Corrections made on the day of the meeting count as presented; from the next day on they
    are changes.
    """
    if report.presented_on is None:
        return None
    next_day = report.presented_on + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min)) - (
        datetime.timedelta(microseconds=1)
    )


def _by_pk(model, pks, when):
    source = model.history.as_of(when) if when is not None else model.objects
    # Filter on the original primary key's column: on a history table ``pk`` is history_id.
    lookup = f"{model._meta.pk.attname}__in"
    return {obj.pk: obj for obj in source.filter(**{lookup: set(pks)})}


def report_rows_as_of(report: Report, when: datetime.datetime | None) -> list[ReportRow]:
    """The rows of ``report`` as they stood at ``when`` (``None``: as they stand now).

    Reads the historical tables of ReportEntry, Comment, CityResponse, FollowUp, and of
    Member, PolicyItem and ReflectionCategory for the names. Records that did not exist yet at
    ``when`` are left out; a name missing from history falls back to the current one.
    """
    if when is None:
        entries = list(ReportEntry.objects.filter(report=report).order_by("position"))
    else:
        entries = sorted(
            ReportEntry.history.as_of(when).filter(report_id=report.pk),
            key=lambda entry: entry.position,
        )
    comment_ids = [entry.comment_id for entry in entries]
    comments = _by_pk(Comment, comment_ids, when)
    responses = _by_pk(CityResponse, comment_ids, when)
    follow_ups = {}
    source = FollowUp.history.as_of(when) if when is not None else FollowUp.objects
    for follow_up in sorted(
        source.filter(comment_id__in=comment_ids),
        # FollowUp's own ordering: undated entries first, then by date, then by id.
        key=lambda f: (f.recorded_on is not None, f.recorded_on or datetime.date.min, f.pk),
    ):
        follow_ups.setdefault(follow_up.comment_id, []).append(
            FollowUpRow(recorded_on=follow_up.recorded_on, body=follow_up.body)
        )
    present = [comments[pk] for pk in comment_ids if pk in comments]
    members = _names(Member, {c.member_id for c in present}, when, Member.display_name.fget)
    items = _names(PolicyItem, {c.policy_item_id for c in present}, when, str)
    categories = _names(
        ReflectionCategory,
        {r.category_id for r in responses.values() if r.category_id},
        when,
        str,
    )
    rows = []
    for entry in entries:
        comment = comments.get(entry.comment_id)
        if comment is None:
            continue
        response = responses.get(comment.pk)
        rows.append(
            ReportRow(
                position=entry.position,
                comment_id=comment.pk,
                number=comment.number,
                member_name=members.get(comment.member_id, ""),
                policy_item_heading=items.get(comment.policy_item_id, ""),
                body=comment.body,
                response_body=response.body if response else "",
                category_name=categories.get(response.category_id, "") if response else "",
                follow_ups=tuple(follow_ups.get(comment.pk, [])),
            )
        )
    return rows


def _names(model, pks, when, name):
    names = {pk: name(obj) for pk, obj in _by_pk(model, pks, None).items()}
    if when is not None:
        names.update({pk: name(obj) for pk, obj in _by_pk(model, pks, when).items()})
    return names


def report_rows_current(report: Report) -> list[ReportRow]:
    """The rows of ``report`` as they stand now, in the same shape as the historical ones."""
    return report_rows_as_of(report, None)


def report_rows_as_presented(report: Report) -> list[ReportRow] | None:
    """The rows as they stood at the end of ``report.presented_on``; ``None`` without a date."""
    when = presented_at(report)
    return None if when is None else report_rows_as_of(report, when)


def report_differs_from_presented(report: Report) -> bool:
    """Whether any row now differs from the 資料 as presented; ``False`` without a date."""
    presented = report_rows_as_presented(report)
    return presented is not None and presented != report_rows_current(report)
