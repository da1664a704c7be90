"""Running the generator again: permanences whose stored dates already are what their rule wants
are left alone in a fixed number of queries (or only given the days the horizon gained), and any
other, whatever changed it (the rule, a closure, a date or a slot changed in the database, a
booking cancelled on a date to resolve), is regenerated as a first generation would have it."""

import datetime
import random
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q
from hypothesis import given
from hypothesis import strategies as st

from sessions_app.bookings.enums import BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.planning import generation, services
from sessions_app.scheduling.enums import Frequency, OccurrenceStatus, Weekday
from sessions_app.scheduling.models import Occurrence, Permanence, Slot
from tests.bookings.factories import BookingFactory
from tests.scheduling.factories import ClosureFactory, PermanenceFactory

PARIS = ZoneInfo("Europe/Paris")
# A Monday: its horizon of twelve weeks crosses the change to summer time (29 March 2026),
# Easter Monday (6 April), 1 and 8 May, Ascension Day (14 May).
TODAY = datetime.date(2026, 3, 16)
WEEKS = 12

# Kinds of permanence, in several departments, one overseas on its own clock: weekly, every
# other week, monthly, a workshop, a morning with a shorter last slot, then one without it.
KINDS = [
    {},
    {"weekday": Weekday.THURSDAY, "interval_weeks": 2, "antenna__department_code": "57"},
    {
        "monthly": True,
        "monthly_position": -1,
        "weekday": Weekday.FRIDAY,
        "antenna__department_code": "974",
        "antenna__time_zone": "Indian/Reunion",
    },
    {"workshop": True, "weekday": Weekday.MONDAY, "start_time": datetime.time(14), "end_time": datetime.time(16)},
    {"end_time": datetime.time(12, 30), "weekday": Weekday.WEDNESDAY, "antenna__department_code": "33"},
    {"end_time": datetime.time(12, 30), "whole_slots_only": True, "antenna__department_code": "973"},
]


def _generate(permanences, today=TODAY):
    """A run over these permanences as the daily task reads them, their antennas with them."""
    fresh = list(Permanence.objects.select_related("antenna").filter(pk__in=[p.pk for p in permanences]))
    return generation.occurrences_generate(permanences=fresh, today=today, weeks=WEEKS)


def _stored():
    """Every stored date, slot and booking, each with all its fields."""
    return [list(model.objects.order_by("pk").values_list()) for model in (Occurrence, Slot, Booking)]


def _nothing(report):
    return (report.created, report.deleted, report.to_resolve, report.updated_seats) == (0, 0, 0, 0)


def _series(permanence):
    """The permanence's dates in the series as the rule made them: day, status, flag, and each
    slot's local start and end with its seats."""
    zone = ZoneInfo(permanence.antenna.time_zone)
    return [
        (
            occurrence.date,
            occurrence.status,
            occurrence.needs_resolution,
            [
                (slot.starts_at.astimezone(zone).time(), slot.ends_at.astimezone(zone).time(), slot.seats)
                for slot in occurrence.slots.order_by("starts_at")
            ],
        )
        for occurrence in permanence.occurrences.filter(rule_date__isnull=False).order_by("date")
    ]


def _as_first_generated(permanence):
    """The series a first generation gives for the permanence's rule as it now is, on a twin
    made afresh at an antenna of the same department and zone, with the same closures."""
    fields = {
        field.name: getattr(permanence, field.name)
        for field in Permanence._meta.concrete_fields
        if field.name not in ("id", "antenna", "created_at", "updated_at")
    }
    antenna = permanence.antenna
    twin = PermanenceFactory(
        antenna__department_code=antenna.department_code, antenna__time_zone=antenna.time_zone, **fields
    )
    for closure in antenna.closures.filter(Q(permanence__isnull=True) | Q(permanence=permanence)):
        ClosureFactory(
            antenna=twin.antenna,
            permanence=twin if closure.permanence_id else None,
            starts_on=closure.starts_on,
            ends_on=closure.ends_on,
        )
    _generate([twin])
    return _series(twin)


