"""Keyword search over the public table's text, and highlighting of the matches.

Japanese has no spaces between words, so a keyword matches as a plain substring (「AI」 inside
「AIにより」); whitespace (half- or full-width) separates keywords that must all match. Both sides
are compared folded (``feedback.folding``: width, case, katakana/hiragana, small kana, long-vowel
marks, whitespace, itaiji), so 「dx」 finds 「ＤＸ」 and 「でじたる」 finds 「デジタル」.

The stored side is ``Comment.search_text``: one line per searchable text of the remark, each
folded. A folded keyword has no whitespace, so it never matches across two lines, and a search is
one ``contains`` per keyword on one column. ``refresh_search_text`` writes the column; every write
path calls it (see ``docs/domain.md``, "Search and folding").

An infix ``LIKE`` reads every row, and PostgreSQL's trigram index serves only keywords of three
characters or more, while Japanese keywords are often one or two (「市」, 「窓口」). So each remark
also stores ``Comment.search_bigrams`` (``bigrams_of``): every two-character piece of each line
of its search text, and each line's last character. Any keyword of two characters or more is
made of such pieces, and a one-character keyword starts one, so the remarks that hold all the
pieces of every keyword (a prefix match for one character) include every remark that matches.
The index narrows the rows to those; the ``LIKE`` then decides, so the results are the
``LIKE``'s by construction. On PostgreSQL the index is a GIN index over a stored generated
column, ``array_to_tsvector(string_to_array(search_bigrams, ' '))`` (no text-search parser in
between, so no locale or punctuation rule can split a piece); on SQLite an FTS5 table over the same
column (``ascii`` tokenizer with every printable ASCII character a token character), kept in
step by triggers (migration 0008), with a prefix index of one character (migration 0023) so that
a one-character keyword reads one list instead of merging every piece it starts.

Only published remarks must hold their pieces (``Comment``'s constraint
``comment_published_indexed``): the import leaves them out of the drafts it adds, and
publishing writes them (``services._publish_comments``, as ``Comment.save`` does for a draft
saved on its own), so an import does not index thousands of rows that publishing indexes
again. A query whose rows are published remarks only (the public pages, the API) reads the
index as it is; any other (the admin's) also tests the drafts without pieces, found through a
partial index of the remarks whose ``search_bigrams`` is empty (``unindexed``), by the ``LIKE``
alone.

Whether the index is worth reading depends on how many remarks match. A keyword in few remarks
is found through the index and its matches are sorted for the page; a keyword in most remarks
(「市」, 「窓口」, 「電子化」 in a tenth of them) is cheaper found by walking the remarks in the
page's order (or a member's or item's remarks) and testing each until the page is full. So a
caller that has counted many matches asks for the condition without the index (``common``),
and the count itself reads the index only where it pays (``index_pays``): PostgreSQL's planner
weighs the GIN index from its statistics; SQLite keeps none for an FTS table and always starts
from it, so there its candidates are counted first, stopped by a ``LIMIT``.

Without the index, SQLite's planner walks the page's order by itself. PostgreSQL's costs a
``LIKE`` as one cheap operator, while each test reads and decompresses a ~2 kB text, so it would
rather filter the whole table once than walk; ``common`` terms are therefore tested there with
``feedback_search_contains`` (migration 0023: ``strpos(…) > 0``, the same substring test,
declared ``COST 100``), which makes the walk its choice.
"""

import functools
import operator
import re
from collections import defaultdict

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from feedback.folding import fold, fold_with_map, keeps_positions

MAX_KEYWORDS = 5
#: Between the folded texts of ``search_text``: whitespace, which ``fold`` removes from each text.
SEPARATOR = "\n"
#: Between the pieces of ``search_bigrams``: a folded text has no whitespace.
BIGRAM_SEPARATOR = " "
#: PostgreSQL's stored ``tsvector`` of ``Comment.search_bigrams`` (migration 0008).
INDEX_COLUMN = "search_index"
#: The SQLite FTS5 table over ``Comment.search_bigrams`` (migration 0008).
FTS_TABLE = "feedback_comment_search"
#: On SQLite, how many candidates the FTS table may list for the count to start from it (a
#: ``LIMIT`` stops it at the first thousand or so matches), and the same when a member or a
#: policy item already narrows the rows (their own index then starts: each has about a thousand
#: remarks at 100,000; a 対応区分 has one in seven, no narrower than the FTS table, so it does not
#: count here). At 100,000 remarks 「電子化」 lists 10,169, 「窓口」 61,199.
SQLITE_INDEX_LIMITS = {"alone": 20_000, "narrowed": 1_000}
#: PostgreSQL's substring test for ``common`` terms (migration 0023, module docstring).
CONTAINS_FUNCTION = "feedback_search_contains"
#: The remarks without index pieces (``Comment.Meta.indexes``: a partial index of their ids),
#: written out on SQLite, which matches a partial index's condition only as written.
UNINDEXED_CONDITION = "search_bigrams = ''"
#: The derived texts of ``Comment`` no row shows: ~5 kB a remark, left out of the rows a page
#: reads so that neither a sort nor the page carries them.
SEARCH_COLUMNS = ("search_text", "search_bigrams")
#: Remarks read and written per round by ``refresh_search_text``.
REFRESH_BATCH_SIZE = 2000


