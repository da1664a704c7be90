from __future__ import annotations

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries.people.enums import SHEET_TRANSITIONS, SheetStatus
from beneficiaries.people.models import Beneficiary, LiaisonSheet
from beneficiaries.people.services import liaison_sheet_transition
from inclusion.core.models import User
from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Slot

# PostgreSQL's SQLSTATE for "lock_not_available", raised when lock_timeout expires.
LOCK_NOT_AVAILABLE = "55P03"
# The constraints that back booking_create's checks up (sessions_app.models.Booking.Meta).
ONE_APPOINTMENT_PER_SHEET = "booking_one_expected_per_liaison_sheet"
ONE_SEAT_PER_PERSON = "booking_one_active_per_person_and_slot"


class BookingRefused(Exception):
    """A booking that cannot be made; the message says why, in the user's language."""


def slot_lock(*, slot: Slot) -> Slot:
    """Lock a slot's row and return it fresh, with its date, permanence and antenna.

    The one seat lock: every write that needs a seat takes it inside its own transaction, so
    the seat and what goes with it (a referral's status, a walk-in's registration) commit
    together or not at all. Concurrent requests for the same slot queue here. Outside a
    transaction the lock would be released at once, so that is refused.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("slot_lock() must run inside transaction.atomic().")
    return (
        Slot.objects.select_for_update(of=("self",)).select_related("occurrence__permanence__antenna").get(pk=slot.pk)
    )


def _lock_refused(error: OperationalError) -> bool:
    return getattr(error, "pgcode", None) == LOCK_NOT_AVAILABLE or "lock timeout" in str(error)


def booking_create(
    *,
    slot: Slot,
    beneficiary: Beneficiary | None,
    channel: str,
    by: User | None,
    attended: bool = False,
    liaison_sheet: LiaisonSheet | None = None,
) -> Booking:
    """Hold a seat in a slot. The only way to create a booking.

    Seats are derived: the slot is locked (slot_lock), its active bookings counted and compared
    with its seats. It runs in the caller's transaction when there is one (a referral's booking
    and its status move, a walk-in's registration), so the caller's transaction should stay
    short: the lock is held until it ends. Concurrent requests for the last seat queue on the
    lock; the loser is refused. A lock wait longer than the database's lock_timeout is reported
    as "busy", and a second active appointment for one liaison sheet (refused by a constraint
    when two bookings race) as a refusal, never as an error page.
    """
    try:
        with transaction.atomic():
            slot = slot_lock(slot=slot)
            occurrence = slot.occurrence
            if occurrence.status == OccurrenceStatus.CANCELLED:
                raise BookingRefused(gettext("This date is cancelled."))
            if slot.ends_at <= timezone.now() and not attended:
                raise BookingRefused(gettext("This slot is over."))
            if beneficiary is not None and slot.bookings.active().filter(beneficiary=beneficiary).exists():
                raise BookingRefused(gettext("This person already has a seat in this slot."))
            if slot.bookings.active().count() >= slot.seats:
                raise BookingRefused(gettext("This slot has just been filled: every seat is taken."))
            now = timezone.now()
            return Booking.objects.create(
                slot=slot,
                beneficiary=beneficiary,
                liaison_sheet=liaison_sheet,
                channel=channel,
                created_by=by,
                attendance=Attendance.ATTENDED if attended else Attendance.EXPECTED,
                checked_in_at=now if attended else None,
            )
    except IntegrityError as error:
        if ONE_APPOINTMENT_PER_SHEET in str(error):
            raise BookingRefused(gettext("This referral already has an appointment ahead.")) from error
        if ONE_SEAT_PER_PERSON in str(error):
            raise BookingRefused(gettext("This person already has a seat in this slot.")) from error
        raise
    except OperationalError as error:
        if _lock_refused(error):
            raise BookingRefused(gettext("Many people are booking this slot right now: please try again.")) from error
        raise


def booking_set_attendance(*, booking: Booking, attendance: str, by: User | None = None) -> Booking:
    """Check a person in, mark them as not come, or undo either (back to expected).

    A referred person who did not come moves their liaison sheet to "did not come", so the
    referrer is told and can rebook; undoing it puts the sheet back to "booked".
    """
    with transaction.atomic():
        booking.attendance = attendance
        booking.checked_in_at = timezone.now() if attendance == Attendance.ATTENDED else None
        try:
            with transaction.atomic():
                booking.save(update_fields=["attendance", "checked_in_at"])
        except IntegrityError as error:
            # Undoing a past appointment's attendance while its referral is booked again ahead.
            if ONE_APPOINTMENT_PER_SHEET not in str(error):
                raise
            raise BookingRefused(
                gettext("This referral has another appointment ahead: this one cannot be expected again.")
            ) from error
        if booking.liaison_sheet_id:
            status = {Attendance.NO_SHOW: SheetStatus.NO_SHOW, Attendance.EXPECTED: SheetStatus.BOOKED}.get(attendance)
            if status:
                liaison_sheet_transition(sheet=booking.liaison_sheet, status=status, by=by)
    return booking


def referral_book(*, sheet: LiaisonSheet, slot: Slot, by: User) -> Booking:
    """Book a slot for a referred person, and move their sheet to "booked", in one transaction.

    The sheet is locked first, so two bookings for one sheet at the same instant queue and the
    second finds it booked; the seat comes from the one booking service (the slot's lock) in
    the same transaction, and a constraint allows one appointment ahead per sheet whatever
    happens. A refusal (slot just filled, cancelled date, sheet already booked) raises
    BookingRefused and leaves both the seat and the sheet as they were.
    """
    with transaction.atomic():
        sheet = LiaisonSheet.objects.select_for_update(of=("self",)).select_related("beneficiary").get(pk=sheet.pk)
        if SheetStatus.BOOKED not in SHEET_TRANSITIONS[sheet.status]:
            raise BookingRefused(gettext("This referral is finished or already booked: it cannot be booked again."))
        booking = booking_create(
            slot=slot, beneficiary=sheet.beneficiary, channel=BookingChannel.REFERRAL, by=by, liaison_sheet=sheet
        )
        liaison_sheet_transition(sheet=sheet, status=SheetStatus.BOOKED, by=by)
    return booking


def referral_booking_cancel(*, booking: Booking, by: User, reason: str = "") -> None:
    """Cancel a referred person's appointment; their sheet goes back to "to book" to rebook it."""
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != BookingStatus.ACTIVE:
            return
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.cancel_reason = reason
        booking.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        if booking.liaison_sheet_id:
            liaison_sheet_transition(sheet=booking.liaison_sheet, status=SheetStatus.SENT, by=by, note=reason)


def liaison_sheet_cancel(*, sheet: LiaisonSheet, by: User, note: str = "") -> bool:
    """The referrer withdraws a referral: its appointments ahead are cancelled too, so their
    seats go back to others, and the referrer is told once (cancelled), not once per step."""
    reason = note[: Booking._meta.get_field("cancel_reason").max_length]
    with transaction.atomic():
        if not liaison_sheet_transition(sheet=sheet, status=SheetStatus.CANCELLED, by=by, note=note):
            return False
        sheet.bookings.active().filter(slot__ends_at__gt=timezone.now()).update(
            status=BookingStatus.CANCELLED, cancelled_at=timezone.now(), cancel_reason=reason
        )
    return True
