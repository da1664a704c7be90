"""The note for an antenna's team (SessionLog.private_note): every role against every place it
could surface. Admins read every note; the coordinators and volunteers of a log's antenna who
signed the charter read that antenna's; a referrer never reads one for being the referrer, not
even one who is also on another antenna's team."""

import io
import json

import openpyxl
import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from beneficiaries.people.enums import SheetStatus
from beneficiaries.people.models import Beneficiary, LiaisonSheet, LiaisonSheetEvent
from inclusion.core.enums import MembershipRole
from inclusion.core.models import Topic, User
from sessions_app.bookings.enums import BookingChannel
from sessions_app.desk import services as session_services
from sessions_app.desk.enums import Outcome
from sessions_app.desk.models import SessionLog
from sessions_app.figures.models import ExportJob
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, AntennaMembershipFactory, UserFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import VolunteerProfileFactory

# Without apostrophes or other characters that HTML escapes, so a plain search finds them.
NOTE_A = "Craint les arnaques au téléphone"
NOTE_B = "Pleure en parlant de son fils"
SUMMARY_A = "Adresse e-mail créée"
SUMMARY_B = "Compte ameli ouvert"
NEXT_A = "Revenir pour la CAF"
NEXT_B = "Apporter la carte vitale"
NOTES = {"A": NOTE_A, "B": NOTE_B}
SUMMARIES = {"A": SUMMARY_A, "B": SUMMARY_B}


def _log(*, antenna, booking, volunteer, summary, next_step, note):
    return session_services.session_log_create(
        antenna=antenna,
        fields=session_services.SessionLogFields(
            booking=booking,
            occurrence=booking.slot.occurrence,
            beneficiary=booking.beneficiary,
            date=booking.slot.occurrence.date,
            duration_minutes=60,
            outcome=Outcome.DONE,
            summary=summary,
            next_step=next_step,
            private_note=note,
        ),
        volunteers=[volunteer],
        topics=Topic.objects.filter(code="email"),
        by=volunteer,
    )


def _member(role, antenna, user=None):
    user = user or UserFactory()
    AntennaMembershipFactory(user=user, antenna=antenna, role=role)
    VolunteerProfileFactory(user=user)
    return user


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """A person registered by a referrer and first met at La Blancarde (A), where the referrer's
    sheet was booked and the session logged with its note; the same person also helped at
    Chemin de Gibbes (B), through a sheet of a referrer who coordinates B as well."""
    antenna_a, antenna_b = AntennaFactory(name="La Blancarde"), AntennaFactory(name="Chemin de Gibbes")
    users = {
        "admin": UserFactory(admin=True),
        "coordinator": _member(MembershipRole.COORDINATOR, antenna_a),
        "volunteer": _member(MembershipRole.VOLUNTEER, antenna_a),
        "other_volunteer": _member(MembershipRole.VOLUNTEER, antenna_b),
        "other_coordinator": _member(MembershipRole.COORDINATOR, antenna_b),
        "referrer": UserFactory(referrer=True),
        "other_referrer": UserFactory(referrer=True),
        "referrer_on_other_team": _member(MembershipRole.COORDINATOR, antenna_b, UserFactory(referrer=True)),
    }
    person = BeneficiaryFactory(last_name="Diallo", created_by=users["referrer"], first_antenna=antenna_a)
    sheet_a = LiaisonSheetFactory(referrer=users["referrer"], beneficiary=person, status=SheetStatus.BOOKED)
    sheet_b = LiaisonSheetFactory(
        referrer=users["referrer_on_other_team"], beneficiary=person, status=SheetStatus.BOOKED
    )
    bookings = {}
    for key, antenna, sheet in (("A", antenna_a, sheet_a), ("B", antenna_b, sheet_b)):
        slot = occurrence_today(antenna=antenna).slots.order_by("starts_at").first()
        bookings[key] = BookingFactory(
            slot=slot, beneficiary=person, liaison_sheet=sheet, channel=BookingChannel.REFERRAL
        )
    with django_capture_on_commit_callbacks(execute=True):
        log_a = _log(
            antenna=antenna_a,
            booking=bookings["A"],
            volunteer=users["volunteer"],
            summary=SUMMARY_A,
            next_step=NEXT_A,
            note=NOTE_A,
        )
        log_b = _log(
            antenna=antenna_b,
            booking=bookings["B"],
            volunteer=users["other_volunteer"],
            summary=SUMMARY_B,
            next_step=NEXT_B,
            note=NOTE_B,
        )
    return {
        "users": users,
        "person": person,
        "antennas": {"A": antenna_a, "B": antenna_b},
        "sheets": {"A": sheet_a, "B": sheet_b},
        "logs": {"A": log_a, "B": log_b},
        "mails": list(mail.outbox),
    }


# Each place: how to read it as a user, and a text it shows whenever it answers (a positive
# control: the log did reach the place, so a missing note is not a page that shows nothing).


def _page(client, url, **params):
    response = client.get(url, params)
    if response.streaming:
        return response.status_code, b"".join(response.streaming_content)
    return response.status_code, response.content


