"""The dates of the permanences' series, brought in line with their rules, holidays and closures.

`occurrences_generate` works per batch of 500 permanences, each in one transaction and in a fixed
number of queries: it reads the batch (closures, holidays, existing dates and their bookings),
works out the dates each rule wants, decides what becomes of each existing date
(`_occurrence_decide`, where the rule "a date that holds bookings is never dropped" lives), then
makes the writes in bulk.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypeAlias, TypedDict, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext

from inclusion.core.clock import antenna_today
from sessions_app.bookings.models import Booking
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Closure, Occurrence, Permanence, Slot
from sessions_app.scheduling.public_holidays import public_holidays

BATCH_SIZE = 500

# The (start, end) of each slot of one date, as Permanence.slot_times gives them.
SlotTimes = list[tuple[datetime.datetime, datetime.datetime]]

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _BookingCounts(TypedDict):
        active_bookings: int
        all_bookings: int

    # A slot as _series_dates_locked reads it.
    CountedSlot: TypeAlias = WithAnnotations[Slot, _BookingCounts]


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
    coordinator moved or opened by hand, and cancelled dates are never recreated. What becomes
    of each existing future date, booked ones above all, is `_occurrence_decide`'s to say.
    Queries are made per batch of permanences, not per permanence, so a nightly run over
    thousands of permanences stays short.

    Without `today`, each permanence's today is its antenna's (inclusion.clock): a nightly run
    at 1:00 in Paris is still yesterday evening in Cayenne, whose today's date must stay.
    """
    horizon = datetime.timedelta(weeks=weeks or settings.OCCURRENCE_HORIZON_WEEKS)
    report = GenerationReport()
    batch: list[Permanence] = []
    for permanence in permanences:
        batch.append(permanence)
        if len(batch) == BATCH_SIZE:
            report += _generate_batch(batch, today, horizon)
            batch = []
    if batch:
        report += _generate_batch(batch, today, horizon)
    return report


class Fate(enum.Enum):
    """What becomes of an existing date of the series."""

    KEEP = "keep"  # left as it is
    UNFLAG = "unflag"  # back in the rule: no longer "to resolve"
    FLAG = "flag"  # kept, and marked "to resolve" for a coordinator
    RETIRE = "retire"  # cancelled and taken out of the series: its cancelled bookings stay
    DELETE = "delete"  # removed with its slots: it held no booking at all


@dataclasses.dataclass(frozen=True)
class Decision:
    """A date's fate, and the slots whose seats change with it."""

    fate: Fate
    # Slots of a date the rule still gives, whose seats become the permanence's.
    resized: tuple[Slot, ...] = ()

    @property
    def frees_its_day(self) -> bool:
        """Whether the series may give this date's day again, to a new date."""
        return self.fate in (Fate.DELETE, Fate.RETIRE)


def _occurrence_decide(
    occurrence: Occurrence, slots: Sequence[CountedSlot], wanted: SlotTimes | None, seats: int
) -> Decision:
    """What becomes of one existing future date of the series, under its permanence's rule as it now is.

    `wanted` is the slots' times the rule gives on its day, None when the rule no longer gives
    that day (other weekday, a holiday, a closure, the permanence suspended or ended).

    A date that holds active bookings is never dropped: when the rule no longer gives it as it
    is, it is kept and flagged "to resolve" (counted once, when first flagged). A date with only
    cancelled bookings is retired, so their history stays; a date without any booking is deleted.
    A date the rule still gives takes the new seats where its active bookings fit, and is flagged
    where they do not; otherwise a flagged one is cleared of its flag. Detached dates (moved or
    opened by hand) and cancelled dates are left as they are; past dates (before the antenna's
    today) are not even read.
    """
    if occurrence.is_detached or occurrence.status == OccurrenceStatus.CANCELLED:
        return Decision(Fate.KEEP)
    if _still_in_the_rule(occurrence, slots, wanted):
        return _seats_decide(occurrence, slots, seats)
    # Out of the rule. Never dropped while it holds active bookings: kept, to resolve.
    if any(slot.active_bookings for slot in slots):
        return Decision(Fate.KEEP if occurrence.needs_resolution else Fate.FLAG)
    # Only cancelled bookings: retired, not deleted, so that they keep their date.
    if any(slot.all_bookings for slot in slots):
        return Decision(Fate.RETIRE)
    return Decision(Fate.DELETE)


