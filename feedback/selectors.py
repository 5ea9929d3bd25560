"""Reads that span relations. Public code reaches data only through ``published()``."""

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery

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
from policy.models import Policy, PolicyItem
from publication.cache import page_cache

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


def report_comments(report, *, published_only=True):
    """The remarks a 資料 lists, in its printed order, ready for a table or a file.

    Public code keeps ``published_only``; staff exports (the meeting's handout is prepared
    before publication) pass ``False``.
    """
    comments = Comment.objects.filter(report_entries__report=report)
    if published_only:
        comments = comments.published()
    return comment_rows(comments).order_by("report_entries__position")


def published_comments():
    return comment_rows(Comment.objects.published())


def public_reports():
    return Report.objects.published().select_related("meeting__committee")


REPORT_ROWS_PER_PAGE = 100
# No 資料 has a million pages; a larger number would reach the database as an offset it cannot
# hold (beyond bigint on PostgreSQL).
MAX_PAGE_NUMBER = 1_000_000


class _CountedPaginator(Paginator):
    """A paginator whose count is already known, so it never runs a ``COUNT`` of its own."""

    def __init__(self, per_page, count):
        super().__init__([], per_page)
        self.__dict__["count"] = count


def latest_follow_up_body():
    """The 対応状況 a table prints (the last entry in ``FollowUp`` order), as a subquery."""
    return Subquery(
        FollowUp.objects.filter(comment=OuterRef("comment_id"))
        .order_by(F("recorded_on").desc(nulls_last=True), "-id")
        .values("body")[:1]
    )


class ReportPage(Page):
    """A page of a 資料's rows that knows where its neighbours start: ``previous_before`` and
    ``next_after`` are positions for ``?before=`` and ``?after=`` (``None`` at either end)."""

    def __init__(self, rows, number, paginator, *, previous_before, next_after):
        super().__init__(rows, number, paginator)
        self.previous_before, self.next_after = previous_before, next_after

    def has_next(self):
        return self.next_after is not None

    def has_previous(self):
        return self.previous_before is not None


def _position(value):
    try:
        position = int(value)
    except (TypeError, ValueError):
        return None
    return position if 0 <= position <= MAX_POSITION else None


# Positions are PositiveIntegerField (32-bit on every database).
MAX_POSITION = 2**31 - 1


def report_page(
    report,
    *,
    comments=None,
    number=1,
    after=None,
    before=None,
    total=None,
    per_page=REPORT_ROWS_PER_PAGE,
):
    """One page of a 資料's rows in printed order, in one query that does not grow with the 資料.

    The page is found by seeking on ``position`` (``after`` / ``before`` a position, or
    ``number="last"``), through the ``(report, position)`` unique index, so the 500th page
    costs what the first does. A page ``number`` (old links) still works, as an ``OFFSET``.
    ``comments`` narrows the rows to those remarks (a filter); by default every published one.
    ``total`` is the number of rows when the caller knows it (the 資料's category counts add up
    to it); otherwise it is counted in the same query (a scalar subquery, whatever the seek).
    Each entry carries ``latest_follow_up`` (text) instead of a prefetch of every follow-up.
    A page number past the end gives the last page; one over ``MAX_PAGE_NUMBER`` raises
    ``EmptyPage`` (the view answers 404).
    """
    matching = ReportEntry.objects.filter(
        report=report,
        comment__in=(comments if comments is not None else Comment.objects.published()),
    )
    entries = matching.select_related(
        *(f"comment__{relation}" for relation in ROW_RELATIONS)
    ).annotate(latest_follow_up=latest_follow_up_body())
    if total is None:
        entries = entries.annotate(
            matching=Subquery(
                matching.order_by().values("report").annotate(total=Count("pk")).values("total")
            )
        )
    after, before = _position(after), _position(before)
    last = number == "last"
    if after is None and before is None and not last:
        try:
            number = max(int(number), 1)
        except (TypeError, ValueError):
            number = 1
        if number > MAX_PAGE_NUMBER:
            raise EmptyPage(f"page {number} > {MAX_PAGE_NUMBER}")
    else:
        number = None

    def read(queryset, start=0):
        rows = list(queryset[start : start + per_page + 1])
        return rows[:per_page], len(rows) > per_page

    if after is not None:
        rows, more = read(entries.filter(position__gt=after).order_by("position"))
        earlier, later = bool(rows), more
    elif before is not None or last:
        backwards = entries.order_by("-position")
        if before is not None:
            backwards = backwards.filter(position__lt=before)
        rows, more = read(backwards)
        rows.reverse()
        earlier, later = more, bool(rows) and before is not None
    else:
        rows, more = read(entries.order_by("position"), (number - 1) * per_page)
        earlier, later = number > 1 and bool(rows), more
    count = total if total is not None else (rows[0].matching if rows else None)
    if not rows and ((number or 1) > 1 or after is not None or before is not None):
        # Past the end (or an ``after`` beyond the last row): the last page.
        if count is None:
            count = matching.count()
        if count:
            return report_page(
                report, comments=comments, number="last", total=count, per_page=per_page
            )
    count = count or 0
    return ReportPage(
        rows,
        number if number is not None else 1,
        _CountedPaginator(per_page, count),
        previous_before=rows[0].position if earlier else None,
        next_after=rows[-1].position if later else None,
    )


