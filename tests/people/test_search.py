"""Finding a person by name or part of their phone number: whatever the accents, the case and the
words' order, only among the people the user may see, in one query, through the trigram indexes
of migration 0003."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from beneficiaries.people.models import Beneficiary, LiaisonSheet
from beneficiaries.people.search import LETTER_BASE, name_condition, search_words
from beneficiaries.people.services import beneficiary_search
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import slot_ahead
from tests.team.factories import VolunteerProfileFactory


def _member(antenna, *, role: str = "volunteer", signed: bool = True):
    user = UserFactory(**{role: True}, membership__antenna=antenna)
    VolunteerProfileFactory(user=user, charter_signed_on=datetime.date(2026, 1, 15) if signed else None)
    return user


@pytest.fixture
def antenna():
    return AntennaFactory(name="La Blancarde")


@pytest.fixture
def volunteer(antenna):
    return _member(antenna)


@pytest.fixture
def helene(antenna):
    return BeneficiaryFactory(first_name="Hélène", last_name="Lefèvre", phone="+33612345678", first_antenna=antenna)


def _found(user, text, **kwargs):
    return list(beneficiary_search(user=user, text=text, **kwargs))


@pytest.mark.parametrize("text", ["helene", "HELENE", "élè", "Hélène", "hélène lefèvre", "LEFEVRE", "lef", "ELENE"])
def test_a_name_is_found_whatever_its_accents_and_case(volunteer, helene, text):
    assert _found(volunteer, text) == [helene]


@pytest.mark.parametrize("text", ["lefevre helene", "Lefèvre Hélène", "ène lef", "EFE HEL"])
def test_the_words_are_found_in_any_order_each_in_the_first_or_last_name(volunteer, helene, text):
    assert _found(volunteer, text) == [helene]


def test_every_word_must_be_found(volunteer, helene):
    assert _found(volunteer, "helene martin") == []


def test_ligatures_and_letters_of_other_alphabets_names_are_found(volunteer, antenna):
    coeur = BeneficiaryFactory(first_name="Joséphine", last_name="Sœur", first_antenna=antenna)
    gunes = BeneficiaryFactory(first_name="Güneş", last_name="Yılmaz", first_antenna=antenna)
    assert _found(volunteer, "soeur") == [coeur]
    assert _found(volunteer, "SŒUR josephine") == [coeur]
    assert _found(volunteer, "gunes yilmaz") == [gunes]


def test_a_word_of_one_or_two_letters_is_looked_for_among_the_users_people(volunteer, antenna):
    li = BeneficiaryFactory(first_name="Wei", last_name="Li", first_antenna=antenna)
    BeneficiaryFactory(first_name="Wei", last_name="Li", first_antenna=AntennaFactory())
    assert _found(volunteer, "li") == [li]
    assert _found(volunteer, "li wei") == [li]
    assert _found(volunteer, "wei LI") == [li]


@pytest.mark.parametrize(
    "text", ["06 12 34", "06.12.34.56.78", "0612", "+33 6 12 34", "0033 6 12", "34 56 78", "56.78", "12 34 56"]
)
def test_part_of_a_phone_number_is_found_written_with_spaces_or_dots(volunteer, helene, text):
    assert _found(volunteer, text) == [helene]


def test_a_part_starting_with_zero_is_found_in_the_middle_of_a_number(volunteer, antenna):
    # +33 6 00 05 41 62: "05 41 62" is its end, not the start of a number in 05.
    person = BeneficiaryFactory(phone="+33600054162", first_antenna=antenna)
    BeneficiaryFactory(phone="+33612345678", first_antenna=antenna)
    assert _found(volunteer, "05 41 62") == [person]


def test_another_number_is_not_found(volunteer, helene):
    assert _found(volunteer, "07 12 34") == []
    assert _found(volunteer, "98 76") == []


def test_a_full_number_finds_its_person(volunteer, helene):
    assert _found(volunteer, "", phone="+33612345678") == [helene]


def test_the_people_of_another_antenna_are_not_found_nor_opened(client, volunteer, helene):
    elsewhere = BeneficiaryFactory(first_name="Hélène", last_name="Ailleurs", phone="+33612345679")
    assert _found(volunteer, "helene") == [helene]
    assert _found(volunteer, "ailleurs") == []
    assert _found(volunteer, "06 12 34 56 79") == []
    client.force_login(volunteer)
    assert client.get(reverse("beneficiaries:person_detail", args=[elsewhere.pk])).status_code == 404


def test_the_people_found_come_by_last_name_then_first_name(volunteer, antenna):
    zoe = BeneficiaryFactory(first_name="Zoé", last_name="Martin", first_antenna=antenna)
    adele = BeneficiaryFactory(first_name="Adèle", last_name="Martin", first_antenna=antenna)
    ana = BeneficiaryFactory(first_name="Ana", last_name="Marti", first_antenna=antenna)
    assert _found(volunteer, "mart") == [ana, adele, zoe]


def test_a_name_changed_is_found_by_its_new_spelling_only(volunteer, helene):
    Beneficiary.objects.filter(pk=helene.pk).update(first_name="Élodie")
    assert _found(volunteer, "helene") == []
    assert _found(volunteer, "elodie lefevre") == [helene]


def test_odd_characters_are_searched_as_they_are(volunteer, antenna):
    percent = BeneficiaryFactory(first_name="Pour%cent", last_name="Sous_trait", first_antenna=antenna)
    BeneficiaryFactory(first_name="Pourxcent", last_name="Sousxtrait", first_antenna=antenna)
    assert _found(volunteer, "r%c") == [percent]
    assert _found(volunteer, "s_t") == [percent]
    assert _found(volunteer, "\\d+") == []


@pytest.mark.parametrize("text", ["helene", "li", "06 12 34", "12", "lefevre h"])
def test_a_search_is_one_query_whatever_the_number_found(volunteer, antenna, text, django_assert_num_queries):
    """Whether PostgreSQL checks each person found (an index finds them all) or lists the
    user's people first (a word too short for the index), the search is one query."""
    BeneficiaryFactory(first_name="Hélène", last_name="Li Lefèvre", phone="+33612345678", first_antenna=antenna)
    with django_assert_num_queries(1):
        assert len(_found(volunteer, text)) == 1
    for index in range(4):
        BeneficiaryFactory(
            first_name="Hélène", last_name=f"Li Lefèvre{index}", phone=f"+3361234{index:04}", first_antenna=antenna
        )
    with django_assert_num_queries(1):
        assert len(_found(volunteer, text)) == 5


