from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0004_liaison_sheet_referrer_newest_index")]

    operations = []
