"""Seed the 対応区分 list: 資料2's own 反映 and 参考, and the values common in municipal practice.

Staff edit the list afterwards; this migration only adds names that are missing.
"""

from django.db import migrations

CATEGORIES = [
    ("反映", "意見を踏まえて政策・計画の記述を修正したもの", "#1a7f37"),
    ("一部反映", "意見の一部を踏まえて修正したもの", "#0f766e"),
    ("参考", "修正はしないが、今後の参考とするもの", "#1d4ed8"),
    ("対応済", "既に記載済み、または対応済みのもの", "#6d28d9"),
    ("今後検討", "今後の取組の中で検討するもの", "#b45309"),
    ("反映困難", "反映することが難しいもの", "#b91c1c"),
    ("その他", "上記のいずれにも当たらないもの", "#4b5563"),
]


def add_categories(apps, schema_editor):
    ReflectionCategory = apps.get_model("feedback", "ReflectionCategory")
    for order, (name, description, color) in enumerate(CATEGORIES, start=1):
        ReflectionCategory.objects.get_or_create(
            name=name, defaults={"description": description, "color": color, "order": order}
        )


def remove_categories(apps, schema_editor):
    ReflectionCategory = apps.get_model("feedback", "ReflectionCategory")
    ReflectionCategory.objects.filter(
        name__in=[name for name, _, _ in CATEGORIES], responses__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(add_categories, remove_categories)]
