"""One liaison sheet holds at most one appointment ahead, whatever the concurrency, and its
booking and its move to "booked" commit together or not at all."""

import datetime
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from beneficiaries.people.enums import SheetStatus
from beneficiaries.people.models import LiaisonSheet, LiaisonSheetEvent
from sessions_app.bookings import services as referral_services
from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.bookings.services import BookingRefused, booking_create, booking_set_attendance
from tests.concurrency import at_once
from tests.core.factories import AntennaFactory, UserFactory
from tests.people.factories import LiaisonSheetFactory
from tests.scheduling.factories import slot_ahead
from tests.team.factories import VolunteerProfileFactory

THREADS = 5


@pytest.fixture
def topics_loaded():
    """A transactional test before this one emptied every table, the topics the sheets need too."""
    import_module("inclusion.core.migrations.0003_topics").load_topics(apps, None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored", "topics_loaded")
def test_simultaneous_bookings_of_one_sheet_on_different_slots_give_one_appointment():
    antenna = AntennaFactory()
    sheet = LiaisonSheetFactory(status=SheetStatus.SENT)
    slots = [slot_ahead(antenna=antenna, days=7 + index) for index in range(THREADS)]
    clients = []
    for _slot in slots:
        client = Client()
        client.force_login(sheet.referrer)
        clients.append(client)
    url = reverse("booking:book", args=[sheet.pk])

    responses = at_once(lambda index: clients[index].post(url, {"slot": slots[index].pk}), list(range(THREADS)))

    assert [getattr(response, "status_code", response) for response in responses] == [302] * THREADS
    assert Booking.objects.filter(liaison_sheet=sheet, status=BookingStatus.ACTIVE).count() == 1
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.BOOKED
    assert LiaisonSheetEvent.objects.filter(sheet=sheet, status=SheetStatus.BOOKED).count() == 1
    cards = [response.url for response in responses if "/rendez-vous/" in response.url]
    assert len(cards) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored", "topics_loaded")
def test_the_constraint_refuses_a_second_appointment_when_the_sheet_check_is_bypassed():
    """The control of the sheet's lock: booking the seat straight from the booking core, without
    the referral's status check, still gives one sheet one appointment ahead."""
    antenna = AntennaFactory()
    sheet = LiaisonSheetFactory(status=SheetStatus.SENT)
    slots = [slot_ahead(antenna=antenna, days=7 + index) for index in range(THREADS)]

    def book(slot):
        return booking_create(
            slot=slot, beneficiary=sheet.beneficiary, channel=BookingChannel.REFERRAL, by=None, liaison_sheet=sheet
        )

    results = at_once(book, slots)

    assert sum(isinstance(result, Booking) for result in results) == 1
    refusals = [result for result in results if isinstance(result, BookingRefused)]
    assert [str(refusal) for refusal in refusals] == ["Cette orientation a déjà un rendez-vous à venir."] * (
        THREADS - 1
    )


def test_the_database_holds_one_expected_appointment_per_sheet():
    sheet = LiaisonSheetFactory(status=SheetStatus.BOOKED)
    first, second = slot_ahead(days=7), slot_ahead(days=8)
    Booking.objects.create(slot=first, beneficiary=sheet.beneficiary, liaison_sheet=sheet)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(slot=second, beneficiary=sheet.beneficiary, liaison_sheet=sheet)


def test_a_sheet_seen_is_booked_again_beside_its_past_appointment():
    """Only the appointment still expected is unique: the person came, the next one is booked."""
    sheet = LiaisonSheetFactory(status=SheetStatus.SEEN)
    Booking.objects.create(
        slot=slot_ahead(days=7), beneficiary=sheet.beneficiary, liaison_sheet=sheet, attendance=Attendance.ATTENDED
    )
    booking = referral_services.referral_book(sheet=sheet, slot=slot_ahead(days=14), by=sheet.referrer)
    assert booking.attendance == Attendance.EXPECTED
    assert LiaisonSheet.objects.get(pk=sheet.pk).status == SheetStatus.BOOKED


def test_a_booking_whose_sheet_cannot_move_is_undone(monkeypatch):
    """The seat and the sheet's move commit together: a failure after the seat frees it."""
    sheet = LiaisonSheetFactory(status=SheetStatus.SENT)
    slot = slot_ahead(days=7)

    def broken_transition(**kwargs):
        raise RuntimeError("the sheet could not be moved")

    monkeypatch.setattr(referral_services, "liaison_sheet_transition", broken_transition)
    with pytest.raises(RuntimeError):
        referral_services.referral_book(sheet=sheet, slot=slot, by=sheet.referrer)
    assert not slot.bookings.exists()
    assert LiaisonSheet.objects.get(pk=sheet.pk).status == SheetStatus.SENT


def test_a_refused_seat_leaves_the_sheet_as_it_was():
    sheet = LiaisonSheetFactory(status=SheetStatus.SENT)
    slot = slot_ahead(days=7, seats=1)
    Booking.objects.create(slot=slot)
    with pytest.raises(BookingRefused):
        referral_services.referral_book(sheet=sheet, slot=slot, by=sheet.referrer)
    assert LiaisonSheet.objects.get(pk=sheet.pk).status == SheetStatus.SENT
    assert not LiaisonSheetEvent.objects.filter(sheet=sheet, status=SheetStatus.BOOKED).exists()


def test_undoing_a_past_check_in_when_the_sheet_is_booked_again_is_refused_with_a_message(client):
    antenna = AntennaFactory()
    sheet = LiaisonSheetFactory(status=SheetStatus.SEEN)
    past = Booking.objects.create(
        slot=slot_ahead(antenna=antenna, days=1),
        beneficiary=sheet.beneficiary,
        liaison_sheet=sheet,
        attendance=Attendance.ATTENDED,
    )
    referral_services.referral_book(sheet=sheet, slot=slot_ahead(days=14), by=sheet.referrer)
    with pytest.raises(BookingRefused):
        booking_set_attendance(booking=past, attendance=Attendance.EXPECTED)

    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    VolunteerProfileFactory(user=volunteer, charter_signed_on=datetime.date(2026, 1, 15))
    client.force_login(volunteer)
    response = client.post(reverse("desk:attendance", args=[past.pk]), {"attendance": Attendance.EXPECTED})
    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Cette orientation a un autre rendez-vous à venir : celui-ci ne peut plus être de nouveau attendu."
    ]
    past.refresh_from_db()
    assert past.attendance == Attendance.ATTENDED
