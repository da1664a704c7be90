"""French typography of names and dates written in Python: « de » elides before a vowel
(« le rendez-vous d'Amina ») and contracts with a place's article (« du Bouscat »); the first
of a month is « 1er »; other languages are written as they are."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from beneficiaries.people.enums import SheetStatus
from beneficiaries.people.models import LiaisonSheetEvent
from beneficiaries.people.tasks import liaison_sheet_notify
from inclusion.core.clock import validate_calendar_date
from inclusion.core.typography import date_format, of_name, of_place
from sessions_app.figures.reporting import PeriodError, period_from_query
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import slot_ahead
from tests.team.factories import VolunteerProfileFactory


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Amina D.", "d'Amina D."),
        ("Monique", "de Monique"),
        ("Élodie Martin", "d'Élodie Martin"),
        ("Ìsa", "d'Ìsa"),
        ("Œdipe", "d'Œdipe"),
        ("Hélène", "d'Hélène"),
        ("Yves", "d'Yves"),
        ("Yasmine", "de Yasmine"),
        ("ousmane", "d'ousmane"),
        ("Le Gall Yann", "de Le Gall Yann"),
        ("13 Habitat", "de 13 Habitat"),
        ("  Amina ", "d'Amina"),
        ("", "de "),
    ],
)
def test_a_persons_name_after_de_elides_before_a_vowel_sound(name, expected):
    with translation.override("fr"):
        assert of_name(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Eysines", "d'Eysines"),
        ("La Blancarde", "de La Blancarde"),
        ("Le Bouscat", "du Bouscat"),
        ("Les Aubiers", "des Aubiers"),
        ("L'Isle-d'Abeau", "de L'Isle-d'Abeau"),
        ("Emmaüs Connect", "d'Emmaüs Connect"),
        ("Lestrem", "de Lestrem"),
    ],
)
def test_a_places_name_after_de_also_contracts_its_article(name, expected):
    with translation.override("fr"):
        assert of_place(name) == expected


def test_english_says_of_whatever_the_name():
    with translation.override("en"):
        assert of_name("Amina") == "of Amina"
        assert of_place("Le Bouscat") == "of Le Bouscat"


def test_a_date_formatted_in_python_writes_1er_in_french_only():
    first = datetime.date(2026, 12, 1)
    assert date_format(first, "l j F Y") == "mardi 1er décembre 2026"
    assert date_format(datetime.date(2026, 12, 21), "j F") == "21 décembre"
    assert date_format(first, "d/m/Y") == "01/12/2026"
    with translation.override("en"):
        assert date_format(first, "j F Y") == "1 December 2026"


def test_a_date_out_of_bounds_names_the_first_of_january_1er():
    with pytest.raises(ValidationError) as error:
        validate_calendar_date(datetime.date(1999, 12, 31))
    assert "1er janvier 2000" in error.value.messages[0]


# The sentences that say whose something is


def _messages(response):
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "Modifier le compte d'Amina Diallo"), ("en", "Edit the account of Amina Diallo")],
)
def test_the_account_page_says_whose_account(client, language, expected):
    account = UserFactory(referrer=True, display_name="Amina Diallo")
    client.force_login(UserFactory(admin=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert client.get(reverse("inclusion:account_update", args=[account.pk])).context["title"] == expected


def test_a_cancelled_appointment_says_whose_it_was(client):
    person = BeneficiaryFactory(first_name="Ousmane", last_name="Kane")
    sheet = LiaisonSheetFactory(beneficiary=person, status=SheetStatus.BOOKED)
    booking = BookingFactory(slot=slot_ahead(), beneficiary=person, liaison_sheet=sheet)
    client.force_login(sheet.referrer)
    response = client.post(reverse("booking:cancel", args=[booking.pk]), {"reason": ""}, follow=True)
    assert "Le rendez-vous d'Ousmane K. est annulé ; l'orientation redevient « à réserver »." in _messages(response)


def test_a_saved_profile_says_whose_it_is(client):
    antenna = AntennaFactory()
    member = UserFactory(volunteer=True, membership__antenna=antenna, display_name="Hélène Bénévole")
    VolunteerProfileFactory(user=member)
    client.force_login(UserFactory(coordinator=True, membership__antenna=antenna))
    response = client.post(
        reverse("volunteers:member", args=[antenna.pk, member.pk]), {"is_active": "on"}, follow=True
    )
    assert "Le profil d'Hélène Bénévole a été enregistré." in _messages(response)


def test_the_public_pages_name_the_antenna_after_de_as_french_does(client):
    AntennaFactory(name="Eysines")
    bouscat = AntennaFactory(name="Le Bouscat")
    response = client.get(reverse("public:antenna_list"))
    assertContains(response, "Toutes les dates d&#x27;Eysines")
    assertContains(response, "Toutes les dates du Bouscat")
    assertNotContains(response, "de Le Bouscat")
    assertContains(client.get(reverse("public:antenna_detail", args=[bouscat.pk])), "aux dates du Bouscat")


def test_the_erasure_page_says_whose_data(client):
    person = BeneficiaryFactory(first_name="Awa", last_name="Diallo")
    client.force_login(UserFactory(admin=True))
    response = client.get(reverse("privacy:person_erase", args=[person.pk]))
    assertContains(response, "Effacer les données d&#x27;Awa Diallo")


def test_the_referrers_status_email_needs_no_elision(mailoutbox):
    sheet = LiaisonSheetFactory(
        beneficiary=BeneficiaryFactory(first_name="Ousmane", last_name="Kane"), status=SheetStatus.BOOKED
    )
    liaison_sheet_notify(event=LiaisonSheetEvent.objects.filter(sheet=sheet).latest("pk"))
    assert f"L'orientation {sheet.reference} pour Ousmane K. a désormais le statut" in mailoutbox[0].body


def test_a_figures_period_out_of_bounds_names_the_first_of_january_1er():
    with pytest.raises(PeriodError) as error:
        period_from_query({"periode": "custom", "du": "1999-12-01", "au": "2000-01-31"})
    assert "1er janvier 2000" in str(error.value)
