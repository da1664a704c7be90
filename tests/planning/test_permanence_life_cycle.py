"""A permanence no longer run: deleted when nothing was ever booked or logged on it, else
archived (out of the schedule, the month, the public pages and the slot search) and un-archived;
and a cancelled date restored while it is not over."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from sessions_app.bookings.enums import BookingChannel, BookingStatus
from sessions_app.bookings.models import AppointmentChange, Booking
from sessions_app.bookings.selectors import free_slots
from sessions_app.bookings.services import booking_create, slots_lock
from sessions_app.planning import services
from sessions_app.planning.generation import occurrences_generate
from sessions_app.reminders.models import ReminderMessage
from sessions_app.scheduling.enums import OccurrenceStatus, Weekday
from sessions_app.scheduling.models import Closure, Occurrence, Permanence
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import ClosureFactory, PermanenceFactory
from tests.team.factories import SignupFactory, VolunteerProfileFactory

TODAY = timezone.localdate()


@pytest.fixture
def antenna():
    return AntennaFactory(name="La Blancarde", workstations=2)


@pytest.fixture
def coordinator(antenna):
    return UserFactory(coordinator=True, membership__antenna=antenna, display_name="Monique Roux")


@pytest.fixture
def permanence(antenna):
    """Every Tuesday 9:00–10:00, its dates generated over four weeks from today."""
    permanence = PermanenceFactory(antenna=antenna, title="Fracture numérique", valid_from=TODAY)
    occurrences_generate(permanences=[permanence], weeks=4)
    return permanence


def _ahead(permanence) -> list[Occurrence]:
    """Its dates from tomorrow on: ahead whatever the time of the run."""
    return list(permanence.occurrences.filter(date__gt=TODAY).order_by("starts_at"))


def _past_date(permanence) -> Occurrence:
    day = TODAY - datetime.timedelta(days=(TODAY.weekday() - Weekday.TUESDAY) % 7 or 7)
    return services.occurrence_add(permanence=permanence, day=day, start=datetime.time(9), end=datetime.time(10))


# Deleting


def test_a_permanence_never_used_is_deleted_after_its_confirmation_page(client, coordinator, permanence, antenna):
    ClosureFactory(antenna=antenna, permanence=permanence)
    SignupFactory(occurrence=_ahead(permanence)[0])
    client.force_login(coordinator)
    url = reverse("schedule:permanence_delete", args=[permanence.pk])

    response = client.get(url)
    assertContains(response, "Supprimer cette permanence")
    assertContains(response, "C'est définitif")
    assert Permanence.objects.filter(pk=permanence.pk).exists()

    response = client.post(url, {"submission_key": response.context["form"]["submission_key"].value()})

    assertRedirects(response, reverse("schedule:permanence_list", args=[antenna.pk]))
    assert not Permanence.objects.filter(pk=permanence.pk).exists()
    assert not Occurrence.objects.filter(permanence_id=permanence.pk).exists()
    assert not Closure.objects.filter(permanence_id=permanence.pk).exists()


def test_the_deletion_sent_twice_deletes_once_and_answers_as_the_first(client, coordinator, permanence, antenna):
    client.force_login(coordinator)
    url = reverse("schedule:permanence_delete", args=[permanence.pk])
    data = {"submission_key": client.get(url).context["form"]["submission_key"].value()}
    client.post(url, data)

    response = client.post(url, data, follow=True)

    assertRedirects(response, reverse("schedule:permanence_list", args=[antenna.pk]))
    assertContains(response, "Ce formulaire avait déjà été envoyé")


@pytest.mark.parametrize("history", ["cancelled booking", "session log"])
def test_a_permanence_with_a_booking_or_a_session_ever_cannot_be_deleted(client, coordinator, permanence, history):
    occurrence = _ahead(permanence)[0]
    if history == "cancelled booking":
        BookingFactory(slot=occurrence.slots.get(), status=BookingStatus.CANCELLED)
    else:
        SessionLogFactory(antenna=permanence.antenna, occurrence=occurrence, date=occurrence.date)
    client.force_login(coordinator)
    url = reverse("schedule:permanence_delete", args=[permanence.pk])

    response = client.get(url)
    assertNotContains(response, "Supprimer cette permanence")
    assertContains(response, "Archiver cette permanence")

    response = client.post(url, follow=True)

    assertContains(response, "archivez-la au lieu de la supprimer")
    assert Permanence.objects.filter(pk=permanence.pk).exists()
    with pytest.raises(services.PermanenceInUse):
        services.permanence_delete(permanence=permanence)


# Archiving


def test_archiving_is_refused_while_dates_ahead_hold_bookings_and_lists_them(client, coordinator, permanence):
    first, second, *rest = _ahead(permanence)
    BookingFactory(slot=second.slots.get())
    client.force_login(coordinator)

    response = client.post(reverse("schedule:permanence_archive", args=[permanence.pk]), follow=True)

    assertContains(response, "Cette date a encore des rendez-vous")
    assertContains(response, second.local_starts_at.strftime("%Y").lstrip("0"))
    # The page it comes back to links to the date's cancellation, which tells the people booked.
    assertContains(response, reverse("schedule:occurrence_cancel", args=[second.pk]))
    assertNotContains(response, reverse("schedule:occurrence_cancel", args=[first.pk]))
    permanence.refresh_from_db()
    assert not permanence.is_archived
    assert permanence.occurrences.filter(pk=first.pk).exists()


def test_archiving_removes_the_free_dates_ahead_and_keeps_the_history(client, coordinator, permanence):
    past = _past_date(permanence)
    BookingFactory(slot=past.slots.get())
    free, once_booked, *rest = _ahead(permanence)
    cancelled_booking = BookingFactory(slot=once_booked.slots.get(), status=BookingStatus.CANCELLED)
    client.force_login(coordinator)

    response = client.post(reverse("schedule:permanence_archive", args=[permanence.pk]), follow=True)

    assertContains(response, "est archivée")
    permanence.refresh_from_db()
    assert permanence.is_archived and not permanence.is_active
    assert not Occurrence.objects.filter(pk__in=[free.pk, *[date.pk for date in rest]]).exists()
    once_booked.refresh_from_db()
    assert (once_booked.status, once_booked.rule_date) == (OccurrenceStatus.CANCELLED, None)
    assert once_booked.cancel_reason == "La permanence a été archivée"
    assert Booking.objects.filter(pk=cancelled_booking.pk).exists()
    assert Occurrence.objects.filter(pk=past.pk, status=OccurrenceStatus.SCHEDULED).exists()
    # It generates no date any more.
    assert occurrences_generate(permanences=[permanence], weeks=8).created == 0


def test_archiving_twice_is_harmless(client, coordinator, permanence):
    client.force_login(coordinator)
    url = reverse("schedule:permanence_archive", args=[permanence.pk])
    client.post(url)
    archived_at = Permanence.objects.get(pk=permanence.pk).archived_at

    response = client.post(url, follow=True)

    assertContains(response, "Cette permanence est déjà archivée")
    assert Permanence.objects.get(pk=permanence.pk).archived_at == archived_at
    assert services.permanence_archive(permanence=permanence, by=None) == 0


def test_an_archived_permanence_leaves_the_list_for_the_archived_one_and_comes_back(client, coordinator, permanence):
    services.permanence_archive(permanence=permanence, by=coordinator)
    client.force_login(coordinator)
    list_url = reverse("schedule:permanence_list", args=[permanence.antenna_id])

    response = client.get(list_url)
    assertNotContains(response, "Fracture numérique")
    assertContains(response, "1 permanence archivée")
    response = client.get(list_url, {"archivees": "1"})
    assertContains(response, "Fracture numérique")
    assertContains(response, reverse("schedule:permanence_unarchive", args=[permanence.pk]))
    # Never used: it may still be deleted from there.
    assertContains(response, reverse("schedule:permanence_delete", args=[permanence.pk]))

    response = client.post(reverse("schedule:permanence_unarchive", args=[permanence.pk]), follow=True)

    assertContains(response, "est de retour parmi les permanences en cours, suspendue")
    permanence.refresh_from_db()
    assert not permanence.is_archived and not permanence.is_active
    # Resuming it gives its dates again.
    client.post(reverse("schedule:permanence_toggle", args=[permanence.pk]))
    assert Permanence.objects.get(pk=permanence.pk).occurrences.filter(date__gt=TODAY).exists()


def test_un_archiving_is_refused_when_a_current_permanence_now_gives_the_same_dates(client, coordinator, permanence):
    services.permanence_archive(permanence=permanence, by=coordinator)
    PermanenceFactory(antenna=permanence.antenna, title="La nouvelle", valid_from=TODAY)
    client.force_login(coordinator)

    response = client.post(reverse("schedule:permanence_unarchive", args=[permanence.pk]), follow=True)

    assertContains(response, "La permanence « La nouvelle »")
    assert Permanence.objects.get(pk=permanence.pk).is_archived


def test_an_archived_permanence_is_neither_edited_nor_suspended_nor_offered_by_the_forms(
    client, coordinator, permanence
):
    services.permanence_archive(permanence=permanence, by=coordinator)
    client.force_login(coordinator)
    archived_list = f"{reverse('schedule:permanence_list', args=[permanence.antenna_id])}?archivees=1"

    for url in (reverse("schedule:permanence_update", args=[permanence.pk]),):
        assertRedirects(client.get(url), archived_list)
    assertRedirects(client.post(reverse("schedule:permanence_toggle", args=[permanence.pk])), archived_list)
    assert Permanence.objects.get(pk=permanence.pk).is_archived
    for form_url in ("schedule:occurrence_add", "schedule:closure_list"):
        response = client.get(reverse(form_url, args=[permanence.antenna_id]))
        assert permanence not in response.context["form"].fields["permanence"].queryset


def test_an_archived_permanence_leaves_the_month_the_public_pages_and_the_slot_search(client, coordinator, permanence):
    antenna = permanence.antenna
    past = _past_date(permanence)
    once_booked = _ahead(permanence)[0]
    BookingFactory(slot=once_booked.slots.get(), status=BookingStatus.CANCELLED)
    ClosureFactory(antenna=antenna, permanence=permanence, reason="Travaux de la salle")
    pages = [
        reverse("schedule:month_of", args=[antenna.pk, past.date.year, past.date.month]),
        reverse("schedule:month_of", args=[antenna.pk, once_booked.date.year, once_booked.date.month]),
        reverse("public:antenna_detail", args=[antenna.pk]),
        reverse("public:antenna_calendar", args=[antenna.pk]),
        reverse("public:antenna_list"),
    ]
    client.force_login(coordinator)
    for url in pages:
        assertContains(client.get(url), "Fracture numérique", msg_prefix=url)
    assert free_slots(date_from=TODAY, date_to=TODAY + datetime.timedelta(weeks=4))

    services.permanence_archive(permanence=permanence, by=coordinator)

    for url in pages:
        assertNotContains(client.get(url), "Fracture numérique", msg_prefix=url)
    assertNotContains(client.get(reverse("public:antenna_detail", args=[antenna.pk])), "Travaux de la salle")
    assert not free_slots(date_from=TODAY, date_to=TODAY + datetime.timedelta(weeks=4))


def test_deleting_and_archiving_belong_to_the_antennas_coordinators(client, permanence):
    other_coordinator = UserFactory(coordinator=True, membership__antenna=AntennaFactory())
    volunteer = UserFactory(volunteer=True, membership__antenna=permanence.antenna)
    occurrence = _ahead(permanence)[0]
    services.occurrence_cancel(occurrence=occurrence, reason="Grève", by=other_coordinator)
    posts = [
        ("schedule:permanence_delete", permanence.pk),
        ("schedule:permanence_archive", permanence.pk),
        ("schedule:permanence_unarchive", permanence.pk),
        ("schedule:occurrence_restore", occurrence.pk),
    ]
    for user, status in ((other_coordinator, 404), (volunteer, 403)):
        client.force_login(user)
        for name, pk in posts:
            assert client.post(reverse(name, args=[pk])).status_code == status, (user, name)
    permanence.refresh_from_db()
    assert not permanence.is_archived
    assert Occurrence.objects.get(pk=occurrence.pk).is_cancelled


# The list pages: a fixed number of queries, however many permanences.


def _grow(antenna, count):
    for _index in range(count):
        permanence = PermanenceFactory(antenna=antenna, valid_from=TODAY, weekday=Weekday.FRIDAY)
        occurrences_generate(permanences=[permanence], weeks=3)
        BookingFactory(slot=permanence.occurrences.first().slots.first())
        archived = PermanenceFactory(antenna=antenna, valid_from=TODAY, weekday=Weekday.MONDAY)
        SessionLogFactory(antenna=antenna, occurrence=_past_date(archived), date=TODAY)
        services.permanence_archive(permanence=archived, by=None)


@pytest.mark.parametrize(("query", "queries"), [({}, 8), ({"archivees": "1"}, 6)])
def test_the_permanence_lists_run_a_fixed_number_of_queries(
    client, coordinator, antenna, django_assert_num_queries, query, queries
):
    client.force_login(coordinator)
    url = reverse("schedule:permanence_list", args=[antenna.pk])
    _grow(antenna, 1)
    with django_assert_num_queries(queries):
        assert client.get(url, query).status_code == 200
    _grow(antenna, 3)
    with django_assert_num_queries(queries):
        response = client.get(url, query)
    assert len(response.context["permanences"]) == 3 + 1


# Restoring a cancelled date


@pytest.fixture
def referred(permanence):
    """A date ahead with a referred person booked (and their referrer), then cancelled."""
    occurrence = _ahead(permanence)[0]
    referrer = UserFactory(referrer=True, display_name="Sophie Laurent")
    person = BeneficiaryFactory(first_name="Amina", last_name="Haddad")
    sheet = LiaisonSheetFactory(referrer=referrer, beneficiary=person)
    booking = booking_create(
        slot=occurrence.slots.get(),
        beneficiary=person,
        channel=BookingChannel.REFERRAL,
        by=referrer,
        liaison_sheet=sheet,
    )
    return {"occurrence": occurrence, "booking": booking, "person": person}


def test_a_cancelled_date_is_restored_bookable_and_nobody_is_booked_again_nor_told(client, coordinator, referred):
    VolunteerProfileFactory(user=coordinator)  # the charter signed: the people are named
    occurrence = referred["occurrence"]
    earlier = BookingFactory(slot=occurrence.slots.get(), beneficiary=BeneficiaryFactory(first_name="Yves"))
    Booking.objects.filter(pk=earlier.pk).update(status=BookingStatus.CANCELLED)
    services.occurrence_cancel(occurrence=occurrence, reason="Grève", by=coordinator)
    changes, messages = AppointmentChange.objects.count(), ReminderMessage.objects.count()
    client.force_login(coordinator)
    url = reverse("schedule:occurrence_restore", args=[occurrence.pk])

    response = client.get(url)

    assertContains(response, "Amina Haddad")
    assertContains(response, "orienté·e par Sophie Laurent")
    assertContains(response, "personne n'est réinscrit automatiquement")
    assertContains(response, "Aucun message n'est envoyé")
    # Cancelled on its own before the date was: not among those cancelled with it.
    assertNotContains(response, "Yves")

    response = client.post(url, follow=True)

    assertContains(response, "La date est de nouveau prévue")
    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.SCHEDULED
    assert (occurrence.cancel_reason, occurrence.cancelled_at, occurrence.is_detached) == ("", None, True)
    referred["booking"].refresh_from_db()
    assert referred["booking"].status == BookingStatus.CANCELLED
    assert (AppointmentChange.objects.count(), ReminderMessage.objects.count()) == (changes, messages)
    booking = booking_create(
        slot=occurrence.slots.get(), beneficiary=referred["person"], channel=BookingChannel.REFERRAL, by=coordinator
    )
    assert booking.status == BookingStatus.ACTIVE
    # The series leaves a restored date alone.
    occurrences_generate(permanences=[occurrence.permanence], weeks=4)
    assert Occurrence.objects.get(pk=occurrence.pk).status == OccurrenceStatus.SCHEDULED


def test_the_people_are_not_named_to_whoever_has_not_signed_the_charter(client, coordinator, referred):
    services.occurrence_cancel(occurrence=referred["occurrence"], reason="Grève", by=coordinator)
    client.force_login(coordinator)

    response = client.get(reverse("schedule:occurrence_restore", args=[referred["occurrence"].pk]))

    assertContains(response, "Personne inscrite n° 1")
    assertNotContains(response, "Haddad")


def test_a_date_whose_day_has_passed_is_not_restored(client, coordinator, permanence):
    past = _past_date(permanence)
    services.occurrence_cancel(occurrence=past, reason="Grève", by=coordinator)
    client.force_login(coordinator)

    response = client.get(reverse("schedule:occurrence_restore", args=[past.pk]), follow=True)

    assertContains(response, "Cette date est passée")
    assertNotContains(response, reverse("schedule:occurrence_restore", args=[past.pk]))
    with pytest.raises(services.RestoreRefused):
        services.occurrence_restore(occurrence=past)
    assert Occurrence.objects.get(pk=past.pk).is_cancelled


def test_the_month_offers_to_restore_a_cancelled_date_ahead(client, coordinator, permanence):
    occurrence = _ahead(permanence)[0]
    client.force_login(coordinator)
    month = reverse("schedule:month_of", args=[permanence.antenna_id, occurrence.date.year, occurrence.date.month])
    link = reverse("schedule:occurrence_restore", args=[occurrence.pk])
    assertNotContains(client.get(month), link)
    services.occurrence_cancel(occurrence=occurrence, reason="Grève", by=coordinator)
    assertContains(client.get(month), link)


def test_restoring_is_refused_when_the_permanence_is_archived_or_the_time_is_taken(coordinator, permanence):
    first, second, *_rest = _ahead(permanence)
    services.occurrence_cancel(occurrence=first, reason="Grève", by=coordinator)
    services.occurrence_add(permanence=permanence, day=first.date, start=datetime.time(9, 30), end=datetime.time(11))
    with pytest.raises(services.RestoreRefused, match="a déjà une date à ce moment-là"):
        services.occurrence_restore(occurrence=first)

    # Its booking cancelled with it, the date stays when the permanence is archived.
    BookingFactory(slot=second.slots.get())
    services.occurrence_cancel(occurrence=second, reason="Grève", by=coordinator)
    services.permanence_archive(permanence=permanence, by=coordinator)
    with pytest.raises(services.RestoreRefused, match="archivée"):
        services.occurrence_restore(occurrence=second)


def test_restoring_twice_is_harmless(client, coordinator, permanence):
    occurrence = _ahead(permanence)[0]
    services.occurrence_cancel(occurrence=occurrence, reason="Grève", by=coordinator)
    client.force_login(coordinator)
    url = reverse("schedule:occurrence_restore", args=[occurrence.pk])
    client.post(url)

    response = client.post(url, follow=True)

    assertContains(response, "Cette date n&#x27;est pas annulée")
    assert services.occurrence_restore(occurrence=occurrence) is False
    assert Occurrence.objects.get(pk=occurrence.pk).status == OccurrenceStatus.SCHEDULED


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored")
def test_restoring_waits_for_the_seat_lock_a_booking_holds():
    """A restore takes its slots' seat lock, as the date's cancellation does: while a booking of
    one of its slots holds the lock, the restore waits for it."""
    permanence = PermanenceFactory(antenna=AntennaFactory(), valid_from=TODAY)
    occurrences_generate(permanences=[permanence], weeks=4)
    occurrence = _ahead(permanence)[0]
    services.occurrence_cancel(occurrence=occurrence, reason="Grève", by=UserFactory())
    locked, released = threading.Event(), {}

    def hold_the_lock():
        try:
            with transaction.atomic():
                slots_lock(slot_ids=[occurrence.slots.get().pk])
                locked.set()
                time.sleep(0.5)
                released["at"] = time.monotonic()
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert locked.wait(timeout=10)
    assert services.occurrence_restore(occurrence=occurrence) is True
    restored_at = time.monotonic()
    holder.join(timeout=10)

    assert restored_at >= released["at"]
    assert Occurrence.objects.get(pk=occurrence.pk).status == OccurrenceStatus.SCHEDULED
