"""Admin helpers for entering many remarks: short row labels and 和暦 meeting search.

- A 資料's rows and their autocomplete read 「No.3 芦川委員: 取組内容の…」 instead of the full
  meeting name, which is the same on every row and cut off before the part that differs.
- Meeting and remark searches understand 「令和3年度」「R3」「2021」「第1回」 (and 「No.3」 for
  remarks): ``Meeting.name`` is derived, so its words are not in any column to search.
"""

from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Q
from django.urls import reverse
from django.utils.text import Truncator

from feedback import permissions
from feedback.wareki import parse_meeting_terms

ROW_LABEL_BODY_CHARS = 30


def comment_row_label(comment):
    """「No.3 芦川委員: 取組内容の…」: No., member and the start of the remark (30 characters)."""
    body = Truncator(" ".join(comment.body.split())).chars(ROW_LABEL_BODY_CHARS)
    return f"No.{comment.number} {comment.member.display_name}: {body}"


class CommentRowAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete endpoint, answering with ``comment_row_label`` as the text (its
    member is read with the rows: ``CommentAdmin.autocomplete_select_related``)."""

    def serialize_result(self, obj, to_field_name):
        return {"id": str(getattr(obj, to_field_name)), "text": comment_row_label(obj)}


class CommentRowAutocomplete(AutocompleteSelect):
    """The remark autocomplete of a 資料's rows, asking ``CommentRowAutocompleteJsonView``."""

    def get_url(self):
        return reverse(f"{self.admin_site.name}:feedback_comment_row_autocomplete")


def meeting_term_filter(term, *, prefix=""):
    """The ``Q`` for what ``term`` says about a meeting (``None`` if it says nothing), and the
    rest of the term. ``prefix`` reaches the meeting from the searched model (``"meeting__"``).
    """
    terms = parse_meeting_terms(term)
    condition = Q()
    if terms.fiscal_year is not None:
        condition &= Q(**{f"{prefix}fiscal_year": terms.fiscal_year})
    if terms.number is not None:
        condition &= Q(**{f"{prefix}number": terms.number})
    if terms.comment_number is not None and prefix:
        condition &= Q(number=terms.comment_number)
    if not condition:
        return None, term
    return condition, terms.rest


def search_with_meeting_terms(search, request, queryset, term, *, prefix="", alone=None):
    """``ModelAdmin.get_search_results`` (``search``) widened by the meeting terms in ``term``.

    A record matches when the plain search finds the whole term (「2021」 in a text), or when
    it belongs to the meeting the term names and the plain search finds the rest of it.
    ``alone``: the search to use when the term names no meeting, so that its result is the list
    itself rather than one side of the widened ``OR`` (default: ``search``).
    """
    condition, rest = meeting_term_filter(term, prefix=prefix)
    if condition is None:
        return (alone or search)(request, queryset, term)
    # Both are used as pk subqueries, so their duplicates (joins to many) do not matter.
    by_text, _ = search(request, queryset, term)
    by_meeting, _ = search(request, queryset.filter(condition), rest)
    combined = queryset.filter(Q(pk__in=by_text.values("pk")) | Q(pk__in=by_meeting.values("pk")))
    return combined, False


PUBLISHED_READ_ONLY = (
    "公開済みのため、入力担当は変更できません。"
    "直す必要があるときは、承認者に資料を非公開にしてもらってから修正してください"
    "（公開中のまま直せるのはシステム管理者です）。"
)


def read_only_reason(user, obj):
    """Why ``user``, who may change such records, sees ``obj`` read-only; ``None`` otherwise.

    The rule itself is ``permissions.can_change``; this only names it for the editor.
    """
    opts = obj._meta
    may_change_drafts = user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
    if may_change_drafts and obj.is_published and not permissions.can_change(user, obj):
        return PUBLISHED_READ_ONLY
    return None
