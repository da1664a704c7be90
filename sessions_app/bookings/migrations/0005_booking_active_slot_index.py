from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_alter_booking_channel"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("status", "active")), fields=["slot"], name="booking_active_slot_idx"
            ),
        ),
    ]
