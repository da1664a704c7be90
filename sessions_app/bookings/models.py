from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inclusion.core.models import AntennaScopedQuerySet
from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus, ChangeKind
from sessions_app.scheduling.models import Occurrence, Slot


class BookingQuerySet(AntennaScopedQuerySet):
    antenna_lookup = "slot__occurrence__permanence__antenna"

    def active(self) -> Self:
        return self.filter(status=BookingStatus.ACTIVE)


class Booking(models.Model):
    """A seat held in a slot by a person (or an anonymous walk-in).

    Created only by services.booking_create, which counts the slot's active bookings under a
    lock: seats are derived, never a counter.
    """

    slot = models.ForeignKey(Slot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="bookings")
    beneficiary = models.ForeignKey(
        "people.Beneficiary",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        help_text=_("Empty for an anonymous walk-in."),
    )
    liaison_sheet = models.ForeignKey(
        "people.LiaisonSheet",
        verbose_name=_("liaison sheet"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=BookingChannel.choices, default=BookingChannel.REFERRAL
    )
    status = models.CharField(_("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.ACTIVE)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.EXPECTED
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["created_at"]
        constraints = [
            # One person holds at most one active seat in a slot.
            models.UniqueConstraint(
                fields=["slot", "beneficiary"],
                condition=Q(status="active", beneficiary__isnull=False),
                name="booking_one_active_per_person_and_slot",
            ),
            # One appointment ahead per liaison sheet: a person referred once holds one seat.
            # Past appointments stay active once the person came or did not, so a sheet seen
            # can be booked again; only the one still expected is unique.
            models.UniqueConstraint(
                fields=["liaison_sheet"],
                condition=Q(status="active", attendance="expected", liaison_sheet__isnull=False),
                name="booking_one_expected_per_liaison_sheet",
            ),
        ]
        indexes = [
            # A slot's seats taken, counted from this index alone by the slot search and the
            # seat lock, whatever the slot's cancelled bookings.
            models.Index(fields=["slot"], condition=Q(status="active"), name="booking_active_slot_idx"),
        ]

    def __str__(self):
        return f"{self.slot} ({self.get_status_display()})"


class AppointmentChange(models.Model):
    """A change to a booked appointment that its people must be told of: the outbox of the
    booking core.

    Written by the booking services in the transaction that makes the change, so no change goes
    untold, whoever made it; the messages app turns each into its messages after the commit
    (sessions_app/reminders/notices.py::changes_announce) and sets `announced_at`. A date
    cancelled or moved writes one row for the date itself (no booking: its rota is told) and
    one per booking on it (the person and their referrer are told).
    """

    kind = models.CharField(_("change"), max_length=20, choices=ChangeKind.choices)
    occurrence = models.ForeignKey(
        Occurrence, verbose_name=_("date"), on_delete=models.CASCADE, related_name="appointment_changes"
    )
    booking = models.ForeignKey(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="changes",
        help_text=_("Empty for a change of the date itself, told to its rota."),
    )
    # Where a moved date was, so the message says from when to when.
    previous_starts_at = models.DateTimeField(_("was at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    announced_at = models.DateTimeField(_("messages written at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment change")
        verbose_name_plural = _("appointment changes")
        ordering = ["created_at", "pk"]
        indexes = [
            # The changes still to announce: a small partial index, read at every run.
            models.Index(fields=["created_at"], condition=Q(announced_at__isnull=True), name="change_to_announce_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.occurrence}"
