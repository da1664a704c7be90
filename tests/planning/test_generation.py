"""Dates and slots generated from the permanences' rules: recurrence, holidays, closures,
daylight saving, idempotence, and booked dates that are never dropped."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_app.bookings.enums import BookingStatus, ChangeKind
from sessions_app.bookings.models import AppointmentChange, Booking
from sessions_app.planning import generation, services
from sessions_app.scheduling.enums import Frequency, OccurrenceStatus, Weekday
from sessions_app.scheduling.models import Occurrence, Permanence, Slot
from sessions_app.scheduling.public_holidays import public_holidays
from tests.bookings.factories import BookingFactory
from tests.scheduling.factories import ClosureFactory, PermanenceFactory

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def _four_week_horizon(settings):
    """Services that regenerate after an edit use the configured horizon: four weeks here."""
    settings.OCCURRENCE_HORIZON_WEEKS = 4


NEW_YEAR = datetime.date(2026, 1, 1)


def _generate(permanence, today=NEW_YEAR, weeks=52):
    return generation.occurrences_generate(permanences=[permanence], today=today, weeks=weeks)


def _dates(permanence):
    return list(permanence.occurrences.order_by("date").values_list("date", flat=True))


def test_every_tuesday_over_a_year_skips_only_the_holidays_on_a_tuesday():
    permanence = PermanenceFactory(valid_until=datetime.date(2026, 12, 31))
    _generate(permanence)
    dates = _dates(permanence)
    tuesdays = [NEW_YEAR + datetime.timedelta(days=n) for n in range(365)]
    tuesdays = [day for day in tuesdays if day.weekday() == 1]
    # 14 July 2026, the national day, is the only public holiday on a Tuesday that year.
    assert dates == [day for day in tuesdays if day != datetime.date(2026, 7, 14)]
    assert len(dates) == 51


def test_every_other_week_starts_from_the_first_valid_day():
    permanence = PermanenceFactory(
        weekday=Weekday.THURSDAY,
        interval_weeks=2,
        valid_from=datetime.date(2026, 1, 8),
        valid_until=datetime.date(2026, 3, 31),
    )
    _generate(permanence)
    assert _dates(permanence) == [
        datetime.date(2026, 1, 8),
        datetime.date(2026, 1, 22),
        datetime.date(2026, 2, 5),
        datetime.date(2026, 2, 19),
        datetime.date(2026, 3, 5),
        datetime.date(2026, 3, 19),
    ]


def test_first_tuesday_of_each_month_over_a_year():
    permanence = PermanenceFactory(
        monthly=True, monthly_position=1, start_time=datetime.time(13), end_time=datetime.time(16, 30)
    )
    _generate(permanence, weeks=53)
    assert _dates(permanence) == [
        datetime.date(2026, 1, 6),
        datetime.date(2026, 2, 3),
        datetime.date(2026, 3, 3),
        datetime.date(2026, 4, 7),
        datetime.date(2026, 5, 5),
        datetime.date(2026, 6, 2),
        datetime.date(2026, 7, 7),
        datetime.date(2026, 8, 4),
        datetime.date(2026, 9, 1),
        datetime.date(2026, 10, 6),
        datetime.date(2026, 11, 3),
        datetime.date(2026, 12, 1),
        datetime.date(2027, 1, 5),
    ]


def test_second_thursday_of_each_month_skips_ascension_day():
    permanence = PermanenceFactory(monthly=True, monthly_position=2, weekday=Weekday.THURSDAY)
    _generate(permanence)
    dates = _dates(permanence)
    assert datetime.date(2026, 5, 14) not in dates  # Ascension, the 2nd Thursday of May 2026
    assert datetime.date(2026, 6, 11) in dates
    assert len(dates) == 11


def test_last_friday_of_each_month():
    permanence = PermanenceFactory(
        monthly=True, monthly_position=-1, weekday=Weekday.FRIDAY, valid_until=datetime.date(2026, 6, 30)
    )
    _generate(permanence)
    assert _dates(permanence) == [
        datetime.date(2026, 1, 30),
        datetime.date(2026, 2, 27),
        datetime.date(2026, 3, 27),
        datetime.date(2026, 4, 24),
        datetime.date(2026, 5, 29),
        datetime.date(2026, 6, 26),
    ]


def test_easter_monday_is_skipped_everywhere():
    for department in ("13", "33", "57", "67", "68", "974"):
        permanence = PermanenceFactory(weekday=Weekday.MONDAY, antenna__department_code=department)
        _generate(permanence, weeks=20)
        dates = _dates(permanence)
        assert datetime.date(2026, 4, 6) not in dates, department
        assert datetime.date(2026, 4, 13) in dates


@pytest.mark.parametrize(
    ("department", "skipped"), [("57", True), ("67", True), ("68", True), ("13", False), ("33", False)]
)
def test_good_friday_and_saint_stephen_are_skipped_only_in_alsace_moselle(department, skipped):
    permanence = PermanenceFactory(weekday=Weekday.FRIDAY, antenna__department_code=department)
    saint_stephen = PermanenceFactory(weekday=Weekday.SATURDAY, antenna=permanence.antenna)
    _generate(permanence, weeks=20)
    _generate(saint_stephen, today=datetime.date(2026, 12, 1), weeks=4)
    assert (datetime.date(2026, 4, 3) not in _dates(permanence)) is skipped
    assert (datetime.date(2026, 12, 26) not in _dates(saint_stephen)) is skipped


def test_closures_of_the_antenna_or_of_one_permanence_are_skipped():
    permanence = PermanenceFactory()
    other = PermanenceFactory(antenna=permanence.antenna, weekday=Weekday.THURSDAY)
    ClosureFactory(
        antenna=permanence.antenna, starts_on=datetime.date(2026, 7, 20), ends_on=datetime.date(2026, 8, 16)
    )
    ClosureFactory(
        antenna=permanence.antenna,
        permanence=other,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 31),
    )
    _generate(permanence)
    _generate(other)
    assert not [day for day in _dates(permanence) if datetime.date(2026, 7, 20) <= day <= datetime.date(2026, 8, 16)]
    assert datetime.date(2026, 3, 3) in _dates(permanence)
    assert not [day for day in _dates(other) if day.month == 3]
    assert not [day for day in _dates(other) if datetime.date(2026, 7, 20) <= day <= datetime.date(2026, 8, 16)]


def test_regenerating_is_idempotent():
    permanence = PermanenceFactory(start_time=datetime.time(9), end_time=datetime.time(12, 30))
    first = _generate(permanence)
    occurrences = list(Occurrence.objects.values_list("pk", "date", "starts_at"))
    slots = list(Slot.objects.values_list("pk", "starts_at", "ends_at", "seats"))
    second = _generate(permanence)
    assert first.created == 51
    assert (second.created, second.deleted, second.to_resolve, second.updated_seats) == (0, 0, 0, 0)
    assert list(Occurrence.objects.values_list("pk", "date", "starts_at")) == occurrences
    assert list(Slot.objects.values_list("pk", "starts_at", "ends_at", "seats")) == slots


def test_the_horizon_rolls_forward_day_after_day():
    permanence = PermanenceFactory()
    _generate(permanence, weeks=12)
    assert len(_dates(permanence)) == 12
    _generate(permanence, today=NEW_YEAR + datetime.timedelta(weeks=1), weeks=12)
    assert len(_dates(permanence)) == 13
    assert _dates(permanence)[0] == datetime.date(2026, 1, 6)  # the past is kept


def test_a_morning_gives_hourly_slots_and_a_shorter_last_one():
    permanence = PermanenceFactory(start_time=datetime.time(9), end_time=datetime.time(12, 30))
    _generate(permanence, weeks=1)
    slots = list(Slot.objects.order_by("starts_at"))
    assert [(slot.starts_at.astimezone(PARIS).time(), slot.ends_at.astimezone(PARIS).time()) for slot in slots] == [
        (datetime.time(9), datetime.time(10)),
        (datetime.time(10), datetime.time(11)),
        (datetime.time(11), datetime.time(12)),
        (datetime.time(12), datetime.time(12, 30)),
    ]
    assert {slot.seats for slot in slots} == {2}


def test_whole_slots_only_leaves_out_the_short_one():
    permanence = PermanenceFactory(start_time=datetime.time(9), end_time=datetime.time(12, 30), whole_slots_only=True)
    _generate(permanence, weeks=1)
    assert Slot.objects.count() == 3


def test_a_workshop_is_one_slot_for_its_group():
    permanence = PermanenceFactory(workshop=True, seats=8, start_time=datetime.time(14), end_time=datetime.time(16))
    _generate(permanence, weeks=1)
    [slot] = Slot.objects.all()
    assert slot.seats == 8
    assert slot.ends_at - slot.starts_at == datetime.timedelta(hours=2)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (datetime.date(2026, 3, 24), datetime.date(2026, 3, 31)),
        (datetime.date(2026, 10, 20), datetime.date(2026, 10, 27)),
    ],
)
def test_nine_o_clock_stays_nine_o_clock_across_daylight_saving(before, after):
    permanence = PermanenceFactory()
    _generate(permanence)
    for day in (before, after):
        occurrence = Occurrence.objects.get(permanence=permanence, date=day)
        assert occurrence.starts_at.astimezone(PARIS).time() == datetime.time(9)
        assert occurrence.slots.get().ends_at.astimezone(PARIS).time() == datetime.time(10)
    summer, winter = (Occurrence.objects.get(date=day).starts_at for day in sorted((before, after)))
    # Same wall-clock time, different UTC times: the offset changed.
    assert summer.astimezone(datetime.UTC).hour != winter.astimezone(datetime.UTC).hour


def test_an_overseas_antenna_keeps_its_own_clock():
    permanence = PermanenceFactory(antenna__department_code="974", antenna__time_zone="Indian/Reunion")
    _generate(permanence, weeks=1)
    occurrence = Occurrence.objects.get()
    assert occurrence.starts_at.astimezone(ZoneInfo("Indian/Reunion")).time() == datetime.time(9)
    assert occurrence.starts_at.astimezone(datetime.UTC).time() == datetime.time(5)


def _book(occurrence):
    return BookingFactory(slot=occurrence.slots.first())


def test_editing_the_rule_moves_free_dates_and_keeps_booked_ones_to_resolve():
    permanence = PermanenceFactory()
    _generate(permanence, weeks=4)
    booked = Occurrence.objects.get(date=datetime.date(2026, 1, 13))
    booking = _book(booked)
    report = services.permanence_update(
        permanence=permanence,
        fields=services.PermanenceFields.from_instance(permanence, weekday=Weekday.WEDNESDAY),
        today=NEW_YEAR,
    )
    booked.refresh_from_db()
    assert booked.needs_resolution
    assert booked.status == OccurrenceStatus.SCHEDULED
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE
    dates = _dates(permanence)
    assert datetime.date(2026, 1, 13) in dates
    assert [day for day in dates if day.weekday() == 1] == [datetime.date(2026, 1, 13)]
    assert report.to_resolve == 1
    assert len([day for day in dates if day.weekday() == 2]) == 4


def test_changing_the_hours_keeps_a_booked_date_and_its_slot():
    permanence = PermanenceFactory()
    _generate(permanence, weeks=4)
    occurrence = Occurrence.objects.order_by("date").first()
    booking = _book(occurrence)
    services.permanence_update(
        permanence=permanence,
        fields=services.PermanenceFields.from_instance(
            permanence, start_time=datetime.time(14), end_time=datetime.time(15)
        ),
        today=NEW_YEAR,
    )
    booking.refresh_from_db()
    assert booking.slot.starts_at.astimezone(PARIS).time() == datetime.time(9)
    occurrence.refresh_from_db()
    assert occurrence.needs_resolution
    others = Occurrence.objects.exclude(pk=occurrence.pk)
    # The booked date keeps its place in the series until it is resolved: three new-hour dates.
    assert [other.starts_at.astimezone(PARIS).time() for other in others] == [datetime.time(14)] * 3


def test_a_new_closure_keeps_booked_dates_to_resolve():
    permanence = PermanenceFactory()
    _generate(permanence, weeks=4)
    booked = Occurrence.objects.get(date=datetime.date(2026, 1, 20))
    _book(booked)
    services.closure_create(
        antenna=permanence.antenna,
        fields=services.ClosureFields(
            starts_on=datetime.date(2026, 1, 19), ends_on=datetime.date(2026, 1, 31), reason="Travaux"
        ),
        today=NEW_YEAR,
    )
    assert _dates(permanence) == [datetime.date(2026, 1, 6), datetime.date(2026, 1, 13), datetime.date(2026, 1, 20)]
    booked.refresh_from_db()
    assert booked.needs_resolution


def test_suspending_keeps_booked_dates_and_removes_the_others():
    permanence = PermanenceFactory()
    _generate(permanence, weeks=4)
    booked = Occurrence.objects.get(date=datetime.date(2026, 1, 13))
    _book(booked)
    services.permanence_set_active(permanence=permanence, is_active=False, today=NEW_YEAR)
    assert _dates(permanence) == [datetime.date(2026, 1, 13)]
    services.permanence_set_active(permanence=permanence, is_active=True, today=NEW_YEAR)
    assert len(_dates(permanence)) == 4


def test_raising_the_seats_updates_future_slots_in_place():
    permanence = PermanenceFactory()
    _generate(permanence, weeks=4)
    slot_ids = set(Slot.objects.values_list("pk", flat=True))
    services.permanence_update(
        permanence=permanence, fields=services.PermanenceFields.from_instance(permanence, seats=3), today=NEW_YEAR
    )
    assert set(Slot.objects.values_list("pk", flat=True)) == slot_ids
    assert set(Slot.objects.values_list("seats", flat=True)) == {3}


def test_lowering_seats_below_the_bookings_flags_the_date():
    permanence = PermanenceFactory(seats=2)
    _generate(permanence, weeks=4)
    occurrence = Occurrence.objects.get(date=datetime.date(2026, 1, 6))
    _book(occurrence)
    _book(occurrence)
    services.permanence_update(
        permanence=permanence, fields=services.PermanenceFields.from_instance(permanence, seats=1), today=NEW_YEAR
    )
    occurrence.refresh_from_db()
    assert occurrence.needs_resolution
    assert occurrence.slots.get().seats == 2


def test_a_cancelled_date_is_not_recreated():
    permanence = PermanenceFactory()
    _generate(permanence, weeks=2)
    occurrence = Occurrence.objects.order_by("date").first()
    services.occurrence_cancel(occurrence=occurrence, reason="Grève des transports", by=None)
    _generate(permanence, weeks=2)
    assert Occurrence.objects.filter(date=occurrence.date).count() == 1
    assert Occurrence.objects.get(date=occurrence.date).status == OccurrenceStatus.CANCELLED


def test_cancelling_a_date_cancels_its_bookings_and_records_the_change_to_tell():
    permanence = PermanenceFactory()
    _generate(permanence, weeks=1)
    occurrence = Occurrence.objects.get()
    booking = _book(occurrence)
    assert services.occurrence_cancel(occurrence=occurrence, reason="Panne de réseau", by=None) == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancel_reason == "Panne de réseau"
    # The change is recorded to be told: to the person and referrer (the booking's row), to the rota (the date's).
    changes = AppointmentChange.objects.filter(occurrence=occurrence, announced_at__isnull=True)
    assert list(changes.order_by("booking").values_list("kind", "booking", "reason")) == [
        (ChangeKind.DATE_CANCELLED, booking.pk, "Panne de réseau"),
        (ChangeKind.DATE_CANCELLED, None, "Panne de réseau"),
    ]


def test_a_moved_date_keeps_its_bookings_and_is_left_alone_by_the_series():
    permanence = PermanenceFactory()
    _generate(permanence, weeks=1)
    occurrence = Occurrence.objects.get()
    booking = _book(occurrence)
    services.occurrence_move(occurrence=occurrence, day=datetime.date(2026, 1, 8), start=datetime.time(14))
    _generate(permanence, weeks=1)
    occurrence = Occurrence.objects.get()
    assert occurrence.date == datetime.date(2026, 1, 8)
    assert occurrence.starts_at.astimezone(PARIS).time() == datetime.time(14)
    booking.refresh_from_db()
    assert booking.slot.occurrence == occurrence
    assert booking.slot.starts_at.astimezone(PARIS).time() == datetime.time(14)
    change = AppointmentChange.objects.get(booking=booking)
    assert change.kind == ChangeKind.DATE_MOVED and change.previous_starts_at.astimezone(
        PARIS
    ).time() == datetime.time(9)


def test_moving_across_daylight_saving_keeps_the_wall_clock_time():
    permanence = PermanenceFactory()
    _generate(permanence, today=datetime.date(2026, 3, 20), weeks=1)
    occurrence = Occurrence.objects.get(date=datetime.date(2026, 3, 24))
    services.occurrence_move(occurrence=occurrence, day=datetime.date(2026, 3, 31), start=datetime.time(9))
    occurrence.refresh_from_db()
    assert occurrence.starts_at.astimezone(PARIS).time() == datetime.time(9)


def test_a_one_off_date_and_an_opened_holiday_stay():
    permanence = PermanenceFactory(weekday=Weekday.MONDAY)
    one_off = services.occurrence_add(
        permanence=permanence, day=datetime.date(2026, 1, 10), start=datetime.time(10), end=datetime.time(12)
    )
    opened = services.occurrence_open(permanence=permanence, day=datetime.date(2026, 4, 6))
    _generate(permanence, weeks=20)
    assert Occurrence.objects.filter(pk__in=[one_off.pk, opened.pk]).count() == 2
    assert one_off.slots.count() == 2


def test_a_date_with_only_cancelled_bookings_is_kept_as_history_when_the_rule_changes():
    permanence = PermanenceFactory()
    _generate(permanence, weeks=4)
    occurrence = Occurrence.objects.get(date=datetime.date(2026, 1, 6))
    BookingFactory(slot=occurrence.slots.get(), status=BookingStatus.CANCELLED)
    services.permanence_update(
        permanence=permanence,
        fields=services.PermanenceFields.from_instance(permanence, start_time=datetime.time(8)),
        today=NEW_YEAR,
    )
    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.CANCELLED
    assert Booking.objects.get().slot.occurrence == occurrence
    new = Occurrence.objects.exclude(pk=occurrence.pk).get(date=datetime.date(2026, 1, 6))
    assert new.starts_at.astimezone(PARIS).time() == datetime.time(8)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_time": datetime.time(8)}, "end_time"),
        ({"slot_minutes": 90}, "slot_minutes"),
        ({"seats": 0}, "seats"),
        ({"frequency": Frequency.MONTHLY, "monthly_position": 5}, "monthly_position"),
        ({"valid_until": datetime.date(2025, 12, 1)}, "valid_until"),
        ({"kind": "workshop", "level": ""}, "level"),
    ],
)
def test_rules_that_make_no_sense_are_refused(changes, field):
    permanence = PermanenceFactory.build(antenna=PermanenceFactory().antenna, **changes)
    with pytest.raises(ValidationError) as error:
        permanence.full_clean()
    assert field in error.value.message_dict


def test_the_daily_command_generates_every_permanence(capsys):
    permanences = PermanenceFactory.create_batch(3)
    today = timezone.localdate()
    # Four weeks from today hold four or five Tuesdays, depending on today, less public holidays.
    holidays = public_holidays(permanences[0].antenna.department_code, today, today + datetime.timedelta(weeks=4))
    tuesdays = [
        day
        for day in (today + datetime.timedelta(days=n) for n in range(4 * 7 + 1))
        if day.weekday() == 1 and day not in holidays
    ]
    expected = 3 * len(tuesdays)
    call_command("generate_occurrences", weeks=4)
    assert Occurrence.objects.count() == expected
    assert f"{expected} dates created" in capsys.readouterr().out
    call_command("generate_occurrences", weeks=4)
    assert Occurrence.objects.count() == expected


def _fate(occurrence):
    """What became of a date: gone, or its status, whether it is still in the series, and its flag."""
    occurrence = Occurrence.objects.filter(pk=occurrence.pk).first()
    if occurrence is None:
        return "deleted"
    return (
        occurrence.status,
        "in the series" if occurrence.rule_date else "out of the series",
        occurrence.needs_resolution,
    )


def test_a_date_that_holds_bookings_is_never_dropped_when_the_rule_no_longer_gives_its_day():
    """The generator's rule, for each kind of date, when the rule moves from Tuesday to Wednesday."""
    permanence = PermanenceFactory()
    _generate(permanence, weeks=6)
    dates = dict(
        zip(
            ["past", "booked", "only cancelled bookings", "unbooked", "detached", "cancelled"],
            Occurrence.objects.order_by("date"),
            strict=True,
        )
    )
    active = _book(dates["booked"])
    cancelled = BookingFactory(slot=dates["only cancelled bookings"].slots.get(), status=BookingStatus.CANCELLED)
    services.occurrence_move(occurrence=dates["detached"], day=datetime.date(2026, 2, 3), start=datetime.time(14))
    services.occurrence_cancel(occurrence=dates["cancelled"], reason="Grève", by=None)

    # The next day, 6 January is in the past.
    change = services.permanence_update(
        permanence=permanence,
        fields=services.PermanenceFields.from_instance(permanence, weekday=Weekday.WEDNESDAY),
        today=datetime.date(2026, 1, 7),
    )

    assert {kind: _fate(occurrence) for kind, occurrence in dates.items()} == {
        "past": (OccurrenceStatus.SCHEDULED, "in the series", False),
        # Kept where it was, with its booking, and flagged for the coordinator to resolve.
        "booked": (OccurrenceStatus.SCHEDULED, "in the series", True),
        # Retired: cancelled and out of the series, so the cancelled booking keeps its history.
        "only cancelled bookings": (OccurrenceStatus.CANCELLED, "out of the series", False),
        "unbooked": "deleted",
        "detached": (OccurrenceStatus.SCHEDULED, "in the series", False),
        "cancelled": (OccurrenceStatus.CANCELLED, "in the series", False),
    }
    assert Booking.objects.get(pk=active.pk).slot.occurrence == dates["booked"]
    assert Booking.objects.get(pk=active.pk).status == BookingStatus.ACTIVE
    assert Booking.objects.get(pk=cancelled.pk).slot.occurrence == dates["only cancelled bookings"]
    assert Occurrence.objects.get(pk=dates["detached"].pk).starts_at.astimezone(PARIS).time() == datetime.time(14)
    # The four Wednesdays of the horizon, 7 January to 4 February, take the new rule's place.
    wednesdays = [datetime.date(2026, 1, 7) + datetime.timedelta(weeks=n) for n in range(5)]
    assert sorted(day for day in _dates(permanence) if day.weekday() == 2) == wednesdays
    assert (change.created, change.deleted, change.to_resolve, change.updated_seats) == (5, 2, 1, 0)
    # Run again, nothing changes: the booked date is still flagged, and not counted again.
    again = _generate(permanence, today=datetime.date(2026, 1, 7), weeks=4)
    assert (again.created, again.deleted, again.to_resolve, again.updated_seats) == (0, 0, 0, 0)


