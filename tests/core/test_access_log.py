"""The personal-data access log: what each page records, that records cannot be changed or
deleted, and how admins read it (technical admin and the in-app page)."""

import datetime
from unittest import mock
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from beneficiaries.people.enums import SheetStatus
from inclusion.core.models import AccessLog, AccessLogImmutable, Topic
from inclusion.core.services import access_log_record
from sessions_app.bookings.enums import Attendance
from sessions_app.desk.models import SessionLog
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today, slot_ahead
from tests.team.factories import VolunteerProfileFactory

V, C, E = AccessLog.Action.VIEW, AccessLog.Action.CHANGE, AccessLog.Action.EXPORT
PERSON, SHEET, BOOKING, LOG = (
    AccessLog.Kind.PERSON,
    AccessLog.Kind.LIAISON_SHEET,
    AccessLog.Kind.BOOKING,
    AccessLog.Kind.SESSION_LOG,
)


@pytest.fixture
def world():
    """A referred person booked at an antenna and helped there, with its coordinator and a
    volunteer (charter signed), the referrer and an admin."""
    antenna = AntennaFactory(name="La Blancarde")
    referrer = UserFactory(referrer=True)
    person = BeneficiaryFactory(first_name="Awa", last_name="Diallo", created_by=referrer)
    sheet = LiaisonSheetFactory(referrer=referrer, beneficiary=person, status=SheetStatus.BOOKED)
    booking = BookingFactory(slot=slot_ahead(antenna=antenna), beneficiary=person, liaison_sheet=sheet)
    log = SessionLogFactory(antenna=antenna, beneficiary=person, private_note="Dossier CAF difficile")
    coordinator = UserFactory(coordinator=True, membership__antenna=antenna)
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    for member in (coordinator, volunteer):
        VolunteerProfileFactory(user=member)
    return {
        "antenna": antenna,
        "person": person,
        "sheet": sheet,
        "booking": booking,
        "log": log,
        "referrer": referrer,
        "coordinator": coordinator,
        "volunteer": volunteer,
        "admin": UserFactory(admin=True),
    }


def _only_record():
    return AccessLog.objects.get()


@pytest.mark.parametrize(
    ("who", "url_name", "args", "kind", "role"),
    [
        ("referrer", "beneficiaries:person_detail", "person", PERSON, "referrer"),
        ("coordinator", "beneficiaries:person_detail", "person", PERSON, "coordinator"),
        ("referrer", "beneficiaries:sheet_detail", "sheet", SHEET, "referrer"),
        ("referrer", "booking:slot_search", "sheet", SHEET, "referrer"),
        ("volunteer", "booking:card", "booking", BOOKING, "volunteer"),
        ("volunteer", "desk:log_detail", "log", LOG, "volunteer"),
        ("admin", "desk:log_detail", "log", LOG, "admin"),
    ],
)
def test_each_page_showing_a_person_records_one_view(client, world, who, url_name, args, kind, role):
    client.force_login(world[who])
    assert client.get(reverse(url_name, args=[world[args].pk])).status_code == 200
    record = _only_record()
    assert (record.user, record.role, record.action) == (world[who], role, V)
    assert (record.object_kind, record.object_id, record.beneficiary) == (kind, world[args].pk, world["person"])
    assert record.created_at is not None


def test_a_persons_history_at_the_desk_records_a_view(client, world):
    client.force_login(world["volunteer"])
    url = reverse("desk:person_history", args=[world["antenna"].pk, world["person"].pk])
    assert client.get(url).status_code == 200
    record = _only_record()
    assert (record.action, record.object_kind, record.beneficiary) == (V, PERSON, world["person"])
    assert record.detail == {"antenna": world["antenna"].pk}


def test_the_log_form_showing_previous_sessions_records_a_view_of_the_person(client, world):
    client.force_login(world["volunteer"])
    url = reverse("desk:log_create", args=[world["antenna"].pk])
    assert client.get(url, {"booking": world["booking"].pk}).status_code == 200
    assert (_only_record().object_kind, _only_record().beneficiary) == (PERSON, world["person"])


