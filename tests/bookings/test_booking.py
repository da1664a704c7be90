"""booking_create: the only way to hold a seat, and never more bookings than seats, even at once."""

import datetime
import threading
import time

import pytest
from django.db import transaction
from django.utils import timezone

from sessions_app.bookings import services as bookings_services
from sessions_app.bookings.enums import BookingChannel, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.bookings.services import BookingRefused, booking_create
from sessions_app.planning import services as planning_services
from sessions_app.scheduling.models import Slot
from tests.bookings.factories import BookingFactory
from tests.concurrency import at_once
from tests.core.factories import AntennaFactory, UserFactory
from tests.people.factories import BeneficiaryFactory
from tests.scheduling.factories import occurrence_today

THREADS = 8


def _slot(seats: int = 1) -> Slot:
    """A one-hour slot next week, so that it is not over whatever the time of the run."""
    occurrence = occurrence_today(
        antenna=AntennaFactory(), day=timezone.localdate() + datetime.timedelta(days=7), start=9, end=10, seats=seats
    )
    return occurrence.slots.get()


def test_booking_holds_a_seat():
    slot = _slot(seats=2)
    person = BeneficiaryFactory()
    booking = booking_create(slot=slot, beneficiary=person, channel=BookingChannel.REFERRAL, by=None)
    assert (booking.slot, booking.beneficiary, booking.status) == (slot, person, BookingStatus.ACTIVE)


def test_booking_refused_when_slot_full():
    slot = _slot(seats=1)
    BookingFactory(slot=slot, beneficiary=BeneficiaryFactory())
    with pytest.raises(BookingRefused):
        booking_create(slot=slot, beneficiary=BeneficiaryFactory(), channel=BookingChannel.PHONE, by=None)
    assert slot.bookings.count() == 1


def test_a_cancelled_booking_frees_its_seat():
    slot = _slot(seats=1)
    BookingFactory(slot=slot, beneficiary=BeneficiaryFactory(), status=BookingStatus.CANCELLED)
    booking_create(slot=slot, beneficiary=None, channel=BookingChannel.WALK_IN, by=None)
    assert slot.bookings.active().count() == 1


def test_booking_refused_on_a_cancelled_date():
    slot = _slot(seats=2)
    planning_services.occurrence_cancel(occurrence=slot.occurrence, reason="Grève", by=None)
    with pytest.raises(BookingRefused):
        booking_create(slot=slot, beneficiary=BeneficiaryFactory(), channel=BookingChannel.REFERRAL, by=None)
    assert not slot.bookings.exists()


def test_booking_refused_for_the_same_person_twice():
    slot = _slot(seats=3)
    person = BeneficiaryFactory()
    booking_create(slot=slot, beneficiary=person, channel=BookingChannel.REFERRAL, by=None)
    with pytest.raises(BookingRefused):
        booking_create(slot=slot, beneficiary=person, channel=BookingChannel.PHONE, by=None)
    assert slot.bookings.count() == 1


def test_booking_refused_when_the_slot_is_over_unless_the_person_is_there():
    occurrence = occurrence_today(day=timezone.localdate() - datetime.timedelta(days=1))
    slot = occurrence.slots.first()
    with pytest.raises(BookingRefused):
        booking_create(slot=slot, beneficiary=None, channel=BookingChannel.PHONE, by=None)
    booking = booking_create(slot=slot, beneficiary=None, channel=BookingChannel.WALK_IN, by=None, attended=True)
    assert booking.checked_in_at is not None


def test_a_booking_in_a_longer_transaction_is_undone_with_it():
    """The seat joins the caller's transaction: what goes with it commits with it or not at all."""
    slot = _slot(seats=1)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        booking_create(slot=slot, beneficiary=None, channel=BookingChannel.PHONE, by=None)
        1 / 0  # noqa: B018 - whatever fails after the seat was taken
    assert not slot.bookings.exists()


# Concurrency: these tests need committed rows that other connections can see, so they run
# outside the test transaction and the database is emptied after each of them.


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored")
def test_the_seat_lock_refuses_to_run_outside_a_transaction():
    """Outside a transaction the lock would be released as soon as it is taken."""
    slot = _slot(seats=1)
    with pytest.raises(RuntimeError):
        bookings_services.slot_lock(slot=slot)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored")
