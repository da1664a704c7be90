"""Registering a person by keyboard, and the search box over the languages' checkboxes: the most
spoken languages first, the others found by typing a few letters, the plain checkboxes without
JavaScript."""

import re

import pytest
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from playwright.sync_api import expect

from beneficiaries.people.models import Beneficiary
from inclusion.core.models import Language
from tests.core.factories import UserFactory
from tests.e2e.conftest import DESKTOP, PASSWORD, PHONE, check_accessibility, log_in
from tests.people.factories import BeneficiaryFactory
from tests.team.factories import VolunteerProfileFactory

CREATE_URL = "/personnes/nouvelle/"
# The person registered: the letters of the name and the digits of the phone are typed whatever
# the form, so the figure that measures the form leaves them out.
FIRST_NAME, LAST_NAME, PHONE_NUMBER = "Amina", "Haddad", "0612345678"
TYPED_DETAILS = len(FIRST_NAME) + len(LAST_NAME) + len(PHONE_NUMBER)
# The same registration took 89 presses before the search box (68 without the details), 46 of
# them crossing the 44 languages.
MOST_PRESSES = 40
# Which checkboxes of the languages field are shown, in the page's order.
SHOWN_LANGUAGES = """() => [...document.querySelectorAll("[data-language-option]")]
  .filter((option) => option.checkVisibility())
  .map((option) => option.dataset.code)"""


class Keyboard:
    """The page's keyboard, counting every key pressed (each character typed is one)."""

    def __init__(self, page):
        self.page = page
        self.presses = 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.presses += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.presses += len(text)

    def tab_to(self, target, *, most: int = 60) -> None:
        handle = target.element_handle()
        for _press in range(most):
            if handle.evaluate("element => element === document.activeElement"):
                return
            self.press("Tab")
        if not handle.evaluate("element => element === document.activeElement"):
            raise AssertionError(f"{target} is not reached with {most} Tab presses")


def _referrer(email: str = "sophie@example.org"):
    referrer = UserFactory(email=email, referrer=True)
    referrer.set_password(PASSWORD)
    referrer.save()
    return referrer


def _people_speaking() -> None:
    """People already registered: French and Arabic the most spoken, as in Marseille's antennas."""
    for codes, count in [(["fr"], 6), (["fr", "ar"], 4), (["ar"], 1), (["zdj", "fr"], 2), (["en"], 1), (["es"], 1)]:
        for _person in range(count):
            BeneficiaryFactory(languages=codes)


@pytest.mark.usefixtures("transactional_db")
def test_a_person_speaking_arabic_and_french_is_registered_in_few_key_presses(open_page):
    _people_speaking()
    _referrer()
    page = open_page(DESKTOP)
    log_in(page, "sophie@example.org")
    page.goto(CREATE_URL)
    check_accessibility(page)
    expect(page.get_by_role("searchbox", name=_("Find a language"))).to_be_visible()
    keyboard = Keyboard(page)

    # The skip link leads to the form, as keyboard users go.
    keyboard.press("Tab")
    keyboard.press("Enter")
    keyboard.tab_to(page.locator("[name=first_name]"))
    keyboard.type(FIRST_NAME)
    keyboard.tab_to(page.locator("[name=last_name]"))
    keyboard.type(LAST_NAME)
    keyboard.tab_to(page.locator("[name=phone]"))
    keyboard.type(PHONE_NUMBER)
    # French is the first of the most spoken languages, right after the search box.
    keyboard.tab_to(page.get_by_role("searchbox", name=_("Find a language")))
    keyboard.tab_to(page.get_by_role("checkbox", name="Français", exact=True))
    keyboard.press("Space")
    # Arabic is found by typing its first letters; French, ticked, stays shown before it.
    keyboard.press("Shift+Tab")
    keyboard.type("ara")
    expect(page.get_by_role("status").filter(has_text=_("One language matches."))).to_be_visible()
    keyboard.tab_to(page.get_by_role("checkbox", name="Arabe", exact=True), most=2)
    keyboard.press("Space")
    # Past the languages left shown, the other fields, which stay empty, to the consent.
    keyboard.tab_to(page.get_by_label(pgettext("consent", "Oral")))
    keyboard.press("Space")
    keyboard.tab_to(page.get_by_role("button", name=_("Register the person")))
    with page.expect_navigation():
        keyboard.press("Enter")

    presses = keyboard.presses - TYPED_DETAILS
    print(
        f"Registering a person speaking Arabic and French by keyboard: {presses} key presses besides the "
        f"{TYPED_DETAILS} characters of the name and phone ({keyboard.presses} in all; 68 and 89 before)"
    )
    assert presses <= MOST_PRESSES
    check_accessibility(page)
    person = Beneficiary.objects.get(first_name=FIRST_NAME)
    assert (person.last_name, person.phone) == (LAST_NAME, "+33612345678")
    assert {language.code for language in person.languages.all()} == {"ar", "fr"}


