"""Figures for coordinators, federations and funders: each number on a data set whose answer
is known by hand, local month boundaries, scopes and access, bad periods, the French summary,
and a fixed number of queries."""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import QueryDict
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus
from sessions_app.desk.enums import Autonomy, Outcome, RedirectionKind
from sessions_app.desk.models import Voucher
from sessions_app.figures import rollups
from sessions_app.figures.figures import figures_compute
from sessions_app.figures.reporting import Period, PeriodError, Scope, months_between, period_from_query
from sessions_app.planning import services
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Occurrence
from sessions_app.totals.ledger import stale_mark
from tests.access import check_access, url_names
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, AntennaMembershipFactory, OrganizationFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import PermanenceFactory, occurrence_today
from tests.team.factories import SignupFactory

PARIS = ZoneInfo("Europe/Paris")
QUARTER = Period(datetime.date(2025, 1, 1), datetime.date(2025, 3, 31))
QUARTER_QUERY = "periode=custom&du=2025-01-01&au=2025-03-31"
APRIL_2025 = datetime.date(2025, 4, 1)


def _dates(antenna, title, days, *, start=9, end=12, **fields):
    """A permanence of the antenna with one-off dates on the given days."""
    permanence = PermanenceFactory(antenna=antenna, title=title, **fields)
    return [
        services.occurrence_add(permanence=permanence, day=day, start=datetime.time(start), end=datetime.time(end))
        for day in days
    ]


def _url(name, scope, pk, query=QUARTER_QUERY):
    return f"{reverse(name, kwargs={'scope': scope, 'pk': pk})}?{query}"


