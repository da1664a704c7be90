"""The volunteers' dates and the antennas' rota: signing up, withdrawing, assigning, and who may
reach each page."""

import datetime

import pytest
from django.contrib.messages import ERROR
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from inclusion.core.enums import MembershipRole
from sessions_app.planning import services as schedule_services
from sessions_app.planning.generation import occurrences_generate
from tests.access import check_access, url_names
from tests.core.factories import AntennaFactory, AntennaMembershipFactory, UserFactory
from tests.scheduling.factories import PermanenceFactory
from tests.team.factories import SignupFactory, VolunteerProfileFactory, permanence_dates
from volunteers.team.models import Signup

TODAY = timezone.localdate()


@pytest.fixture
def world():
    antenna = AntennaFactory(name="La Blancarde")
    other_antenna = AntennaFactory(name="Chemin de Gibbes")
    occurrences = permanence_dates(antenna=antenna, title="Fracture numérique")
    users = {
        "admin": UserFactory(admin=True),
        "coordinator": UserFactory(coordinator=True, membership__antenna=antenna, display_name="Monique Coordo"),
        "volunteer": UserFactory(volunteer=True, membership__antenna=antenna, display_name="Antoine Bénévole"),
        "other_coordinator": UserFactory(coordinator=True, membership__antenna=other_antenna),
        "referrer": UserFactory(referrer=True),
    }
    profile = VolunteerProfileFactory(user=users["volunteer"])
    signup = SignupFactory(occurrence=occurrences[0], volunteer=users["volunteer"])
    return {
        "antenna": antenna,
        "other_antenna": other_antenna,
        "occurrences": occurrences,
        "occurrence": occurrences[0],
        "signup": signup,
        "profile": profile,
        "users": users,
    }


def _messages(response) -> list:
    return list(response.context["messages"])


def _assert_refused(response, *, containing: str = "") -> None:
    """The page came back with one error message, shown on the page."""
    assert response.status_code == 200
    [message] = _messages(response)
    assert message.level == ERROR
    assert containing in str(message)
    assertContains(response, escape(str(message)))


# Who reaches what

READ = {"admin": 200, "coordinator": 200, "volunteer": 200, "other_coordinator": 404, "referrer": 404}
CHANGE = {"admin": 200, "coordinator": 200, "volunteer": 403, "other_coordinator": 404, "referrer": 404}
ACTION = {"admin": 302, "coordinator": 302, "volunteer": 403, "other_coordinator": 404, "referrer": 404}
# Pages about one's own rota: for every team member and admin, not for referrers.
OWN = {"admin": 200, "coordinator": 200, "volunteer": 200, "other_coordinator": 200, "referrer": 403}
OWN_ACTION = {"admin": 302, "coordinator": 302, "volunteer": 302, "other_coordinator": 302, "referrer": 403}
SIGN_UP = {"admin": 302, "coordinator": 302, "volunteer": 302, "other_coordinator": 404, "referrer": 404}
# Only the volunteer is on the date: the others have no sign-up of their own to withdraw.
WITHDRAW = {"admin": 404, "coordinator": 404, "volunteer": 302, "other_coordinator": 404, "referrer": 404}
# The secret address is the key: no log-in, whoever asks.
FEED = {
    "anonymous": 200,
    "admin": 200,
    "coordinator": 200,
    "volunteer": 200,
    "other_coordinator": 200,
    "referrer": 200,
}

ACCESS = [
    ("volunteers:my_dates", "none", "get", OWN),
    ("volunteers:profile", "none", "get", OWN),
    ("volunteers:calendar_reset", "none", "post", OWN_ACTION),
    ("volunteers:calendar", "token", "get", FEED),
    ("volunteers:signup", "occurrence", "post", SIGN_UP),
    ("volunteers:withdraw", "occurrence", "post", WITHDRAW),
    ("volunteers:rota", "antenna", "get", READ),
    ("volunteers:rota_of", "month", "get", READ),
    # An empty post is refused politely and sent back to the rota.
    ("volunteers:rota_assign", "occurrence", "post", ACTION),
    ("volunteers:rota_remove", "signup", "post", ACTION),
    ("volunteers:team", "antenna", "get", READ),
    ("volunteers:member", "member", "get", CHANGE),
]


def _kwargs(world, needs):
    return {
        "none": {},
        "token": {"token": world["profile"].calendar_token},
        "antenna": {"antenna_pk": world["antenna"].pk},
        "month": {"antenna_pk": world["antenna"].pk, "year": TODAY.year, "month": TODAY.month},
        "occurrence": {"pk": world["occurrence"].pk},
        "signup": {"pk": world["signup"].pk},
        "member": {"antenna_pk": world["antenna"].pk, "user_pk": world["users"]["volunteer"].pk},
    }[needs]


