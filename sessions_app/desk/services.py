"""Writes made from today's desk: walk-ins and session logs, with what each implies."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from beneficiaries.people.enums import SHEET_TRANSITIONS, SheetStatus
from beneficiaries.people.models import Beneficiary, LiaisonSheet
from beneficiaries.people.services import BeneficiaryFields, beneficiary_create, liaison_sheet_transition
from inclusion.core.models import Antenna, Topic, User
from inclusion.core.submissions import create_once
from inclusion.core.typed_fields import ModelFields
from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.bookings.services import (
    BookingRefused,
    booking_create,
    booking_set_attendance,
    referral_book,
    workshop_bookings_attended,
)
from sessions_app.desk.models import SessionLog, Voucher
from sessions_app.scheduling.models import Occurrence, Slot
from sessions_app.totals.ledger import stale_mark


class WalkInRefused(BookingRefused):
    """A walk-in that could not be given a seat; nobody was registered either."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class SessionLogFields(ModelFields):
    """A session log's own fields, as the desk's form gives them (its volunteers, topics,
    participants and vouchers are apart); each default is the model's."""

    date: datetime.date
    duration_minutes: int
    outcome: str
    occurrence: Occurrence | None = None
    booking: Booking | None = None
    is_workshop: bool = False
    level: str = ""
    beneficiary: Beneficiary | None = None
    age_bracket: str = ""
    gender: str = ""
    social_status: str = ""
    commune: str = ""
    anonymous_participants: int = 0
    autonomy: str = ""
    used_computer: bool = False
    used_phone: bool = False
    used_tablet: bool = False
    used_other_equipment: bool = False
    redirected_to: str = ""
    next_step: str = ""
    summary: str = ""
    private_note: str = ""


def walk_in_create(
    *,
    slot: Slot,
    by: User,
    beneficiary: Beneficiary | None = None,
    new_person: BeneficiaryFields | None = None,
    consent_method: str = "",
    submission_key: uuid.UUID | None = None,
) -> Booking:
    """Give a seat to someone who came without an appointment, checked in at once.

    The person is a known one (`beneficiary`), a new one registered here with their consent
    (`new_person` and `consent_method`), or anonymous (neither). Registering the person and
    taking the seat are one write: a refused seat registers nobody. Raises WalkInRefused; the
    same filled form sent again raises AlreadySubmitted with the booking it made.
    """

    def create() -> Booking:
        person = beneficiary
        if new_person is not None:
            person = beneficiary_create(
                fields=new_person,
                consent_method=consent_method,
                recorded_by=by,
                antenna=slot.occurrence.permanence.antenna,
            )
        return booking_create(slot=slot, beneficiary=person, channel=BookingChannel.WALK_IN, by=by, attended=True)

    try:
        return create_once(key=submission_key, user=by, create=create)
    except BookingRefused as error:
        raise WalkInRefused(str(error)) from error


def session_log_record(
    *,
    antenna: Antenna,
    fields: SessionLogFields,
    volunteers: Iterable[User],
    topics: Iterable[Topic],
    participants: Iterable[Beneficiary] = (),
    voucher_numbers: Iterable[str] = (),
    by: User,
    submission_key: uuid.UUID | None = None,
) -> SessionLog:
    """Log a session from the desk.

    Records it with session_log_create (which checks the person of a booking in); for a
    workshop, the participants' bookings on that date are marked as come too. The same filled
    form sent again raises AlreadySubmitted with the log it made, so the session and its
    vouchers are counted once. A booking or a voucher number logged by someone else at the same
    moment is reported as a ValidationError.
    """
    participants = list(participants)

    def create() -> SessionLog:
        log = session_log_create(
            antenna=antenna,
            fields=fields,
            volunteers=volunteers,
            topics=topics,
            participants=participants,
            voucher_numbers=voucher_numbers,
            by=by,
        )
        if log.is_workshop and log.occurrence_id and participants:
            workshop_bookings_attended(occurrence_id=log.occurrence_id, participants=participants)
        return log

    try:
        return create_once(key=submission_key, user=by, create=create)
    except IntegrityError as error:
        # The form checked both; only a concurrent log of the same booking or voucher gets here.
        raise ValidationError(
            gettext("This session or one of its vouchers was just logged by someone else: check and try again.")
        ) from error


