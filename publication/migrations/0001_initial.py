from django.db import migrations, models
from django.utils import timezone


def create_row(apps, schema_editor):
    PublicState = apps.get_model("publication", "PublicState")
    PublicState.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"counter": 1, "changed_at": timezone.now()}
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="PublicState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("counter", models.BigIntegerField(default=0, verbose_name="変更回数")),
                ("changed_at", models.DateTimeField(verbose_name="最終変更日時")),
            ],
            options={
                "verbose_name": "公開データの変更記録",
                "verbose_name_plural": "公開データの変更記録",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)),
                        name="publicstate_single_row",
                        violation_error_message="公開データの変更記録は1行だけです。",
                    )
                ],
            },
        ),
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
