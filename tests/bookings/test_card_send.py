"""Sending the appointment card to its person by SMS or e-mail, from the card page, and the list
of the booking's messages on that page."""

import datetime
import re
import uuid

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from inclusion.core import sms
from inclusion.core.models import Language
from inclusion.core.submissions import ALREADY_SUBMITTED
from sessions_app.bookings.services import booking_cancel, referral_book
from sessions_app.reminders.enums import Audience, ReminderChannel, ReminderKind, ReminderStatus
from sessions_app.reminders.models import ReminderMessage, SmsStop
from tests.core.factories import AntennaFactory, UserFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import VolunteerProfileFactory

MOBILE = "+33612345678"
CHOOSE = "Rien n’a été envoyé : choisissez d’envoyer le rendez-vous par SMS ou par e-mail."
LINK = re.compile(re.escape(settings.SITE_URL.rstrip("/")) + r"(/r/[A-Za-z0-9_-]+/)")


@pytest.fixture(autouse=True)
def smsoutbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _booking(*, person=None, language=None, antenna=None):
    occurrence = occurrence_today(
        antenna=antenna or AntennaFactory(name="La Blancarde"),
        day=timezone.localdate() + datetime.timedelta(days=8),
        start=9,
        end=10,
    )
    sheet = LiaisonSheetFactory(
        beneficiary=person or BeneficiaryFactory(first_name="Aïcha", last_name="Benali", phone=MOBILE),
        language=Language.objects.get(code=language) if language else None,
    )
    return referral_book(sheet=sheet, slot=occurrence.slots.get(), by=sheet.referrer)


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """Post one of the card's send forms as the booking's referrer (or `user`); the message's
    task runs once the view's transaction commits, as it does outside a test."""

    def _send(booking, channel, *, key=None, user=None, follow=False):
        client.force_login(user or booking.liaison_sheet.referrer)
        data = {"channel": channel, "submission_key": str(key or uuid.uuid4())}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("booking:card_send", args=[booking.pk]), data, follow=follow)

    return _send


def _card_url(booking) -> str:
    return reverse("booking:card", args=[booking.pk])


def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_sending_by_sms_sends_a_link_to_a_page_open_without_logging_in(client, send, smsoutbox):
    booking = _booking()
    response = send(booking, "sms")
    assertRedirects(response, _card_url(booking), fetch_redirect_response=False)
    assert _said(response) == ["Le rendez-vous a été envoyé par SMS au 06 12 34 56 78."]
    [text] = smsoutbox
    assert text.to == MOBILE
    path = LINK.search(text.body).group(1)
    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assertContains(page, booking.liaison_sheet.reference)
    assertContains(page, page.context["sections"][0]["date"])
    assertContains(page, "de 9 h 00 à 10 h 00")
    assertContains(page, "La Blancarde")
    assertNotContains(page, "Aïcha")
    assertNotContains(page, "Benali")
    message = ReminderMessage.objects.get(booking=booking)
    assert (message.kind, message.channel, message.status) == (ReminderKind.CARD, ReminderChannel.SMS, "sent")


def test_sending_by_e_mail_sends_the_link_by_e_mail(client, send, smsoutbox, mailoutbox):
    person = BeneficiaryFactory(last_name="Benali", phone="", has_no_phone=True, email="aicha@example.org")
    booking = _booking(person=person)
    response = send(booking, "email")
    assert _said(response) == ["Le rendez-vous a été envoyé par e-mail à aicha@example.org."]
    assert smsoutbox == []
    [email] = mailoutbox
    assert email.to == ["aicha@example.org"]
    client.logout()
    page = client.get(LINK.search(email.body).group(1))
    assert page.status_code == 200
    assertContains(page, booking.liaison_sheet.reference)
    assertNotContains(page, "Benali")


def test_the_same_form_sent_twice_sends_once(send, smsoutbox):
    booking = _booking()
    key = uuid.uuid4()
    send(booking, "sms", key=key)
    again = send(booking, "sms", key=key)
    assertRedirects(again, _card_url(booking), fetch_redirect_response=False)
    assert _said(again)[-1] == str(ALREADY_SUBMITTED)
    assert len(smsoutbox) == 1
    assert ReminderMessage.objects.filter(booking=booking).count() == 1


def test_the_card_shown_again_sends_again(send, smsoutbox):
    """The control of the test above: each display of the card draws new keys."""
    booking = _booking()
    send(booking, "sms")
    send(booking, "sms")
    assert len(smsoutbox) == 2


def test_the_stored_text_keeps_no_secret_of_the_link_once_sent(send, smsoutbox):
    booking = _booking()
    send(booking, "sms")
    [text] = smsoutbox
    secret = LINK.search(text.body).group(1).split("/")[2]
    message = ReminderMessage.objects.get(booking=booking)
    assert secret not in message.body
    assert "/r/…/" in message.body
    assert message.link_token_hash and secret not in message.link_token_hash