@pytest.fixture(params=["from the rows", "from the monthly totals"])
def known(request):
    """One antenna over the first quarter of 2025, with every figure worked out by hand.

    Every test of it runs twice: once counting the rows themselves, once with the months from
    December 2024 to April 2025 added up first (`sessions_app.figures.rollups`), as a federation's are.

    Followed people: A (1 session + the workshop), B (2 sessions, and one in April), C (3
    sessions, and one in December 2024), D (the workshop only). Two anonymous sessions, and one
    workshop with A, D and 3 anonymous participants. Another antenna's session never counts.
    """
    antenna = AntennaFactory(name="La Blancarde")
    other_antenna = AntennaFactory(name="Chemin de Gibbes")
    a, b, c, d = (BeneficiaryFactory(first_name=name) for name in "ABCD")
    tuesday = _dates(
        antenna, "Accueil libre", [datetime.date(2025, 1, 15), datetime.date(2025, 3, 1), datetime.date(2025, 3, 5)]
    )
    (workshop_date,) = _dates(antenna, "Atelier e-mail", [datetime.date(2025, 2, 5)], workshop=True)
    caf = _dates(antenna, "Permanence CAF", [datetime.date(2025, 2, 20), datetime.date(2025, 3, 20)])

    def log(day, **fields):
        return SessionLogFactory(antenna=antenna, date=datetime.date(2025, *day), **fields)

    a_january = log((1, 10), beneficiary=a, duration_minutes=60, topics=["email"], autonomy=Autonomy.AUTONOMOUS)
    log(
        (1, 15),
        beneficiary=b,
        duration_minutes=30,
        topics=["email", "aide_aux_demarches_administratives", "logement"],
        autonomy=Autonomy.PARTLY,
        occurrence=tuesday[0],
    )
    log(
        (2, 20),
        beneficiary=b,
        duration_minutes=45,
        topics=["bureautique"],
        outcome=Outcome.PARTLY_DONE,
        occurrence=caf[0],
    )
    log((2, 1), beneficiary=c, duration_minutes=60, topics=["email"])
    c_march = log(
        (3, 1),
        beneficiary=c,
        duration_minutes=90,
        topics=["aide_aux_demarches_administratives", "argent_impots"],
        outcome=Outcome.TO_CONTINUE,
        occurrence=tuesday[1],
    )
    log(
        (3, 15),
        beneficiary=c,
        duration_minutes=30,
        topics=["aide_aux_demarches_administratives", "logement"],
        outcome=Outcome.REDIRECTED,
        redirected_to=RedirectionKind.FRANCE_SERVICES,
    )
    log(
        (3, 5),
        duration_minutes=15,
        topics=["sante"],
        outcome=Outcome.REDIRECTED,
        redirected_to=RedirectionKind.TOWN_HALL,
        occurrence=tuesday[2],
    )
    log((3, 20), duration_minutes=15, topics=["email"], occurrence=caf[1])
    workshop = log(
        (2, 5),
        is_workshop=True,
        duration_minutes=120,
        topics=["securite_numerique"],
        autonomy="",
        anonymous_participants=3,
        occurrence=workshop_date,
    )
    workshop.participants.set([a, d])
    # Outside the period or the scope: never counted.
    c_before = SessionLogFactory(antenna=antenna, date=datetime.date(2024, 12, 10), beneficiary=c)
    SessionLogFactory(antenna=antenna, date=datetime.date(2025, 4, 2), beneficiary=b)
    SessionLogFactory(antenna=antenna, date=datetime.date(2025, 4, 3), beneficiary=BeneficiaryFactory())
    elsewhere = SessionLogFactory(antenna=other_antenna, date=datetime.date(2025, 2, 10), beneficiary=a)
    for number, session in enumerate([a_january, a_january, c_march, c_before, elsewhere]):
        Voucher.objects.create(session_log=session, number=f"APTIC-{number}")

    # The rota: two volunteers on a 3-hour date; a cancelled date and an April date do not count.
    rota_date = occurrence_today(antenna=antenna, day=datetime.date(2025, 2, 12), start=9, end=12)
    SignupFactory.create_batch(2, occurrence=rota_date)
    cancelled = occurrence_today(antenna=antenna, day=datetime.date(2025, 2, 13), start=9, end=12)
    Occurrence.objects.filter(pk=cancelled.pk).update(status=OccurrenceStatus.CANCELLED)
    SignupFactory(occurrence=cancelled)
    april = occurrence_today(antenna=antenna, day=datetime.date(2025, 4, 10), start=9, end=12)
    SignupFactory(occurrence=april)
    SignupFactory(occurrence=occurrence_today(antenna=other_antenna, day=datetime.date(2025, 2, 12)))

    # Bookings: 3 referrals (2 from the CCAS, 1 from the department), 1 by phone, 1 walk-in.
    ccas = OrganizationFactory(name="CCAS de Marseille", social_services=True)
    department = OrganizationFactory(name="Département des Bouches-du-Rhône", social_services=True)
    slots = list(rota_date.slots.all())
    referral = {"channel": BookingChannel.REFERRAL}
    BookingFactory(
        slot=slots[0], liaison_sheet=LiaisonSheetFactory(organization=ccas), attendance=Attendance.ATTENDED, **referral
    )
    BookingFactory(
        slot=slots[0], liaison_sheet=LiaisonSheetFactory(organization=ccas), attendance=Attendance.NO_SHOW, **referral
    )
    BookingFactory(
        slot=slots[1],
        liaison_sheet=LiaisonSheetFactory(organization=department),
        attendance=Attendance.ATTENDED,
        **referral,
    )
    BookingFactory(slot=slots[1], channel=BookingChannel.PHONE, attendance=Attendance.ATTENDED)
    BookingFactory(slot=slots[2], channel=BookingChannel.WALK_IN, attendance=Attendance.EXPECTED)
    BookingFactory(
        slot=slots[2],
        liaison_sheet=LiaisonSheetFactory(organization=ccas),
        status=BookingStatus.CANCELLED,
        attendance=Attendance.NO_SHOW,
        **referral,
    )
    BookingFactory(slot=april.slots.first(), channel=BookingChannel.PHONE, attendance=Attendance.NO_SHOW)
    if request.param == "from the monthly totals":
        assert len(rollups.months_build(months=months_between(datetime.date(2024, 12, 1), APRIL_2025))) == 5
    return {"antenna": antenna, "other_antenna": other_antenna, "scope": Scope("antenna", antenna=antenna)}


def _rows(rows):
    return [(row.key, row.count, row.share) for row in rows]


def test_people_helped_count_each_followed_person_once_plus_the_anonymous(known):
    people = figures_compute(scope=known["scope"], period=QUARTER).people
    # A, B, C, D once each + 2 anonymous sessions + 3 anonymous workshop participants.
    assert (people.followed, people.anonymous, people.helped) == (4, 5, 9)


