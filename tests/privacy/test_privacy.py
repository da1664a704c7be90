"""The people's rights: retention and anonymisation of inactive people, the subject-access
export, erasure on request and the withdrawal of consent."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from beneficiaries.people.enums import AgeBracket, Gender, SheetStatus
from beneficiaries.people.models import Beneficiary, Consent, LiaisonSheet, LiaisonSheetEvent
from beneficiaries.privacy import services as privacy
from beneficiaries.privacy.tasks import anonymise_inactive
from inclusion.core.models import AccessLog, Language
from sessions_app.bookings.enums import BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.desk.enums import Outcome
from sessions_app.desk.models import SessionLog
from sessions_app.figures.figures import figures_compute
from sessions_app.figures.reporting import Period, Scope
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today, slot_ahead
from tests.team.factories import VolunteerProfileFactory

NOW = timezone.now()
LONG_AGO = NOW - datetime.timedelta(days=400)


@pytest.fixture(autouse=True)
def _six_months(settings):
    settings.RETENTION_MONTHS = 6


def _backdate(person, when=LONG_AGO):
    """Make everything about a person as old as `when` (auto dates cannot be given at creation)."""
    Beneficiary.objects.filter(pk=person.pk).update(created_at=when, updated_at=when)
    Consent.objects.filter(beneficiary=person).update(given_at=when)
    LiaisonSheet.objects.filter(beneficiary=person).update(created_at=when, updated_at=when)
    LiaisonSheetEvent.objects.filter(sheet__beneficiary=person).update(created_at=when)
    Booking.objects.filter(beneficiary=person).update(created_at=when)
    SessionLog.objects.filter(Q(beneficiary=person) | Q(participants=person)).update(created_at=when)


def _followed_person(antenna, *, referrer=None, day=None, **fields):
    """A referred person with everything a person can have: languages, a sheet with notes, a
    booking that was cancelled with a reason and one attended, an individual session with its texts."""
    day = day or timezone.localdate(LONG_AGO)
    referrer = referrer or UserFactory(referrer=True)
    person = BeneficiaryFactory(
        email="awa@example.org",
        postcode="13004",
        age_bracket=AgeBracket.FROM_25_TO_39,
        gender=Gender.WOMAN,
        created_by=referrer,
        **fields,
    )
    person.languages.set(Language.objects.filter(code__in=["ar", "fr"]))
    sheet = LiaisonSheetFactory(
        beneficiary=person,
        referrer=referrer,
        status=SheetStatus.CLOSED,
        detail="Dossier CAF en retard, expulsion possible",
        accessibility_needs="Fauteuil roulant",
        outcome="Dossier déposé",
    )
    LiaisonSheetEvent.objects.create(sheet=sheet, status=SheetStatus.CLOSED, note="Vue avec sa fille")
    slots = occurrence_today(antenna=antenna, day=day).slots.all()
    BookingFactory(
        slot=slots[0], beneficiary=person, status=BookingStatus.CANCELLED, cancel_reason="Hospitalisée ce jour-là"
    )
    booking = BookingFactory(slot=slots[1], beneficiary=person, liaison_sheet=sheet)
    SessionLogFactory(
        antenna=antenna,
        booking=booking,
        beneficiary=person,
        date=day,
        duration_minutes=45,
        outcome=Outcome.DONE,
        next_step="Rappeler la CAF",
        summary="Demande déposée",
        private_note="Violences conjugales évoquées",
        topics=["email", "argent_impots"],
    )
    return person


@pytest.fixture
def retention():
    antenna = AntennaFactory(name="La Blancarde")
    inactive = _followed_person(antenna, first_name="Awa", last_name="Diallo")
    workshop = SessionLogFactory(
        antenna=antenna, is_workshop=True, date=timezone.localdate(LONG_AGO), private_note="Groupe attentif"
    )
    workshop.participants.set([inactive])
    recently_seen = _followed_person(antenna, first_name="Lina", last_name="Haddad")
    recently_booked = BeneficiaryFactory(first_name="Omar")
    recently_edited = BeneficiaryFactory(first_name="Nadia")
    recently_referred = BeneficiaryFactory(first_name="Sami")
    sheet = LiaisonSheetFactory(beneficiary=recently_referred)
    for person in (inactive, recently_seen, recently_booked, recently_edited, recently_referred):
        _backdate(person)
    SessionLogFactory(antenna=antenna, beneficiary=recently_seen, date=timezone.localdate() - datetime.timedelta(1))
    BookingFactory(slot=slot_ahead(antenna=antenna), beneficiary=recently_booked)
    Booking.objects.filter(beneficiary=recently_booked).update(created_at=LONG_AGO)
    Beneficiary.objects.filter(pk=recently_edited.pk).update(updated_at=NOW)
    LiaisonSheetEvent.objects.create(sheet=sheet, status=SheetStatus.CANCELLED)
    new = BeneficiaryFactory(first_name="Yanis")
    return {
        "antenna": antenna,
        "inactive": inactive,
        "workshop": workshop,
        "kept": [recently_seen, recently_booked, recently_edited, recently_referred, new],
    }


def _figures(antenna):
    period = Period(timezone.localdate(LONG_AGO) - datetime.timedelta(days=31), timezone.localdate())
    return [
        figures_compute(scope=Scope("antenna", antenna=antenna), period=period),
        figures_compute(scope=Scope("all"), period=period),
    ]


def person_pk(retention) -> int:
    return retention["inactive"].pk


def _command(*args) -> str:
    out = io.StringIO()
    call_command("anonymise_inactive", *args, stdout=out)
    return out.getvalue()


# Retention


def test_the_selector_finds_only_people_without_activity_for_the_period(retention):
    assert list(privacy.beneficiaries_inactive(cutoff=privacy.retention_cutoff())) == [retention["inactive"]]


def test_the_period_is_the_retention_months_setting(retention, settings):
    settings.RETENTION_MONTHS = 24
    assert not privacy.beneficiaries_inactive(cutoff=privacy.retention_cutoff()).exists()
    assert "0 " in _command()


def test_the_command_is_a_dry_run_by_default(retention):
    before = Beneficiary.objects.get(pk=retention["inactive"].pk)
    output = _command()
    assert f"#{retention['inactive'].pk}" in output
    assert "--apply" in output
    after = Beneficiary.objects.get(pk=retention["inactive"].pk)
    assert (after.first_name, after.anonymised_at) == (before.first_name, None)
    assert not AccessLog.objects.exists()


def test_the_command_anonymises_the_inactive_people_and_keeps_the_statistics(retention):
    figures_before = _figures(retention["antenna"])
    output = _command("--apply")
    assert output.startswith("1 people anonymised (no activity since ") and output.endswith(
        f"#{person_pk(retention)}\n"
    )
    assert "Diallo" not in output and "Awa" not in output

    person = Beneficiary.objects.get(pk=retention["inactive"].pk)
    assert person.anonymised_at is not None
    assert (person.first_name, person.last_name, person.phone, person.email) == ("", "", "", "")
    assert (person.birth_year, person.postcode, person.commune) == (None, "", "")
    assert not person.languages.exists()
    assert str(person).endswith(f" #{person.pk}") and "Awa" not in str(person)
    # What the figures count stays.
    assert (person.age_bracket, person.gender) == (AgeBracket.FROM_25_TO_39, Gender.WOMAN)
    assert _figures(retention["antenna"]) == figures_before

    sheet = LiaisonSheet.objects.get(beneficiary=person)
    assert (sheet.detail, sheet.accessibility_needs, sheet.outcome) == ("", "", "")
    assert (sheet.status, sorted(sheet.needs.values_list("code", flat=True))) == (SheetStatus.CLOSED, ["email"])
    assert not sheet.events.exclude(note="").exists()
    assert not Booking.objects.filter(beneficiary=person).exclude(cancel_reason="").exists()
    assert Booking.objects.filter(beneficiary=person).count() == 2
    log = SessionLog.objects.get(beneficiary=person)
    assert (log.next_step, log.summary, log.private_note) == ("", "", "")
    assert (log.duration_minutes, log.outcome) == (45, Outcome.DONE)
    assert sorted(log.topics.values_list("code", flat=True)) == ["argent_impots", "email"]
    # A workshop's note is about the group: it stays, and so does the person's place in it.
    workshop = SessionLog.objects.get(pk=retention["workshop"].pk)
    assert workshop.private_note == "Groupe attentif"
    assert list(workshop.participants.all()) == [person]
    assert Consent.objects.filter(beneficiary=person).exists()

    record = AccessLog.objects.get()
    assert (record.user, record.role, record.action) == (None, "system", AccessLog.Action.ERASE)
    assert (record.beneficiary, record.detail["reason"]) == (person, "retention")

    for kept in retention["kept"]:
        kept.refresh_from_db()
        assert kept.anonymised_at is None and kept.first_name


def test_running_the_command_again_changes_nothing(retention):
    _command("--apply")
    assert "0 people anonymised" in _command("--apply")
    assert AccessLog.objects.count() == 1


def test_the_retention_run_is_a_task(retention):
    result = anonymise_inactive.enqueue(apply=True)
    assert result.return_value == [retention["inactive"].pk]
    assert Beneficiary.objects.get(pk=retention["inactive"].pk).anonymised_at is not None


# Rights of one person


@pytest.fixture
def world():
    """A person registered by a referrer, booked and helped at an antenna; another referrer who
    sent them a sheet; the antenna's coordinator and volunteer; another antenna's coordinator."""
    antenna, other_antenna = AntennaFactory(name="La Blancarde"), AntennaFactory(name="Chemin de Gibbes")
    referrer = UserFactory(referrer=True)
    person = _followed_person(
        antenna, referrer=referrer, day=timezone.localdate(), first_name="Awa", last_name="Diallo"
    )
    colleague = UserFactory(referrer=True)
    LiaisonSheetFactory(beneficiary=person, referrer=colleague)
    ahead = BookingFactory(slot=slot_ahead(antenna=antenna), beneficiary=person)
    users = {
        "admin": UserFactory(admin=True),
        "referrer": referrer,
        "colleague": colleague,
        "coordinator": UserFactory(coordinator=True, membership__antenna=antenna),
        "volunteer": UserFactory(volunteer=True, membership__antenna=antenna),
        "other_coordinator": UserFactory(coordinator=True, membership__antenna=other_antenna),
    }
    for role in ("coordinator", "volunteer", "other_coordinator"):
        VolunteerProfileFactory(user=users[role])
    return {"person": person, "booking_ahead": ahead, "users": users}


PRIVACY_PAGES = {"person_data", "person_data_json", "person_erase", "consent_withdraw"}


def _url(name, person):
    namespace = "privacy" if name in PRIVACY_PAGES else "beneficiaries"
    return reverse(f"{namespace}:{name}", args=[person.pk])


@pytest.mark.parametrize(
    ("role", "export", "erase", "withdraw"),
    [
        ("admin", 200, 200, 200),
        ("coordinator", 200, 200, 200),
        ("referrer", 200, 403, 200),
        ("colleague", 403, 403, 403),
        ("volunteer", 403, 403, 403),
        ("other_coordinator", 404, 404, 404),
    ],
)
def test_who_may_export_erase_and_record_a_withdrawal(client, world, role, export, erase, withdraw):
    client.force_login(world["users"][role])
    person = world["person"]
    assert client.get(_url("person_data", person)).status_code == export
    assert client.get(_url("person_data_json", person)).status_code == export
    assert client.get(_url("person_erase", person)).status_code == erase
    assert client.get(_url("consent_withdraw", person)).status_code == withdraw


@pytest.mark.parametrize("role", ["volunteer", "colleague", "other_coordinator", "referrer"])
def test_a_refused_erasure_erases_nothing(client, world, role):
    client.force_login(world["users"][role])
    assert client.post(_url("person_erase", world["person"])).status_code in (403, 404)
    world["person"].refresh_from_db()
    assert world["person"].anonymised_at is None
    assert not AccessLog.objects.filter(action=AccessLog.Action.ERASE).exists()


def test_the_subject_access_export_holds_everything_about_the_person(client, world):
    person = world["person"]
    client.force_login(world["users"]["coordinator"])
    client.get(_url("person_detail", person))
    response = client.get(_url("person_data_json", person))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="personne-{person.pk}.json"'
    data = json.loads(response.content)
    assert (data["person"]["first_name"], data["person"]["last_name"]) == ("Awa", "Diallo")
    assert data["person"]["email"] == "awa@example.org"
    assert len(data["person"]["languages"]) == 2
    assert len(data["consents"]) == 1 and data["consents"][0]["withdrawn_on"] is None
    sheet = next(sheet for sheet in data["liaison_sheets"] if sheet["accessibility_needs"])
    assert sheet["accessibility_needs"] == "Fauteuil roulant"
    assert [event["note"] for event in sheet["history"]] == ["", "Vue avec sa fille"]
    assert len(data["liaison_sheets"]) == 2
    assert len(data["bookings"]) == 3
    assert {booking["reason_for_cancelling"] for booking in data["bookings"]} == {"", "Hospitalisée ce jour-là"}
    [log] = data["session_logs"]
    assert (log["private_note"], log["next_step"], log["duration_minutes"]) == (
        "Violences conjugales évoquées",
        "Rappeler la CAF",
        45,
    )
    # The view of the person page just before, in the coordinator's role, without their name.
    assert [access["role"] for access in data["accesses"]] == ["coordinator"]
    assert world["users"]["coordinator"].display_name not in response.content.decode()
    record = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (record.user, record.beneficiary, record.detail) == (
        world["users"]["coordinator"],
        person,
        {"format": "json"},
    )


def test_the_subject_access_page_is_readable_and_recorded(client, world):
    client.force_login(world["users"]["referrer"])
    response = client.get(_url("person_data", world["person"]))
    assertContains(response, "Diallo")
    assertContains(response, "Vue avec sa fille")
    assertNotContains(response, "Violences conjugales évoquées")
    assertContains(response, _url("person_data_json", world["person"]))
    record = AccessLog.objects.get()
    assert (record.action, record.role, record.detail) == (AccessLog.Action.EXPORT, "referrer", {"format": "html"})


def test_the_erasure_page_says_what_goes_and_what_stays_and_changes_nothing(client, world):
    client.force_login(world["users"]["coordinator"])
    response = client.get(_url("person_erase", world["person"]))
    for item in privacy.ERASED_DESCRIPTION + privacy.KEPT_DESCRIPTION:
        assertContains(response, str(item))
    assertContains(response, 'method="post"')
    world["person"].refresh_from_db()
    assert world["person"].anonymised_at is None


def test_erasure_on_request_anonymises_the_person_and_is_recorded(client, world):
    person = world["person"]
    client.force_login(world["users"]["coordinator"])
    response = client.post(_url("person_erase", person))
    assertRedirects(response, _url("person_detail", person))
    person.refresh_from_db()
    assert person.anonymised_at is not None and person.first_name == ""
    assert not SessionLog.objects.filter(beneficiary=person).exclude(private_note="").exists()
    # The appointment ahead is cancelled: the seat goes back to others.
    world["booking_ahead"].refresh_from_db()
    assert world["booking_ahead"].status == BookingStatus.CANCELLED
    record = AccessLog.objects.get(action=AccessLog.Action.ERASE)
    assert (record.user, record.role, record.beneficiary) == (world["users"]["coordinator"], "coordinator", person)
    assert record.detail["reason"] == "request"
    page = client.get(_url("person_detail", person))
    assertNotContains(page, "Diallo")
    assertNotContains(page, _url("person_erase", person))
    assertContains(page, _url("person_data", person))
    # Erasing twice does nothing more.
    client.post(_url("person_erase", person))
    assert AccessLog.objects.filter(action=AccessLog.Action.ERASE).count() == 1


def test_erased_people_leave_the_list_of_people(client, world):
    client.force_login(world["users"]["referrer"])
    assertContains(client.get(reverse("beneficiaries:person_list")), "Diallo")
    privacy.beneficiary_anonymise(beneficiary=world["person"], by=world["users"]["admin"], reason="request")
    response = client.get(reverse("beneficiaries:person_list"))
    assertNotContains(response, "Diallo")
    assertNotContains(response, _url("person_detail", world["person"]))


def test_the_consent_withdrawal_page_tells_what_goes_and_what_stays(client, world):
    client.force_login(world["users"]["referrer"])
    response = client.get(_url("consent_withdraw", world["person"]))
    for item in privacy.ERASED_DESCRIPTION + privacy.KEPT_DESCRIPTION:
        assertContains(response, str(item))
    assert Consent.objects.get(beneficiary=world["person"]).withdrawn_at is None


def test_a_consent_withdrawal_is_recorded_and_erases_the_data(client, world):
    person = world["person"]
    client.force_login(world["users"]["referrer"])
    assertRedirects(client.post(_url("consent_withdraw", person)), _url("person_detail", person))
    consent = Consent.objects.get(beneficiary=person)
    assert consent.withdrawn_at is not None
    person.refresh_from_db()
    assert person.anonymised_at is not None and person.last_name == ""
    assert not LiaisonSheet.objects.filter(beneficiary=person).exclude(detail="").exists()
    record = AccessLog.objects.get(action=AccessLog.Action.ERASE)
    assert (record.user, record.detail["reason"]) == (world["users"]["referrer"], "consent_withdrawn")


def test_the_person_page_offers_the_rights_to_those_who_may_use_them(client, world):
    person = world["person"]
    client.force_login(world["users"]["coordinator"])
    response = client.get(_url("person_detail", person))
    for name in ("person_data", "person_erase", "consent_withdraw"):
        assertContains(response, _url(name, person))
    client.force_login(world["users"]["referrer"])
    response = client.get(_url("person_detail", person))
    assertContains(response, _url("consent_withdraw", person))
    assertNotContains(response, _url("person_erase", person))
    client.force_login(world["users"]["volunteer"])
    response = client.get(_url("person_detail", person))
    assertNotContains(response, _url("person_data", person))


def test_no_liaison_sheet_is_written_for_an_anonymised_person(client, world):
    privacy.beneficiary_anonymise(beneficiary=world["person"], by=None, reason="retention")
    client.force_login(world["users"]["referrer"])
    assert client.get(_url("sheet_create", world["person"])).status_code == 403
    page = client.get(_url("person_detail", world["person"]))
    assertNotContains(page, _url("sheet_create", world["person"]))
    assertNotContains(page, "Aucun consentement enregistré")