def _still_in_the_rule(occurrence: Occurrence, slots: Sequence[CountedSlot], wanted: SlotTimes | None) -> bool:
    """Whether the rule still gives this date on its day, with the same slots."""
    return wanted is not None and occurrence.date == occurrence.rule_date and wanted == _slot_times(slots)


def _seats_decide(occurrence: Occurrence, slots: Sequence[CountedSlot], seats: int) -> Decision:
    """A date the rule still gives: each slot takes the new seats unless its active bookings no
    longer fit, which flags the date."""
    changed = [slot for slot in slots if slot.seats != seats]
    resized = tuple(slot for slot in changed if slot.active_bookings <= seats)
    if len(resized) < len(changed):
        return Decision(Fate.FLAG, resized)
    return Decision(Fate.UNFLAG if occurrence.needs_resolution else Fate.KEEP, resized)


def _slot_times(slots: Sequence[CountedSlot]) -> SlotTimes:
    return [(slot.starts_at, slot.ends_at) for slot in slots]


@dataclasses.dataclass
class _Batch:
    """What one batch of permanences is generated from."""

    todays: dict[int, datetime.date]  # by permanence
    horizon: datetime.timedelta
    closures: dict[int, list[Closure]]  # by antenna
    holidays: dict[str, set[datetime.date]]  # by department
    existing: dict[int, dict[datetime.date, Occurrence]]  # by permanence, then rule date


@dataclasses.dataclass
class _Plan:
    """The batch's writes, gathered as each date is decided, to be made in bulk."""

    fates: dict[Fate, list[int]] = dataclasses.field(default_factory=lambda: {fate: [] for fate in Fate})
    resized: list[Slot] = dataclasses.field(default_factory=list)
    to_create: list[tuple[Permanence, datetime.date | None, SlotTimes]] = dataclasses.field(default_factory=list)


@transaction.atomic
def _generate_batch(
    permanences: list[Permanence], today: datetime.date | None, horizon: datetime.timedelta
) -> GenerationReport:
    """One batch, in one transaction: read it, decide each date, then write in bulk."""
    batch = _batch_read(permanences, today, horizon)
    plan = _Plan()
    for permanence in permanences:
        _permanence_plan(batch, permanence, plan)
    return _plan_apply(plan)


def _batch_read(permanences: list[Permanence], today: datetime.date | None, horizon: datetime.timedelta) -> _Batch:
    # Antennas' todays differ by a day at most: the batch reads from the earliest to the latest.
    todays = {permanence.pk: today or antenna_today(permanence.antenna) for permanence in permanences}
    first_day, last_day = min(todays.values()), max(todays.values()) + horizon
    departments = {permanence.antenna.department_code for permanence in permanences}
    return _Batch(
        todays=todays,
        horizon=horizon,
        closures=_closures_by_antenna({permanence.antenna_id for permanence in permanences}, first_day, last_day),
        holidays={department: public_holidays(department, first_day, last_day) for department in departments},
        existing=_series_dates_locked(todays, first_day),
    )


def _closures_by_antenna(
    antenna_ids: set[int], first_day: datetime.date, last_day: datetime.date
) -> dict[int, list[Closure]]:
    closures: dict[int, list[Closure]] = defaultdict(list)
    for closure in Closure.objects.filter(antenna_id__in=antenna_ids, ends_on__gte=first_day, starts_on__lte=last_day):
        closures[closure.antenna_id].append(closure)
    return closures


def _series_dates_locked(
    todays: dict[int, datetime.date], first_day: datetime.date
) -> dict[int, dict[datetime.date, Occurrence]]:
    """The series' dates of these permanences from each one's today, by rule date, locked until
    the batch's transaction ends, with their slots and the slots' bookings counted."""
    occurrences = list(
        Occurrence.objects.filter(permanence_id__in=list(todays), date__gte=first_day, rule_date__isnull=False)
        .select_for_update(of=("self",))
        # Aggregating queries ignore Meta.ordering: order explicitly to compare with the rule.
        .prefetch_related(
            Prefetch("slots", queryset=Slot.objects.annotate(all_bookings=Count("bookings")).order_by("starts_at"))
        )
    )
    _active_bookings_count(occurrences)
    existing: dict[int, dict[datetime.date, Occurrence]] = defaultdict(dict)
    for occurrence in occurrences:
        # A date before its antenna's today is in the past there: never touched.
        if occurrence.rule_date is not None and occurrence.date >= todays[occurrence.permanence_id]:
            existing[occurrence.permanence_id][occurrence.rule_date] = occurrence
    return existing


