# The remark lists begin newest meeting first (feedback.paging.REMARK_ORDER).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0015_meeting_absence'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='meeting',
            index=models.Index(models.OrderBy(models.F('fiscal_year'), descending=True), models.OrderBy(models.F('number'), descending=True), name='meeting_newest_first'),
        ),
    ]
