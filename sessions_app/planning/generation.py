"""The dates of the permanences' series, brought in line with their rules, holidays and closures.

`occurrences_generate` works per batch of 500 permanences, in a fixed number of queries: it reads
the batch's closures and holidays and works out the dates each rule wants; one query then tells
which permanences' stored dates already are those (`_in_line`: a digest of each stored series,
compared with the one the rule gives), which are left alone, neither locked nor read further,
but for the days the horizon moving on gave them. For the others, in one transaction, it locks
and reads their existing dates and bookings, decides what becomes of each existing date
(`_occurrence_decide`, where the rule "a date that holds bookings is never dropped" lives),
then makes the writes in bulk.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import hashlib
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple, TypeAlias, TypedDict, cast

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg, StringAgg
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Count,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import MD5, Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext

from inclusion.core.clock import antenna_today
from inclusion.core.lookups import one_of
from sessions_app.bookings.models import Booking
from sessions_app.scheduling.enums import Frequency, OccurrenceStatus
from sessions_app.scheduling.models import Closure, Occurrence, Permanence, Slot
from sessions_app.scheduling.public_holidays import public_holidays

BATCH_SIZE = 500

# The (start, end) of each slot of one date, as Permanence.slot_times gives them.
SlotTimes = list[tuple[datetime.datetime, datetime.datetime]]

# What Permanence.slot_times reads besides the day: the antenna's time zone, whether it is a
# workshop, its start and end, its slots' length and whether a shorter last slot is left out.
SlotShape: TypeAlias = tuple[str, bool, datetime.time, datetime.time, int, bool]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)

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
    thousands of permanences stays short; a permanence whose stored dates already are what its
    rule wants is neither locked nor written, so a run with nothing to change, or the next day's
    with a few new dates, takes a fraction of a first generation.

    Without `today`, each permanence's today is its antenna's (inclusion.clock): a nightly run
    at 1:00 in Paris is still yesterday evening in Cayenne, whose today's date must stay.
    """
    horizon = datetime.timedelta(weeks=weeks or settings.OCCURRENCE_HORIZON_WEEKS)
    rules = _RuleMemo()
    report = GenerationReport()
    batch: list[Permanence] = []
    for permanence in permanences:
        batch.append(permanence)
        if len(batch) == BATCH_SIZE:
            report += _generate_batch(batch, today, horizon, rules)
            batch = []
    if batch:
        report += _generate_batch(batch, today, horizon, rules)
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


