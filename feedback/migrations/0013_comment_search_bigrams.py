"""``Comment.search_bigrams`` and the index over it that serves keywords of any length
(feedback/search.py explains the pieces and why the ``LIKE`` still decides).

- PostgreSQL: a stored generated column ``search_index``,
  ``array_to_tsvector(string_to_array(search_bigrams, ' '))``, and a GIN index on it. Stored, so
  that a query the planner answers without the index (a keyword in most remarks) reads the
  vector instead of building it from ~1,000 pieces per row (an expression index would). The
  column is the database's own: the model does not know it, and no insert or update names it.
  The pieces become lexemes as they are, without a text-search parser (whose idea of a word depends
  on LC_CTYPE and drops punctuation), so 「、市」 or 「%_」 are pieces like any other. It replaces
  0007's trigram index on ``search_text``, which could serve only keywords of three characters or
  more and which no query needs any more.
- SQLite: an FTS5 table with external content (the column itself; nothing is stored twice),
  ``detail=none`` (only which remarks hold a piece: the queries are ``AND`` and prefix, never
  positions), the ``ascii`` tokenizer with every printable ASCII character a token character
  (non-ASCII characters always are), and triggers that keep it in step with every write of the
  column, whichever code makes it.

Both are SQL run only on their database, so the model state is the same on both.
"""

from django.db import migrations, models

BATCH_SIZE = 2000
GIN_INDEX = "feedback_comment_search_bigrams_gin"
INDEX_COLUMN = "search_index"
TRIGRAM_INDEX = "feedback_comment_search_text_trgm"
FTS_TABLE = "feedback_comment_search"
# Printable ASCII that is not a letter or digit; in the SQL string below ' is doubled.
TOKEN_CHARS = "".join(chr(code) for code in range(0x21, 0x7F) if not chr(code).isalnum())

SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        search_bigrams, content='feedback_comment', content_rowid='id', detail=none,
        tokenize="ascii tokenchars '{TOKEN_CHARS.replace("'", "''").replace('"', '""')}'"
    )""",
    f"""CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON feedback_comment BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_bigrams) VALUES (new.id, new.search_bigrams);
    END""",
    f"""CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON feedback_comment BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_bigrams)
        VALUES ('delete', old.id, old.search_bigrams);
    END""",
    f"""CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF search_bigrams ON feedback_comment
    BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_bigrams)
        VALUES ('delete', old.id, old.search_bigrams);
        INSERT INTO {FTS_TABLE}(rowid, search_bigrams) VALUES (new.id, new.search_bigrams);
    END""",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]


def fill_search_bigrams(apps, schema_editor):
    from feedback.search import bigrams_of

    Comment = apps.get_model("feedback", "Comment")
    db = schema_editor.connection.alias
    ids = list(Comment.objects.using(db).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH_SIZE):
        comments = [
            Comment(pk=pk, search_bigrams=bigrams_of(text))
            for pk, text in Comment.objects.using(db)
            .filter(pk__in=ids[start : start + BATCH_SIZE])
            .values_list("pk", "search_text")
        ]
        Comment.objects.using(db).bulk_update(comments, ["search_bigrams"])


def add_index(apps, schema_editor):
    quote = schema_editor.quote_name
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(TRIGRAM_INDEX)}")
        schema_editor.execute(
            f"ALTER TABLE {quote('feedback_comment')} ADD COLUMN {quote(INDEX_COLUMN)} tsvector "
            f"GENERATED ALWAYS AS "
            f"(array_to_tsvector(string_to_array({quote('search_bigrams')}, ' '))) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX {quote(GIN_INDEX)} ON {quote('feedback_comment')} "
            f"USING gin ({quote(INDEX_COLUMN)})"
        )
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement, params=None)


def remove_index(apps, schema_editor):
    quote = schema_editor.quote_name
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(GIN_INDEX)}")
        schema_editor.execute(
            f"ALTER TABLE {quote('feedback_comment')} DROP COLUMN IF EXISTS {quote(INDEX_COLUMN)}"
        )
        schema_editor.execute(
            f"CREATE INDEX {quote(TRIGRAM_INDEX)} ON {quote('feedback_comment')} "
            f"USING gin ({quote('search_text')} gin_trgm_ops)"
        )
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0012_policy_change_links")]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="search_bigrams",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="検索用索引"
            ),
        ),
        migrations.RunPython(fill_search_bigrams, migrations.RunPython.noop),
        migrations.RunPython(add_index, remove_index),
    ]