def test_a_log_without_a_signed_charter_shows_no_person_and_records_nothing(client, world):
    newcomer = UserFactory(volunteer=True, membership__antenna=world["antenna"])
    client.force_login(newcomer)
    assert client.get(reverse("desk:log_detail", args=[world["log"].pk])).status_code == 200
    assert not AccessLog.objects.exists()


def test_a_workshop_log_records_one_line_per_followed_participant(client, world):
    other = BeneficiaryFactory()
    workshop = SessionLogFactory(antenna=world["antenna"], is_workshop=True)
    workshop.participants.set([world["person"], other])
    client.force_login(world["coordinator"])
    assert client.get(reverse("desk:log_detail", args=[workshop.pk])).status_code == 200
    records = AccessLog.objects.all()
    assert {record.beneficiary_id for record in records} == {world["person"].pk, other.pk}
    assert {(record.object_kind, record.object_id) for record in records} == {(LOG, workshop.pk)}


def test_changes_are_recorded(client, world):
    client.force_login(world["volunteer"])
    url = reverse("desk:attendance", args=[world["booking"].pk])
    client.post(url, {"attendance": Attendance.ATTENDED})
    record = _only_record()
    assert (record.action, record.object_kind, record.object_id) == (C, BOOKING, world["booking"].pk)
    assert record.detail == {"attendance": Attendance.ATTENDED}

    client.force_login(world["referrer"])
    client.post(reverse("beneficiaries:sheet_action", args=[world["sheet"].pk]), {"action": "cancel", "note": "x"})
    record = AccessLog.objects.filter(object_kind=SHEET).get()
    assert (record.action, record.user, record.beneficiary) == (C, world["referrer"], world["person"])


def test_registering_a_person_is_recorded_as_a_change(client, world):
    client.force_login(world["referrer"])
    response = client.post(
        reverse("beneficiaries:person_create"),
        {"first_name": "Lina", "last_name": "Haddad", "has_no_phone": "on", "consent_method": "oral"},
    )
    assert response.status_code == 302
    record = _only_record()
    assert (record.action, record.object_kind) == (C, PERSON)
    assert record.beneficiary.first_name == "Lina"
    # The log holds numbers, never names: it outlives the people's anonymisation.
    assert "Lina" not in record.what


def test_lists_of_people_record_nothing(client, world):
    client.force_login(world["referrer"])
    assert client.get(reverse("beneficiaries:person_list"), {"q": "Diallo"}).status_code == 200
    assert client.get(reverse("beneficiaries:sheet_list")).status_code == 200
    client.force_login(world["volunteer"])
    assert client.get(reverse("desk:today", args=[world["antenna"].pk])).status_code == 200
    assert client.get(reverse("desk:log_list", args=[world["antenna"].pk])).status_code == 200
    assert not AccessLog.objects.exists()


# Append-only


def test_records_cannot_be_changed_or_deleted_by_the_application(world):
    [record] = access_log_record(user=world["admin"], action=V, subject=world["person"])
    written = record.what
    record.what = "rewritten"
    with pytest.raises(AccessLogImmutable):
        record.save()
    with pytest.raises(AccessLogImmutable):
        record.delete()
    with pytest.raises(AccessLogImmutable):
        AccessLog.objects.filter(pk=record.pk).update(what="rewritten")
    with pytest.raises(AccessLogImmutable):
        AccessLog.objects.filter(pk=record.pk).delete()
    assert AccessLog.objects.get().what == written
    assert written.endswith(f" #{world['person'].pk}")


