"""``Comment.search_text``: the folded texts a citizen can search (feedback/search.py), filled
for the remarks that exist, and on PostgreSQL a trigram index on it (as in 0005) so that a
``LIKE '%…%'`` on the column can use an index for keywords of three characters or more.

The fill reads through the migration's models and folds with ``feedback.folding.fold`` (pure,
no models); it mirrors ``search.refresh_search_text``, which keeps the column up to date after.
"""

from collections import defaultdict

from django.db import migrations, models
from django.utils import translation

INDEX = "feedback_comment_search_text_trgm"
BATCH_SIZE = 2000


def fill_search_text(apps, schema_editor):
    from feedback.enums import MemberRole
    from feedback.search import search_text_of

    Comment = apps.get_model("feedback", "Comment")
    FollowUp = apps.get_model("feedback", "FollowUp")
    db = schema_editor.connection.alias
    ids = list(Comment.objects.using(db).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        follow_ups = defaultdict(list)
        for comment_id, body in (
            FollowUp.objects.using(db)
            .filter(comment_id__in=batch)
            .order_by(models.F("recorded_on").asc(nulls_first=True), "id")
            .values_list("comment_id", "body")
        ):
            follow_ups[comment_id].append(body)
        comments = []
        for pk, body, name, role, item, response, category in (
            Comment.objects.using(db)
            .filter(pk__in=batch)
            .values_list(
                "pk",
                "body",
                "member__name",
                "member__role",
                "policy_item__heading",
                "response__body",
                "response__category__name",
            )
        ):
            with translation.override("ja"):
                printed = f"{name}{MemberRole(role).label}"
            text = search_text_of(
                body=body,
                response=response or "",
                category=category or "",
                follow_ups=follow_ups[pk],
                member=printed,
                member_name=name,
                item=item,
            )
            comments.append(Comment(pk=pk, search_text=text))
        Comment.objects.using(db).bulk_update(comments, ["search_text"])


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        quote = schema_editor.quote_name
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX {quote(INDEX)} ON {quote('feedback_comment')} "
            f"USING gin ({quote('search_text')} gin_trgm_ops)"
        )


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(INDEX)}")


class Migration(migrations.Migration):
    dependencies = [("feedback", "0006_versions")]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="search_text",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="検索用テキスト"
            ),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(add_index, remove_index),
    ]
