from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    APPOINTMENT = "appointment", _("Appointment reminder")
    ROTA = "rota", _("Rota reminder")
    UNDERSTAFFED = "understaffed", _("Short-of-volunteers alert")
    # Told of a change to an appointment (the booking core's AppointmentChange).
    DATE_CANCELLED = "date_cancelled", _("Date cancelled")
    DATE_MOVED = "date_moved", _("Date moved")
    BOOKING_CANCELLED = "booking_cancelled", _("Appointment cancelled")
    CANCELLED_BY_REPLY = "reply_cancelled", _("Cancelled by reply")
    # The appointment sent to the person from its card, with the link to its page.
    CARD = "card", _("Appointment sent")


class ReminderChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    # No phone, no address: someone of the antenna calls the person, from the desk's list.
    CALL = "call", _("Phone call")


class ReminderStatus(models.TextChoices):
    QUEUED = "queued", _("To send")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not delivered")
    SKIPPED = "skipped", _("Not sent (cancelled or over)")


class Audience(models.TextChoices):
    PERSON = "person", _("Person helped")
    REFERRER = "referrer", _("Referrer")
    VOLUNTEER = "volunteer", _("Volunteer")
    COORDINATOR = "coordinator", _("Coordinator")


class ReplyOutcome(models.TextChoices):
    """What a text message a person sent back did."""

    CANCELLED = "cancelled", _("Appointment cancelled")
    STOPPED = "stopped", _("Text messages stopped")
    NOTHING_TO_CANCEL = "nothing", _("No appointment ahead to cancel")
    NOT_UNDERSTOOD = "unknown", _("Not understood")
