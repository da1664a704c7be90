from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0006_reminder_messages")]

    operations = []
