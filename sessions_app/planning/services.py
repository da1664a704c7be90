"""The coordinators' writes to permanences, closures and dates; the dates themselves come from the
generator (generation.py), and what a date's change does to its bookings from the booking core."""

from __future__ import annotations

import dataclasses
import datetime
import uuid

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from inclusion.core.clock import validate_calendar_date
from inclusion.core.models import Antenna, User
from inclusion.core.submissions import create_once
from inclusion.core.typed_fields import ModelFields
from sessions_app.bookings.services import (
    occurrence_bookings_cancel,
    occurrence_bookings_moved,
    occurrence_slots_lock,
)
from sessions_app.planning.generation import GenerationReport, _occurrences_create, occurrences_generate
from sessions_app.reminders.notices import announce_after_commit
from sessions_app.scheduling.enums import BookingMode, Frequency, OccurrenceStatus, PermanenceKind
from sessions_app.scheduling.models import Closure, Occurrence, Permanence, Slot


@dataclasses.dataclass(frozen=True, kw_only=True)
class PermanenceFields(ModelFields):
    """A permanence's rule and settings, as its form gives them (suspending and resuming it is
    permanence_set_active's); each default is the model's."""

    title: str
    kind: str = PermanenceKind.DROP_IN
    level: str = ""
    frequency: str = Frequency.WEEKLY
    interval_weeks: int = 1
    weekday: int
    monthly_position: int | None = None
    start_time: datetime.time
    end_time: datetime.time
    slot_minutes: int = 60
    whole_slots_only: bool = False
    seats: int
    min_volunteers: int = 1
    booking_mode: str = BookingMode.BOOKABLE
    valid_from: datetime.date
    valid_until: datetime.date | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClosureFields(ModelFields):
    """A closure, as its form gives it: no permanence closes the whole antenna."""

    permanence: Permanence | None = None
    starts_on: datetime.date
    ends_on: datetime.date
    reason: str


PERMANENCE_FIELDS = PermanenceFields.names()
CLOSURE_FIELDS = ClosureFields.names()


def permanence_create(
    *,
    antenna: Antenna,
    fields: PermanenceFields,
    today: datetime.date | None = None,
    by: User | None = None,
    submission_key: uuid.UUID | None = None,
) -> Permanence:
    """Create a permanence and its dates over the horizon.

    The same filled form sent again (by `by`) raises AlreadySubmitted with the permanence it made.
    """
    permanence = Permanence(antenna=antenna, **fields.values())
    permanence.full_clean()

    def create() -> Permanence:
        permanence.save()
        occurrences_generate(permanences=[permanence], today=today)
        return permanence

    return create_once(key=submission_key, user=by, create=create)


def permanence_update(
    *, permanence: Permanence, fields: PermanenceFields, today: datetime.date | None = None
) -> GenerationReport:
    """Change a permanence's rule or settings and regenerate its future dates.

    Dates without bookings follow the new rule; booked dates that no longer fit are kept and
    flagged to resolve. Returns what changed, so the coordinator can be told.
    """
    for name, value in fields.values().items():
        setattr(permanence, name, value)
    permanence.full_clean()
    with transaction.atomic():
        permanence.save()
        return occurrences_generate(permanences=[permanence], today=today)


def permanence_set_active(
    *, permanence: Permanence, is_active: bool, today: datetime.date | None = None
) -> GenerationReport:
    """Suspend a permanence (its unbooked future dates go, booked ones stay to resolve) or resume it."""
    permanence.is_active = is_active
    with transaction.atomic():
        permanence.save(update_fields=["is_active", "updated_at"])
        return occurrences_generate(permanences=[permanence], today=today)


def closure_create(
    *,
    antenna: Antenna,
    fields: ClosureFields,
    today: datetime.date | None = None,
    by: User | None = None,
    submission_key: uuid.UUID | None = None,
) -> Closure:
    """Close an antenna, or one of its permanences, between two dates, and regenerate its dates.

    The same filled form sent again (by `by`) raises AlreadySubmitted with the closure it made.
    """
    closure = Closure(antenna=antenna, **fields.values())
    closure.full_clean()

    def create() -> Closure:
        closure.save()
        occurrences_generate(permanences=_affected_permanences(closure), today=today)
        return closure

    return create_once(key=submission_key, user=by, create=create)


def closure_delete(*, closure: Closure, today: datetime.date | None = None) -> None:
    """Reopen what a closure closed: the series gives those dates again."""
    permanences = list(_affected_permanences(closure))
    with transaction.atomic():
        closure.delete()
        occurrences_generate(permanences=permanences, today=today)


def _affected_permanences(closure: Closure) -> QuerySet[Permanence]:
    permanences = Permanence.objects.filter(antenna=closure.antenna).select_related("antenna")
    if closure.permanence_id:
        permanences = permanences.filter(pk=closure.permanence_id)
    return permanences