def test_only_one_of_many_simultaneous_requests_gets_the_last_seat():
    slot = _slot(seats=1)
    people = [BeneficiaryFactory() for _index in range(THREADS)]

    def book(person):
        return booking_create(slot=slot, beneficiary=person, channel=BookingChannel.REFERRAL, by=None)

    results = at_once(book, people)

    assert sum(isinstance(result, Booking) for result in results) == 1
    assert sum(isinstance(result, BookingRefused) for result in results) == THREADS - 1
    assert Booking.objects.filter(slot=slot, status=BookingStatus.ACTIVE).count() == 1


def _book_without_the_lock(slot_pk: int, person) -> Booking | None:
    """booking_create's count-then-insert without locking the slot: what the lock prevents."""
    with transaction.atomic():
        slot = Slot.objects.get(pk=slot_pk)
        taken = Booking.objects.filter(slot=slot, status=BookingStatus.ACTIVE).count()
        # Leave the other requests time to count before anyone inserts.
        time.sleep(0.2)
        if taken >= slot.seats:
            return None
        return Booking.objects.create(slot=slot, beneficiary=person, channel=BookingChannel.REFERRAL)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored")
def test_without_the_lock_simultaneous_requests_overbook_the_slot():
    slot = _slot(seats=1)
    people = [BeneficiaryFactory() for _index in range(THREADS)]

    results = at_once(lambda person: _book_without_the_lock(slot.pk, person), people)

    assert not any(isinstance(result, Exception) for result in results)
    assert Booking.objects.filter(slot=slot, status=BookingStatus.ACTIVE).count() > slot.seats


def _book_while_the_date_is_cancelled(slot) -> list:
    """A booking holds its slot's lock while the antenna cancels the date: the cancellation
    waits for it and cancels it too, or, without the lock, misses it."""
    booked = threading.Event()

    def book():
        with transaction.atomic():
            booking_create(slot=slot, beneficiary=BeneficiaryFactory(), channel=BookingChannel.PHONE, by=None)
            booked.set()
            # Still uncommitted: the cancellation starts now and must wait for this seat.
            time.sleep(0.5)

    def cancel():
        booked.wait(timeout=10)
        return planning_services.occurrence_cancel(occurrence=slot.occurrence, reason="Panne", by=UserFactory())

    return at_once(lambda work: work(), [book, cancel])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored")
def test_a_date_cancelled_while_a_seat_is_being_taken_cancels_that_seat_too():
    slot = _slot(seats=2)
    assert _book_while_the_date_is_cancelled(slot)[1] == 1
    assert not slot.bookings.active().exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored")
def test_without_the_lock_a_date_cancelled_keeps_a_seat_taken_at_that_moment(monkeypatch):
    """The control: the race above is real when the cancellation skips the slots' lock."""
    lock = bookings_services.slots_lock
    monkeypatch.setattr(bookings_services, "slot_lock", lambda *, slot: lock(slot_ids=[slot.pk])[0])
    monkeypatch.setattr(bookings_services, "slots_lock", lambda *, slot_ids: [])
    slot = _slot(seats=2)
    _book_while_the_date_is_cancelled(slot)
    assert slot.bookings.active().count() == 1


def _book_while_the_date_is_being_cancelled(slot) -> list:
    """The antenna cancels the date, holding its slots' lock until it commits, while a seat is
    asked for: the booking waits for the lock, then finds the date cancelled."""
    cancelled = threading.Event()

    def cancel():
        with transaction.atomic():
            planning_services.occurrence_cancel(occurrence=slot.occurrence, reason="Panne", by=UserFactory())
            cancelled.set()
            # Still uncommitted: the booking starts now and must wait for the cancellation.
            time.sleep(0.5)

    def book():
        person = BeneficiaryFactory()
        cancelled.wait(timeout=10)
        return booking_create(slot=slot, beneficiary=person, channel=BookingChannel.PHONE, by=None)

    return at_once(lambda work: work(), [cancel, book])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored")
def test_a_seat_asked_for_while_the_date_is_being_cancelled_is_refused():
    slot = _slot(seats=2)
    results = _book_while_the_date_is_being_cancelled(slot)
    assert isinstance(results[1], BookingRefused), results
    assert not slot.bookings.active().exists()


def test_a_slot_removed_meanwhile_is_refused_not_an_error():
    slot = _slot(seats=2)
    Slot.objects.filter(pk=slot.pk).delete()
    with pytest.raises(BookingRefused, match="Ce créneau n’existe plus"):
        booking_create(slot=slot, beneficiary=BeneficiaryFactory(), channel=BookingChannel.PHONE, by=None)
