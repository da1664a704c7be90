"""The free-slot search: what is offered, every filter, the page's defaults and its query count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from beneficiaries.people.enums import SheetStatus
from beneficiaries.referrals import booking_views
from inclusion.core.models import Antenna, Language
from sessions_app.bookings.enums import BookingStatus
from sessions_app.bookings.selectors import free_slots, rota_languages
from sessions_app.planning import services
from sessions_app.planning.generation import occurrences_generate
from sessions_app.scheduling.enums import BookingMode, PermanenceKind, WorkshopLevel
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import PermanenceFactory, occurrence_today
from tests.team.factories import SignupFactory, VolunteerProfileFactory


def _day(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _date(antenna=None, *, days: int = 7, start: int = 9, end: int = 11, **permanence):
    """A date of a new permanence of the antenna, that many days ahead: one-hour slots of two seats."""
    return occurrence_today(antenna=antenna or AntennaFactory(), day=_day(days), start=start, end=end, **permanence)


def _search(**filters):
    filters.setdefault("date_from", timezone.localdate())
    filters.setdefault("date_to", _day(42))
    return list(free_slots(**filters))


def _on_rota(occurrence, *languages):
    volunteer = VolunteerProfileFactory(languages=list(languages)).user
    SignupFactory(occurrence=occurrence, volunteer=volunteer)
    return volunteer


def _language(code):
    return Language.objects.get(code=code)


def test_seats_left_count_active_bookings_only_and_full_slots_are_not_offered():
    first, second = _date().slots.order_by("starts_at")
    BookingFactory(slot=first, beneficiary=BeneficiaryFactory())
    BookingFactory(slot=first, beneficiary=BeneficiaryFactory(), status=BookingStatus.CANCELLED)
    BookingFactory(slot=second, beneficiary=BeneficiaryFactory())
    BookingFactory(slot=second, beneficiary=None)
    [slot] = _search()
    assert slot == first
    assert (slot.seats_taken, slot.seats_left) == (1, 1)


def test_never_offered_walk_in_inactive_dormant_cancelled_past_or_started():
    offered = _date(title="Offered")
    _date(title="Walk-in", booking_mode=BookingMode.WALK_IN)
    _date(title="Suspended", is_active=False)
    _date(AntennaFactory(dormant=True), title="Dormant")
    _date(AntennaFactory(planned=True), title="Planned")
    cancelled = _date(title="Cancelled")
    services.occurrence_cancel(occurrence=cancelled, reason="Grève", by=None)
    _date(days=-1, title="Yesterday")
    # Today around the clock: the slots already started are left out, whatever the time of the run.
    today = _date(days=0, start=0, end=23, title="Today")
    slots = _search()
    assert {slot.occurrence.permanence.title for slot in slots} <= {"Offered", "Today"}
    assert set(offered.slots.all()) <= set(slots)
    now = timezone.now()
    assert all(slot.starts_at > now for slot in slots)
    assert {slot for slot in slots if slot.occurrence == today} == set(today.slots.filter(starts_at__gt=now))


def test_filter_by_department_and_postcode():
    marseille = _date(AntennaFactory(department_code="13", postcode="13004"))
    aix = _date(AntennaFactory(department_code="13", postcode="13100"))
    bordeaux = _date(AntennaFactory(department_code="33", postcode="33000", city="Bordeaux"))
    assert {slot.occurrence for slot in _search(department="13")} == {marseille, aix}
    assert {slot.occurrence for slot in _search(department="33")} == {bordeaux}
    assert {slot.occurrence for slot in _search(postcode="1300")} == {marseille}
    assert {slot.occurrence for slot in _search(postcode="13")} == {marseille, aix}
    assert {slot.occurrence for slot in _search()} == {marseille, aix, bordeaux}


def test_filter_by_antenna():
    antenna = AntennaFactory()
    wanted = _date(antenna)
    _date()
    assert {slot.occurrence for slot in _search(antenna=antenna)} == {wanted}


def test_filter_by_dates_inclusive():
    first = _date(days=3)
    second = _date(days=10)
    third = _date(days=20)
    assert {slot.occurrence for slot in _search(date_from=_day(3), date_to=_day(10))} == {first, second}
    assert {slot.occurrence for slot in _search(date_from=_day(4), date_to=_day(30))} == {second, third}


def test_filter_by_kind_and_level():
    drop_in = _date()
    beginner = _date(workshop=True, level=WorkshopLevel.BEGINNER)
    advanced = _date(workshop=True, level=WorkshopLevel.ADVANCED)
    assert {slot.occurrence for slot in _search(kind=PermanenceKind.DROP_IN)} == {drop_in}
    assert {slot.occurrence for slot in _search(kind=PermanenceKind.WORKSHOP)} == {beginner, advanced}
    found = _search(kind=PermanenceKind.WORKSHOP, level=WorkshopLevel.ADVANCED)
    assert {slot.occurrence for slot in found} == {advanced}


def test_filter_by_a_language_spoken_on_the_rota():
    with_arabic = _date()
    _on_rota(with_arabic, "ar", "en")
    with_english = _date()
    _on_rota(with_english, "en")
    _date()
    assert {slot.occurrence for slot in _search(language=_language("ar"))} == {with_arabic}
    assert {slot.occurrence for slot in _search(language=_language("en"))} == {with_arabic, with_english}
    languages = rota_languages([with_arabic.pk, with_english.pk])
    assert {language.code for language in languages[with_arabic.pk]} == {"ar", "en"}
    assert [language.code for language in languages[with_english.pk]] == ["en"]


# The page


@pytest.fixture
def referrer():
    return UserFactory(referrer=True)


def _page(client, sheet, **params):
    client.force_login(sheet.referrer)
    return client.get(reverse("booking:slot_search", args=[sheet.pk]), params)


def _offered(response):
    return [slot for day in response.context["days"] for group in day["antennas"] for slot in group["slots"]]


def test_page_searches_the_sheets_department_and_language_first(client, referrer):
    sheet = LiaisonSheetFactory(referrer=referrer, preferred_department="13", language=_language("ar"))
    in_13_with_arabic = _date(AntennaFactory(department_code="13"))
    _on_rota(in_13_with_arabic, "ar")
    in_13 = _date(AntennaFactory(department_code="13"))
    in_33_with_arabic = _date(AntennaFactory(department_code="33", postcode="33000"))
    _on_rota(in_33_with_arabic, "ar")
    response = _page(client, sheet)
    assert response.status_code == 200
    assert {slot.occurrence for slot in _offered(response)} == {in_13_with_arabic}
    form = response.context["form"]
    assert (form["department"].value(), form["language"].value()) == ("13", "ar")
    # "All departments" and "any language" widen the search.
    response = _page(client, sheet, department="", language="")
    assert {slot.occurrence for slot in _offered(response)} == {in_13_with_arabic, in_13, in_33_with_arabic}


def test_preferred_antennas_come_first_in_the_antenna_filter(client, referrer):
    AntennaFactory(name="Aubagne")
    preferred = AntennaFactory(name="Vitrolles")
    AntennaFactory(name="Dormant", dormant=True)
    sheet = LiaisonSheetFactory(referrer=referrer)
    sheet.preferred_antennas.set([preferred])
    response = _page(client, sheet)
    choices = [label for value, label in response.context["form"].fields["antenna"].choices if value]
    assert choices[0].startswith("Vitrolles")
    assert not any(label.startswith("Dormant") for label in choices)
    response = _page(client, sheet, antenna=preferred.pk)
    assert response.context["search"].antenna == preferred


def test_a_chosen_department_narrows_the_antenna_filter_to_its_antennas_and_the_preferred(client, referrer):
    AntennaFactory(name="Aubagne", department_code="13")
    AntennaFactory(name="Pessac", department_code="33")
    preferred = AntennaFactory(name="Vitrolles", department_code="13")
    sheet = LiaisonSheetFactory(referrer=referrer, preferred_department="33")
    sheet.preferred_antennas.set([preferred])
    response = _page(client, sheet)
    choices = [label for value, label in response.context["form"].fields["antenna"].choices if value]
    assert [label.split(" ")[0] for label in choices] == ["Vitrolles", "Pessac"]
    # Across the country a thousand antennas make no list to choose from: the preferred ones,
    # and the one asked for, stay; the field says to choose a department.
    pessac = Antenna.objects.get(name="Pessac")
    for params, expected in (({}, ["Vitrolles"]), ({"antenna": pessac.pk}, ["Vitrolles", "Pessac"])):
        response = _page(client, sheet, department="", **params)
        field = response.context["form"].fields["antenna"]
        assert [label.split(" ")[0] for value, label in field.choices if value] == expected
        assert field.help_text == "Choisissez un département pour lister ses antennes."
    assert response.context["search"].antenna == pessac


def test_page_defaults_to_the_next_six_weeks(client, referrer):
    sheet = LiaisonSheetFactory(referrer=referrer)
    soon = _date(days=40)
    _date(days=50)
    response = _page(client, sheet)
    assert {slot.occurrence for slot in _offered(response)} == {soon}
    search = response.context["search"]
    assert (search.date_from, search.date_to) == (timezone.localdate(), _day(42))


def test_page_bounds_the_range_to_three_months(client, referrer):
    sheet = LiaisonSheetFactory(referrer=referrer)
    response = _page(client, sheet, date_from=_day(1).isoformat(), date_to=_day(300).isoformat())
    search = response.context["search"]
    assert search.range_shortened is True
    assert _day(89) <= search.date_to <= _day(94)


def test_page_shows_time_in_the_antennas_zone_seats_left_and_rota_languages(client, referrer):
    sheet = LiaisonSheetFactory(referrer=referrer)
    antenna = AntennaFactory(
        name="Fort-de-France Centre",
        city="Fort-de-France",
        postcode="97200",
        department_code="972",
        time_zone="America/Martinique",
    )
    occurrence = _date(antenna, start=9, end=10, title="Aide aux démarches")
    _on_rota(occurrence, "es")
    slot = occurrence.slots.get()
    BookingFactory(slot=slot, beneficiary=BeneficiaryFactory())
    response = _page(client, sheet, department="972")
    [offered] = _offered(response)
    assert offered.seats_left == 1
    assertContains(response, "09:00–10:00 · Aide aux démarches")
    assertContains(response, "Fort-de-France Centre – Fort-de-France")
    assertContains(response, "Espagnol")
    assertContains(response, f'<input type="hidden" name="slot" value="{slot.pk}">', html=True)
    assertContains(response, reverse("booking:book", args=[sheet.pk]))


def test_slots_before_the_deadline_are_highlighted_and_can_be_the_only_ones(client, referrer):
    sheet = LiaisonSheetFactory(referrer=referrer, deadline=_day(10))
    before = _date(days=5)
    on_the_day = _date(days=10)
    after = _date(days=15)
    response = _page(client, sheet)
    highlighted = {slot.occurrence: slot.before_deadline for slot in _offered(response)}
    assert highlighted == {before: True, on_the_day: True, after: False}
    assertContains(response, "list-group-item-warning", count=2 * 2)
    response = _page(client, sheet, before_deadline="on")
    assert {slot.occurrence for slot in _offered(response)} == {before, on_the_day}


def test_results_are_grouped_by_day_then_antenna(client, referrer):
    sheet = LiaisonSheetFactory(referrer=referrer)
    alpha, beta = AntennaFactory(name="Alpha"), AntennaFactory(name="Beta")
    _date(beta, days=3)
    _date(alpha, days=3)
    _date(alpha, days=4)
    response = _page(client, sheet)
    grouped = [(day["day"], [group["antenna"].name for group in day["antennas"]]) for day in response.context["days"]]
    assert grouped == [(_day(3), ["Alpha", "Beta"]), (_day(4), ["Alpha"])]
    assert all(len(group["slots"]) == 2 for day in response.context["days"] for group in day["antennas"])


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-45", "date_to": "demain"},
        {"date_from": "9999-12-31", "date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"antenna": "abc", "language": "xx", "kind": "bogus", "department": "<script>", "postcode": "abcde"},
        {"antenna": "999999999", "page": "zzz"},
        {"postcode": "\x00", "before_deadline": "maybe"},
        {"date_from": _day(20).isoformat(), "date_to": _day(2).isoformat()},
    ],
)
def test_bad_filters_are_ignored(client, referrer, params):
    sheet = LiaisonSheetFactory(referrer=referrer)
    occurrence = _date(days=7)
    response = _page(client, sheet, **params)
    assert response.status_code == 200
    search = response.context["search"]
    assert search.date_from >= timezone.localdate()
    assert search.date_to >= search.date_from
    if "date_from" not in params or params["date_from"] in ("2026-13-45", "0001-01-01"):
        assert occurrence in {slot.occurrence for slot in _offered(response)}


@pytest.mark.parametrize("status", [SheetStatus.BOOKED, SheetStatus.CLOSED, SheetStatus.CANCELLED])
def test_a_sheet_that_cannot_be_booked_shows_a_message_and_no_results(client, referrer, status):
    sheet = LiaisonSheetFactory(referrer=referrer, status=status)
    _date()
    response = _page(client, sheet)
    assert response.status_code == 200
    assert response.context["can_book"] is False
    assert "days" not in response.context
    assertNotContains(response, reverse("booking:book", args=[sheet.pk]))


def test_another_referrer_cannot_search_for_a_sheet_that_is_not_theirs(client, referrer):
    sheet = LiaisonSheetFactory(referrer=referrer)
    client.force_login(UserFactory(referrer=True))
    assert client.get(reverse("booking:slot_search", args=[sheet.pk])).status_code == 404


def _grow(count: int):
    """More antennas, dates, slots, bookings and volunteers on the rota."""
    for _index in range(count):
        antenna = AntennaFactory()
        permanence = PermanenceFactory(
            antenna=antenna, valid_from=timezone.localdate(), end_time=datetime.time(11), seats=3
        )
        occurrences_generate(permanences=[permanence], weeks=5)
        for occurrence in permanence.occurrences.all():
            _on_rota(occurrence, "ar", "en")
            _on_rota(occurrence, "es")
            for slot in occurrence.slots.all():
                BookingFactory(slot=slot, beneficiary=BeneficiaryFactory())
        _date(antenna, days=2, start=14, end=17)


def test_search_runs_a_fixed_number_of_queries(client, referrer, django_assert_num_queries):
    sheet = LiaisonSheetFactory(referrer=referrer, deadline=_day(20))
    client.force_login(referrer)
    url = reverse("booking:slot_search", args=[sheet.pk])
    params = {"department": "13", "antenna": "", "language": "", "date_from": _day(0).isoformat()}
    # Session, user, charter, sheet, count, page of slots, rota languages, needs, the menu's
    # two role queries, the antenna and language choices, the access log record.
    _grow(1)
    with django_assert_num_queries(13):
        response = client.get(url, params)
    first_count = response.context["page"].paginator.count
    _grow(3)
    with django_assert_num_queries(13):
        response = client.get(url, params)
    assert response.context["page"].paginator.count > first_count
    assert response.context["page"].has_next()


def test_a_search_with_more_free_slots_than_the_cap_counts_up_to_it_and_says_so(client, referrer, monkeypatch):
    monkeypatch.setattr(booking_views, "SLOT_SEARCH_CAP", 3)
    antenna = AntennaFactory(department_code="13")
    for days in (2, 3):
        _date(antenna, days=days, start=9, end=11)
    sheet = LiaisonSheetFactory(referrer=referrer, preferred_department="13")
    response = _page(client, sheet)
    paginator = response.context["page"].paginator
    assert (paginator.count, paginator.capped) == (3, True)
    assert len(_offered(response)) == 3
    assertContains(response, "Plus de 3 créneaux libres : les 3 premiers sont affichés.")
    # Under the cap, the page counts them all, as before.
    monkeypatch.setattr(booking_views, "SLOT_SEARCH_CAP", 500)
    response = _page(client, sheet)
    assert (response.context["page"].paginator.count, response.context["page"].paginator.capped) == (4, False)
    assertContains(response, "4 créneaux libres")
