"""The monthly totals behind the figures: which months are added up, that the figures read
them, and that every change to a month already added up is counted at once."""

import datetime

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.test import RequestFactory

from beneficiaries.privacy.services import beneficiary_anonymise
from inclusion.core.models import Topic
from sessions_app.bookings import services as bookings_services
from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.bookings.services import booking_cancel
from sessions_app.desk import services as desk_services
from sessions_app.desk.enums import Outcome
from sessions_app.desk.models import SessionLog, Voucher
from sessions_app.figures import rollups as figures_rollups
from sessions_app.figures.figures import _reading_plan, figures_compute
from sessions_app.figures.models import MonthSessions
from sessions_app.figures.reporting import Period, Scope, months_between
from sessions_app.planning import services as planning_services
from sessions_app.scheduling.models import Occurrence
from sessions_app.totals import ledger as totals_ledger
from sessions_app.totals.models import RolledMonth, StaleMonth
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, OrganizationFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today

JANUARY = datetime.date(2026, 1, 1)
FEBRUARY = datetime.date(2026, 2, 1)
WINTER = Period(JANUARY, datetime.date(2026, 2, 28))
JANUARY_ONLY = Period(JANUARY, datetime.date(2026, 1, 31))
ALL = Scope("all")


def _from_rows(scope, period):
    """The figures as the rows give them, the totals set aside for a moment."""
    with transaction.atomic():
        RolledMonth.objects.all().delete()
        figures = figures_compute(scope=scope, period=period)
        transaction.set_rollback(True)
    return figures


@pytest.fixture
def winter():
    """Two antennas with sessions and bookings in January and February 2026, both added up."""
    antennas = AntennaFactory.create_batch(2)
    for antenna in antennas:
        for day in (datetime.date(2026, 1, 13), datetime.date(2026, 2, 10)):
            occurrence = occurrence_today(antenna=antenna, day=day)
            person = BeneficiaryFactory()
            SessionLogFactory(
                antenna=antenna, date=day, occurrence=occurrence, beneficiary=person, topics=["email", "logement"]
            )
            SessionLogFactory(antenna=antenna, date=day, occurrence=occurrence, outcome=Outcome.TO_CONTINUE)
            BookingFactory(
                slot=occurrence.slots.first(),
                beneficiary=person,
                liaison_sheet=LiaisonSheetFactory(organization=OrganizationFactory()),
                attendance=Attendance.ATTENDED,
            )
            BookingFactory(slot=occurrence.slots.last(), channel=BookingChannel.PHONE, attendance=Attendance.NO_SHOW)
    assert figures_rollups.months_build(months=[JANUARY, FEBRUARY]) == [JANUARY, FEBRUARY]
    assert not StaleMonth.objects.exists()
    return antennas


def test_days_are_added_up_once_over_everywhere():
    # On the 3rd, an overseas antenna may still be in the 2nd: the 1st is the last day added up.
    assert figures_rollups.added_up_through(FEBRUARY, datetime.date(2026, 2, 3)) == datetime.date(2026, 2, 1)
    assert figures_rollups.added_up_through(FEBRUARY, datetime.date(2026, 2, 2)) is None
    assert figures_rollups.added_up_through(JANUARY, datetime.date(2026, 2, 1)) == datetime.date(2026, 1, 30)
    assert figures_rollups.added_up_through(JANUARY, datetime.date(2026, 2, 2)) == datetime.date(2026, 1, 31)
    assert figures_rollups.added_up_through(datetime.date(2026, 3, 1), datetime.date(2026, 2, 27)) is None


def test_a_month_going_on_is_added_up_to_the_day_before_yesterday_and_read_from_the_rows_after():
    antenna = AntennaFactory()
    march = datetime.date(2026, 3, 1)
    for day in (2, 10, 13, 14):
        SessionLogFactory(antenna=antenna, date=datetime.date(2026, 3, day))
    assert figures_rollups.months_build(months=[march], today=datetime.date(2026, 3, 15)) == [march]
    assert RolledMonth.objects.get(month=march).through == datetime.date(2026, 3, 13)
    assert MonthSessions.objects.get(month=march).sessions == 3
    whole_month = Period(march, datetime.date(2026, 3, 31))
    assert figures_compute(scope=ALL, period=whole_month).sessions.total == 4
    assert figures_compute(scope=ALL, period=whole_month) == _from_rows(ALL, whole_month)
    # A period ending before the last day added up reads the whole month from the rows.
    early = Period(march, datetime.date(2026, 3, 12))
    assert figures_compute(scope=ALL, period=early).sessions.total == 2
    # The next day's build moves the month on.
    assert figures_rollups.months_needing_build(datetime.date(2026, 3, 16)) == [march]
    figures_rollups.months_build(months=[march], today=datetime.date(2026, 3, 16))
    assert MonthSessions.objects.get(month=march).sessions == 4


