"""Every write that holds or frees a seat: booking, cancelling, attendance, and what a date's
cancellation or move does to its bookings.

Seats are derived, never a counter: the slot's row is locked (`slots_lock`) inside the caller's
transaction, its active bookings counted and compared with its seats, so a booking and what
goes with it (a referral's status, a walk-in's registration) commit together or not at all.
Each write here also marks the months of figures it changes as stale (sessions_app.totals), in
the same transaction.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, OuterRef, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries.people.enums import SHEET_TRANSITIONS, SheetStatus
from beneficiaries.people.models import Beneficiary, LiaisonSheet
from beneficiaries.people.services import liaison_sheet_transition
from inclusion.core.models import User
from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus, ChangeKind
from sessions_app.bookings.models import AppointmentChange, Booking, BookingQuerySet
from sessions_app.bookings.selectors import active_bookings_count
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Occurrence, Slot
from sessions_app.totals.ledger import stale_mark

# A booking's antenna and day, the month of figures it counts in (values_list lookups).
FIGURES_DAY = ("slot__occurrence__permanence__antenna_id", "slot__occurrence__date")
# PostgreSQL's SQLSTATE for "lock_not_available", raised when lock_timeout expires.
LOCK_NOT_AVAILABLE = "55P03"
# The constraints that back booking_create's checks up (Booking.Meta).
ONE_APPOINTMENT_PER_SHEET = "booking_one_expected_per_liaison_sheet"
ONE_SEAT_PER_PERSON = "booking_one_active_per_person_and_slot"


class BookingRefused(Exception):
    """A booking that cannot be made; the message says why, in the user's language."""


def slots_lock(*, slot_ids: Iterable[int]) -> list[Slot]:
    """Lock these slots' rows, in id order, and return them fresh with their date, permanence
    and antenna.

    The one seat lock: every write that holds or frees a seat takes it inside its own
    transaction, so the seat and what goes with it commit together or not at all. Concurrent
    writers on a slot queue here; taking several slots in id order means two writers never
    wait on each other. Outside a transaction the lock would be released at once, so that is
    refused.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("slots_lock() must run inside transaction.atomic().")
    return list(
        Slot.objects.select_for_update(of=("self",))
        .select_related("occurrence__permanence__antenna")
        .filter(pk__in=sorted(set(slot_ids)))
        .order_by("pk")
    )


def slot_lock(*, slot: Slot) -> Slot:
    """Lock one slot (slots_lock) and return it fresh; BookingRefused when it is gone (its date
    removed meanwhile, by a permanence archived or deleted)."""
    locked = slots_lock(slot_ids=[slot.pk])
    if not locked:
        raise BookingRefused(gettext("This slot no longer exists: choose another one."))
    return locked[0]


def _lock_refused(error: OperationalError) -> bool:
    # Django wraps the driver's error: its SQLSTATE is on the original one.
    return getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE or "lock timeout" in str(error)


def _figures_changed(bookings: QuerySet[Booking]) -> None:
    """Mark stale the months of figures that hold these bookings' dates."""
    stale_mark(bookings.values_list(*FIGURES_DAY))


