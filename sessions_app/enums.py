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


class BookingStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("booking status", "Booked")
    CANCELLED = "cancelled", pgettext_lazy("booking status", "Cancelled")


class BookingChannel(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")


class Attendance(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    ATTENDED = "attended", _("Came")
    NO_SHOW = "no_show", _("Did not come")


class Autonomy(models.TextChoices):
    # The three levels of the national session record.
    GUIDED = "guided", _("Done with guidance")
    PARTLY = "partly", _("Autonomous with help when needed")
    AUTONOMOUS = "autonomous", _("Autonomous")


class Outcome(models.TextChoices):
    DONE = "done", _("Done")
    PARTLY_DONE = "partly_done", _("Partly done")
    TO_CONTINUE = "to_continue", _("To continue")
    REDIRECTED = "redirected", _("Redirected")


class RedirectionKind(models.TextChoices):
    FRANCE_SERVICES = "france_services", _("France Services")
    PUBLIC_BODY = "public_body", _("Public body (CAF, CPAM, France Travail…)")
    TOWN_HALL = "town_hall", _("Town hall or CCAS")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    MEDIATION_PLACE = "mediation_place", _("Another digital-mediation place")
    ASSOCIATION = "association", _("Other association")
    OTHER = "other", _("Other")


DURATION_CHOICES = [15, 30, 45, 60, 90, 120]
MAX_SESSION_MINUTES = 8 * 60


class ReminderKind(models.TextChoices):
    APPOINTMENT = "appointment", _("Appointment reminder")
    ROTA = "rota", _("Rota reminder")
    UNDERSTAFFED = "understaffed", _("Short-of-volunteers alert")


class ReminderChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class ReminderStatus(models.TextChoices):
    QUEUED = "queued", _("To send")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not delivered")
    SKIPPED = "skipped", _("Not sent (cancelled or over)")
