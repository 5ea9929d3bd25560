"""Rights on change proposals (変更案), as a new step of the role matrix of 0004_staff_groups.

入力担当 propose (view/add/change); 承認者 view and approve or return them; システム管理者 do
everything and may correct a published record directly (recorded as a direct correction).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RIGHTS = {
    "入力担当": ["view_changerequest", "add_changerequest", "change_changerequest"],
    "承認者": ["view_changerequest", "review_changerequest"],
    "システム管理者": [
        "view_changerequest",
        "add_changerequest",
        "change_changerequest",
        "delete_changerequest",
        "review_changerequest",
        "correct_published",
    ],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in RIGHTS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="feedback", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="feedback", content_type__model="changerequest"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0008_change_requests"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
