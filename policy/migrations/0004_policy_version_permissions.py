"""Give the staff roles (feedback 0004_staff_groups) their rights on policy versions.

入力担当 brings versions in (paste or Word file), corrects their name and date and deletes a
wrong one; passages are written only with their version. 承認者 reads them and their
differences. システム管理者 has every right, as on the rest of the policy app. Frozen here like
the original matrix: a later change of rights is a new migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR = "入力担当"
APPROVER = "承認者"
ADMINISTRATOR = "システム管理者"

MATRIX = {
    EDITOR: [
        "view_policyversion",
        "add_policyversion",
        "change_policyversion",
        "delete_policyversion",
        "view_passage",
        "add_passage",
        "delete_passage",
    ],
    APPROVER: ["view_policyversion", "view_passage"],
    ADMINISTRATOR: [
        f"{action}_{model}"
        for model in ("policyversion", "passage")
        for action in ("view", "add", "change", "delete")
    ],
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    app_config = apps.get_app_config("policy")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in MATRIX.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="policy", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in MATRIX.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="policy", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0003_policy_versions"),
        ("feedback", "0004_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
