"""Booking a referred person from the search, cancelling, and who may open each booking page."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertRedirects

from beneficiaries.people.enums import SheetStatus
from sessions_app.bookings.enums import BookingChannel, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.bookings.services import referral_book
from sessions_app.planning import services
from sessions_app.scheduling.enums import BookingMode
from tests.access import check_access, url_names
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import VolunteerProfileFactory


def _slot(antenna=None, *, days: int = 7, seats: int = 2, **permanence):
    occurrence = occurrence_today(
        antenna=antenna or AntennaFactory(),
        day=timezone.localdate() + datetime.timedelta(days=days),
        start=9,
        end=10,
        seats=seats,
        **permanence,
    )
    return occurrence.slots.get()


def _member(role: str, antenna, *, signed: bool = True):
    user = UserFactory(**{role: True}, membership__antenna=antenna)
    VolunteerProfileFactory(user=user, charter_signed_on=datetime.date(2026, 1, 15) if signed else None)
    return user


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _book(client, sheet, slot, **extra):
    client.force_login(sheet.referrer)
    return client.post(reverse("booking:book", args=[sheet.pk]), {"slot": slot.pk, **extra})


# Booking from the search


def test_booking_from_the_search_holds_a_seat_and_moves_the_sheet_to_booked(client):
    sheet = LiaisonSheetFactory()
    slot = _slot()
    response = _book(client, sheet, slot)
    booking = Booking.objects.get()
    assertRedirects(response, reverse("booking:card", args=[booking.pk]), fetch_redirect_response=False)
    assert (booking.slot, booking.beneficiary, booking.liaison_sheet) == (slot, sheet.beneficiary, sheet)
    assert (booking.channel, booking.status, booking.created_by) == (
        BookingChannel.REFERRAL,
        BookingStatus.ACTIVE,
        sheet.referrer,
    )
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.BOOKED
    assert len(_messages(response)) == 1


def test_booking_refused_when_the_slot_was_just_filled(client):
    sheet = LiaisonSheetFactory()
    slot = _slot(seats=1)
    BookingFactory(slot=slot, beneficiary=BeneficiaryFactory())
    search = reverse("booking:slot_search", args=[sheet.pk]) + "?department=13&language="
    response = _book(client, sheet, slot, next=search)
    assertRedirects(response, search, fetch_redirect_response=False)
    assert any("vient de se remplir" in message for message in _messages(response))
    assert not Booking.objects.filter(liaison_sheet=sheet).exists()
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SENT


def test_booking_refused_on_a_cancelled_date(client):
    sheet = LiaisonSheetFactory()
    slot = _slot()
    services.occurrence_cancel(occurrence=slot.occurrence, reason="Grève", by=None)
    response = _book(client, sheet, slot)
    assertRedirects(response, reverse("booking:slot_search", args=[sheet.pk]), fetch_redirect_response=False)
    assert len(_messages(response)) == 1
    assert not Booking.objects.exists()


def test_booking_refused_on_a_past_slot(client):
    sheet = LiaisonSheetFactory()
    slot = _slot(days=-1)
    response = _book(client, sheet, slot)
    assert response.status_code == 302
    assert len(_messages(response)) == 1
    assert not Booking.objects.exists()


@pytest.mark.parametrize("permanence", [{"booking_mode": BookingMode.WALK_IN}, {"is_active": False}])
def test_booking_refused_for_a_slot_referrers_may_not_book(client, permanence):
    sheet = LiaisonSheetFactory()
    response = _book(client, sheet, _slot(**permanence))
    assert response.status_code == 302
    assert not Booking.objects.exists()


@pytest.mark.parametrize("slot", ["", "abc", "999999999", "1; DROP TABLE", "²", "9" * 5_000, "9" * 25])
def test_booking_with_a_bad_slot_goes_back_with_a_message(client, slot):
    sheet = LiaisonSheetFactory()
    client.force_login(sheet.referrer)
    response = client.post(reverse("booking:book", args=[sheet.pk]), {"slot": slot})
    assertRedirects(response, reverse("booking:slot_search", args=[sheet.pk]), fetch_redirect_response=False)
    assert len(_messages(response)) == 1


def test_a_double_submitted_booking_creates_one_booking_only(client):
    sheet = LiaisonSheetFactory()
    slot = _slot(seats=3)
    first = _book(client, sheet, slot)
    second = _book(client, sheet, slot)
    assert Booking.objects.filter(liaison_sheet=sheet).count() == 1
    assert first.url.startswith("/rendez-vous/")
    assertRedirects(second, reverse("booking:slot_search", args=[sheet.pk]), fetch_redirect_response=False)
    assert "a déjà un rendez-vous" in _messages(second)[-1]


def test_an_outside_next_address_is_not_followed(client):
    sheet = LiaisonSheetFactory()
    slot = _slot(seats=1)
    BookingFactory(slot=slot, beneficiary=BeneficiaryFactory())
    response = _book(client, sheet, slot, next="https://evil.example/")
    assertRedirects(response, reverse("booking:slot_search", args=[sheet.pk]), fetch_redirect_response=False)


@pytest.mark.parametrize("target", ["²", "slot_search", "nul\x00", "javascript:alert(1)"])
def test_a_next_address_that_is_not_a_path_goes_back_to_the_search(client, target):
    sheet = LiaisonSheetFactory()
    slot = _slot(seats=1)
    BookingFactory(slot=slot, beneficiary=BeneficiaryFactory())
    response = _book(client, sheet, slot, next=target)
    assertRedirects(response, reverse("booking:slot_search", args=[sheet.pk]), fetch_redirect_response=False)


def test_another_referrer_cannot_book_for_a_sheet_that_is_not_theirs(client):
    sheet = LiaisonSheetFactory()
    slot = _slot()
    client.force_login(UserFactory(referrer=True))
    assert client.post(reverse("booking:book", args=[sheet.pk]), {"slot": slot.pk}).status_code == 404
    assert client.get(reverse("booking:slot_search", args=[sheet.pk])).status_code == 404
    assert not Booking.objects.exists()


# Cancelling


def _booked():
    sheet = LiaisonSheetFactory()
    slot = _slot()
    return referral_book(sheet=sheet, slot=slot, by=sheet.referrer)


def test_the_referrer_cancels_and_the_sheet_goes_back_to_sent(client):
    booking = _booked()
    sheet = booking.liaison_sheet
    client.force_login(sheet.referrer)
    response = client.post(reverse("booking:cancel", args=[booking.pk]), {"reason": "Hospitalisée"})
    assertRedirects(response, reverse("beneficiaries:sheet_detail", args=[sheet.pk]), fetch_redirect_response=False)
    booking.refresh_from_db()
    sheet.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (BookingStatus.CANCELLED, "Hospitalisée")
    assert sheet.status == SheetStatus.SENT
    # The seat is free again: the sheet can be booked anew.
    assert _book(client, sheet, booking.slot).status_code == 302
    assert Booking.objects.filter(liaison_sheet=sheet, status=BookingStatus.ACTIVE).count() == 1


def test_the_antennas_volunteer_cancels_and_goes_back_to_the_desk(client):
    booking = _booked()
    antenna = booking.slot.occurrence.permanence.antenna
    client.force_login(_member("volunteer", antenna))
    response = client.post(reverse("booking:cancel", args=[booking.pk]))
    assertRedirects(response, reverse("desk:today", args=[antenna.pk]), fetch_redirect_response=False)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_another_referrer_cannot_cancel(client):
    booking = _booked()
    client.force_login(UserFactory(referrer=True))
    assert client.post(reverse("booking:cancel", args=[booking.pk])).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE


def test_cancelling_twice_or_with_a_too_long_reason_changes_nothing_more(client):
    booking = _booked()
    client.force_login(booking.liaison_sheet.referrer)
    url = reverse("booking:cancel", args=[booking.pk])
    response = client.post(url, {"reason": "x" * 500})
    assertRedirects(response, reverse("booking:card", args=[booking.pk]), fetch_redirect_response=False)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE
    client.post(url)
    response = client.post(url)
    assertRedirects(response, reverse("booking:card", args=[booking.pk]), fetch_redirect_response=False)
    booking.liaison_sheet.refresh_from_db()
    assert booking.liaison_sheet.status == SheetStatus.SENT


# Who may open what


@pytest.fixture
def world():
    antenna = AntennaFactory(name="La Blancarde")
    other_antenna = AntennaFactory(name="Chemin de Gibbes")
    slot = _slot(antenna)
    referrer = UserFactory(referrer=True)
    sheet = LiaisonSheetFactory(referrer=referrer)
    booking = referral_book(sheet=sheet, slot=slot, by=referrer)
    users = {
        "admin": UserFactory(admin=True),
        "referrer": referrer,
        "other_referrer": UserFactory(referrer=True),
        "coordinator": _member("coordinator", antenna),
        "volunteer": _member("volunteer", antenna),
        "unsigned_volunteer": _member("volunteer", antenna, signed=False),
        "other_coordinator": _member("coordinator", other_antenna),
    }
    return {"sheet": sheet, "booking": booking, "slot": slot, "users": users}


def _kwargs(world, needs):
    return {"sheet": {"pk": world["sheet"].pk}, "booking": {"pk": world["booking"].pk}}[needs]


# The antenna's team sees the sheet through its booking but only its referrer books for it;
# without a signed charter, the team does not see the sheet at all.
SEARCH = {
    "admin": 200,
    "referrer": 200,
    "other_referrer": 404,
    "coordinator": 403,
    "volunteer": 403,
    "unsigned_volunteer": 404,
    "other_coordinator": 404,
}
# The sheet is already booked: booking again goes back to the search with a message.
BOOK = {**SEARCH, "admin": 302, "referrer": 302}
CARD = {
    "admin": 200,
    "referrer": 200,
    "other_referrer": 404,
    "coordinator": 200,
    "volunteer": 200,
    "unsigned_volunteer": 403,
    "other_coordinator": 404,
}
CANCEL = {**CARD, "admin": 302, "referrer": 302, "coordinator": 302, "volunteer": 302}

ACCESS = [
    ("booking:slot_search", "sheet", "get", SEARCH),
    ("booking:book", "sheet", "post", BOOK),
    ("booking:cancel", "booking", "post", CANCEL),
    ("booking:card_send", "booking", "post", CANCEL),
    ("booking:card", "booking", "get", CARD),
]


@pytest.mark.parametrize("role", ["anonymous", *SEARCH])
@pytest.mark.parametrize(("url_name", "needs", "method", "expected"), ACCESS, ids=[a[0] for a in ACCESS])
def test_access(client, world, role, url_name, needs, method, expected):
    url = reverse(url_name, kwargs=_kwargs(world, needs))
    check_access(client, world["users"].get(role), method, url, expected.get(role))


def test_every_booking_url_is_in_the_access_table():
    assert url_names("booking") == {url_name for url_name, *_rest in ACCESS}


def test_unknown_bookings_and_sheets_are_404(client, world):
    client.force_login(world["users"]["admin"])
    assert client.get(reverse("booking:card", args=[999999999])).status_code == 404
    assert client.post(reverse("booking:cancel", args=[999999999])).status_code == 404
    assert client.get(reverse("booking:slot_search", args=[999999999])).status_code == 404
    assert client.post(reverse("booking:book", args=[999999999])).status_code == 404


def test_a_booking_without_a_liaison_sheet_has_no_card(client, world):
    walk_in = BookingFactory(slot=world["slot"], beneficiary=None, channel=BookingChannel.WALK_IN)
    client.force_login(world["users"]["coordinator"])
    assert client.get(reverse("booking:card", args=[walk_in.pk])).status_code == 404


def test_booking_pages_refuse_other_methods(client, world):
    client.force_login(world["users"]["referrer"])
    assert client.get(reverse("booking:book", args=[world["sheet"].pk])).status_code == 405
    assert client.get(reverse("booking:cancel", args=[world["booking"].pk])).status_code == 405
    assert client.post(reverse("booking:card", args=[world["booking"].pk])).status_code == 405


def test_booking_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, django_capture_on_commit_callbacks, mailoutbox
):
    sheet = LiaisonSheetFactory()
    slot = _slot()
    BookingFactory(slot=slot)
    client.force_login(sheet.referrer)
    # Session, user, charter, sheet, slot with its antenna; the sheet locked first with its
    # person and referrer, then the booking (slot lock; in one query the date's status read
    # again, the seats taken and whether the person is already there; insert); the sheet's move
    # (update, event: the sheet is already locked and read); each transaction's savepoint and
    # release; the access log (the user's roles, the record); the e-mail task reads its event.
    # A date ahead leaves no mark on the figures' totals.
    with django_assert_num_queries(21), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("booking:book", args=[sheet.pk]), {"slot": slot.pk})
    assert response.status_code == 302
    assert Booking.objects.filter(liaison_sheet=sheet).exists()
    assert len(mailoutbox) == 1
