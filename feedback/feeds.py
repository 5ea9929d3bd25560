"""Atom feeds of published changes: new 資料, answers and follow-ups, and each change to them.

One feed for the site and one per committee, member, policy item, meeting and remark
(``feedback/urls.py``). Every entry is about records that are public *now*, reached through
``published()``: a 資料 that is published, the answer and follow-ups of a published remark.

Each public change is an entry of its own, read from the records' history (django-simple-history):

- the answer (市の考え方 with its 対応区分) and every follow-up (対応状況) as they stood when the
  remark was published, dated by that publication (``published_at``);
- after it, every saved change: the answer revised, its 対応区分 changed, a follow-up added or
  corrected, dated by the save (``history_date``), saying what changed (before → after).

Only history written after the remark's latest publication is read: what was typed while it was
a draft, or while it was withdrawn, never appears (the state at publication stands for it). A
proposal (変更案, ``feedback.review``) writes no history until an approver applies it, and is
dated by that approval. A follow-up deleted since is left out with its entries. Records that have
no history (loaded from a fixture) appear once, with their current text, as before.

Every feed is wrapped in ``publication.cache.public_page`` (ETag/304 and the page cache).
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import EmptyResultSet
from django.db.models import BooleanField, Exists, Expression, F, OuterRef
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from feedback import search, selectors, summaries, wareki
from feedback.models import (
    CityResponse,
    Comment,
    FollowUp,
    ReflectionCategory,
    Report,
    ReportEntry,
)

FEED_ENTRIES = 50
ATOM_TYPE = "application/atom+xml"

# The public detail pages that have a feed of their own: URL name → feed URL name.
PAGE_FEEDS = {
    "committee-detail": "committee-feed",
    "member-detail": "member-feed",
    "policy-item-detail": "policy-item-feed",
    "meeting-detail": "meeting-feed",
    "comment-detail": "comment-feed",
}


@dataclass(frozen=True)
class Entry:
    key: str
    title: str
    link: str
    updated: datetime
    summary: str
    # At the same instant the 資料 comes first (it announces the rest), then follow-ups, then
    # answers, each newest record first.
    rank: int = 0
    pk: int = 0
    # The entry's Atom id when it is not its link (a change: several entries share a link).
    guid: str = ""


def _html(text):
    """Atom's ``summary type="html"``: the plain text escaped, so markup in it stays text."""
    return linebreaks(escape(text))


def _histories(model, **lookup):
    """History records of ``model`` rows, oldest first, by the row's primary key."""
    key = model._meta.pk.attname
    by_row = {}
    for record in model.history.filter(**lookup).order_by("history_date", "history_id"):
        by_row.setdefault(getattr(record, key), []).append(record)
    return by_row


# ``before`` of a change whose previous state has no history record.
UNKNOWN = object()


def timeline(records, published_at):
    """The public states of one record: ``(state, before, when)`` for its state when its remark
    was published (``before`` None, ``when`` the publication), then each save after that
    (``before`` the state it replaced; None when the record was created after publication;
    ``UNKNOWN`` when it has no history before the change).

    ``records`` are its history records, oldest first. Saves before ``published_at`` are the
    draft's (or a withdrawn remark's) and only the last of them, the published state, is used.
    """
    public = []
    baseline = None
    for record in records:
        if record.history_date <= published_at:
            baseline = record
            continue
        if record.history_type == "-":
            break
        if not public and baseline is not None:
            public.append((baseline, None, published_at))
        # Without an earlier state, a "~" record changed a record that has no history before
        # it (loaded from a fixture): a change all the same, from a text history cannot give.
        before = public[-1][0] if public else (UNKNOWN if record.history_type == "~" else None)
        public.append((record, before, record.history_date))
    if not public and baseline is not None:
        public.append((baseline, None, published_at))
    return public


def _category_name(names, category_id):
    return names.get(category_id) or _("区分なし")


