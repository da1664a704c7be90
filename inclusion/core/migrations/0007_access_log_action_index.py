from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_topic_label_en"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="accesslog",
            index=models.Index(
                condition=models.Q(("action", "view"), _negated=True),
                fields=["action", "-created_at"],
                name="accesslog_action_newest_idx",
            ),
        ),
    ]
