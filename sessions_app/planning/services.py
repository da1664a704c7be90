"""Every write to permanences, closures, dates and slots goes through these functions."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries.people.enums import SheetStatus
from beneficiaries.people.services import liaison_sheet_transition
from inclusion.core.clock import antenna_today, validate_calendar_date
from inclusion.core.models import Antenna, User
from inclusion.core.submissions import create_once
from sessions_app.bookings.enums import BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Closure, Occurrence, Permanence, Slot
from sessions_app.scheduling.public_holidays import public_holidays

PERMANENCE_FIELDS = [
    "title",
    "kind",
    "level",
    "frequency",
    "interval_weeks",
    "weekday",
    "monthly_position",
    "start_time",
    "end_time",
    "slot_minutes",
    "whole_slots_only",
    "seats",
    "min_volunteers",
    "booking_mode",
    "valid_from",
    "valid_until",
    "is_active",
]


@dataclasses.dataclass
class GenerationReport:
    created: int = 0
    deleted: int = 0
    to_resolve: int = 0
    updated_seats: int = 0

    def __iadd__(self, other: GenerationReport) -> GenerationReport:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self


def occurrences_generate(
    *, permanences: Iterable[Permanence], today: datetime.date | None = None, weeks: int | None = None
) -> GenerationReport:
    """Bring the dates of these permanences in line with their rules, from today over the horizon.

    Idempotent: run it twice and nothing changes the second time. Dates in the past, dates a
    coordinator moved or opened by hand, and cancelled dates are never recreated. A future date
    that no longer fits the rule (edited rule, new closure, suspended permanence) is deleted
    when it holds no booking; when it does, it is kept and flagged "to resolve", never dropped.
    Queries are made per batch of permanences, not per permanence, so a nightly run over
    thousands of permanences stays short.

    Without `today`, each permanence's today is its antenna's (inclusion.clock): a nightly run
    at 1:00 in Paris is still yesterday evening in Cayenne, whose today's date must stay.
    """
    horizon = datetime.timedelta(weeks=weeks or settings.OCCURRENCE_HORIZON_WEEKS)
    report = GenerationReport()
    batch = []
    for permanence in permanences:
        batch.append(permanence)
        if len(batch) == 500:
            report += _generate_batch(batch, today, horizon)
            batch = []
    if batch:
        report += _generate_batch(batch, today, horizon)
    return report


@transaction.atomic
def _generate_batch(
    permanences: list[Permanence], today: datetime.date | None, horizon: datetime.timedelta
) -> GenerationReport:
    report = GenerationReport()
    ids = [permanence.pk for permanence in permanences]
    # Antennas' todays differ by a day at most: the batch reads from the earliest to the latest.
    todays = {permanence.pk: today or antenna_today(permanence.antenna) for permanence in permanences}
    first_day, last_day = min(todays.values()), max(todays.values()) + horizon
    closures = defaultdict(list)
    antenna_ids = {permanence.antenna_id for permanence in permanences}
    for closure in Closure.objects.filter(antenna_id__in=antenna_ids, ends_on__gte=first_day, starts_on__lte=last_day):
        closures[closure.antenna_id].append(closure)
    existing = defaultdict(dict)
    occurrences = (
        Occurrence.objects.filter(permanence_id__in=ids, date__gte=first_day, rule_date__isnull=False)
        .select_for_update(of=("self",))
        .prefetch_related(
            Prefetch(
                "slots",
                # Aggregating queries ignore Meta.ordering: order explicitly to compare with the rule.
                queryset=Slot.objects.annotate(
                    active_bookings=Count("bookings", filter=Q(bookings__status=BookingStatus.ACTIVE)),
                    all_bookings=Count("bookings"),
                ).order_by("starts_at"),
            )
        )
    )
    for occurrence in occurrences:
        # A date before its antenna's today is in the past there: never touched.
        if occurrence.date >= todays[occurrence.permanence_id]:
            existing[occurrence.permanence_id][occurrence.rule_date] = occurrence

    to_create: list[tuple[Permanence, datetime.date, list]] = []
    to_delete: list[int] = []
    to_retire: list[int] = []
    to_flag: list[int] = []
    seat_updates: list[Slot] = []
    holidays_by_department: dict[str, set[datetime.date]] = {}
    for permanence in permanences:
        department = permanence.antenna.department_code
        if department not in holidays_by_department:
            holidays_by_department[department] = public_holidays(department, first_day, last_day)
        wanted = {}
        if permanence.is_active:
            permanence_today = todays[permanence.pk]
            for day in permanence.rule_dates(permanence_today, permanence_today + horizon):
                if day in holidays_by_department[department]:
                    continue
                if any(closure.covers(day, permanence.pk) for closure in closures[permanence.antenna_id]):
                    continue
                wanted[day] = permanence.slot_times(day)
        current = existing[permanence.pk]
        for rule_date, occurrence in current.items():
            if occurrence.is_detached or occurrence.status == OccurrenceStatus.CANCELLED:
                continue
            slots = list(occurrence.slots.all())
            booked = any(slot.active_bookings for slot in slots)
            fits = rule_date in wanted and occurrence.date == rule_date
            if fits and wanted[rule_date] == [(slot.starts_at, slot.ends_at) for slot in slots]:
                if occurrence.needs_resolution:
                    occurrence.needs_resolution = False
                    occurrence.save(update_fields=["needs_resolution"])
                for slot in slots:
                    if slot.seats != permanence.seats:
                        if slot.active_bookings > permanence.seats:
                            to_flag.append(occurrence.pk)
                        else:
                            slot.seats = permanence.seats
                            seat_updates.append(slot)
                continue
            if booked:
                if not occurrence.needs_resolution:
                    to_flag.append(occurrence.pk)
            elif any(slot.all_bookings for slot in slots):
                # Only cancelled bookings: keep the date as cancelled so their history stays.
                to_retire.append(occurrence.pk)
            else:
                to_delete.append(occurrence.pk)
        for day, slots in wanted.items():
            if day not in current or current[day].pk in to_delete or current[day].pk in to_retire:
                to_create.append((permanence, day, slots))

    if to_delete:
        report.deleted = len(to_delete)
        Slot.objects.filter(occurrence_id__in=to_delete).delete()
        Occurrence.objects.filter(pk__in=to_delete).delete()
    if to_retire:
        # Detached from the series (rule_date cleared) so the series may give that day again.
        report.deleted += Occurrence.objects.filter(pk__in=to_retire).update(
            status=OccurrenceStatus.CANCELLED,
            cancel_reason=gettext("No longer in the schedule"),
            cancelled_at=timezone.now(),
            rule_date=None,
        )
    if to_flag:
        report.to_resolve = Occurrence.objects.filter(pk__in=set(to_flag)).update(needs_resolution=True)
    if seat_updates:
        report.updated_seats = Slot.objects.bulk_update(seat_updates, ["seats"])
    if to_create:
        report.created = len(to_create)
        _occurrences_create(to_create)
    return report


def _occurrences_create(rows: list[tuple[Permanence, datetime.date | None, list]]) -> list[Occurrence]:
    occurrences = Occurrence.objects.bulk_create(
        [
            Occurrence(
                permanence=permanence,
                rule_date=rule_date,
                date=slots[0][0].date(),
                starts_at=slots[0][0],
                ends_at=slots[-1][1],
            )
            for permanence, rule_date, slots in rows
        ]
    )
    Slot.objects.bulk_create(
        [
            Slot(occurrence=occurrence, starts_at=start, ends_at=end, seats=permanence.seats)
            for occurrence, (permanence, _rule_date, slots) in zip(occurrences, rows, strict=True)
            for start, end in slots
        ]
    )
    return occurrences


def permanence_create(
    *,
    antenna: Antenna,
    data: dict[str, Any],
    today: datetime.date | None = None,
    by: User | None = None,
    submission_key: uuid.UUID | None = None,
) -> Permanence:
    """Create a permanence and its dates over the horizon.

    The same filled form sent again (by `by`) raises AlreadySubmitted with the permanence it made.
    """
    permanence = Permanence(antenna=antenna, **{name: data[name] for name in PERMANENCE_FIELDS if name in data})
    permanence.full_clean()

    def create() -> Permanence:
        permanence.save()
        occurrences_generate(permanences=[permanence], today=today)
        return permanence

    return create_once(key=submission_key, user=by, create=create)


def permanence_update(
    *, permanence: Permanence, data: dict[str, Any], today: datetime.date | None = None
) -> GenerationReport:
    """Change a permanence's rule or settings and regenerate its future dates.

    Dates without bookings follow the new rule; booked dates that no longer fit are kept and
    flagged to resolve. Returns what changed, so the coordinator can be told.
    """
    for name in PERMANENCE_FIELDS:
        if name in data:
            setattr(permanence, name, data[name])
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
    data: dict[str, Any],
    today: datetime.date | None = None,
    by: User | None = None,
    submission_key: uuid.UUID | None = None,
) -> Closure:
    """Close an antenna, or one of its permanences, between two dates, and regenerate its dates.

    The same filled form sent again (by `by`) raises AlreadySubmitted with the closure it made.
    """
    closure = Closure(
        antenna=antenna, **{name: data[name] for name in ("permanence", "starts_on", "ends_on", "reason")}
    )
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


def _affected_permanences(closure: Closure):
    permanences = Permanence.objects.filter(antenna=closure.antenna).select_related("antenna")
    if closure.permanence_id:
        permanences = permanences.filter(pk=closure.permanence_id)
    return permanences


def occurrence_cancel(*, occurrence: Occurrence, reason: str, by: User) -> int:
    """Cancel one date of a series. Its active bookings are cancelled and marked as to be told.

    Returns the number of bookings cancelled.
    """
    now = timezone.now()
    with transaction.atomic():
        occurrence = Occurrence.objects.select_for_update(of=("self",)).get(pk=occurrence.pk)
        occurrence.status = OccurrenceStatus.CANCELLED
        occurrence.cancel_reason = reason
        occurrence.cancelled_at = now
        occurrence.cancelled_by = by
        occurrence.needs_resolution = False
        occurrence.save(update_fields=["status", "cancel_reason", "cancelled_at", "cancelled_by", "needs_resolution"])
        bookings = Booking.objects.filter(slot__occurrence=occurrence, status=BookingStatus.ACTIVE)
        referred = list(bookings.filter(liaison_sheet__isnull=False).select_related("liaison_sheet"))
        cancelled = bookings.update(
            status=BookingStatus.CANCELLED, cancelled_at=now, cancel_reason=reason, must_be_told=True
        )
        # Referred people go back to "to book": their referrer is told and rebooks them.

        for booking in referred:
            liaison_sheet_transition(sheet=booking.liaison_sheet, status=SheetStatus.SENT, by=by, note=reason)
        return cancelled


def occurrence_move(*, occurrence: Occurrence, day: datetime.date, start: datetime.time) -> int:
    """Move one date to another day or time, keeping its slots' lengths and its bookings.

    The series leaves a moved date alone from then on. Returns the number of bookings whose
    people must be told. A day outside the calendar's span raises ValidationError.
    """
    validate_calendar_date(day)
    zone = occurrence.local_starts_at.tzinfo
    with transaction.atomic():
        occurrence = Occurrence.objects.select_for_update(of=("self",)).get(pk=occurrence.pk)
        old_start = occurrence.starts_at.astimezone(zone).replace(tzinfo=None)
        new_start = datetime.datetime.combine(day, start)
        slots = list(occurrence.slots.all())
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
        return Booking.objects.filter(slot__occurrence=occurrence, status=BookingStatus.ACTIVE).update(
            must_be_told=True
        )


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
