"""The referrer's forms that ask for languages read them in a fixed number of queries, however
many people speak them, and the needs of a liaison sheet stay grouped under their theme."""

import re

import pytest
from django.urls import reverse

from inclusion.core.models import Language, Topic
from tests.core.factories import UserFactory
from tests.people.factories import BeneficiaryFactory

CREATE_URL = reverse("beneficiaries:person_create")


@pytest.fixture
def referrer():
    return UserFactory(referrer=True)


def _many_speakers() -> None:
    for code in ["fr", "ar", "zdj", "ti", "wo", "bm", "es", "pt", "ro", "ru"]:
        BeneficiaryFactory(languages=[code, "fr"])


@pytest.mark.parametrize("speakers", [False, True])
def test_the_person_form_reads_the_languages_in_a_fixed_number_of_queries(
    client, referrer, django_assert_num_queries, speakers
):
    if speakers:
        _many_speakers()
    client.force_login(referrer)

    # The session, the user and their roles (4), the count of speakers, the languages.
    with django_assert_num_queries(6):
        client.get(CREATE_URL)
    # The count is kept in the cache.
    with django_assert_num_queries(5):
        client.get(CREATE_URL)


def test_the_sheet_form_reads_the_languages_in_a_fixed_number_of_queries(client, referrer, django_assert_num_queries):
    _many_speakers()
    person = BeneficiaryFactory(created_by=referrer, languages=["ar"])
    client.force_login(referrer)
    url = reverse("beneficiaries:sheet_create", args=[person.pk])
    client.get(url)

    # Another person speaking more languages costs nothing more.
    BeneficiaryFactory(created_by=referrer, languages=["ar", "wo", "bm"])
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200


def test_the_sheets_needs_are_grouped_under_their_theme(client, referrer):
    person = BeneficiaryFactory(created_by=referrer)
    client.force_login(referrer)

    page = client.get(reverse("beneficiaries:sheet_create", args=[person.pk])).content.decode()

    # Each theme with sub-themes is followed by a nested group named after it, holding them.
    for theme in Topic.objects.filter(parent=None, subtopics__isnull=False).distinct():
        group = re.search(
            r'<fieldset class="ms-4 ps-2 border-start"[^>]*>\s*'
            rf'<legend class="visually-hidden">{re.escape(theme.label)}</legend>(.*?)</fieldset>',
            page,
            re.DOTALL,
        )
        assert group, theme.label
        labels = re.findall(r'<label class="form-check-label" for="[^"]+">([^<]+)</label>', group[1])
        assert labels == [topic.label for topic in theme.subtopics.filter(is_active=True).order_by("position")]


def test_the_sheets_language_keeps_every_language(client, referrer):
    _many_speakers()
    person = BeneficiaryFactory(created_by=referrer)
    client.force_login(referrer)

    page = client.get(reverse("beneficiaries:sheet_create", args=[person.pk])).content.decode()

    select = re.search(r'<select name="language".*?</select>', page, re.DOTALL)[0]
    values = re.findall(r'<option value="(\d+)"', select)
    assert sorted(map(int, values)) == sorted(Language.objects.values_list("pk", flat=True))
