"""An antenna's "today" is its own day, not the server's: at 23:30 in Cayenne the server in Paris
(or on UTC) is already on the next day, and at 8:30 in Nouméa it is still on the day before.
The clock is frozen at such moments, with the server's TIME_ZONE on Paris and on UTC."""

import dataclasses
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from inclusion.core.models import Topic
from sessions_app.desk import services as desk_services
from sessions_app.desk.models import SessionLog
from sessions_app.figures.reporting import Scope, period_from_query
from sessions_app.planning.generation import occurrences_generate
from sessions_app.scheduling.models import Occurrence, Permanence
from tests.core.factories import AntennaFactory, OrganizationFactory, ReferrerFactory, UserFactory
from tests.people.factories import LiaisonSheetFactory
from tests.scheduling.factories import PermanenceFactory, occurrence_today
from tests.team.factories import VolunteerProfileFactory
from volunteers.team.models import Signup, VolunteerProfile

CAYENNE = ZoneInfo("America/Cayenne")
NOUMEA = ZoneInfo("Pacific/Noumea")
# Tuesday 8 December 2026, 23:30 in Cayenne: Wednesday the 9th in Paris and on UTC.
CAYENNE_EVENING = datetime.datetime(2026, 12, 8, 23, 30, tzinfo=CAYENNE)
# Wednesday 9 December 2026, 8:30 in Nouméa: still Tuesday the 8th in Paris and on UTC.
NOUMEA_MORNING = datetime.datetime(2026, 12, 9, 8, 30, tzinfo=NOUMEA)
TUESDAY, WEDNESDAY = datetime.date(2026, 12, 8), datetime.date(2026, 12, 9)


@pytest.fixture(params=["Europe/Paris", "UTC"])
def server_zone(request, settings):
    settings.TIME_ZONE = request.param
    return request.param


@pytest.fixture
def in_cayenne(server_zone):
    with time_machine.travel(CAYENNE_EVENING, tick=False):
        assert timezone.localdate() == WEDNESDAY
        yield AntennaFactory(name="Cayenne centre", time_zone="America/Cayenne", department_code="973")


@pytest.fixture
def in_noumea(server_zone):
    with time_machine.travel(NOUMEA_MORNING, tick=False):
        assert timezone.localdate() == TUESDAY
        yield AntennaFactory(name="Nouméa", time_zone="Pacific/Noumea")


PLACES = {
    "cayenne": (CAYENNE_EVENING, {"time_zone": "America/Cayenne", "department_code": "973"}),
    "noumea": (NOUMEA_MORNING, {"time_zone": "Pacific/Noumea"}),
}


@pytest.fixture
def place(request, server_zone):
    """One of the two antennas at its moment, by name: parametrize with indirect=True."""
    moment, fields = PLACES[request.param]
    with time_machine.travel(moment, tick=False):
        yield AntennaFactory(**fields)


def _volunteer(antenna):
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    VolunteerProfileFactory(user=volunteer)
    return volunteer


def _log_data(volunteer, **changes):
    return {
        "duration": "60",
        "topics": [Topic.objects.get(code="email").pk],
        "outcome": "done",
        "volunteers": [volunteer.pk],
        **changes,
    }


# The desk and the session log


def test_the_desk_shows_the_antennas_day_and_logs_its_sessions(client, in_noumea):
    antenna = in_noumea
    today = occurrence_today(antenna=antenna, day=WEDNESDAY, start=8, end=11)
    occurrence_today(antenna=antenna, day=TUESDAY, start=8, end=11)
    volunteer = _volunteer(antenna)
    client.force_login(volunteer)

    desk = client.get(reverse("desk:today", args=[antenna.pk]))
    assert desk.context["day"] == WEDNESDAY
    assert [occurrence.pk for occurrence in desk.context["occurrences"]] == [today.pk]

    url = reverse("desk:log_create", args=[antenna.pk]) + f"?occurrence={today.pk}"
    response = client.post(url, _log_data(volunteer))
    assert response.status_code == 302, response.context["form"].errors
    assert SessionLog.objects.get(occurrence=today).date == WEDNESDAY


@pytest.mark.parametrize(("place", "today"), [("cayenne", TUESDAY), ("noumea", WEDNESDAY)], indirect=["place"])
def test_a_session_log_is_dated_the_antennas_today_by_default(client, place, today):
    client.force_login(_volunteer(place))
    response = client.get(reverse("desk:log_create", args=[place.pk]))
    assert response.context["form"].fields["date"].initial == today


