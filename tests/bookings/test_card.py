"""The printable appointment card: its facts, what to bring, the code and its QR, its languages."""

import ast
import datetime
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.asserts import assertContains, assertNotContains

from inclusion.core.models import Language
from sessions_app.bookings import card_texts
from sessions_app.bookings.card_texts import BRING_BY_TOPICS, BRING_TEXTS, bring_items, card_date, card_time_range
from sessions_app.bookings.services import booking_cancel, referral_book
from tests.core.factories import AntennaFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today

MARTINIQUE = ZoneInfo("America/Martinique")
FRENCH_TITLE = "Votre rendez-vous à la permanence numérique"
ARABIC_TITLE = "موعدك للمساعدة الرقمية"
SPANISH_TITLE = "Su cita en el punto de ayuda digital"


def _text(code: str, name: str) -> str:
    """One of the card's texts (or of the things to bring) in a language."""
    with translation.override(code):
        return str({**card_texts.TEXTS, **BRING_TEXTS}[name])


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
    with translation.override("fr"):
        assertContains(response, card_date(start))
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
    assertContains(response, f'aria-label="Code du rendez-vous {reference}"')


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
    assert section["bring"] == [_text("fr", item) for item in expected]
    for item in BRING_TEXTS:
        if item in expected:
            assertContains(response, f"<li>{_text('fr', item)}</li>", html=True)
        else:
            assertNotContains(response, _text("fr", item))


def test_what_to_bring_is_written_in_the_active_language():
    every_topic = {code for _item, codes in BRING_BY_TOPICS for code in codes}
    with translation.override("es"):
        items = bring_items(topic_codes=every_topic, has_phone=True)
    assert items[:2] == [
        "Un documento de identidad (documento nacional de identidad, pasaporte o permiso de residencia)",
        "Su teléfono móvil (para recibir códigos por SMS)",
    ]
    assert items == [_text("es", item) for item in BRING_TEXTS]


def test_arabic_card_repeats_itself_right_to_left_below_the_french(client):
    response = _card(client, _booking(needs=["sante"], language="ar"))
    assert _codes(response) == ["fr", "ar"]
    assertContains(response, 'lang="ar" dir="rtl"')
    assertContains(response, 'lang="fr" dir="ltr"')
    assertContains(response, FRENCH_TITLE)
    assertContains(response, ARABIC_TITLE)
    assertContains(response, "<li>Votre carte Vitale</li>", html=True)
    assertContains(response, "<li>بطاقة التأمين الصحي (carte Vitale)</li>", html=True)
    assertContains(response, "<dt>التاريخ والوقت</dt>", html=True)
    assertContains(response, "de 9 h 00 à 10 h 00")
    assertContains(response, "من 9:00 إلى 10:00")
    content = response.content.decode()
    assert content.index(FRENCH_TITLE) < content.index(ARABIC_TITLE)


def test_ukrainian_card_repeats_itself_left_to_right_with_the_month_in_ukrainian(client):
    booking = _booking(language="uk")
    response = _card(client, booking)
    assert _codes(response) == ["fr", "uk"]
    assertContains(response, 'lang="uk" dir="ltr"')
    assertNotContains(response, 'dir="rtl"')
    assertContains(response, "Ваш запис до пункту цифрової допомоги")
    assertContains(response, "<dt>Коли</dt>", html=True)
    assertContains(response, "з 09:00 до 10:00")
    month = ["січня", "лютого", "березня", "квітня", "травня", "червня"]
    month += ["липня", "серпня", "вересня", "жовтня", "листопада", "грудня"]
    start = booking.slot.starts_at.astimezone(ZoneInfo(booking.slot.occurrence.permanence.antenna.time_zone))
    [_french, ukrainian] = response.context["sections"]
    assert ukrainian["date"].endswith(f", {start.day} {month[start.month - 1]} {start.year}")
    assertContains(response, f"{start.day} {month[start.month - 1]} {start.year}<br>з 09:00 до 10:00")


def test_the_card_keeps_its_languages_whatever_the_interfaces(client):
    booking = _booking(language="ar")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _card(client, booking)
    # The interface is in English, the card in French and Arabic.
    assertContains(response, "Appointment card")
    assertContains(response, FRENCH_TITLE)
    assertContains(response, ARABIC_TITLE)
    assertNotContains(response, "Your appointment at the digital help desk")
    assert [section["texts"]["when"] for section in response.context["sections"]] == ["Quand", "التاريخ والوقت"]


def test_english_card_when_the_sheet_asks_for_english(client):
    response = _card(client, _booking(language="en"))
    assert _codes(response) == ["fr", "en"]
    assertContains(response, 'lang="en" dir="ltr"')
    assertContains(response, "Your appointment at the digital help desk")
    assertContains(response, "<li>An identity document (ID card, passport or residence permit)</li>", html=True)
    assertContains(response, "from 9:00 to 10:00")
    assertNotContains(response, ARABIC_TITLE)


@pytest.mark.parametrize("language", ["ta", "fr", None])
def test_only_french_when_the_language_has_no_card_translation(client, language):
    response = _card(client, _booking(language=language))
    assert _codes(response) == ["fr"]
    for code in settings.PERSON_LANGUAGES:
        if code != "fr":
            assertNotContains(response, _text(code, "title"))