@pytest.mark.usefixtures("transactional_db")
def test_typing_shows_only_the_matching_languages_and_the_ticked_ones(open_page):
    _people_speaking()
    _referrer()
    page = open_page(PHONE)
    log_in(page, "sophie@example.org")
    page.goto(CREATE_URL)
    search = page.get_by_role("searchbox", name=_("Find a language"))
    status = page.get_by_role("status").filter(has_text=re.compile("."))
    every_language = Language.objects.count()

    # The most spoken first, then the others.
    assert page.evaluate(SHOWN_LANGUAGES)[:3] == ["fr", "ar", "zdj"]
    expect(page.get_by_role("group", name=_("Most spoken"))).to_be_visible()
    expect(page.get_by_role("group", name=_("Other languages"))).to_be_visible()

    search.fill("ara")
    expect(status).to_have_text(_("One language matches."))
    assert page.evaluate(SHOWN_LANGUAGES) == ["ar"]
    check_accessibility(page)
    page.get_by_role("checkbox", name="Arabe", exact=True).check()

    # Whatever the case and the accents, on the name as shown or on the code; the ticked language stays.
    search.fill("CREOLE")
    expect(status).to_have_text(_("One language matches."))
    assert page.evaluate(SHOWN_LANGUAGES) == ["ar", "ht"]
    expect(page.get_by_role("group", name=_("Most spoken"))).to_be_visible()
    search.fill("zdj")
    assert page.evaluate(SHOWN_LANGUAGES) == ["ar", "zdj"]
    search.fill("fran")
    expect(status).to_have_text(_("%(number)s languages match.") % {"number": 2})
    assert page.evaluate(SHOWN_LANGUAGES) == ["fr", "ar", "fsl"]

    # Nothing found: a group with nothing to show is hidden with its name.
    # A language unticked stays under the pointer until the next letter typed.
    page.get_by_role("checkbox", name="Arabe", exact=True).uncheck()
    assert page.evaluate(SHOWN_LANGUAGES) == ["fr", "ar", "fsl"]
    search.fill("xyz")
    expect(status).to_have_text(_("No language matches."))
    assert page.evaluate(SHOWN_LANGUAGES) == []
    expect(page.get_by_role("group", name=_("Other languages"))).to_be_hidden()

    # Enter in the box sends nothing; emptied, every language is back.
    search.press("Enter")
    assert page.url.endswith(CREATE_URL)
    search.fill("")
    assert len(page.evaluate(SHOWN_LANGUAGES)) == every_language
    check_accessibility(page)
    assert not Beneficiary.objects.filter(first_name=FIRST_NAME).exists()


@pytest.mark.usefixtures("transactional_db")
def test_the_volunteers_profile_has_the_same_search(open_page):
    volunteer = UserFactory(email="antoine@example.org", volunteer=True)
    volunteer.set_password(PASSWORD)
    volunteer.save()
    VolunteerProfileFactory(user=volunteer, languages=["fr"])
    page = open_page(PHONE)
    log_in(page, "antoine@example.org")
    page.goto("/benevoles/mon-profil/")

    page.get_by_role("searchbox", name=_("Find a language")).fill("kab")
    assert page.evaluate(SHOWN_LANGUAGES) == ["fr", "kab"]
    check_accessibility(page)
    page.get_by_role("checkbox", name="Kabyle", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name=_("Save")).click()
    check_accessibility(page)
    assert {language.code for language in volunteer.volunteer_profile.languages.all()} == {"fr", "kab"}


@pytest.mark.usefixtures("transactional_db")
def test_without_javascript_the_languages_are_plain_checkboxes(browser, live_server):
    _people_speaking()
    _referrer()
    context = browser.new_context(viewport=PHONE, locale="fr-FR", base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/")
    page.get_by_label(_("E-mail address")).fill("sophie@example.org")
    page.locator("[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=_("Log in")).click()
    page.goto(CREATE_URL)

    expect(page.get_by_role("searchbox", name=_("Find a language"))).to_be_hidden()
    checkboxes = page.locator("[name=languages]")
    expect(checkboxes).to_have_count(Language.objects.count())
    for index in range(checkboxes.count()):
        expect(checkboxes.nth(index)).to_be_visible()

    page.get_by_label(_("First name")).fill(FIRST_NAME)
    page.get_by_label(_("Phone"), exact=True).fill(PHONE_NUMBER)
    page.get_by_role("checkbox", name="Wolof", exact=True).check()
    page.get_by_label(pgettext("consent", "Oral")).check()
    with page.expect_navigation():
        page.get_by_role("button", name=_("Register the person")).click()
    context.close()
    assert [language.code for language in Beneficiary.objects.get(first_name=FIRST_NAME).languages.all()] == ["wo"]