def test_new_people_are_those_first_seen_in_the_period(known):
    # C was first seen in December 2024; A, B and D are new.
    assert figures_compute(scope=known["scope"], period=QUARTER).people.new == 3


def test_sessions_workshops_participants_and_hours(known):
    sessions = figures_compute(scope=known["scope"], period=QUARTER).sessions
    assert sessions.total == 9
    assert sessions.individual == 8
    assert sessions.anonymous_individual == 2
    assert sessions.workshops == 1
    assert (sessions.followed_participants, sessions.anonymous_participants) == (2, 3)
    assert sessions.workshop_participants == 5
    # 60 + 30 + 45 + 60 + 90 + 30 + 15 + 15 + 120 = 465 minutes.
    assert sessions.minutes == 465
    assert sessions.hours == Decimal("7.8")


def test_volunteer_hours_come_from_the_rota_of_scheduled_dates(known):
    time = figures_compute(scope=known["scope"], period=QUARTER).volunteer_time
    assert (time.signups, time.volunteers) == (2, 2)
    assert time.hours == Decimal("6.0")


def test_topics_count_sessions_and_their_share(known):
    figures = figures_compute(scope=known["scope"], period=QUARTER)
    assert _rows(figures.themes) == [
        ("email", 4, Decimal("44.4")),
        ("aide_aux_demarches_administratives", 3, Decimal("33.3")),
        ("bureautique", 1, Decimal("11.1")),
        ("securite_numerique", 1, Decimal("11.1")),
        ("sante", 1, Decimal("11.1")),
    ]
    assert _rows(figures.subthemes) == [("logement", 2, Decimal("22.2")), ("argent_impots", 1, Decimal("11.1"))]
    # The summary's themes, each with its own sub-themes beneath it, never beside it.
    assert [(item.theme.key, [row.key for row in item.subthemes]) for item in figures.top_themes] == [
        ("email", []),
        ("aide_aux_demarches_administratives", ["logement", "argent_impots"]),
        ("bureautique", []),
        ("securite_numerique", []),
        ("sante", []),
    ]
    assert {row.theme for row in figures.subthemes} == {"aide_aux_demarches_administratives"}


def test_autonomy_outcomes_and_redirections(known):
    figures = figures_compute(scope=known["scope"], period=QUARTER)
    assert [(row.key, row.count) for row in figures.autonomy] == [
        ("guided", 6),
        ("partly", 1),
        ("autonomous", 1),
        ("", 1),
    ]
    assert [(row.key, row.count) for row in figures.outcomes] == [
        ("done", 5),
        ("partly_done", 1),
        ("to_continue", 1),
        ("redirected", 2),
    ]
    redirections = {row.key: row.count for row in figures.redirections}
    assert redirections == {**dict.fromkeys(RedirectionKind.values, 0), "france_services": 1, "town_hall": 1}
    assert figures.outcomes[0].share == Decimal("55.6")


def test_returning_people_have_more_than_one_session_in_the_period(known):
    people = figures_compute(scope=known["scope"], period=QUARTER).people
    # A (a session and the workshop), B (2) and C (3); D came once.
    assert people.returning == 3
    assert people.returning_share == Decimal("75.0")


def test_bookings_by_channel_and_referring_organization(known):
    bookings = figures_compute(scope=known["scope"], period=QUARTER).bookings
    assert bookings.total == 5
    assert _rows(bookings.by_channel) == [
        ("referral", 3, Decimal("60.0")),
        ("phone", 1, Decimal("20.0")),
        ("walk_in", 1, Decimal("20.0")),
        ("follow_up", 0, Decimal("0.0")),
    ]
    assert [(row.label, row.count) for row in bookings.by_organization] == [
        ("CCAS de Marseille", 2),
        ("Département des Bouches-du-Rhône", 1),
    ]
    assert bookings.from_organizations == 3


def test_no_show_rate_counts_bookings_marked_on_dates_that_are_over(known):
    no_shows = figures_compute(scope=known["scope"], period=QUARTER).no_shows
    assert (no_shows.no_show, no_shows.attended) == (1, 3)
    assert no_shows.rate == Decimal("25.0")