@pytest.mark.parametrize("role", ["anonymous", *READ])
@pytest.mark.parametrize(("url_name", "needs", "method", "expected"), ACCESS, ids=[a[0] for a in ACCESS])
def test_access(client, world, role, url_name, needs, method, expected):
    url = reverse(url_name, kwargs=_kwargs(world, needs))
    if role == "anonymous" and role in expected:
        assert getattr(client, method)(url).status_code == expected[role]
        return
    check_access(client, world["users"].get(role), method, url, expected.get(role))


def test_every_volunteers_url_is_in_the_access_table():
    assert url_names("volunteers") == {url_name for url_name, *_rest in ACCESS}


# Signing up and withdrawing


def test_a_volunteer_signs_up_then_withdraws(client, world):
    volunteer = UserFactory(volunteer=True, membership__antenna=world["antenna"])
    occurrence = world["occurrences"][1]
    client.force_login(volunteer)

    response = client.post(reverse("volunteers:signup", args=[occurrence.pk]))

    assertRedirects(response, reverse("volunteers:my_dates"))
    signup = Signup.objects.get(occurrence=occurrence, volunteer=volunteer)
    assert signup.created_by == volunteer

    response = client.post(reverse("volunteers:withdraw", args=[occurrence.pk]))

    assertRedirects(response, reverse("volunteers:my_dates"))
    assert not Signup.objects.filter(occurrence=occurrence, volunteer=volunteer).exists()


def test_signing_up_goes_back_to_the_page_it_came_from_but_never_elsewhere(client, world):
    client.force_login(world["users"]["coordinator"])
    rota_url = reverse("volunteers:rota", args=[world["antenna"].pk])
    occurrence, other = world["occurrences"][1:3]

    response = client.post(reverse("volunteers:signup", args=[occurrence.pk]), {"next": rota_url})
    assertRedirects(response, rota_url, fetch_redirect_response=False)

    response = client.post(reverse("volunteers:signup", args=[other.pk]), {"next": "https://evil.example/"})
    assertRedirects(response, reverse("volunteers:my_dates"), fetch_redirect_response=False)


def test_sign_up_refused_for_an_overlapping_date_even_at_another_antenna(client, world):
    volunteer = world["users"]["volunteer"]
    AntennaMembershipFactory(antenna=world["other_antenna"], user=volunteer, role=MembershipRole.VOLUNTEER)
    # Same Tuesday, 9:30–11:00 at the other antenna, while the volunteer is at La Blancarde 9:00–10:00.
    elsewhere = permanence_dates(
        antenna=world["other_antenna"],
        title="Atelier mail",
        start_time=datetime.time(9, 30),
        end_time=datetime.time(11),
    )
    clash = next(o for o in elsewhere if o.date == world["occurrence"].date)
    client.force_login(volunteer)

    response = client.post(reverse("volunteers:signup", args=[clash.pk]), follow=True)

    _assert_refused(response, containing="La Blancarde")
    assert not Signup.objects.filter(occurrence=clash).exists()
    assert Signup.objects.filter(volunteer=volunteer).count() == 1


def test_sign_up_refused_for_a_cancelled_date(client, world):
    occurrence = world["occurrences"][1]
    schedule_services.occurrence_cancel(occurrence=occurrence, reason="Grève", by=world["users"]["coordinator"])
    client.force_login(world["users"]["volunteer"])

    response = client.post(reverse("volunteers:signup", args=[occurrence.pk]), follow=True)

    _assert_refused(response)
    assert not occurrence.signups.exists()


def test_sign_up_refused_for_a_past_date(client, world):
    last_week = TODAY - datetime.timedelta(days=7)
    permanence = PermanenceFactory(antenna=world["antenna"], title="Passée", valid_from=last_week)
    occurrences_generate(permanences=[permanence], today=last_week, weeks=1)
    past = permanence.occurrences.order_by("starts_at").first()
    assert past.date < TODAY
    client.force_login(world["users"]["volunteer"])

    response = client.post(reverse("volunteers:signup", args=[past.pk]), follow=True)

    _assert_refused(response)
    assert not past.signups.exists()