def test_another_referrers_booking_is_not_found(send, smsoutbox):
    booking = _booking()
    response = send(booking, "sms", user=UserFactory(referrer=True))
    assert response.status_code == 404
    assert smsoutbox == []
    assert not ReminderMessage.objects.exists()


def test_the_antennas_team_sends_once_it_signed_the_charter(send, smsoutbox):
    antenna = AntennaFactory()
    booking = _booking(antenna=antenna)
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    VolunteerProfileFactory(user=volunteer, charter_signed_on=None)
    assert send(booking, "sms", user=volunteer).status_code == 403
    assert smsoutbox == []
    volunteer.volunteer_profile.charter_signed_on = timezone.localdate()
    volunteer.volunteer_profile.save()
    volunteer.refresh_from_db()
    assert send(booking, "sms", user=volunteer).status_code == 302
    assert len(smsoutbox) == 1


def test_a_cancelled_appointment_is_not_sent(send, smsoutbox):
    booking = _booking()
    booking_cancel(booking=booking, by=booking.liaison_sheet.referrer, reason="")
    response = send(booking, "sms")
    assertRedirects(response, _card_url(booking), fetch_redirect_response=False)
    assert _said(response) == ["Rien n’a été envoyé : ce rendez-vous est annulé."]
    assert smsoutbox == []


def test_an_appointment_over_is_not_sent(send, smsoutbox):
    booking = _booking()
    with time_machine.travel(booking.slot.ends_at, tick=False):
        response = send(booking, "sms")
    assert _said(response) == ["Rien n’a été envoyé : ce rendez-vous est passé."]
    assert smsoutbox == []


@pytest.mark.parametrize(
    ("person", "channel", "said"),
    [
        (
            {"phone": "", "has_no_phone": True, "email": "a@example.org"},
            "sms",
            "Rien n’a été envoyé : la personne n’a pas de numéro de téléphone qui reçoit les SMS.",
        ),
        ({"phone": MOBILE, "email": ""}, "email", "Rien n’a été envoyé : la personne n’a pas d’adresse e-mail."),
        ({"phone": MOBILE}, "fax", CHOOSE),
        ({"phone": MOBILE}, "", CHOOSE),
        ({"phone": MOBILE}, "call", CHOOSE),
    ],
)
def test_a_forged_post_is_told_in_french_and_sends_nothing(send, smsoutbox, mailoutbox, person, channel, said):
    booking = _booking(person=BeneficiaryFactory(**person))
    response = send(booking, channel)
    assertRedirects(response, _card_url(booking), fetch_redirect_response=False)
    assert _said(response) == [said]
    assert smsoutbox == mailoutbox == []
    assert not ReminderMessage.objects.exists()


def test_a_number_that_answered_stop_gets_no_sms(client, send, smsoutbox):
    booking = _booking()
    SmsStop.objects.create(address=MOBILE)
    client.force_login(booking.liaison_sheet.referrer)
    card = client.get(_card_url(booking))
    sms_option, _email = card.context["send_options"]
    assert sms_option["reason"] == "La personne a répondu STOP aux SMS"
    assertContains(card, 'aria-describedby="send-sms-to" disabled>Envoyer par SMS</button>')
    response = send(booking, "sms")
    assert _said(response) == ["Rien n’a été envoyé : la personne n’a pas de numéro de téléphone qui reçoit les SMS."]
    assert smsoutbox == []


def test_the_buttons_say_where_they_send_or_why_they_cannot(client):
    client.force_login((booking := _booking()).liaison_sheet.referrer)
    card = client.get(_card_url(booking))
    assertContains(card, 'aria-describedby="send-sms-to">Envoyer par SMS</button>')
    assertContains(card, '<bdi dir="ltr">06 12 34 56 78</bdi>')
    assertContains(card, 'aria-describedby="send-email-to" disabled>Envoyer par e-mail</button>')
    assertContains(card, "Pas d’adresse e-mail")
    alone = _booking(person=BeneficiaryFactory(phone="", has_no_phone=True, email="a@example.org"))
    client.force_login(alone.liaison_sheet.referrer)
    card = client.get(_card_url(alone))
    assertContains(card, 'aria-describedby="send-sms-to" disabled>Envoyer par SMS</button>')
    assertContains(card, "Pas de numéro de téléphone")
    assertContains(card, 'aria-describedby="send-email-to">Envoyer par e-mail</button>')
    assertContains(card, f'action="{reverse("booking:card_send", args=[alone.pk])}"', count=2)
    assertContains(card, 'name="submission_key"', count=2)