def test_a_session_log_may_be_dated_the_antennas_today_not_the_servers(client, in_noumea):
    volunteer = _volunteer(in_noumea)
    client.force_login(volunteer)
    url = reverse("desk:log_create", args=[in_noumea.pk])
    response = client.post(url, _log_data(volunteer, date=WEDNESDAY.isoformat()))
    assert response.status_code == 302
    assert SessionLog.objects.get().date == WEDNESDAY


def test_a_session_log_cannot_be_dated_the_servers_today_when_the_antenna_is_not_there_yet(client, in_cayenne):
    volunteer = _volunteer(in_cayenne)
    client.force_login(volunteer)
    url = reverse("desk:log_create", args=[in_cayenne.pk])
    response = client.post(url, _log_data(volunteer, date=WEDNESDAY.isoformat()))
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == [
        "Le compte rendu d'une séance ne peut pas être fait avant qu'elle ait eu lieu."
    ]
    assert not SessionLog.objects.exists()


def test_the_session_log_service_counts_days_on_the_antennas_clock(in_cayenne):
    volunteer = _volunteer(in_cayenne)
    fields = desk_services.SessionLogFields(date=WEDNESDAY, duration_minutes=60, outcome="done")
    with pytest.raises(ValidationError) as refused:
        desk_services.session_log_create(
            antenna=in_cayenne, fields=fields, volunteers=[volunteer], topics=[], by=volunteer
        )
    assert list(refused.value.message_dict) == ["date"]
    log = desk_services.session_log_create(
        antenna=in_cayenne,
        fields=dataclasses.replace(fields, date=TUESDAY),
        volunteers=[volunteer],
        topics=[],
        by=volunteer,
    )
    assert log.date == TUESDAY


# The schedule


def test_the_month_and_the_permanences_count_from_the_antennas_today(client, in_cayenne):
    coordinator = UserFactory(coordinator=True, membership__antenna=in_cayenne)
    client.force_login(coordinator)
    assert client.get(reverse("schedule:month", args=[in_cayenne.pk])).context["today"] == TUESDAY
    form = client.get(reverse("schedule:permanence_create", args=[in_cayenne.pk])).context["form"]
    assert form.initial["valid_from"] == TUESDAY


# Tuesday is Cayenne's today and Nouméa's yesterday.
@pytest.mark.parametrize(("place", "allowed"), [("cayenne", True), ("noumea", False)], indirect=["place"])
def test_a_one_off_date_may_be_added_from_the_antennas_today(client, place, allowed):
    permanence = PermanenceFactory(antenna=place, weekday=1)
    client.force_login(UserFactory(coordinator=True, membership__antenna=place))
    response = client.post(
        reverse("schedule:occurrence_add", args=[place.pk]),
        {"permanence": permanence.pk, "date": TUESDAY.isoformat(), "start": "09:00", "end": "10:00"},
    )
    if allowed:
        assert response.status_code == 302
        assert Occurrence.objects.filter(permanence=permanence, date=TUESDAY).exists()
    else:
        assert response.context["form"].errors["date"] == ["Choisissez un jour à partir d'aujourd'hui."]
        assert not Occurrence.objects.exists()


# 8:30 on Wednesday in Nouméa is 18:30 on Tuesday in Cayenne; 23:30 on Tuesday in Cayenne is
# 13:30 on Wednesday in Nouméa. Either way Cayenne is on Tuesday and Nouméa on Wednesday.
@pytest.mark.parametrize("moment", [NOUMEA_MORNING, CAYENNE_EVENING])
def test_generation_starts_each_permanence_on_its_antennas_today(server_zone, moment):
    cayenne = AntennaFactory(name="Cayenne centre", time_zone="America/Cayenne", department_code="973")
    noumea = AntennaFactory(name="Nouméa", time_zone="Pacific/Noumea")
    # Every Tuesday and every Wednesday at both antennas, generated in one run, as the nightly task does.
    for antenna in (cayenne, noumea):
        for weekday in (1, 2):
            PermanenceFactory(antenna=antenna, weekday=weekday, valid_from=datetime.date(2026, 11, 1))
    with time_machine.travel(moment, tick=False):
        occurrences_generate(permanences=Permanence.objects.select_related("antenna"), weeks=1)
    first = {
        (permanence.antenna.name, permanence.weekday): permanence.occurrences.order_by("date").first().date
        for permanence in Permanence.objects.select_related("antenna")
    }
    assert first == {
        ("Cayenne centre", 1): TUESDAY,
        ("Cayenne centre", 2): WEDNESDAY,
        ("Nouméa", 1): datetime.date(2026, 12, 15),
        ("Nouméa", 2): WEDNESDAY,
    }


