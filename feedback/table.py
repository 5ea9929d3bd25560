"""The table's vocabulary: its seven columns, one row, one follow-up, and the rows of a 資料 or
of a search.

Everything that shows or reads the paper table speaks these words: the pages (through the one
``<tbody>``, the ``table_body`` tag of ``feedback_tags``), the files (``writers``,
``excel``), the 配布版 (``snapshots``) and the import (``importing`` finds the columns by their
titles and aliases). A row's cells are named by ``Column.key``, in the order of ``COLUMNS``.

The latest follow-up (what 対応状況 prints) is ``FollowUp.objects.latest_first()``: a subquery
on the 資料 page (``latest_follow_up_body``), a ``Prefetch`` for the lists and the files
(``load``).
"""

import datetime
from dataclasses import dataclass

from django.db.models import F, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce, Greatest

from feedback.models import FollowUp


@dataclass(frozen=True)
class Column:
    """A column of the paper table: its key (the row's field), the title printed over it, and
    the other titles the import also finds it by (the city's sheets vary)."""

    key: str
    title: str
    aliases: tuple[str, ...] = ()


# The seven columns of the paper table, in its order.
COLUMNS = (
    Column("number", "No.", ("No", "NO.", "NO", "№", "番号", "通番")),
    Column("member", "委員名", ("委員", "発言者")),
    Column("policy_item", "対象項目", ("項目", "該当箇所")),
    Column("remark", "意見、質問等", ("意見・質問等", "意見、質問", "意見等", "意見")),
    Column("response", "市の考え方", ("考え方", "市の回答")),
    Column("category", "対応区分", ("区分",)),
    Column("follow_up", "対応状況"),
)
# Lists over several meetings (and their files) name the meeting in a column before No.
MEETING_COLUMN = Column("meeting", "会議", ("会議名",))

TITLES = tuple(column.title for column in COLUMNS)
CELLS = tuple(column.key for column in COLUMNS)
# Column keys and the titles the import finds them by; the first title is the one we write.
IMPORT_TITLES = {
    column.key: (column.title, *column.aliases) for column in (MEETING_COLUMN, *COLUMNS)
}

# The relations every row reads, loaded with the remark (no query per row).
ROW_RELATIONS = (
    "member",
    "policy_item__policy",
    "meeting__committee",
    "response__category",
)
# Where ``load`` puts a remark's follow-ups, latest first.
FOLLOW_UPS = "follow_ups_latest_first"


@dataclass(frozen=True)
class FollowUpRow:
    """One entry of a remark's 対応状況 as the files give it."""

    recorded_on: str | None
    text: str


@dataclass(frozen=True, kw_only=True)
class TableRow:
    """One remark as the table prints it (``id`` and the seven cells), with what open data
    needs to cite it and what a page links and marks.

    A 配布版 row (``snapshots``) has the id and the cells only. ``changed_cells`` (keys of
    ``CELLS``) and ``added_since`` mark the 資料 page against its 配布版; a ``withdrawn`` row
    keeps its No. only.
    """

    id: int
    url: str = ""
    meeting: str = ""
    committee: str = ""
    fiscal_year: int | None = None
    meeting_number: int | None = None
    held_on: str | None = None
    number: int
    member: str
    policy: str = ""
    policy_item: str
    remark: str
    response: str
    category: str
    follow_up: str
    follow_ups: tuple[FollowUpRow, ...] = ()
    updated_at: datetime.datetime | None = None
    # For the pages only: links (none on a 配布版 row), marks.
    meeting_url: str = ""
    member_url: str = ""
    policy_item_url: str = ""
    changed_cells: frozenset = frozenset()
    added_since: bool = False
    withdrawn: bool = False

    @property
    def cells(self):
        """The seven printed cells, in the order of ``COLUMNS``."""
        return tuple(getattr(self, key) for key in CELLS)

    def printed(self):
        """The id and the seven cells by key: what a 配布版 keeps of the row."""
        return {"id": self.id, **dict(zip(CELLS, self.cells, strict=True))}