def session_log_create(
    *,
    antenna: Antenna,
    fields: SessionLogFields,
    volunteers: Iterable[User],
    topics: Iterable[Topic],
    participants: Iterable[Beneficiary] = (),
    voucher_numbers: Iterable[str] = (),
    by: User,
) -> SessionLog:
    """Record what happened in a session (or a workshop), with its topics and vouchers.

    When it comes from a booking, the person is marked as having come.
    """
    with transaction.atomic():
        log = SessionLog(antenna=antenna, created_by=by, **fields.values())
        log.full_clean()
        log.save()
        log.volunteers.set(volunteers)
        log.topics.set(topics)
        log.participants.set(participants)
        Voucher.objects.bulk_create([Voucher(session_log=log, number=number) for number in voucher_numbers])
        # A session logged on a day already added up changes its month's figures.
        stale_mark([(log.antenna_id, log.date)])
        if log.booking is not None and log.booking.attendance != Attendance.ATTENDED:
            booking_set_attendance(booking=log.booking, attendance=Attendance.ATTENDED, by=by)
        _referrals_seen(log=log, by=by)
    return log


def _referrals_seen(*, log: SessionLog, by: User) -> None:
    """The referrals behind a logged session move to "seen", with the summary the referrer may
    read (never the private note)."""

    sheets = LiaisonSheet.objects.none()
    if log.booking is not None and log.booking.liaison_sheet_id:
        sheets = LiaisonSheet.objects.filter(pk=log.booking.liaison_sheet_id)
    elif log.is_workshop and log.occurrence_id:
        sheets = LiaisonSheet.objects.filter(
            bookings__slot__occurrence_id=log.occurrence_id,
            bookings__status=BookingStatus.ACTIVE,
            bookings__beneficiary__in=log.participants.all(),
        )
    for sheet in sheets:
        liaison_sheet_transition(sheet=sheet, status=SheetStatus.SEEN, by=by, note=log.summary)


def follow_up_sheet(*, beneficiary: Beneficiary, antenna: Antenna) -> LiaisonSheet | None:
    """The referral a follow-up at this antenna continues: the sheet of the person's latest
    appointment here, while it can still be booked again (seen, or not come)."""
    booking = (
        Booking.objects.active()
        .filter(
            beneficiary=beneficiary,
            slot__occurrence__permanence__antenna=antenna,
            liaison_sheet__isnull=False,
        )
        .select_related("liaison_sheet")
        .order_by("-slot__starts_at")
        .first()
    )
    sheet: LiaisonSheet | None = booking.liaison_sheet if booking else None
    if sheet is None or SheetStatus.BOOKED not in SHEET_TRANSITIONS[sheet.status]:
        return None
    return sheet


def follow_up_book(
    *, beneficiary: Beneficiary, slot: Slot, by: User, submission_key: uuid.UUID | None = None
) -> Booking:
    """Book a person's next appointment from the desk, at the antenna of the slot.

    When the person came through a referral that can be booked again, the appointment belongs
    to that liaison sheet (referral_book: the sheet moves to "booked" and its referrer sees the
    appointment ahead); otherwise it is a follow-up booked by the antenna. Either way the seat
    comes from the one booking service under the slot's lock. Raises BookingRefused; the same
    form sent again raises AlreadySubmitted with the booking it made.
    """

    def create() -> Booking:
        sheet = follow_up_sheet(beneficiary=beneficiary, antenna=slot.occurrence.permanence.antenna)
        if sheet is not None:
            return referral_book(sheet=sheet, slot=slot, by=by)
        return booking_create(slot=slot, beneficiary=beneficiary, channel=BookingChannel.FOLLOW_UP, by=by)

    return create_once(key=submission_key, user=by, create=create)