def test_a_cancelled_or_past_appointment_offers_no_sending(client):
    booking = _booking()
    with time_machine.travel(booking.slot.ends_at, tick=False):
        client.force_login(booking.liaison_sheet.referrer)
        card = client.get(_card_url(booking))
    assert card.context["send_options"] == []
    assertNotContains(card, reverse("booking:card_send", args=[booking.pk]))
    booking_cancel(booking=booking, by=booking.liaison_sheet.referrer, reason="")
    client.force_login(booking.liaison_sheet.referrer)
    card = client.get(_card_url(booking))
    assert card.context["send_options"] == []
    assertNotContains(card, reverse("booking:card_send", args=[booking.pk]))


def test_sending_answers_no_get(client):
    booking = _booking()
    client.force_login(booking.liaison_sheet.referrer)
    assert client.get(reverse("booking:card_send", args=[booking.pk])).status_code == 405


def test_the_card_has_a_print_button_shown_by_a_script_file(client):
    booking = _booking()
    client.force_login(booking.liaison_sheet.referrer)
    card = client.get(_card_url(booking))
    assertContains(
        card, '<button type="button" class="btn btn-primary" data-print hidden>Imprimer la carte</button>', html=True
    )
    assertContains(card, f'<script src="{settings.STATIC_URL}js/print.js" defer></script>', html=True)
    # The hint stays for a browser without JavaScript, and no script is written into the page.
    assertContains(card, "Ctrl+P")
    assert re.findall(r"<script(?![^>]*\bsrc=)", card.content.decode()) == []
    assert "onclick" not in card.content.decode()


def test_the_card_lists_the_messages_of_its_booking(client, send):
    booking = _booking()
    other = _booking()
    send(other, "sms")
    client.force_login(booking.liaison_sheet.referrer)
    assertContains(client.get(_card_url(booking)), "Aucun message envoyé pour l’instant.")
    send(booking, "sms")
    ReminderMessage.objects.create(
        kind=ReminderKind.APPOINTMENT,
        channel=ReminderChannel.EMAIL,
        audience=Audience.PERSON,
        status=ReminderStatus.FAILED,
        address="aicha@example.org",
        antenna=booking.slot.occurrence.permanence.antenna,
        occurrence=booking.slot.occurrence,
        booking=booking,
        attempts=3,
        last_error="Address refused: 550 no such user",
    )
    card = client.get(_card_url(booking))
    assert [message.kind for message in card.context["sent_messages"]] == [ReminderKind.CARD, ReminderKind.APPOINTMENT]
    assertContains(card, f'<span class="fw-semibold">{ReminderKind.CARD.label}</span>', html=True)
    assertContains(card, '<span class="fw-semibold">Rappel de rendez-vous</span>', html=True)
    assertContains(card, '<span class="badge text-bg-success">Envoyé</span>', html=True)
    assertContains(card, '<span class="badge text-bg-danger">Non remis</span>', html=True)
    assertContains(card, '<bdi dir="ltr" class="text-break">06 12 34 56 78</bdi>', html=True)
    assertContains(card, "aicha@example.org")
    assertContains(card, "Address refused: 550 no such user")
    assertContains(card, "3 tentatives")
    assertContains(card, "\n      à la personne\n", count=2)


def test_the_referrer_is_named_for_a_message_to_them(client, send):
    booking = _booking()
    referrer = booking.liaison_sheet.referrer
    ReminderMessage.objects.create(
        kind=ReminderKind.BOOKING_CANCELLED,
        channel=ReminderChannel.EMAIL,
        audience=Audience.REFERRER,
        address=referrer.email,
        antenna=booking.slot.occurrence.permanence.antenna,
        occurrence=booking.slot.occurrence,
        booking=booking,
        recipient_user=referrer,
    )
    client.force_login(referrer)
    card = client.get(_card_url(booking))
    assertContains(card, f"Prescripteur {referrer.display_name}")
    assertContains(card, referrer.email)


def test_the_card_with_its_messages_runs_a_fixed_number_of_queries(client, send, django_assert_num_queries):
    booking = _booking()
    url = _card_url(booking)
    client.force_login(booking.liaison_sheet.referrer)
    # The session and its user, the booking, the user's roles for the access log and its row,
    # the needs, the person's languages, the numbers that answered STOP, the messages.
    with django_assert_num_queries(10):
        client.get(url)
    send(booking, "sms")
    booking.liaison_sheet.beneficiary.email = "aicha@example.org"
    booking.liaison_sheet.beneficiary.save()
    send(booking, "email")
    referrer = booking.liaison_sheet.referrer
    for kind in (ReminderKind.APPOINTMENT, ReminderKind.BOOKING_CANCELLED):
        ReminderMessage.objects.create(
            kind=kind,
            channel=ReminderChannel.EMAIL,
            audience=Audience.REFERRER,
            address=referrer.email,
            antenna=booking.slot.occurrence.permanence.antenna,
            occurrence=booking.slot.occurrence,
            booking=booking,
            recipient_user=referrer,
            handled_by=referrer,
        )
    with django_assert_num_queries(10):
        card = client.get(url)
    assert len(card.context["sent_messages"]) == 4