def test_a_reference_search_is_one_query(volunteer, antenna, django_assert_num_queries):
    slot = slot_ahead(antenna=antenna)
    sheet = LiaisonSheetFactory(beneficiary__first_antenna=None)
    BookingFactory(slot=slot, beneficiary=sheet.beneficiary, liaison_sheet=sheet)
    with django_assert_num_queries(1):
        assert _found(volunteer, sheet.reference.replace("-", "").lower()) == [sheet.beneficiary]


@pytest.fixture
def every_reason(antenna):
    """One person for each reason a user may see them, and people nobody of the antenna may."""
    referrer = UserFactory(referrer=True)
    slot = slot_ahead(antenna=antenna)
    people = {
        "created": BeneficiaryFactory(created_by=referrer),
        "referred": LiaisonSheetFactory(referrer=referrer).beneficiary,
        "first met": BeneficiaryFactory(first_antenna=antenna),
        "booked": BookingFactory(slot=slot, beneficiary=BeneficiaryFactory()).beneficiary,
        "helped": SessionLogFactory(antenna=antenna, beneficiary=BeneficiaryFactory()).beneficiary,
        "elsewhere": BeneficiaryFactory(first_antenna=AntennaFactory()),
        "booked elsewhere": BookingFactory(slot=slot_ahead(), beneficiary=BeneficiaryFactory()).beneficiary,
        "a colleague's": LiaisonSheetFactory().beneficiary,
    }
    # An anonymous walk-in and a session with nobody named count for no one.
    BookingFactory(slot=slot, beneficiary=None)
    SessionLogFactory(antenna=antenna, beneficiary=None)
    return referrer, people


def _users(antenna, referrer):
    return {
        "referrer": (referrer, {"created", "referred"}),
        "volunteer": (_member(antenna), {"first met", "booked", "helped"}),
        "coordinator": (_member(antenna, role="coordinator"), {"first met", "booked", "helped"}),
        "unsigned volunteer": (_member(antenna, signed=False), set()),
        "inactive referrer": (UserFactory(referrer=True, is_active=False), set()),
    }


@pytest.mark.parametrize("per_person", [False, True])
def test_both_ways_of_checking_who_may_see_a_person_give_the_same_people(antenna, every_reason, per_person):
    referrer, people = every_reason
    for name, (user, expected) in _users(antenna, referrer).items():
        visible = set(Beneficiary.objects.visible_to(user, per_person=per_person))
        assert visible == {people[reason] for reason in expected}, name
    admin = UserFactory(admin=True)
    assert set(Beneficiary.objects.visible_to(admin, per_person=per_person)) == set(Beneficiary.objects.all())