def keywords(value):
    """The keywords of a search string: split on any whitespace, at most ``MAX_KEYWORDS``."""
    return [word for word in re.split(r"\s+", value or "") if word][:MAX_KEYWORDS]


def search_terms(value):
    """The folded keywords of a search string, without repeats or keywords that fold to nothing."""
    return [term for term in dict.fromkeys(fold(word) for word in keywords(value)) if term]


def bigrams_of(search_text):
    """The index pieces of a stored search text: each two-character piece of each line and
    each line's last character, without repeats, sorted, separated by ``BIGRAM_SEPARATOR``."""
    pieces = set()
    for line in search_text.split(SEPARATOR):
        # Each character joined to the next (map over two strings: no slice per character).
        pieces.update(map(operator.add, line, line[1:]))
        if line:
            pieces.add(line[-1])
    return BIGRAM_SEPARATOR.join(sorted(pieces))


def _indexable(term):
    # SQLite's ascii tokenizer splits on ASCII control characters (they are not token
    # characters); a keyword holding one is left to the LIKE alone.
    return not any(ord(char) < 0x20 or ord(char) == 0x7F for char in term)


def index_pieces(term):
    """The pieces a remark matching the folded keyword ``term`` holds, and whether the one
    piece is a prefix (a one-character keyword)."""
    if len(term) == 1:
        return [term], True
    return sorted({term[index : index + 2] for index in range(len(term) - 1)}), False


def _quoted(piece, quote, escape=""):
    if escape:
        piece = piece.replace(escape, escape * 2)
    return quote + piece.replace(quote, quote * 2) + quote


def postgresql_query(terms):
    """The ``tsquery`` (as its text) that the bigram index answers for these folded terms."""
    parts = []
    for term in terms:
        pieces, prefix = index_pieces(term)
        parts.extend(_quoted(piece, "'", "\\") + (":*" if prefix else "") for piece in pieces)
    return " & ".join(parts)


def sqlite_query(terms):
    """The FTS5 query that the bigram table answers for these folded terms."""
    parts = []
    for term in terms:
        pieces, prefix = index_pieces(term)
        parts.extend(_quoted(piece, '"') + ("*" if prefix else "") for piece in pieces)
    return " AND ".join(parts)


