"""The page of an appointment sent to its person, opened from the link of their SMS or e-mail
without an account: the appointment and nothing more, while it is active and not over."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import segno
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.asserts import assertContains, assertNotContains

from inclusion.core import sms
from inclusion.core.models import Language
from sessions_app.bookings.card_texts import card_date
from sessions_app.bookings.services import booking_cancel, referral_book
from sessions_app.reminders import notices
from tests.core.factories import AntennaFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today

LINK = re.compile(re.escape(settings.SITE_URL.rstrip("/")) + r"(/r/[A-Za-z0-9_-]+/)")
FRENCH_TITLE = "Votre rendez-vous à la permanence numérique"
ARABIC_TITLE = "موعدك للمساعدة الرقمية"


@pytest.fixture(autouse=True)
def smsoutbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def booking():
    antenna = AntennaFactory(
        name="La Blancarde",
        address="12 boulevard de la Blancarde",
        postcode="13004",
        city="Marseille",
        public_phone="+33465710001",
        accessibility_notes="Entrée de plain-pied, rampe côté cour.",
    )
    return _booking(antenna=antenna, needs=["sante"])


def _booking(*, antenna=None, needs=("email",), language=None):
    occurrence = occurrence_today(
        antenna=antenna or AntennaFactory(),
        day=timezone.localdate() + datetime.timedelta(days=8),
        start=9,
        end=10,
    )
    sheet = LiaisonSheetFactory(
        beneficiary=BeneficiaryFactory(
            first_name="Aïcha", last_name="Benali", phone="+33612345678", email="aicha.benali@example.org"
        ),
        referrer__display_name="Sophie Laurent",
        referrer__email="sophie.laurent@example.org",
        needs=list(needs),
        language=Language.objects.get(code=language) if language else None,
    )
    return referral_book(sheet=sheet, slot=occurrence.slots.get(), by=sheet.referrer)


@pytest.fixture
def link(django_capture_on_commit_callbacks, smsoutbox):
    """The path of the link an SMS sent from the card carries."""

    def _link(booking) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            notices.card_send(booking=booking, channel="sms", by=booking.liaison_sheet.referrer)
        return LINK.search(smsoutbox[-1].body).group(1)

    return _link


def test_the_page_opens_without_an_account_and_shows_the_appointment(client, booking, link):
    response = client.get(link(booking))
    assert response.status_code == 200
    start = booking.slot.starts_at.astimezone(ZoneInfo(booking.slot.occurrence.permanence.antenna.time_zone))
    with translation.override("fr"):
        assertContains(response, card_date(start))
    assertContains(response, "de 9 h 00 à 10 h 00")
    assertContains(response, "<dd><bdi>La Blancarde</bdi></dd>", html=True)
    assertContains(response, "12 boulevard de la Blancarde, 13004 Marseille")
    assertContains(response, 'href="tel:+33465710001"')
    assertContains(response, "04 65 71 00 01")
    assertContains(response, "Entrée de plain-pied, rampe côté cour.")
    assertContains(response, "<li>Votre carte Vitale</li>", html=True)
    reference = booking.liaison_sheet.reference
    assertContains(response, f'<p class="card-reference-code" translate="no">{reference}</p>', html=True)
    assertContains(response, segno.make(reference, error="m").svg_inline(scale=4))
    assertContains(response, f'role="img" aria-label="Code du rendez-vous {reference}"')
    assertContains(response, f"<title>{FRENCH_TITLE} – Permanences numériques</title>", html=True)


def test_the_page_shows_nothing_else_of_the_person_or_their_referrer(client, booking, link):
    response = client.get(link(booking))
    for private in ("Aïcha", "Benali", "06 12 34 56 78", "+33612345678", "aicha.benali@example.org"):
        assertNotContains(response, private)
    for referrer in ("Sophie Laurent", "sophie.laurent@example.org", booking.liaison_sheet.organization.name):
        assertNotContains(response, referrer)
    assertNotContains(response, "<dt>Pour</dt>", html=True)
    # No menu, no account link, no form, no script: the card alone.
    assertNotContains(response, "<nav")
    assertNotContains(response, "<form")
    assertNotContains(response, "<script")


def test_the_page_is_kept_by_no_cache_nor_listed_nor_given_away_in_a_referer(client, booking, link):
    response = client.get(link(booking))
    assert response["Cache-Control"] == "no-store, private"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex"
    assertContains(response, '<meta name="robots" content="noindex">', html=True)


def test_a_signed_in_visitor_gets_the_page_uncached_too(client, booking, link):
    path = link(booking)
    client.force_login(booking.liaison_sheet.referrer)
    response = client.get(path)
    assert response.status_code == 200
    assert {"no-store", "private"} <= {part.strip() for part in response["Cache-Control"].split(",")}


@pytest.mark.parametrize("token", ["not-a-token", "A" * 32, "x"])
def test_a_wrong_token_is_not_found(client, booking, link, token):
    link(booking)
    assert client.get(reverse("public_appointment", args=[token])).status_code == 404


def test_the_link_of_a_cancelled_appointment_is_not_found(client, booking, link):
    path = link(booking)
    booking_cancel(booking=booking, by=booking.liaison_sheet.referrer, reason="")
    assert client.get(path).status_code == 404


def test_the_link_of_an_appointment_over_is_not_found(client, booking, link):
    path = link(booking)
    with time_machine.travel(booking.slot.ends_at - datetime.timedelta(minutes=1), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(booking.slot.ends_at, tick=False):
        assert client.get(path).status_code == 404


def test_the_page_answers_no_post(client, booking, link):
    assert client.post(link(booking)).status_code == 405


def test_an_arabic_sheet_repeats_the_page_right_to_left_below_the_french(client, link):
    response = client.get(link(_booking(needs=["sante"], language="ar")))
    assert [section["code"] for section in response.context["sections"]] == ["fr", "ar"]
    assertContains(response, '<section class="card-section" lang="ar" dir="rtl"')
    assertContains(response, '<section class="card-section" lang="fr" dir="ltr"')
    assertContains(response, "<li>بطاقة التأمين الصحي (carte Vitale)</li>", html=True)
    assertContains(response, "من 9:00 إلى 10:00")
    content = response.content.decode()
    assert content.index(FRENCH_TITLE) < content.index(ARABIC_TITLE)


def test_the_page_keeps_its_languages_whatever_the_interfaces(client, link):
    path = link(_booking(language="ar"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(path)
    assertContains(response, FRENCH_TITLE)
    assertContains(response, ARABIC_TITLE)
    assertNotContains(response, "Your appointment at the digital help desk")


def test_the_page_and_the_card_show_the_same_sections(client, link):
    booking = _booking(needs=["social_sante", "prendre_en_main_du_materiel"], language="uk")
    page = client.get(link(booking))
    client.force_login(booking.liaison_sheet.referrer)
    card = client.get(reverse("booking:card", args=[booking.pk]))
    assert page.context["sections"] == card.context["sections"]
    assert [section["code"] for section in page.context["sections"]] == ["fr", "uk"]


@pytest.mark.parametrize(("language", "queries"), [("ar", 4), (None, 4)])
def test_the_page_runs_a_fixed_number_of_queries(client, link, django_assert_num_queries, language, queries):
    booking = _booking(needs=["social_sante", "sante", "email"], language=language)
    booking.liaison_sheet.beneficiary.languages.set(Language.objects.filter(code__in=["es", "ta"]))
    path = link(booking)
    # The message of the link with its booking, the sheet's person, its needs, and its language
    # (or, without one, the person's languages).
    with django_assert_num_queries(queries):
        response = client.get(path)
    assert [section["code"] for section in response.context["sections"]] == ["fr", language or "es"]
