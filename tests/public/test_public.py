"""Public pages without an account: the list of places, one place's page, its iCal feed, the
OpenStreetMap opening hours and the open-data exports in the national schema."""

import csv
import datetime
import io
import json
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from sessions_app.planning import services
from sessions_app.planning.generation import occurrences_generate
from sessions_app.public import views as public_views
from sessions_app.scheduling.enums import BookingMode, Weekday
from sessions_app.scheduling.models import Occurrence
from sessions_app.scheduling.opening_hours import opening_hours
from tests.core.factories import AntennaFactory, UserFactory
from tests.scheduling.factories import ClosureFactory, PermanenceFactory

PARIS = ZoneInfo("Europe/Paris")
# A Monday morning: the next Tuesdays are 24 November, 1, 8 and 15 December 2026.
MONDAY = datetime.date(2026, 11, 23)


@pytest.fixture
def clock(monkeypatch):
    """Place the public views' "now" where a test needs it; by default on MONDAY at 8:00."""

    def _set(moment: datetime.datetime) -> None:
        monkeypatch.setattr(public_views, "_now", lambda: moment)

    _set(datetime.datetime.combine(MONDAY, datetime.time(8), tzinfo=PARIS))
    return _set


def _generate(permanence, today=MONDAY, weeks=4):
    occurrences_generate(permanences=[permanence], today=today, weeks=weeks)


def _cancel(permanence, day, reason):
    occurrence = Occurrence.objects.get(permanence=permanence, date=day)
    services.occurrence_cancel(occurrence=occurrence, reason=reason, by=UserFactory())
    return occurrence


# The list of places


def test_anonymous_visitors_see_active_places_with_their_next_three_openings(client, clock):
    antenna = AntennaFactory(
        name="La Blancarde", public_phone="+33491000000", accessibility_notes="Accès de plain-pied"
    )
    permanence = PermanenceFactory(antenna=antenna, title="Fracture numérique")
    _generate(permanence)
    _cancel(permanence, datetime.date(2026, 12, 1), "Formation des bénévoles")
    AntennaFactory(name="Antenne en sommeil", dormant=True)
    AntennaFactory(name="Antenne en projet", planned=True)

    response = client.get(reverse("public:antenna_list"))

    assert response.status_code == 200
    assertContains(response, "La Blancarde")
    assertContains(response, antenna.organization.name)
    assertContains(response, antenna.full_address)
    assertContains(response, '<a href="tel:+33491000000">04 91 00 00 00</a>', html=True)
    assertContains(response, "Accès de plain-pied")
    assertContains(response, "mardi 24 novembre 2026, 09:00–10:00")
    assertContains(response, "mardi 8 décembre 2026, 09:00–10:00")
    assertContains(response, "mardi 15 décembre 2026, 09:00–10:00")
    assertContains(response, "Fracture numérique", count=3)
    # Cancelled dates are not openings.
    assertNotContains(response, "1 décembre 2026")
    assertNotContains(response, "Antenne en sommeil")
    assertNotContains(response, "Antenne en projet")


def test_the_list_filters_by_department_and_searches_name_city_and_postcode(client, clock):
    AntennaFactory(name="La Blancarde", city="Marseille", postcode="13004", department_code="13")
    AntennaFactory(name="Mérignac", city="Mérignac", postcode="33700", department_code="33")
    AntennaFactory(name="Dormante de Paris", city="Paris", postcode="75011", department_code="75", dormant=True)
    url = reverse("public:antenna_list")

    response = client.get(url, {"departement": "33"})
    assertContains(response, "Mérignac")
    assertNotContains(response, "La Blancarde")
    # Only the departments of active places are offered.
    assertContains(response, '<option value="13">13 – Bouches-du-Rhône</option>', html=True)
    assertNotContains(response, 'value="75"')

    response = client.get(url, {"q": "marseille"})
    assertContains(response, "La Blancarde")
    assertNotContains(response, "Mérignac")

    response = client.get(url, {"q": "337"})
    assertContains(response, "Mérignac")
    assertNotContains(response, "La Blancarde")

    response = client.get(url, {"q": "blanc", "departement": "13"})
    assertContains(response, "La Blancarde")
    assertNotContains(response, "Mérignac")


def _grow(count):
    for _ in range(count):
        antenna = AntennaFactory()
        for weekday in (Weekday.TUESDAY, Weekday.THURSDAY):
            _generate(PermanenceFactory(antenna=antenna, weekday=weekday))