def test_vouchers_handed_in_during_the_period(known):
    assert figures_compute(scope=known["scope"], period=QUARTER).vouchers == 3


def test_busiest_permanences(known):
    busiest = figures_compute(scope=known["scope"], period=QUARTER).busiest
    assert [(row.title, row.antenna, row.sessions) for row in busiest] == [
        ("Accueil libre", "La Blancarde", 3),
        ("Permanence CAF", "La Blancarde", 2),
        ("Atelier e-mail", "La Blancarde", 1),
    ]


def test_sessions_per_month(known):
    months = figures_compute(scope=known["scope"], period=QUARTER).months
    assert [(month.month, month.sessions) for month in months] == [
        (datetime.date(2025, 1, 1), 2),
        (datetime.date(2025, 2, 1), 3),
        (datetime.date(2025, 3, 1), 4),
    ]


def test_an_empty_period_gives_zeros_and_no_shares(known):
    figures = figures_compute(
        scope=known["scope"], period=Period(datetime.date(2020, 1, 1), datetime.date(2020, 2, 29))
    )
    assert (figures.people.helped, figures.sessions.total, figures.vouchers, figures.bookings.total) == (0, 0, 0, 0)
    assert figures.people.returning_share is None
    assert figures.no_shows.rate is None
    assert figures.sessions.hours == Decimal("0.0")
    assert figures.themes == figures.busiest == []
    assert [month.sessions for month in figures.months] == [0, 0]


def test_only_the_top_ten_referring_organizations_are_named(known):
    slot = Occurrence.objects.get(permanence__antenna=known["antenna"], date=datetime.date(2025, 2, 12)).slots.first()
    for index in range(1, 12):
        organization = OrganizationFactory(name=f"Organisation {index:02d}")
        for _ in range(2 if index == 1 else 1):
            BookingFactory(slot=slot, liaison_sheet=LiaisonSheetFactory(organization=organization))
    # More bookings than seats, so written by the factory: the booking services would mark the
    # month stale themselves (tests/figures/test_rollups.py).
    stale_mark([(known["antenna"].pk, slot.occurrence.date)])
    rows = figures_compute(scope=known["scope"], period=QUARTER).bookings.by_organization
    assert len(rows) == 11
    assert (rows[0].label, rows[0].count) == ("CCAS de Marseille", 2)
    assert (rows[1].label, rows[1].count) == ("Organisation 01", 2)
    # Ties by name: the department, Organisations 02 to 08, then the rest, 09 to 11, together.
    assert [row.label for row in rows[2:4]] == ["Département des Bouches-du-Rhône", "Organisation 02"]
    assert rows[9].label == "Organisation 08"
    assert (rows[-1].key, rows[-1].count, rows[-1].share) == ("other", 3, Decimal("20.0"))


def test_the_page_shows_the_figures_and_their_charts(client, known):
    client.force_login(UserFactory(coordinator=True, membership__antenna=known["antenna"]))
    response = client.get(_url("figures:figures", "antenne", known["antenna"].pk))
    assert response.status_code == 200
    assert response.context["figures"].people.helped == 9
    content = response.content.decode()
    assert content.count('role="img"') == 4
    assert content.count("<caption") >= 8
    # No inline script: base.html's Bootstrap file and the period's.
    assert content.count("<script") == content.count("<script src=") == 2
    assertContains(response, "js/figures_period.js")
    assertContains(response, 'id="figure-people">9<')
    assertContains(response, "CCAS de Marseille")
    for name in ("exports:sessions", "exports:bookings"):
        for fmt in ("csv", "xlsx"):
            url = reverse(name, kwargs={"scope": "antenne", "pk": known["antenna"].pk, "fmt": fmt})
            assertContains(response, f"{url}?periode=custom&amp;du=2025-01-01&amp;au=2025-03-31")
    assertContains(response, f"{reverse('figures:summary', args=['antenne', known['antenna'].pk])}?periode=custom")


# Local month boundaries