# A first generation, a rule change, and the change undone. Each reads the batch (permanences,
# closures, the digest of each stored series), then, for a series out of line, its dates locked,
# their slots, their active bookings, then writes in bulk; deleting dates takes several queries
# (Django's collector checks the slots hold no booking and removes what goes with a date: its
# reminders, its recorded changes), once. A first generation has nothing to lock or read: its
# series, empty, only lacks its days.
EXPECTED_QUERIES = (7, 22, 22)


def _queries_to_regenerate(permanences, changes):
    Permanence.objects.filter(pk__in=[permanence.pk for permanence in permanences]).update(**changes)
    with CaptureQueriesContext(connection) as queries:
        generation.occurrences_generate(permanences=Permanence.objects.select_related("antenna"), today=NEW_YEAR)
    return len(queries)


@pytest.mark.parametrize("count", [1, 4])
def test_the_queries_do_not_grow_with_the_permanences_or_their_dates(count):
    departments = ["13", "33", "57", "974"]
    permanences = [PermanenceFactory(antenna__department_code=departments[n]) for n in range(count)]
    first = _queries_to_regenerate(permanences, {})
    for permanence in permanences:
        booked, history = permanence.occurrences.order_by("date")[:2]
        _book(booked)
        BookingFactory(slot=history.slots.get(), status=BookingStatus.CANCELLED)
    moved = _queries_to_regenerate(permanences, {"weekday": Weekday.WEDNESDAY, "seats": 3})
    back = _queries_to_regenerate(permanences, {"weekday": Weekday.TUESDAY})
    # One permanence or four, in as many departments: the same queries, whatever each date becomes
    # (created, deleted, retired, flagged, cleared of its flag, resized).
    assert (first, moved, back) == EXPECTED_QUERIES