# The rota


def test_a_volunteer_signs_up_for_the_antennas_today_but_not_for_its_yesterday(client, in_cayenne):
    volunteer = _volunteer(in_cayenne)
    # This morning's date is over by its hours, not by its day: who helped still says so.
    this_morning = occurrence_today(antenna=in_cayenne, day=TUESDAY, start=9, end=12)
    yesterday = occurrence_today(antenna=in_cayenne, day=TUESDAY - datetime.timedelta(days=1), start=9, end=12)
    client.force_login(volunteer)

    rota = client.get(reverse("volunteers:rota", args=[in_cayenne.pk]))
    assert rota.context["today"] == TUESDAY
    shown = {occurrence.pk: occurrence.is_over for _day, day in rota.context["days"] for occurrence in day}
    assert shown == {this_morning.pk: False, yesterday.pk: True}

    client.post(reverse("volunteers:signup", args=[this_morning.pk]))
    client.post(reverse("volunteers:signup", args=[yesterday.pk]))
    assert list(Signup.objects.values_list("occurrence", flat=True)) == [this_morning.pk]


def test_a_charter_signed_on_the_antennas_today_is_not_in_the_future(client, in_noumea):
    coordinator = UserFactory(coordinator=True, membership__antenna=in_noumea)
    member = UserFactory(volunteer=True, membership__antenna=in_noumea)
    client.force_login(coordinator)
    response = client.post(
        reverse("volunteers:member", args=[in_noumea.pk, member.pk]),
        {"charter_signed_on": WEDNESDAY.isoformat(), "is_active": "on"},
    )
    assert response.status_code == 302
    assert VolunteerProfile.objects.get(user=member).charter_signed_on == WEDNESDAY


# Figures


def test_one_antennas_figures_count_this_month_on_its_clock(client, server_zone):
    antenna = AntennaFactory(time_zone="America/Cayenne", department_code="973")
    # 30 November, 23:30 in Cayenne: already 1 December in Paris and on UTC.
    with time_machine.travel(datetime.datetime(2026, 11, 30, 23, 30, tzinfo=CAYENNE), tick=False):
        assert timezone.localdate() == datetime.date(2026, 12, 1)
        client.force_login(UserFactory(coordinator=True, membership__antenna=antenna))
        page = client.get(reverse("figures:figures", args=["antenne", antenna.pk]))
        assert page.context["period"].start == datetime.date(2026, 11, 1)
        summary = client.get(reverse("figures:summary", args=["antenne", antenna.pk]))
        assert summary.context["today"] == datetime.date(2026, 11, 30)
        period = period_from_query({}, today=Scope("antenna", antenna=antenna).today())
        assert (period.start, period.end) == (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
        # The federation's figures, across zones, follow the server's day.
        assert Scope("all").today() == datetime.date(2026, 12, 1)


# Referrers, who belong to no antenna


def test_a_referrer_overseas_gives_a_deadline_of_their_own_today(client, server_zone):
    referrer = UserFactory()
    ReferrerFactory(user=referrer, organization=OrganizationFactory(department_code="973"))
    sheet = LiaisonSheetFactory(referrer=referrer)
    with time_machine.travel(CAYENNE_EVENING, tick=False):
        client.force_login(referrer)
        response = client.post(
            reverse("beneficiaries:sheet_create", args=[sheet.beneficiary.pk]),
            {"needs": [Topic.objects.get(code="email").pk], "detail": "CAF", "deadline": TUESDAY.isoformat()},
        )
    assert response.status_code == 302, response.context["form"].errors
    assert referrer.liaison_sheets.filter(deadline=TUESDAY).exists()


def test_a_slot_still_ahead_on_an_antennas_today_is_found_after_the_servers_midnight(client, server_zone):
    antenna = AntennaFactory(time_zone="America/Cayenne", department_code="973", postcode="97300")
    evening = occurrence_today(antenna=antenna, day=TUESDAY, start=22, end=23)
    sheet = LiaisonSheetFactory()
    # 21:00 in Cayenne: the server's day is already Wednesday.
    with time_machine.travel(datetime.datetime(2026, 12, 8, 21, tzinfo=CAYENNE), tick=False):
        client.force_login(sheet.referrer)
        response = client.get(reverse("booking:slot_search", args=[sheet.pk]))
    offered = [slot for day in response.context["days"] for group in day["antennas"] for slot in group["slots"]]
    assert [slot.occurrence_id for slot in offered] == [evening.pk]