def test_withdrawing_from_a_past_date_is_refused(client, world):
    last_week = TODAY - datetime.timedelta(days=7)
    permanence = PermanenceFactory(antenna=world["antenna"], title="Passée", valid_from=last_week)
    occurrences_generate(permanences=[permanence], today=last_week, weeks=1)
    past = permanence.occurrences.order_by("starts_at").first()
    signup = SignupFactory(occurrence=past, volunteer=world["users"]["volunteer"])
    client.force_login(world["users"]["volunteer"])

    response = client.post(reverse("volunteers:withdraw", args=[past.pk]), follow=True)

    _assert_refused(response)
    assert Signup.objects.filter(pk=signup.pk).exists()


def test_sign_up_on_another_antennas_date_is_not_found(client, world):
    other_date = permanence_dates(antenna=world["other_antenna"], title="Ailleurs")[0]
    client.force_login(world["users"]["volunteer"])

    response = client.post(reverse("volunteers:signup", args=[other_date.pk]))

    assert response.status_code == 404
    assert not other_date.signups.exists()


def test_a_volunteer_cannot_withdraw_someone_else(client, world):
    colleague = UserFactory(volunteer=True, membership__antenna=world["antenna"])
    client.force_login(colleague)

    response = client.post(reverse("volunteers:withdraw", args=[world["occurrence"].pk]))

    assert response.status_code == 404
    assert Signup.objects.filter(pk=world["signup"].pk).exists()


def test_my_dates_lists_the_dates_ahead_at_every_antenna_of_the_user_with_who_is_on(client, world):
    volunteer = world["users"]["volunteer"]
    AntennaMembershipFactory(antenna=world["other_antenna"], user=volunteer, role=MembershipRole.COORDINATOR)
    elsewhere = permanence_dates(
        antenna=world["other_antenna"], title="Atelier mail", start_time=datetime.time(14), end_time=datetime.time(16)
    )
    SignupFactory(occurrence=world["occurrence"], volunteer=UserFactory(display_name="Zoé Collègue"))
    not_mine = permanence_dates(antenna=AntennaFactory(name="Antenne inconnue"), title="Ailleurs")
    client.force_login(volunteer)

    response = client.get(reverse("volunteers:my_dates"))

    shown = [o.pk for _day, occurrences in response.context["days"] for o in occurrences]
    assert world["occurrence"].pk in shown
    assert elsewhere[0].pk in shown
    assert not set(shown) & {o.pk for o in not_mine}
    assertContains(response, "Zoé Collègue")
    assertContains(response, "Antoine Bénévole")
    assertContains(response, "Chemin de Gibbes")
    # Signed up on the first date: withdraw there, sign up on the next.
    assertContains(response, reverse("volunteers:withdraw", args=[world["occurrence"].pk]))
    assertNotContains(response, reverse("volunteers:signup", args=[world["occurrence"].pk]))
    assertContains(response, reverse("volunteers:signup", args=[world["occurrences"][1].pk]))
    calendar_url = "http://testserver" + reverse("volunteers:calendar", args=[world["profile"].calendar_token])
    assertContains(response, calendar_url)


def test_my_dates_shows_times_in_the_antennas_time_zone(client, world):
    antenna = AntennaFactory(name="Saint-Denis", department_code="974", postcode="97400", time_zone="Indian/Reunion")
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    occurrence = permanence_dates(
        antenna=antenna, title="Démarches", start_time=datetime.time(8, 15), end_time=datetime.time(9, 45)
    )[0]
    client.force_login(volunteer)

    response = client.get(reverse("volunteers:my_dates"))

    assert occurrence.starts_at.astimezone(datetime.UTC).strftime("%H:%M") == "04:15"
    assertContains(response, "08:15–09:45")


# The rota of an antenna


def _next_month() -> datetime.date:
    return (TODAY.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def test_the_rota_shows_who_is_on_and_marks_understaffed_dates(client):
    antenna = AntennaFactory()
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna, display_name="Antoine Bénévole")
    month = _next_month()
    # Two weeks from the 1st hold at least two Tuesdays, all in that month.
    staffed, empty = permanence_dates(antenna=antenna, title="Atelier", today=month, weeks=2, min_volunteers=1)[:2]
    cancelled = permanence_dates(antenna=antenna, title="Annulée", today=month, weeks=1)[0]
    schedule_services.occurrence_cancel(occurrence=cancelled, reason="Travaux", by=None)
    SignupFactory(occurrence=staffed, volunteer=volunteer)
    client.force_login(volunteer)

    response = client.get(reverse("volunteers:rota_of", args=[antenna.pk, month.year, month.month]))

    dates = {o.pk: o for _day, occurrences in response.context["days"] for o in occurrences}
    assert [s.volunteer for s in dates[staffed.pk].rota] == [volunteer]
    assert not dates[staffed.pk].is_understaffed
    assert dates[empty.pk].is_understaffed
    # A cancelled date is shown as such, not as lacking volunteers.
    assert dates[cancelled.pk].is_cancelled
    assert not dates[cancelled.pk].is_understaffed
    assertContains(response, "Antoine Bénévole")
    assertContains(response, "Travaux")
    # Marked by a badge with words, not by colour only.
    understaffed = sum(o.is_understaffed for o in dates.values())
    assertContains(response, "⚠", count=understaffed)
    assertContains(response, "0/1")
    assertContains(response, "1/1")


