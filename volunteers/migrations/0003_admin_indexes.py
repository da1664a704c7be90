from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0002_languages")]

    operations = []