def occurrence_cancel(*, occurrence: Occurrence, reason: str, by: User) -> int:
    """Cancel one date of a series. Its active bookings are cancelled through the booking core
    (the seats' locks, the referrals' statuses, the figures), which records the change to be
    told to the people, their referrers and the date's rota.

    Returns the number of bookings cancelled.
    """
    now = timezone.now()
    with transaction.atomic():
        occurrence = Occurrence.objects.select_for_update(of=("self",)).get(pk=occurrence.pk)
        if occurrence.status == OccurrenceStatus.CANCELLED:
            # Cancelled meanwhile (the same form sent twice): cancelled and told once.
            return 0
        occurrence.status = OccurrenceStatus.CANCELLED
        occurrence.cancel_reason = reason
        occurrence.cancelled_at = now
        occurrence.cancelled_by = by
        occurrence.needs_resolution = False
        occurrence.save(update_fields=["status", "cancel_reason", "cancelled_at", "cancelled_by", "needs_resolution"])
        # Referred people go back to "to book": their referrer is told and rebooks them.
        cancelled = occurrence_bookings_cancel(occurrence=occurrence, reason=reason, by=by)
        announce_after_commit()
        return cancelled


def occurrence_move(
    *, occurrence: Occurrence, day: datetime.date, start: datetime.time, by: User | None = None
) -> int:
    """Move one date to another day or time, keeping its slots' lengths and its bookings; its
    people, their referrers and its rota are told (the booking core records the change).

    The series leaves a moved date alone from then on. Returns the number of bookings whose
    people are told: 0 when the date is already there or was cancelled meanwhile, which changes
    and tells nothing. A day outside the calendar's span raises ValidationError.
    """
    validate_calendar_date(day)
    zone = occurrence.local_starts_at.tzinfo
    with transaction.atomic():
        occurrence = Occurrence.objects.select_for_update(of=("self",)).get(pk=occurrence.pk)
        moved_from = (occurrence.permanence.antenna_id, occurrence.date)
        previous_starts_at = occurrence.starts_at
        old_start = occurrence.starts_at.astimezone(zone).replace(tzinfo=None)
        new_start = datetime.datetime.combine(day, start)
        if new_start == old_start or occurrence.status == OccurrenceStatus.CANCELLED:
            # Already there (the same form sent twice), or cancelled meanwhile: nothing to move or tell.
            return 0
        slots = occurrence_slots_lock(occurrence=occurrence)
        for slot in slots:
            # Shift wall-clock times, then place them in the zone: 9:00 stays 9:00 across a DST change.
            slot.starts_at = (slot.starts_at.astimezone(zone).replace(tzinfo=None) - old_start + new_start).replace(
                tzinfo=zone
            )
            slot.ends_at = (slot.ends_at.astimezone(zone).replace(tzinfo=None) - old_start + new_start).replace(
                tzinfo=zone
            )
        Slot.objects.bulk_update(slots, ["starts_at", "ends_at"])
        occurrence.date = day
        occurrence.starts_at = slots[0].starts_at
        occurrence.ends_at = slots[-1].ends_at
        occurrence.is_detached = True
        occurrence.needs_resolution = False
        occurrence.save(update_fields=["date", "starts_at", "ends_at", "is_detached", "needs_resolution"])
        told = occurrence_bookings_moved(
            occurrence=occurrence, moved_from=moved_from, previous_starts_at=previous_starts_at, by=by
        )
        announce_after_commit()
        return told


def occurrence_add(
    *,
    permanence: Permanence,
    day: datetime.date,
    start: datetime.time,
    end: datetime.time,
    by: User | None = None,
    submission_key: uuid.UUID | None = None,
) -> Occurrence:
    """Add a one-off date to a permanence, outside its rule (a holiday or closure included:
    adding it is the coordinator's explicit choice).

    The same filled form sent again (by `by`) raises AlreadySubmitted with the date it added.
    A day outside the calendar's span raises ValidationError.
    """
    validate_calendar_date(day)

    def create() -> Occurrence:
        slots = permanence.slot_times(day, start, end)
        occurrence = _occurrences_create([(permanence, None, slots)])[0]
        Occurrence.objects.filter(pk=occurrence.pk).update(is_one_off=True, is_detached=True)
        occurrence.is_one_off = occurrence.is_detached = True
        return occurrence

    return create_once(key=submission_key, user=by, create=create)


def occurrence_open(*, permanence: Permanence, day: datetime.date) -> Occurrence:
    """Open a date of the series that a holiday or a closure had left out (ValidationError for
    a day outside the calendar's span)."""
    validate_calendar_date(day)
    occurrence = _occurrences_create([(permanence, day, permanence.slot_times(day))])[0]
    Occurrence.objects.filter(pk=occurrence.pk).update(is_detached=True)
    occurrence.is_detached = True
    return occurrence