def test_a_session_just_after_midnight_on_the_first_counts_in_that_month():
    antenna = AntennaFactory(time_zone="Europe/Paris")
    permanence = PermanenceFactory(antenna=antenna, title="Nuit du numérique")
    occurrence = services.occurrence_add(
        permanence=permanence, day=datetime.date(2026, 3, 1), start=datetime.time(0, 30), end=datetime.time(2, 30)
    )
    # In UTC, the date began on the evening of 28 February.
    assert occurrence.starts_at.astimezone(datetime.UTC).date() == datetime.date(2026, 2, 28)
    SessionLogFactory(antenna=antenna, date=occurrence.date, occurrence=occurrence)
    SignupFactory(occurrence=occurrence)
    BookingFactory(slot=occurrence.slots.first(), channel=BookingChannel.PHONE)
    scope = Scope("antenna", antenna=antenna)

    march = figures_compute(scope=scope, period=Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)))
    february = figures_compute(scope=scope, period=Period(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)))
    assert (march.sessions.total, march.volunteer_time.hours, march.bookings.total) == (1, Decimal("2.0"), 1)
    assert (february.sessions.total, february.volunteer_time.signups, february.bookings.total) == (0, 0, 0)
    spring = figures_compute(scope=scope, period=Period(datetime.date(2026, 2, 1), datetime.date(2026, 3, 31)))
    assert [(month.month.month, month.sessions) for month in spring.months] == [(2, 0), (3, 1)]


# Scopes and access


@pytest.fixture
def world():
    organization = OrganizationFactory(name="Fédération 13")
    antenna = AntennaFactory(name="La Blancarde", organization=organization)
    other_antenna = AntennaFactory(name="Chemin de Gibbes")
    users = {
        "admin": UserFactory(admin=True),
        "coordinator": UserFactory(coordinator=True, membership__antenna=antenna),
        "volunteer": UserFactory(volunteer=True, membership__antenna=antenna),
        "other_coordinator": UserFactory(coordinator=True, membership__antenna=other_antenna),
        "referrer": UserFactory(referrer=True),
    }
    return {"organization": organization, "antenna": antenna, "other_antenna": other_antenna, "users": users}


HOME = {"admin": 302, "coordinator": 302, "volunteer": 403, "other_coordinator": 302, "referrer": 403}
ANTENNA = {"admin": 200, "coordinator": 200, "volunteer": 403, "other_coordinator": 404, "referrer": 404}
ACCESS = [
    ("figures:home", False, HOME),
    ("figures:figures", True, ANTENNA),
    ("figures:summary", True, ANTENNA),
]


@pytest.mark.parametrize("role", ["anonymous", *HOME])
@pytest.mark.parametrize(("url_name", "on_antenna", "expected"), ACCESS, ids=[a[0] for a in ACCESS])
def test_access(client, world, role, url_name, on_antenna, expected):
    kwargs = {"scope": "antenne", "pk": world["antenna"].pk} if on_antenna else {}
    check_access(client, world["users"].get(role), "get", reverse(url_name, kwargs=kwargs), expected.get(role))


def test_every_figures_url_is_in_the_access_table():
    assert url_names("figures") == {url_name for url_name, *_rest in ACCESS}


@pytest.mark.parametrize(
    ("role", "scope", "expected"),
    [
        ("coordinator", "tout", 403),
        ("coordinator", "structure", 403),
        ("volunteer", "tout", 403),
        ("referrer", "tout", 403),
        ("referrer", "structure", 404),
        ("other_coordinator", "structure", 404),
        ("admin", "tout", 200),
        ("admin", "structure", 200),
    ],
)
def test_wider_scopes_are_for_admins(client, world, role, scope, expected):
    pk = 0 if scope == "tout" else world["organization"].pk
    client.force_login(world["users"][role])
    for name in ("figures:figures", "figures:summary"):
        assert client.get(reverse(name, kwargs={"scope": scope, "pk": pk})).status_code == expected


def test_a_coordinator_cannot_open_another_antennas_figures(client, world):
    client.force_login(world["users"]["coordinator"])
    for name in ("figures:figures", "figures:summary"):
        assert client.get(reverse(name, args=["antenne", world["other_antenna"].pk])).status_code == 404