@pytest.mark.parametrize("count", [1, len(KINDS)])
def test_a_second_run_with_nothing_to_change_makes_two_queries_and_changes_nothing(count, django_assert_num_queries):
    permanences = [PermanenceFactory(**kind) for kind in KINDS[:count]]
    ClosureFactory(
        antenna=permanences[0].antenna, starts_on=datetime.date(2026, 4, 20), ends_on=datetime.date(2026, 5, 3)
    )
    _generate(permanences)
    for permanence in permanences:
        # A monthly permanence has three dates over the horizon, the others more.
        cancelled, moved, booked, *later = permanence.occurrences.order_by("date")
        services.occurrence_cancel(occurrence=cancelled, reason="Grève", by=None)
        services.occurrence_move(
            occurrence=moved, day=moved.date + datetime.timedelta(days=1), start=datetime.time(15)
        )
        BookingFactory(slot=booked.slots.first())
        BookingFactory(slot=(later or [booked])[0].slots.first(), status=BookingStatus.CANCELLED)
        services.occurrence_add(
            permanence=permanence,
            day=TODAY + datetime.timedelta(days=5),
            start=datetime.time(17),
            end=datetime.time(18),
        )
    fresh = list(Permanence.objects.select_related("antenna").filter(pk__in=[p.pk for p in permanences]))
    before = _stored()

    # The closures of the batch, then the digest of each stored series: nothing locked, nothing else read.
    with django_assert_num_queries(2):
        report = generation.occurrences_generate(permanences=fresh, today=TODAY, weeks=WEEKS)

    assert _nothing(report)
    assert _stored() == before


def test_a_suspended_permanence_whose_dates_are_gone_is_left_alone(django_assert_num_queries):
    permanence = PermanenceFactory()
    _generate([permanence])
    services.permanence_set_active(permanence=permanence, is_active=False, today=TODAY)
    assert not permanence.occurrences.exists()
    fresh = list(Permanence.objects.select_related("antenna").filter(pk=permanence.pk))
    with django_assert_num_queries(2):
        assert _nothing(generation.occurrences_generate(permanences=fresh, today=TODAY, weeks=WEEKS))


RULE_CHANGES = {
    "the hours": {"start_time": datetime.time(10), "end_time": datetime.time(12)},
    "the seats": {"seats": 3},
    "the slots' length": {"end_time": datetime.time(11), "slot_minutes": 40},
    "the weekday": {"weekday": Weekday.FRIDAY},
    "every other week": {"interval_weeks": 2},
    "monthly": {"frequency": Frequency.MONTHLY, "monthly_position": 2},
    "the end of its validity": {"valid_until": datetime.date(2026, 4, 30)},
    "suspended": {"is_active": False},
}


@pytest.mark.parametrize("changes", RULE_CHANGES.values(), ids=RULE_CHANGES.keys())
def test_a_permanence_changed_between_two_runs_is_regenerated_and_the_others_left_alone(changes):
    changed, *others = [PermanenceFactory(**kind) for kind in KINDS[:3]]
    _generate([changed, *others])
    untouched = [_series(other) for other in others]
    other_rows = sorted(Slot.objects.exclude(occurrence__permanence=changed).values_list())
    # Written straight to the table, as an import or the technical admin would: only the next run sees it.
    Permanence.objects.filter(pk=changed.pk).update(**changes)
    changed.refresh_from_db()

    report = _generate([changed, *others])

    assert not _nothing(report)
    assert [_series(other) for other in others] == untouched
    assert sorted(Slot.objects.exclude(occurrence__permanence=changed).values_list()) == other_rows
    assert _series(changed) == _as_first_generated(changed)


def _delete_a_date(occurrence):
    occurrence.slots.all().delete()
    occurrence.delete()


def _change_a_slots_seats(occurrence):
    occurrence.slots.update(seats=5)


def _shorten_a_slot(occurrence):
    slot = occurrence.slots.order_by("starts_at").last()
    Slot.objects.filter(pk=slot.pk).update(ends_at=slot.ends_at - datetime.timedelta(minutes=15))


def _remove_a_slot(occurrence):
    occurrence.slots.order_by("starts_at").last().delete()


