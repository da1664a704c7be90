from django.db import migrations, models
from django.db.models.functions import Collate, Upper


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0004_liaison_sheet_referrer_newest_index")]

    operations = [
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(Collate(Upper("last_name"), "C"), name="person_last_name_search_idx"),
        ),
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(Collate(Upper("first_name"), "C"), name="person_first_name_search_idx"),
        ),
        migrations.AddIndex(
            model_name="liaisonsheet",
            index=models.Index(Collate(Upper("reference"), "C"), name="sheet_reference_search_idx"),
        ),
    ]
