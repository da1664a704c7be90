from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Collate, Upper
from django.utils.translation import gettext_lazy as _

from inclusion.core.models import Antenna, AntennaScopedQuerySet
from inclusion.core.phones import phone_display
from sessions_app.bookings.models import AppointmentChange, Booking
from sessions_app.reminders.enums import Audience, ReminderChannel, ReminderKind, ReminderStatus, ReplyOutcome
from sessions_app.scheduling.models import Occurrence


class ReminderMessageQuerySet(AntennaScopedQuerySet):
    pass


class ReminderMessage(models.Model):
    """One message to one recipient, and what became of it: every message the application
    sends about a date or an appointment (reminders, alerts, changes told, appointments sent).

    Reminders and alerts are created once by services.reminders_schedule, the messages of a
    change by notices.changes_announce, an appointment sent from its card by
    notices.card_send; unique constraints make each idempotent. Each is then sent by a task
    that records the outcome; a failure is tried again a few times. A person who can be
    reached neither by SMS nor by e-mail gets a "call" message instead: it waits on the desk's
    list until someone marks the call made.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=ReminderChannel.choices)
    audience = models.CharField(_("recipient"), max_length=12, choices=Audience.choices, default=Audience.PERSON)
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
    change = models.ForeignKey(
        AppointmentChange,
        verbose_name=_("change told"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
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
    # The SHA-256 of the link's secret in an appointment sent to the person (kind "card"): the
    # link opens the appointment's page without logging in. The secret itself is kept only in
    # the text until it has left (delivery.LINK_SECRET takes it out).
    link_token_hash = models.CharField(_("link's fingerprint"), max_length=64, blank=True)
    # Who made the call of a "call" message, marked on the desk.
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
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
            models.Index(fields=["booking", "created_at"], name="message_booking_idx"),
            # The desk's calls to make: few rows, read on every desk page.
            models.Index(
                fields=["antenna"], condition=Q(channel="call", status="queued"), name="message_calls_to_make_idx"
            ),
            # The admin's search by the start of a phone number or an address (inclusion/core/admin_base.py).
            models.Index(
                Collate(Upper("address"), "C"),
                name="reminder_address_search_idx",
            ),
        ]
        constraints = [
            # Nothing is sent twice: one reminder per booking, one per date and recipient account,
            # one message per change and recipient (the person's has no account).
            models.UniqueConstraint(
                fields=["kind", "booking"],
                condition=Q(booking__isnull=False, kind="appointment"),
                name="reminder_once_per_booking",
            ),
            models.UniqueConstraint(
                fields=["kind", "occurrence", "recipient_user"],
                condition=Q(recipient_user__isnull=False, kind__in=["rota", "understaffed"]),
                name="reminder_once_per_date_and_account",
            ),
            models.UniqueConstraint(
                fields=["change", "recipient_user"],
                condition=Q(change__isnull=False, recipient_user__isnull=False),
                name="message_once_per_change_and_recipient",
            ),
            models.UniqueConstraint(
                fields=["change"],
                condition=Q(change__isnull=False, recipient_user__isnull=True),
                name="message_once_per_change_to_the_person",
            ),
            models.UniqueConstraint(
                fields=["link_token_hash"], condition=~Q(link_token_hash=""), name="message_link_token_unique"
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


class SmsStop(models.Model):
    """A phone number whose owner answered STOP: no text message goes to it any more; the
    person is written to by e-mail, or called, instead."""

    address = models.CharField(_("phone number"), max_length=20, unique=True)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("number that stopped text messages")
        verbose_name_plural = _("numbers that stopped text messages")

    def __str__(self):
        return phone_display(self.address)


class InboundSms(models.Model):
    """A text message a person sent back, received through the provider's webhook, and what it did.

    The provider's reference is unique: a webhook delivered twice does its work once."""

    provider_reference = models.CharField(_("provider's reference"), max_length=100, blank=True)
    sender = models.CharField(_("from"), max_length=20)
    body = models.CharField(_("text received"), max_length=500, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ReplyOutcome.choices)
    booking = models.ForeignKey(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("text message received")
        verbose_name_plural = _("text messages received")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_reference"], condition=~Q(provider_reference=""), name="inbound_sms_once"
            ),
        ]

    def __str__(self):
        return f"{phone_display(self.sender)} – {self.get_outcome_display()}"