def _add_a_slot(occurrence):
    last = occurrence.slots.order_by("starts_at").last()
    Slot.objects.create(
        occurrence=occurrence, starts_at=last.ends_at, ends_at=last.ends_at + datetime.timedelta(hours=1), seats=2
    )


def _move_a_date_without_detaching_it(occurrence):
    Occurrence.objects.filter(pk=occurrence.pk).update(date=occurrence.date + datetime.timedelta(days=1))


def _flag_a_date(occurrence):
    Occurrence.objects.filter(pk=occurrence.pk).update(needs_resolution=True)


def _add_a_date_the_rule_does_not_give(occurrence):
    day = occurrence.date + datetime.timedelta(days=2)
    date = Occurrence.objects.create(
        permanence=occurrence.permanence,
        rule_date=day,
        date=day,
        starts_at=occurrence.starts_at + datetime.timedelta(days=2),
        ends_at=occurrence.ends_at + datetime.timedelta(days=2),
    )
    Slot.objects.create(occurrence=date, starts_at=date.starts_at, ends_at=date.ends_at, seats=2)


def _close_the_antenna(occurrence):
    ClosureFactory(antenna=occurrence.permanence.antenna, starts_on=occurrence.date, ends_on=occurrence.date)


def _close_the_permanence(occurrence):
    permanence = occurrence.permanence
    ClosureFactory(
        antenna=permanence.antenna, permanence=permanence, starts_on=occurrence.date, ends_on=occurrence.date
    )


CHANGES_BY_HAND = {
    "a date deleted": _delete_a_date,
    "a slot's seats changed": _change_a_slots_seats,
    "a slot shortened": _shorten_a_slot,
    "a slot removed": _remove_a_slot,
    "a slot added": _add_a_slot,
    "a date moved without being detached": _move_a_date_without_detaching_it,
    "a date flagged to resolve": _flag_a_date,
    "a date the rule does not give": _add_a_date_the_rule_does_not_give,
    "the antenna closed that day": _close_the_antenna,
    "the permanence closed that day": _close_the_permanence,
}


@pytest.mark.parametrize("change", CHANGES_BY_HAND.values(), ids=CHANGES_BY_HAND.keys())
def test_a_series_changed_in_the_database_is_put_back_as_its_rule_wants(change):
    permanence = PermanenceFactory(end_time=datetime.time(11, 30))
    other = PermanenceFactory(antenna=permanence.antenna, weekday=Weekday.THURSDAY)
    _generate([permanence, other])
    untouched = _series(other)
    change(permanence.occurrences.order_by("date")[3])

    _generate([permanence, other])

    assert _series(permanence) == _as_first_generated(permanence)
    assert _series(other) == untouched
    assert _nothing(_generate([permanence, other]))


def test_a_date_to_resolve_whose_bookings_were_cancelled_since_is_retired():
    """A date kept to resolve for its bookings is read again at every run: once they are all
    cancelled, it is retired (its cancelled bookings keep it) and the rule's date takes its day."""
    permanence = PermanenceFactory()
    _generate([permanence])
    booked = permanence.occurrences.order_by("date")[2]
    booking = BookingFactory(slot=booked.slots.get())
    Permanence.objects.filter(pk=permanence.pk).update(start_time=datetime.time(8), end_time=datetime.time(9))
    assert _generate([permanence]).to_resolve == 1
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)

    report = _generate([permanence])

    booked.refresh_from_db()
    assert (booked.status, booked.rule_date, report.deleted) == (OccurrenceStatus.CANCELLED, None, 1)
    new = permanence.occurrences.get(rule_date=booked.date)
    assert new.starts_at.astimezone(PARIS).time() == datetime.time(8)


def test_a_date_whose_seats_were_too_few_takes_them_once_its_bookings_fit():
    permanence = PermanenceFactory(seats=2)
    _generate([permanence])
    occurrence = permanence.occurrences.order_by("date").first()
    first, _second = BookingFactory(slot=occurrence.slots.get()), BookingFactory(slot=occurrence.slots.get())
    Permanence.objects.filter(pk=permanence.pk).update(seats=1)
    assert _generate([permanence]).to_resolve == 1
    Booking.objects.filter(pk=first.pk).update(status=BookingStatus.CANCELLED)

    report = _generate([permanence])

    occurrence.refresh_from_db()
    assert (occurrence.needs_resolution, occurrence.slots.get().seats, report.updated_seats) == (False, 1, 1)