@pytest.mark.parametrize("per_person", [False, True])
def test_both_ways_of_checking_who_may_see_a_sheet_give_the_same_sheets(antenna, per_person):
    referrer = UserFactory(referrer=True)
    own = LiaisonSheetFactory(referrer=referrer)
    booked_here = LiaisonSheetFactory()
    BookingFactory(slot=slot_ahead(antenna=antenna), beneficiary=booked_here.beneficiary, liaison_sheet=booked_here)
    booked_elsewhere = LiaisonSheetFactory()
    BookingFactory(slot=slot_ahead(), beneficiary=booked_elsewhere.beneficiary, liaison_sheet=booked_elsewhere)
    LiaisonSheetFactory()
    assert set(LiaisonSheet.objects.visible_to(referrer, per_person=per_person)) == {own}
    assert set(LiaisonSheet.objects.visible_to(_member(antenna), per_person=per_person)) == {booked_here}
    assert set(LiaisonSheet.objects.visible_to(_member(antenna, signed=False), per_person=per_person)) == set()


def test_the_demos_regular_expressions_find_what_the_index_finds(volunteer, antenna, helene):
    """SQLite has no unaccent(): its search matches the names against regular expressions, which
    must find the same people as PostgreSQL's search_name."""
    BeneficiaryFactory(first_name="Joséphine", last_name="Sœur", first_antenna=antenna)
    BeneficiaryFactory(first_name="Çağlar", last_name="Øster", first_antenna=antenna)
    for text in ["helene", "ÉLÈ", "lefevre helene", "soeur", "jose", "caglar", "oster", "zz"]:
        words = search_words(text)
        by_index = Beneficiary.objects.filter(name_condition(words, vendor="postgresql").q)
        by_regex = Beneficiary.objects.filter(name_condition(words, vendor="sqlite").q)
        assert set(by_index) == set(by_regex), text


def test_unaccent_removes_the_accents_the_search_removes():
    """The words typed lose their accents in Python (search_words), the names in the database
    (immutable_unaccent): both must give the same letters."""
    letters = sorted(LETTER_BASE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["lower(immutable_unaccent(%s))"] * len(letters)),
            letters,
        )
        assert dict(zip(letters, cursor.fetchone(), strict=True)) == LETTER_BASE


def test_the_migration_makes_the_trigram_indexes_and_the_immutable_unaccent():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'people_beneficiary' AND indexname LIKE %s",
            ["%trgm%"],
        )
        indexes = dict(cursor.fetchall())
        cursor.execute("SELECT provolatile FROM pg_proc WHERE proname = 'immutable_unaccent'")
        (volatility,) = cursor.fetchone()
    assert set(indexes) == {"person_search_name_trgm_idx", "person_phone_trgm_idx"}
    assert "USING gin (search_name gin_trgm_ops)" in indexes["person_search_name_trgm_idx"]
    assert "USING gin (phone gin_trgm_ops)" in indexes["person_phone_trgm_idx"]
    assert volatility == "i"
    helene = BeneficiaryFactory(first_name="Hélène", last_name="LEFÈVRE")
    assert Beneficiary.objects.values_list("search_name", flat=True).get(pk=helene.pk) == "helene lefevre"


def _plan(queryset) -> str:
    """PostgreSQL's plan of a query on a table too small to be worth an index, unless told that
    reading the whole table is out of the question."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


SEARCH_INDEXES = [("helene lef", "person_search_name_trgm_idx"), ("06 12 34", "person_phone_trgm_idx")]


@pytest.mark.parametrize(("text", "index"), SEARCH_INDEXES)
def test_the_search_reads_the_trigram_index(volunteer, helene, text, index):
    BeneficiaryFactory.create_batch(5, first_antenna=helene.first_antenna)
    plan = _plan(beneficiary_search(user=volunteer, text=text))
    assert index in plan
    assert "Seq Scan on people_beneficiary" not in plan


def test_the_people_list_reads_the_users_people_by_their_id(volunteer, helene):
    """The ids of the people the user may see are read once, then their rows by the primary key."""
    plan = _plan(Beneficiary.objects.visible_to(volunteer).order_by("last_name", "first_name", "pk"))
    assert "Index Cond: (id = ANY (" in plan
    # Read from the index of the people first met at the antenna, alone or through a bitmap,
    # as the statistics of the moment make PostgreSQL choose.
    assert "person_first_antenna_idx" in plan
    assert "Seq Scan on people_beneficiary" not in plan