def _seat_state(slot: Slot, beneficiary: Beneficiary | None) -> tuple[str, int, bool]:
    """Under the slot's lock, in one query: its date's status, its seats taken, and whether the
    person already holds one. The date is read again here, once the lock is held: a
    cancellation that held it until its commit has changed the date, and the locking query,
    having waited, still saw the date as before."""
    active = Booking.objects.active().filter(slot=OuterRef("pk"))
    person_there = Exists(active.filter(beneficiary=beneficiary)) if beneficiary is not None else Value(False)
    status, taken, already_there = (
        Slot.objects.filter(pk=slot.pk).values_list("occurrence__status", active_bookings_count(), person_there).get()
    )
    return str(status), int(taken), bool(already_there)


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
            status, taken, already_there = _seat_state(slot, beneficiary)
            if status == OccurrenceStatus.CANCELLED:
                raise BookingRefused(gettext("This date is cancelled."))
            if slot.ends_at <= timezone.now() and not attended:
                raise BookingRefused(gettext("This slot is over."))
            if already_there:
                raise BookingRefused(gettext("This person already has a seat in this slot."))
            if taken >= slot.seats:
                raise BookingRefused(gettext("This slot has just been filled: every seat is taken."))
            now = timezone.now()
            booking = Booking.objects.create(
                slot=slot,
                beneficiary=beneficiary,
                liaison_sheet=liaison_sheet,
                channel=channel,
                created_by=by,
                attendance=Attendance.ATTENDED if attended else Attendance.EXPECTED,
                checked_in_at=now if attended else None,
            )
            stale_mark([(occurrence.permanence.antenna_id, occurrence.date)])
            return booking
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
        _figures_changed(Booking.objects.filter(pk=booking.pk))
        if booking.liaison_sheet_id:
            sheet_status: dict[str, SheetStatus] = {
                Attendance.NO_SHOW: SheetStatus.NO_SHOW,
                Attendance.EXPECTED: SheetStatus.BOOKED,
            }
            status = sheet_status.get(attendance)
            if status and booking.liaison_sheet is not None:
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
        sheet = (
            LiaisonSheet.objects.select_for_update(of=("self",))
            .select_related("beneficiary", "referrer")
            .get(pk=sheet.pk)
        )
        if SheetStatus.BOOKED not in SHEET_TRANSITIONS[sheet.status]:
            raise BookingRefused(gettext("This referral is finished or already booked: it cannot be booked again."))
        booking = booking_create(
            slot=slot, beneficiary=sheet.beneficiary, channel=BookingChannel.REFERRAL, by=by, liaison_sheet=sheet
        )
        liaison_sheet_transition(sheet=sheet, status=SheetStatus.BOOKED, by=by, locked=True)
    return booking


def workshop_bookings_attended(*, occurrence_id: int, participants: Iterable[Beneficiary]) -> int:
    """The participants of a workshop logged at the desk came: their bookings on that date say so.
    Returns how many bookings changed."""
    bookings = Booking.objects.active().filter(slot__occurrence_id=occurrence_id, beneficiary__in=participants)
    changed = bookings.exclude(attendance=Attendance.ATTENDED)
    _figures_changed(changed)
    return changed.update(attendance=Attendance.ATTENDED, checked_in_at=timezone.now())


def _changes_record(
    kind: ChangeKind,
    *,
    occurrence_id: int,
    booking_ids: Iterable[int],
    by: User | None,
    reason: str = "",
    previous_starts_at: datetime.datetime | None = None,
    with_date: bool = False,
) -> None:
    """Write the outbox rows of a change, in the caller's transaction: one per booking, and one
    for the date itself when the date changed (`with_date`), told to its rota."""
    rows = [
        AppointmentChange(
            kind=kind,
            occurrence_id=occurrence_id,
            booking_id=booking_id,
            made_by=by,
            reason=reason,
            previous_starts_at=previous_starts_at,
        )
        for booking_id in [*([None] if with_date else []), *booking_ids]
    ]
    AppointmentChange.objects.bulk_create(rows)


def _bookings_cancel(
    bookings: BookingQuerySet,
    *,
    reason: str,
    by: User | None,
    told_as: ChangeKind | None,
    rebook: bool = True,
) -> list[Booking]:
    """Cancel these bookings under their slots' locks; the seats go back.

    `told_as`: the change their people are told of (None when nobody is: a person whose data is
    being erased). `rebook`: referred people go back to "to book" so their referrer books them
    again. Returns the bookings cancelled.
    """
    reason = reason[: Booking._meta.get_field("cancel_reason").max_length]
    with transaction.atomic():
        slots_lock(slot_ids=bookings.values_list("slot_id", flat=True))
        cancelled = list(bookings.active().select_related("liaison_sheet", "slot").order_by("pk"))
        active = Booking.objects.filter(pk__in=[booking.pk for booking in cancelled])
        _figures_changed(active)
        active.update(status=BookingStatus.CANCELLED, cancelled_at=timezone.now(), cancel_reason=reason)
        if told_as is not None:
            for occurrence_id, grouped in itertools.groupby(
                sorted(cancelled, key=lambda booking: booking.slot.occurrence_id),
                key=lambda booking: booking.slot.occurrence_id,
            ):
                _changes_record(
                    told_as,
                    occurrence_id=occurrence_id,
                    booking_ids=[booking.pk for booking in grouped],
                    by=by,
                    reason=reason,
                )
        if rebook:
            for booking in cancelled:
                if booking.liaison_sheet is not None:
                    # The referrer learns it from the change's own message (sessions_app.reminders.notices).
                    liaison_sheet_transition(
                        sheet=booking.liaison_sheet,
                        status=SheetStatus.SENT,
                        by=by,
                        note=reason,
                        notify=told_as is None,
                    )
    return cancelled


