"""Every change to a booked appointment is told, once, after the commit: to the person (SMS,
else e-mail, else a call on the desk's list), to their referrer and, for a date cancelled or
moved, to the volunteers on its rota; each message recorded and shown where it matters."""

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from beneficiaries.people.enums import SheetStatus
from inclusion.core import sms
from inclusion.core.enums import MembershipRole
from inclusion.core.models import Language
from inclusion.core.sms.segments import sms_fold, sms_segments
from sessions_app.bookings.enums import BookingChannel, BookingStatus, ChangeKind
from sessions_app.bookings.models import AppointmentChange
from sessions_app.bookings.services import booking_cancel, person_bookings_cancel
from sessions_app.planning.services import occurrence_cancel, occurrence_move
from sessions_app.reminders import notices
from sessions_app.reminders.delivery import reminder_send
from sessions_app.reminders.enums import Audience, ReminderChannel, ReminderKind, ReminderStatus
from sessions_app.reminders.models import InboundSms, ReminderMessage, SmsStop
from sessions_app.reminders.services import reminders_schedule
from sessions_app.reminders.texts import appointment_sms, card_sms, change_sms
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, AntennaMembershipFactory, UserFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import SignupFactory, VolunteerProfileFactory


@pytest.fixture(autouse=True)
def smsoutbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def antenna():
    return AntennaFactory(name="La Blancarde", address="12 boulevard de la Blancarde", public_phone="+33465710001")


@pytest.fixture
def occurrence(antenna):
    """A date four days ahead, 9:00–12:00 in three one-hour slots."""
    return occurrence_today(antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=4))


@pytest.fixture
def coordinator(antenna):
    user = UserFactory(coordinator=True, membership__antenna=antenna, email="coordination@example.org")
    VolunteerProfileFactory(user=user)
    return user


@pytest.fixture
def volunteer(occurrence):
    user = UserFactory(email="benevole@example.org", volunteer=True, membership__antenna=occurrence.permanence.antenna)
    SignupFactory(occurrence=occurrence, volunteer=user)
    return user


def _referred(occurrence, *, language=None, referrer_email="referente@example.org", **person):
    """A person referred by a social worker and booked on the date's first slot."""
    person.setdefault("phone", "+33465710101")
    beneficiary = BeneficiaryFactory(first_name="Amina", last_name="Diallo", **person)
    sheet = LiaisonSheetFactory(beneficiary=beneficiary, status=SheetStatus.BOOKED)
    if referrer_email:
        sheet.referrer.email = referrer_email
        sheet.referrer.save(update_fields=["email"])
    if language:
        sheet.language = Language.objects.get(code=language)
        sheet.save(update_fields=["language"])
    slot = occurrence.slots.order_by("starts_at").first()
    return BookingFactory(slot=slot, beneficiary=beneficiary, liaison_sheet=sheet, channel=BookingChannel.REFERRAL)


def _sent(audience):
    return ReminderMessage.objects.filter(audience=audience).order_by("pk")


def test_a_cancelled_date_is_told_to_the_person_the_referrer_and_the_rota(
    occurrence, coordinator, volunteer, smsoutbox, mailoutbox, django_capture_on_commit_callbacks
):
    booking = _referred(occurrence)
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_cancel(occurrence=occurrence, reason="Local inondé", by=coordinator)

    person = _sent(Audience.PERSON).get()
    assert (person.kind, person.channel, person.status) == (
        ReminderKind.DATE_CANCELLED,
        ReminderChannel.SMS,
        ReminderStatus.SENT,
    )
    assert [(message.to, message.body) for message in smsoutbox] == [("+33465710101", person.body)]
    assert "annulé" in person.body and "09:00" in person.body and "La Blancarde" in person.body
    assert person.segments <= 2

    emails = {email.to[0]: email for email in mailoutbox}
    assert set(emails) == {"referente@example.org", "benevole@example.org"}
    referrer_email = emails["referente@example.org"]
    assert "Amina D." in referrer_email.subject
    assert "Local inondé" in referrer_email.body
    assert reverse("beneficiaries:sheet_detail", args=[booking.liaison_sheet_id]) in referrer_email.body
    assert "annulé" in emails["benevole@example.org"].subject.lower()
    assert "Local inondé" in emails["benevole@example.org"].body
    # The coordinator who cancelled is not written to about their own change.
    assert not ReminderMessage.objects.filter(recipient_user=coordinator).exists()
    assert set(ReminderMessage.objects.values_list("audience", "status")) == {
        (Audience.PERSON, ReminderStatus.SENT),
        (Audience.REFERRER, ReminderStatus.SENT),
        (Audience.VOLUNTEER, ReminderStatus.SENT),
    }
    assert not AppointmentChange.objects.filter(announced_at__isnull=True).exists()


