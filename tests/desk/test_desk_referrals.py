"""The desk shows what a referred person needs; checking them in or not moves their referral."""

import datetime

from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from beneficiaries.people.enums import SheetStatus
from inclusion.core.models import Language
from sessions_app.bookings.enums import Attendance, BookingChannel
from sessions_app.bookings.models import Booking
from tests.core.factories import AntennaFactory, UserFactory
from tests.people.factories import LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import VolunteerProfileFactory


def _referred_booking(**sheet):
    antenna = AntennaFactory()
    occurrence = occurrence_today(antenna=antenna)
    sheet = LiaisonSheetFactory(
        needs=["email", "aide_aux_demarches_administratives", "social_sante"],
        detail="Demande de complémentaire santé",
        language=Language.objects.get(code="ar"),
        interpreter_needed=True,
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        status=SheetStatus.BOOKED,
        **sheet,
    )
    booking = Booking.objects.create(
        slot=occurrence.slots.first(),
        beneficiary=sheet.beneficiary,
        liaison_sheet=sheet,
        channel=BookingChannel.REFERRAL,
    )
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    return antenna, booking, volunteer


def test_volunteers_see_the_needs_language_and_deadline_of_a_referred_person(client):
    antenna, booking, volunteer = _referred_booking()
    VolunteerProfileFactory(user=volunteer)
    client.force_login(volunteer)
    response = client.get(reverse("desk:today", args=[antenna.pk]))
    assertContains(response, "E-mail")
    assertContains(response, "Social - Santé")
    assertContains(response, "Demande de complémentaire santé")
    assertContains(response, "Arabe")
    assertContains(response, booking.liaison_sheet.reference)


def test_without_a_signed_charter_the_needs_are_hidden(client):
    antenna, booking, volunteer = _referred_booking()
    VolunteerProfileFactory(user=volunteer, charter_signed_on=None)
    client.force_login(volunteer)
    response = client.get(reverse("desk:today", args=[antenna.pk]))
    assertNotContains(response, "Demande de complémentaire santé")
    assertNotContains(response, booking.liaison_sheet.reference)


def test_marking_a_referred_person_as_not_come_moves_the_referral(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    antenna, booking, volunteer = _referred_booking()
    VolunteerProfileFactory(user=volunteer)
    client.force_login(volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("desk:attendance", args=[booking.pk]), {"attendance": Attendance.NO_SHOW})
    booking.liaison_sheet.refresh_from_db()
    assert booking.liaison_sheet.status == SheetStatus.NO_SHOW
    [message] = mailoutbox
    assert message.to == [booking.liaison_sheet.referrer.email]
    assert booking.liaison_sheet.reference in message.subject
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("desk:attendance", args=[booking.pk]), {"attendance": Attendance.EXPECTED})
    booking.liaison_sheet.refresh_from_db()
    assert booking.liaison_sheet.status == SheetStatus.BOOKED
