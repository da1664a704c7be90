from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Collate, Upper
from django.utils.translation import gettext_lazy as _

from inclusion.core.models import Antenna, AntennaScopedQuerySet
from inclusion.core.phones import phone_display
from sessions_app.bookings.models import Booking
from sessions_app.reminders.enums import ReminderChannel, ReminderKind, ReminderStatus
from sessions_app.scheduling.models import Occurrence


class ReminderMessageQuerySet(AntennaScopedQuerySet):
    pass


class ReminderMessage(models.Model):
    """One reminder or alert to one recipient, and what became of it.

    Created once by services.reminders_schedule, which the unique constraints make idempotent,
    then sent by a task that records the outcome; a failure is tried again a few times.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=ReminderChannel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.QUEUED
    )
    antenna = models.ForeignKey(
        Antenna, verbose_name=_("antenna"), on_delete=models.CASCADE, related_name="reminder_messages"
    )
    occurrence = models.ForeignKey(
        Occurrence, verbose_name=_("date"), on_delete=models.CASCADE, related_name="reminder_messages"
    )
    booking = models.ForeignKey(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_messages",
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient account"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_messages",
    )
    # The phone number (E.164) or e-mail address the message goes to, as it was when scheduled.
    address = models.CharField(_("sent to"), max_length=254)
    language = models.CharField(_("language"), max_length=10, default="fr")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("handed to the task queue at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_reference = models.CharField(_("provider's reference"), max_length=100, blank=True)
    body = models.TextField(_("text sent"), blank=True)
    # The segments the SMS provider bills for the body (inclusion/core/sms/segments.py); 0 for an e-mail.
    # Stored, not derived: the body is erased after CONTACT_KEPT, the month's bill stays.
    segments = models.PositiveSmallIntegerField(_("SMS segments"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ReminderMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["antenna", "-created_at"], name="reminder_antenna_created_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="reminder_status_next_idx"),
            # The admin's search by the start of a phone number or an address (inclusion/core/admin_base.py).
            models.Index(
                Collate(Upper("address"), "C"),
                name="reminder_address_search_idx",
            ),
        ]
        constraints = [
            # Nothing is sent twice: one reminder per booking, one per date and recipient account.
            models.UniqueConstraint(
                fields=["kind", "booking"], condition=Q(booking__isnull=False), name="reminder_once_per_booking"
            ),
            models.UniqueConstraint(
                fields=["kind", "occurrence", "recipient_user"],
                condition=Q(recipient_user__isnull=False),
                name="reminder_once_per_date_and_account",
            ),
            models.CheckConstraint(
                condition=Q(booking__isnull=False) | Q(recipient_user__isnull=False),
                name="reminder_has_a_recipient",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.address} – {self.get_status_display()}"

    @property
    def address_display(self) -> str:
        return phone_display(self.address) if self.channel == ReminderChannel.SMS else self.address
