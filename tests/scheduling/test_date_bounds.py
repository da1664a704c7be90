"""Every date a person types has bounds that make sense for it: a clear message in the form, the
same refusal from the service, and a CHECK constraint in the database where the bound is fixed.
The daily figures build never walks months before the calendar's first day."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.http import QueryDict
from django.urls import reverse

from beneficiaries.people import services as referral_services
from beneficiaries.people.enums import ConsentMethod
from beneficiaries.people.models import Beneficiary, LiaisonSheet
from inclusion.core.models import Topic
from sessions_app.desk import services as desk_services
from sessions_app.desk.models import SessionLog
from sessions_app.figures import rollups as figures_rollups
from sessions_app.figures.reporting import PeriodError, months_between, period_from_query
from sessions_app.planning import services as planning_services
from sessions_app.scheduling.models import Closure, Occurrence, Permanence
from sessions_app.totals import ledger as totals_ledger
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import ClosureFactory, PermanenceFactory, occurrence_today
from tests.team.factories import VolunteerProfileFactory
from volunteers.team.models import VolunteerProfile

PARIS = ZoneInfo("Europe/Paris")
# Tuesday 8 December 2026 at noon in Marseille.
NOON = datetime.datetime(2026, 12, 8, 12, tzinfo=PARIS)
TODAY = NOON.date()
YEAR_ONE, YEAR_9999 = datetime.date(1, 1, 1), datetime.date(9999, 12, 31)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def antenna():
    return AntennaFactory(name="La Blancarde")


@pytest.fixture
def coordinator(antenna):
    return UserFactory(coordinator=True, membership__antenna=antenna)


@pytest.fixture
def volunteer(antenna):
    user = UserFactory(volunteer=True, membership__antenna=antenna)
    VolunteerProfileFactory(user=user)
    return user


def _refused_by_the_database(queryset, **values):
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**values)


# Session logs: not after the antenna's today, not more than two years before it


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (YEAR_ONE, "Choisissez une date à partir du 8 décembre 2024."),
        (datetime.date(2024, 12, 7), "Choisissez une date à partir du 8 décembre 2024."),
    ],
)
def test_a_session_log_dated_out_of_bounds_is_a_form_error(client, antenna, volunteer, day, message):
    client.force_login(volunteer)
    response = client.post(
        reverse("desk:log_create", args=[antenna.pk]),
        {
            "date": day.isoformat(),
            "duration": "60",
            "topics": [Topic.objects.get(code="email").pk],
            "outcome": "done",
            "volunteers": [volunteer.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == [message]
    assert not SessionLog.objects.exists()


def test_the_session_log_service_refuses_a_date_out_of_bounds(antenna, volunteer):
    for day in (YEAR_ONE, datetime.date(2020, 6, 1), TODAY + datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as refused:
            desk_services.session_log_create(
                antenna=antenna,
                fields=desk_services.SessionLogFields(date=day, duration_minutes=60, outcome="done"),
                volunteers=[volunteer],
                topics=[],
                by=volunteer,
            )
        assert list(refused.value.message_dict) == ["date"]
    log = desk_services.session_log_create(
        antenna=antenna,
        fields=desk_services.SessionLogFields(date=datetime.date(2025, 1, 6), duration_minutes=60, outcome="done"),
        volunteers=[volunteer],
        topics=[],
        by=volunteer,
    )
    assert log.date == datetime.date(2025, 1, 6)
    # A log saved long ago stays valid when the rest of it is edited.
    old = SessionLogFactory(date=datetime.date(2021, 3, 2), created_by=volunteer)
    old.summary = "Relu"
    old.full_clean()


def test_the_database_refuses_a_session_log_out_of_the_calendar():
    log = SessionLogFactory(date=TODAY)
    _refused_by_the_database(SessionLog.objects.filter(pk=log.pk), date=YEAR_ONE)
    _refused_by_the_database(SessionLog.objects.filter(pk=log.pk), date=datetime.date(2101, 1, 1))


# Permanences and closures: within five years of today either way


def _permanence_data(**changes):
    return {
        "title": "Fracture numérique",
        "kind": "drop_in",
        "frequency": "weekly",
        "interval_weeks": 1,
        "weekday": 1,
        "start_time": "09:00",
        "end_time": "10:00",
        "slot_minutes": 60,
        "seats": 2,
        "min_volunteers": 1,
        "booking_mode": "bookable",
        "valid_from": TODAY.isoformat(),
        "valid_until": "",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"valid_from": "0001-01-01"}, {"valid_from": ["Choisissez une date à partir du 8 décembre 2021."]}),
        (
            {"valid_until": "9999-12-31"},
            {"valid_until": ["Choisissez une date jusqu'au 8 décembre 2031 au plus tard."]},
        ),
        (
            {"valid_from": "9999-01-01", "valid_until": "9999-12-31"},
            {"valid_from": ["Choisissez une date jusqu'au 8 décembre 2031 au plus tard."]},
        ),
    ],
)
def test_a_permanence_dated_out_of_bounds_is_a_form_error(client, antenna, coordinator, changes, errors):
    client.force_login(coordinator)
    response = client.post(reverse("schedule:permanence_create", args=[antenna.pk]), _permanence_data(**changes))
    assert response.status_code == 200
    form_errors = response.context["form"].errors
    assert {field: form_errors[field] for field in errors} == errors
    assert not Permanence.objects.exists()


def test_the_permanence_services_refuse_dates_out_of_bounds_but_keep_an_old_start(antenna):
    atelier = {
        "title": "Atelier",
        "weekday": 1,
        "start_time": datetime.time(9),
        "end_time": datetime.time(10),
        "seats": 2,
    }
    with pytest.raises(ValidationError) as refused:
        planning_services.permanence_create(
            antenna=antenna, fields=planning_services.PermanenceFields(**atelier, valid_from=YEAR_ONE)
        )
    assert list(refused.value.message_dict) == ["valid_from"]
    with pytest.raises(ValidationError):
        planning_services.permanence_create(
            antenna=antenna,
            fields=planning_services.PermanenceFields(**atelier, valid_from=TODAY, valid_until=YEAR_9999),
        )
    # Running since 2019: editing it keeps the start it always had.
    since_2019 = PermanenceFactory(antenna=antenna, valid_from=datetime.date(2019, 9, 3))
    planning_services.permanence_update(
        permanence=since_2019, fields=planning_services.PermanenceFields.from_instance(since_2019, seats=3)
    )
    with pytest.raises(ValidationError):
        planning_services.permanence_update(
            permanence=since_2019,
            fields=planning_services.PermanenceFields.from_instance(since_2019, valid_from=datetime.date(2019, 9, 10)),
        )


def test_the_database_refuses_a_permanence_out_of_the_calendar(antenna):
    permanence = PermanenceFactory(antenna=antenna)
    _refused_by_the_database(Permanence.objects.filter(pk=permanence.pk), valid_from=YEAR_ONE)
    _refused_by_the_database(Permanence.objects.filter(pk=permanence.pk), valid_until=YEAR_9999)


def test_a_closure_out_of_bounds_is_a_form_error_and_a_refusal_of_the_service(client, antenna, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("schedule:closure_list", args=[antenna.pk]),
        {"permanence": "", "starts_on": "0001-01-01", "ends_on": "9999-12-31", "reason": "Travaux"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "starts_on": ["Choisissez une date à partir du 8 décembre 2021."],
        "ends_on": ["Choisissez une date jusqu'au 8 décembre 2031 au plus tard."],
    }
    with pytest.raises(ValidationError):
        planning_services.closure_create(
            antenna=antenna,
            fields=planning_services.ClosureFields(
                permanence=None, starts_on=TODAY, ends_on=YEAR_9999, reason="Travaux"
            ),
        )
    assert not Closure.objects.exists()


def test_the_database_refuses_a_closure_out_of_the_calendar(antenna):
    closure = ClosureFactory(antenna=antenna)
    _refused_by_the_database(Closure.objects.filter(pk=closure.pk), starts_on=YEAR_ONE)
    _refused_by_the_database(Closure.objects.filter(pk=closure.pk), ends_on=YEAR_9999)


# Dates added or moved by hand: from today to a year ahead


def test_a_one_off_or_moved_date_a_year_ahead_or_more_is_a_form_error(client, antenna, coordinator):
    permanence = PermanenceFactory(antenna=antenna)
    occurrence = occurrence_today(antenna=antenna, day=TODAY + datetime.timedelta(days=7))
    client.force_login(coordinator)
    added = client.post(
        reverse("schedule:occurrence_add", args=[antenna.pk]),
        {"permanence": permanence.pk, "date": "9999-12-31", "start": "09:00", "end": "10:00"},
    )
    moved = client.post(
        reverse("schedule:occurrence_move", args=[occurrence.pk]), {"date": "2027-12-09", "start": "09:00"}
    )
    for response in (added, moved):
        assert response.status_code == 200
        assert response.context["form"].errors["date"] == [
            "Choisissez une date jusqu'au 8 décembre 2027 au plus tard."
        ]
    assert not permanence.occurrences.exists()
    occurrence.refresh_from_db()
    assert occurrence.date == TODAY + datetime.timedelta(days=7)


def test_the_occurrence_services_refuse_a_day_out_of_the_calendar(antenna):
    permanence = PermanenceFactory(antenna=antenna)
    with pytest.raises(ValidationError):
        planning_services.occurrence_add(
            permanence=permanence, day=YEAR_9999, start=datetime.time(9), end=datetime.time(10)
        )
    occurrence = occurrence_today(antenna=antenna)
    with pytest.raises(ValidationError):
        planning_services.occurrence_move(occurrence=occurrence, day=YEAR_ONE, start=datetime.time(9))
    with pytest.raises(ValidationError):
        planning_services.occurrence_open(permanence=permanence, day=YEAR_9999)


def test_the_database_refuses_a_date_out_of_the_calendar(antenna):
    occurrence = occurrence_today(antenna=antenna)
    _refused_by_the_database(Occurrence.objects.filter(pk=occurrence.pk), date=YEAR_9999)


# Referrals and people


def test_a_deadline_in_the_year_9999_is_refused_by_the_form_and_the_service(client):
    referrer = UserFactory(referrer=True)
    person = BeneficiaryFactory(created_by=referrer)
    client.force_login(referrer)
    response = client.post(
        reverse("beneficiaries:sheet_create", args=[person.pk]),
        {"needs": [Topic.objects.get(code="email").pk], "detail": "CAF", "deadline": "9999-12-31"},
    )
    assert response.context["form"].errors["deadline"] == [
        "Choisissez une date jusqu'au 8 décembre 2027 au plus tard."
    ]
    with pytest.raises(ValidationError) as refused:
        referral_services.liaison_sheet_send(
            beneficiary=person,
            referrer=referrer,
            fields=referral_services.LiaisonSheetFields(deadline=YEAR_9999),
            needs=Topic.objects.filter(code="email"),
        )
    assert list(refused.value.message_dict) == ["deadline"]
    assert not referrer.liaison_sheets.exists()


def test_a_birth_year_more_than_120_years_ago_is_refused(client, antenna, volunteer):
    with pytest.raises(ValidationError) as refused:
        referral_services.beneficiary_create(
            fields=referral_services.BeneficiaryFields(first_name="Awa", birth_year=1901),
            consent_method=ConsentMethod.ORAL,
            recorded_by=volunteer,
        )
    assert refused.value.message_dict == {"birth_year": ["Indiquez une année de naissance à partir de 1906."]}
    occurrence = occurrence_today(antenna=antenna, start=11, end=14)
    client.force_login(volunteer)
    response = client.post(
        reverse("desk:walk_in", args=[occurrence.pk]),
        {
            "new-slot": occurrence.slots.first().pk,
            "new-first_name": "Awa",
            "new-birth_year": "1901",
            "new-consent_method": ConsentMethod.ORAL,
        },
    )
    assert response.context["new_form"].errors["birth_year"] == ["Indiquez une année de naissance à partir de 1906."]


# Periods of figures and exports


@pytest.mark.parametrize("query", ["du=0001-01-01&au=0001-12-31", "du=2026-01-01&au=9999-12-31"])
def test_a_period_outside_the_calendar_is_refused_with_the_reason(client, antenna, coordinator, query):
    with pytest.raises(PeriodError) as refused:
        period_from_query(QueryDict(f"periode=custom&{query}"))
    assert str(refused.value) == "Choisissez une période comprise entre le 1er janvier 2000 et le 31 décembre 2100."
    client.force_login(coordinator)
    response = client.get(reverse("figures:figures", args=["antenne", antenna.pk]) + f"?periode=custom&{query}")
    assert response.context["period_error"] == str(refused.value)
    export = client.get(reverse("exports:sessions", args=["antenne", antenna.pk, "csv"]) + f"?periode=custom&{query}")
    assert export.status_code == 400


# The daily figures build


def _lift_constraints(*pairs: tuple[str, str]) -> None:
    """For this test only (its transaction is rolled back), as on a database where rows were
    typed before any bound existed. Lifted before any row is written: PostgreSQL alters no
    table with foreign-key checks still pending."""
    with connection.cursor() as cursor:
        for table, constraint in pairs:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {constraint}")


def test_the_daily_build_walks_only_the_months_that_hold_data(antenna, capsys):
    _lift_constraints(("desk_sessionlog", "sessionlog_date_in_calendar"))
    SessionLogFactory(antenna=antenna, date=datetime.date(2026, 10, 6))
    SessionLog.objects.filter(pk=SessionLogFactory(antenna=antenna).pk).update(date=YEAR_ONE)
    october = datetime.date(2026, 10, 1)
    assert figures_rollups.months_needing_build(TODAY) == months_between(october, totals_ledger.settled_until(TODAY))
    call_command("build_figures")
    assert "3 months added up" in capsys.readouterr().out


def test_the_database_refuses_a_birth_year_a_deadline_or_a_charter_date_out_of_the_calendar():
    person = BeneficiaryFactory()
    sheet = LiaisonSheetFactory(beneficiary=person)
    profile = VolunteerProfileFactory()
    for queryset, change in [
        (Beneficiary.objects.filter(pk=person.pk), {"birth_year": 1}),
        (Beneficiary.objects.filter(pk=person.pk), {"birth_year": 9999}),
        (LiaisonSheet.objects.filter(pk=sheet.pk), {"deadline": YEAR_9999}),
        (VolunteerProfile.objects.filter(pk=profile.pk), {"charter_signed_on": YEAR_ONE}),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            queryset.update(**change)
