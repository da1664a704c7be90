"""The desk's search for a person: by name whatever the accents, by part of a phone number, by a
card's reference; only the people the user may see; checking in from the results."""

import datetime

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from beneficiaries.people.services import beneficiary_search
from sessions_app.bookings.enums import Attendance
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import VolunteerProfileFactory

pytestmark = pytest.mark.django_db


def _member(role: str, antenna, *, signed: bool = True):
    user = UserFactory(**{role: True}, membership__antenna=antenna)
    VolunteerProfileFactory(user=user, charter_signed_on=datetime.date(2026, 1, 15) if signed else None)
    return user


@pytest.fixture
def world():
    antenna = AntennaFactory(name="La Blancarde")
    occurrence = occurrence_today(antenna=antenna)
    first_slot = occurrence.slots.order_by("starts_at").first()
    benoit = BeneficiaryFactory(first_name="Benoît", last_name="Lefèvre", phone="+33612345678", first_antenna=antenna)
    booking = BookingFactory(
        slot=first_slot, beneficiary=benoit, liaison_sheet=LiaisonSheetFactory(beneficiary=benoit)
    )
    shouting = BeneficiaryFactory(first_name="BENOIT", last_name="MARTIN", first_antenna=antenna)
    return {
        "antenna": antenna,
        "occurrence": occurrence,
        "slot": first_slot,
        "benoit": benoit,
        "booking": booking,
        "shouting": shouting,
        "volunteer": _member("volunteer", antenna),
    }


def _search(client, world, text, user=None):
    client.force_login(user or world["volunteer"])
    return client.get(reverse("desk:today", args=[world["antenna"].pk]), {"q": text})


def _found(client, world, text, user=None):
    response = _search(client, world, text, user)
    assert response.status_code == 200
    return response.context["found"]


@pytest.mark.parametrize(
    "text", ["Benoit", "benoît", "BENOÎT", "benoi", "lefevre benoit", "Lefèvre", "LEFEVRE BENOÎT"]
)
def test_a_name_is_found_whatever_its_accents_case_and_order(client, world, text):
    assert world["benoit"] in _found(client, world, text)


def test_an_accent_typed_finds_a_name_written_without(client, world):
    assert set(_found(client, world, "benoît")) == {world["benoit"], world["shouting"]}
    assert _found(client, world, "benoît martin") == [world["shouting"]]


def test_an_accent_typed_apart_and_full_width_letters_find_the_name(client, world):
    assert world["benoit"] in _found(client, world, "benoi\u0302t")
    assert world["benoit"] in _found(client, world, "Ｂｅｎｏｉｔ")


@pytest.mark.parametrize("text", ["06 12 34", "0612", "+33 6 12", "06.12.34.56.78", "0033612", "345678"])
def test_part_of_a_phone_number_is_found_however_written(client, world, text):
    assert _found(client, world, text) == [world["benoit"]]


def test_another_number_is_not_found(client, world):
    assert _found(client, world, "07 12 34") == []


@pytest.mark.parametrize(
    "transform", [str, str.lower, lambda code: code.replace("-", ""), lambda c: c.lower().replace("-", "")]
)
def test_a_cards_reference_is_found_in_any_case_with_or_without_its_dash(client, world, transform):
    reference = world["booking"].liaison_sheet.reference
    assert _found(client, world, transform(reference)) == [world["benoit"]]


def test_the_people_of_another_antenna_are_not_found(client, world):
    other = AntennaFactory()
    BeneficiaryFactory(first_name="Benoît", last_name="Ailleurs", first_antenna=other)
    assertNotContains(_search(client, world, "ailleurs"), "Ailleurs")
    assert _found(client, world, "ailleurs") == []


def test_a_reference_of_a_sheet_the_user_may_not_see_is_not_found(client, world):
    # The person is known at the antenna, but this referral was never booked there.
    sheet = LiaisonSheetFactory(beneficiary=BeneficiaryFactory(first_name="Zoé", first_antenna=None))
    assert _found(client, world, sheet.reference) == []


def test_a_referrer_does_not_find_a_colleagues_sheet_by_its_reference(world):
    sheet = LiaisonSheetFactory()
    colleague = LiaisonSheetFactory(beneficiary=sheet.beneficiary).referrer
    assert list(beneficiary_search(user=sheet.referrer, text=sheet.reference)) == [sheet.beneficiary]
    assert list(beneficiary_search(user=colleague, text=sheet.reference)) == []


def test_a_result_shows_the_phone_and_a_check_in_for_todays_booking(client, world):
    response = _search(client, world, "benoit lefevre")
    assertContains(response, "06 12 34 56 78")
    assertContains(response, reverse("desk:attendance", args=[world["booking"].pk]))
    assertContains(
        response, 'name="next" value="{}?q=benoit+lefevre"'.format(reverse("desk:today", args=[world["antenna"].pk]))
    )
    assertContains(response, reverse("desk:person_history", args=[world["antenna"].pk, world["benoit"].pk]))