def test_the_rota_links_to_the_months_around(client, world):
    client.force_login(world["users"]["volunteer"])

    response = client.get(reverse("volunteers:rota_of", args=[world["antenna"].pk, 2027, 1]))

    assertContains(response, reverse("volunteers:rota_of", args=[world["antenna"].pk, 2026, 12]))
    assertContains(response, reverse("volunteers:rota_of", args=[world["antenna"].pk, 2027, 2]))


@pytest.mark.parametrize("path", ["equipe/2026/13/", "equipe/2026/0/", "equipe/99999/1/", "equipe/abcd/01/"])
def test_malformed_months_are_not_found(client, world, path):
    client.force_login(world["users"]["coordinator"])
    response = client.get(f"/antennes/{world['antenna'].pk}/{path}")
    assert response.status_code == 404


def test_a_coordinator_assigns_and_removes_a_volunteer(client, world):
    coordinator = world["users"]["coordinator"]
    colleague = UserFactory(volunteer=True, membership__antenna=world["antenna"], display_name="Zoé Collègue")
    occurrence = world["occurrences"][1]
    client.force_login(coordinator)
    rota_url = reverse("volunteers:rota_of", args=[world["antenna"].pk, occurrence.date.year, occurrence.date.month])
    response = client.get(rota_url)
    assertContains(response, reverse("volunteers:rota_assign", args=[occurrence.pk]))
    assertContains(response, f'<option value="{colleague.pk}">Zoé Collègue</option>', html=True)

    response = client.post(reverse("volunteers:rota_assign", args=[occurrence.pk]), {"volunteer": colleague.pk})

    assert response.status_code == 302
    signup = Signup.objects.get(occurrence=occurrence, volunteer=colleague)
    assert signup.created_by == coordinator

    response = client.post(reverse("volunteers:rota_remove", args=[signup.pk]), {"next": rota_url})

    assertRedirects(response, rota_url)
    assert not Signup.objects.filter(pk=signup.pk).exists()


def test_the_assign_list_offers_only_members_not_yet_on_the_date(client, world):
    client.force_login(world["users"]["coordinator"])

    response = client.get(reverse("volunteers:rota", args=[world["antenna"].pk]))

    dates = {o.pk: o for _day, occurrences in response.context["days"] for o in occurrences}
    candidates = set(dates[world["occurrence"].pk].candidates)
    assert candidates == {world["users"]["coordinator"]}


@pytest.mark.parametrize("target", ["²", "my_dates", "https://evil.example/"])
def test_a_next_address_that_is_not_a_path_of_the_site_is_not_followed(client, world, target):
    client.force_login(world["users"]["coordinator"])
    occurrence = world["occurrence"]

    response = client.post(reverse("volunteers:signup", args=[occurrence.pk]), {"next": target})
    assertRedirects(response, reverse("volunteers:my_dates"), fetch_redirect_response=False)
    response = client.post(
        reverse("volunteers:rota_assign", args=[occurrence.pk]),
        {"volunteer": world["users"]["volunteer"].pk, "next": target},
    )
    assert response["Location"] == reverse(
        "volunteers:rota_of", args=[occurrence.permanence.antenna_id, occurrence.date.year, occurrence.date.month]
    )


def test_a_next_path_of_the_site_is_followed(client, world):
    client.force_login(world["users"]["coordinator"])
    back = reverse("volunteers:rota", args=[world["antenna"].pk]) + "?vue=1"

    response = client.post(reverse("volunteers:signup", args=[world["occurrence"].pk]), {"next": back})

    assertRedirects(response, back, fetch_redirect_response=False)


def test_assigning_someone_outside_the_antenna_is_refused(client, world):
    outsider = world["users"]["other_coordinator"]
    client.force_login(world["users"]["coordinator"])

    response = client.post(
        reverse("volunteers:rota_assign", args=[world["occurrence"].pk]), {"volunteer": outsider.pk}, follow=True
    )

    _assert_refused(response)
    assert not Signup.objects.filter(volunteer=outsider).exists()