def _answer_entries(responses, histories, names):
    for response in responses:
        comment = response.comment
        url = comment.get_absolute_url()
        states = timeline(histories.get(comment.pk, []), comment.published_at) or [
            (response, None, response.visible_at)
        ]
        for state, before, when in states:
            if before is None:
                if not state.body:
                    continue
                yield Entry(
                    key=f"response-{comment.pk}",
                    title=_("市の考え方（%(category)s）: %(comment)s")
                    % {"category": _category_name(names, state.category_id), "comment": comment},
                    link=f"{url}#answer",
                    updated=when,
                    summary=_html(state.body),
                    pk=comment.pk,
                )
                continue
            changes, lines = [], []
            if before is UNKNOWN:
                changes.append(_("市の考え方を改訂"))
                lines.append(
                    _("対応区分: %(category)s")
                    % {"category": _category_name(names, state.category_id)}
                )
                lines.append(_("改訂後の市の考え方:\n%(body)s") % {"body": state.body})
            elif state.category_id != before.category_id:
                old = _category_name(names, before.category_id)
                new = _category_name(names, state.category_id)
                changes.append(_("対応区分を変更（%(old)s → %(new)s）") % {"old": old, "new": new})
                lines.append(_("対応区分: %(old)s → %(new)s") % {"old": old, "new": new})
            if before is not UNKNOWN and state.body != before.body:
                changes.insert(0, _("市の考え方を改訂"))
                lines.append(_("改訂後の市の考え方:\n%(body)s") % {"body": state.body})
                lines.append(_("改訂前の市の考え方:\n%(body)s") % {"body": before.body})
            if not changes:
                continue  # saved without a visible change
            yield Entry(
                key=f"response-{comment.pk}-{state.history_id}",
                title=_("%(changes)s: %(comment)s")
                % {"changes": "・".join(changes), "comment": comment},
                link=f"{url}#answer",
                updated=when,
                summary=_html("\n\n".join(lines)),
                pk=state.history_id,
                guid=f"{url}#answer-change-{state.history_id}",
            )


def _recorded_on(day):
    return wareki.format_date(day) if day else _("日付なし")


def _follow_up_entries(follow_ups, histories):
    for follow_up in follow_ups:
        comment = follow_up.comment
        url = comment.get_absolute_url()
        link = f"{url}#follow-up-{follow_up.pk}"
        states = timeline(histories.get(follow_up.pk, []), comment.published_at) or [
            (follow_up, None, follow_up.visible_at)
        ]
        for state, before, when in states:
            if before is None:
                # Public with the remark, or added after it was published.
                template = (
                    _("対応状況: %(comment)s")
                    if when == comment.published_at or not hasattr(state, "history_id")
                    else _("対応状況を追加: %(comment)s")
                )
                yield Entry(
                    key=f"follow-up-{follow_up.pk}",
                    title=template % {"comment": comment},
                    link=link,
                    updated=when,
                    summary=_html(state.body),
                    rank=1,
                    pk=follow_up.pk,
                )
                continue
            lines = []
            if before is UNKNOWN:
                lines.append(_("修正後の対応状況:\n%(body)s") % {"body": state.body})
            elif state.recorded_on != before.recorded_on:
                lines.append(
                    _("記録日: %(old)s → %(new)s")
                    % {
                        "old": _recorded_on(before.recorded_on),
                        "new": _recorded_on(state.recorded_on),
                    }
                )
            if before is not UNKNOWN and state.body != before.body:
                lines.append(_("修正後の対応状況:\n%(body)s") % {"body": state.body})
                lines.append(_("修正前の対応状況:\n%(body)s") % {"body": before.body})
            if not lines:
                continue
            yield Entry(
                key=f"follow-up-{follow_up.pk}-{state.history_id}",
                title=_("対応状況を修正: %(comment)s") % {"comment": comment},
                link=link,
                updated=when,
                summary=_html("\n\n".join(lines)),
                rank=1,
                pk=state.history_id,
                guid=f"{link}-change-{state.history_id}",
            )


def _visible_at(row):
    return max(row.updated_at, row.comment.published_at)


