"""Stored JSON speaks the code word for 市の考え方, ``response`` (docs/domain.md).

A remark's proposal (``ChangeRequest.base`` and ``proposed``, and their history) held its text
as ``response_body``; a 配布版's rows (``ReportSnapshot.rows``, ``table.TableRow.printed``) as
``city_view``. Both become ``response``, so proposals pending at the upgrade are still shown,
edited and approved, and 配布版 confirmed before it still print and compare. The published
files keep ``city_view`` (``writers.JSON_FIELDS``); they are written, not stored.

The snapshots are rewritten through the base manager: their own manager refuses every change,
which is right for staff but not for renaming a key.
"""

from django.db import migrations

PROPOSAL_MODELS = ("ChangeRequest", "HistoricalChangeRequest")
PROPOSAL_FIELDS = ("base", "proposed")


def _renamed(data, old, new):
    """``data`` with its key ``old`` called ``new``, in the same place."""
    return {(new if key == old else key): value for key, value in data.items()}


def _rename_proposals(apps, old, new):
    for name in PROPOSAL_MODELS:
        model = apps.get_model("feedback", name)
        proposals = model._base_manager.filter(
            content_type__app_label="feedback", content_type__model="comment"
        )
        for row in proposals.only("pk", *PROPOSAL_FIELDS).iterator():
            changes = {
                field: _renamed(getattr(row, field), old, new)
                for field in PROPOSAL_FIELDS
                if isinstance(getattr(row, field), dict) and old in getattr(row, field)
            }
            if changes:
                model._base_manager.filter(pk=row.pk).update(**changes)


def _rename_snapshot_rows(apps, old, new):
    model = apps.get_model("feedback", "ReportSnapshot")
    for snapshot in model._base_manager.only("pk", "rows").iterator():
        if any(old in row for row in snapshot.rows):
            rows = [_renamed(row, old, new) for row in snapshot.rows]
            model._base_manager.filter(pk=snapshot.pk).update(rows=rows)


def forwards(apps, schema_editor):
    _rename_proposals(apps, "response_body", "response")
    _rename_snapshot_rows(apps, "city_view", "response")


def backwards(apps, schema_editor):
    _rename_proposals(apps, "response", "response_body")
    _rename_snapshot_rows(apps, "response", "city_view")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("feedback", "0017_comment_continued"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
