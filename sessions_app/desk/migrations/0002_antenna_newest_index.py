from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="sessionlog",
            index=models.Index(fields=["antenna", "id"], name="sessionlog_antenna_newest_idx"),
        ),
    ]
