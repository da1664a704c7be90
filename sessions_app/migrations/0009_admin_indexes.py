from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0008_booking_one_active_per_sheet")]

    operations = []