def test_the_database_itself_refuses_to_change_or_delete_records(world):
    [record] = access_log_record(user=world["admin"], action=V, subject=world["person"])
    for statement in (
        "UPDATE core_accesslog SET what = 'x' WHERE id = %s",
        "DELETE FROM core_accesslog WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [record.pk])
    assert AccessLog.objects.get().what == record.what


def test_a_person_with_records_about_them_cannot_be_deleted(world):
    access_log_record(user=world["admin"], action=V, subject=BeneficiaryFactory(consent=None))
    with pytest.raises(ProtectedError):
        AccessLog.objects.get().beneficiary.delete()


def test_the_admin_has_no_add_change_or_delete_permission(world):
    model_admin = site._registry[AccessLog]
    request = RequestFactory().get("/")
    request.user = world["admin"]
    [record] = access_log_record(user=world["admin"], action=V, subject=world["person"])
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, record)
    assert not model_admin.has_delete_permission(request, record)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_the_admin_refuses_to_add_change_or_delete_records(client, world):
    [record] = access_log_record(user=world["coordinator"], action=V, subject=world["person"])
    client.force_login(world["admin"])
    assert client.post(reverse("admin:core_accesslog_add"), {"what": "forged"}).status_code == 403
    change = client.post(reverse("admin:core_accesslog_change", args=[record.pk]), {"what": "rewritten"})
    assert change.status_code == 403
    delete = client.post(reverse("admin:core_accesslog_delete", args=[record.pk]), {"post": "yes"})
    assert delete.status_code == 403
    bulk = client.post(
        reverse("admin:core_accesslog_changelist"),
        {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert AccessLog.objects.get().what == record.what


def test_the_admin_reads_the_log_by_person_and_by_account(client, world):
    other = BeneficiaryFactory()
    access_log_record(user=world["coordinator"], action=V, subject=world["person"])
    access_log_record(user=world["referrer"], action=V, subject=other)
    client.force_login(world["admin"])
    url = reverse("admin:core_accesslog_changelist")
    by_person = client.get(url, {"beneficiary__id__exact": world["person"].pk})
    assert [record.beneficiary_id for record in by_person.context["cl"].result_list] == [world["person"].pk]
    searched = client.get(url, {"q": str(other.pk)})
    assert [record.beneficiary_id for record in searched.context["cl"].result_list] == [other.pk]
    by_user = client.get(url, {"user__id__exact": world["referrer"].pk})
    assert [record.user for record in by_user.context["cl"].result_list] == [world["referrer"]]
    by_email = client.get(url, {"q": world["coordinator"].email})
    assert [record.user for record in by_email.context["cl"].result_list] == [world["coordinator"]]
    # The list shows the person's number, not their name.
    assertNotContains(by_person, "Diallo")


# The in-app page for federation admins


def _records(response):
    return list(response.context["page"])


def test_the_access_log_page_filters_by_person_account_action_and_dates(client, world):
    other = BeneficiaryFactory()
    # The creation date is the database's insertion time: write one record as if 40 days ago.
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - datetime.timedelta(days=40)):
        old = access_log_record(user=world["referrer"], action=V, subject=other)[0]
    seen = access_log_record(user=world["coordinator"], action=V, subject=world["person"])[0]
    exported = access_log_record(user=world["referrer"], action=E, subject=world["person"])[0]
    client.force_login(world["admin"])
    url = reverse("inclusion:access_log")
    assert _records(client.get(url)) == [exported, seen, old]
    assert _records(client.get(url, {"personne": world["person"].pk})) == [exported, seen]
    assert _records(client.get(url, {"compte": world["referrer"].email.upper()})) == [exported, old]
    assert _records(client.get(url, {"action": "export"})) == [exported]
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert _records(client.get(url, {"du": since})) == [exported, seen]
    until = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    assert _records(client.get(url, {"au": until})) == [old]
    response = client.get(url, {"personne": world["person"].pk})
    assertContains(response, f"?compte={quote(world['coordinator'].email)}")


def test_the_access_log_page_tells_bad_filters_in_french(client, world):
    access_log_record(user=world["coordinator"], action=V, subject=world["person"])
    client.force_login(world["admin"])
    response = client.get(reverse("inclusion:access_log"), {"du": "2026-05-10", "au": "2026-05-01", "personne": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"au", "personne"}
    assert _records(response) == []


def test_the_access_log_page_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    client.force_login(world["admin"])
    url = reverse("inclusion:access_log")
    for _index in range(3):
        access_log_record(user=world["coordinator"], action=V, subject=world["person"])
    # Session, user, the menu's two role queries, count, page of records with account and person.
    with django_assert_num_queries(6):
        client.get(url, {"personne": world["person"].pk})
    for _index in range(30):
        access_log_record(user=world["referrer"], action=V, subject=BeneficiaryFactory())
    with django_assert_num_queries(6):
        response = client.get(url)
    assert len(_records(response)) == 33


def test_the_access_log_page_is_paginated(client, world):
    for _index in range(51):
        access_log_record(user=world["coordinator"], action=V, subject=world["person"])
    client.force_login(world["admin"])
    response = client.get(reverse("inclusion:access_log"), {"personne": world["person"].pk, "page": 2})
    assert len(_records(response)) == 1
    assert response.context["query_string"] == f"personne={world['person'].pk}"


def test_booking_and_cancelling_a_referral_are_recorded(client, world):
    sheet = LiaisonSheetFactory(referrer=world["referrer"], beneficiary=world["person"])
    client.force_login(world["referrer"])
    response = client.post(reverse("booking:book", args=[sheet.pk]), {"slot": slot_ahead(antenna=world["antenna"]).pk})
    assert response.status_code == 302
    record = AccessLog.objects.get(action=C)
    booking = sheet.bookings.get()
    assert (record.object_kind, record.object_id, record.beneficiary) == (BOOKING, booking.pk, world["person"])
    client.post(reverse("booking:cancel", args=[booking.pk]), {"reason": ""})
    assert AccessLog.objects.filter(action=C, object_id=booking.pk, detail={"action": "cancel"}).exists()


def test_logging_a_session_is_recorded(client, world):
    yesterday = occurrence_today(antenna=world["antenna"], day=timezone.localdate() - datetime.timedelta(days=1))
    booking = BookingFactory(slot=yesterday.slots.first(), beneficiary=BeneficiaryFactory())
    client.force_login(world["volunteer"])
    url = reverse("desk:log_create", args=[world["antenna"].pk]) + f"?booking={booking.pk}"
    data = {
        "duration": "60",
        "duration_other": "",
        "topics": [Topic.objects.get(code="email").pk],
        "autonomy": "guided",
        "outcome": "done",
        "redirected_to": "",
        "vouchers": "",
        "volunteers": [world["volunteer"].pk],
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    log = SessionLog.objects.get(booking=booking)
    record = AccessLog.objects.get(action=C)
    assert (record.object_kind, record.object_id, record.beneficiary) == (LOG, log.pk, booking.beneficiary)


# What each record is about, in the reader's language


def _written_in_french_before(world):
    """Records as they were written when `what` held the writer's words: a sheet viewed, a
    figures export of all antennas, and a record with nothing but its words."""
    sheet = world["sheet"]
    records = [
        AccessLog(
            user=world["referrer"],
            role="referrer",
            action=V,
            object_kind=SHEET,
            object_id=sheet.pk,
            what=f"Fiche de liaison #{sheet.pk}",
            beneficiary=world["person"],
        ),
        AccessLog(
            user=world["admin"],
            role="admin",
            action=E,
            object_kind=AccessLog.Kind.REPORT,
            what="sessions export Toutes les antennes 2026-01-01–2026-12-31",
            detail={
                "scope": {"scope": "tout", "pk": 0, "label": "Toutes les antennes"},
                "period": ["2026-01-01", "2026-12-31"],
                "format": "csv",
                "names": False,
                "rows": 3,
            },
        ),
        AccessLog(user=world["admin"], role="admin", action=V, what="Ancienne ligne"),
    ]
    for record in records:
        record.save()
    return records


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            ["Feuille de liaison #{sheet}", "Export des séances : Toutes les antennes, du 01/01/2026 au 31/12/2026"],
        ),
        ("en", ["Liaison sheet #{sheet}", "Export of the sessions: All antennas, 01/01/2026 – 12/31/2026"]),
    ],
)
def test_the_log_page_says_what_each_record_is_about_in_the_readers_language(client, world, language, expected):
    _written_in_french_before(world)
    booking_record = access_log_record(user=world["volunteer"], action=V, subject=world["booking"])[0]
    assert booking_record.what == f"booking #{world['booking'].pk}"
    client.force_login(world["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("inclusion:access_log"))
    for text in expected:
        assertContains(response, f"<td>{text.format(sheet=world['sheet'].pk)}</td>", html=True)
    assertContains(response, {"fr": "Rendez-vous", "en": "Booking"}[language] + f" #{world['booking'].pk}")
    # A record with nothing but its words is shown as written.
    assertContains(response, "<td>Ancienne ligne</td>", html=True)
    if language == "en":
        assertNotContains(response, "Fiche de liaison")
        assertNotContains(response, "Toutes les antennes")
