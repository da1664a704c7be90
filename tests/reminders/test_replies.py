"""The text messages people send back: the word for cancel cancels the appointment they were last
written to about, STOP stops the text messages; each reply is read once, and the provider's
webhook only answers a request signed with the shared secret."""

import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.request

import pytest
import time_machine
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from beneficiaries.people.enums import SheetStatus
from inclusion.core import sms
from inclusion.core.models import Language
from sessions_app.bookings.enums import BookingChannel, BookingStatus, ChangeKind
from sessions_app.bookings.models import AppointmentChange
from sessions_app.bookings.services import booking_cancel, referral_book
from sessions_app.reminders import replies
from sessions_app.reminders import texts as reminder_texts
from sessions_app.reminders.enums import Audience, ReminderChannel, ReminderKind, ReminderStatus, ReplyOutcome
from sessions_app.reminders.models import InboundSms, ReminderMessage, SmsStop
from sessions_app.reminders.notices import changes_announce
from sessions_app.reminders.replies import reply_receive
from sessions_app.reminders.services import reminder_due_from, reminders_schedule
from tests.bookings.factories import BookingFactory
from tests.concurrency import at_once
from tests.core.factories import AntennaFactory, UserFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.reference_data import reference_data_load
from tests.scheduling.factories import occurrence_today

SECRET = "le-secret-partagé-avec-le-fournisseur"
PHONE = "+33465710101"
THREADS = 4


@pytest.fixture(autouse=True)
def smsoutbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _replies_read(settings):
    settings.SMS_INBOUND_SECRET = SECRET


@pytest.fixture
def occurrence():
    """A date three days ahead, 9:00–12:00 in three one-hour slots of two seats."""
    antenna = AntennaFactory(name="La Blancarde", public_phone="+33465710001")
    return occurrence_today(antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=3))


def _referred(occurrence, *, phone=PHONE, language=None, **person):
    """A person referred by a referrer and booked through the referral: the sheet is "booked"."""
    sheet = LiaisonSheetFactory(
        beneficiary=BeneficiaryFactory(phone=phone, **person),
        language=Language.objects.get(code=language) if language else None,
    )
    return referral_book(sheet=sheet, slot=occurrence.slots.order_by("starts_at").first(), by=sheet.referrer)


def _written_to(booking, *, sent_at=None, channel=ReminderChannel.SMS, status=ReminderStatus.SENT):
    """A reminder of the booking sent to its person, by SMS unless told otherwise."""
    person = booking.beneficiary
    return ReminderMessage.objects.create(
        kind=ReminderKind.APPOINTMENT,
        channel=channel,
        audience=Audience.PERSON,
        status=status,
        antenna_id=booking.slot.occurrence.permanence.antenna_id,
        occurrence=booking.slot.occurrence,
        booking=booking,
        address=person.phone if channel == ReminderChannel.SMS else person.email,
        sent_at=sent_at or timezone.now(),
    )


@pytest.fixture
def receive(django_capture_on_commit_callbacks):
    """Receive a reply as the webhook does; what is sent after the commit is sent at once."""

    def _receive(body, *, sender=PHONE, reference=""):
        with django_capture_on_commit_callbacks(execute=True):
            return reply_receive(sender=sender, body=body, provider_reference=reference)

    return _receive


# Cancelling