@pytest.mark.parametrize(("url_name", "queries"), [("public:antenna_list", 5), ("public:export_json", 2)])
def test_list_and_export_run_a_fixed_number_of_queries(client, clock, django_assert_num_queries, url_name, queries):
    _grow(2)
    with django_assert_num_queries(queries):
        assert client.get(reverse(url_name)).status_code == 200
    _grow(5)
    with django_assert_num_queries(queries):
        assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"departement": "<script>"},
        {"departement": "9" * 50},
        {"departement": "\x00"},
        {"q": "\x00"},
        {"q": "x" * 5000},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"page": "1.5"},
    ],
)
def test_garbage_in_the_query_string_never_breaks_the_list(client, clock, params):
    AntennaFactory(name="La Blancarde")
    response = client.get(reverse("public:antenna_list"), params)
    assert response.status_code == 200


# One place's page


@pytest.mark.parametrize(
    "path", ["/lieux/abc/", "/lieux/1.5/", "/lieux/-1/", "/lieux/abc/calendrier.ics", "/lieux/export.xml"]
)
def test_malformed_addresses_are_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("url_name", ["public:antenna_detail", "public:antenna_calendar"])
@pytest.mark.parametrize("status", ["dormant", "planned", "missing"])
def test_only_active_places_have_a_public_page_and_feed(client, url_name, status):
    pk = AntennaFactory(**{status: True}).pk if status != "missing" else 999_999
    assert client.get(reverse(url_name, args=[pk])).status_code == 404


def test_the_place_page_shows_hours_dates_and_cancelled_dates_with_their_reason(client, clock):
    antenna = AntennaFactory(
        name="Eysines",
        public_phone="+33556000000",
        accessibility_notes="Ascenseur",
        public_notes="Apportez vos identifiants.",
    )
    drop_in = PermanenceFactory(antenna=antenna, title="Aide aux démarches", booking_mode=BookingMode.WALK_IN)
    workshop = PermanenceFactory(
        antenna=antenna,
        title="Atelier smartphone",
        workshop=True,
        monthly=True,
        weekday=Weekday.THURSDAY,
        monthly_position=1,
        start_time=datetime.time(14),
        end_time=datetime.time(16),
    )
    PermanenceFactory(antenna=antenna, title="Permanence suspendue", is_active=False)
    _generate(drop_in)
    _generate(workshop)
    _cancel(drop_in, datetime.date(2026, 12, 1), "Salle indisponible")

    response = client.get(reverse("public:antenna_detail", args=[antenna.pk]))

    assert response.status_code == 200
    assertContains(response, "<h1", count=1)
    assertContains(response, antenna.full_address)
    assertContains(response, '<a href="tel:+33556000000">05 56 00 00 00</a>', html=True)
    assertContains(response, "Ascenseur")
    assertContains(response, "Apportez vos identifiants.")
    assertContains(response, drop_in.schedule_label)
    assertContains(response, workshop.schedule_label)
    # How a member of the public gets in: with no appointment, or through a social worker or a call.
    assertContains(response, "Sans rendez-vous : venez aux heures d’ouverture.")
    assertContains(
        response, "Sur rendez-vous : demandez à votre travailleur social, ou appelez l’antenne au 05 56 00 00 00."
    )
    assertContains(response, workshop.get_kind_display())
    assertNotContains(response, "Permanence suspendue")
    assertContains(response, "mardi 24 novembre 2026, 09:00–10:00")
    assertContains(response, "jeudi 3 décembre 2026, 14:00–16:00")
    assertContains(response, "mardi 1er décembre 2026, 09:00–10:00")
    assertContains(response, "Salle indisponible")
    assertContains(response, reverse("public:antenna_calendar", args=[antenna.pk]))
    assertContains(response, f"webcal://testserver/lieux/{antenna.pk}/calendrier.ics")


