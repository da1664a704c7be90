import datetime
from zoneinfo import ZoneInfo

from django.db import migrations, models

import inclusion.clock

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)


def _clamp(day: datetime.date) -> datetime.date:
    return min(max(day, EARLIEST), LATEST)


def dates_into_calendar(apps, schema_editor):
    """Before the constraints: rows typed before any bound existed are brought inside them, each
    in the way that keeps what it meant."""
    Permanence = apps.get_model("sessions_app", "Permanence")
    Closure = apps.get_model("sessions_app", "Closure")
    Occurrence = apps.get_model("sessions_app", "Occurrence")
    SessionLog = apps.get_model("sessions_app", "SessionLog")
    StaleMonth = apps.get_model("sessions_app", "StaleMonth")
    outside = ~models.Q(date__range=(EARLIEST, LATEST))

    # A session's mistyped day becomes the day it was logged, and that month is added up again.
    for log in SessionLog.objects.filter(outside).select_related("antenna"):
        log.date = _clamp(log.created_at.astimezone(ZoneInfo(log.antenna.time_zone)).date())
        log.save(update_fields=["date"])
        StaleMonth.objects.get_or_create(antenna_id=log.antenna_id, month=log.date.replace(day=1))

    for permanence in Permanence.objects.filter(
        ~models.Q(valid_from__range=(EARLIEST, LATEST))
        | models.Q(valid_until__lt=EARLIEST)
        | models.Q(valid_until__gt=LATEST)
    ):
        if permanence.valid_until is not None and permanence.valid_until < EARLIEST:
            # Over before 2000: it gives no date either way.
            permanence.valid_from = permanence.valid_until = EARLIEST
        else:
            if permanence.valid_until is not None and permanence.valid_until > LATEST:
                permanence.valid_until = None
            if permanence.valid_from < EARLIEST:
                # Moved on by whole periods of its rule, so an every-other-week series keeps its weeks.
                period = 7 * permanence.interval_weeks if permanence.frequency == "weekly" else 1
                periods = -(-(EARLIEST - permanence.valid_from).days // period)
                permanence.valid_from += datetime.timedelta(days=periods * period)
            permanence.valid_from = min(permanence.valid_from, LATEST)
            if permanence.valid_until is not None:
                permanence.valid_until = max(permanence.valid_until, permanence.valid_from)
        permanence.save(update_fields=["valid_from", "valid_until"])

    for closure in Closure.objects.filter(
        ~models.Q(starts_on__range=(EARLIEST, LATEST)) | ~models.Q(ends_on__range=(EARLIEST, LATEST))
    ):
        closure.starts_on, closure.ends_on = _clamp(closure.starts_on), _clamp(closure.ends_on)
        closure.save(update_fields=["starts_on", "ends_on"])

    # A date nobody could reach (year 1, year 9999) goes with its slots, unless someone holds a seat.
    dates = Occurrence.objects.filter(outside)
    booked = list(dates.filter(slots__bookings__isnull=False).values_list("pk", flat=True).distinct())
    if booked:
        raise RuntimeError(
            f"Dates outside 2000–2100 hold bookings (ids {sorted(booked)}): move them or cancel their bookings first."
        )
    apps.get_model("sessions_app", "Slot").objects.filter(occurrence__in=dates).delete()
    dates.delete()
    if schema_editor.connection.vendor == "postgresql":
        # Deferred foreign-key checks still queued would forbid the ALTER TABLEs that follow.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0006_reminder_messages")]

    operations = [
        migrations.RunPython(dates_into_calendar, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="occurrence",
            name="date",
            field=models.DateField(validators=[inclusion.clock.validate_calendar_date], verbose_name="date"),
        ),
        migrations.AddConstraint(
            model_name="closure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("starts_on__gte", datetime.date(2000, 1, 1)),
                    ("starts_on__lte", datetime.date(2100, 12, 31)),
                    ("ends_on__gte", datetime.date(2000, 1, 1)),
                    ("ends_on__lte", datetime.date(2100, 12, 31)),
                ),
                name="closure_dates_in_calendar",
            ),
        ),
        migrations.AddConstraint(
            model_name="occurrence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("date__gte", datetime.date(2000, 1, 1)), ("date__lte", datetime.date(2100, 12, 31))
                ),
                name="occurrence_date_in_calendar",
            ),
        ),
        migrations.AddConstraint(
            model_name="permanence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("valid_from__gte", datetime.date(2000, 1, 1)),
                    ("valid_from__lte", datetime.date(2100, 12, 31)),
                    models.Q(
                        ("valid_until__isnull", True),
                        models.Q(
                            ("valid_until__gte", datetime.date(2000, 1, 1)),
                            ("valid_until__lte", datetime.date(2100, 12, 31)),
                        ),
                        _connector="OR",
                    ),
                ),
                name="permanence_dates_in_calendar",
            ),
        ),
        migrations.AddConstraint(
            model_name="sessionlog",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("date__gte", datetime.date(2000, 1, 1)), ("date__lte", datetime.date(2100, 12, 31))
                ),
                name="sessionlog_date_in_calendar",
            ),
        ),
    ]