def test_a_reply_annuler_cancels_the_appointment_and_the_person_and_the_referrer_are_told(
    occurrence, receive, smsoutbox, mailoutbox
):
    booking = _referred(occurrence)
    sheet, slot = booking.liaison_sheet, booking.slot
    _written_to(booking)

    reply = receive("ANNULER", reference="provider-1")

    assert (reply.outcome, reply.booking, reply.sender, reply.body) == (
        ReplyOutcome.CANCELLED,
        booking,
        PHONE,
        "ANNULER",
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert slot.bookings.active().count() == 0
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SENT
    change = AppointmentChange.objects.get(booking=booking)
    assert (change.kind, change.made_by) == (ChangeKind.CANCELLED_BY_REPLY, None)
    [confirmation] = smsoutbox
    assert confirmation.to == PHONE
    assert confirmation.body == reminder_texts.change_sms(ReminderKind.CANCELLED_BY_REPLY, booking, "fr")
    subject, _body = reminder_texts.referrer_change_email(ReminderKind.CANCELLED_BY_REPLY, booking, reason="")
    assert subject in [email.subject for email in mailoutbox if email.to == [sheet.referrer.email]]


@pytest.mark.parametrize(
    "text",
    ["annuler", "Annuler !", " ANNULER", "ANNULER.", "annuler svp", "Annulér", "cancel", "Cancel please"],
)
def test_the_word_is_read_whatever_its_case_accents_spaces_and_punctuation(occurrence, receive, text):
    booking = _referred(occurrence)
    _written_to(booking)
    assert receive(text).outcome == ReplyOutcome.CANCELLED
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


# The words accepted whatever the catalogs hold (replies.CANCEL_WORDS), as a person types them.
WORDS_OF_EVERY_LANGUAGE = [
    ("ar", "إلغاء"),
    ("ar", "الغاء"),
    ("ru", "ОТМЕНА"),
    ("ru", "отмена"),
    ("uk", "Скасувати"),
    ("tr", "İPTAL"),
    ("tr", "iptal"),
    ("es", "Cancelar"),
    ("pt", "CANCELAR"),
    ("ro", "anulare"),
    # Dari: no texts are written in it yet, the person is written to in French.
    ("fr", "لغو"),
]


@pytest.mark.parametrize(("language", "word"), WORDS_OF_EVERY_LANGUAGE)
def test_the_word_for_cancel_of_every_language_cancels(occurrence, receive, smsoutbox, language, word):
    booking = _referred(occurrence, language=language)
    _written_to(booking)

    assert receive(word).outcome == ReplyOutcome.CANCELLED

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    [confirmation] = smsoutbox
    assert confirmation.body == reminder_texts.change_sms(ReminderKind.CANCELLED_BY_REPLY, booking, language)
    assert ReminderMessage.objects.get(kind=ReminderKind.CANCELLED_BY_REPLY, channel="sms").language == language


def test_the_word_a_catalog_gives_cancels_too(occurrence, receive, monkeypatch):
    monkeypatch.setattr(replies.reminder_texts, "cancel_words", lambda: {"fr": "ANNULER", "ro": "ANULEAZĂ"})
    booking = _referred(occurrence)
    _written_to(booking)
    assert receive("anuleaza").outcome == ReplyOutcome.CANCELLED


def test_the_number_may_come_without_its_plus(occurrence, receive):
    booking = _referred(occurrence)
    _written_to(booking)
    reply = receive("ANNULER", sender=PHONE.removeprefix("+"))
    assert (reply.outcome, reply.sender) == (ReplyOutcome.CANCELLED, PHONE)


def test_the_booking_cancelled_is_the_one_last_written_about_that_is_still_ahead(occurrence, receive):
    later = occurrence_today(
        antenna=occurrence.permanence.antenna, day=timezone.localdate() + datetime.timedelta(days=5)
    )
    first = _referred(occurrence)
    second = BookingFactory(
        slot=later.slots.order_by("starts_at").first(), beneficiary=first.beneficiary, channel=BookingChannel.PHONE
    )
    _written_to(first, sent_at=timezone.now() - datetime.timedelta(hours=2))
    _written_to(second, sent_at=timezone.now() - datetime.timedelta(hours=1))

    assert receive("ANNULER", reference="one").booking == second
    first.refresh_from_db()
    assert first.status == BookingStatus.ACTIVE
    # Its cancellation was told by SMS too, but of a booking no longer active: the first one is next.
    assert receive("ANNULER", reference="two").booking == first


# Nothing to cancel


def test_a_number_never_written_to_has_nothing_to_cancel(occurrence, receive, smsoutbox):
    booking = _referred(occurrence)
    reply = receive("ANNULER")
    assert (reply.outcome, reply.booking) == (ReplyOutcome.NOTHING_TO_CANCEL, None)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE
    assert smsoutbox == []


@pytest.mark.parametrize(
    "why",
    ["begun", "cancelled", "by e-mail", "not delivered", "another number"],
)
def test_nothing_is_cancelled_when_no_sms_was_sent_about_a_booking_still_ahead(occurrence, receive, why):
    booking = _referred(occurrence, email="fatima@example.org")
    _written_to(
        booking,
        channel=ReminderChannel.EMAIL if why == "by e-mail" else ReminderChannel.SMS,
        status=ReminderStatus.FAILED if why == "not delivered" else ReminderStatus.SENT,
    )
    if why == "cancelled":
        booking_cancel(booking=booking, by=None, reason="Empêchement")
    sender = "+33465710199" if why == "another number" else PHONE
    moment = booking.slot.starts_at if why == "begun" else timezone.now()
    with time_machine.travel(moment, tick=False):
        reply = receive("ANNULER", sender=sender)
    assert reply.outcome == ReplyOutcome.NOTHING_TO_CANCEL
    booking.refresh_from_db()
    assert booking.status == (BookingStatus.CANCELLED if why == "cancelled" else BookingStatus.ACTIVE)


# STOP


@pytest.mark.parametrize("text", ["STOP", "stop", "STOP SMS", "Stop-SMS", "ARRET", "arrêt", "Arrêter !"])
def test_stop_stops_the_text_messages_to_the_number(receive, text):
    reply = receive(text, sender=PHONE.removeprefix("+"))
    assert (reply.outcome, reply.booking) == (ReplyOutcome.STOPPED, None)
    assert list(SmsStop.objects.values_list("address", flat=True)) == [PHONE]


def test_stop_sent_twice_stops_the_number_once(receive):
    assert receive("STOP", reference="a").outcome == ReplyOutcome.STOPPED
    assert receive("STOP", reference="b").outcome == ReplyOutcome.STOPPED
    assert SmsStop.objects.filter(address=PHONE).count() == 1
    assert InboundSms.objects.count() == 2


def test_after_stop_the_reminder_goes_by_e_mail(
    occurrence, receive, smsoutbox, mailoutbox, django_capture_on_commit_callbacks
):
    booking = _referred(occurrence, email="fatima@example.org")
    receive("STOP")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_schedule(now=reminder_due_from(occurrence.starts_at, occurrence.permanence.antenna.time_zone))
    reminder = ReminderMessage.objects.get(kind=ReminderKind.APPOINTMENT, booking=booking)
    assert (reminder.channel, reminder.address) == (ReminderChannel.EMAIL, "fatima@example.org")
    assert smsoutbox == []
    assert "fatima@example.org" in [email.to[0] for email in mailoutbox]


def test_after_stop_a_person_without_e_mail_is_called_about_a_change(occurrence, receive, smsoutbox):
    booking = _referred(occurrence, email="")
    receive("STOP")
    booking_cancel(booking=booking, by=UserFactory(), reason="Bénévole absent")
    changes_announce(enqueue=False)
    message = ReminderMessage.objects.get(booking=booking, audience=Audience.PERSON)
    assert (message.channel, message.address) == (ReminderChannel.CALL, PHONE)
    assert smsoutbox == []


# Not understood


@pytest.mark.parametrize("text", ["Bonjour, je serai en retard", "je veux annuler", "OK", "", "🙂"])
def test_any_other_text_is_recorded_as_not_understood_and_changes_nothing(occurrence, receive, smsoutbox, text):
    booking = _referred(occurrence)
    _written_to(booking)
    reply = receive(text)
    assert (reply.outcome, reply.booking, reply.body) == (ReplyOutcome.NOT_UNDERSTOOD, None, text)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE
    assert not SmsStop.objects.exists()
    assert smsoutbox == []


@pytest.mark.parametrize("text", ["ANNULER", "STOP"])
def test_a_sender_that_is_no_phone_number_is_not_understood(receive, text):
    reply = receive(text, sender="PERMANENCE")
    assert (reply.outcome, reply.sender) == (ReplyOutcome.NOT_UNDERSTOOD, "PERMANENCE")
    assert not SmsStop.objects.exists()


def test_what_postgresql_cannot_store_is_left_out(receive):
    reply = receive("STOP\x00 \ud800", sender="PERMANENCE\x00", reference="ré\x00f")
    reply.refresh_from_db()
    assert (reply.outcome, reply.sender, reply.body, reply.provider_reference) == (
        ReplyOutcome.NOT_UNDERSTOOD,
        "PERMANENCE",
        "STOP ?",
        "réf",
    )


# Read once


def test_the_same_reply_delivered_twice_does_its_work_once(occurrence, receive, smsoutbox):
    booking = _referred(occurrence)
    _written_to(booking)
    first = receive("ANNULER", reference="provider-1")
    second = receive("ANNULER", reference="provider-1")
    assert second.pk == first.pk
    assert second.outcome == ReplyOutcome.CANCELLED
    assert InboundSms.objects.count() == 1
    assert AppointmentChange.objects.filter(booking=booking).count() == 1
    assert len(smsoutbox) == 1


def test_without_a_reference_a_second_delivery_finds_nothing_left_to_cancel(occurrence, receive, smsoutbox):
    booking = _referred(occurrence)
    _written_to(booking)
    assert receive("ANNULER").outcome == ReplyOutcome.CANCELLED
    assert receive("ANNULER").outcome == ReplyOutcome.NOTHING_TO_CANCEL
    assert AppointmentChange.objects.filter(booking=booking).count() == 1
    assert len(smsoutbox) == 1


@pytest.fixture
def committed_booking(reference_data_restored):
    """A referred booking and its reminder, committed for other connections to see (the
    previous transactional test emptied every table, the topics and languages too)."""
    reference_data_load()
    antenna = AntennaFactory()
    occurrence = occurrence_today(antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=3))
    booking = _referred(occurrence)
    _written_to(booking)
    return booking


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("reference", ["provider-1", ""], ids=["same reference", "no reference"])
def test_the_same_reply_delivered_at_the_same_instant_cancels_once(committed_booking, smsoutbox, reference):
    """Real threads, each with its own connection: with a reference the unique index holds the
    second delivery until the first commits, without one the booking core's lock does."""
    results = at_once(
        lambda _index: reply_receive(sender=PHONE, body="ANNULER", provider_reference=reference), list(range(THREADS))
    )

    assert all(isinstance(result, InboundSms) for result in results), results
    outcomes = sorted(result.outcome for result in results)
    if reference:
        assert len({result.pk for result in results}) == 1
        assert outcomes == [ReplyOutcome.CANCELLED] * THREADS
    else:
        assert outcomes == sorted([ReplyOutcome.CANCELLED] + [ReplyOutcome.NOTHING_TO_CANCEL] * (THREADS - 1))
    assert InboundSms.objects.count() == (1 if reference else THREADS)
    committed_booking.refresh_from_db()
    assert committed_booking.status == BookingStatus.CANCELLED
    assert AppointmentChange.objects.filter(booking=committed_booking).count() == 1
    assert [message.to for message in smsoutbox] == [PHONE]