def _closures(antenna):
    """Seen from MONDAY (23 November 2026): one closure over, one running, two ahead."""
    workshop = PermanenceFactory(antenna=antenna, title="Atelier smartphone", weekday=Weekday.THURSDAY)
    return {
        "over": ClosureFactory(
            antenna=antenna,
            starts_on=datetime.date(2026, 11, 2),
            ends_on=datetime.date(2026, 11, 22),
            reason="Peinture de la salle",
        ),
        "running": ClosureFactory(
            antenna=antenna,
            starts_on=datetime.date(2026, 11, 16),
            ends_on=datetime.date(2026, 11, 27),
            reason="Travaux dans le bâtiment",
        ),
        # Created before the running one, shown after it: the list is in date order.
        "one_day": ClosureFactory(
            antenna=antenna,
            permanence=workshop,
            starts_on=datetime.date(2026, 12, 10),
            ends_on=datetime.date(2026, 12, 10),
            reason="Formation des bénévoles",
        ),
        "year_end": ClosureFactory(
            antenna=antenna,
            starts_on=datetime.date(2026, 12, 22),
            ends_on=datetime.date(2027, 1, 4),
            reason="Congés de fin d'année",
        ),
    }


def test_the_place_page_lists_running_and_coming_closures_with_their_dates_and_reason(client, clock):
    antenna = AntennaFactory(name="Eysines")
    _closures(antenna)
    ClosureFactory(
        antenna=AntennaFactory(),
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 12, 31),
        reason="Fermeture d'une autre antenne",
    )

    response = client.get(reverse("public:antenna_detail", args=[antenna.pk]))

    assert response.status_code == 200
    assertContains(response, '<h2 id="closures-title" class="h4">Fermetures</h2>', html=True)
    content = response.content.decode()
    running = content.index("Du 16 novembre 2026 au 27 novembre 2026")
    one_day = content.index("jeudi 10 décembre 2026")
    year_end = content.index("Du 22 décembre 2026 au 4 janvier 2027")
    assert running < one_day < year_end
    assertContains(response, "Motif : Travaux dans le bâtiment")
    assertContains(response, "Motif : Formation des bénévoles")
    assertContains(response, "Motif : Congés de fin d&#x27;année")
    # The whole antenna, or the one permanence a closure concerns.
    assertContains(response, "toute l'antenne", count=2)
    assert "Atelier smartphone" in content[one_day:year_end]
    assertNotContains(response, "Peinture de la salle")
    assertNotContains(response, "22 novembre 2026")
    assertNotContains(response, "Fermeture d&#x27;une autre antenne")


def test_the_place_page_counts_a_closure_over_by_the_day_of_the_antenna(client, clock):
    # 23:30 in Paris is already 24 November in Nouméa: a closure that ended on the 23rd is over there.
    clock(datetime.datetime.combine(MONDAY, datetime.time(23, 30), tzinfo=PARIS))
    paris = AntennaFactory()
    noumea = AntennaFactory(department_code="988", postcode="98800", city="Nouméa", time_zone="Pacific/Noumea")
    for antenna in (paris, noumea):
        ClosureFactory(antenna=antenna, starts_on=MONDAY, ends_on=MONDAY, reason="Réunion d'équipe")

    assertContains(client.get(reverse("public:antenna_detail", args=[paris.pk])), "Réunion d&#x27;équipe")
    assertNotContains(client.get(reverse("public:antenna_detail", args=[noumea.pk])), "Réunion d&#x27;équipe")


def test_a_place_without_a_phone_sends_people_to_their_social_worker(client, clock):
    antenna = AntennaFactory(public_phone="")
    _generate(PermanenceFactory(antenna=antenna, booking_mode=BookingMode.BOOKABLE))
    response = client.get(reverse("public:antenna_detail", args=[antenna.pk]))
    assertContains(response, "Sur rendez-vous : demandez à votre travailleur social.")


def test_a_place_without_closures_ahead_has_no_closure_section(client, clock):
    antenna = AntennaFactory()
    ClosureFactory(antenna=antenna, starts_on=datetime.date(2026, 7, 20), ends_on=datetime.date(2026, 8, 16))

    response = client.get(reverse("public:antenna_detail", args=[antenna.pk]))

    assertNotContains(response, "closures-title")
    assertNotContains(response, "Fermeture estivale")