def latest_changed(rows, *, limit):
    """The ``limit`` answers or follow-ups of ``rows`` that became visible last, newest first,
    each with ``visible_at``: the later of its last save and its remark's publication, ties by
    primary key, newest first.

    Ordering the rows by that expression in SQL would sort them all (it spans two tables, so
    no index serves it). Instead two limited reads, each along an index, are merged here:

    - the ``limit`` last saved (``updated_at``, pk): every row whose ``visible_at`` is its own
      save and that belongs in the answer is among them, since any row before it in the answer's
      order was saved no earlier (with a larger pk at the same instant) and so comes before it
      here too;
    - the ``limit`` last published (the remark's ``published_at``, pk) among the rows published
      no earlier than the oldest ``visible_at`` of the first read: the same argument for a row
      whose ``visible_at`` is its remark's publication; such a row that is not in the first read
      became visible no earlier than that oldest one, or it could not outrank all fifty. That
      bound keeps the read small when one 資料's publication gave thousands of remarks the same
      ``published_at``: rows saved after it never reach that group.
    """
    rows = rows.select_related("comment__meeting__committee").defer(
        *(f"comment__{column}" for column in search.SEARCH_COLUMNS)
    )
    found = {row.pk: row for row in rows.order_by("-updated_at", "-pk")[:limit]}
    if len(found) == limit:
        since = min(_visible_at(row) for row in found.values())
        for row in rows.filter(comment__published_at__gte=since).order_by(
            "-comment__published_at", "-pk"
        )[:limit]:
            found.setdefault(row.pk, row)
    for row in found.values():
        row.visible_at = _visible_at(row)
    return sorted(found.values(), key=lambda row: (row.visible_at, row.pk), reverse=True)[:limit]


#: The most remarks a feed reads the ids of before its answers and follow-ups (``_remarks``).
FEED_REMARK_IDS = 5_000


def _remarks(remarks, *, walk):
    """The published remarks that match ``remarks`` (lookups on Comment), as ``_of_remarks``
    takes them: their ids, read first through their object's index, when they are a few (a
    member's, an item's, a meeting's, one: at most ``FEED_REMARK_IDS``); otherwise (``walk``:
    all of them, a committee's fifth; or more than that many) the queryset itself."""
    comments = Comment.objects.published().filter(**remarks)
    if walk:
        return comments
    ids = list(comments.order_by().values_list("pk", flat=True)[: FEED_REMARK_IDS + 1])
    return comments if len(ids) > FEED_REMARK_IDS else ids


def _of_remarks(model, comments):
    """``model``'s rows (answers, follow-ups, 資料 entries) of ``comments`` (``_remarks``).

    A list of ids is run over by the rows' index on their remark, and those rows sorted: a
    subquery in its place let PostgreSQL walk every answer newest first, asking each whether
    its remark was the member's (6,000 rows for 50 at 100,000 remarks). Many remarks (a
    queryset) are too many to run over: each row, read newest first along the row's own
    index, asks whether its remark is one of them (``EXISTS``), and the LIMIT stops the walk.
    """
    if isinstance(comments, list):
        return model.objects.filter(IdsIn("comment_id", comments))
    return model.objects.filter(Exists(comments.filter(pk=OuterRef("comment"))))