class BigramIndexMatch(Func):
    """True for the remarks whose ``search_bigrams`` hold every index piece of ``terms``: the
    candidates, found through the index; never the final answer (see the module's docstring).

    ``drives=False``: on SQLite the candidates only test the rows, they do not choose them
    (``+rowid IN (…)``, which SQLite's planner cannot read as a list of rows to start from), so
    that a query with an ``ORDER BY`` and a ``LIMIT`` walks its order's index and stops after
    its page instead of sorting every candidate (``keyword_condition(ordered=True)``).

    ``unindexed``: the rows may include drafts without pieces (module docstring); those are
    candidates too, listed once from their partial index."""

    output_field = BooleanField()

    def __init__(self, terms, *, drives=True, unindexed=False):
        self.terms = tuple(terms)
        self.drives = drives
        self.unindexed = unindexed
        super().__init__(F("pk"), F("search_bigrams"))

    def as_sql(self, compiler, connection, **extra_context):
        # No index on other databases: no narrowing, the LIKE alone decides.
        return "1 = 1", []

    def as_postgresql(self, compiler, connection, **extra_context):
        # search_index: the stored tsvector of search_bigrams (migration 0008), a column of the
        # same table the model does not declare; named through the remark's alias in the query.
        # Compiled like any other column, so the alias is the one this (sub)query uses.
        quote = connection.ops.quote_name
        bigrams, params = compiler.compile(self.source_expressions[1])
        column = bigrams.replace(quote("search_bigrams"), quote(INDEX_COLUMN))
        sql = f"{column} @@ %s::tsquery"
        if self.unindexed:
            # The row's own column, so that the planner joins the GIN index and the partial
            # one in one bitmap (a list of ids from a subquery would make it read every row);
            # an empty text is told by its length, without reading a long one.
            sql = f"({sql} OR {bigrams} = '')"
        return sql, [*params, postgresql_query(self.terms)]

    def as_sqlite(self, compiler, connection, **extra_context):
        pk, params = compiler.compile(self.source_expressions[0])
        if not self.drives:
            pk = f"+{pk}"  # SQLite's documented way to keep a term from choosing the index
        # The column comes from the compiler and the table name is a constant; the keyword is
        # a bound parameter.
        sql = f"{pk} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"  # nosec B608
        params = [*params, sqlite_query(self.terms)]
        if self.unindexed:
            # The ids read once from the partial index (SQLite would read each row's ~2 kB of
            # pieces to compare them with ''); the table name is the model's.
            model = self.source_expressions[0].target.model
            table = connection.ops.quote_name(model._meta.db_table)
            unindexed = f"SELECT id FROM {table} WHERE {UNINDEXED_CONDITION}"  # nosec B608
            sql = f"({sql} OR {pk} IN ({unindexed}))"
        return sql, params


def index_pays(value, *, narrowed=False):
    """Whether counting the matches of ``value`` should read the index (module docstring):
    on PostgreSQL always (its planner weighs it); on SQLite when the FTS table lists at most
    ``SQLITE_INDEX_LIMITS`` candidates (one query, stopped by its ``LIMIT``). ``narrowed``: a
    member or policy item is given too (``selectors.NARROWING_FILTERS``)."""
    terms = [term for term in search_terms(value) if _indexable(term)]
    if not terms or connection.vendor != "sqlite":
        return True
    limit = SQLITE_INDEX_LIMITS["narrowed" if narrowed else "alone"]
    with connection.cursor() as cursor:
        # The table name is a constant; the query is a bound parameter.
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT rowid FROM {FTS_TABLE} "  # nosec B608
            f"WHERE {FTS_TABLE} MATCH %s LIMIT %s)",
            [sqlite_query(terms), limit + 1],
        )
        (candidates,) = cursor.fetchone()
    return candidates <= limit


class CostlyContains(Func):
    """PostgreSQL: ``search_text`` contains ``term`` (``strpos``), through a function declared
    costly, so that the planner walks the page's order rather than test every row."""

    function = CONTAINS_FUNCTION
    output_field = BooleanField()

    def __init__(self, term):
        super().__init__(F("search_text"), Value(term))


def _contains(term, *, common):
    if common and connection.vendor == "postgresql":
        return Q(CostlyContains(term))
    return Q(search_text__contains=term)


def keyword_condition(value, *, common=False, ordered=False, published=False):
    """A condition on ``Comment``: every keyword occurs, folded, in ``search_text``; the
    bigram index finds the candidates (``BigramIndexMatch``), the ``LIKE`` decides.
    ``published``: the rows are published remarks only, which all hold their index pieces, so
    the drafts without them need not be looked for (module docstring). ``common``:
    the keywords are known to match many remarks, so the index is left out and the rows are
    walked in their order (module docstring). ``ordered``: only the first rows in the query's
    order are wanted and nothing is counted (the admin's autocomplete): on SQLite the rows are
    walked in that order, the index testing each before its text is read, and the walk stops
    after the page; one keystroke (「市」) lists almost every remark, which would otherwise all
    be sorted. The same rows either way; PostgreSQL's planner chooses for itself."""
    terms = search_terms(value)
    condition = Q()
    indexed = [term for term in terms if _indexable(term)]
    if indexed and not common:
        condition &= Q(BigramIndexMatch(indexed, drives=not ordered, unindexed=not published))
    for term in terms:
        condition &= _contains(term, common=common)
    return condition


def matches(search_text, value):
    """What ``keyword_condition`` selects, in Python: the reference the tests compare with."""
    return all(term in search_text for term in search_terms(value))


