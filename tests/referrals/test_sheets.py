"""Liaison sheets: writing one, the referrer's list, the sheet page, the reference lookup, and
who may open each page of the referrer's side."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from beneficiaries.people.enums import SheetStatus
from beneficiaries.people.models import LiaisonSheet, LiaisonSheetEvent
from inclusion.core.models import Language, Topic
from sessions_app.bookings.enums import Attendance, BookingStatus
from tests.access import check_access, url_names
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import slot_ahead
from tests.team.factories import VolunteerProfileFactory

TODAY = timezone.localdate()


@pytest.fixture
def world():
    """A referrer's person and sheet, booked at an antenna; a colleague referrer; the antenna's
    coordinator and a volunteer of another antenna, both with the charter signed."""
    antenna, other_antenna = AntennaFactory(name="La Blancarde"), AntennaFactory(name="Chemin de Gibbes")
    referrer = UserFactory(referrer=True)
    person = BeneficiaryFactory(first_name="Awa", last_name="Diallo", created_by=referrer)
    sheet = LiaisonSheetFactory(referrer=referrer, beneficiary=person, status=SheetStatus.BOOKED)
    slot = slot_ahead(antenna=antenna)
    booking = BookingFactory(slot=slot, beneficiary=person, liaison_sheet=sheet)
    coordinator = UserFactory(coordinator=True, membership__antenna=antenna)
    volunteer = UserFactory(volunteer=True, membership__antenna=other_antenna)
    for member in (coordinator, volunteer):
        VolunteerProfileFactory(user=member)
    users = {
        "admin": UserFactory(admin=True),
        "referrer": referrer,
        "other_referrer": UserFactory(referrer=True),
        "coordinator": coordinator,
        "volunteer": volunteer,
    }
    return {"antenna": antenna, "person": person, "sheet": sheet, "booking": booking, "users": users}


def _kwargs(world, needs):
    return {
        None: {},
        "person": {"pk": world["person"].pk},
        "sheet": {"pk": world["sheet"].pk},
    }[needs]


ALL = {"admin": 200, "referrer": 200, "other_referrer": 200, "coordinator": 200, "volunteer": 200}
REGISTER = {"admin": 200, "referrer": 200, "other_referrer": 200, "coordinator": 403, "volunteer": 403}
READ = {"admin": 200, "referrer": 200, "other_referrer": 404, "coordinator": 200, "volunteer": 404}
REFER = {"admin": 403, "referrer": 200, "other_referrer": 404, "coordinator": 403, "volunteer": 404}
# An empty post is refused politely and sent back to the sheet.
ACT = {"admin": 302, "referrer": 302, "other_referrer": 404, "coordinator": 403, "volunteer": 404}
# Erasure: admins and the coordinators of the person's antennas, not the referrer.
ERASE = {"admin": 200, "referrer": 403, "other_referrer": 404, "coordinator": 200, "volunteer": 404}

ACCESS = [
    ("beneficiaries:person_list", None, "get", ALL),
    ("beneficiaries:person_create", None, "get", REGISTER),
    ("beneficiaries:person_detail", "person", "get", READ),
    ("beneficiaries:sheet_create", "person", "get", REFER),
    ("beneficiaries:sheet_list", None, "get", ALL),
    ("beneficiaries:sheet_detail", "sheet", "get", READ),
    ("beneficiaries:sheet_action", "sheet", "post", ACT),
    ("beneficiaries:reference_lookup", None, "get", ALL),
    ("privacy:person_data", "person", "get", READ),
    ("privacy:person_data_json", "person", "get", READ),
    ("privacy:person_erase", "person", "get", ERASE),
    ("privacy:consent_withdraw", "person", "get", READ),
]


@pytest.mark.parametrize("role", ["anonymous", *ALL])
@pytest.mark.parametrize(("url_name", "needs", "method", "expected"), ACCESS, ids=[a[0] for a in ACCESS])
def test_access(client, world, role, url_name, needs, method, expected):
    url = reverse(url_name, kwargs=_kwargs(world, needs))
    check_access(client, world["users"].get(role), method, url, expected.get(role))


def test_every_beneficiaries_url_is_in_the_access_table():
    assert url_names("beneficiaries") | url_names("privacy") == {url_name for url_name, *_rest in ACCESS}


# Writing a sheet


def _sheet_data(**changes):
    data = {
        "needs": [Topic.objects.get(code="email").pk],
        "detail": "Créer une adresse e-mail pour la CAF",
        "deadline": "",
        "language": "",
        "accessibility_needs": "",
        "preferred_department": "",
    }
    data.update(changes)
    return data


def test_referrer_sends_a_liaison_sheet(client, world):
    referrer, person = world["users"]["referrer"], world["person"]
    antenna = world["antenna"]
    arabic = Language.objects.get(code="ar")
    client.force_login(referrer)
    deadline = TODAY + datetime.timedelta(days=10)
    response = client.post(
        reverse("beneficiaries:sheet_create", args=[person.pk]),
        _sheet_data(
            deadline=deadline.isoformat(),
            language=arabic.pk,
            interpreter_needed="on",
            accessibility_needs="Fauteuil roulant",
            preferred_department="13",
            preferred_antennas=[antenna.pk],
        ),
    )
    sheet = LiaisonSheet.objects.exclude(pk=world["sheet"].pk).get()
    assertRedirects(response, reverse("beneficiaries:sheet_detail", args=[sheet.pk]), fetch_redirect_response=False)
    assert (sheet.beneficiary, sheet.referrer, sheet.organization) == (
        person,
        referrer,
        referrer.referrer.organization,
    )
    assert [topic.code for topic in sheet.needs.all()] == ["email"]
    assert (sheet.deadline, sheet.language, sheet.interpreter_needed) == (deadline, arabic, True)
    assert (sheet.accessibility_needs, sheet.preferred_department) == ("Fauteuil roulant", "13")
    assert list(sheet.preferred_antennas.all()) == [antenna]
    assert sheet.status == SheetStatus.SENT
    assert list(sheet.events.values_list("status", "created_by")) == [(SheetStatus.SENT, referrer.pk)]
    assert client.get(response.url).status_code == 200


def test_the_sheet_form_proposes_the_persons_language_and_groups_the_needs(client, world):
    person = world["person"]
    person.languages.set(Language.objects.filter(code="ar"))
    client.force_login(world["users"]["referrer"])
    response = client.get(reverse("beneficiaries:sheet_create", args=[person.pk]))
    form = response.context["form"]
    assert form["language"].value() == Language.objects.get(code="ar").pk
    groups = form.need_groups()
    assert len(groups) == 19
    administrative = next(subtopics for theme, subtopics in groups if subtopics)
    assert len(administrative) == 11
    assertContains(response, "Aide aux démarches administratives")


def test_a_sub_theme_brings_its_theme_along(client, world):
    client.force_login(world["users"]["referrer"])
    client.post(
        reverse("beneficiaries:sheet_create", args=[world["person"].pk]),
        _sheet_data(needs=[Topic.objects.get(code="logement").pk]),
    )
    sheet = LiaisonSheet.objects.exclude(pk=world["sheet"].pk).get()
    assert {topic.code for topic in sheet.needs.all()} == {"logement", "aide_aux_demarches_administratives"}


def test_a_sheet_without_any_need_is_refused(client, world):
    client.force_login(world["users"]["referrer"])
    response = client.post(reverse("beneficiaries:sheet_create", args=[world["person"].pk]), _sheet_data(needs=[]))
    assert response.status_code == 200
    assert "needs" in response.context["form"].errors
    assert response.context["form"]["detail"].value() == "Créer une adresse e-mail pour la CAF"
    assert LiaisonSheet.objects.count() == 1


def test_a_deadline_in_the_past_is_refused(client, world):
    client.force_login(world["users"]["referrer"])
    yesterday = TODAY - datetime.timedelta(days=1)
    response = client.post(
        reverse("beneficiaries:sheet_create", args=[world["person"].pk]), _sheet_data(deadline=yesterday.isoformat())
    )
    assert response.status_code == 200
    assert "deadline" in response.context["form"].errors
    assert LiaisonSheet.objects.count() == 1


def test_a_garbage_post_re_renders_the_form(client, world):
    client.force_login(world["users"]["referrer"])
    response = client.post(
        reverse("beneficiaries:sheet_create", args=[world["person"].pk]),
        {"needs": ["abc", "999999"], "deadline": "31/02/2026", "language": "x", "preferred_department": "ZZ"},
    )
    assert response.status_code == 200
    assert {"needs", "deadline", "language", "preferred_department"} <= set(response.context["form"].errors)
    assert LiaisonSheet.objects.count() == 1


def test_a_referrer_cannot_refer_someone_they_do_not_follow(client, world):
    person = BeneficiaryFactory(created_by=world["users"]["admin"])
    client.force_login(world["users"]["referrer"])
    assert client.get(reverse("beneficiaries:sheet_create", args=[person.pk])).status_code == 404


# The referrer's list


def test_sheet_list_shows_the_referrers_own_sheets_newest_first(client, world):
    referrer = world["users"]["referrer"]
    newer = LiaisonSheetFactory(referrer=referrer, beneficiary=world["person"])
    theirs = LiaisonSheetFactory(referrer=world["users"]["other_referrer"])
    client.force_login(referrer)
    response = client.get(reverse("beneficiaries:sheet_list"))
    assert list(response.context["page"]) == [newer, world["sheet"]]
    assertNotContains(response, theirs.reference)
    assertNotContains(response, str(theirs.beneficiary))
    client.force_login(world["users"]["admin"])
    assert set(client.get(reverse("beneficiaries:sheet_list")).context["page"]) == {newer, world["sheet"], theirs}


def test_sheet_list_shows_the_next_appointment_the_outcome_and_filters_by_status(client, world):
    referrer = world["users"]["referrer"]
    seen = LiaisonSheetFactory(
        referrer=referrer, beneficiary=world["person"], status=SheetStatus.SEEN, outcome="Dossier CAF déposé"
    )
    client.force_login(referrer)
    response = client.get(reverse("beneficiaries:sheet_list"))
    booked = next(sheet for sheet in response.context["page"] if sheet == world["sheet"])
    assert booked.shown_booking == world["booking"]
    assert booked.booking_is_next
    assertContains(response, "Dossier CAF déposé")
    assertContains(response, "La Blancarde")
    response = client.get(reverse("beneficiaries:sheet_list"), {"status": SheetStatus.SEEN})
    assert list(response.context["page"]) == [seen]
    response = client.get(reverse("beneficiaries:sheet_list"), {"status": "nonsense"})
    assert len(response.context["page"]) == 2


def test_sheet_list_shows_the_last_appointment_once_it_is_over(client, world):
    referrer = world["users"]["referrer"]
    sheet = LiaisonSheetFactory(referrer=referrer, beneficiary=world["person"], status=SheetStatus.NO_SHOW)
    past_slot = slot_ahead(antenna=world["antenna"], days=-3)
    past = BookingFactory(slot=past_slot, beneficiary=world["person"], liaison_sheet=sheet, attendance="no_show")
    BookingFactory(
        slot=slot_ahead(days=4), beneficiary=world["person"], liaison_sheet=sheet, status=BookingStatus.CANCELLED
    )
    client.force_login(referrer)
    response = client.get(reverse("beneficiaries:sheet_list"), {"status": SheetStatus.NO_SHOW})
    [shown] = response.context["page"]
    assert (shown.shown_booking, shown.booking_is_next) == (past, False)


@pytest.mark.parametrize(
    ("days", "status", "alert"),
    [
        (3, SheetStatus.SENT, "soon"),
        (7, SheetStatus.BOOKED, "soon"),
        (8, SheetStatus.SENT, ""),
        (0, SheetStatus.NO_SHOW, "soon"),
        (-1, SheetStatus.SENT, "past"),
        (3, SheetStatus.SEEN, ""),
        (-1, SheetStatus.CLOSED, ""),
    ],
)
def test_sheet_list_highlights_a_close_deadline_until_the_person_is_seen(client, world, days, status, alert):
    referrer = world["users"]["referrer"]
    sheet = LiaisonSheetFactory(
        referrer=referrer, beneficiary=world["person"], status=status, deadline=TODAY + datetime.timedelta(days=days)
    )
    client.force_login(referrer)
    response = client.get(reverse("beneficiaries:sheet_list"))
    assert next(shown for shown in response.context["page"] if shown == sheet).deadline_alert == alert


def _grow(world, count):
    referrer = world["users"]["referrer"]
    for index in range(count):
        sheet = LiaisonSheetFactory(
            referrer=referrer,
            status=SheetStatus.BOOKED,
            needs=["email", "logement"],
            deadline=TODAY + datetime.timedelta(days=index),
        )
        BookingFactory(slot=slot_ahead(days=index + 1), beneficiary=sheet.beneficiary, liaison_sheet=sheet)
        LiaisonSheetFactory(referrer=referrer, status=SheetStatus.SEEN, outcome="Fait")
    LiaisonSheetFactory(referrer=world["users"]["other_referrer"])


@pytest.mark.parametrize("status", ["", SheetStatus.BOOKED])
def test_sheet_list_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries, status):
    client.force_login(world["users"]["referrer"])
    _grow(world, 2)
    # Session, user, roles (2), charter, page, needs, bookings with their slots and antennas:
    # nothing is counted, the pages follow each other by keyset.
    with django_assert_num_queries(8):
        assert client.get(reverse("beneficiaries:sheet_list"), {"status": status}).status_code == 200
    _grow(world, 4)
    with django_assert_num_queries(8):
        assert client.get(reverse("beneficiaries:sheet_list"), {"status": status}).status_code == 200


def test_sheet_list_pages_follow_each_other_by_keyset_without_gap_or_repeat(client, world, django_assert_num_queries):
    referrer = world["users"]["referrer"]
    sheets = LiaisonSheetFactory.create_batch(120, referrer=referrer, beneficiary=world["person"])
    # Sheets sent in the same instant are told apart by their id.
    LiaisonSheet.objects.filter(pk__in=[sheet.pk for sheet in sheets[40:80]]).update(created_at=timezone.now())
    expected = list(LiaisonSheet.objects.filter(referrer=referrer).order_by("-created_at", "-pk"))
    client.force_login(referrer)
    url = reverse("beneficiaries:sheet_list")
    shown, query, pages = [], "", 0
    while True:
        with django_assert_num_queries(8):
            response = client.get(f"{url}?{query}")
        pages += 1
        shown += list(response.context["page"])
        query = response.context["next_page_query"]
        if not query:
            break
        assertContains(response, 'rel="next"')
    assert pages == 3
    assert shown == expected
    assertContains(response, '?"')  # back to the newest


def test_sheet_list_keeps_the_filter_across_pages_and_ignores_a_bad_cursor(client, world):
    referrer = world["users"]["referrer"]
    LiaisonSheetFactory.create_batch(55, referrer=referrer, beneficiary=world["person"], status=SheetStatus.SEEN)
    client.force_login(referrer)
    url = reverse("beneficiaries:sheet_list")
    response = client.get(url, {"status": SheetStatus.SEEN})
    assert len(response.context["page"]) == 50
    second = client.get(f"{url}?{response.context['next_page_query']}")
    assert len(second.context["page"]) == 5
    assert {sheet.status for sheet in second.context["page"]} == {SheetStatus.SEEN}
    for cursor in ["nonsense", "2026-01-01T00:00:00~x", "2026-01-01T00:00:00~3", "~", "\x00"]:
        response = client.get(url, {"status": SheetStatus.SEEN, "apres": cursor})
        assert response.status_code == 200
        assert len(response.context["page"]) == 50


def test_sheet_list_for_a_coordinator_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    client.force_login(world["users"]["coordinator"])
    with django_assert_num_queries(8):
        response = client.get(reverse("beneficiaries:sheet_list"))
    assert list(response.context["page"]) == [world["sheet"]]


# The sheet page


def test_sheet_page_shows_everything_and_its_history(client, world):
    sheet = world["sheet"]
    LiaisonSheetEvent.objects.create(sheet=sheet, status=SheetStatus.SENT, note="Date annulée : grève")
    client.force_login(world["users"]["referrer"])
    response = client.get(reverse("beneficiaries:sheet_detail", args=[sheet.pk]))
    assertContains(response, sheet.reference)
    assertContains(response, "Créer une adresse e-mail")
    assertContains(response, "Date annulée : grève")
    assertContains(response, "La Blancarde")
    assert response.context["bookings"] == [world["booking"]]
    assert response.context["bookings"][0].is_upcoming
    assert response.context["can_act"]
    # A booked sheet may only be cancelled from here; closing waits for the session.
    assert [form.action_name for form in response.context["action_forms"]] == ["cancel"]
    assert not response.context["can_book"]
    assertContains(response, reverse("booking:card", args=[world["booking"].pk]))
    assertContains(response, reverse("booking:cancel", args=[world["booking"].pk]))


def test_sheet_page_offers_to_find_a_slot_and_every_ending_while_to_book(client, world):
    sheet = LiaisonSheetFactory(referrer=world["users"]["referrer"], beneficiary=world["person"])
    client.force_login(world["users"]["referrer"])
    response = client.get(reverse("beneficiaries:sheet_detail", args=[sheet.pk]))
    assert response.context["can_book"]
    assert [form.action_name for form in response.context["action_forms"]] == ["close", "redirect", "cancel"]
    assertContains(response, reverse("booking:slot_search", args=[sheet.pk]))


@pytest.mark.parametrize("status", [SheetStatus.SEEN, SheetStatus.NO_SHOW])
def test_sheet_page_offers_to_book_again_after_a_session_or_a_no_show(client, world, status):
    sheet = LiaisonSheetFactory(referrer=world["users"]["referrer"], beneficiary=world["person"], status=status)
    client.force_login(world["users"]["referrer"])
    response = client.get(reverse("beneficiaries:sheet_detail", args=[sheet.pk]))
    assert response.context["can_book"]
    assertContains(response, reverse("booking:slot_search", args=[sheet.pk]))
    assert "close" in [form.action_name for form in response.context["action_forms"]]


def test_a_finished_sheet_offers_no_action(client, world):
    sheet = LiaisonSheetFactory(referrer=world["users"]["referrer"], status=SheetStatus.CLOSED, outcome="Fait")
    client.force_login(world["users"]["referrer"])
    response = client.get(reverse("beneficiaries:sheet_detail", args=[sheet.pk]))
    assert response.context["action_forms"] == []
    assert not response.context["can_book"]
    assertNotContains(response, reverse("beneficiaries:sheet_action", args=[sheet.pk]))
    assertNotContains(response, reverse("booking:slot_search", args=[sheet.pk]))


def test_the_antennas_coordinator_sees_the_needs_but_no_action(client, world):
    sheet = world["sheet"]
    sheet.interpreter_needed = True
    sheet.accessibility_needs = "Malentendante"
    sheet.deadline = TODAY + datetime.timedelta(days=5)
    sheet.language = Language.objects.get(code="ar")
    sheet.save()
    client.force_login(world["users"]["coordinator"])
    response = client.get(reverse("beneficiaries:sheet_detail", args=[sheet.pk]))
    assertContains(response, "Créer une adresse e-mail")
    assertContains(response, "Malentendante")
    assertContains(response, "Arabe")
    assert not response.context["can_act"]
    assert response.context["action_forms"] == []
    assertNotContains(response, reverse("beneficiaries:sheet_action", args=[sheet.pk]))
    assertNotContains(response, reverse("booking:cancel", args=[world["booking"].pk]))
    response = client.post(reverse("beneficiaries:sheet_action", args=[sheet.pk]), {"action": "cancel"})
    assert response.status_code == 403
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.BOOKED


def test_the_coordinator_sees_only_the_appointments_at_their_antennas(client, world):
    sheet = world["sheet"]
    elsewhere = BookingFactory(
        slot=slot_ahead(days=9), beneficiary=world["person"], liaison_sheet=sheet, attendance=Attendance.ATTENDED
    )
    client.force_login(world["users"]["coordinator"])
    assert client.get(reverse("beneficiaries:sheet_detail", args=[sheet.pk])).context["bookings"] == [world["booking"]]
    client.force_login(world["users"]["referrer"])
    response = client.get(reverse("beneficiaries:sheet_detail", args=[sheet.pk]))
    assert response.context["bookings"] == [world["booking"], elsewhere]


def test_a_volunteer_of_another_antenna_gets_404_on_a_sheet_booked_elsewhere(client, world):
    client.force_login(world["users"]["volunteer"])
    sheet = world["sheet"]
    assert client.get(reverse("beneficiaries:sheet_detail", args=[sheet.pk])).status_code == 404
    assert client.post(reverse("beneficiaries:sheet_action", args=[sheet.pk]), {"action": "cancel"}).status_code == 404
    assert client.get(reverse("beneficiaries:person_detail", args=[world["person"].pk])).status_code == 404


def test_referrer_gets_404_on_another_referrers_sheets(client, world):
    client.force_login(world["users"]["other_referrer"])
    sheet = world["sheet"]
    assert client.get(reverse("beneficiaries:sheet_detail", args=[sheet.pk])).status_code == 404
    response = client.post(reverse("beneficiaries:sheet_action", args=[sheet.pk]), {"action": "cancel", "note": "x"})
    assert response.status_code == 404
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.BOOKED
    response = client.get(reverse("beneficiaries:person_list"))
    assertNotContains(response, "Diallo")
    assertNotContains(client.get(reverse("beneficiaries:sheet_list")), sheet.reference)


# The reference lookup

LOOKUP_URL = reverse("beneficiaries:reference_lookup")


def test_reference_lookup_finds_a_sheet(client, world):
    sheet = world["sheet"]
    client.force_login(world["users"]["referrer"])
    response = client.get(LOOKUP_URL, {"code": sheet.reference})
    assertRedirects(response, reverse("beneficiaries:sheet_detail", args=[sheet.pk]))


@pytest.mark.parametrize("typed", ["lower_without_dash", "spaced", "lookalikes"])
def test_reference_lookup_forgives_how_the_code_is_typed(client, world, typed):
    sheet = world["sheet"]
    sheet.reference = "0K1M-Q9P2"
    sheet.save()
    code = {"lower_without_dash": "0k1mq9p2", "spaced": "  0K1M - Q9P2 ", "lookalikes": "OKlM-Q9P2"}[typed]
    client.force_login(world["users"]["referrer"])
    response = client.get(LOOKUP_URL, {"code": code})
    assertRedirects(response, reverse("beneficiaries:sheet_detail", args=[sheet.pk]))


@pytest.mark.parametrize("code", ["ZZZZ-ZZZZ", "", "abc", "0K1M-Q9P2-XX", "%00\x00' OR 1=1 --", "é" * 1300])
def test_reference_lookup_says_when_nothing_is_found(client, world, code):
    client.force_login(world["users"]["referrer"])
    response = client.get(LOOKUP_URL, {"code": code})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


def test_reference_lookup_does_not_find_another_referrers_sheet(client, world):
    client.force_login(world["users"]["other_referrer"])
    response = client.get(LOOKUP_URL, {"code": world["sheet"].reference})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [str(response.context["form"].NOT_FOUND)]


def test_reference_lookup_lets_the_antennas_team_open_a_card(client, world):
    client.force_login(world["users"]["coordinator"])
    response = client.get(LOOKUP_URL, {"code": world["sheet"].reference.lower()})
    assertRedirects(response, reverse("beneficiaries:sheet_detail", args=[world["sheet"].pk]))
    client.force_login(world["users"]["volunteer"])
    assert client.get(LOOKUP_URL, {"code": world["sheet"].reference}).status_code == 200
