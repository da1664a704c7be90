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


class Attendance(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    ATTENDED = "attended", _("Came")
    NO_SHOW = "no_show", _("Did not come")
