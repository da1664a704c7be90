"""The languages checkboxes of the person form: the most spoken first, every checkbox in the page
for browsers without JavaScript, and the search box's markup that language-filter.js drives."""

import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains

from beneficiaries.people.enums import ConsentMethod
from beneficiaries.people.forms import LiaisonSheetForm, PersonForm
from beneficiaries.people.models import Beneficiary
from inclusion.core.forms import MOST_SPOKEN_SHOWN, LanguagesField
from inclusion.core.models import Language
from tests.core.factories import UserFactory
from tests.people.factories import BeneficiaryFactory
from tests.team.factories import VolunteerProfileFactory
from volunteers.team.forms import VolunteerProfileForm

CREATE_URL = reverse("beneficiaries:person_create")
# Each checkbox's wrapper carries its language's code, in the page's order.
CODES = re.compile(r'data-language-option data-code="([a-z]+)"')


@pytest.fixture
def referrer():
    return UserFactory(referrer=True)


def _speakers(code: str, count: int) -> None:
    for _person in range(count):
        BeneficiaryFactory(languages=[code])


def _person_data(**changes):
    data = {"first_name": "Awa", "phone": "06 12 34 56 78", "consent_method": ConsentMethod.ORAL, **changes}
    return {name: value for name, value in data.items() if value is not None}


def _codes_on_page(client) -> list[str]:
    return CODES.findall(client.get(CREATE_URL).content.decode())


def _groups(form, name: str = "languages") -> list[tuple[str | None, list[str]]]:
    return [
        (None if legend is None else str(legend), [checkbox.data["value"].instance.code for checkbox in checkboxes])
        for legend, checkboxes in form[name].checkbox_groups
    ]


def test_the_languages_most_spoken_by_the_people_come_first(client, referrer):
    _speakers("zdj", 3)
    _speakers("ti", 2)
    _speakers("ar", 1)
    client.force_login(referrer)

    codes = _codes_on_page(client)

    assert codes[:3] == ["zdj", "ti", "ar"]
    # Then every other language, alphabetical in French (the page's language): Albanais, Allemand…
    others = list(Language.objects.exclude(code__in=["zdj", "ti", "ar"]).order_by("name_fr"))
    assert codes[3:] == [language.code for language in others]


def test_the_two_groups_are_named_and_hold_at_most_eight_languages_first(referrer):
    for rank, code in enumerate(["fr", "ar", "en", "es", "pt", "it", "de", "ro", "bg", "pl"]):
        _speakers(code, 12 - rank)

    groups = _groups(PersonForm(user=referrer))

    assert [legend for legend, _codes in groups] == ["Les plus parlées", "Autres langues"]
    assert groups[0][1] == ["fr", "ar", "en", "es", "pt", "it", "de", "ro"]
    assert len(groups[0][1]) == MOST_SPOKEN_SHOWN
    assert "bg" in groups[1][1]
    assert "pl" in groups[1][1]


def test_without_any_language_spoken_yet_they_are_one_alphabetical_list(referrer):
    groups = _groups(PersonForm(user=referrer))

    assert len(groups) == 1
    legend, codes = groups[0]
    assert legend is None
    assert codes == list(Language.objects.order_by("name_fr").values_list("code", flat=True))


def test_the_other_languages_are_alphabetical_in_the_readers_language(referrer):
    _speakers("fr", 1)

    with translation.override("en"):
        groups = _groups(PersonForm(user=referrer))

    assert groups[0] == ("Most spoken", ["fr"])
    assert groups[1][1] == list(Language.objects.exclude(code="fr").order_by("name_en").values_list("code", flat=True))
    assert groups[1][1][:3] == ["sq", "am", "ar"]  # Albanian, Amharic, Arabic


def test_the_count_is_one_query_kept_in_the_cache(referrer, django_assert_num_queries):
    _speakers("ar", 2)

    # The count, then the languages.
    with django_assert_num_queries(2):
        _groups(PersonForm(user=referrer))
    # The next forms read the count from the cache.
    with django_assert_num_queries(1):
        _groups(PersonForm(user=referrer))


def test_the_volunteers_languages_order_the_volunteer_form_not_the_peoples():
    _speakers("ar", 3)
    VolunteerProfileFactory(languages=["wo"])
    profile = VolunteerProfileFactory(languages=["wo", "bm"])

    groups = _groups(VolunteerProfileForm(instance=profile))

    assert groups[0] == ("Les plus parlées", ["wo", "bm"])


