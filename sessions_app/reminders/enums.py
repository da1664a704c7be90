from django.db import models
from django.utils.translation import gettext_lazy as _


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