def latest_follow_up_body(comment="comment_id"):
    """The 対応状況 a table prints, as a subquery on the remark named by ``comment``."""
    return Subquery(
        FollowUp.objects.filter(comment=OuterRef(comment)).latest_first().values("body")[:1]
    )


def changed_at(comment="comment"):
    """When the row of the remark at ``comment`` (a path from the queried model) last changed:
    the latest of the remark, its answer and its follow-ups, as one expression (no query per
    row). What a page's 「最終更新日」 is made of."""
    prefix = f"{comment}__" if comment else ""
    follow_ups = FollowUp.objects.filter(comment=OuterRef(comment or "pk")).order_by("-updated_at")
    own = F(f"{prefix}updated_at")
    return Greatest(
        own,
        Coalesce(F(f"{prefix}response__updated_at"), own),
        Coalesce(Subquery(follow_ups.values("updated_at")[:1]), own),
    )


def updated_at(comment, follow_ups):
    """When the row of ``comment`` last changed: the latest save of the remark, its answer and
    ``follow_ups`` (its follow-ups, already read). ``changed_at`` for remarks in hand."""
    response = getattr(comment, "response", None)
    moments = [comment.updated_at, *([response.updated_at] if response else [])]
    return max([*moments, *(follow_up.updated_at for follow_up in follow_ups)])


def last_changed(rows):
    """The latest change among ``rows`` built from ``load`` (their ``updated_at``), or ``None``:
    a list page's 「最終更新日」."""
    return max((row.updated_at for row in rows if row.updated_at), default=None)


def load(comments):
    """``comments`` with everything ``rows`` reads: two queries whatever their number."""
    return comments.select_related(*ROW_RELATIONS).prefetch_related(
        Prefetch("follow_ups", queryset=FollowUp.objects.latest_first(), to_attr=FOLLOW_UPS)
    )


def rows(comments, *, links=False):
    """The rows of remarks loaded with ``load`` (a 資料's in printed order, a search's, a
    staff export's), in their order; no query per row. A page asks for ``links``."""
    return [_row(comment, getattr(comment, FOLLOW_UPS), links=links) for comment in comments]


def entry_row(entry):
    """The row of an entry of ``paging.report_page`` (its ``latest_follow_up`` annotated):
    the cells and links the 資料 page shows."""
    return _row(entry.comment, latest=entry.latest_follow_up or "", links=True)


def _row(comment, follow_ups=None, *, latest=None, links):
    """A remark's row. ``follow_ups`` (latest first) fill the file fields; a page row built
    from an annotated entry has only the ``latest`` text."""
    response = getattr(comment, "response", None)
    category = response.category if response else None
    meeting = comment.meeting
    item = comment.policy_item
    files = {}  # the fields beyond the cells, by who needs them
    if follow_ups is not None:
        latest = follow_ups[0].body if follow_ups else ""
        files = {
            "committee": meeting.committee.name,
            "fiscal_year": meeting.fiscal_year,
            "meeting_number": meeting.number,
            "held_on": meeting.held_on.isoformat() if meeting.held_on else None,
            "policy": item.policy.title,
            "follow_ups": tuple(
                FollowUpRow(
                    recorded_on=f.recorded_on.isoformat() if f.recorded_on else None, text=f.body
                )
                for f in reversed(follow_ups)
            ),
            "updated_at": updated_at(comment, follow_ups),
        }
    if links:
        files |= {
            "meeting_url": meeting.get_absolute_url(),
            "member_url": comment.member.get_absolute_url(),
            "policy_item_url": item.get_absolute_url(),
        }
    return TableRow(
        id=comment.pk,
        url=comment.get_absolute_url(),
        meeting=meeting.name,
        number=comment.number,
        member=comment.member.display_name,
        policy_item=item.heading,
        remark=comment.body,
        response=response.body if response else "",
        category=category.name if category else "",
        follow_up=latest,
        **files,
    )
