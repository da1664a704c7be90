"""Logging a session in a few taps: topics ticked ahead, "same as last time", and the next
appointment booked from the log or the person's history."""

import datetime
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from beneficiaries.people.enums import SheetStatus
from inclusion.core.models import Topic
from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.desk.enums import Autonomy, Outcome
from sessions_app.desk.models import SessionLog
from sessions_app.scheduling.enums import OccurrenceStatus
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today, slot_ahead
from tests.team.factories import VolunteerProfileFactory


@pytest.fixture
def world():
    antenna = AntennaFactory(name="Les Aubiers")
    occurrence = occurrence_today(antenna=antenna)
    slot = occurrence.slots.order_by("starts_at").first()
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    VolunteerProfileFactory(user=volunteer)
    person = BeneficiaryFactory(first_name="Amina", last_name="Diallo", first_antenna=antenna)
    return {"antenna": antenna, "slot": slot, "volunteer": volunteer, "person": person}


def _topic(code: str) -> Topic:
    return Topic.objects.get(code=code)


def _checked(response, name, value) -> bool:
    html = response.content.decode()
    return any("checked" in tag for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*>', html))


def _log_url(world, booking, **params):
    query = "&".join(f"{name}={value}" for name, value in {"booking": booking.pk, **params}.items())
    return reverse("desk:log_create", args=[world["antenna"].pk]) + "?" + query


def _referred(world, needs):
    sheet = LiaisonSheetFactory(beneficiary=world["person"], needs=needs, status=SheetStatus.BOOKED)
    return BookingFactory(slot=world["slot"], beneficiary=world["person"], liaison_sheet=sheet)


def test_the_topics_are_ticked_from_the_liaison_sheets_needs(client, world):
    booking = _referred(world, ["email", "logement"])
    client.force_login(world["volunteer"])
    response = client.get(_log_url(world, booking))
    # The sub-theme's theme is ticked with it; nothing else is.
    for code in ("email", "logement", "aide_aux_demarches_administratives"):
        assert _checked(response, "topics", _topic(code).pk), code
    assert not _checked(response, "topics", _topic("sante").pk)
    assertContains(response, "Cochés d’après les besoins de la feuille de liaison")


def test_without_a_sheet_the_topics_of_the_last_session_are_ticked(client, world):
    SessionLogFactory(antenna=world["antenna"], beneficiary=world["person"], topics=["sante"])
    booking = BookingFactory(slot=world["slot"], beneficiary=world["person"])
    client.force_login(world["volunteer"])
    response = client.get(_log_url(world, booking))
    assert _checked(response, "topics", _topic("sante").pk)
    assert not _checked(response, "topics", _topic("email").pk)
    assertContains(response, "Cochés comme lors de la dernière séance de la personne")


def test_a_first_session_without_a_sheet_ticks_nothing(client, world):
    booking = BookingFactory(slot=world["slot"], beneficiary=world["person"])
    client.force_login(world["volunteer"])
    response = client.get(_log_url(world, booking))
    assert not re.search(r'<input[^>]*name="topics"[^>]*checked', response.content.decode())
    assertNotContains(response, "Comme la dernière fois")


def test_same_as_last_time_fills_in_the_last_sessions_answers(client, world):
    colleague = UserFactory(volunteer=True, membership__antenna=world["antenna"])
    SessionLogFactory(
        antenna=world["antenna"],
        beneficiary=world["person"],
        topics=["sante"],
        duration_minutes=45,
        autonomy=Autonomy.AUTONOMOUS,
        used_tablet=True,
        volunteers=[colleague],
    )
    booking = BookingFactory(slot=world["slot"], beneficiary=world["person"])
    client.force_login(world["volunteer"])
    plain = client.get(_log_url(world, booking))
    assertContains(plain, "Comme la dernière fois")
    assert not _checked(plain, "autonomy", Autonomy.AUTONOMOUS)

    response = client.get(_log_url(world, booking, same=1))
    assert _checked(response, "topics", _topic("sante").pk)
    assert _checked(response, "duration", "45")
    assert _checked(response, "autonomy", Autonomy.AUTONOMOUS)
    assert _checked(response, "equipment", "used_tablet")
    assert _checked(response, "volunteers", colleague.pk)
    assert _checked(response, "volunteers", world["volunteer"].pk)
    # The outcome and the texts are this session's own.
    assert not re.search(r'<input[^>]*name="outcome"[^>]*checked', response.content.decode())


def _log_post(client, world, booking, outcome):
    client.force_login(world["volunteer"])
    page = client.get(_log_url(world, booking))
    form = page.context["form"]
    data = {
        "submission_key": form["submission_key"].value(),
        "duration": form["duration"].value(),
        "topics": form["topics"].value(),
        "outcome": outcome,
        "summary": "Dossier commencé",
        "volunteers": form["volunteers"].value(),
    }
    return client.post(_log_url(world, booking), data)


def test_a_session_to_be_continued_leads_to_booking_the_next_appointment(client, world):
    booking = _referred(world, ["email"])
    response = _log_post(client, world, booking, Outcome.TO_CONTINUE)
    assertRedirects(
        response,
        reverse("desk:next_appointment", args=[world["antenna"].pk, world["person"].pk]),
        fetch_redirect_response=False,
    )
    assert SessionLog.objects.get().topics.get().code == "email"


def test_a_session_done_goes_back_to_the_desk(client, world):
    booking = _referred(world, ["email"])
    response = _log_post(client, world, booking, Outcome.DONE)
    assertRedirects(response, reverse("desk:today", args=[world["antenna"].pk]), fetch_redirect_response=False)


def _next_url(world, **params):
    url = reverse("desk:next_appointment", args=[world["antenna"].pk, world["person"].pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_the_next_appointment_page_offers_the_antennas_free_drop_in_slots(client, world, django_assert_num_queries):
    antenna = world["antenna"]
    free = slot_ahead(antenna=antenna, days=7)
    full = slot_ahead(antenna=antenna, days=8, seats=1)
    BookingFactory(slot=full, beneficiary=BeneficiaryFactory())
    cancelled = slot_ahead(antenna=antenna, days=9)
    cancelled.occurrence.status = OccurrenceStatus.CANCELLED
    cancelled.occurrence.save()
    held = slot_ahead(antenna=antenna, days=10)
    BookingFactory(slot=held, beneficiary=world["person"])
    elsewhere = slot_ahead(days=7)
    workshop = occurrence_today(
        antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=7), workshop=True
    ).slots.get()
    client.force_login(world["volunteer"])
    with django_assert_num_queries(9):
        response = client.get(_next_url(world))
    offered = {slot.pk for slot in response.context["slots"]}
    assert free.pk in offered
    # Nor today's slots: the person is here today.
    assert offered.isdisjoint({full.pk, cancelled.pk, held.pk, elsewhere.pk, workshop.pk, world["slot"].pk})
    assert [booking.slot for booking in response.context["upcoming"]] == [held]
    assertContains(response, "Déjà réservé ici")


def test_booking_the_next_appointment_continues_the_referral(client, world):
    booking = _referred(world, ["email"])
    _log_post(client, world, booking, Outcome.TO_CONTINUE)
    sheet = booking.liaison_sheet
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SEEN
    later = slot_ahead(antenna=world["antenna"], days=14)
    page = client.get(_next_url(world))
    key = page.context["form"]["submission_key"].value()
    response = client.post(_next_url(world), {"slot": later.pk, "submission_key": key})
    assertRedirects(
        response,
        reverse("desk:person_history", args=[world["antenna"].pk, world["person"].pk]),
        fetch_redirect_response=False,
    )
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.BOOKED
    nxt = Booking.objects.get(slot=later)
    assert (nxt.liaison_sheet, nxt.channel, nxt.created_by) == (sheet, BookingChannel.REFERRAL, world["volunteer"])
    # The referrer's sheet shows the session seen and the appointment ahead.
    client.force_login(sheet.referrer)
    detail = client.get(reverse("beneficiaries:sheet_detail", args=[sheet.pk]))
    shown = [(b.pk, b.attendance, b.is_upcoming) for b in detail.context["bookings"]]
    assert shown == [(booking.pk, Attendance.ATTENDED, False), (nxt.pk, Attendance.EXPECTED, True)]
    assertContains(detail, reverse("booking:card", args=[nxt.pk]))


def test_without_a_referral_the_next_appointment_is_a_follow_up(client, world):
    later = slot_ahead(antenna=world["antenna"], days=14)
    client.force_login(world["volunteer"])
    key = client.get(_next_url(world)).context["form"]["submission_key"].value()
    client.post(_next_url(world), {"slot": later.pk, "submission_key": key})
    nxt = Booking.objects.get(slot=later)
    assert (nxt.beneficiary, nxt.liaison_sheet, nxt.channel) == (world["person"], None, BookingChannel.FOLLOW_UP)
    assert nxt.attendance == Attendance.EXPECTED


def test_the_same_booking_sent_twice_makes_one_appointment(client, world):
    first, second = slot_ahead(antenna=world["antenna"], days=14), slot_ahead(antenna=world["antenna"], days=15)
    client.force_login(world["volunteer"])
    key = client.get(_next_url(world)).context["form"]["submission_key"].value()
    client.post(_next_url(world), {"slot": first.pk, "submission_key": key})
    # A double tap on a second button of the same page: the first booking stands.
    response = client.post(_next_url(world), {"slot": second.pk, "submission_key": key}, follow=True)
    assert Booking.objects.filter(beneficiary=world["person"]).count() == 1
    assertContains(response, "déjà été envoyé")


@pytest.mark.parametrize("slot_of", ["other_antenna", "full", "garbage", "missing"])
def test_a_slot_that_cannot_be_booked_is_refused_with_a_message(client, world, slot_of):
    full = slot_ahead(antenna=world["antenna"], days=7, seats=1)
    BookingFactory(slot=full, beneficiary=BeneficiaryFactory())
    value = {
        "other_antenna": slot_ahead(days=7).pk,
        "full": full.pk,
        "garbage": "1'; DROP TABLE",
        "missing": "",
    }[slot_of]
    client.force_login(world["volunteer"])
    response = client.post(_next_url(world), {"slot": value, "submission_key": str(uuid.uuid4())}, follow=True)
    assert response.status_code == 200
    assert not Booking.objects.filter(beneficiary=world["person"]).exists()
    assert any(message.level_tag == "error" for message in response.context["messages"])


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "demain", "2026-02-30"])
def test_an_odd_starting_day_shows_the_coming_slots(client, world, day):
    slot_ahead(antenna=world["antenna"], days=7)
    client.force_login(world["volunteer"])
    response = client.get(_next_url(world, **{"from": day}))
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate() + datetime.timedelta(days=1)


