from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0007_date_bounds")]

    operations = []
