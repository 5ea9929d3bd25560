"""A published remark always holds its search index pieces; the drafts an import adds wait for
publication (feedback/search.py).

- ``comment_published_indexed``: ``search_bigrams`` is not empty on a published remark, so the
  public pages read the index without looking for remarks outside it.
- ``comment_unindexed``: a partial index of the remarks whose ``search_bigrams`` is empty, which
  the admin's search lists beside the index's candidates (usually none, a few thousand right
  after a large import).

A published remark without pieces (none is expected: migration 0013 wrote every remark's) gets
them before the check is added, so that the migration cannot fail on one.

SQLite adds a check constraint by copying the table into a new one, which drops the triggers
that keep the FTS5 table in step (migration 0013); they are made again after the copy, the same
statements, in either direction. The FTS5 table itself reads the column by the table's name and
rowid, which the copy keeps.
"""

from importlib import import_module

from django.conf import settings
from django.db import migrations, models

FTS = import_module("feedback.migrations.0013_comment_search_bigrams")
TRIGGERS = [statement for statement in FTS.SQLITE_CREATE if "CREATE TRIGGER" in statement]


def index_published(apps, schema_editor):
    from feedback.search import with_body_line

    Comment = apps.get_model("feedback", "Comment")
    db = schema_editor.connection.alias
    missing = Comment.objects.using(db).filter(status="published", search_bigrams="")
    for comment in missing.only("pk", "body", "search_text"):
        comment.search_text, comment.search_bigrams = with_body_line(
            comment.search_text, comment.body
        )
        comment.save(update_fields=["search_text", "search_bigrams"])


def make_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in FTS.SQLITE_DROP:
        if "TRIGGER" in statement:
            schema_editor.execute(statement, params=None)
    for statement in TRIGGERS:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0025_drop_body_trigram_indexes"),
        ("policy", "0005_policy_version_publication"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Backwards, this runs last: after the constraint's removal has copied the table again.
        migrations.RunPython(migrations.RunPython.noop, make_triggers, elidable=False),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("search_bigrams", "")), fields=["id"], name="comment_unindexed"
            ),
        ),
        migrations.RunPython(index_published, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="comment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "published"), _negated=True),
                    models.Q(("search_bigrams", ""), _negated=True),
                    _connector="OR",
                ),
                name="comment_published_indexed",
                violation_error_message="公開する意見の検索用索引がありません。",
            ),
        ),
        migrations.RunPython(make_triggers, migrations.RunPython.noop, elidable=False),
    ]