def test_home_sends_each_user_to_their_default_scope(client, world):
    client.force_login(world["users"]["admin"])
    assert client.get(reverse("figures:home"))["Location"] == reverse("figures:figures", args=["tout", 0])
    coordinator = world["users"]["coordinator"]
    first = AntennaFactory(name="Aaa – Belsunce")
    AntennaMembershipFactory(user=coordinator, antenna=first, role="coordinator")
    AntennaMembershipFactory(user=coordinator, antenna=AntennaFactory(name="Aab – bénévole"), role="volunteer")
    client.force_login(coordinator)
    assert client.get(reverse("figures:home"))["Location"] == reverse("figures:figures", args=["antenne", first.pk])


def test_a_coordinator_sees_only_their_antennas_numbers(client, world):
    day = datetime.date(2025, 2, 3)
    SessionLogFactory.create_batch(2, antenna=world["antenna"], date=day)
    SessionLogFactory.create_batch(5, antenna=world["other_antenna"], date=day)
    client.force_login(world["users"]["coordinator"])
    response = client.get(_url("figures:figures", "antenne", world["antenna"].pk))
    assert response.context["figures"].sessions.total == 2
    assert not response.context["organizations"]


def test_an_admin_sees_an_organization_with_its_member_organizations(client, world):
    day = datetime.date(2025, 2, 3)
    child = OrganizationFactory(name="Antenne départementale", parent=world["organization"])
    grandchild = OrganizationFactory(name="Association de quartier", parent=child)
    SessionLogFactory.create_batch(2, antenna=world["antenna"], date=day)
    SessionLogFactory.create_batch(3, antenna=AntennaFactory(organization=child), date=day)
    SessionLogFactory(antenna=AntennaFactory(organization=grandchild), date=day)
    SessionLogFactory.create_batch(4, antenna=world["other_antenna"], date=day)
    client.force_login(world["users"]["admin"])
    response = client.get(_url("figures:figures", "structure", world["organization"].pk))
    assert response.context["figures"].sessions.total == 6
    everything = client.get(_url("figures:figures", "tout", 0))
    assert everything.context["figures"].sessions.total == 10
    # The admin can switch to any organization, and to the antennas of the one shown.
    assertContains(everything, reverse("figures:figures", args=["structure", child.pk]))
    assertNotContains(everything, reverse("figures:figures", args=["antenne", world["other_antenna"].pk]))
    assertContains(everything, "Choisissez une organisation pour lister ses antennes.")
    assertContains(response, reverse("figures:figures", args=["antenne", world["antenna"].pk]))
    assertNotContains(response, reverse("figures:figures", args=["antenne", world["other_antenna"].pk]))
    one_antenna = client.get(_url("figures:figures", "antenne", world["other_antenna"].pk))
    assertContains(one_antenna, reverse("figures:figures", args=["antenne", world["other_antenna"].pk]))


# Bad input


@pytest.mark.parametrize(
    "query",
    [
        "periode=custom&du=2026-03-31&au=2026-03-01",
        "periode=custom&du=2020-01-01&au=2026-01-01",
        "periode=custom&du=mardi&au=2026-01-01",
        "periode=custom&du=2026-02-30&au=2026-03-01",
        "periode=custom&du=2026-01-01",
    ],
)
@pytest.mark.parametrize("url_name", ["figures:figures", "figures:summary"])
def test_a_bad_period_shows_why_without_figures(client, world, query, url_name):
    client.force_login(world["users"]["coordinator"])
    response = client.get(_url(url_name, "antenne", world["antenna"].pk, query))
    assert response.status_code == 200
    assert response.context["figures"] is None
    with pytest.raises(PeriodError) as expected:
        period_from_query(QueryDict(query))
    assert response.context["period_error"] == str(expected.value)
    assertContains(response, 'role="alert"')


def test_a_period_ending_at_the_end_of_the_calendar_is_refused_politely(client, world):
    client.force_login(world["users"]["coordinator"])
    response = client.get(
        _url("figures:figures", "antenne", world["antenna"].pk, "periode=custom&du=9999-01-01&au=9999-12-31")
    )
    assert response.status_code == 200
    assert response.context["figures"] is None
    assert response.context["period_error"]


def test_an_unknown_period_name_falls_back_to_this_month(client, world):
    client.force_login(world["users"]["coordinator"])
    response = client.get(_url("figures:figures", "antenne", world["antenna"].pk, "periode=forever"))
    assert response.status_code == 200
    assert response.context["period"].key == "this_month"


