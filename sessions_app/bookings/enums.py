from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BookingStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("booking status", "Booked")
    CANCELLED = "cancelled", pgettext_lazy("booking status", "Cancelled")


class BookingChannel(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    FOLLOW_UP = "follow_up", _("Follow-up booked at the desk")


class Attendance(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    ATTENDED = "attended", _("Came")
    NO_SHOW = "no_show", _("Did not come")


class ChangeKind(models.TextChoices):
    """What happened to a booked appointment, as it is told (sessions_app/reminders/notices.py)."""

    DATE_CANCELLED = "date_cancelled", _("Date cancelled")
    DATE_MOVED = "date_moved", _("Date moved")
    BOOKING_CANCELLED = "booking_cancelled", _("Appointment cancelled")
    # The person answered a text message with the word for cancel.
    CANCELLED_BY_REPLY = "reply_cancelled", _("Appointment cancelled by the person's reply")