def booking_cancel(
    *, booking: Booking, by: User | None, reason: str = "", told_as: ChangeKind = ChangeKind.BOOKING_CANCELLED
) -> bool:
    """Cancel an appointment; a referred person's sheet goes back to "to book" to rebook it, and
    the person and their referrer are told (`told_as`: by someone, or by the person's own reply,
    `by` then None). Returns False when it was no longer active."""
    return bool(_bookings_cancel(Booking.objects.filter(pk=booking.pk), reason=reason, by=by, told_as=told_as))


def liaison_sheet_cancel(*, sheet: LiaisonSheet, by: User, note: str = "") -> bool:
    """The referrer withdraws a referral: its appointments ahead are cancelled too, so their
    seats go back to others, and the person is told; the referrer is told once (cancelled), not
    once per step."""
    with transaction.atomic():
        if not liaison_sheet_transition(sheet=sheet, status=SheetStatus.CANCELLED, by=by, note=note):
            return False
        ahead = Booking.objects.filter(liaison_sheet=sheet, slot__ends_at__gt=timezone.now())
        _bookings_cancel(ahead, reason=note, by=by, told_as=ChangeKind.BOOKING_CANCELLED, rebook=False)
    return True


def occurrence_bookings_cancel(*, occurrence: Occurrence, reason: str, by: User) -> int:
    """A date cancelled by the antenna: its bookings are cancelled and the change recorded to be
    told to their people, their referrers and the date's rota; referred people go back to "to
    book". Runs in the caller's transaction (the date's own cancellation). Returns how many
    bookings were cancelled."""
    with transaction.atomic():
        # The date's slots, not only those of the bookings seen now: a seat being taken at this
        # moment commits before the lock is granted, and is cancelled with the others.
        occurrence_slots_lock(occurrence=occurrence)
        bookings = Booking.objects.filter(slot__occurrence=occurrence)
        cancelled = _bookings_cancel(bookings, reason=reason, by=by, told_as=ChangeKind.DATE_CANCELLED)
        _changes_record(
            ChangeKind.DATE_CANCELLED,
            occurrence_id=occurrence.pk,
            booking_ids=[],
            by=by,
            reason=reason,
            with_date=True,
        )
        return len(cancelled)


def person_bookings_cancel(*, beneficiary: Beneficiary, by: User | None, reason: str = "") -> int:
    """Cancel a person's appointments still ahead (their data is being erased): the seats go to
    others, and no message is written to someone who asked to be forgotten. Returns how many
    were cancelled."""
    ahead = Booking.objects.filter(beneficiary=beneficiary, slot__starts_at__gt=timezone.now())
    return len(_bookings_cancel(ahead, reason=reason, by=by, told_as=None, rebook=False))


def occurrence_slots_lock(*, occurrence: Occurrence) -> list[Slot]:
    """Lock a date's slots (slots_lock) before changing their times."""
    return slots_lock(slot_ids=occurrence.slots.values_list("pk", flat=True))


def occurrence_bookings_moved(
    *,
    occurrence: Occurrence,
    moved_from: tuple[int, datetime.date],
    previous_starts_at: datetime.datetime,
    by: User | None,
) -> int:
    """A date moved by the antenna: the change is recorded to be told to its people, their
    referrers and its rota, and the figures of the month it left and of the month it went to
    change. Runs in the move's transaction, after the date (its slots locked by
    occurrence_slots_lock) was saved. Returns how many bookings it holds."""
    bookings = Booking.objects.active().filter(slot__occurrence=occurrence)
    stale_mark([moved_from])
    _figures_changed(bookings)
    booking_ids = list(bookings.values_list("pk", flat=True))
    _changes_record(
        ChangeKind.DATE_MOVED,
        occurrence_id=occurrence.pk,
        booking_ids=booking_ids,
        by=by,
        previous_starts_at=previous_starts_at,
        with_date=True,
    )
    return len(booking_ids)