def test_assigning_someone_already_busy_elsewhere_is_refused(client, world):
    volunteer = world["users"]["volunteer"]
    later = world["occurrences"][1]
    same_time = permanence_dates(antenna=world["antenna"], title="Atelier en parallèle")
    clash = next(o for o in same_time if o.date == later.date)
    SignupFactory(occurrence=clash, volunteer=volunteer)
    client.force_login(world["users"]["coordinator"])

    response = client.post(
        reverse("volunteers:rota_assign", args=[later.pk]), {"volunteer": volunteer.pk}, follow=True
    )

    _assert_refused(response, containing="Atelier en parallèle")
    assert not later.signups.exists()


def test_a_volunteer_of_the_antenna_cannot_assign_or_remove(client, world):
    colleague = UserFactory(volunteer=True, membership__antenna=world["antenna"])
    client.force_login(world["users"]["volunteer"])

    assign = client.post(reverse("volunteers:rota_assign", args=[world["occurrence"].pk]), {"volunteer": colleague.pk})
    remove = client.post(reverse("volunteers:rota_remove", args=[world["signup"].pk]))

    assert (assign.status_code, remove.status_code) == (403, 403)
    assert list(world["occurrence"].signups.all()) == [world["signup"]]
    response = client.get(reverse("volunteers:rota", args=[world["antenna"].pk]))
    assertNotContains(response, reverse("volunteers:rota_assign", args=[world["occurrence"].pk]))
    assertNotContains(response, reverse("volunteers:rota_remove", args=[world["signup"].pk]))


def test_a_coordinator_of_another_antenna_gets_not_found_on_the_rota(client, world):
    client.force_login(world["users"]["other_coordinator"])
    volunteer = world["users"]["volunteer"]

    rota = client.get(reverse("volunteers:rota", args=[world["antenna"].pk]))
    assign = client.post(
        reverse("volunteers:rota_assign", args=[world["occurrences"][1].pk]), {"volunteer": volunteer.pk}
    )
    remove = client.post(reverse("volunteers:rota_remove", args=[world["signup"].pk]))

    assert (rota.status_code, assign.status_code, remove.status_code) == (404, 404, 404)
    assert list(Signup.objects.all()) == [world["signup"]]


# A fixed number of queries


def _grow(world, count):
    """More dates, sign-ups, members and antennas, for the pages to show."""
    antenna = world["antenna"]
    for index in range(count):
        member = UserFactory(volunteer=True, membership__antenna=antenna)
        VolunteerProfileFactory(user=member, languages=["ar", "es"])
        dates = permanence_dates(
            antenna=antenna, title=f"Atelier {index}", start_time=datetime.time(14), end_time=datetime.time(16)
        )
        for occurrence in dates[:2]:
            SignupFactory(occurrence=occurrence, volunteer=member)
        elsewhere = AntennaFactory()
        AntennaMembershipFactory(antenna=elsewhere, user=world["users"]["volunteer"], role=MembershipRole.VOLUNTEER)
        SignupFactory(
            occurrence=permanence_dates(antenna=elsewhere, start_time=datetime.time(18), end_time=datetime.time(19))[
                0
            ],
            volunteer=member,
        )


@pytest.mark.parametrize(
    ("url_name", "role", "queries"),
    [
        ("volunteers:my_dates", "volunteer", 7),
        ("volunteers:rota", "coordinator", 8),
        ("volunteers:rota", "volunteer", 7),
        ("volunteers:team", "coordinator", 7),
    ],
)
def test_volunteer_pages_run_a_fixed_number_of_queries(
    client, world, django_assert_num_queries, url_name, role, queries
):
    client.force_login(world["users"][role])
    url = reverse(url_name, kwargs={} if url_name == "volunteers:my_dates" else {"antenna_pk": world["antenna"].pk})
    _grow(world, 2)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    _grow(world, 4)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_the_assign_list_escapes_names(client, world):
    UserFactory(volunteer=True, membership__antenna=world["antenna"], display_name="<b>Zoé</b> & co")
    client.force_login(world["users"]["coordinator"])
    response = client.get(reverse("volunteers:rota", args=[world["antenna"].pk]))
    assertContains(response, "&lt;b&gt;Zoé&lt;/b&gt; &amp; co</option>")
    assertNotContains(response, "<b>Zoé</b>")
