from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inclusion", "0004_user_has_second_factor")]

    operations = []