def test_the_figures_read_the_months_from_their_totals(winter):
    before = figures_compute(scope=ALL, period=WINTER)
    # Rows removed behind the application's back (no signal): the totals still answer.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM desk_sessionlog_topics")
        cursor.execute("DELETE FROM desk_sessionlog WHERE beneficiary_id IS NULL")
    after = figures_compute(scope=ALL, period=WINTER)
    assert after.sessions == before.sessions
    assert after.themes == before.themes
    assert after.sessions.total == 8


def test_totals_and_rows_agree_over_a_period_cut_in_the_middle_of_months(winter):
    period = Period(datetime.date(2026, 1, 13), datetime.date(2026, 2, 10))
    scope = Scope("antenna", antenna=winter[0])
    assert figures_compute(scope=scope, period=period) == _from_rows(scope, period)
    spring = Period(JANUARY, datetime.date(2026, 3, 31))
    assert figures_compute(scope=ALL, period=spring) == _from_rows(ALL, spring)


def test_a_month_mostly_in_the_period_is_read_from_its_totals_less_the_days_outside(winter):
    # Sessions, topics, a voucher and bookings on the days just outside the period.
    for day in (datetime.date(2026, 1, 1), datetime.date(2026, 2, 28)):
        occurrence = occurrence_today(antenna=winter[0], day=day)
        log = SessionLogFactory(
            antenna=winter[0], date=day, occurrence=occurrence, topics=["sante"], outcome=Outcome.REDIRECTED
        )
        Voucher.objects.create(session_log=log, number=f"APTIC-{day}")
        BookingFactory(slot=occurrence.slots.first(), channel=BookingChannel.WALK_IN, attendance=Attendance.NO_SHOW)
    figures_rollups.months_build(months=[JANUARY, FEBRUARY])
    period = Period(datetime.date(2026, 1, 2), datetime.date(2026, 2, 27))
    used, live = _reading_plan(period, figures_rollups.rolled_spans(first=period.start, last=period.end))
    assert used == [JANUARY, FEBRUARY]
    assert live.added == []
    assert live.taken_away == [(JANUARY, JANUARY), (datetime.date(2026, 2, 28), datetime.date(2026, 2, 28))]
    result = figures_compute(scope=ALL, period=period)
    assert (result.sessions.total, result.vouchers, result.bookings.total, result.no_shows.no_show) == (8, 0, 8, 4)
    assert result == _from_rows(ALL, period)
    # A month mostly outside the period is read from the rows instead.
    late_january = Period(datetime.date(2026, 1, 20), datetime.date(2026, 2, 27))
    used, live = _reading_plan(late_january, figures_rollups.rolled_spans(first=JANUARY, last=late_january.end))
    assert used == [FEBRUARY]
    assert live.added == [(datetime.date(2026, 1, 20), datetime.date(2026, 1, 31))]
    assert figures_compute(scope=ALL, period=late_january) == _from_rows(ALL, late_january)


def test_each_antenna_counts_only_its_own_totals(winter):
    figures = figures_compute(scope=Scope("antenna", antenna=winter[1]), period=WINTER)
    assert (figures.sessions.total, figures.bookings.total, figures.no_shows.no_show) == (4, 4, 2)


def _january_log(antenna):
    return SessionLog.objects.filter(antenna=antenna, date__month=1).order_by("pk").first()


def _january_bookings(antenna):
    return Booking.objects.filter(slot__occurrence__permanence__antenna=antenna, slot__occurrence__date__month=1)


JANUARY_20 = datetime.date(2026, 1, 20)


def _january_occurrence(antenna):
    return antenna.permanences.get(occurrences__date=datetime.date(2026, 1, 13)).occurrences.get()