# The provider's webhook, end to end: a provider on loopback posts to the running site.


def _signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _provider_post(url: str, body: bytes, *, signature: str | None, content_type="application/json"):
    """POST as a provider does, with urllib; the status and the JSON answered (None when not JSON)."""
    headers = {"Content-Type": content_type}
    if signature is not None:
        headers["X-Signature"] = signature
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 (the live server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status, content, kind = response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        with error:
            status, content, kind = error.code, error.read(), error.headers.get_content_type()
    return status, json.loads(content) if kind == "application/json" else None


@pytest.fixture
def webhook_url(live_server):
    return live_server.url + reverse("reminders:sms_reply")


def _reply_json(text="ANNULER", reference="provider-1") -> bytes:
    return json.dumps({"from": PHONE, "text": text, "id": reference}).encode()


@pytest.mark.django_db(transaction=True)
def test_a_signed_reply_is_read_and_answered_with_its_outcome(webhook_url, committed_booking, smsoutbox):
    body = _reply_json()
    assert _provider_post(webhook_url, body, signature=_signature(body)) == (200, {"outcome": "cancelled"})
    committed_booking.refresh_from_db()
    assert committed_booking.status == BookingStatus.CANCELLED
    assert [message.to for message in smsoutbox] == [PHONE]
    # The provider tries again, the same message (its hexadecimal in capitals, say): the same
    # answer, nothing done twice.
    capitals = "sha256=" + _signature(body).removeprefix("sha256=").upper()
    assert _provider_post(webhook_url, body, signature=capitals) == (200, {"outcome": "cancelled"})
    assert InboundSms.objects.count() == 1
    assert len(smsoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_signed_form_is_read_too(webhook_url, reference_data_restored):
    body = b"from=%2B33465710101&text=Arr%C3%AAt&id=provider-2"
    status, answer = _provider_post(
        webhook_url, body, signature=_signature(body), content_type="application/x-www-form-urlencoded"
    )
    assert (status, answer) == (200, {"outcome": "stopped"})
    assert SmsStop.objects.filter(address=PHONE).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=",
        "signed-with-another-secret",
        "the-signature-of-another-body",
        "the-hex-alone",
        "sha256=é",
    ],
)
def test_a_reply_not_signed_with_the_secret_is_refused(webhook_url, committed_booking, signature):
    body = _reply_json()
    forged = {
        "signed-with-another-secret": _signature(body, secret="un-autre-secret"),
        "the-signature-of-another-body": _signature(_reply_json(reference="provider-2")),
        "the-hex-alone": _signature(body).removeprefix("sha256="),
    }
    status, answer = _provider_post(webhook_url, body, signature=forged.get(signature, signature))
    assert status == 403
    assert set(answer) == {"error"}
    assert not InboundSms.objects.exists()
    committed_booking.refresh_from_db()
    assert committed_booking.status == BookingStatus.ACTIVE


