from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Now


def cancel_second_appointments(apps, schema_editor):
    """Before the constraint: a sheet that holds more than one appointment still expected (two
    bookings that raced) keeps the earliest; the others are cancelled and marked to be told."""
    Booking = apps.get_model("sessions_app", "Booking")
    expected = Booking.objects.filter(status="active", attendance="expected", liaison_sheet__isnull=False)
    doubled = expected.values("liaison_sheet_id").annotate(count=Count("pk")).filter(count__gt=1)
    for row in doubled.iterator():
        bookings = list(expected.filter(liaison_sheet_id=row["liaison_sheet_id"]).order_by("slot__starts_at", "pk"))
        Booking.objects.filter(pk__in=[booking.pk for booking in bookings[1:]]).update(
            status="cancelled",
            cancelled_at=Now(),
            cancel_reason="Second appointment of the same referral",
            must_be_told=True,
        )


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0007_date_bounds")]

    operations = [
        migrations.RunPython(cancel_second_appointments, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.UniqueConstraint(
                condition=models.Q(("attendance", "expected"), ("liaison_sheet__isnull", False), ("status", "active")),
                fields=("liaison_sheet",),
                name="booking_one_expected_per_liaison_sheet",
            ),
        ),
    ]
