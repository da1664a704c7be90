"""Today's desk: who is booked, checking in, walk-ins, the session logs' pages and a person's history."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from beneficiaries.people.enums import ConsentMethod
from beneficiaries.people.models import Beneficiary, Consent
from beneficiaries.people.services import BeneficiaryFields
from inclusion.core.models import Topic
from sessions_app.bookings.enums import Attendance, BookingChannel
from sessions_app.bookings.models import Booking
from sessions_app.desk import services as desk_services
from sessions_app.desk.models import SessionLog
from sessions_app.reminders.enums import ReminderChannel, ReminderKind
from sessions_app.reminders.models import ReminderMessage
from tests.access import check_access, url_names
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import VolunteerProfileFactory


def _member(role: str, antenna, *, signed: bool = True):
    user = UserFactory(**{role: True}, membership__antenna=antenna)
    VolunteerProfileFactory(user=user, charter_signed_on=datetime.date(2026, 1, 15) if signed else None)
    return user


@pytest.fixture
def world():
    antenna = AntennaFactory(name="La Blancarde")
    other_antenna = AntennaFactory(name="Chemin de Gibbes")
    occurrence = occurrence_today(antenna=antenna, title="Permanence du matin")
    first_slot, second_slot, third_slot = occurrence.slots.order_by("starts_at")
    person = BeneficiaryFactory(first_name="Aïcha", last_name="Benali", phone="+33491234567", first_antenna=antenna)
    booking = BookingFactory(slot=first_slot, beneficiary=person)
    log = SessionLogFactory(
        antenna=antenna, occurrence=occurrence, beneficiary=person, date=occurrence.date, private_note="Dossier CAF"
    )
    users = {
        "admin": UserFactory(admin=True),
        "coordinator": _member("coordinator", antenna),
        "volunteer": _member("volunteer", antenna),
        "unsigned_volunteer": _member("volunteer", antenna, signed=False),
        "other_coordinator": _member("coordinator", other_antenna),
        "referrer": UserFactory(referrer=True),
    }
    return {
        "antenna": antenna,
        "other_antenna": other_antenna,
        "occurrence": occurrence,
        "slots": [first_slot, second_slot, third_slot],
        "person": person,
        "booking": booking,
        "log": log,
        "users": users,
    }


def _call(world):
    booking = world["booking"]
    return ReminderMessage.objects.create(
        kind=ReminderKind.DATE_MOVED,
        channel=ReminderChannel.CALL,
        antenna=world["antenna"],
        occurrence=booking.slot.occurrence,
        booking=booking,
        address="",
        body="Votre rendez-vous est déplacé.",
    )


def _kwargs(world, needs):
    if needs == "call":
        return {"pk": _call(world).pk}
    return {
        "antenna": {"antenna_pk": world["antenna"].pk},
        "booking": {"pk": world["booking"].pk},
        "occurrence": {"pk": world["occurrence"].pk},
        "log": {"pk": world["log"].pk},
        "person": {"antenna_pk": world["antenna"].pk, "beneficiary_pk": world["person"].pk},
    }[needs]


TEAM = {
    "admin": 200,
    "coordinator": 200,
    "volunteer": 200,
    "unsigned_volunteer": 200,
    "other_coordinator": 404,
    "referrer": 404,
}
PEOPLE = {**TEAM, "unsigned_volunteer": 403}
# An empty attendance post changes nothing and goes back to the desk with a message.
ATTENDANCE = {**dict.fromkeys(TEAM, 302), "unsigned_volunteer": 403, "other_coordinator": 404, "referrer": 404}

ACCESS = [
    ("desk:today", "antenna", "get", TEAM),
    ("desk:day_list", "antenna", "get", PEOPLE),
    ("desk:attendance", "booking", "post", ATTENDANCE),
    ("desk:call_done", "call", "post", ATTENDANCE),
    ("desk:walk_in", "occurrence", "get", PEOPLE),
    ("desk:log_create", "antenna", "get", PEOPLE),
    ("desk:log_list", "antenna", "get", TEAM),
    ("desk:log_detail", "log", "get", TEAM),
    ("desk:person_history", "person", "get", PEOPLE),
    ("desk:next_appointment", "person", "get", PEOPLE),
]


@pytest.mark.parametrize("role", ["anonymous", *TEAM])
@pytest.mark.parametrize(("url_name", "needs", "method", "expected"), ACCESS, ids=[a[0] for a in ACCESS])
def test_access(client, world, role, url_name, needs, method, expected):
    url = reverse(url_name, kwargs=_kwargs(world, needs))
    check_access(client, world["users"].get(role), method, url, expected.get(role))


def test_every_desk_url_is_in_the_access_table():
    assert url_names("desk") == {url_name for url_name, *_rest in ACCESS}


def _desk(client, world, role="volunteer"):
    client.force_login(world["users"][role])
    return client.get(reverse("desk:today", args=[world["antenna"].pk]))


def test_desk_counts_seats_taken_and_left_per_slot(client, world):
    first_slot, second_slot, _third = world["slots"]
    BookingFactory(slot=first_slot, beneficiary=None, channel=BookingChannel.WALK_IN)
    BookingFactory(slot=second_slot, beneficiary=BeneficiaryFactory(), status="cancelled")
    response = _desk(client, world)
    assert response.status_code == 200
    [occurrence] = response.context["occurrences"]
    slots = list(occurrence.slots.all())
    assert [(slot.taken, slot.left) for slot in slots] == [(2, 0), (0, 2), (0, 2)]
    assert [booking.beneficiary for booking in slots[0].active_bookings] == [world["person"], None]
    assertContains(response, "Aïcha Benali")
    assertContains(response, "04 91 23 45 67")
    assertContains(response, reverse("desk:person_history", args=[world["antenna"].pk, world["person"].pk]))
    assertContains(response, f"{reverse('desk:log_create', args=[world['antenna'].pk])}?booking={world['booking'].pk}")
    assertContains(response, reverse("desk:walk_in", args=[world["occurrence"].pk]))
    assertContains(response, reverse("desk:log_detail", args=[world["log"].pk]))
    assert response.context["is_ahead"] is False


def _grow(world, count):
    """More bookings, walk-ins and logs on every slot of the date."""
    for slot in world["slots"]:
        slot.seats += count
        slot.save(update_fields=["seats"])
        for _index in range(count):
            person = BeneficiaryFactory()
            BookingFactory(slot=slot, beneficiary=person, liaison_sheet=LiaisonSheetFactory(beneficiary=person))
            BookingFactory(slot=slot, beneficiary=None, channel=BookingChannel.WALK_IN)
            SessionLogFactory(
                antenna=world["antenna"], occurrence=world["occurrence"], beneficiary=person, topics=["email", "sante"]
            )
        SessionLogFactory(antenna=world["antenna"], occurrence=world["occurrence"], is_workshop=True)


@pytest.mark.parametrize(("url_name", "queries"), [("desk:today", 13), ("desk:day_list", 12), ("desk:log_list", 8)])
def test_desk_pages_run_a_fixed_number_of_queries(client, world, django_assert_num_queries, url_name, queries):
    client.force_login(world["users"]["volunteer"])
    url = reverse(url_name, args=[world["antenna"].pk])
    _grow(world, 1)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    _grow(world, 4)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assertContains(response, world["person"].last_name)


def test_desk_without_a_signed_charter_shows_no_name_nor_phone(client, world):
    BookingFactory(slot=world["slots"][1], beneficiary=BeneficiaryFactory(first_name="Mamadou", last_name="Diallo"))
    response = _desk(client, world, "unsigned_volunteer")
    assert response.status_code == 200
    assert response.context["can_see_people"] is False
    for text in ("Aïcha", "Benali", "Mamadou", "Diallo", "04 91 23 45 67", "+33491234567"):
        assertNotContains(response, text)
    assertNotContains(response, reverse("desk:person_history", args=[world["antenna"].pk, world["person"].pk]))
    assertNotContains(response, reverse("desk:attendance", args=[world["booking"].pk]))
    assertNotContains(response, reverse("desk:walk_in", args=[world["occurrence"].pk]))
    assertNotContains(response, "?booking=")
    # The counts stay.
    [occurrence] = response.context["occurrences"]
    assert [slot.taken for slot in occurrence.slots.all()] == [1, 1, 0]


def test_volunteer_without_a_charter_cannot_act_on_people(client, world):
    client.force_login(world["users"]["unsigned_volunteer"])
    booking = world["booking"]
    response = client.post(reverse("desk:attendance", args=[booking.pk]), {"attendance": Attendance.ATTENDED})
    assert response.status_code == 403
    response = client.post(
        reverse("desk:walk_in", args=[world["occurrence"].pk]), {"slot": world["slots"][1].pk, "anonymous": "on"}
    )
    assert response.status_code == 403
    response = client.get(reverse("desk:log_create", args=[world["antenna"].pk]), {"booking": booking.pk})
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.attendance == Attendance.EXPECTED
    assert Booking.objects.count() == 1


def test_another_antennas_volunteer_gets_404_everywhere(client, world):
    client.force_login(_member("volunteer", world["other_antenna"]))
    antenna, person = world["antenna"], world["person"]
    for url in (
        reverse("desk:today", args=[antenna.pk]),
        reverse("desk:log_list", args=[antenna.pk]),
        reverse("desk:log_detail", args=[world["log"].pk]),
        reverse("desk:person_history", args=[antenna.pk, person.pk]),
        reverse("desk:walk_in", args=[world["occurrence"].pk]),
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(reverse("desk:attendance", args=[world["booking"].pk]), {"attendance": "attended"}).status_code
        == 404
    )


def test_the_desk_shows_the_next_date_when_there_is_none_today(client):
    antenna = AntennaFactory()
    later = occurrence_today(antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=3))
    occurrence_today(antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=10))
    client.force_login(_member("volunteer", antenna))
    response = client.get(reverse("desk:today", args=[antenna.pk]))
    assert response.context["is_ahead"] is True
    assert [occurrence.pk for occurrence in response.context["occurrences"]] == [later.pk]
    # Walk-ins and check-ins wait for the day itself.
    assertNotContains(response, reverse("desk:walk_in", args=[later.pk]))
    response = client.post(
        reverse("desk:walk_in", args=[later.pk]), {"slot": later.slots.first().pk, "anonymous": "on"}
    )
    assertRedirects(response, reverse("desk:today", args=[antenna.pk]))
    assert not Booking.objects.exists()


def test_a_cancelled_date_is_not_on_the_desk(client, world):
    from sessions_app.planning.services import occurrence_cancel

    occurrence_cancel(occurrence=world["occurrence"], reason="Grève", by=None)
    response = _desk(client, world)
    assert response.context["occurrences"] == []


@pytest.mark.parametrize(
    ("attendance", "checked_in"),
    [(Attendance.ATTENDED, True), (Attendance.NO_SHOW, False)],
)
def test_check_in_no_show_and_undo(client, world, attendance, checked_in):
    client.force_login(world["users"]["volunteer"])
    booking = world["booking"]
    url = reverse("desk:attendance", args=[booking.pk])
    response = client.post(url, {"attendance": attendance})
    assertRedirects(response, reverse("desk:today", args=[world["antenna"].pk]))
    booking.refresh_from_db()
    assert booking.attendance == attendance
    assert (booking.checked_in_at is not None) is checked_in

    client.post(url, {"attendance": Attendance.EXPECTED})
    booking.refresh_from_db()
    assert booking.attendance == Attendance.EXPECTED
    assert booking.checked_in_at is None


def test_an_unknown_attendance_changes_nothing(client, world):
    client.force_login(world["users"]["volunteer"])
    booking = world["booking"]
    response = client.post(reverse("desk:attendance", args=[booking.pk]), {"attendance": "maybe"}, follow=True)
    assert response.status_code == 200
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
    booking.refresh_from_db()
    assert booking.attendance == Attendance.EXPECTED


def test_attendance_needs_a_post(client, world):
    client.force_login(world["users"]["volunteer"])
    assert client.get(reverse("desk:attendance", args=[world["booking"].pk])).status_code == 405


# Walk-ins


def _walk_in_url(world):
    return reverse("desk:walk_in", args=[world["occurrence"].pk])


@pytest.mark.parametrize("query", ["benali", "Aïcha Benali", "04 91 23 45 67", "+33 4 91 23 45 67"])
def test_walk_in_finds_a_person_by_name_or_phone(client, world, query):
    BeneficiaryFactory(first_name="Aïcha", last_name="Benali", phone="+33491234568")  # known elsewhere only
    client.force_login(world["users"]["volunteer"])
    response = client.get(_walk_in_url(world), {"q": query})
    assert response.status_code == 200
    assert response.context["people"] == [world["person"]]


def test_walk_in_of_a_known_person(client, world):
    client.force_login(world["users"]["volunteer"])
    second_slot = world["slots"][1]
    response = client.post(_walk_in_url(world), {"slot": second_slot.pk, "person": world["person"].pk})
    assertRedirects(response, reverse("desk:today", args=[world["antenna"].pk]))
    booking = Booking.objects.get(slot=second_slot)
    assert booking.beneficiary == world["person"]
    assert booking.channel == BookingChannel.WALK_IN
    assert booking.attendance == Attendance.ATTENDED
    assert booking.created_by == world["users"]["volunteer"]


def test_walk_in_of_a_person_already_in_the_slot_is_refused(client, world):
    client.force_login(world["users"]["volunteer"])
    response = client.post(_walk_in_url(world), {"slot": world["slots"][0].pk, "person": world["person"].pk})
    assert response.status_code == 200
    assert response.context["walk_in_form"].non_field_errors()
    assert Booking.objects.count() == 1


def test_walk_in_of_a_new_person_records_their_consent(client, world):
    volunteer = world["users"]["volunteer"]
    client.force_login(volunteer)
    slot = world["slots"][2]
    response = client.post(
        _walk_in_url(world),
        {
            "new-slot": slot.pk,
            "new-first_name": "Mamadou",
            "new-last_name": "Diallo",
            "new-phone": "06 12 34 56 78",
            "new-birth_year": "1975",
            "new-consent_method": ConsentMethod.PAPER,
        },
    )
    assertRedirects(response, reverse("desk:today", args=[world["antenna"].pk]))
    person = Beneficiary.objects.get(last_name="Diallo")
    assert (person.first_name, person.phone, person.birth_year) == ("Mamadou", "+33612345678", 1975)
    assert person.first_antenna == world["antenna"]
    consent = Consent.objects.get(beneficiary=person)
    assert (consent.method, consent.recorded_by) == (ConsentMethod.PAPER, volunteer)
    booking = Booking.objects.get(beneficiary=person)
    assert (booking.slot, booking.channel, booking.attendance) == (slot, BookingChannel.WALK_IN, Attendance.ATTENDED)


@pytest.mark.parametrize(
    "changes",
    [{"new-consent_method": ""}, {"new-first_name": ""}, {"new-phone": "12"}, {"new-birth_year": "3000"}],
)
def test_walk_in_of_a_new_person_with_bad_input_saves_nothing(client, world, changes):
    client.force_login(world["users"]["volunteer"])
    data = {
        "new-slot": world["slots"][2].pk,
        "new-first_name": "Mamadou",
        "new-last_name": "Diallo",
        "new-phone": "06 12 34 56 78",
        "new-consent_method": ConsentMethod.ORAL,
        **changes,
    }
    response = client.post(_walk_in_url(world), data)
    assert response.status_code == 200
    assert response.context["new_form"].errors
    assertContains(response, 'value="Diallo"')
    assert not Beneficiary.objects.filter(last_name="Diallo").exists()
    assert Booking.objects.count() == 1


def test_anonymous_walk_in(client, world):
    client.force_login(world["users"]["volunteer"])
    slot = world["slots"][1]
    response = client.post(_walk_in_url(world), {"slot": slot.pk, "anonymous": "on"})
    assertRedirects(response, reverse("desk:today", args=[world["antenna"].pk]))
    booking = Booking.objects.get(slot=slot)
    assert booking.beneficiary is None
    assert (booking.channel, booking.attendance) == (BookingChannel.WALK_IN, Attendance.ATTENDED)


def test_walk_in_without_a_choice_is_refused(client, world):
    client.force_login(world["users"]["volunteer"])
    response = client.post(_walk_in_url(world), {"slot": world["slots"][1].pk})
    assert response.status_code == 200
    assert response.context["walk_in_form"].non_field_errors()
    assert Booking.objects.count() == 1


def test_walk_in_in_a_full_slot_creates_no_person_and_no_booking(client, world):
    full_slot = world["slots"][0]
    BookingFactory(slot=full_slot, beneficiary=None)
    client.force_login(world["users"]["volunteer"])
    people, bookings = Beneficiary.objects.count(), Booking.objects.count()
    response = client.post(
        _walk_in_url(world),
        {"new-slot": full_slot.pk, "new-first_name": "Mamadou", "new-consent_method": ConsentMethod.ORAL},
    )
    assert response.status_code == 200
    assert response.context["new_form"].has_error("slot")
    response = client.post(_walk_in_url(world), {"slot": full_slot.pk, "anonymous": "on"})
    assert response.context["walk_in_form"].has_error("slot")
    assert (Beneficiary.objects.count(), Booking.objects.count()) == (people, bookings)
    # The slot select only offers slots with a seat left.
    assert list(response.context["walk_in_form"].fields["slot"].queryset) == world["slots"][1:]


def test_walk_in_service_checks_the_seat_before_registering_anyone(world):
    full_slot = world["slots"][0]
    BookingFactory(slot=full_slot, beneficiary=None)
    with pytest.raises(desk_services.WalkInRefused):
        desk_services.walk_in_create(
            slot=full_slot,
            by=world["users"]["volunteer"],
            new_person=BeneficiaryFields(first_name="Mamadou"),
            consent_method=ConsentMethod.ORAL,
        )
    assert not Beneficiary.objects.filter(first_name="Mamadou").exists()
    assert Booking.objects.filter(slot=full_slot).count() == 2


def test_walk_in_losing_the_last_seat_registers_nobody(client, world, monkeypatch):
    """Registering the person and taking the seat are one write: a seat lost after the person
    was saved takes the registration back with it."""
    real_booking_create = desk_services.booking_create

    def seat_just_taken(**kwargs):
        # The person is saved by now, in the same transaction; the last seat goes to someone else.
        assert Beneficiary.objects.filter(first_name="Mamadou").exists()
        BookingFactory.create_batch(kwargs["slot"].seats, slot=kwargs["slot"], beneficiary=None)
        return real_booking_create(**kwargs)

    monkeypatch.setattr(desk_services, "booking_create", seat_just_taken)
    client.force_login(world["users"]["volunteer"])
    slot = world["slots"][2]
    response = client.post(
        _walk_in_url(world),
        {"new-slot": slot.pk, "new-first_name": "Mamadou", "new-consent_method": ConsentMethod.ORAL},
    )
    assert response.status_code == 200
    assert response.context["new_form"].non_field_errors() == [
        "Ce créneau vient de se remplir : toutes les places sont prises."
    ]
    assert not Beneficiary.objects.filter(first_name="Mamadou").exists()
    assert not Consent.objects.filter(beneficiary__first_name="Mamadou").exists()
    assert not slot.bookings.filter(beneficiary__isnull=False).exists()


def test_walk_in_on_a_cancelled_date_goes_back_to_the_desk(client, world):
    from sessions_app.planning.services import occurrence_cancel

    occurrence_cancel(occurrence=world["occurrence"], reason="Grève", by=None)
    client.force_login(world["users"]["volunteer"])
    response = client.post(_walk_in_url(world), {"slot": world["slots"][1].pk, "anonymous": "on"})
    assertRedirects(response, reverse("desk:today", args=[world["antenna"].pk]))
    assert not Booking.objects.filter(channel=BookingChannel.WALK_IN).exists()


# Session logs' pages and history


def test_log_page_shows_everything_to_the_team(client, world):
    client.force_login(world["users"]["volunteer"])
    response = client.get(reverse("desk:log_detail", args=[world["log"].pk]))
    assertContains(response, "Dossier CAF")
    assertContains(response, "Aïcha Benali")
    client.force_login(world["users"]["unsigned_volunteer"])
    response = client.get(reverse("desk:log_detail", args=[world["log"].pk]))
    assert response.status_code == 200
    assertNotContains(response, "Dossier CAF")
    assertNotContains(response, "Benali")


def test_log_list_shows_names_only_with_a_signed_charter(client, world):
    client.force_login(world["users"]["volunteer"])
    response = client.get(reverse("desk:log_list", args=[world["antenna"].pk]))
    assert list(response.context["page"]) == [world["log"]]
    assertContains(response, "Aïcha Benali")
    client.force_login(world["users"]["unsigned_volunteer"])
    response = client.get(reverse("desk:log_list", args=[world["antenna"].pk]))
    assert list(response.context["page"]) == [world["log"]]
    assertNotContains(response, "Benali")


def test_log_list_is_newest_first_and_paginated(client, world):
    antenna = world["antenna"]
    today = timezone.localdate()
    for days in range(1, 55):
        SessionLogFactory(antenna=antenna, date=today - datetime.timedelta(days=days))
    SessionLogFactory(antenna=world["other_antenna"], date=today)
    client.force_login(world["users"]["volunteer"])
    url = reverse("desk:log_list", args=[antenna.pk])
    response = client.get(url)
    page = response.context["page"]
    assert len(page) == 50
    assert page[0] == world["log"]
    # The next page follows by keyset: no gap, no repeat, same order.
    following = client.get(f"{url}?{response.context['next_page_query']}").context["page"]
    assert len(following) == 5
    assert not response.context["next_page_query"].endswith("apres=")
    expected = list(SessionLog.objects.filter(antenna=antenna).order_by("-date", "-pk"))
    assert page + following == expected
    dates = [log.date for log in page + following]
    assert dates == sorted(dates, reverse=True)


def test_log_list_counts_a_workshops_participants(client, world):
    workshop = SessionLogFactory(antenna=world["antenna"], is_workshop=True, anonymous_participants=3)
    workshop.participants.add(world["person"], BeneficiaryFactory())
    client.force_login(world["users"]["volunteer"])
    response = client.get(reverse("desk:log_list", args=[world["antenna"].pk]))
    counts = {log.pk: log.participant_count for log in response.context["page"]}
    assert counts == {workshop.pk: 2, world["log"].pk: 0}
    assertContains(response, "5 participants")


def test_history_shows_only_this_antennas_sessions(client, world):
    antenna, other_antenna, person = world["antenna"], world["other_antenna"], world["person"]
    elsewhere = SessionLogFactory(antenna=other_antenna, beneficiary=person, next_step="Rendez-vous à Gibbes")
    here = SessionLogFactory(
        antenna=antenna, beneficiary=person, next_step="Revenir avec l'avis d'imposition", summary="Compte ameli créé"
    )
    workshop = SessionLogFactory(antenna=antenna, is_workshop=True)
    workshop.participants.add(person)
    BookingFactory(slot=occurrence_today(antenna=other_antenna).slots.first(), beneficiary=person)
    client.force_login(world["users"]["volunteer"])
    response = client.get(reverse("desk:person_history", args=[antenna.pk, person.pk]))
    assert response.status_code == 200
    assert set(response.context["logs"]) == {world["log"], here, workshop}
    assert list(response.context["bookings"]) == [world["booking"]]
    assertContains(response, "Revenir avec l")
    assertContains(response, "Compte ameli créé")
    assertContains(response, "Dossier CAF")
    assertNotContains(response, "Rendez-vous à Gibbes")
    assertNotContains(response, reverse("desk:log_detail", args=[elsewhere.pk]))


def test_history_of_a_person_not_known_to_the_user_is_a_404(client, world):
    stranger = BeneficiaryFactory()
    client.force_login(world["users"]["volunteer"])
    assert client.get(reverse("desk:person_history", args=[world["antenna"].pk, stranger.pk])).status_code == 404


def test_the_day_list_names_who_is_booked_for_what_and_never_the_private_notes(client, world):
    sheet = LiaisonSheetFactory(
        beneficiary=world["person"], deadline=datetime.date(2031, 3, 14), interpreter_needed=True
    )
    sheet.needs.set(Topic.objects.filter(code="email"))
    booking = world["booking"]
    booking.liaison_sheet = sheet
    booking.save(update_fields=["liaison_sheet"])
    SessionLogFactory(antenna=world["antenna"], beneficiary=world["person"], private_note="Ne pas divulguer")
    client.force_login(world["users"]["volunteer"])
    response = client.get(reverse("desk:day_list", args=[world["antenna"].pk]))
    assertContains(response, world["person"].last_name)
    assertContains(response, Topic.objects.get(code="email").label)
    assertContains(response, "14 mars 2031")
    assertContains(response, "<td>Oui</td>", html=True)
    assertNotContains(response, "Ne pas divulguer")
    # Linked from the desk, for those who may see the people.
    assertContains(_desk(client, world), reverse("desk:day_list", args=[world["antenna"].pk]))