def report_category_counts(report, categories, *, version=None):
    """Counts per 対応区分 of a 資料's published rows: one ``GROUP BY`` query, kept beside the
    rendered pages (``publication.cache``) under ``version``, the request's public change
    stamp, so every other page of the same 資料 reads them from memory until something
    public changes (without ``version``, nothing is kept).

    Every category in ``categories`` is listed (zero included); rows without a category are
    counted under ``None``, listed only when there are some.
    """
    key = f"report-category-counts:{version!r}:{report.pk}".replace(" ", "")
    counts = page_cache().get(key) if version is not None else None
    if counts is None:
        counts = _report_category_counts(report)
        if version is not None:
            page_cache().set(key, counts)
    result = [(category, counts.get(category.pk, 0)) for category in categories]
    if counts.get(None):
        result.append((None, counts[None]))
    return result


def _report_category_counts(report):
    return {
        row["comment__response__category"]: row["total"]
        for row in ReportEntry.objects.filter(
            report=report, comment__in=Comment.objects.published()
        )
        .order_by()
        .values("comment__response__category")
        .annotate(total=Count("pk"))
    }


def report_members(report):
    """The members whose published remarks a 資料 lists, in 五十音順."""
    listed = Comment.objects.published().filter(report_entries__report=report)
    return (
        Member.objects.filter(Exists(listed.filter(member=OuterRef("pk"))))
        .select_related("committee")
        .order_by("name_kana", "name")
    )


def report_policy_items(report):
    """The policy items the published remarks of a 資料 are about."""
    listed = Comment.objects.published().filter(report_entries__report=report)
    return (
        PolicyItem.objects.filter(Exists(listed.filter(policy_item=OuterRef("pk"))))
        .select_related("policy")
        .order_by("policy__title", "order", "id")
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
    listed = Comment.objects.published().filter(report_entries__report=report)
    return Meeting.objects.filter(Exists(listed.filter(meeting=OuterRef("pk")))).select_related(
        "committee"
    )


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


def public_meeting_records():
    """Public meetings with what their page shows beside the remarks: attendees (出席委員)."""
    return public_meetings().prefetch_related(
        Prefetch("attendees", queryset=Member.objects.select_related("committee"))
    )


def meeting_public_member_ids(meeting):
    """Which of the meeting's attendees have a public page (a published remark)."""
    return set(
        Member.objects.filter(
            Exists(Comment.objects.published().filter(member=OuterRef("pk"))),
            attendance__meeting=meeting,
        ).values_list("pk", flat=True)
    )


def fiscal_year_counts(meetings):
    """The 年度 of ``meetings``, newest first, each with how many meetings it has."""
    counts = {}
    for meeting in meetings:
        counts[meeting.fiscal_year] = counts.get(meeting.fiscal_year, 0) + 1
    return sorted(counts.items(), reverse=True)


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


def reports_source_meetings(reports):
    """For each 資料 (by pk), the meetings its published remarks were made at: one query."""
    meetings = {report.pk: [] for report in reports}
    rows = (
        Meeting.objects.filter(
            comments__report_entries__report__in=[report.pk for report in reports],
            comments__in=Comment.objects.published(),
        )
        .annotate(report_id=F("comments__report_entries__report_id"))
        .select_related("committee")
        .order_by("report_id", "-fiscal_year", "-number")
        .distinct()
    )
    for meeting in rows:
        meetings[meeting.report_id].append(meeting)
    return meetings


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


def public_policies():
    """Policies with at least one published remark on one of their items, each with only
    those items (``public_items``)."""
    published_items = PolicyItem.objects.filter(
        policy=OuterRef("pk"), comments__in=Comment.objects.published()
    )
    return (
        Policy.objects.filter(Exists(published_items))
        .prefetch_related(Prefetch("items", queryset=public_policy_items(), to_attr="public_items"))
        .order_by("title")
    )


def report_rows(report):
    """A published 資料's published remarks in printed order, each with its ``position``."""
    return report_comments(report).annotate(position=F("report_entries__position"))


def changed_since(moment):
    """A condition on ``Comment``: the remark, its answer or one of its follow-ups was saved at
    or after ``moment`` (what a harvester needs to fetch again)."""
    return (
        Q(updated_at__gte=moment)
        | Q(response__updated_at__gte=moment)
        | Exists(FollowUp.objects.filter(comment=OuterRef("pk"), updated_at__gte=moment))
    )
