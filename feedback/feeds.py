"""Atom feeds of published changes: new 資料, new or changed answers, new follow-ups.

One feed for the site and one per committee, member, policy item, meeting and remark
(``feedback/urls.py``). Every entry is built from records that are public *now*, reached
through ``published()``: a 資料 that is published, the answer and follow-ups of a published
remark. An entry's date is when the public could first see that text (the later of its last
edit and its remark's publication), so a text written while its remark was a draft is dated by
the publication, and an answer edited after publication moves up as an updated entry (same
``id``, newer ``updated``). A record made public again after being withdrawn shows its current
text only; nothing is read from history, so no withdrawn or draft wording can reappear.

Every feed is wrapped in ``publication.cache.public_page`` (ETag/304 and the page cache).
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F
from django.db.models.functions import Greatest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from feedback import selectors
from feedback.models import CityResponse, Comment, FollowUp, Report

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


def _html(text):
    """Atom's ``summary type="html"``: the plain text escaped, so markup in it stays text."""
    return linebreaks(escape(text))


def entries(comments, *, reports=None, limit=FEED_ENTRIES):
    """The latest public changes about ``comments`` (published remarks), newest first.

    ``reports`` are the published 資料 to announce; by default those listing any of
    ``comments``. Three queries, each limited, then merged.
    """
    if reports is None:
        reports = Report.objects.published().filter(
            pk__in=Report.objects.filter(entries__comment__in=comments).values("pk")
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
    visible = Greatest(F("updated_at"), F("comment__published_at"))
    responses = (
        CityResponse.objects.filter(comment__in=comments)
        .exclude(body="")
        .select_related("comment__meeting__committee", "category")
        .annotate(visible_at=visible)
        .order_by("-visible_at", "-pk")[:limit]
    )
    for response in responses:
        comment = response.comment
        found.append(
            Entry(
                key=f"response-{comment.pk}",
                title=_("市の考え方（%(category)s）: %(comment)s")
                % {"category": response.category or _("区分なし"), "comment": comment},
                link=f"{comment.get_absolute_url()}#answer",
                updated=response.visible_at,
                summary=_html(response.body),
                pk=comment.pk,
            )
        )
    follow_ups = (
        FollowUp.objects.filter(comment__in=comments)
        .select_related("comment__meeting__committee")
        .annotate(visible_at=visible)
        .order_by("-visible_at", "-pk")[:limit]
    )
    for follow_up in follow_ups:
        comment = follow_up.comment
        found.append(
            Entry(
                key=f"follow-up-{follow_up.pk}",
                title=_("対応状況: %(comment)s") % {"comment": comment},
                link=f"{comment.get_absolute_url()}#follow-up-{follow_up.pk}",
                updated=follow_up.visible_at,
                summary=_html(follow_up.body),
                rank=1,
                pk=follow_up.pk,
            )
        )
    found.sort(key=lambda entry: (entry.updated, entry.rank, entry.pk), reverse=True)
    return found[:limit]


class ChangesFeed(Feed):
    """The whole site's published changes."""

    feed_type = Atom1Feed
    language = "ja"

    def scope(self, obj):
        """The published remarks this feed is about."""
        return Comment.objects.published()

    def scope_reports(self, obj):
        return None

    def name(self, obj):
        return settings.SITE_TITLE

    def page_url(self, obj):
        return reverse("feedback:report-list")

    def title(self, obj):
        return _("%(name)s の更新情報") % {"name": self.name(obj)}

    def subtitle(self, obj):
        return _("公開された資料、市の考え方の追加・変更、対応状況の追加をお知らせします。")

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
        return entries(self.scope(obj), reports=self.scope_reports(obj))

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.link

    # The entry's link is its id: unique (a fragment per answer and follow-up) and the same
    # in every feed that lists it.

    def item_updateddate(self, item):
        return item.updated

    def item_pubdate(self, item):
        return item.updated


class ObjectFeed(ChangesFeed):
    """The changes about one public object: its published remarks only."""

    queryset = None
    comment_filter = ""

    def get_object(self, request, pk):
        self.request = request
        return get_object_or_404(self.queryset(), pk=pk)

    def scope(self, obj):
        return Comment.objects.published().filter(**{self.comment_filter: obj})

    def name(self, obj):
        return str(obj)

    def page_url(self, obj):
        return obj.get_absolute_url()


class CommitteeFeed(ObjectFeed):
    comment_filter = "meeting__committee"

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
        return Comment.objects.published().filter(pk=obj.pk)

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
