"""Create the three staff roles as groups: 入力担当, 承認者, システム管理者.

The matrix is frozen here on purpose: a later change of rights is a new migration, so every
database can say which rights its roles had when.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT = {
    "feedback": [
        "committee",
        "member",
        "meeting",
        "comment",
        "cityresponse",
        "followup",
        "report",
        "reportentry",
    ],
    "policy": ["policy", "policyitem"],
}
LOOKUPS = {"feedback": ["reflectioncategory"]}
ACTIONS = ["view", "add", "change", "delete"]

EDITOR = "入力担当"
APPROVER = "承認者"
ADMINISTRATOR = "システム管理者"


def codenames(models, actions):
    return [(f"{action}_{model}") for model in models for action in actions]


def matrix():
    editor, approver = [], []
    for app, models in CONTENT.items():
        # Editors delete drafts only: feedback/admin.py refuses published records.
        editor += [(app, codename) for codename in codenames(models, ACTIONS)]
        approver += [(app, codename) for codename in codenames(models, ["view"])]
    for app, models in LOOKUPS.items():
        editor += [(app, codename) for codename in codenames(models, ["view"])]
        approver += [(app, codename) for codename in codenames(models, ["view"])]
    editor += [("feedback", "import_feedback"), ("feedback", "export_feedback")]
    approver += [("feedback", "publish_report"), ("feedback", "export_feedback")]
    return {EDITOR: editor, APPROVER: approver}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in matrix().items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in perms
            ]
        )
    administrator, _ = Group.objects.get_or_create(name=ADMINISTRATOR)
    administrator.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["feedback", "policy", "auth", "admin"]
        )
    )


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=[EDITOR, APPROVER, ADMINISTRATOR]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_version_and_permissions"),
        ("policy", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