@pytest.mark.parametrize(
    ("scope", "pk"),
    [("antenne", 987654), ("structure", 987654), ("antenne", 99999999999999999999), ("galaxie", 0), ("tout", 1)],
)
def test_unknown_scopes_are_not_found(client, world, scope, pk):
    client.force_login(world["users"]["admin"])
    assert client.get(reverse("figures:figures", kwargs={"scope": scope, "pk": pk})).status_code == 404
    assert client.get(reverse("figures:summary", kwargs={"scope": scope, "pk": pk})).status_code == 404


# The funders' summary


def test_the_summary_is_in_french_even_when_the_interface_is_in_english(client, known):
    client.force_login(UserFactory(admin=True))
    client.cookies["django_language"] = "en"
    english = client.get(_url("figures:figures", "antenne", known["antenna"].pk))
    assertContains(english, "1 January 2025")
    response = client.get(_url("figures:summary", "antenne", known["antenna"].pk))
    assert response.status_code == 200
    assertContains(response, '<div lang="fr">')
    # French month names and a decimal comma: 465 minutes of help are 7,8 hours.
    assertContains(response, "1er janvier 2025")
    assertContains(response, "31 mars 2025")
    assertContains(response, 'id="summary-help-hours">7,8<')
    assertContains(response, 'id="summary-volunteer-hours">6,0<')
    assertContains(response, 'id="summary-people">9<')
    assertContains(response, "css/summary.css")
    assert [item.theme.key for item in response.context["figures"].top_themes][:2] == [
        "email",
        "aide_aux_demarches_administratives",
    ]
    # The topics' labels too, read while the figures are computed.
    assertContains(response, "Aide aux démarches administratives")
    assertContains(response, "dont Logement")


def _summary_topics(response) -> list[tuple[str, str]]:
    """The rows of the summary's topics table: each row's class and its heading."""
    table = response.content.decode().split('id="summary-topics"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr(?: class="([^"]*)")?><th scope="row"[^>]*>([^<]*)</th>', table)


def test_the_summary_never_lists_a_theme_beside_its_own_sub_themes(client, known):
    client.force_login(UserFactory(admin=True))

    response = client.get(_url("figures:summary", "antenne", known["antenna"].pk))

    # Administrative procedures (3 sessions) holds housing (2) and money (1) as its detail: the
    # top five are five themes, the sub-themes nested under theirs, not counted among them.
    assert _summary_topics(response) == [
        ("", "E-mail"),
        ("", "Aide aux démarches administratives"),
        ("summary-subtheme", "dont Logement"),
        ("summary-subtheme", "dont Argent - Impôts"),
        ("", "Bureautique"),
        ("", "Prévention en sécurité numérique"),
        ("", "Santé"),
    ]
    assertContains(response, "Les séances d'une sous-thématique font partie de celles de sa thématique")


def test_the_summary_shows_at_most_three_sub_themes_under_a_theme(client, world):
    antenna = world["antenna"]
    subthemes = ["logement", "argent_impots", "justice", "transports_mobilite"]
    for index, code in enumerate(subthemes):
        for _day in range(len(subthemes) - index):
            SessionLogFactory(
                antenna=antenna, date=datetime.date(2025, 2, 3), topics=["aide_aux_demarches_administratives", code]
            )
    client.force_login(world["users"]["coordinator"])

    response = client.get(_url("figures:summary", "antenne", antenna.pk))

    assert _summary_topics(response) == [
        ("", "Aide aux démarches administratives"),
        ("summary-subtheme", "dont Logement"),
        ("summary-subtheme", "dont Argent - Impôts"),
        ("summary-subtheme", "dont Justice"),
    ]


# The period's fields