class IdsIn(Expression):
    """``column IN (3, 5, …)``, the ids written into the SQL: what ``column__in=ids`` makes,
    without a parameter each. Django prepares every value of an ``__in`` list one by one; for a
    member's 1,133 remarks at 100,000 that took 4–7 ms a query, five queries a feed. The ids
    are primary keys read from the database, each written by ``int()``."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column, ids):
        super().__init__()
        self.column = F(column)
        self.ids = [int(pk) for pk in ids]

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, expressions):
        (self.column,) = expressions

    def as_sql(self, compiler, connection):
        if not self.ids:
            raise EmptyResultSet
        column, params = compiler.compile(self.column)
        return f"{column} IN ({', '.join(map(str, self.ids))})", params


def entries(remarks, *, walk=False, reports=None, limit=FEED_ENTRIES):
    """The latest public changes about the published remarks that match ``remarks`` (lookups
    on Comment; empty for all), newest first; ``walk`` when they are many (``_of_remarks``).

    ``reports`` are the published 資料 to announce; by default those listing any of them.
    The answers and follow-ups read are the ``limit`` most recently changed of each (their last
    change is their newest entry); their history gives one entry per public change.
    At most eight queries, each limited (``latest_changed``), then merged.
    """
    comments = _remarks(remarks, walk=walk)
    if reports is None:
        reports = Report.objects.published().filter(
            Exists(_of_remarks(ReportEntry, comments).filter(report=OuterRef("pk")))
        )
    found = []
    for report in reports.order_by("-published_at", "-pk")[:limit]:
        found.append(
            Entry(
                key=f"report-{report.pk}",
                title=_("資料を公開しました: %(label)s %(title)s")
                % {"label": report.label, "title": report.title},
                link=report.get_absolute_url(),
                updated=report.published_at,
                summary=_html(report.remarks_heading),
                rank=2,
                pk=report.pk,
            )
        )
    responses = latest_changed(_of_remarks(CityResponse, comments).exclude(body=""), limit=limit)
    follow_ups = latest_changed(_of_remarks(FollowUp, comments), limit=limit)
    names = dict(ReflectionCategory.objects.values_list("pk", "name"))
    found += _answer_entries(
        responses,
        _histories(CityResponse, comment_id__in=[r.comment_id for r in responses]),
        names,
    )
    found += _follow_up_entries(follow_ups, _histories(FollowUp, id__in=[f.pk for f in follow_ups]))
    found.sort(key=lambda entry: (entry.updated, entry.rank, entry.pk), reverse=True)
    return found[:limit]


class ChangesFeed(Feed):
    """The whole site's published changes."""

    feed_type = Atom1Feed
    language = "ja"
    # Many remarks: walk the changes newest first (``_of_remarks``).
    walk = True

    def scope(self, obj):
        """The published remarks this feed is about, as lookups on Comment (all of them)."""
        return {}

    def scope_reports(self, obj):
        return None

    def name(self, obj):
        return settings.SITE_TITLE

    def page_url(self, obj):
        return reverse("feedback:report-list")

    def title(self, obj):
        return _("%(name)s の更新情報") % {"name": self.name(obj)}

    def subtitle(self, obj):
        return _(
            "公開された資料、市の考え方の改訂と対応区分の変更、対応状況の追加と修正を、"
            "変更ごとにお知らせします。"
        )

    def link(self, obj):
        return self.page_url(obj)

    def feed_guid(self, obj):
        return self.request.build_absolute_uri(self.request.path)

    def author_name(self):
        return settings.SITE_TITLE

    def get_object(self, request, *args, **kwargs):
        self.request = request
        return None

    def items(self, obj):
        return entries(self.scope(obj), walk=self.walk, reports=self.scope_reports(obj))

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.link

    # The entry's link is its id (a fragment per answer and follow-up, the same in every feed
    # that lists it); a change has an id of its own, as several changes share a link.

    def item_guid(self, item):
        return self.request.build_absolute_uri(item.guid or item.link)

    def item_updateddate(self, item):
        return item.updated

    def item_pubdate(self, item):
        return item.updated


class ObjectFeed(ChangesFeed):
    """The changes about one public object: its published remarks only."""

    queryset = None
    comment_filter = ""
    walk = False

    def get_object(self, request, pk):
        self.request = request
        return get_object_or_404(self.queryset(), pk=pk)

    def scope(self, obj):
        return {self.comment_filter: obj}

    def scope_reports(self, obj):
        return summaries.reports_listing(self.comment_filter, obj)

    def name(self, obj):
        return str(obj)

    def page_url(self, obj):
        return obj.get_absolute_url()


class CommitteeFeed(ObjectFeed):
    comment_filter = "meeting__committee"
    walk = True

    def queryset(self):
        return selectors.public_committees()


class MemberFeed(ObjectFeed):
    comment_filter = "member"

    def queryset(self):
        return selectors.public_members()


class PolicyItemFeed(ObjectFeed):
    comment_filter = "policy_item"

    def queryset(self):
        return selectors.public_policy_items()


class MeetingFeed(ObjectFeed):
    comment_filter = "meeting"

    def queryset(self):
        return selectors.public_meetings()


class CommentFeed(ObjectFeed):
    def scope(self, obj):
        return {"pk": obj.pk}

    def scope_reports(self, obj):
        # The 資料 listing one remark: found by its rows (the index on the remark).
        return None

    def queryset(self):
        return Comment.objects.published().select_related("meeting__committee", "member")

    def name(self, obj):
        return _("%(comment)s（%(member)s）") % {"comment": obj, "member": obj.member.display_name}


def page_feed(request):
    """Template context: the Atom feed of the page being shown (its own, or the site's)."""
    match = getattr(request, "resolver_match", None)
    site_feed = reverse("feedback:feed")
    if match is not None and match.namespace == "feedback" and match.url_name in PAGE_FEEDS:
        url = reverse(f"feedback:{PAGE_FEEDS[match.url_name]}", kwargs=match.kwargs)
        return {"page_feed_url": url, "site_feed_url": site_feed}
    return {"page_feed_url": None, "site_feed_url": site_feed}
