"""Coordinators' schedule pages: permanences, closures, one date at a time, the month view."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from inclusion.core.enums import MembershipRole
from sessions_app.bookings.enums import BookingStatus, ChangeKind
from sessions_app.planning import services
from sessions_app.planning.generation import occurrences_generate
from sessions_app.scheduling.enums import OccurrenceStatus, Weekday
from sessions_app.scheduling.models import Closure, Occurrence, Permanence
from tests.access import check_access, url_names
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, AntennaMembershipFactory, UserFactory
from tests.scheduling.factories import ClosureFactory, PermanenceFactory

PARIS = ZoneInfo("Europe/Paris")
TODAY = timezone.localdate()


def _next(weekday: int, after: datetime.date = TODAY) -> datetime.date:
    return after + datetime.timedelta(days=(weekday - after.weekday()) % 7 or 7)


@pytest.fixture
def world():
    antenna = AntennaFactory(name="La Blancarde", workstations=2)
    other_antenna = AntennaFactory(name="Chemin de Gibbes")
    permanence = PermanenceFactory(antenna=antenna, valid_from=TODAY)
    occurrences_generate(permanences=[permanence], weeks=4)
    occurrence = permanence.occurrences.order_by("date").first()
    closure = ClosureFactory(
        antenna=antenna, starts_on=TODAY + datetime.timedelta(days=200), ends_on=TODAY + datetime.timedelta(days=210)
    )
    users = {
        "admin": UserFactory(admin=True),
        "coordinator": UserFactory(coordinator=True, membership__antenna=antenna),
        "volunteer": UserFactory(volunteer=True, membership__antenna=antenna),
        "other_coordinator": UserFactory(coordinator=True, membership__antenna=other_antenna),
        "referrer": UserFactory(referrer=True),
    }
    return {"antenna": antenna, "permanence": permanence, "occurrence": occurrence, "closure": closure, "users": users}


def _kwargs(world, needs):
    return {
        "antenna": {"antenna_pk": world["antenna"].pk},
        "permanence": {"pk": world["permanence"].pk},
        "closure": {"pk": world["closure"].pk},
        "occurrence": {"pk": world["occurrence"].pk},
        "month": {"antenna_pk": world["antenna"].pk, "year": TODAY.year, "month": TODAY.month},
    }[needs]


READ = {"admin": 200, "coordinator": 200, "volunteer": 200, "other_coordinator": 404, "referrer": 404}
CHANGE = {"admin": 200, "coordinator": 200, "volunteer": 403, "other_coordinator": 404, "referrer": 404}
ACTION = {"admin": 302, "coordinator": 302, "volunteer": 403, "other_coordinator": 404, "referrer": 404}
# Pages with the people's contact details that only those who run the antenna may know exist.
MANAGERS_ONLY = {"admin": 200, "coordinator": 200, "volunteer": 404, "other_coordinator": 404, "referrer": 404}

ACCESS = [
    ("schedule:permanence_list", "antenna", "get", READ),
    ("schedule:permanence_create", "antenna", "get", CHANGE),
    ("schedule:permanence_update", "permanence", "get", CHANGE),
    ("schedule:permanence_toggle", "permanence", "post", ACTION),
    ("schedule:permanence_delete", "permanence", "get", CHANGE),
    ("schedule:permanence_archive", "permanence", "post", ACTION),
    # Not archived: sent back to the list with a message.
    ("schedule:permanence_unarchive", "permanence", "post", ACTION),
    ("schedule:closure_list", "antenna", "get", READ),
    ("schedule:closure_delete", "closure", "post", ACTION),
    ("schedule:month", "antenna", "get", READ),
    ("schedule:month_of", "month", "get", READ),
    ("schedule:occurrence_add", "antenna", "get", CHANGE),
    # An empty post to open a date is refused politely and sent back to the month.
    ("schedule:occurrence_open", "antenna", "post", ACTION),
    ("schedule:occurrence_cancel", "occurrence", "get", CHANGE),
    ("schedule:occurrence_move", "occurrence", "get", CHANGE),
    # Not cancelled: sent back to the month with a message.
    ("schedule:occurrence_restore", "occurrence", "get", ACTION),
    ("reminders:reminder_list", "antenna", "get", MANAGERS_ONLY),
]


@pytest.mark.parametrize("role", ["anonymous", *READ])
@pytest.mark.parametrize(("url_name", "needs", "method", "expected"), ACCESS, ids=[a[0] for a in ACCESS])
def test_access(client, world, role, url_name, needs, method, expected):
    url = reverse(url_name, kwargs=_kwargs(world, needs))
    check_access(client, world["users"].get(role), method, url, expected.get(role))


def test_every_schedule_url_is_in_the_access_table():
    # The SMS provider's webhook is no page of the schedule: tests/reminders/test_replies.py.
    pages = url_names("schedule") | url_names("reminders") - {"reminders:sms_reply"}
    assert pages == {url_name for url_name, *_rest in ACCESS}


def test_another_coordinator_cannot_post_changes(client, world):
    client.force_login(world["users"]["other_coordinator"])
    occurrence = world["occurrence"]
    assert client.post(reverse("schedule:occurrence_cancel", args=[occurrence.pk]), {"reason": "x"}).status_code == 404
    assert (
        client.post(
            reverse("schedule:closure_list", args=[world["antenna"].pk]),
            {"starts_on": "2030-01-01", "ends_on": "2030-01-02", "reason": "x"},
        ).status_code
        == 404
    )
    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.SCHEDULED
    assert Closure.objects.count() == 1


def _permanence_data(**changes):
    data = {
        "title": "Fracture numérique",
        "kind": "drop_in",
        "level": "",
        "frequency": "weekly",
        "interval_weeks": 1,
        "weekday": Weekday.TUESDAY,
        "monthly_position": "",
        "start_time": "09:00",
        "end_time": "10:00",
        "slot_minutes": 60,
        "seats": 2,
        "min_volunteers": 1,
        "booking_mode": "bookable",
        "valid_from": TODAY.isoformat(),
        "valid_until": "",
    }
    return {**data, **changes}


def test_coordinator_creates_a_weekly_permanence_and_its_dates_appear(client, world):
    client.force_login(world["users"]["coordinator"])
    antenna = world["antenna"]
    response = client.get(reverse("schedule:permanence_create", args=[antenna.pk]))
    assert response.context["form"].initial["seats"] == 2
    response = client.post(
        reverse("schedule:permanence_create", args=[antenna.pk]),
        _permanence_data(title="Atelier mardi", weekday=Weekday.WEDNESDAY, start_time="14:00", end_time="16:00"),
    )
    assertRedirects(response, reverse("schedule:permanence_list", args=[antenna.pk]))
    permanence = Permanence.objects.get(title="Atelier mardi")
    assert permanence.antenna == antenna
    assert permanence.occurrences.count() >= 11
    first = permanence.occurrences.order_by("date").first()
    assert first.date == _next(Weekday.WEDNESDAY, TODAY - datetime.timedelta(days=1))
    assert first.slots.count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_time": "08:00"}, "La fin doit venir après le début"),
        ({"slot_minutes": 90}, "Un créneau ne peut pas durer plus longtemps que la permanence"),
        ({"seats": 0}, "Un créneau doit avoir au moins une place"),
        ({"frequency": "monthly", "monthly_position": 5}, "5e"),
        ({"valid_until": (TODAY - datetime.timedelta(days=1)).isoformat()}, "La date de fin doit venir après"),
        ({"start_time": "9h"}, "Saisissez une heure valide"),
        ({"valid_from": "31/02/2026"}, "Saisissez une date valide"),
    ],
)
def test_a_permanence_that_makes_no_sense_gets_a_clear_error_and_keeps_what_was_typed(client, world, changes, message):
    client.force_login(world["users"]["coordinator"])
    response = client.post(
        reverse("schedule:permanence_create", args=[world["antenna"].pk]),
        _permanence_data(title="Titre saisi", **changes),
    )
    assert response.status_code == 200
    assertContains(response, message)
    assertContains(response, 'value="Titre saisi"')
    assert not Permanence.objects.filter(title="Titre saisi").exists()


def test_editing_a_permanence_keeps_booked_dates_and_says_so(client, world):
    client.force_login(world["users"]["coordinator"])
    permanence = world["permanence"]
    BookingFactory(slot=world["occurrence"].slots.get())
    response = client.post(
        reverse("schedule:permanence_update", args=[permanence.pk]),
        _permanence_data(weekday=Weekday.FRIDAY),
        follow=True,
    )
    assertContains(response, "marquée « à résoudre »")
    world["occurrence"].refresh_from_db()
    assert world["occurrence"].needs_resolution
    assertContains(response, reverse("schedule:occurrence_move", args=[world["occurrence"].pk]))


def test_a_closure_that_ends_before_it_starts_is_refused(client, world):
    client.force_login(world["users"]["coordinator"])
    response = client.post(
        reverse("schedule:closure_list", args=[world["antenna"].pk]),
        {"permanence": "", "starts_on": "2026-08-10", "ends_on": "2026-08-01", "reason": "Travaux"},
    )
    assert response.status_code == 200
    assertContains(response, "Le dernier jour de fermeture ne peut pas précéder le premier")
    assertContains(response, 'value="Travaux"')
    assert Closure.objects.count() == 1


def test_closing_the_antenna_removes_its_free_dates(client, world):
    client.force_login(world["users"]["coordinator"])
    occurrence = world["occurrence"]
    client.post(
        reverse("schedule:closure_list", args=[world["antenna"].pk]),
        {
            "permanence": "",
            "starts_on": occurrence.date.isoformat(),
            "ends_on": occurrence.date.isoformat(),
            "reason": "Travaux",
        },
    )
    assert not Occurrence.objects.filter(pk=occurrence.pk).exists()


def test_cancelling_a_date_from_its_page(client, world):
    client.force_login(world["users"]["coordinator"])
    occurrence = world["occurrence"]
    booking = BookingFactory(slot=occurrence.slots.get())
    url = reverse("schedule:occurrence_cancel", args=[occurrence.pk])
    response = client.post(url, {"reason": ""})
    assertContains(response, "Ce champ est obligatoire")
    response = client.post(url, {"reason": "Panne de réseau"}, follow=True)
    assertContains(response, "1 rendez-vous a été annulé")
    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.CANCELLED
    assert occurrence.cancelled_by == world["users"]["coordinator"]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.changes.get().kind == ChangeKind.DATE_CANCELLED


def test_moving_a_date_from_its_page(client, world):
    client.force_login(world["users"]["coordinator"])
    occurrence = world["occurrence"]
    new_day = occurrence.date + datetime.timedelta(days=1)
    url = reverse("schedule:occurrence_move", args=[occurrence.pk])
    response = client.post(url, {"date": (TODAY - datetime.timedelta(days=1)).isoformat(), "start": "14:00"})
    assertContains(response, "Choisissez un jour à partir d")
    client.post(url, {"date": new_day.isoformat(), "start": "14:00"})
    occurrence.refresh_from_db()
    assert occurrence.date == new_day
    assert occurrence.starts_at.astimezone(PARIS).time() == datetime.time(14)


def test_adding_a_one_off_date(client, world):
    client.force_login(world["users"]["coordinator"])
    day = _next(Weekday.SATURDAY)
    url = reverse("schedule:occurrence_add", args=[world["antenna"].pk])
    response = client.post(
        url, {"permanence": world["permanence"].pk, "date": day.isoformat(), "start": "10:00", "end": "09:00"}
    )
    assertContains(response, "La fin doit venir après le début")
    client.post(url, {"permanence": world["permanence"].pk, "date": day.isoformat(), "start": "10:00", "end": "12:00"})
    occurrence = Occurrence.objects.get(date=day)
    assert occurrence.is_one_off
    assert occurrence.slots.count() == 2


def test_month_view_shows_seats_taken_and_the_holidays_it_skipped(client):
    antenna = AntennaFactory(workstations=2)
    coordinator = UserFactory(coordinator=True, membership__antenna=antenna)
    permanence = PermanenceFactory(antenna=antenna, weekday=Weekday.MONDAY, valid_from=datetime.date(2026, 4, 1))
    occurrences_generate(permanences=[permanence], today=datetime.date(2026, 4, 1), weeks=5)
    BookingFactory(slot=Occurrence.objects.get(date=datetime.date(2026, 4, 13)).slots.get())
    client.force_login(coordinator)
    response = client.get(reverse("schedule:month_of", args=[antenna.pk, 2026, 4]))
    assertContains(response, "1/2 places prises")
    assertContains(response, "Lundi de Pâques")
    assertContains(response, "Avril 2026")


def test_a_skipped_holiday_can_be_opened_explicitly(client, world):
    antenna = world["antenna"]
    permanence = world["permanence"]
    # Christmas 2029 is a Tuesday: the series skips it.
    christmas = datetime.date(2029, 12, 25)
    client.force_login(world["users"]["coordinator"])
    response = client.post(
        reverse("schedule:occurrence_open", args=[antenna.pk]),
        {"permanence": permanence.pk, "date": christmas.isoformat()},
    )
    assertRedirects(response, reverse("schedule:month_of", args=[antenna.pk, 2029, 12]))
    assert Occurrence.objects.filter(permanence=permanence, rule_date=christmas, is_detached=True).exists()
    # A day that is not in the series cannot be opened this way.
    response = client.post(
        reverse("schedule:occurrence_open", args=[antenna.pk]),
        {"permanence": permanence.pk, "date": "2029-12-26"},
        follow=True,
    )
    assertContains(response, "pas dans la série")


@pytest.mark.parametrize("path", ["mois/2026/13/", "mois/2026/0/", "mois/99999/1/", "mois/abcd/01/", "mois/2026/1x/"])
def test_malformed_months_are_not_found(client, world, path):
    client.force_login(world["users"]["coordinator"])
    response = client.get(f"/antennes/{world['antenna'].pk}/{path}")
    assert response.status_code == 404


def test_malformed_dates_in_forms_are_form_errors(client, world):
    client.force_login(world["users"]["coordinator"])
    response = client.post(
        reverse("schedule:occurrence_open", args=[world["antenna"].pk]),
        {"permanence": world["permanence"].pk, "date": "2026-02-31"},
        follow=True,
    )
    assert response.status_code == 200
    assertContains(response, "ne peut pas être ouverte")


def test_volunteers_see_the_month_without_the_buttons(client, world):
    client.force_login(world["users"]["volunteer"])
    response = client.get(reverse("schedule:month", args=[world["antenna"].pk]))
    assert response.status_code == 200
    assertNotContains(response, reverse("schedule:occurrence_cancel", args=[world["occurrence"].pk]))


def _grow(antenna, count):
    for _ in range(count):
        permanence = PermanenceFactory(
            antenna=antenna, valid_from=TODAY, start_time=datetime.time(14), end_time=datetime.time(17)
        )
        occurrences_generate(permanences=[permanence], weeks=5)
        BookingFactory(slot=permanence.occurrences.first().slots.first())
        AntennaMembershipFactory(antenna=antenna, role=MembershipRole.VOLUNTEER)


@pytest.mark.parametrize(
    ("url_name", "queries"), [("schedule:month", 9), ("schedule:permanence_list", 8), ("schedule:closure_list", 7)]
)
def test_schedule_pages_run_a_fixed_number_of_queries(client, world, django_assert_num_queries, url_name, queries):
    client.force_login(world["users"]["coordinator"])
    url = reverse(url_name, args=[world["antenna"].pk])
    _grow(world["antenna"], 2)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    _grow(world["antenna"], 4)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_a_cancelled_date_cannot_be_moved(client, world):
    client.force_login(world["users"]["coordinator"])
    occurrence = world["occurrence"]
    services.occurrence_cancel(occurrence=occurrence, reason="Grève", by=None)
    response = client.post(
        reverse("schedule:occurrence_move", args=[occurrence.pk]),
        {"date": (occurrence.date + datetime.timedelta(days=1)).isoformat(), "start": "14:00"},
    )
    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.starts_at.astimezone(PARIS).time() == datetime.time(9)
