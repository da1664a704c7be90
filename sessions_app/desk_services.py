"""Writes made from today's desk: walk-ins and session logs, with what each implies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries.services import beneficiary_create
from inclusion.models import Antenna, User

from .enums import Attendance, BookingChannel, OccurrenceStatus
from .models import Booking, SessionLog, Slot, Topic
from .services import BookingRefused, booking_create, session_log_create

if TYPE_CHECKING:
    from beneficiaries.models import Beneficiary


class WalkInRefused(BookingRefused):
    """A walk-in that could not be given a seat. `registered` is the new person when they were
    registered before the seat was lost."""

    def __init__(self, message: str, *, registered: Beneficiary | None = None):
        super().__init__(message)
        self.registered = registered


def walk_in_create(
    *,
    slot: Slot,
    by: User,
    beneficiary: Beneficiary | None = None,
    new_person: dict[str, Any] | None = None,
    consent_method: str = "",
) -> Booking:
    """Give a seat to someone who came without an appointment, checked in at once.

    The person is a known one (`beneficiary`), a new one registered here with their consent
    (`new_person` and `consent_method`), or anonymous (neither). Raises WalkInRefused.
    """
    if new_person is None:
        try:
            return booking_create(
                slot=slot, beneficiary=beneficiary, channel=BookingChannel.WALK_IN, by=by, attended=True
            )
        except BookingRefused as error:
            raise WalkInRefused(str(error)) from error

    # booking_create is durable (it must hold the slot's lock in a short transaction of its own),
    # so registering the person and booking the seat cannot share one transaction. The seat is
    # checked first, so a full slot or a cancelled date registers nobody. If the last seat goes
    # between this check and the booking, the person stays registered: they are here and just
    # gave their consent, and the volunteer is told so they can pick them in another slot.
    if slot.occurrence.status == OccurrenceStatus.CANCELLED:
        raise WalkInRefused(gettext("This date is cancelled."))
    if slot.bookings.active().count() >= slot.seats:
        raise WalkInRefused(gettext("This slot is full: every seat is taken."))
    person = beneficiary_create(
        data=new_person, consent_method=consent_method, recorded_by=by, antenna=slot.occurrence.permanence.antenna
    )
    try:
        return booking_create(slot=slot, beneficiary=person, channel=BookingChannel.WALK_IN, by=by, attended=True)
    except BookingRefused as error:
        raise WalkInRefused(str(error), registered=person) from error


def session_log_record(
    *,
    antenna: Antenna,
    data: dict[str, Any],
    volunteers: Iterable[User],
    topics: Iterable[Topic],
    participants: Iterable[Beneficiary] = (),
    voucher_numbers: Iterable[str] = (),
    by: User,
) -> SessionLog:
    """Log a session from the desk.

    Records it with session_log_create (which checks the person of a booking in); for a
    workshop, the participants' bookings on that date are marked as come too. A booking or a
    voucher number logged by someone else at the same moment is reported as a ValidationError.
    """
    participants = list(participants)
    try:
        with transaction.atomic():
            log = session_log_create(
                antenna=antenna,
                data=data,
                volunteers=volunteers,
                topics=topics,
                participants=participants,
                voucher_numbers=voucher_numbers,
                by=by,
            )
            if log.is_workshop and log.occurrence_id and participants:
                Booking.objects.active().filter(
                    slot__occurrence_id=log.occurrence_id, beneficiary__in=participants
                ).exclude(attendance=Attendance.ATTENDED).update(
                    attendance=Attendance.ATTENDED, checked_in_at=timezone.now()
                )
    except IntegrityError as error:
        # The form checked both; only a concurrent log of the same booking or voucher gets here.
        raise ValidationError(
            gettext("This session or one of its vouchers was just logged by someone else: check and try again.")
        ) from error
    return log