def test_the_next_day_only_the_new_days_are_added_without_reading_the_series_again(django_assert_num_queries):
    permanences = [PermanenceFactory(**kind) for kind in KINDS]
    _generate(permanences)
    before = [_series(permanence) for permanence in permanences]
    fresh = list(Permanence.objects.select_related("antenna").filter(pk__in=[p.pk for p in permanences]))

    # Twelve weeks from Tuesday 17 March end on Tuesday 9 June: a new date for each weekly
    # Tuesday permanence, the others as they were. The closures, the digests, then, in the
    # batch's savepoint, the new dates and their slots: no date read again nor locked.
    with django_assert_num_queries(6):
        report = generation.occurrences_generate(
            permanences=fresh, today=TODAY + datetime.timedelta(days=1), weeks=WEEKS
        )

    after = [_series(permanence) for permanence in permanences]
    assert [series[: len(old)] for series, old in zip(after, before, strict=True)] == before
    added = [[row[0] for row in series[len(old) :]] for series, old in zip(after, before, strict=True)]
    weekly_tuesdays = [p.weekday == Weekday.TUESDAY and p.frequency == Frequency.WEEKLY for p in permanences]
    assert added == [[datetime.date(2026, 6, 9)] if tuesday else [] for tuesday in weekly_tuesdays]
    assert (report.created, report.deleted) == (sum(weekly_tuesdays), 0)


def test_a_run_over_many_permanences_sharing_few_rules_gives_each_its_own_dates():
    """The rules' days and slots are worked out once for the permanences that share them: each
    permanence still gets the dates its own first generation would give it."""
    rng = random.Random(17)  # noqa: S311 (repeatable test data, not secrets)
    permanences = [
        PermanenceFactory(
            weekday=rng.randrange(5),
            interval_weeks=rng.choice([1, 2, 3]),
            valid_from=TODAY - datetime.timedelta(days=rng.randrange(60)),
            seats=rng.choice([1, 2]),
            antenna__department_code=rng.choice(["13", "57", "974"]),
        )
        for _ in range(12)
    ]
    _generate(permanences)
    for permanence in permanences:
        alone = _series(permanence)
        permanence.occurrences.all().delete()
        _generate([permanence])
        assert _series(permanence) == alone


RULES = st.fixed_dictionaries(
    {
        "frequency": st.sampled_from([Frequency.WEEKLY, Frequency.MONTHLY]),
        "weekday": st.integers(0, 6),
        "interval_weeks": st.integers(1, 8),
        "monthly_position": st.sampled_from([None, 1, 2, 3, 4, -1]),
        "valid_from": st.dates(datetime.date(2024, 1, 1), datetime.date(2027, 12, 31)),
        "valid_for": st.one_of(st.none(), st.integers(0, 800)),
    }
)
WINDOWS = st.tuples(st.dates(datetime.date(2024, 1, 1), datetime.date(2028, 12, 31)), st.integers(0, 120))


@given(rules=st.lists(RULES, min_size=1, max_size=8), windows=st.lists(WINDOWS, min_size=1, max_size=4))
def test_the_rules_days_worked_out_once_are_the_permanences_own(rules, windows):
    """The memo of the rules' days, shared by every permanence of a run, gives each one what its
    own rule_dates gives, whatever its rhythm, validity and the window."""
    memo = generation._RuleMemo()
    for rule in rules:
        fields = {name: value for name, value in rule.items() if name != "valid_for"}
        if rule["valid_for"] is not None:
            fields["valid_until"] = rule["valid_from"] + datetime.timedelta(days=rule["valid_for"])
        permanence = Permanence(**fields)
        for first, length in windows:
            last = first + datetime.timedelta(days=length)
            assert memo.rule_days(permanence, first, last) == permanence.rule_dates(first, last)
