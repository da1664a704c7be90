from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inclusion", "0005_form_submission")]

    operations = []
