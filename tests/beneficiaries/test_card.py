"""The printable appointment card: its facts, what to bring, the code and its QR, its languages."""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from inclusion.core.models import Language
from sessions_app.bookings.card_texts import BRING_BY_TOPICS, CARD_TEXTS, bring_items, card_date, card_time_range
from sessions_app.bookings.services import referral_book, referral_booking_cancel
from tests.inclusion.factories import AntennaFactory
from tests.sessions_app.factories import occurrence_today

from .factories import BeneficiaryFactory, LiaisonSheetFactory

MARTINIQUE = ZoneInfo("America/Martinique")


def _booking(*, needs=("email",), language=None, person=None, antenna=None):
    antenna = antenna or AntennaFactory()
    occurrence = occurrence_today(
        antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=8), start=9, end=10
    )
    sheet = LiaisonSheetFactory(
        beneficiary=person or BeneficiaryFactory(),
        needs=list(needs),
        language=Language.objects.get(code=language) if language else None,
    )
    return referral_book(sheet=sheet, slot=occurrence.slots.get(), by=sheet.referrer)


def _card(client, booking, user=None):
    client.force_login(user or booking.liaison_sheet.referrer)
    response = client.get(reverse("booking:card", args=[booking.pk]))
    assert response.status_code == 200
    return response


def _codes(response) -> list[str]:
    return [section["code"] for section in response.context["sections"]]


def test_card_shows_the_appointment_in_the_antennas_time_zone(client):
    antenna = AntennaFactory(
        name="Terres-Sainville",
        address="12 rue Victor Hugo",
        postcode="97200",
        city="Fort-de-France",
        department_code="972",
        time_zone="America/Martinique",
        public_phone="+596596123456",
        accessibility_notes="Rez-de-chaussée, accès de plain-pied",
    )
    person = BeneficiaryFactory(first_name="Aïcha", last_name="Benali")
    booking = _booking(person=person, antenna=antenna)
    start = booking.slot.starts_at.astimezone(MARTINIQUE)
    response = _card(client, booking)
    assertContains(response, "Aïcha B.")
    assertNotContains(response, "Benali")
    assertContains(response, card_date("fr", start))
    assertContains(response, "de 9 h 00 à 10 h 00")
    # Neither UTC (13:00) nor Paris time (14:00).
    assertNotContains(response, "13 h 00")
    assertNotContains(response, "14 h 00")
    assertContains(response, "Terres-Sainville")
    assertContains(response, "12 rue Victor Hugo, 97200 Fort-de-France")
    assertContains(response, "Rez-de-chaussée, accès de plain-pied")
    assertContains(response, antenna.public_phone_display)
    assertContains(response, static_card_css())


def static_card_css() -> str:
    return f"{settings.STATIC_URL}css/card.css"


def test_card_shows_the_reference_in_text_and_as_a_qr_code_of_the_reference_alone(client):
    booking = _booking()
    reference = booking.liaison_sheet.reference
    response = _card(client, booking)
    assertContains(response, f'<p class="card-reference-code" translate="no">{reference}</p>', html=True)
    svg = segno.make(reference, error="m").svg_inline(scale=4)
    assert svg.startswith("<svg")
    assertContains(response, svg)
    assertContains(response, 'role="img"')
    assertContains(response, f'aria-label="QR code du code de rendez-vous {reference}"')


@pytest.mark.parametrize(
    ("needs", "has_phone", "expected"),
    [
        (["email"], True, ["id_document", "phone_item"]),
        (["social_sante"], True, ["id_document", "phone_item", "caf_number", "vitale_card", "logins"]),
        (["sante"], True, ["id_document", "phone_item", "vitale_card"]),
        (["argent_impots", "logement"], True, ["id_document", "phone_item", "caf_number", "tax_number", "logins"]),
        (["insertion_professionnelle"], True, ["id_document", "phone_item", "france_travail_id"]),
        (["travail_formation_entreprise"], True, ["id_document", "phone_item", "france_travail_id", "logins"]),
        (["prendre_en_main_du_materiel"], False, ["id_document", "device"]),
        (["maintenance_de_materiel", "famille_scolarite"], False, ["id_document", "caf_number", "logins", "device"]),
        (["aide_aux_demarches_administratives"], True, ["id_document", "phone_item", "logins"]),
    ],
)
def test_what_to_bring_follows_the_needs(client, needs, has_phone, expected):
    person = BeneficiaryFactory() if has_phone else BeneficiaryFactory(phone="", has_no_phone=True)
    booking = _booking(needs=needs, person=person)
    response = _card(client, booking)
    [section] = response.context["sections"]
    assert section["bring"] == [CARD_TEXTS["fr"][item] for item in expected]
    everything = bring_items(topic_codes={code for _item, codes in BRING_BY_TOPICS for code in codes}, has_phone=True)
    for item in everything:
        if item in expected:
            assertContains(response, f"<li>{CARD_TEXTS['fr'][item]}</li>", html=True)
        else:
            assertNotContains(response, CARD_TEXTS["fr"][item])