def test_without_a_sheet_language_the_persons_first_translated_language_is_used(client):
    person = BeneficiaryFactory()
    person.languages.set(Language.objects.filter(code__in=["ta", "es"]))
    response = _card(client, _booking(person=person))
    assert _codes(response) == ["fr", "es"]
    assertContains(response, 'lang="es" dir="ltr"')
    assertContains(response, SPANISH_TITLE)
    assertContains(response, "<dt>Cuándo</dt>", html=True)
    assertContains(response, "de 9:00 a 10:00")
    assertContains(response, "Muestre este código en la recepción.")


def test_a_cancelled_appointments_card_says_so_and_offers_no_cancelling(client):
    booking = _booking(language="ar")
    booking_cancel(booking=booking, by=booking.liaison_sheet.referrer, reason="")
    response = _card(client, booking)
    assert response.context["is_cancelled"] is True
    assertContains(response, "Ce rendez-vous est annulé.")
    assertContains(response, "تم إلغاء هذا الموعد.")
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
        ("es", datetime.date(2026, 12, 8), "martes 8 de diciembre de 2026", "de 9:00 a 10:30"),
        # Month and day names are Django's, which writes them with a capital in these two.
        ("pt", datetime.date(2026, 12, 1), "Terça-feira, 1 de Dezembro de 2026", "das 9:00 às 10:30"),
        ("ro", datetime.date(2026, 12, 1), "Marți, 1 Decembrie 2026", "de la 9:00 la 10:30"),
        # E is the month's genitive, as a date is written in Ukrainian and Russian.
        ("uk", datetime.date(2026, 12, 1), "Вівторок, 1 грудня 2026", "з 09:00 до 10:30"),
        ("ru", datetime.date(2026, 12, 8), "Вторник, 8 декабря 2026", "с 09:00 до 10:30"),
        ("tr", datetime.date(2026, 12, 1), "1 Aralık 2026 Salı", "09:00 - 10:30 arası"),
    ],
)
def test_card_dates_and_times_are_written_in_each_language(code, day, expected_date, expected_times):
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=MARTINIQUE)
    end = datetime.datetime.combine(day, datetime.time(10, 30), tzinfo=MARTINIQUE)
    with translation.override(code):
        assert card_date(start) == expected_date
        assert card_time_range(start, end) == expected_times


def _po_entries(text: str) -> dict[tuple[str | None, str], tuple[str, set[str]]]:
    """(context, msgid) → (msgstr, flags) of a gettext catalog (a plural's first form), obsolete
    entries left out."""
    entries, entry, field = {}, {}, None

    def close():
        msgstr = entry.get("msgstr", entry.get("msgstr[0]"))
        if "msgid" in entry and msgstr is not None:
            entries[entry.get("msgctxt"), entry["msgid"]] = (msgstr, entry.get("flags", set()))

    for line in [*text.splitlines(), ""]:
        translated = "msgstr" in entry or "msgstr[0]" in entry
        if translated and (line.startswith(("#", "msgctxt ", "msgid ")) or not line.strip()):
            close()
            entry, field = {}, None
        if line.startswith("#,"):
            entry["flags"] = {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith('"') and field:
            entry[field] += ast.literal_eval(line)
        elif line.startswith(("msgctxt ", "msgid", "msgstr")):
            field, _space, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
    return entries


def _card_messages() -> set[tuple[str | None, str]]:
    """Every message the card's code asks gettext for, as xgettext extracts them."""
    source = Path(card_texts.__file__)
    pot = subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", "--keyword=pgettext:1c,2"]
        + ["--keyword=pgettext_lazy:1c,2", "--output=-", source.name],
        cwd=source.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {key for key in _po_entries(pot) if key[1]}


def test_every_card_message_is_translated_in_every_persons_language():
    messages = _card_messages()
    # The texts, the things to bring, the date pattern, a time pattern and the hours.
    assert len(messages) == len(card_texts.TEXTS) + len(BRING_TEXTS) + 3
    assert all(context and context.startswith("appointment card") for context, _msgid in messages)
    for code in settings.PERSON_LANGUAGES:
        catalog = _po_entries((Path(settings.BASE_DIR) / "locale" / code / "LC_MESSAGES" / "django.po").read_text())
        for key in messages:
            assert key in catalog, (code, key)
            msgstr, flags = catalog[key]
            assert "fuzzy" not in flags, (code, key)
            # English is the source language: an empty msgstr reads as its msgid.
            assert msgstr or code == "en", (code, key)
            placeholders = sorted(re.findall(r"%\(\w+\)s", key[1]))
            assert not msgstr or sorted(re.findall(r"%\(\w+\)s", msgstr)) == placeholders, (code, key)


@pytest.mark.parametrize("code", [code for code in settings.PERSON_LANGUAGES if code not in ("fr", "en")])
def test_no_french_shows_through_a_persons_language(code):
    """A message missing from a catalog would fall back to French: none is."""
    for name in {**card_texts.TEXTS, **BRING_TEXTS}:
        assert _text(code, name) != _text("fr", name), (code, name)


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
    # The seventh query records the view in the access log; the last two are the numbers that
    # answered STOP (for the send buttons) and the messages of the booking.
    with django_assert_num_queries(10):
        client.get(url)
    person.languages.set(Language.objects.filter(code__in=["ar", "es"]))
    booking.liaison_sheet.needs.set(booking.liaison_sheet.needs.model.objects.all())
    with django_assert_num_queries(10):
        response = client.get(url)
    assert _codes(response) == ["fr", "ar"]
