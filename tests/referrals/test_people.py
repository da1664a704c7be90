"""The people a referrer follows: registering them with their consent, duplicates, their page."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from beneficiaries.people.enums import ConsentMethod, FrenchLevel, SheetStatus
from beneficiaries.people.models import Beneficiary, Consent
from inclusion.core.models import Language, Topic
from sessions_app.desk import services as session_services
from tests.bookings.factories import BookingFactory
from tests.core.factories import UserFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import slot_ahead
from tests.team.factories import VolunteerProfileFactory

CREATE_URL = reverse("beneficiaries:person_create")
LIST_URL = reverse("beneficiaries:person_list")


@pytest.fixture
def referrer():
    return UserFactory(referrer=True)


def _person_data(**changes):
    data = {
        "first_name": "Awa",
        "last_name": "Diallo",
        "phone": "06 12 34 56 78",
        "email": "",
        "birth_year": "1975",
        "postcode": "13003",
        "commune": "Marseille",
        "french_level": FrenchLevel.BEGINNER,
        "has_email_address": "no",
        "has_smartphone": "yes",
        "has_computer": "",
        "has_internet": "",
        "age_bracket": "not_given",
        "gender": "not_given",
        "social_status": "not_given",
        "consent_method": ConsentMethod.ORAL,
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_referrer_registers_a_person_with_their_consent(client, referrer):
    client.force_login(referrer)
    languages = list(Language.objects.filter(code__in=["ar", "fr"]))
    response = client.post(CREATE_URL, _person_data(languages=[language.pk for language in languages]))
    person = Beneficiary.objects.get()
    assertRedirects(response, reverse("beneficiaries:person_detail", args=[person.pk]))
    assert (person.first_name, person.last_name, person.phone, person.birth_year) == (
        "Awa",
        "Diallo",
        "+33612345678",
        1975,
    )
    assert person.created_by == referrer
    assert (person.has_email_address, person.has_smartphone, person.has_computer, person.has_internet) == (
        False,
        True,
        None,
        None,
    )
    assert set(person.languages.all()) == set(languages)
    consent = Consent.objects.get()
    assert (consent.beneficiary, consent.method, consent.recorded_by) == (person, ConsentMethod.ORAL, referrer)


def test_admin_registers_a_person_too(client):
    client.force_login(UserFactory(admin=True))
    response = client.post(CREATE_URL, _person_data(phone="", has_no_phone="on", consent_method=ConsentMethod.PAPER))
    person = Beneficiary.objects.get()
    assertRedirects(response, reverse("beneficiaries:person_detail", args=[person.pk]))
    assert person.has_no_phone
    assert person.consents.get().method == ConsentMethod.PAPER


def test_nobody_is_saved_without_consent(client, referrer):
    client.force_login(referrer)
    response = client.post(CREATE_URL, _person_data(consent_method=None))
    assert response.status_code == 200
    assert "consent_method" in response.context["form"].errors
    assert response.context["form"]["first_name"].value() == "Awa"
    assert not Beneficiary.objects.exists()
    assert not Consent.objects.exists()


@pytest.mark.parametrize("phone", ["12", "06 12 34", "not a number"])
def test_an_invalid_phone_is_refused(client, referrer, phone):
    client.force_login(referrer)
    response = client.post(CREATE_URL, _person_data(phone=phone))
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert not Beneficiary.objects.exists()


def test_a_phone_or_no_phone_is_required_but_not_both(client, referrer):
    client.force_login(referrer)
    response = client.post(CREATE_URL, _person_data(phone=""))
    assert "phone" in response.context["form"].errors
    response = client.post(CREATE_URL, _person_data(has_no_phone="on"))
    assert "has_no_phone" in response.context["form"].errors
    assert not Beneficiary.objects.exists()


def test_a_birth_year_in_the_future_is_refused(client, referrer):
    client.force_login(referrer)
    response = client.post(CREATE_URL, _person_data(birth_year=str(timezone.localdate().year + 1)))
    assert response.status_code == 200
    assert "birth_year" in response.context["form"].errors
    assert not Beneficiary.objects.exists()


def test_a_duplicate_by_phone_is_proposed_and_saved_only_when_it_is_someone_else(client, referrer):
    existing = BeneficiaryFactory(first_name="Fatou", last_name="Sow", phone="+33612345678", created_by=referrer)
    client.force_login(referrer)
    response = client.post(CREATE_URL, _person_data())
    assert response.status_code == 200
    assert response.context["form"].duplicates == [existing]
    assert "someone_else" in response.context["form"].errors
    assertContains(response, reverse("beneficiaries:person_detail", args=[existing.pk]))
    assertContains(response, 'name="someone_else"')
    assert Beneficiary.objects.count() == 1

    response = client.post(CREATE_URL, _person_data(someone_else="on"))
    assert response.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_a_duplicate_by_names_and_birth_year_is_proposed(client, referrer):
    existing = BeneficiaryFactory(first_name="awa", last_name="DIALLO", birth_year=1975, created_by=referrer)
    client.force_login(referrer)
    response = client.post(CREATE_URL, _person_data())
    assert response.context["form"].duplicates == [existing]
    assert Beneficiary.objects.count() == 1
    # Same names, another birth year: another person, saved at once.
    response = client.post(CREATE_URL, _person_data(birth_year="1990"))
    assert response.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_another_referrers_people_are_never_proposed_as_duplicates(client, referrer):
    BeneficiaryFactory(phone="+33612345678", created_by=UserFactory(referrer=True))
    client.force_login(referrer)
    response = client.post(CREATE_URL, _person_data())
    assert response.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_the_first_form_shows_no_duplicate_box(client, referrer):
    client.force_login(referrer)
    response = client.get(CREATE_URL)
    assert response.status_code == 200
    assertNotContains(response, 'name="someone_else"')
    assertContains(response, 'name="consent_method"')


def test_person_list_shows_the_referrers_own_people_with_their_open_referrals(client, referrer):
    mine = BeneficiaryFactory(last_name="Mansour", created_by=referrer)
    open_sheet = LiaisonSheetFactory(referrer=referrer, beneficiary=mine, status=SheetStatus.BOOKED)
    closed_sheet = LiaisonSheetFactory(referrer=referrer, beneficiary=mine, status=SheetStatus.CLOSED)
    referred = LiaisonSheetFactory(referrer=referrer, beneficiary__last_name="Benali").beneficiary
    theirs = BeneficiaryFactory(last_name="Kaddour", created_by=UserFactory(referrer=True))
    client.force_login(referrer)
    response = client.get(LIST_URL)
    people = list(response.context["page"])
    assert people == [referred, mine]
    assert people[1].open_sheets == [open_sheet]
    assertContains(response, open_sheet.reference)
    assertNotContains(response, closed_sheet.reference)
    assertNotContains(response, theirs.last_name)


def test_person_list_searches_by_name_and_by_phone(client, referrer):
    awa = BeneficiaryFactory(first_name="Awa", last_name="Diallo", phone="+33612345678", created_by=referrer)
    BeneficiaryFactory(first_name="Karim", last_name="Haddad", created_by=referrer)
    client.force_login(referrer)
    assert list(client.get(LIST_URL, {"q": "dial"}).context["page"]) == [awa]
    assert list(client.get(LIST_URL, {"q": "06 12 34 56 78"}).context["page"]) == [awa]
    assert list(client.get(LIST_URL, {"q": "Nobody"}).context["page"]) == []
    assert client.get(LIST_URL, {"q": "\x00" * 500}).status_code == 200


def test_person_detail_shows_the_persons_sheets_and_the_new_sheet_button(client, referrer):
    person = BeneficiaryFactory(created_by=referrer)
    sheet = LiaisonSheetFactory(referrer=referrer, beneficiary=person)
    client.force_login(referrer)
    response = client.get(reverse("beneficiaries:person_detail", args=[person.pk]))
    assertContains(response, person.first_name)
    assertContains(response, reverse("beneficiaries:sheet_detail", args=[sheet.pk]))
    assertContains(response, reverse("beneficiaries:sheet_create", args=[person.pk]))


def test_referrer_gets_404_on_another_referrers_people(client, referrer):
    theirs = BeneficiaryFactory(created_by=UserFactory(referrer=True))
    client.force_login(referrer)
    assert client.get(reverse("beneficiaries:person_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("beneficiaries:sheet_create", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("beneficiaries:sheet_create", args=[theirs.pk]), {}).status_code == 404


def test_the_person_page_never_shows_a_session_logs_private_note(client, referrer, django_capture_on_commit_callbacks):
    slot = slot_ahead()
    antenna = slot.occurrence.permanence.antenna
    person = BeneficiaryFactory(created_by=referrer)
    sheet = LiaisonSheetFactory(referrer=referrer, beneficiary=person, status=SheetStatus.BOOKED)
    booking = BookingFactory(slot=slot, beneficiary=person, liaison_sheet=sheet)
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    VolunteerProfileFactory(user=volunteer)
    # A session is logged once it has taken place.
    with time_machine.travel(slot.ends_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        session_services.session_log_create(
            antenna=antenna,
            fields=session_services.SessionLogFields(
                booking=booking,
                occurrence=slot.occurrence,
                beneficiary=person,
                date=slot.occurrence.date,
                duration_minutes=60,
                outcome="done",
                summary="Adresse e-mail créée",
                private_note="Situation familiale difficile",
            ),
            volunteers=[volunteer],
            topics=Topic.objects.filter(code="email"),
            by=volunteer,
        )
    url = reverse("beneficiaries:person_detail", args=[person.pk])
    for user in (referrer, UserFactory(admin=True), volunteer):
        client.force_login(user)
        response = client.get(url)
        assertContains(response, "Adresse e-mail créée")
        assertNotContains(response, "Situation familiale difficile")


def _grow(referrer, count):
    for _ in range(count):
        # A name the search for "a" finds, whatever names the factory would draw.
        person = BeneficiaryFactory(created_by=referrer, last_name="Martin")
        person.languages.set(Language.objects.filter(code="ar"))
        LiaisonSheetFactory(referrer=referrer, beneficiary=person, status=SheetStatus.BOOKED)
        LiaisonSheetFactory(referrer=referrer, beneficiary=person, status=SheetStatus.CLOSED)
    # Someone else's people and sheets, which the list must not show nor count.
    LiaisonSheetFactory(beneficiary=BeneficiaryFactory())


@pytest.mark.parametrize("query", ["", "a"])
def test_person_list_runs_a_fixed_number_of_queries(client, referrer, django_assert_num_queries, query):
    client.force_login(referrer)
    _grow(referrer, 2)
    # Session, user, roles (2), charter, count, page, open referrals.
    with django_assert_num_queries(8):
        assert client.get(LIST_URL, {"q": query}).status_code == 200
    _grow(referrer, 4)
    with django_assert_num_queries(8):
        assert client.get(LIST_URL, {"q": query}).status_code == 200


def test_person_list_pages_hold_fifty_people(client, referrer):
    BeneficiaryFactory.create_batch(51, created_by=referrer, birth_year=datetime.date.today().year - 30)
    client.force_login(referrer)
    response = client.get(LIST_URL)
    assert len(response.context["page"]) == 50
    assert len(client.get(LIST_URL, {"page": 2}).context["page"]) == 1


def test_the_optional_facts_may_be_left_out(client, referrer):
    client.force_login(referrer)
    data = _person_data()
    for name in ("french_level", "age_bracket", "gender", "social_status", "has_email_address", "has_smartphone"):
        del data[name]
    assert client.post(CREATE_URL, data).status_code == 302
    person = Beneficiary.objects.get()
    assert (person.french_level, person.age_bracket, person.gender, person.social_status) == (
        "not_given",
        "not_given",
        "not_given",
        "not_given",
    )
    assert (person.has_email_address, person.has_smartphone) == (None, None)