class _RuleMemo:
    """The days and slots' times the rules give, worked out once per run for every permanence
    that shares them.

    dateutil walks a rule from its first valid day on, a year of weeks for a permanence opened a
    year ago, and placing slots in a time zone is not free either: over thousands of permanences
    that share a few dozen rules and hours, the generator spent more time there than anywhere
    but the database. A rule is started afresh from a recent day that gives the same days (see
    `_rule_anchor`), and each result is kept for the run, to be shared: the days and slots'
    times it returns are not to be changed. So are the texts of the dates the rules want, that
    `_in_line` compares with the stored ones.
    """

    def __init__(self) -> None:
        self._days: dict[tuple[object, ...], list[datetime.date]] = {}
        self._slots: dict[SlotShape, dict[datetime.date, SlotTimes]] = defaultdict(dict)
        # For series_text: each day's slots as "start-end", then each date's text, by its seats too.
        self._bounds: dict[SlotShape, dict[datetime.date, list[str]]] = defaultdict(dict)
        self._texts: dict[tuple[SlotShape, int], dict[datetime.date, str]] = defaultdict(dict)

    def rule_days(self, permanence: Permanence, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        """The days the rule gives between first and last included, within the permanence's
        validity: what Permanence.rule_dates(first, last) gives."""
        first = max(first, permanence.valid_from)
        if permanence.valid_until:
            last = min(last, permanence.valid_until)
        if last < first:
            return []
        anchor = _rule_anchor(permanence, first)
        monthly = permanence.frequency == Frequency.MONTHLY
        rhythm = permanence.monthly_position if monthly else permanence.interval_weeks
        key = (permanence.frequency, permanence.weekday, rhythm, anchor, first, last)
        days = self._days.get(key)
        if days is None:
            rule = permanence.recurrence_rule().replace(dtstart=datetime.datetime.combine(anchor, datetime.time()))
            moments = rule.between(
                datetime.datetime.combine(first, datetime.time()),
                datetime.datetime.combine(last, datetime.time()),
                inc=True,
            )
            days = self._days[key] = [moment.date() for moment in moments]
        return days

    def day_slots(self, permanence: Permanence, days: Iterable[datetime.date]) -> dict[datetime.date, SlotTimes]:
        """Each day with Permanence.slot_times(day)."""
        shape = _slot_shape(permanence)
        return {day: self._day_times(permanence, shape, day) for day in days}

    def series_text(self, permanence: Permanence, days: Iterable[datetime.date]) -> str:
        """What `_series_digests` reads, before its digest, for a series of dates on these days,
        each with the rule's slots and the permanence's seats."""
        shape, seats = _slot_shape(permanence), permanence.seats
        known, bounds = self._texts[shape, seats], self._bounds[shape]
        texts = []
        for day in days:
            text = known.get(day)
            if text is None:
                if day not in bounds:
                    times = self._day_times(permanence, shape, day)
                    bounds[day] = [f"{_microseconds(start)}-{_microseconds(end)}" for start, end in times]
                text = known[day] = f"{day.isoformat()}|" + ",".join(f"{bound}-{seats}" for bound in bounds[day])
            texts.append(text)
        return ";".join(texts)

    def _day_times(self, permanence: Permanence, shape: SlotShape, day: datetime.date) -> SlotTimes:
        """Permanence.slot_times(day), shared by the permanences of the same shape."""
        known = self._slots[shape]
        times = known.get(day)
        if times is None:
            times = known[day] = permanence.slot_times(day)
        return times


def _rule_anchor(permanence: Permanence, first: datetime.date) -> datetime.date:
    """A day, on or before `first`, from which the rule started afresh gives the days it gives from
    its first valid day, from `first` on (`first` being within its validity).

    A monthly rule gives its weekday of each month: started on the first of `first`'s month, it
    gives the same days. A weekly one counts its every-N-weeks from the week of its first valid
    day (PermanenceQuerySet.twin_of): the Monday of the latest such week up to `first`'s.
    """
    if permanence.frequency == Frequency.MONTHLY:
        return first.replace(day=1)
    week = first - datetime.timedelta(days=first.weekday())
    origin = permanence.valid_from - datetime.timedelta(days=permanence.valid_from.weekday())
    return week - datetime.timedelta(days=(week - origin).days % (7 * permanence.interval_weeks))


def _slot_shape(permanence: Permanence) -> SlotShape:
    return (
        permanence.antenna.time_zone,
        permanence.is_workshop,
        permanence.start_time,
        permanence.end_time,
        permanence.slot_minutes,
        permanence.whole_slots_only,
    )


def _microseconds(moment: datetime.datetime) -> int:
    """Microseconds since 1970 (UTC): how `_series_digests` writes a slot's start and end."""
    return (moment - _EPOCH) // _MICROSECOND


@dataclasses.dataclass
class _Batch:
    """What one batch of permanences is generated from."""

    todays: dict[int, datetime.date]  # by permanence
    wanted: dict[int, list[datetime.date]]  # by permanence: the days its rule wants, in order
    # By permanence, then rule date: the dates of the permanences out of line only.
    existing: dict[int, dict[datetime.date, Occurrence]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class _Plan:
    """The batch's writes, gathered as each date is decided, to be made in bulk."""

    fates: dict[Fate, list[int]] = dataclasses.field(default_factory=lambda: {fate: [] for fate in Fate})
    resized: list[Slot] = dataclasses.field(default_factory=list)
    to_create: list[tuple[Permanence, datetime.date | None, SlotTimes]] = dataclasses.field(default_factory=list)


def _generate_batch(
    permanences: list[Permanence], today: datetime.date | None, horizon: datetime.timedelta, rules: _RuleMemo
) -> GenerationReport:
    """One batch: read it and tell the permanences already in line, without a lock nor a
    transaction of its own; those are left alone, or only given the days the horizon gained.
    Then, in one transaction, those days are added and the other permanences brought in line."""
    batch = _batch_read(permanences, today, horizon, rules)
    in_line = _in_line(permanences, batch, rules)
    out_of_line = [permanence for permanence in permanences if permanence.pk not in in_line]
    appended = [(permanence, in_line[permanence.pk]) for permanence in permanences if in_line.get(permanence.pk)]
    if not out_of_line and not appended:
        return GenerationReport()
    return _batch_write(out_of_line, appended, batch, rules)


@transaction.atomic
def _batch_write(
    out_of_line: list[Permanence],
    appended: list[tuple[Permanence, list[datetime.date]]],
    batch: _Batch,
    rules: _RuleMemo,
) -> GenerationReport:
    """The new dates of the permanences in line but for their last days; for the others, lock and
    read their dates and decide each of them. Then the writes, in bulk."""
    plan = _Plan()
    for permanence, days in appended:
        plan.to_create += [(permanence, day, times) for day, times in rules.day_slots(permanence, days).items()]
    if out_of_line:
        todays = {permanence.pk: batch.todays[permanence.pk] for permanence in out_of_line}
        batch.existing = _series_dates_locked(todays)
        for permanence in out_of_line:
            _permanence_plan(permanence, rules.day_slots(permanence, batch.wanted[permanence.pk]), batch, plan)
    return _plan_apply(plan)


def _batch_read(
    permanences: list[Permanence], today: datetime.date | None, horizon: datetime.timedelta, rules: _RuleMemo
) -> _Batch:
    """Each permanence's today and the dates its rule wants over the horizon from it."""
    # Antennas' todays differ by a day at most: the batch reads from the earliest to the latest.
    todays = {permanence.pk: today or antenna_today(permanence.antenna) for permanence in permanences}
    first_day, last_day = min(todays.values()), max(todays.values()) + horizon
    departments = {permanence.antenna.department_code for permanence in permanences}
    holidays = {department: public_holidays(department, first_day, last_day) for department in departments}
    closures = _closures_by_antenna({permanence.antenna_id for permanence in permanences}, first_day, last_day)
    wanted = {
        permanence.pk: _wanted_dates(
            permanence,
            rules,
            todays[permanence.pk],
            todays[permanence.pk] + horizon,
            holidays[permanence.antenna.department_code],
            closures.get(permanence.antenna_id, []),
        )
        for permanence in permanences
    }
    return _Batch(todays=todays, wanted=wanted)


def _closures_by_antenna(
    antenna_ids: set[int], first_day: datetime.date, last_day: datetime.date
) -> dict[int, list[Closure]]:
    closures: dict[int, list[Closure]] = defaultdict(list)
    in_batch = one_of("antenna_id", list(antenna_ids))
    for closure in Closure.objects.filter(in_batch, ends_on__gte=first_day, starts_on__lte=last_day):
        closures[closure.antenna_id].append(closure)
    return closures


def _wanted_dates(
    permanence: Permanence,
    rules: _RuleMemo,
    first: datetime.date,
    last: datetime.date,
    holidays: set[datetime.date],
    closures: list[Closure],
) -> list[datetime.date]:
    """The days the rule gives from first to last, in order, less the antenna's public holidays
    and closures; none for a suspended permanence."""
    if not permanence.is_active:
        return []
    closures = [closure for closure in closures if closure.permanence_id in (None, permanence.pk)]
    return [
        day
        for day in rules.rule_days(permanence, first, last)
        if day not in holidays and not (closures and any(closure.covers(day, permanence.pk) for closure in closures))
    ]


class _StoredSeries(NamedTuple):
    """A permanence's series from its today, as `_series_digests` reads it."""

    kept: frozenset[datetime.date]  # the rule dates of its detached and cancelled dates
    compared: int  # how many other dates it has
    unsettled: int  # how many of those others are off their rule date or to resolve
    digest: str | None  # a digest of those others, None when there are none


_NO_SERIES = _StoredSeries(kept=frozenset(), compared=0, unsettled=0, digest=None)


def _in_line(permanences: list[Permanence], batch: _Batch, rules: _RuleMemo) -> dict[int, list[datetime.date]]:
    """The permanences whose stored series already is what their rule wants but, maybe, for its
    last days, in one query: each with those days, which the horizon moving on gave it (none
    for a series fully in line). The generator would leave each of their dates as it is and
    add a date on those days only.

    That is: the dates of the series that are neither detached nor cancelled (those are always
    left as they are) are exactly the days the rule wants but those last ones, each on its own
    day, not to resolve, with the rule's slots and seats; the last days hold no date of the
    series. A date to resolve is never in line: what becomes of it depends on its bookings.

    Read without a lock: a permanence found in line is left as a run a moment earlier would have
    left it (a coordinator's change regenerates its own permanence, under its locks). The
    digests are PostgreSQL's: on the SQLite file for trying the application, every series is
    read in full.
    """
    if connection.vendor != "postgresql":
        return {}
    stored = _series_digests(batch.todays)
    in_line = {}
    for permanence in permanences:
        days = _days_to_append(permanence, batch.wanted[permanence.pk], stored.get(permanence.pk, _NO_SERIES), rules)
        if days is not None:
            in_line[permanence.pk] = days
    return in_line


def _days_to_append(
    permanence: Permanence, wanted: list[datetime.date], stored: _StoredSeries, rules: _RuleMemo
) -> list[datetime.date] | None:
    """The last days the rule wants that the stored series lacks, when it is otherwise what the
    rule wants (`_in_line`); None when it is not."""
    compared = [day for day in wanted if day not in stored.kept] if stored.kept else wanted
    # The stored dates must be the first days the rule wants, exactly; the others, new, follow.
    held = stored.compared
    if stored.unsettled or held > len(compared):
        return None
    if held:
        text = rules.series_text(permanence, compared[:held])
        if hashlib.md5(text.encode(), usedforsecurity=False).hexdigest() != stored.digest:
            return None
    return compared[held:]


class _Epoch(Func):
    """A moment in microseconds since 1970 (UTC), whatever the session's time zone."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


class _IsoDate(Func):
    """A date as YYYY-MM-DD, whatever the session's date style."""

    function = "TO_CHAR"
    output_field = TextField()

    def __init__(self, expression: str) -> None:
        super().__init__(F(expression), Value("YYYY-MM-DD"))


def _series_digests(todays: dict[int, datetime.date]) -> dict[int, _StoredSeries]:
    """Each permanence's series from its today (the dates `_series_dates_locked` would read), in
    one query and without a lock: its detached and cancelled dates' rule dates, how many others
    it has and how many of those are off their day or to resolve, and a digest of their rule
    dates and slots in rule date order, as `_RuleMemo.series_text` writes them."""
    by_today: dict[datetime.date, list[int]] = defaultdict(list)
    for permanence_id, today in todays.items():
        by_today[today].append(permanence_id)
    from_today = functools.reduce(
        operator.or_, (Q(one_of("permanence_id", list(ids)), date__gte=today) for today, ids in by_today.items())
    )
    kept = Q(is_detached=True) | Q(status=OccurrenceStatus.CANCELLED)
    unsettled = ~kept & (~Q(date=F("rule_date")) | Q(needs_resolution=True))
    slots = (
        Slot.objects.filter(occurrence=OuterRef("pk"))
        .order_by()
        .values("occurrence")
        .annotate(
            text=StringAgg(
                Concat(
                    _Epoch("starts_at"),
                    Value("-"),
                    _Epoch("ends_at"),
                    Value("-"),
                    Cast("seats", TextField()),
                    output_field=TextField(),
                ),
                delimiter=",",
                order_by="starts_at",
            )
        )
        .values("text")
    )
    text = Concat(
        _IsoDate("rule_date"),
        Value("|"),
        Coalesce(Subquery(slots), Value(""), output_field=TextField()),
        output_field=TextField(),
    )
    rows = (
        Occurrence.objects.filter(from_today, rule_date__isnull=False)
        .order_by()
        .values("permanence_id")
        .annotate(
            kept=ArrayAgg("rule_date", filter=kept),
            compared=Count("pk", filter=~kept),
            unsettled=Count("pk", filter=unsettled),
            digest=MD5(StringAgg(text, delimiter=";", order_by="rule_date", filter=~kept)),
        )
        .values_list("permanence_id", "kept", "compared", "unsettled", "digest")
    )
    return {
        permanence_id: _StoredSeries(frozenset(kept or ()), compared, unsettled, digest)
        for permanence_id, kept, compared, unsettled, digest in rows
    }


def _series_dates_locked(todays: dict[int, datetime.date]) -> dict[int, dict[datetime.date, Occurrence]]:
    """The series' dates of these permanences from each one's today, by rule date, locked until
    the batch's transaction ends, with their slots and the slots' bookings counted."""
    occurrences = list(
        Occurrence.objects.filter(
            one_of("permanence_id", list(todays)), date__gte=min(todays.values()), rule_date__isnull=False
        )
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


def _permanence_plan(
    permanence: Permanence, wanted: dict[datetime.date, SlotTimes], batch: _Batch, plan: _Plan
) -> None:
    """Decide each existing date of the permanence, and which wanted days (with their slots'
    times) need a new date."""
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
