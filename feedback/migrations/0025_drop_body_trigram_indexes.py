"""Drop 0005's trigram indexes on ``UPPER(body)`` of remarks, city views and follow-ups
(PostgreSQL only).

They served Django's ``icontains`` on the bodies, which no query makes any more: the public
search, the admin's search and its autocomplete all match the folded ``search_text`` through
its bigram index (0013, feedback/search.py). Unused, they only cost every write: a trigram
entry per three characters of every body, about a third of an import's time in the database
(10,000 rows on PostgreSQL: 8.7 s of inserts). ``pg_trgm`` stays installed. The reverse
makes them again.
"""

from django.db import migrations

TRIGRAM = [
    ("feedback_comment", "feedback_comment_body_trgm"),
    ("feedback_cityresponse", "feedback_cityresponse_body_trgm"),
    ("feedback_followup", "feedback_followup_body_trgm"),
]


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name in TRIGRAM:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def make_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for table, name in TRIGRAM:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} "
            f"USING gin (UPPER({quote('body')}) gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0024_published_counts_indexes")]

    operations = [migrations.RunPython(drop_indexes, make_indexes)]