def _volunteer(antenna):
    return UserFactory(volunteer=True, membership__antenna=antenna)


def _log(antenna, *, voucher_numbers=(), participants=(), **data):
    volunteer = _volunteer(antenna)
    return desk_services.session_log_record(
        antenna=antenna,
        fields=desk_services.SessionLogFields(
            **{"date": JANUARY_20, "duration_minutes": 45, "outcome": Outcome.DONE, **data}
        ),
        volunteers=[volunteer],
        topics=Topic.objects.filter(code="bureautique"),
        voucher_numbers=voucher_numbers,
        participants=participants,
        by=volunteer,
    )


def _log_a_booked_person(antenna):
    booking = _january_bookings(antenna).get(attendance=Attendance.NO_SHOW)
    _log(antenna, date=datetime.date(2026, 1, 13), booking=booking, occurrence=booking.slot.occurrence)


def _log_a_workshop(antenna):
    booking = _january_bookings(antenna).get(attendance=Attendance.NO_SHOW)
    booking.beneficiary = BeneficiaryFactory()
    booking.save(update_fields=["beneficiary"])
    _log(
        antenna,
        date=datetime.date(2026, 1, 13),
        is_workshop=True,
        occurrence=booking.slot.occurrence,
        participants=[booking.beneficiary],
    )


def _walk_in(antenna):
    slot = _january_occurrence(antenna).slots.first()
    desk_services.walk_in_create(slot=slot, by=_volunteer(antenna))


def _cancel_referral(antenna):
    booking = _january_bookings(antenna).filter(liaison_sheet__isnull=False).first()
    booking_cancel(booking=booking, by=booking.created_by or UserFactory(), reason="Empêchement")


def _cancel_the_date(antenna):
    planning_services.occurrence_cancel(occurrence=_january_occurrence(antenna), reason="Panne", by=UserFactory())


def _move_the_date(antenna):
    planning_services.occurrence_move(
        occurrence=_january_occurrence(antenna), day=datetime.date(2026, 2, 17), start=datetime.time(9)
    )


def _erase_the_person(antenna):
    person = _january_log(antenna).beneficiary
    beneficiary_anonymise(beneficiary=person, by=UserFactory(admin=True), reason="test")


def _admin(model):
    request = RequestFactory().post("/")
    request.user = UserFactory(admin=True)
    return admin.site._registry[model], request


def _admin_moves_a_session(antenna):
    model_admin, request = _admin(SessionLog)
    log = _january_log(antenna)
    log.date = datetime.date(2026, 2, 3)
    model_admin.save_model(request, log, form=None, change=True)


def _admin_deletes_sessions(antenna):
    model_admin, request = _admin(SessionLog)
    model_admin.delete_queryset(request, SessionLog.objects.filter(antenna=antenna, date__month=1))


def _admin_cancels_a_booking(antenna):
    model_admin, request = _admin(Booking)
    booking = _january_bookings(antenna).first()
    booking.status = BookingStatus.CANCELLED
    model_admin.save_model(request, booking, form=None, change=True)


def _admin_moves_a_date(antenna):
    model_admin, request = _admin(Occurrence)
    occurrence = _january_occurrence(antenna)
    occurrence.date = datetime.date(2026, 2, 3)
    model_admin.save_model(request, occurrence, form=None, change=True)


def _admin_adds_a_voucher(antenna):
    model_admin, request = _admin(Voucher)
    model_admin.save_model(request, Voucher(session_log=_january_log(antenna), number="APTIC-42"), None, False)