def _text(status_and_content):
    status, content = status_and_content
    return status, content.decode("utf-8") if status == 200 else ""


def _prepared_export(client, url, **params):
    """An export prepared by the task worker: asked for, written once the request's transaction
    commits (the tests' immediate backend), then downloaded from its job."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(url, params)
    if response.status_code != 302:
        return response.status_code, b""
    job = ExportJob.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    return _page(client, reverse("exports:job_download", args=[job.pk]))


def _xlsx_text(status_and_content):
    status, content = status_and_content
    if status != 200:
        return status, ""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    cells = [str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    return status, "\n".join(cells)


def _person_url(name, world):
    namespace = "privacy" if name.startswith("person_data") else "beneficiaries"
    return reverse(f"{namespace}:{name}", args=[world["person"].pk])


def _export_url(world, fmt):
    return reverse("exports:sessions", kwargs={"scope": "antenne", "pk": world["antennas"]["A"].pk, "fmt": fmt})


def _mails_to(client, world, user):
    mails = [message for message in world["mails"] if user.email in message.to]
    return None, "\n".join(f"{message.subject}\n{message.body}" for message in mails)


def _sheet_events(client, world, user):
    """What the sheets the user may see say about the sessions: their outcome and the notes of
    their steps, as the sheet page, the referrer's list and the e-mails repeat them."""
    sheets = LiaisonSheet.objects.visible_to(user).filter(beneficiary=world["person"])
    texts = [sheet.outcome for sheet in sheets]
    texts += LiaisonSheetEvent.objects.filter(sheet__in=sheets).values_list("note", flat=True)
    return None, "\n".join(texts)


PLACES = {
    "person_data": (
        lambda client, world, user: _text(_page(client, _person_url("person_data", world))),
        SUMMARY_A,
    ),
    "person_data_json": (
        lambda client, world, user: _text(_page(client, _person_url("person_data_json", world))),
        SUMMARY_A,
    ),
    "person_detail": (
        lambda client, world, user: _text(_page(client, _person_url("person_detail", world))),
        "Diallo",
    ),
    "sheet_detail_a": (
        lambda client, world, user: _text(
            _page(client, reverse("beneficiaries:sheet_detail", args=[world["sheets"]["A"].pk]))
        ),
        SUMMARY_A,
    ),
    "sheet_detail_b": (
        lambda client, world, user: _text(
            _page(client, reverse("beneficiaries:sheet_detail", args=[world["sheets"]["B"].pk]))
        ),
        SUMMARY_B,
    ),
    "desk_log_detail_a": (
        lambda client, world, user: _text(_page(client, reverse("desk:log_detail", args=[world["logs"]["A"].pk]))),
        NEXT_A,
    ),
    "desk_log_detail_b": (
        lambda client, world, user: _text(_page(client, reverse("desk:log_detail", args=[world["logs"]["B"].pk]))),
        NEXT_B,
    ),
    "desk_person_history_a": (
        lambda client, world, user: _text(
            _page(client, reverse("desk:person_history", args=[world["antennas"]["A"].pk, world["person"].pk]))
        ),
        NEXT_A,
    ),
    "desk_person_history_b": (
        lambda client, world, user: _text(
            _page(client, reverse("desk:person_history", args=[world["antennas"]["B"].pk, world["person"].pk]))
        ),
        NEXT_B,
    ),
    "csv_export": (
        lambda client, world, user: _text(_page(client, _export_url(world, "csv"), noms="1")),
        NEXT_A,
    ),
    "xlsx_export": (
        lambda client, world, user: _xlsx_text(_prepared_export(client, _export_url(world, "xlsx"), noms="1")),
        NEXT_A,
    ),
    "seen_emails": (_mails_to, None),
    "sheet_events": (_sheet_events, None),
}

ROLES = [
    "admin",
    "coordinator",
    "volunteer",
    "other_volunteer",
    "other_coordinator",
    "referrer",
    "other_referrer",
    "referrer_on_other_team",
]