def _active_bookings_count(occurrences: list[Occurrence]) -> None:
    """Give each slot of these dates its count of active bookings, as the bookings app defines
    them (Booking.objects.active(), the seats taken), in one query."""
    if not occurrences:
        return
    counts = dict(
        Booking.objects.active()
        .filter(slot__occurrence__in=occurrences)
        .order_by()
        .values("slot")
        .annotate(taken=Count("pk"))
        .values_list("slot", "taken")
    )
    for occurrence in occurrences:
        for slot in cast("list[CountedSlot]", list(occurrence.slots.all())):
            slot.active_bookings = counts.get(slot.pk, 0)


def _wanted_dates(batch: _Batch, permanence: Permanence) -> dict[datetime.date, SlotTimes]:
    """The days the rule gives from the permanence's today over the horizon, less its antenna's
    public holidays and closures, each with its slots' times; none for a suspended permanence."""
    if not permanence.is_active:
        return {}
    today = batch.todays[permanence.pk]
    holidays = batch.holidays[permanence.antenna.department_code]
    closures = batch.closures.get(permanence.antenna_id, [])
    return {
        day: permanence.slot_times(day)
        for day in permanence.rule_dates(today, today + batch.horizon)
        if day not in holidays and not any(closure.covers(day, permanence.pk) for closure in closures)
    }


def _permanence_plan(batch: _Batch, permanence: Permanence, plan: _Plan) -> None:
    """Decide each existing date of the permanence, and which wanted days need a new date."""
    wanted = _wanted_dates(batch, permanence)
    current = batch.existing.get(permanence.pk, {})
    freed: set[datetime.date] = set()
    for rule_date, occurrence in current.items():
        # Prefetched by _series_dates_locked with their booking counts.
        slots = cast("list[CountedSlot]", list(occurrence.slots.all()))
        decision = _occurrence_decide(occurrence, slots, wanted.get(rule_date), permanence.seats)
        plan.fates[decision.fate].append(occurrence.pk)
        for slot in decision.resized:
            slot.seats = permanence.seats
            plan.resized.append(slot)
        if decision.frees_its_day:
            freed.add(rule_date)
    plan.to_create += [(permanence, day, times) for day, times in wanted.items() if day not in current or day in freed]


def _plan_apply(plan: _Plan) -> GenerationReport:
    """The batch's writes, in bulk: a fixed number of queries, whatever the number of dates."""
    report = GenerationReport(deleted=_dates_delete(plan.fates[Fate.DELETE]) + _dates_retire(plan.fates[Fate.RETIRE]))
    if plan.fates[Fate.UNFLAG]:
        Occurrence.objects.filter(pk__in=plan.fates[Fate.UNFLAG]).update(needs_resolution=False)
    if plan.fates[Fate.FLAG]:
        report.to_resolve = Occurrence.objects.filter(pk__in=plan.fates[Fate.FLAG]).update(needs_resolution=True)
    if plan.resized:
        report.updated_seats = Slot.objects.bulk_update(plan.resized, ["seats"])
    if plan.to_create:
        report.created = len(_occurrences_create(plan.to_create))
    return report


def _dates_delete(ids: list[int]) -> int:
    if ids:
        Slot.objects.filter(occurrence_id__in=ids).delete()
        Occurrence.objects.filter(pk__in=ids).delete()
    return len(ids)


def _dates_retire(ids: list[int]) -> int:
    if not ids:
        return 0
    # Out of the series (rule_date cleared) so the series may give that day again.
    return Occurrence.objects.filter(pk__in=ids).update(
        status=OccurrenceStatus.CANCELLED,
        cancel_reason=gettext("No longer in the schedule"),
        cancelled_at=timezone.now(),
        rule_date=None,
    )


def _occurrences_create(rows: Sequence[tuple[Permanence, datetime.date | None, SlotTimes]]) -> list[Occurrence]:
    """Dates and their slots, in two queries: (permanence, rule date or None, slots' times) each."""
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
