"""Indexes for the public pages at tens of thousands of remarks.

- ``(status, updated_at, id)`` on remarks and 資料: ``selectors.public_change_stamp()`` reads
  the newest published row on every public request; with this index it is one index lookup
  instead of sorting every published remark.
- On PostgreSQL only, trigram indexes on ``UPPER(body)`` of remarks, city views and follow-ups
  (and the ``pg_trgm`` extension they need): Django's ``icontains`` is ``UPPER(col) LIKE
  UPPER(%s)``, which such an index serves for keywords of three characters or more.

Both are written as SQL, not as ``Meta.indexes``, because SQLite has no trigram indexes and the
model state must stay the same on both databases (``makemigrations --check`` stays clean).
"""

from django.db import migrations

PORTABLE = [
    ("feedback_comment", "feedback_comment_status_updated_idx"),
    ("feedback_report", "feedback_report_status_updated_idx"),
]
TRIGRAM = [
    ("feedback_comment", "feedback_comment_body_trgm"),
    ("feedback_cityresponse", "feedback_cityresponse_body_trgm"),
    ("feedback_followup", "feedback_followup_body_trgm"),
]


def add_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    for table, name in PORTABLE:
        schema_editor.execute(
            f"CREATE INDEX {quote(name)} ON {quote(table)} "
            f"({quote('status')}, {quote('updated_at')}, {quote('id')})"
        )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, name in TRIGRAM:
            schema_editor.execute(
                f"CREATE INDEX {quote(name)} ON {quote(table)} "
                f"USING gin (UPPER({quote('body')}) gin_trgm_ops)"
            )


def remove_indexes(apps, schema_editor):
    names = PORTABLE + (TRIGRAM if schema_editor.connection.vendor == "postgresql" else [])
    for _table, name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [("feedback", "0004_staff_groups")]

    operations = [migrations.RunPython(add_indexes, remove_indexes)]