# (status, notes shown) per place, in the order of ROLES: "AB" both notes, "A" La Blancarde's
# only, "B" Chemin de Gibbes' only, _ none. E-mails and sheet events have no status (None), and
# name the summaries they hold instead: they never hold a note.
_ = ""
EXPECTED = {
    # The subject-access export: an admin hands over every note, a coordinator their antenna's,
    # the referrer who registered the person none; volunteers may not hand it over.
    "person_data": [(200, "AB"), (200, "A"), (403, _), (403, _), (200, "B"), (200, _), (404, _), (200, "B")],
    "person_data_json": [(200, "AB"), (200, "A"), (403, _), (403, _), (200, "B"), (200, _), (404, _), (200, "B")],
    "person_detail": [(200, _), (200, _), (200, _), (200, _), (200, _), (200, _), (404, _), (200, _)],
    "sheet_detail_a": [(200, _), (200, _), (200, _), (404, _), (404, _), (200, _), (404, _), (404, _)],
    "sheet_detail_b": [(200, _), (404, _), (404, _), (200, _), (200, _), (404, _), (404, _), (200, _)],
    "desk_log_detail_a": [(200, "A"), (200, "A"), (200, "A"), (404, _), (404, _), (404, _), (404, _), (404, _)],
    "desk_log_detail_b": [(200, "B"), (404, _), (404, _), (200, "B"), (200, "B"), (404, _), (404, _), (200, "B")],
    "desk_person_history_a": [(200, "A"), (200, "A"), (200, "A"), (404, _), (404, _), (404, _), (404, _), (404, _)],
    "desk_person_history_b": [(200, "B"), (404, _), (404, _), (200, "B"), (200, "B"), (404, _), (404, _), (200, "B")],
    # Exports for funders never carry a note, whoever downloads them.
    "csv_export": [(200, _), (200, _), (403, _), (404, _), (404, _), (404, _), (404, _), (404, _)],
    "xlsx_export": [(200, _), (200, _), (403, _), (404, _), (404, _), (404, _), (404, _), (404, _)],
    # Told to the referrer of each sheet: the summary, never the note, even to a team member.
    "seen_emails": [(None, _), (None, _), (None, _), (None, _), (None, _), (None, "A"), (None, _), (None, "B")],
    # What the sheets each user sees say of the sessions: the summaries of the sheets' antennas.
    "sheet_events": [
        (None, "AB"),
        (None, "A"),
        (None, "A"),
        (None, "B"),
        (None, "B"),
        (None, "A"),
        (None, _),
        (None, "B"),
    ],
}

CASES = [
    pytest.param(place, role, *EXPECTED[place][index], id=f"{place}-{role}")
    for place in PLACES
    for index, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("place", "role", "status", "shown"), CASES)
def test_a_private_note_surfaces_only_where_its_reader_may_read_it(client, world, place, role, status, shown):
    user = world["users"][role]
    client.force_login(user)
    read, control = PLACES[place]
    got_status, text = read(client, world, user)
    assert got_status == status
    if status is None:
        for key, summary in SUMMARIES.items():
            assert (summary in text) == (key in shown), f"{key}: {summary}"
        assert NOTE_A not in text and NOTE_B not in text
        return
    if status == 200:
        assert control in text
    for key, note in NOTES.items():
        assert (note in text) == (key in shown), f"{key}: {note}"


def test_the_export_says_when_team_notes_were_left_out(client, world, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for role, left_out in (("admin", False), ("coordinator", True), ("referrer", True)):
        client.force_login(world["users"][role])
        data = json.loads(client.get(_person_url("person_data_json", world)).content)
        assert data["team_notes_left_out"] is left_out, role
        page = client.get(_person_url("person_data", world)).content.decode()
        assert ("some are not on this page" in page) is left_out, role


def test_reading_a_note_comes_from_membership_and_charter_never_from_referring(world):
    log_a, log_b = world["logs"]["A"], world["logs"]["B"]
    hybrid = world["users"]["referrer_on_other_team"]
    assert not log_a.private_note_readable_by(hybrid)
    assert log_b.private_note_readable_by(hybrid)
    # The referrer who registered the person and sent the sheet reads neither.
    referrer = User.objects.get(pk=world["users"]["referrer"].pk)
    assert not log_a.private_note_readable_by(referrer)
    # Joining A's team without signing the charter is not enough; signing it is.
    AntennaMembershipFactory(user=referrer, antenna=world["antennas"]["A"], role=MembershipRole.VOLUNTEER)
    referrer = User.objects.get(pk=referrer.pk)
    assert not log_a.private_note_readable_by(referrer)
    VolunteerProfileFactory(user=referrer)
    referrer = User.objects.get(pk=referrer.pk)
    assert log_a.private_note_readable_by(referrer)
    assert not log_b.private_note_readable_by(referrer)
    # A deactivated coordinator reads nothing any more.
    coordinator = world["users"]["coordinator"]
    User.objects.filter(pk=coordinator.pk).update(is_active=False)
    assert not log_a.private_note_readable_by(User.objects.get(pk=coordinator.pk))


def test_the_demo_social_worker_does_not_read_the_volunteers_note(client):
    call_command("load_demo", stdout=io.StringIO())
    note = "A besoin d'être rassurée sur les mots de passe."
    log = SessionLog.objects.get(private_note=note)
    social_worker = User.objects.get(email="travailleur.social@demo.test")
    person = Beneficiary.objects.get(pk=log.beneficiary_id, created_by=social_worker)
    client.force_login(social_worker)
    page = client.get(reverse("privacy:person_data", args=[person.pk]))
    download = client.get(reverse("privacy:person_data_json", args=[person.pk]))
    assert page.status_code == download.status_code == 200
    assert [entry["summary"] for entry in json.loads(download.content)["session_logs"]] == [log.summary]
    assert "rassurée" not in page.content.decode() and "rassurée" not in download.content.decode()
    # The antenna's coordinator hands the same export over with the note in it.
    client.force_login(User.objects.get(email="coordination@demo.test"))
    download = client.get(reverse("privacy:person_data_json", args=[person.pk]))
    assert [entry["private_note"] for entry in json.loads(download.content)["session_logs"]] == [note]
