from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PermanenceKind(models.TextChoices):
    DROP_IN = "drop_in", _("Drop-in help")
    WORKSHOP = "workshop", _("Group workshop")


class WorkshopLevel(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Every week, or every few weeks")
    MONTHLY = "monthly", _("Once a month, on a given weekday")


class Weekday(models.IntegerChoices):
    # Same numbering as datetime.date.weekday() and dateutil's weekdays.
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class MonthlyPosition(models.IntegerChoices):
    FIRST = 1, pgettext_lazy("weekday of the month", "1st")
    SECOND = 2, pgettext_lazy("weekday of the month", "2nd")
    THIRD = 3, pgettext_lazy("weekday of the month", "3rd")
    FOURTH = 4, pgettext_lazy("weekday of the month", "4th")
    LAST = -1, pgettext_lazy("weekday of the month", "last")


class BookingMode(models.TextChoices):
    BOOKABLE = "bookable", _("Bookable by referrers")
    WALK_IN = "walk_in", _("Walk-in only")


class OccurrenceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", pgettext_lazy("date status", "Cancelled")