def test_arabic_card_repeats_itself_right_to_left_below_the_french(client):
    response = _card(client, _booking(needs=["sante"], language="ar"))
    assert _codes(response) == ["fr", "ar"]
    assertContains(response, 'lang="ar" dir="rtl"')
    assertContains(response, CARD_TEXTS["fr"]["title"])
    assertContains(response, CARD_TEXTS["ar"]["title"])
    assertContains(response, CARD_TEXTS["ar"]["vitale_card"])
    assertContains(response, "من 9:00 إلى 10:00")
    content = response.content.decode()
    assert content.index(CARD_TEXTS["fr"]["title"]) < content.index(CARD_TEXTS["ar"]["title"])


def test_english_card_when_the_sheet_asks_for_english(client):
    response = _card(client, _booking(language="en"))
    assert _codes(response) == ["fr", "en"]
    assertContains(response, 'lang="en" dir="ltr"')
    assertContains(response, CARD_TEXTS["en"]["title"])
    assertContains(response, "from 9:00 to 10:00")
    assertNotContains(response, CARD_TEXTS["ar"]["title"])


@pytest.mark.parametrize("language", ["tr", "fr", None])
def test_only_french_when_the_language_has_no_card_translation(client, language):
    response = _card(client, _booking(language=language))
    assert _codes(response) == ["fr"]
    for code, texts in CARD_TEXTS.items():
        if code != "fr":
            assertNotContains(response, texts["title"])


def test_without_a_sheet_language_the_persons_first_translated_language_is_used(client):
    person = BeneficiaryFactory()
    person.languages.set(Language.objects.filter(code__in=["tr", "es"]))
    response = _card(client, _booking(person=person))
    assert _codes(response) == ["fr", "es"]
    assertContains(response, CARD_TEXTS["es"]["title"])


def test_a_cancelled_appointments_card_says_so_and_offers_no_cancelling(client):
    booking = _booking(language="ar")
    referral_booking_cancel(booking=booking, by=booking.liaison_sheet.referrer, reason="")
    response = _card(client, booking)
    assert response.context["is_cancelled"] is True
    assertContains(response, CARD_TEXTS["fr"]["cancelled"])
    assertContains(response, CARD_TEXTS["ar"]["cancelled"])
    assertContains(response, "card-cancelled-banner")
    assertContains(response, 'role="alert"')
    assert response.context["cancel_form"] is None
    assertNotContains(response, reverse("booking:cancel", args=[booking.pk]))


def test_an_active_card_offers_cancelling(client):
    booking = _booking()
    response = _card(client, booking)
    assertContains(response, f'action="{reverse("booking:cancel", args=[booking.pk])}"')
    assertNotContains(response, "card-cancelled-banner")


@pytest.mark.parametrize(
    ("code", "day", "expected_date", "expected_times"),
    [
        ("fr", datetime.date(2026, 12, 1), "mardi 1er décembre 2026", "de 9 h 00 à 10 h 30"),
        ("fr", datetime.date(2026, 12, 8), "mardi 8 décembre 2026", "de 9 h 00 à 10 h 30"),
        ("en", datetime.date(2026, 12, 1), "Tuesday 1 December 2026", "from 9:00 to 10:30"),
        ("ar", datetime.date(2026, 12, 1), "الثلاثاء 1 ديسمبر 2026", "من 9:00 إلى 10:30"),
        ("es", datetime.date(2026, 12, 1), "martes 1 de diciembre de 2026", "de 9:00 a 10:30"),
        ("pt", datetime.date(2026, 12, 1), "terça-feira, 1 de dezembro de 2026", "das 9:00 às 10:30"),
        ("ro", datetime.date(2026, 12, 1), "marți, 1 decembrie 2026", "de la 9:00 la 10:30"),
    ],
)
def test_card_dates_and_times_are_written_in_each_language(code, day, expected_date, expected_times):
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=MARTINIQUE)
    end = datetime.datetime.combine(day, datetime.time(10, 30), tzinfo=MARTINIQUE)
    assert card_date(code, start) == expected_date
    assert card_time_range(code, start, end) == expected_times


def test_every_card_language_has_every_text():
    keys = set(CARD_TEXTS["fr"]) - {"first_day"}
    for code, texts in CARD_TEXTS.items():
        assert keys <= set(texts), code
        assert len(texts["weekdays"]) == 7
        assert len(texts["months"]) == 12


def test_print_stylesheet_sets_an_a5_page():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "card.css").read_text()
    assert "@media print" in css
    assert "size: A5" in css
    assert "margin: 10mm" in css


def test_card_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    person = BeneficiaryFactory()
    booking = _booking(needs=["social_sante", "sante", "email"], person=person)
    client.force_login(booking.liaison_sheet.referrer)
    url = reverse("booking:card", args=[booking.pk])
    # The seventh query records the view in the access log.
    with django_assert_num_queries(8):
        client.get(url)
    person.languages.set(Language.objects.filter(code__in=["ar", "es"]))
    booking.liaison_sheet.needs.set(booking.liaison_sheet.needs.model.objects.all())
    with django_assert_num_queries(8):
        response = client.get(url)
    assert _codes(response) == ["fr", "ar"]
