"""The topics taxonomy speaks the reader's language: English labels in the English interface,
French ones otherwise."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from inclusion.core.models import Topic
from tests.core.factories import UserFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory


def test_every_seeded_topic_has_an_english_label():
    topics = Topic.objects.all()
    assert len(topics) == 30
    assert all(topic.label_en for topic in topics)
    housing = Topic.objects.get(code="logement")
    assert (housing.label, housing.label_en) == ("Logement", "Housing")


@pytest.mark.parametrize(("language", "expected"), [("fr", "Santé"), ("en", "Health"), ("ar", "Santé")])
def test_a_topic_is_named_in_the_active_language(language, expected):
    health = Topic.objects.get(code="sante")
    with translation.override(language):
        assert health.name == expected
        assert str(health) == expected


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        ("en", ["Help with administrative procedures – Housing", "Health"], ["Logement", "Santé"]),
        ("fr", ["Aide aux démarches administratives – Logement", "Santé"], ["Housing", "Health"]),
    ],
)
def test_the_sheet_page_shows_the_needs_in_the_readers_language(client, language, shown, not_shown):
    referrer = UserFactory(referrer=True)
    sheet = LiaisonSheetFactory(
        referrer=referrer, beneficiary=BeneficiaryFactory(created_by=referrer), needs=["logement", "sante"]
    )
    client.force_login(referrer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("beneficiaries:sheet_detail", args=[sheet.pk]))
    for text in shown:
        assertContains(response, text)
    for text in not_shown:
        assertNotContains(response, text)


def test_the_sheet_form_offers_the_needs_in_english(client):
    referrer = UserFactory(referrer=True)
    person = BeneficiaryFactory(created_by=referrer)
    client.force_login(referrer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("beneficiaries:sheet_create", args=[person.pk]))
    assertContains(response, "Online banking and shopping")
    assertNotContains(response, "Banque et achats en ligne")


def test_the_admin_lists_both_labels(client):
    client.force_login(UserFactory(admin=True))
    response = client.get(reverse("admin:core_topic_changelist"), {"q": "Housing"})
    assertContains(response, "Logement")
    assertContains(response, "Housing")


def test_a_volunteers_skills_are_offered_in_english(client):
    client.force_login(UserFactory(volunteer=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("volunteers:profile"))
    assertContains(response, "Help with administrative procedures – Money - Taxes")
    assertNotContains(response, "Argent - Impôts")