def test_another_antennas_person_page_is_not_found(client, world):
    stranger = UserFactory(volunteer=True, membership__antenna=AntennaFactory())
    client.force_login(stranger)
    assert client.get(_next_url(world)).status_code == 404


def test_the_history_offers_the_next_appointment_when_the_last_session_is_to_be_continued(client, world):
    SessionLogFactory(antenna=world["antenna"], beneficiary=world["person"], outcome=Outcome.TO_CONTINUE)
    client.force_login(world["volunteer"])
    url = reverse("desk:person_history", args=[world["antenna"].pk, world["person"].pk])
    response = client.get(url)
    assertContains(response, "Prendre le prochain rendez-vous")
    # Once it is booked, the history no longer asks for it.
    BookingFactory(slot=slot_ahead(antenna=world["antenna"], days=7), beneficiary=world["person"])
    assertNotContains(client.get(url), "Prendre le prochain rendez-vous")


def test_the_next_appointments_permanence_must_be_a_drop_in(client, world):
    workshop_slot = occurrence_today(
        antenna=world["antenna"],
        day=timezone.localdate() + datetime.timedelta(days=7),
        workshop=True,
    ).slots.get()
    client.force_login(world["volunteer"])
    client.post(_next_url(world), {"slot": workshop_slot.pk, "submission_key": str(uuid.uuid4())})
    assert not Booking.objects.filter(beneficiary=world["person"], status=BookingStatus.ACTIVE).exists()