def search_text_of(
    *, body, response="", category="", follow_ups=(), member="", member_name="", item=""
):
    """The stored search text of one remark: what a citizen can search, folded, one per line.

    ``member`` is the member as printed (「秋山委員」) and ``member_name`` the bare name (「秋山」).
    The remark's body is always the first line (``with_body_line``).
    """
    lines = [fold(body)]
    lines += [fold(response)] if response else []
    lines += [_fold_label(category)] if category else []
    lines += [fold(text) for text in follow_ups if text]
    lines += [_fold_label(text) for text in (member, member_name, item) if text]
    return SEPARATOR.join(lines)


@functools.lru_cache(maxsize=4096)
def _fold_label(text):
    """``fold`` of a category, a member or a 対象項目: the same few on every row of an import."""
    return fold(text)


def with_body_line(search_text, body):
    """``search_text`` with its first line made from ``body``, and its bigrams: what
    ``Comment.save`` stores, so a remark saved on its own is found by its new text without
    reading the related records (their lines are ``refresh_search_text``'s)."""
    _old, separator, others = search_text.partition(SEPARATOR)
    text = fold(body) + separator + others
    return text, bigrams_of(text)


def refresh_search_text(comment_ids):
    """Rewrite ``Comment.search_text`` of these remarks (ids, or a QuerySet of remarks) from
    their current texts.

    Every write that changes what a remark's search text is made of calls this once, after the
    write: the services, the admin, the import, the loading commands, and renames of members,
    policy items and categories. Batched: two reads and a bulk update per
    ``REFRESH_BATCH_SIZE`` remarks, and only rows whose text changed are written (history and
    ``updated_at`` are left alone: the search text is derived, not an edit).
    """
    # Here, not at the top: feedback.models imports this module (with_body_line).
    from feedback.models import Comment, FollowUp, Member

    if isinstance(comment_ids, QuerySet) and comment_ids.model is Comment:
        comment_ids = comment_ids.values_list("pk", flat=True)
    ids = sorted({int(pk) for pk in comment_ids if pk is not None})
    for start in range(0, len(ids), REFRESH_BATCH_SIZE):
        batch = ids[start : start + REFRESH_BATCH_SIZE]
        follow_ups = defaultdict(list)
        for comment_id, body in (
            FollowUp.objects.filter(comment_id__in=batch)
            .order_by(*FollowUp._meta.ordering)
            .values_list("comment_id", "body")
        ):
            follow_ups[comment_id].append(body)
        changed = []
        for pk, current, body, name, role, item, response, category in (
            Comment.objects.filter(pk__in=batch)
            .order_by()
            .values_list(
                "pk",
                "search_text",
                "body",
                "member__name",
                "member__role",
                "policy_item__heading",
                "response__body",
                "response__category__name",
            )
        ):
            with translation.override("ja"):
                printed = Member(name=name, role=role).display_name
            text = search_text_of(
                body=body,
                response=response or "",
                category=category or "",
                follow_ups=follow_ups[pk],
                member=printed,
                member_name=name,
                item=item,
            )
            if text != current:
                changed.append(Comment(pk=pk, search_text=text, search_bigrams=bigrams_of(text)))
        # The write that made the text change raised the public change signal already.
        Comment._base_manager.bulk_update(changed, ["search_text", "search_bigrams"])


def highlight(text, value):
    """``text`` escaped, with every match of a keyword of ``value`` wrapped in ``<mark>``.

    Matching is done on the folded text and mapped back, so 「ＤＸ」 is marked for 「dx」 and the
    text is shown as stored.
    """
    text = str(text or "")
    terms = sorted(search_terms(value), key=len, reverse=True)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in terms))
    if keeps_positions(text):
        # Most texts: a folded character's place is its original's, no map to build.
        folded = fold(text)
        places = ((match.start(), match.end()) for match in pattern.finditer(folded))
    else:
        folded, spans = fold_with_map(text)
        places = (
            (spans[match.start()][0], spans[match.end() - 1][1])
            for match in pattern.finditer(folded)
        )
    marked = []
    for start, end in places:
        if marked and start < marked[-1][1]:
            # Two matches inside one original character (「㍻」 → 「平成」): one mark.
            marked[-1] = (marked[-1][0], max(end, marked[-1][1]))
        else:
            marked.append((start, end))
    parts, position = [], 0
    for start, end in marked:
        parts.append(escape(text[position:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    parts.append(escape(text[position:]))
    # Safe: every piece was escaped above.
    return mark_safe("".join(parts))  # nosec B308 B703