@pytest.mark.django_db(transaction=True)
def test_without_a_secret_the_webhook_is_not_there(webhook_url, settings, reference_data_restored):
    settings.SMS_INBOUND_SECRET = ""
    body = _reply_json(text="STOP")
    assert _provider_post(webhook_url, body, signature=_signature(body, secret=""))[0] == 404
    assert not InboundSms.objects.exists()
    assert not SmsStop.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "body",
    [
        b"ANNULER",
        b"",
        b'["+33465710101", "ANNULER"]',
        b'{"from": "+33465710101"}',
        b'{"text": "ANNULER"}',
        b'{"from": "", "text": "ANNULER"}',
        b'{"from": "+33465710101", "text": 1}',
        b'{"from": "+33465710101", "text": "STOP", "id": ["x"]}',
        json.dumps({"from": PHONE, "text": "STOP", "id": "x" * 101}).encode(),
        b"\xff\xfe{",
    ],
)
def test_a_signed_body_that_is_no_reply_is_a_400(webhook_url, body, reference_data_restored):
    status, answer = _provider_post(webhook_url, body, signature=_signature(body))
    assert status == 400
    assert set(answer) == {"error"}
    assert not InboundSms.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_body_over_ten_kilobytes_is_a_413(webhook_url, reference_data_restored):
    body = json.dumps({"from": PHONE, "text": "ANNULER " + "x" * 20_000, "id": "big"}).encode()
    status, answer = _provider_post(webhook_url, body, signature=_signature(body))
    assert status == 413
    assert set(answer) == {"error"}
    assert not InboundSms.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_only_post_is_answered(live_server, webhook_url, reference_data_restored):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(webhook_url, timeout=10)  # noqa: S310 (the live server)
    refused.value.close()
    assert refused.value.code == 405


