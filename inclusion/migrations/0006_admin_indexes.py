from django.db import migrations, models
from django.db.models.functions import Collate, Upper


class Migration(migrations.Migration):
    dependencies = [("inclusion", "0005_form_submission")]

    operations = [
        migrations.AddIndex(
            model_name="user",
            index=models.Index(Collate(Upper("email"), "C"), name="user_email_search_idx"),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(Collate(Upper("display_name"), "C"), name="user_name_search_idx"),
        ),
    ]