@pytest.mark.parametrize(("url_name", "queries"), [("public:antenna_detail", 4), ("public:antenna_calendar", 3)])
def test_the_place_page_and_feed_run_a_fixed_number_of_queries(
    client, clock, django_assert_num_queries, url_name, queries
):
    antenna = AntennaFactory()
    _generate(PermanenceFactory(antenna=antenna))
    _closures(antenna)
    url = reverse(url_name, args=[antenna.pk])
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    for weekday in (Weekday.WEDNESDAY, Weekday.FRIDAY):
        permanence = PermanenceFactory(antenna=antenna, weekday=weekday)
        _generate(permanence)
        ClosureFactory(
            antenna=antenna,
            permanence=permanence,
            starts_on=datetime.date(2026, 12, 1),
            ends_on=datetime.date(2026, 12, 5),
            reason="Bénévole absent",
        )
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


# The iCal feed


def test_the_feed_keeps_local_hours_across_daylight_saving_and_marks_cancelled_dates(client, clock):
    antenna = AntennaFactory(name="La Blancarde", public_notes="Sonnez à l'interphone.")
    permanence = PermanenceFactory(antenna=antenna, title="Fracture numérique")
    _generate(permanence, today=datetime.date(2026, 3, 5), weeks=1)
    _generate(permanence, today=datetime.date(2026, 3, 20), weeks=2)
    _generate(permanence, today=datetime.date(2026, 10, 15), weeks=3)
    cancelled = _cancel(permanence, datetime.date(2026, 10, 27), "Grève des transports")
    # The feed covers the past 30 days and what is ahead: seen from mid-April, that is both
    # sides of the spring change and the autumn one, and not 10 March.
    clock(datetime.datetime(2026, 4, 15, 12, tzinfo=PARIS))

    response = client.get(reverse("public:antenna_calendar", args=[antenna.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert response["Content-Disposition"].endswith('.ics"')
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert antenna.name in calendar["X-WR-CALNAME"]
    assert [zone["TZID"] for zone in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = {event.start.date(): event for event in calendar.walk("VEVENT")}
    spring, summer = datetime.date(2026, 3, 24), datetime.date(2026, 3, 31)
    autumn, winter = datetime.date(2026, 10, 20), datetime.date(2026, 10, 27)
    assert sorted(events) == [spring, summer, autumn, winter, datetime.date(2026, 11, 3)]
    for day in (spring, summer, autumn, winter):
        start, end = events[day].start, events[day].end
        assert (start.time(), end.time()) == (datetime.time(9), datetime.time(10))
        assert start.tzinfo.key == end.tzinfo.key == "Europe/Paris"
        assert str(events[day]["SUMMARY"]) == "Fracture numérique"
        assert str(events[day]["LOCATION"]) == antenna.full_address
        assert "Sonnez à l'interphone." in str(events[day]["DESCRIPTION"])
    # The same 9:00 is 8:00 UTC in winter time and 7:00 UTC in summer time.
    assert events[spring].start.astimezone(datetime.UTC).hour == 8
    assert events[summer].start.astimezone(datetime.UTC).hour == 7
    assert events[autumn].start.astimezone(datetime.UTC).hour == 7
    assert events[winter].start.astimezone(datetime.UTC).hour == 8
    assert events[winter]["STATUS"] == "CANCELLED"
    assert "Grève des transports" in str(events[winter]["DESCRIPTION"])
    assert str(events[winter]["UID"]) == f"occurrence-{cancelled.pk}@permanences-numeriques"
    assert events[autumn]["STATUS"] == "CONFIRMED"
    assert len({str(event["UID"]) for event in events.values()}) == 5


def test_the_feed_holds_each_closure_as_an_all_day_event_with_its_reason(client, clock):
    antenna = AntennaFactory(name="Eysines")
    _generate(PermanenceFactory(antenna=antenna, title="Aide aux démarches"))
    closures = _closures(antenna)
    # Over for more than the feed's 30 days: gone from the feed.
    ClosureFactory(
        antenna=antenna,
        starts_on=datetime.date(2026, 10, 12),
        ends_on=datetime.date(2026, 10, 23),
        reason="Inventaire",
    )
    ClosureFactory(antenna=AntennaFactory(), reason="Fermeture d'une autre antenne", ends_on=datetime.date(2027, 1, 1))

    response = client.get(reverse("public:antenna_calendar", args=[antenna.pk]))

    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    closure_uids = sorted(uid for uid in events if uid.startswith("closure-"))
    # Over since 22 November, within the 30 days the feed looks back: kept, so it does not vanish.
    assert closure_uids == sorted(f"closure-{closure.pk}@permanences-numeriques" for closure in closures.values())
    year_end = events[f"closure-{closures['year_end'].pk}@permanences-numeriques"]
    assert str(year_end["SUMMARY"]) == "Fermé : Congés de fin d'année"
    assert year_end["DTSTART"].params["VALUE"] == "DATE"
    assert year_end["DTEND"].params["VALUE"] == "DATE"
    # DTEND is exclusive: the day after the last closed day.
    assert (year_end.start, year_end.end) == (datetime.date(2026, 12, 22), datetime.date(2027, 1, 5))
    assert not isinstance(year_end.start, datetime.datetime)
    assert str(year_end["TRANSP"]) == "TRANSPARENT"
    assert str(year_end["LOCATION"]) == antenna.full_address
    assert str(year_end["DESCRIPTION"]) == "Concerne : toute l'antenne"
    assert b"DTSTART;VALUE=DATE:20261222" in response.content
    assert b"DTEND;VALUE=DATE:20270105" in response.content
    one_day = events[f"closure-{closures['one_day'].pk}@permanences-numeriques"]
    assert (one_day.start, one_day.end) == (datetime.date(2026, 12, 10), datetime.date(2026, 12, 11))
    assert str(one_day["SUMMARY"]) == "Fermé : Formation des bénévoles – Atelier smartphone"
    assert str(one_day["DESCRIPTION"]) == "Concerne : Atelier smartphone"
    # The dates of the permanences are still there, at their hours.
    assert any(str(event["SUMMARY"]) == "Aide aux démarches" for event in events.values())
    assert b"Inventaire" not in response.content
    assert b"autre antenne" not in response.content


def test_the_feed_of_a_place_with_only_a_closure_is_valid(client, clock):
    antenna = AntennaFactory()
    closure = ClosureFactory(antenna=antenna, starts_on=MONDAY, ends_on=MONDAY, reason="Grève")

    response = client.get(reverse("public:antenna_calendar", args=[antenna.pk]))

    calendar = icalendar.Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"closure-{closure.pk}@permanences-numeriques"
    assert (event.start, event.end) == (MONDAY, MONDAY + datetime.timedelta(days=1))
    assert not calendar.walk("VTIMEZONE")


# OpenStreetMap opening hours


def _permanence(weekday, start, end, position=None, **kwargs):
    if position is not None:
        kwargs.update(monthly=True, monthly_position=position)
    return PermanenceFactory.build(
        weekday=weekday, start_time=datetime.time(*start), end_time=datetime.time(*end), **kwargs
    )


@pytest.mark.parametrize(
    ("place", "weekday", "start", "end", "extra", "expected"),
    [
        ("La Blancarde", Weekday.TUESDAY, (9,), (10,), {}, "Tu 09:00-10:00"),
        ("Chemin de Gibbes", Weekday.THURSDAY, (9,), (12,), {}, "Th 09:00-12:00"),
        ("Eysines", Weekday.TUESDAY, (13,), (16, 30), {"position": 1}, "Tu[1] 13:00-16:30"),
        ("Mérignac", Weekday.THURSDAY, (9,), (12, 30), {"position": 2}, "Th[2] 09:00-12:30"),
        ("Le Bouscat", Weekday.TUESDAY, (9,), (12, 30), {"position": 2}, "Tu[2] 09:00-12:30"),
        ("Saint-Médard-en-Jalles", Weekday.TUESDAY, (13, 30), (17,), {"position": 2}, "Tu[2] 13:30-17:00"),
        ("last Friday", Weekday.FRIDAY, (9,), (12,), {"position": -1}, "Fr[-1] 09:00-12:00"),
        ("every other week", Weekday.THURSDAY, (9,), (12,), {"interval_weeks": 2}, "Th 09:00-12:00"),
    ],
)
def test_opening_hours_of_one_permanence(place, weekday, start, end, extra, expected):
    assert opening_hours([_permanence(weekday, start, end, **extra)]) == expected


def test_opening_hours_put_days_in_week_order_and_join_hours_of_the_same_day():
    thursday = _permanence(Weekday.THURSDAY, (9,), (12,))
    tuesday_afternoon = _permanence(Weekday.TUESDAY, (14,), (16,))
    tuesday_morning = _permanence(Weekday.TUESDAY, (9,), (10,))
    assert opening_hours([thursday, tuesday_morning]) == "Tu 09:00-10:00; Th 09:00-12:00"
    assert opening_hours([tuesday_afternoon, tuesday_morning]) == "Tu 09:00-10:00,14:00-16:00"
    assert (
        opening_hours([thursday, tuesday_afternoon, tuesday_morning]) == "Tu 09:00-10:00,14:00-16:00; Th 09:00-12:00"
    )


def test_opening_hours_add_a_monthly_rule_to_a_weekly_one_on_the_same_day():
    # With "; " the 1st-Tuesday rule would replace the weekly hours on that day.
    weekly = _permanence(Weekday.TUESDAY, (9,), (10,))
    monthly = _permanence(Weekday.TUESDAY, (13,), (16, 30), position=1)
    assert opening_hours([monthly, weekly]) == "Tu 09:00-10:00, Tu[1] 13:00-16:30"


def test_opening_hours_leave_out_inactive_permanences():
    active = _permanence(Weekday.TUESDAY, (9,), (10,))
    suspended = _permanence(Weekday.THURSDAY, (9,), (12,), is_active=False)
    assert opening_hours([active, suspended]) == "Tu 09:00-10:00"
    assert opening_hours([suspended]) == ""
    assert opening_hours([]) == ""


# Open data


@pytest.fixture
def open_data_places(clock):
    antenna = AntennaFactory(
        name="La Blancarde",
        address="12 rue Jobin",
        postcode="13004",
        city="Marseille",
        public_phone="+33491000000",
        public_notes="Apportez vos identifiants.",
        accessibility_notes="Accès de plain-pied",
    )
    PermanenceFactory(antenna=antenna, booking_mode=BookingMode.WALK_IN)
    PermanenceFactory(
        antenna=antenna,
        workshop=True,
        monthly=True,
        weekday=Weekday.THURSDAY,
        monthly_position=2,
        start_time=datetime.time(9),
        end_time=datetime.time(12, 30),
    )
    PermanenceFactory(antenna=antenna, weekday=Weekday.FRIDAY, is_active=False)
    PermanenceFactory(antenna=antenna, weekday=Weekday.MONDAY, valid_until=datetime.date(2026, 6, 30))
    AntennaFactory(name="Antenne en sommeil", dormant=True)
    AntennaFactory(name="Antenne en projet", planned=True)
    return antenna


def _expected_row(antenna):
    return {
        "id": f"antenne-{antenna.pk}",
        "nom": "La Blancarde",
        "adresse": "12 rue Jobin",
        "code_postal": "13004",
        "commune": "Marseille",
        "telephone": "+33491000000",
        "horaires": "Tu 09:00-10:00; Th[2] 09:00-12:30",
        "services": "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
        "modalites_acces": "Se présenter|Téléphoner",
        "modalites_accompagnement": "Accompagnement individuel|Dans un atelier collectif",
        "presentation_resume": "Apportez vos identifiants.",
        "presentation_detail": "Apportez vos identifiants.\n\nAccès de plain-pied",
        "structure_parente": antenna.organization.name,
        "date_maj": timezone.localdate(antenna.updated_at).isoformat(),
        "prise_rdv": f"http://testserver/lieux/{antenna.pk}/",
    }


def test_the_json_export_holds_active_places_in_the_national_schema(client, open_data_places):
    response = client.get(reverse("public:export_json"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    rows = json.loads(response.content)
    assert isinstance(rows, list)
    assert len(rows) == 1
    assert list(rows[0]) == public_views.OPEN_DATA_FIELDS
    assert rows[0] | _expected_row(open_data_places) == rows[0]
    assert rows[0]["source"]


def test_the_csv_export_holds_the_same_rows_with_a_header(client, open_data_places):
    response = client.get(reverse("public:export_csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('.csv"')
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8")))
    rows = list(reader)
    assert reader.fieldnames == public_views.OPEN_DATA_FIELDS
    assert len(rows) == 1
    assert rows[0] | _expected_row(open_data_places) == rows[0]
    json_row = json.loads(client.get(reverse("public:export_json")).content)[0]
    assert rows[0] == {field: value or "" for field, value in json_row.items()}


def test_a_place_without_running_permanences_exports_empty_hours_and_services(client, clock):
    antenna = AntennaFactory()
    PermanenceFactory(antenna=antenna, is_active=False)

    row = json.loads(client.get(reverse("public:export_json")).content)[0]

    assert (row["nom"], row["horaires"], row["services"], row["modalites_acces"]) == (antenna.name, None, None, None)
