from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0002_permanence_archived"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="occurrence",
            index=models.Index(
                condition=models.Q(
                    ("needs_resolution", True), ("is_one_off", True), ("is_detached", True), _connector="OR"
                ),
                fields=["id"],
                name="occurrence_unusual_idx",
            ),
        ),
    ]