# Hostile bodies through the site's whole middleware stack, CSRF checks included: never a 500.

HOSTILE_BODIES = [
    ("application/json", "[" * 5000),
    ("application/json", '{"from": "+33465710101", "text": "STOP", "id": ' + "9" * 5000 + "}"),
    ("application/json", '{"from": 33465710101, "text": "STOP", "id": 12}'),
    ("application/json", '{"from": true, "text": "STOP"}'),
    ("application/json", '{"from": null, "text": null, "id": null}'),
    ("application/json", '{"from": "+33465710101", "text": "ANNULER\\u0000\\ud800", "id": "\\ud800\\u0000"}'),
    ("application/json", '{"from": "' + "9" * 5000 + '", "text": "ANNULER"}'),
    ("application/json", '{"from": "+33465710101", "text": "' + "é" * 4000 + '"}'),
    ("application/x-www-form-urlencoded", "a&" * 2000),
    ("application/x-www-form-urlencoded", "from=%00%FF&text=%ED%A0%80&id=%00"),
    ("application/x-www-form-urlencoded", "from=+33465710101&from=x&text=STOP"),
    ("text/plain", "from=%2B33465710101&text=STOP"),
    ("multipart/form-data; boundary=x", "--x\r\n\r\n--x--"),
]


@pytest.mark.parametrize(("content_type", "text"), HOSTILE_BODIES)
def test_a_hostile_signed_body_is_answered_never_an_error_page(content_type, text):
    body = text.encode("utf-8", "surrogatepass")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("reminders:sms_reply"), body, content_type=content_type, headers={"X-Signature": _signature(body)}
    )
    assert response.status_code in (200, 400)
    assert response["Content-Type"] == "application/json"


def test_the_site_lets_the_provider_in_without_a_session_nor_a_csrf_token():
    body = _reply_json(text="STOP")
    response = Client(enforce_csrf_checks=True).post(
        reverse("reminders:sms_reply"),
        body,
        content_type="application/json",
        headers={"X-Signature": _signature(body)},
    )
    assert (response.status_code, response.json()) == (200, {"outcome": "stopped"})


# The technical admin


def test_the_admin_lists_replies_and_stopped_numbers_read_only_and_finds_them_by_number(occurrence, receive, client):
    booking = _referred(occurrence)
    _written_to(booking)
    receive("ANNULER", reference="r1")
    receive("STOP", reference="r2")
    receive("STOP", sender="+33465710199", reference="r3")
    client.force_login(UserFactory(admin=True))
    for model in (InboundSms, SmsStop):
        assert not admin.site._registry[model].has_add_permission(None)
        assert not admin.site._registry[model].has_change_permission(None)
        url = reverse(f"admin:reminders_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200
        # The number in its national form, or the start of its international one.
        for term in ("0465710101", "+3346571010"):
            response = client.get(url, {"q": term})
            assert response.status_code == 200
            numbers = {
                row.sender if model is InboundSms else row.address for row in response.context["cl"].result_list
            }
            assert numbers == {PHONE}, term
    reply = InboundSms.objects.get(provider_reference="r1")
    assert client.get(reverse("admin:reminders_inboundsms_change", args=[reply.pk])).status_code == 200