def test_a_moved_date_tells_the_new_time_and_the_old_day(
    occurrence, coordinator, volunteer, smsoutbox, mailoutbox, django_capture_on_commit_callbacks
):
    _referred(occurrence)
    new_day = occurrence.date + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        told = occurrence_move(occurrence=occurrence, day=new_day, start=datetime.time(14), by=coordinator)
    assert told == 1
    [text] = smsoutbox
    assert "14:00" in text.body and "déplacé" in text.body
    assert str(new_day.day) in text.body and str(occurrence.date.day) in text.body
    emails = {email.to[0]: email for email in mailoutbox}
    assert set(emails) == {"referente@example.org", "benevole@example.org"}
    assert "14:00" in emails["referente@example.org"].subject
    assert "14:00" in emails["benevole@example.org"].body
    assert set(ReminderMessage.objects.values_list("kind", flat=True)) == {ReminderKind.DATE_MOVED}


def test_a_date_moved_with_nobody_booked_still_tells_its_rota(
    occurrence, coordinator, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_move(occurrence=occurrence, day=occurrence.date, start=datetime.time(15), by=coordinator)
    assert [email.to for email in mailoutbox] == [["benevole@example.org"]]


def test_a_booking_cancelled_by_its_referrer_is_told_to_the_person_only(
    client, occurrence, volunteer, smsoutbox, mailoutbox, django_capture_on_commit_callbacks
):
    booking = _referred(occurrence)
    client.force_login(booking.liaison_sheet.referrer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("booking:cancel", args=[booking.pk]), {"reason": "Déménagement"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert [message.to for message in smsoutbox] == ["+33465710101"]
    assert "annulé" in smsoutbox[0].body
    # The referrer made the change; a single cancellation does not concern the rota.
    assert mailoutbox == []
    assert list(ReminderMessage.objects.values_list("audience", "kind")) == [
        (Audience.PERSON, ReminderKind.BOOKING_CANCELLED)
    ]


def test_a_booking_cancelled_by_the_antenna_is_told_to_the_referrer_too(
    client, occurrence, coordinator, smsoutbox, mailoutbox, django_capture_on_commit_callbacks
):
    booking = _referred(occurrence)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("booking:cancel", args=[booking.pk]), {"reason": "Bénévole absent"})
    assert len(smsoutbox) == 1
    [email] = mailoutbox
    assert email.to == ["referente@example.org"]
    assert "Bénévole absent" in email.body
    assert "à réserver" in email.body


def test_a_referral_withdrawn_tells_the_person(client, occurrence, smsoutbox, django_capture_on_commit_callbacks):
    booking = _referred(occurrence)
    client.force_login(booking.liaison_sheet.referrer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("beneficiaries:sheet_action", args=[booking.liaison_sheet_id]),
            {"action": "cancel", "note": "La personne a trouvé de l'aide ailleurs"},
        )
    assert [message.to for message in smsoutbox] == ["+33465710101"]


def test_a_person_without_phone_is_written_to_by_e_mail_in_their_language(
    occurrence, coordinator, mailoutbox, smsoutbox, django_capture_on_commit_callbacks
):
    _referred(occurrence, language="es", phone="", has_no_phone=True, email="amina@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_cancel(occurrence=occurrence, reason="Panne", by=coordinator)
    assert smsoutbox == []
    person = _sent(Audience.PERSON).get()
    assert (person.channel, person.language) == (ReminderChannel.EMAIL, "es")
    email = next(email for email in mailoutbox if email.to == ["amina@example.org"])
    assert "cancelad" in email.subject.lower()


def test_a_person_in_arabic_gets_a_text_within_two_segments(
    occurrence, coordinator, smsoutbox, django_capture_on_commit_callbacks
):
    antenna = occurrence.permanence.antenna
    antenna.name = "Maison des associations et de la solidarité du quartier"
    antenna.address = "12 boulevard de la Blancarde, bâtiment B, 2e étage"
    antenna.save()
    _referred(occurrence, language="ar")
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_move(occurrence=occurrence, day=occurrence.date, start=datetime.time(14), by=coordinator)
    [text] = smsoutbox
    counted = sms_segments(text.body)
    assert counted.encoding == "UCS-2"
    assert counted.segments <= 2
    assert "14:00" in text.body


def test_a_number_that_answered_stop_is_written_to_by_e_mail(
    occurrence, coordinator, smsoutbox, mailoutbox, django_capture_on_commit_callbacks
):
    SmsStop.objects.create(address="+33465710101")
    _referred(occurrence, email="amina@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_cancel(occurrence=occurrence, reason="Panne", by=coordinator)
    assert smsoutbox == []
    assert _sent(Audience.PERSON).get().channel == ReminderChannel.EMAIL


def test_a_person_reached_by_nothing_waits_on_the_desk_until_called(
    client, occurrence, coordinator, smsoutbox, django_capture_on_commit_callbacks
):
    booking = _referred(occurrence, phone="", has_no_phone=True)
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_move(occurrence=occurrence, day=occurrence.date, start=datetime.time(14), by=coordinator)
    call = _sent(Audience.PERSON).get()
    assert (call.channel, call.status) == (ReminderChannel.CALL, ReminderStatus.QUEUED)
    assert "14:00" in call.body
    assert smsoutbox == []

    client.force_login(coordinator)
    desk = reverse("desk:today", args=[occurrence.permanence.antenna_id])
    response = client.get(desk)
    assertContains(response, "1 personne à appeler")
    assertContains(response, str(booking.beneficiary))
    # A second click, or a colleague's at the same time, changes nothing more.
    assert client.post(reverse("desk:call_done", args=[call.pk])).status_code == 302
    client.post(reverse("desk:call_done", args=[call.pk]))
    call.refresh_from_db()
    assert (call.status, call.handled_by) == (ReminderStatus.SENT, coordinator)
    assertNotContains(client.get(desk), "à appeler")
    # The reminders' runs never hand a call to the SMS provider.
    reminders_schedule()
    assert smsoutbox == []


def test_without_the_charter_the_desk_says_how_many_calls_not_who(client, occurrence, coordinator):
    booking = _referred(occurrence, phone="", has_no_phone=True)
    AppointmentChange.objects.create(kind=ChangeKind.DATE_MOVED, occurrence=occurrence, booking=booking)
    notices.changes_announce()
    unsigned = UserFactory(volunteer=True, membership__antenna=occurrence.permanence.antenna)
    client.force_login(unsigned)
    response = client.get(reverse("desk:today", args=[occurrence.permanence.antenna_id]))
    assertContains(response, "1 personne doit être appelée")
    assertNotContains(response, booking.beneficiary.last_name)


def test_the_desk_reads_the_same_queries_whatever_the_calls(
    client, occurrence, coordinator, django_assert_num_queries
):
    client.force_login(coordinator)
    url = reverse("desk:today", args=[occurrence.permanence.antenna_id])

    def calls(count):
        for _index in range(count):
            booking = _referred(occurrence, phone="", has_no_phone=True, referrer_email=None)
            AppointmentChange.objects.create(kind=ChangeKind.DATE_MOVED, occurrence=occurrence, booking=booking)
        notices.changes_announce(enqueue=False)

    calls(1)
    client.get(url)
    with django_assert_num_queries(14):
        client.get(url)
    calls(4)
    with django_assert_num_queries(14):
        response = client.get(url)
    assertContains(response, "5 personnes à appeler")


def test_each_change_is_told_once(
    occurrence, coordinator, volunteer, smsoutbox, mailoutbox, django_capture_on_commit_callbacks
):
    _referred(occurrence)
    # The writer's process died after its commit: nothing was announced.
    occurrence_cancel(occurrence=occurrence, reason="Panne", by=coordinator)
    assert not ReminderMessage.objects.exists()
    # The reminders' run announces it; a second run, and a late announce, add nothing.
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            reminders_schedule()
    assert notices.changes_announce() == []
    assert ReminderMessage.objects.count() == 3
    assert len(smsoutbox) == 1 and len(mailoutbox) == 2


@pytest.mark.django_db(transaction=True)
def test_two_announcers_at_once_write_each_message_once(reference_data_restored):
    antenna = AntennaFactory()
    occurrence = occurrence_today(antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=4))
    bookings = [_referred(occurrence, referrer_email=None) for _index in range(6)]
    # Recorded as the booking core does, not yet announced.
    AppointmentChange.objects.bulk_create(
        AppointmentChange(kind=ChangeKind.DATE_MOVED, occurrence=occurrence, booking=booking) for booking in bookings
    )
    barrier = threading.Barrier(2)
    written: list[list[int]] = []

    def announce():
        try:
            barrier.wait()
            written.append(notices.changes_announce(enqueue=False))
        finally:
            connection.close()

    threads = [threading.Thread(target=announce) for _index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Six people and their six referrers (the date has no rota), each written to once.
    assert sorted(len(ids) for ids in written)[-1] >= 1
    assert sum(len(ids) for ids in written) == 12
    assert ReminderMessage.objects.count() == 12
    assert ReminderMessage.objects.values("change", "recipient_user").distinct().count() == 12


def test_a_move_not_yet_sent_is_dropped_once_the_booking_is_cancelled(
    occurrence, coordinator, smsoutbox, django_capture_on_commit_callbacks
):
    booking = _referred(occurrence)
    occurrence_move(occurrence=occurrence, day=occurrence.date, start=datetime.time(14), by=coordinator)
    notices.changes_announce(enqueue=False)
    booking_cancel(booking=booking, by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_schedule()
    moved = ReminderMessage.objects.get(kind=ReminderKind.DATE_MOVED, audience=Audience.PERSON)
    assert moved.status == ReminderStatus.SKIPPED
    # Only the cancellation reached the person.
    assert [message.body for message in smsoutbox] == [
        ReminderMessage.objects.get(kind=ReminderKind.BOOKING_CANCELLED, audience=Audience.PERSON).body
    ]


def test_a_failed_message_is_tried_again_then_listed_for_the_coordinator(
    client, occurrence, coordinator, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "tests.reminders.test_notices.DownBackend"
    _referred(occurrence)
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_cancel(occurrence=occurrence, reason="Panne", by=coordinator)
    message = _sent(Audience.PERSON).get()
    assert (message.status, message.attempts) == (ReminderStatus.QUEUED, 1)
    for minutes in (20, 60):
        with django_capture_on_commit_callbacks(execute=True):
            reminders_schedule(now=timezone.now() + datetime.timedelta(minutes=minutes))
    message.refresh_from_db()
    assert (message.status, message.attempts) == (ReminderStatus.FAILED, 3)
    client.force_login(coordinator)
    response = client.get(reverse("reminders:reminder_list", args=[occurrence.permanence.antenna_id]))
    assertContains(response, "Date annulée")
    assertContains(response, "Provider down")


class DownBackend(sms.BaseSmsBackend):
    def send(self, message):
        raise sms.SmsTemporaryError("Provider down")


def test_a_person_whose_data_is_erased_is_not_written_to(occurrence, smsoutbox, django_capture_on_commit_callbacks):
    booking = _referred(occurrence)
    with django_capture_on_commit_callbacks(execute=True):
        assert person_bookings_cancel(beneficiary=booking.beneficiary, by=None) == 1
    notices.changes_announce()
    assert smsoutbox == []
    assert not AppointmentChange.objects.exists()


def test_the_sheet_shows_the_changes_and_the_messages(
    client, occurrence, coordinator, django_capture_on_commit_callbacks
):
    booking = _referred(occurrence)
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_move(occurrence=occurrence, day=occurrence.date, start=datetime.time(14), by=coordinator)
    client.force_login(booking.liaison_sheet.referrer)
    response = client.get(reverse("beneficiaries:sheet_detail", args=[booking.liaison_sheet_id]))
    assertContains(response, "Date déplacée")
    assertContains(response, coordinator.display_name)
    # The person's SMS and the referrer's own e-mail, each with its status and address.
    assertContains(response, "à la personne")
    assertContains(response, "04 65 71 01 01")
    assertContains(response, 'text-bg-success">Envoyé<', count=2)


def test_the_sheet_reads_the_same_queries_whatever_its_messages(
    client, occurrence, coordinator, django_assert_num_queries, django_capture_on_commit_callbacks
):
    booking = _referred(occurrence)
    client.force_login(booking.liaison_sheet.referrer)
    url = reverse("beneficiaries:sheet_detail", args=[booking.liaison_sheet_id])
    client.get(url)
    with django_assert_num_queries(QUERIES_SHEET) as before:
        client.get(url)
    for hour in (14, 15, 16):
        with django_capture_on_commit_callbacks(execute=True):
            occurrence_move(occurrence=occurrence, day=occurrence.date, start=datetime.time(hour), by=coordinator)
    with django_assert_num_queries(len(before.captured_queries)):
        client.get(url)
    assert ReminderMessage.objects.count() == 6


QUERIES_SHEET = 14


def test_the_antenna_s_other_coordinators_are_written_to_as_rota_volunteers(
    occurrence, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    other = UserFactory(email="autre@example.org")
    AntennaMembershipFactory(user=other, antenna=occurrence.permanence.antenna, role=MembershipRole.COORDINATOR)
    SignupFactory(occurrence=occurrence, volunteer=other)
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_cancel(occurrence=occurrence, reason="Panne", by=coordinator)
    assert [email.to for email in mailoutbox] == [["autre@example.org"]]


def test_the_same_move_or_cancel_sent_twice_is_told_once(
    occurrence, coordinator, volunteer, smsoutbox, mailoutbox, django_capture_on_commit_callbacks
):
    _referred(occurrence)
    for _twice in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            occurrence_move(occurrence=occurrence, day=occurrence.date, start=datetime.time(14), by=coordinator)
    assert len(smsoutbox) == 1 and len(mailoutbox) == 2
    for _twice in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            occurrence_cancel(occurrence=occurrence, reason="Panne", by=coordinator)
    assert len(smsoutbox) == 2 and len(mailoutbox) == 4
    assert AppointmentChange.objects.count() == 4  # a move and a cancellation, each for the date and the booking


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_cancelling_a_date_at_once_tell_once(reference_data_restored, mailoutbox):
    antenna = AntennaFactory()
    occurrence = occurrence_today(antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=4))
    SignupFactory(occurrence=occurrence, volunteer=UserFactory(email="rota@example.org"))
    _referred(occurrence, referrer_email=None)
    barrier = threading.Barrier(2)
    results = []

    def cancel():
        try:
            barrier.wait()
            results.append(occurrence_cancel(occurrence=occurrence, reason="Panne", by=None))
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel) for _index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]
    assert AppointmentChange.objects.count() == 2
    assert ReminderMessage.objects.filter(audience=Audience.VOLUNTEER).count() == 1
    assert ReminderMessage.objects.filter(audience=Audience.PERSON).count() == 1


def test_a_message_queued_before_a_stop_does_not_leave(occurrence, coordinator, smsoutbox):
    _referred(occurrence)
    occurrence_cancel(occurrence=occurrence, reason="Panne", by=coordinator)
    notices.changes_announce(enqueue=False)
    SmsStop.objects.create(address="+33465710101")
    message = _sent(Audience.PERSON).get()
    assert reminder_send(message_id=message.pk) == ReminderStatus.SKIPPED
    assert smsoutbox == []


def test_replies_numbers_and_texts_are_erased_after_three_months():
    reply = InboundSms.objects.create(sender="+33465710101", body="ANNULER", outcome="cancelled")
    InboundSms.objects.filter(pk=reply.pk).update(received_at=timezone.now() - datetime.timedelta(days=91))
    recent = InboundSms.objects.create(sender="+33465710102", body="STOP", outcome="stopped", provider_reference="r2")
    reminders_schedule(enqueue=False)
    reply.refresh_from_db()
    recent.refresh_from_db()
    assert (reply.sender, reply.body, reply.outcome) == ("", "", "cancelled")
    assert recent.sender == "+33465710102"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Empêchement ? Le 14 août, ça marche.", "Empechement ? Le 14 aout, ca marche."),
        ("Programarea: marți, ora 14:00", "Programarea: marti, ora 14:00"),
        ("Dijital yardım randevunuz: Ayrıntılar", "Dijital yardim randevunuz: Ayrintilar"),
        ("L’œuvre « ici »", 'L\'oeuvre " ici "'),
        ("Ваш запис: 14:00", "Ваш запис: 14:00"),
    ],
)
def test_latin_texts_are_written_in_gsm_7_and_other_scripts_left_whole(text, folded):
    assert sms_fold(text) == folded


def test_every_person_s_text_in_french_travels_in_gsm_7(occurrence, coordinator):
    booking = _referred(occurrence)
    texts = [
        change_sms(kind, booking, "fr", previous_starts_at=occurrence.starts_at)
        for kind in (ReminderKind.DATE_MOVED, ReminderKind.DATE_CANCELLED, ReminderKind.CANCELLED_BY_REPLY)
    ]
    texts += [appointment_sms(booking, "fr"), card_sms(booking, "fr", link="http://127.0.0.1:8000/r/abc/")]
    for text in texts:
        assert sms_segments(text).encoding == "GSM-7", text


def test_a_date_moved_within_its_day_gives_the_new_time_alone(
    occurrence, coordinator, smsoutbox, django_capture_on_commit_callbacks
):
    _referred(occurrence)
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_move(occurrence=occurrence, day=occurrence.date, start=datetime.time(16), by=coordinator)
    [text] = smsoutbox
    assert text.body.startswith("Changement : votre rendez-vous d'aide numérique est maintenant le ")
    assert "16:00" in text.body


def test_the_cancel_form_names_who_will_be_told_and_how(client, occurrence, coordinator, volunteer):
    _referred(occurrence)
    _referred(occurrence, phone="", has_no_phone=True, referrer_email=None)
    client.force_login(coordinator)
    response = client.get(reverse("schedule:occurrence_cancel", args=[occurrence.pk]))
    assertContains(response, "Qui sera prévenu")
    assertContains(response, "Amina Diallo (09:00) – par SMS")
    assertContains(response, "Amina Diallo (09:00) – à appeler depuis l’accueil")
    assertContains(response, "qui a orienté la personne – par e-mail")
    assertContains(response, f"{volunteer.display_name}, au planning – par e-mail")
    # The same page reads the same queries whatever the number of people booked.
    response = client.get(reverse("schedule:occurrence_move", args=[occurrence.pk]))
    assertContains(response, "Qui sera prévenu")


def test_the_form_of_a_date_nobody_holds_says_nobody_is_told(client, occurrence, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("schedule:occurrence_cancel", args=[occurrence.pk]))
    assertContains(response, "Aucune personne à prévenir")


def test_the_change_form_reads_a_fixed_number_of_queries(
    client, occurrence, coordinator, volunteer, django_assert_num_queries
):
    client.force_login(coordinator)
    url = reverse("schedule:occurrence_cancel", args=[occurrence.pk])
    _referred(occurrence, referrer_email=None)
    client.get(url)
    with django_assert_num_queries(QUERIES_CHANGE_FORM) as before:
        client.get(url)
    for _index in range(3):
        _referred(occurrence, referrer_email=None)
    with django_assert_num_queries(len(before.captured_queries)):
        client.get(url)


QUERIES_CHANGE_FORM = 10


def test_a_call_leaves_the_desk_once_the_appointment_began_or_its_move_was_cancelled(client, occurrence, coordinator):
    booking = _referred(occurrence, phone="", has_no_phone=True)
    occurrence_move(occurrence=occurrence, day=occurrence.date, start=datetime.time(14), by=coordinator)
    notices.changes_announce(enqueue=False)
    moved_call = _sent(Audience.PERSON).get()
    booking_cancel(booking=booking, by=coordinator)
    notices.changes_announce(enqueue=False)
    # The cancellation's call replaces the move's.
    assert [call.kind for call in notices.calls_to_make(occurrence.permanence.antenna_id)] == [
        ReminderKind.BOOKING_CANCELLED
    ]
    booking.slot.refresh_from_db()  # moved to 14:00
    later = booking.slot.starts_at + datetime.timedelta(minutes=1)
    assert list(notices.calls_to_make(occurrence.permanence.antenna_id, now=later)) == []
    report = reminders_schedule(now=later, enqueue=False)
    assert report.calls_dropped == 2
    moved_call.refresh_from_db()
    assert moved_call.status == ReminderStatus.SKIPPED
