from django.db import migrations, models
from django.db.models.functions import Collate, Upper


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0008_booking_one_active_per_sheet")]

    operations = [
        migrations.AddIndex(
            model_name="voucher",
            index=models.Index(Collate(Upper("number"), "C"), name="voucher_number_search_idx"),
        ),
        migrations.AddIndex(
            model_name="remindermessage",
            index=models.Index(Collate(Upper("address"), "C"), name="reminder_address_search_idx"),
        ),
    ]