def test_every_language_is_a_plain_checkbox_in_the_page(client, referrer):
    _speakers("ar", 2)
    client.force_login(referrer)

    page = client.get(CREATE_URL).content.decode()

    checkboxes = re.findall(r'<input type="checkbox" name="languages" value="(\d+)"', page)
    assert sorted(map(int, checkboxes)) == sorted(Language.objects.values_list("pk", flat=True))
    # Each with its own label.
    for match in re.finditer(r'<input type="checkbox" name="languages" value="\d+" [^>]*id="([^"]+)"', page):
        assert f'<label class="form-check-label" for="{match[1]}">' in page


def test_the_search_box_is_hidden_until_its_script_shows_it(client, referrer):
    client.force_login(referrer)

    response = client.get(CREATE_URL)

    page = response.content.decode()
    box = re.search(r"<div [^>]*data-language-filter-box[^>]*>", page)[0]
    assert " hidden" in box
    assertContains(response, '<label class="form-label mb-1" for="id_languages_filter">Trouver une langue</label>')
    assertContains(response, 'type="search" id="id_languages_filter"')
    assertContains(response, 'aria-describedby="id_languages_filter_help"')
    # The count of languages found is announced when typing pauses.
    status = re.search(r'<p [^>]*role="status"[^>]*>', page)[0]
    assert 'aria-live="polite"' in status
    assert 'data-none="Aucune langue ne correspond."' in status
    assert 'data-one="Une langue correspond."' in status
    assert 'data-many="__NUMBER__ langues correspondent."' in status
    # The script comes from the static files: the site's policy refuses inline scripts.
    assertContains(response, '<script src="/static/js/language-filter.js" defer></script>')
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_the_search_box_has_no_name_and_is_never_sent(client, referrer):
    client.force_login(referrer)

    page = client.get(CREATE_URL).content.decode()

    search = re.search(r'<input [^>]*type="search"[^>]*>', page)[0]
    assert "name=" not in search


def test_a_language_that_does_not_exist_is_refused_with_a_message(client, referrer):
    client.force_login(referrer)

    for value in ["999999", "arabe"]:
        response = client.post(CREATE_URL, _person_data(languages=[value]))

        assert response.status_code == 200
        assertContains(response, 'id="id_languages_errors"')
        assertContains(response, 'aria-describedby="id_languages_helptext id_languages_errors"', count=0)
        assertContains(response, 'aria-describedby="id_languages_errors"')
    assert not Beneficiary.objects.exists()


def test_a_language_among_the_others_is_saved_like_a_most_spoken_one(client, referrer):
    _speakers("ar", 2)
    client.force_login(referrer)
    languages = Language.objects.filter(code__in=["ar", "wo"])

    client.post(CREATE_URL, _person_data(languages=[language.pk for language in languages]))

    person = Beneficiary.objects.get(first_name="Awa")
    assert {language.code for language in person.languages.all()} == {"ar", "wo"}


def test_a_ticked_language_stays_ticked_when_the_form_comes_back_with_errors(client, referrer):
    client.force_login(referrer)
    wolof = Language.objects.get(code="wo")

    response = client.post(CREATE_URL, _person_data(languages=[wolof.pk], consent_method=None))

    assertContains(response, f'value="{wolof.pk}" class="form-check-input" id="id_languages_', count=1)
    assert re.search(rf'value="{wolof.pk}" class="form-check-input" id="id_languages_\d+" checked', response.text)


def test_the_liaison_sheets_language_starts_with_the_most_spoken(referrer):
    _speakers("zdj", 2)
    person = BeneficiaryFactory(languages=["zdj"])

    form = LiaisonSheetForm(beneficiary=person)

    html = str(form["language"])
    assert html.index('<optgroup label="Les plus parlées">') < html.index("Comorien") < html.index("Albanais")
    assert html.index("— non précisée —") < html.index("<optgroup")
    assert form["language"].initial == Language.objects.get(code="zdj")


def test_a_form_without_a_table_of_speakers_lists_the_languages_alphabetically():
    class Form(forms.Form):
        languages = LanguagesField(label="Langues", required=False)

    _speakers("ar", 2)

    codes = _groups(Form())[0][1]

    assert codes == list(Language.objects.order_by("name_fr").values_list("code", flat=True))
