"""The VTIMEZONE of the iCal feeds, read by the calendar apps that do not know a zone by its name:
each change at the local time in force before it (RFC 5545, 3.6.5), so that 9:00 stays 9:00."""

import datetime

import icalendar
import pytest
from django.urls import reverse

from sessions_app.planning.generation import occurrences_generate
from sessions_app.public import views as public_views
from sessions_app.scheduling.models import Occurrence
from tests.core.factories import AntennaFactory, UserFactory
from tests.scheduling.factories import PermanenceFactory
from tests.team.factories import SignupFactory, VolunteerProfileFactory
from volunteers.team import views as volunteer_views

WINTER_TUESDAY = datetime.date(2026, 3, 3)
SUMMER_TUESDAY = datetime.date(2026, 7, 7)
# Seen from 1 March 2026, both Tuesdays are ahead.
NOW = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
HOURS = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _now(monkeypatch):
    monkeypatch.setattr(public_views, "_now", lambda: NOW)
    monkeypatch.setattr(volunteer_views, "_now", lambda: NOW)


def _tuesdays_at_nine(antenna) -> list[Occurrence]:
    permanence = PermanenceFactory(antenna=antenna)
    for day in (WINTER_TUESDAY, SUMMER_TUESDAY):
        occurrences_generate(permanences=[permanence], today=day - datetime.timedelta(days=1), weeks=1)
    occurrences = list(permanence.occurrences.order_by("starts_at"))
    assert [occurrence.date for occurrence in occurrences] == [WINTER_TUESDAY, SUMMER_TUESDAY]
    return occurrences


def _zone(calendar, tzid: str):
    [zone] = [zone for zone in calendar.walk("VTIMEZONE") if str(zone["TZID"]) == tzid]
    return zone


def _parts(zone) -> list[tuple[str, datetime.datetime, datetime.timedelta, datetime.timedelta]]:
    return [
        (part.name, part.DTSTART, part.TZOFFSETFROM, part.TZOFFSETTO)
        for part in zone.subcomponents
        if part.name in ("STANDARD", "DAYLIGHT")
    ]


def _assert_paris_changes_at_the_time_in_force_before_them(zone) -> None:
    changes = [part for part in _parts(zone) if part[2] != part[3]]
    assert changes == [
        ("DAYLIGHT", datetime.datetime(2026, 3, 29, 2), 1 * HOURS, 2 * HOURS),
        ("STANDARD", datetime.datetime(2026, 10, 25, 3), 2 * HOURS, 1 * HOURS),
    ]
    [daylight] = zone.walk("DAYLIGHT")
    assert daylight.DTSTART.time() == datetime.time(2)
    # Read on its own, without knowing Europe/Paris by name, the component puts the changes at
    # 1:00 UTC, as the European rule does.
    own = zone.to_tz(lookup_tzid=False)
    for instant, offset in [
        ("2026-03-29T00:59:59", 1 * HOURS),
        ("2026-03-29T01:00:00", 2 * HOURS),
        ("2026-10-25T00:59:59", 2 * HOURS),
        ("2026-10-25T01:00:00", 1 * HOURS),
    ]:
        moment = datetime.datetime.fromisoformat(instant).replace(tzinfo=datetime.UTC)
        assert moment.astimezone(own).utcoffset() == offset, instant


def _assert_nine_oclock_read_back(calendar, occurrences: list[Occurrence]) -> None:
    events = sorted(calendar.walk("VEVENT"), key=lambda event: event.start)
    assert len(events) == len(occurrences)
    for event, occurrence in zip(events, occurrences, strict=True):
        tzid = occurrence.permanence.antenna.time_zone
        own = _zone(calendar, tzid).to_tz(lookup_tzid=False)
        assert event.start.time() == datetime.time(9)
        assert event.start.tzinfo.key == tzid
        assert event.start.replace(tzinfo=own) == occurrence.starts_at
        assert event.end.replace(tzinfo=own) == occurrence.ends_at


def _public_feed(client, antenna):
    response = client.get(reverse("public:antenna_calendar", args=[antenna.pk]))
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def test_the_public_feed_puts_the_paris_changes_at_two_in_march_and_three_in_october(client):
    antenna = AntennaFactory()
    occurrences = _tuesdays_at_nine(antenna)

    calendar = _public_feed(client, antenna)

    _assert_paris_changes_at_the_time_in_force_before_them(_zone(calendar, "Europe/Paris"))
    _assert_nine_oclock_read_back(calendar, occurrences)
    assert [occurrence.starts_at.astimezone(datetime.UTC).hour for occurrence in occurrences] == [8, 7]


def _assert_one_standard_offset(zone, offset: datetime.timedelta) -> None:
    assert zone.walk("DAYLIGHT") == []
    assert [(name, start.time(), before, after) for name, start, before, after in _parts(zone)] == [
        ("STANDARD", datetime.time(0), offset, offset)
    ]


def test_the_volunteers_feed_describes_each_zone_of_their_dates(client):
    """Paris with its two changes; Cayenne and Nouméa, which keep one offset all year."""
    paris = AntennaFactory()
    cayenne = AntennaFactory(time_zone="America/Cayenne", department_code="973", postcode="97300")
    noumea = AntennaFactory(time_zone="Pacific/Noumea")
    volunteer = UserFactory(volunteer=True, membership__antenna=paris)
    profile = VolunteerProfileFactory(user=volunteer)
    occurrences = sorted(
        _tuesdays_at_nine(paris) + _tuesdays_at_nine(cayenne) + _tuesdays_at_nine(noumea),
        key=lambda occurrence: occurrence.starts_at,
    )
    for occurrence in occurrences:
        SignupFactory(occurrence=occurrence, volunteer=volunteer)

    response = client.get(reverse("volunteers:calendar", args=[profile.calendar_token]))

    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    assert sorted(str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")) == [
        "America/Cayenne",
        "Europe/Paris",
        "Pacific/Noumea",
    ]
    _assert_paris_changes_at_the_time_in_force_before_them(_zone(calendar, "Europe/Paris"))
    _assert_one_standard_offset(_zone(calendar, "America/Cayenne"), -3 * HOURS)
    _assert_one_standard_offset(_zone(calendar, "Pacific/Noumea"), 11 * HOURS)
    _assert_nine_oclock_read_back(calendar, occurrences)
    # The zones come before the events that name them.
    names = [component.name for component in calendar.subcomponents]
    assert names.index("VEVENT") > max(index for index, name in enumerate(names) if name == "VTIMEZONE")