def test_checking_in_from_the_results_comes_back_to_the_search(client, world):
    desk = reverse("desk:today", args=[world["antenna"].pk])
    client.force_login(world["volunteer"])
    response = client.post(
        reverse("desk:attendance", args=[world["booking"].pk]),
        {"attendance": Attendance.ATTENDED, "next": f"{desk}?q=benoit"},
    )
    assertRedirects(response, f"{desk}?q=benoit")
    world["booking"].refresh_from_db()
    assert world["booking"].attendance == Attendance.ATTENDED


def test_a_next_address_off_the_site_goes_back_to_the_desk(client, world):
    client.force_login(world["volunteer"])
    response = client.post(
        reverse("desk:attendance", args=[world["booking"].pk]),
        {"attendance": Attendance.ATTENDED, "next": "https://example.com/"},
    )
    assertRedirects(response, reverse("desk:today", args=[world["antenna"].pk]))


def test_someone_not_booked_today_is_offered_as_a_walk_in(client, world):
    response = _search(client, world, "martin")
    walk_in = f"{reverse('desk:walk_in', args=[world['occurrence'].pk])}?person={world['shouting'].pk}"
    assertContains(response, walk_in)
    walk_in_page = client.get(walk_in)
    assertContains(walk_in_page, f'name="person" value="{world["shouting"].pk}"')


def test_the_walk_in_page_does_not_offer_someone_the_user_may_not_see(client, world):
    stranger = BeneficiaryFactory(first_name="Inconnu", first_antenna=AntennaFactory())
    client.force_login(world["volunteer"])
    response = client.get(reverse("desk:walk_in", args=[world["occurrence"].pk]), {"person": stranger.pk})
    assertNotContains(response, f'name="person" value="{stranger.pk}"')


def test_no_one_found_is_said(client, world):
    assertContains(_search(client, world, "Personne"), "Aucune personne trouvée")


@pytest.mark.parametrize("role", ["volunteer", "coordinator"])
def test_without_the_charter_there_is_no_search_and_the_notice_says_why(client, world, role):
    user = _member(role, world["antenna"], signed=False)
    response = _search(client, world, "benoit", user)
    assert response.context["found"] is None
    assertNotContains(response, "Lefèvre")  # the person's name (an account may be a Benoît too)
    assertNotContains(response, 'id="desk-search"')
    assertContains(response, "et la recherche d'une personne sont masqués")
    assertContains(response, reverse("volunteers:profile"))


@pytest.mark.parametrize(
    ("text", "message"),
    [("b", "au moins 2 caractères"), ("b" * 101, "au plus 100 caractères"), ("   ", "Tapez un nom")],
)
def test_a_search_too_short_or_too_long_is_told(client, world, text, message):
    response = _search(client, world, text)
    assert response.status_code == 200
    assert response.context["found"] is None
    assertContains(response, message)


@pytest.mark.parametrize(
    "text",
    ["ben\x00oit", "\x00\x00", "\u0301\u0301", "🙂🙂", "\u202ebenoit", "٣٤٥٦", "²³", "[(*+?", "***:x", "\\d+", "%_%"],
)
def test_odd_characters_never_break_the_search(client, world, text):
    assert _search(client, world, text).status_code == 200


def test_an_undecodable_query_string_never_breaks_the_search(client, world):
    client.force_login(world["volunteer"])
    url = reverse("desk:today", args=[world["antenna"].pk])
    assert client.get(f"{url}?q=%FF%FE%ED%A0%80").status_code == 200


def test_a_nul_byte_is_dropped(client, world):
    assert world["benoit"] in _found(client, world, "ben\x00oit")


def _more_people(world, count):
    for index in range(count):
        person = BeneficiaryFactory(first_name="Benoît", last_name=f"Suivant{index}", first_antenna=world["antenna"])
        BookingFactory(slot=world["slot"], beneficiary=person)


def test_the_search_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    client.force_login(world["volunteer"])
    url = reverse("desk:today", args=[world["antenna"].pk])
    world["slot"].seats = 20
    world["slot"].save(update_fields=["seats"])
    with django_assert_num_queries(14):
        response = client.get(url, {"q": "lefevre"})
    assert len(response.context["found"]) == 1
    _more_people(world, 4)
    with django_assert_num_queries(14):
        response = client.get(url, {"q": "suivant"})
    assert len(response.context["found"]) == 4
    _more_people(world, 1)
    with django_assert_num_queries(14):
        response = client.get(url, {"q": "benoit"})
    assert len(response.context["found"]) == 7


def test_at_most_twenty_people_are_shown(client, world):
    for index in range(22):
        BeneficiaryFactory(first_name="Benoît", last_name=f"Nombreux{index:02}", first_antenna=world["antenna"])
    assert len(_found(client, world, "nombreux")) == 20
