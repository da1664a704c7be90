"""The volunteer's personal iCal feed, reached by a secret address without logging in."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from pytest_django.asserts import assertRedirects

from sessions_app.planning import services as schedule_services
from tests.core.factories import AntennaFactory, UserFactory
from tests.team.factories import SignupFactory, VolunteerProfileFactory, permanence_dates
from volunteers.team import views
from volunteers.team.models import VolunteerProfile

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def clock(monkeypatch):
    """Place the volunteers' views' "now" where a test needs it."""

    def _set(moment: datetime.datetime) -> None:
        monkeypatch.setattr(views, "_now", lambda: moment)

    return _set


def _feed(client, profile):
    response = client.get(reverse("volunteers:calendar", args=[profile.calendar_token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def test_the_feed_holds_only_the_volunteers_dates_at_local_time(client):
    antenna = AntennaFactory(name="La Blancarde")
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    colleague = UserFactory(volunteer=True, membership__antenna=antenna)
    profile = VolunteerProfileFactory(user=volunteer)
    first, second, third, *_rest = permanence_dates(antenna=antenna, title="Fracture numérique")
    mine = [SignupFactory(occurrence=first, volunteer=volunteer), SignupFactory(occurrence=third, volunteer=volunteer)]
    SignupFactory(occurrence=second, volunteer=colleague)
    schedule_services.occurrence_cancel(occurrence=third, reason="Grève", by=None)

    calendar = _feed(client, profile)

    assert [zone["TZID"] for zone in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = sorted(calendar.walk("VEVENT"), key=lambda event: event.start)
    assert [str(event["UID"]) for event in events] == [f"signup-{signup.pk}@permanences-numeriques" for signup in mine]
    for event, occurrence in zip(events, [first, third], strict=True):
        assert event.start.date() == occurrence.date
        assert (event.start.time(), event.end.time()) == (datetime.time(9), datetime.time(10))
        assert event.start.tzinfo.key == event.end.tzinfo.key == "Europe/Paris"
        assert event.start == occurrence.starts_at
        assert str(event["SUMMARY"]) == "Fracture numérique – La Blancarde"
        assert str(event["LOCATION"]) == antenna.full_address
    assert events[0]["STATUS"] == "CONFIRMED"
    assert events[1]["STATUS"] == "CANCELLED"
    assert "Grève" in str(events[1]["DESCRIPTION"])


def test_the_feed_keeps_a_month_of_past_dates(client, clock):
    antenna = AntennaFactory()
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    profile = VolunteerProfileFactory(user=volunteer)
    occurrences = permanence_dates(antenna=antenna, weeks=8)
    for occurrence in occurrences:
        SignupFactory(occurrence=occurrence, volunteer=volunteer)
    # Seen five weeks after the first date: the first one is more than 30 days behind.
    clock(occurrences[0].starts_at + datetime.timedelta(weeks=5))

    calendar = _feed(client, profile)

    assert sorted(event.start.date() for event in calendar.walk("VEVENT")) == [o.date for o in occurrences[1:]]


def test_a_volunteer_without_dates_gets_an_empty_calendar(client):
    profile = VolunteerProfileFactory()

    calendar = _feed(client, profile)

    assert calendar.walk("VEVENT") == []


def test_an_unknown_address_is_not_found(client):
    VolunteerProfileFactory()

    assert client.get(reverse("volunteers:calendar", args=["not-a-token"])).status_code == 404


def test_a_deactivated_accounts_calendar_is_not_found(client):
    profile = VolunteerProfileFactory(user=UserFactory(volunteer=True, is_active=False))

    assert client.get(reverse("volunteers:calendar", args=[profile.calendar_token])).status_code == 404


def test_a_new_address_makes_the_old_one_stop_working(client):
    profile = VolunteerProfileFactory()
    old_url = reverse("volunteers:calendar", args=[profile.calendar_token])
    assert client.get(old_url).status_code == 200
    client.force_login(profile.user)

    response = client.post(reverse("volunteers:calendar_reset"))

    assertRedirects(response, reverse("volunteers:my_dates"))
    profile.refresh_from_db()
    new_url = reverse("volunteers:calendar", args=[profile.calendar_token])
    assert new_url != old_url
    client.logout()
    assert client.get(old_url).status_code == 404
    assert client.get(new_url).status_code == 200


def test_the_calendar_address_is_created_with_the_profile_on_first_visit(client):
    volunteer = UserFactory(volunteer=True)
    client.force_login(volunteer)

    response = client.get(reverse("volunteers:my_dates"))

    profile = VolunteerProfile.objects.get(user=volunteer)
    assert response.context["calendar_url"] == "http://testserver" + reverse(
        "volunteers:calendar", args=[profile.calendar_token]
    )


@pytest.mark.parametrize("token", ["%00", "a%00b", "%C2%B2"])
def test_an_address_that_cannot_be_a_token_is_not_found(client, token):
    VolunteerProfileFactory()

    assert client.get(f"/benevoles/calendrier/{token}.ics").status_code == 404