# Every service (and admin page) that writes a counted row, on a month already added up: the
# session logs with their topics and vouchers, the bookings, their attendance and their dates.
CHANGES = {
    "a session logged": lambda antenna: _log(antenna, voucher_numbers=["APTIC-7"]),
    "a booked person's session logged": _log_a_booked_person,
    "a workshop logged": _log_a_workshop,
    "a walk-in": _walk_in,
    "a booking cancelled": _cancel_referral,
    "an attendance marked": lambda antenna: bookings_services.booking_set_attendance(
        booking=_january_bookings(antenna).get(attendance=Attendance.NO_SHOW), attendance=Attendance.ATTENDED
    ),
    "a date cancelled": _cancel_the_date,
    "a date moved": _move_the_date,
    "the admin moves a session": _admin_moves_a_session,
    "the admin deletes sessions": _admin_deletes_sessions,
    "the admin cancels a booking": _admin_cancels_a_booking,
    "the admin moves a date": _admin_moves_a_date,
    "the admin adds a voucher": _admin_adds_a_voucher,
}
# Writes to counted rows that leave the month's figures as they were (they must stay right).
UNCHANGED = {
    "a person erased": _erase_the_person,
    "a referral withdrawn": lambda antenna: bookings_services.liaison_sheet_cancel(
        sheet=_january_bookings(antenna).filter(liaison_sheet__isnull=False).first().liaison_sheet,
        by=UserFactory(),
        note="Plus besoin",
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_to_a_month_already_added_up_is_counted_at_once(winter, change):
    before = [figures_compute(scope=ALL, period=period) for period in (JANUARY_ONLY, WINTER)]
    CHANGES[change](winter[0])
    assert StaleMonth.objects.exists()
    figures = [figures_compute(scope=ALL, period=period) for period in (JANUARY_ONLY, WINTER)]
    assert figures != before
    assert figures == [_from_rows(ALL, period) for period in (JANUARY_ONLY, WINTER)]
    # The stale month was added up again and its mark removed.
    assert not StaleMonth.objects.exists()


@pytest.mark.parametrize("change", UNCHANGED)
def test_a_write_that_changes_no_count_leaves_the_figures_right(winter, change):
    before = [figures_compute(scope=ALL, period=period) for period in (JANUARY_ONLY, WINTER)]
    UNCHANGED[change](winter[0])
    figures = [figures_compute(scope=ALL, period=period) for period in (JANUARY_ONLY, WINTER)]
    assert figures == before == [_from_rows(ALL, period) for period in (JANUARY_ONLY, WINTER)]


def test_no_signal_receiver_keeps_the_totals():
    """The services mark the months explicitly: a bulk update, which skips signals, is no hole."""
    for signal in (pre_save, post_save, post_delete, m2m_changed):
        for model in (SessionLog, Voucher, Booking, Occurrence, SessionLog.topics.through):
            assert not signal.has_listeners(model)


def test_the_work_of_yesterday_and_today_marks_no_month():
    today = datetime.date.today()
    figures_rollups.months_build(months=[today.replace(day=1)])
    for day in (today, today - datetime.timedelta(days=1)):
        _log(AntennaFactory(), date=day)
    assert not StaleMonth.objects.exists()
    _log(AntennaFactory(), date=today - datetime.timedelta(days=2))
    assert StaleMonth.objects.filter(month=(today - datetime.timedelta(days=2)).replace(day=1)).exists()
    this_month = Period(today.replace(day=1), today)
    assert figures_compute(scope=ALL, period=this_month) == _from_rows(ALL, this_month)


def test_moving_a_date_moves_its_bookings_to_the_new_month(winter):
    occurrence = _january_occurrence(winter[0])
    planning_services.occurrence_move(occurrence=occurrence, day=datetime.date(2026, 2, 17), start=datetime.time(9))
    assert set(StaleMonth.objects.values_list("month", flat=True)) == {JANUARY, FEBRUARY}
    assert figures_compute(scope=ALL, period=WINTER) == _from_rows(ALL, WINTER)


def test_the_daily_command_adds_up_the_months_that_need_it(winter, capsys):
    RolledMonth.objects.filter(month=FEBRUARY).delete()
    MonthSessions.objects.filter(month=FEBRUARY).delete()
    _log(winter[0], date=datetime.date(2026, 1, 27))
    call_command("build_figures")
    # February and every month since, empty ones included, so that none is read from the rows;
    # this month too once its first day is over everywhere.
    today = datetime.date.today()
    added_up = len(months_between(FEBRUARY, totals_ledger.settled_until(today)))
    assert f"{added_up} months added up, 1 antenna months added up again" in capsys.readouterr().out
    assert set(RolledMonth.objects.values_list("month", flat=True)) >= {JANUARY, FEBRUARY}
    assert not StaleMonth.objects.exists()
    call_command("build_figures")
    assert "0 months added up, 0 antenna months added up again" in capsys.readouterr().out
    assert figures_compute(scope=ALL, period=WINTER) == _from_rows(ALL, WINTER)