@pytest.mark.parametrize(
    ("query", "start", "end"),
    [
        ("periode=this_month", "2026-03-01", "2026-03-31"),
        ("periode=last_month", "2026-02-01", "2026-02-28"),
        ("periode=quarter", "2026-01-01", "2026-03-31"),
        ("periode=year", "2026-01-01", "2026-12-31"),
        # A named period wins over the dates left in the fields by an earlier choice.
        ("periode=last_month&du=2025-01-01&au=2025-03-31", "2026-02-01", "2026-02-28"),
        ("periode=custom&du=2025-01-01&au=2025-03-31", "2025-01-01", "2025-03-31"),
    ],
)
def test_the_date_fields_show_the_chosen_periods_dates(client, world, query, start, end):
    client.force_login(world["users"]["coordinator"])

    with time_machine.travel(datetime.datetime(2026, 3, 15, 12, tzinfo=PARIS), tick=False):
        response = client.get(_url("figures:figures", "antenne", world["antenna"].pk, query))

    assertContains(response, f'name="du" id="period-start" value="{start}"')
    assertContains(response, f'name="au" id="period-end" value="{end}"')


def test_each_named_period_carries_its_dates_for_the_script(client, world):
    client.force_login(world["users"]["coordinator"])

    with time_machine.travel(datetime.datetime(2026, 3, 15, 12, tzinfo=PARIS), tick=False):
        response = client.get(_url("figures:figures", "antenne", world["antenna"].pk, "periode=this_month"))

    content = response.content.decode()
    options = dict(re.findall(r'<option value="(\w+)"([^>]*)>', content))
    assert options["this_month"] == ' data-start="2026-03-01" data-end="2026-03-31" selected'
    assert options["last_month"] == ' data-start="2026-02-01" data-end="2026-02-28"'
    assert options["year"] == ' data-start="2026-01-01" data-end="2026-12-31"'
    assert options["custom"] == ""
    assertContains(response, 'data-period-dates="period-start period-end"')


def test_the_export_buttons_say_what_each_format_holds(client, known):
    client.force_login(UserFactory(coordinator=True, membership__antenna=known["antenna"]))

    response = client.get(_url("figures:figures", "antenne", known["antenna"].pk))

    for text in (
        "Séances – Excel (libellés, dans votre langue)",
        "Séances – CSV (codes, pour les logiciels)",
        "Rendez-vous – Excel (libellés, dans votre langue)",
        "Rendez-vous – CSV (codes, pour les logiciels)",
    ):
        assertContains(response, text)


# Queries


def _grow(antenna, count):
    """More of everything the figures count: sessions, workshops, people, bookings, sign-ups."""
    for index in range(count):
        day = datetime.date(2025, 1 + index % 3, 10 + index)
        occurrence = occurrence_today(antenna=antenna, day=day)
        person = BeneficiaryFactory()
        SessionLogFactory(
            antenna=antenna, date=day, beneficiary=person, occurrence=occurrence, topics=["email", "logement"]
        )
        workshop = SessionLogFactory(antenna=antenna, date=day, is_workshop=True, anonymous_participants=2)
        workshop.participants.set([person, BeneficiaryFactory()])
        Voucher.objects.create(session_log=workshop, number=f"V-{antenna.pk}-{index}-{count}")
        SignupFactory(occurrence=occurrence)
        BookingFactory(
            slot=occurrence.slots.first(),
            liaison_sheet=LiaisonSheetFactory(organization=OrganizationFactory()),
            attendance=Attendance.NO_SHOW,
        )


# With the totals: no count over the rows but the people and the rota, and the look for stale
# months in a transaction of its own (two savepoints in a test).
# An admin's page lists the organizations; for an organization, it is read, its tree walked
# and its antennas listed once each, whatever the number of figures filtered on them.
@pytest.mark.parametrize(("source", "queries"), [("rows", 17), ("monthly totals", 19)])
@pytest.mark.parametrize(
    ("role", "scope", "scope_queries"),
    [("coordinator", "antenne", 0), ("admin", "tout", -1), ("admin", "structure", 5)],
)
def test_the_figures_page_runs_a_fixed_number_of_queries(
    client, world, django_assert_num_queries, role, scope, scope_queries, source, queries
):
    queries += scope_queries

    def settle():
        if source == "monthly totals":
            rollups.months_build(months=months_between(QUARTER.start, QUARTER.end))

    client.force_login(world["users"][role])
    pk = {"antenne": world["antenna"].pk, "structure": world["antenna"].organization_id}.get(scope, 0)
    url = _url("figures:figures", scope, pk)
    _grow(world["antenna"], 2)
    settle()
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    _grow(world["antenna"], 5)
    _grow(world["other_antenna"], 3)
    settle()
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["figures"].sessions.total in (14, 20)
