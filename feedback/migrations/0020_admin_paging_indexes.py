"""An index that pages the remarks' changelist in its order without reading the table
(feedback/admin_paging.py): ``(meeting_id, number) INCLUDE (id, status)`` on PostgreSQL.

A page of the changelist first reads the keys at its place in the list's order (``ORDER BY
meeting_id, number OFFSET n LIMIT 100``). The unique index on (meeting, No.) has that order but
not the key, so PostgreSQL read the whole table (2.4 kB a remark: the search text and its index
pieces) and sorted it for every page past the first; with the key included it is an
index-only scan (once VACUUM, which autovacuum runs after inserts, has marked the pages
all-visible); with the status too, so is a page of the 公開状態 filter. SQLite's indexes hold
the rowid already: nothing to add there. That index is SQL run only on PostgreSQL, so the
model state is the same on both databases.

Also ``cityresponse_incomplete`` (both databases, declared on ``CityResponse``): the answers
without a body or a 対応区分, which the admin's 「未回答」 filter reads instead of joining every
remark with its answer.
"""

from django.db import migrations, models

INDEX = "feedback_comment_page_order"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"CREATE INDEX {quote(INDEX)} ON {quote('feedback_comment')} "
            f"({quote('meeting_id')}, {quote('number')}) INCLUDE ({quote('id')}, {quote('status')})"
        )


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(INDEX)}")


class Migration(migrations.Migration):
    dependencies = [("feedback", "0019_meeting_roll")]

    operations = [
        migrations.RunPython(add_index, remove_index, elidable=False),
        migrations.AddIndex(
            model_name="cityresponse",
            index=models.Index(
                condition=models.Q(("body", ""), ("category__isnull", True), _connector="OR"),
                fields=["comment"],
                name="cityresponse_incomplete",
            ),
        ),
    ]
