"""Exports for funders: session logs and bookings of a scope and a period, as CSV and XLSX; names
only when allowed and asked for; every export in the access log; access; flat query count."""

import csv
import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.test import TestCase
from django.urls import resolve, reverse
from django.utils import translation
from pytest_django.asserts import assertRedirects

from inclusion.core.models import AccessLog, Topic
from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus
from sessions_app.desk.enums import Outcome, RedirectionKind
from sessions_app.desk.models import Voucher
from sessions_app.figures.exports import BOOKING_COLUMNS, SESSION_COLUMNS
from sessions_app.figures.models import ExportJob
from sessions_app.figures.reporting import PeriodError, period_from_query, pseudonym
from sessions_app.figures.tasks import export_job_make
from sessions_app.scheduling.enums import WorkshopLevel
from tests.access import url_names
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import VolunteerProfileFactory

JANUARY = {"periode": "custom", "du": "2026-01-01", "au": "2026-01-31"}

# The CSV's header: the columns' codes, the same in every language.
SESSION_CODES = [
    "date",
    "antenna",
    "department",
    "organization",
    "session_id",
    "kind",
    "level",
    "person_id",
    "age_bracket",
    "gender",
    "social_status",
    "commune",
    "duration_minutes",
    "topics",
    "autonomy",
    "equipment",
    "outcome",
    "redirected_to",
    "next_step",
    "voucher_count",
    "voucher_numbers",
    "volunteer_count",
    "followed_participants",
    "anonymous_participants",
    "logged_by",
    "booking_channel",
]
# The workbook's header, in French by default.
SESSION_HEADERS = [
    "Date",
    "Antenne",
    "Département",
    "Structure",
    "N° de séance",
    "Type",
    "Niveau de l'atelier",
    "Identifiant pseudonyme",
    "Tranche d'âge",
    "Genre",
    "Situation",
    "Commune",
    "Durée (minutes)",
    "Thématiques",
    "Autonomie",
    "Matériel utilisé",
    "Résultat",
    "Réorientation",
    "Suite à donner",
    "Nombre de pass numériques",
    "Numéros des pass numériques",
    "Nombre de bénévoles",
    "Participants suivis",
    "Participants anonymes",
    "Saisie par",
    "Canal du rendez-vous",
]


def _member(role: str, antenna, *, signed: bool = True, **fields):
    user = UserFactory(**{role: True}, membership__antenna=antenna, **fields)
    VolunteerProfileFactory(user=user, charter_signed_on=datetime.date(2026, 1, 15) if signed else None)
    return user


@pytest.fixture
def world():
    antenna = AntennaFactory(name="La Blancarde", department_code="13")
    other_antenna = AntennaFactory(name="Chemin de Gibbes")
    coordinator = _member("coordinator", antenna, display_name="Camille Roux")
    volunteer = _member("volunteer", antenna, display_name="Louis Martin")
    person = BeneficiaryFactory(
        first_name="Aïcha", last_name="Benali", age_bracket="40_59", gender="woman", social_status="jobseeker"
    )
    other_person = BeneficiaryFactory(first_name="Marc", last_name="Durand")
    occurrence = occurrence_today(antenna=antenna, day=datetime.date(2026, 1, 6), title="Permanence du mardi")
    booking = BookingFactory(
        slot=occurrence.slots.order_by("starts_at").first(),
        beneficiary=person,
        channel=BookingChannel.PHONE,
        created_by=volunteer,
        attendance=Attendance.ATTENDED,
    )
    followed = SessionLogFactory(
        antenna=antenna,
        occurrence=occurrence,
        booking=booking,
        beneficiary=person,
        date=datetime.date(2026, 1, 6),
        topics=["email", "banque_et_achats_en_ligne"],
        volunteers=[volunteer, coordinator],
        used_computer=True,
        used_phone=True,
        outcome=Outcome.REDIRECTED,
        redirected_to=RedirectionKind.FRANCE_SERVICES,
        next_step="Revenir avec le courrier de la CAF",
        created_by=volunteer,
    )
    Voucher.objects.create(session_log=followed, number="APTIC-0002")
    Voucher.objects.create(session_log=followed, number="APTIC-0001")
    # The last local day of the period.
    anonymous = SessionLogFactory(
        antenna=antenna,
        date=datetime.date(2026, 1, 31),
        age_bracket="70_plus",
        gender="man",
        social_status="retired",
        commune="Aubagne",
        duration_minutes=30,
        volunteers=[volunteer],
        created_by=volunteer,
    )
    workshop = SessionLogFactory(
        antenna=antenna,
        date=datetime.date(2026, 1, 1),
        is_workshop=True,
        level=WorkshopLevel.BEGINNER,
        anonymous_participants=3,
        duration_minutes=120,
        topics=["securite_numerique"],
        volunteers=[coordinator],
        created_by=coordinator,
    )
    workshop.participants.set([person, other_person])
    # Outside the scope or the period: the day before, the day after, another antenna.
    SessionLogFactory(antenna=antenna, date=datetime.date(2025, 12, 31), beneficiary=other_person)
    SessionLogFactory(antenna=antenna, date=datetime.date(2026, 2, 1))
    SessionLogFactory(antenna=other_antenna, date=datetime.date(2026, 1, 6))
    users = {
        "admin": UserFactory(admin=True, display_name="Fédération"),
        "coordinator": coordinator,
        "unsigned_coordinator": _member("coordinator", antenna, signed=False),
        "volunteer": volunteer,
        "other_coordinator": _member("coordinator", other_antenna),
        "referrer": UserFactory(referrer=True),
    }
    return {
        "antenna": antenna,
        "other_antenna": other_antenna,
        "person": person,
        "other_person": other_person,
        "occurrence": occurrence,
        "booking": booking,
        "logs": {"followed": followed, "anonymous": anonymous, "workshop": workshop},
        "users": users,
    }


def _url(name, world=None, *, fmt="csv", scope="antenne", pk=None):
    pk = world["antenna"].pk if pk is None else pk
    return reverse(name, kwargs={"scope": scope, "pk": pk, "fmt": fmt})


def _get(client, user, url, **params):
    """A CSV's answer; for a workbook, the file of the job the request leads to, made at once by
    the immediate backend once the job is committed."""
    client.force_login(user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(url, {**JANUARY, **params})
    if job := _job_asked(response):
        return client.get(reverse("exports:job_download", args=[job]))
    return response


def _job_asked(response):
    """The id of the prepared export an answer leads to, if it leads to one."""
    if response.status_code != 302:
        return None
    match = resolve(response["Location"])
    return match.kwargs["pk"] if match.view_name == "exports:job" else None


def _csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff")), delimiter=";"))


def _records(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def _workbook(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _finish(response) -> None:
    """Read a download to its end, as a browser would: an XLSX response holds its temporary file
    open until then (and the test client closes it properly only then)."""
    if response.streaming:
        b"".join(response.streaming_content)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    return str(value)


def test_sessions_csv_holds_one_row_per_session_of_the_scope_and_period(client, world):
    response = _get(client, world["users"]["coordinator"], _url("exports:sessions", world))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="la-blancarde_2026-01-01_2026-01-31_seances_codes.csv"'
    )
    rows = _csv(response)
    assert rows[0] == SESSION_CODES
    records = _records(rows)
    logs = world["logs"]
    assert [record["session_id"] for record in records] == [
        str(logs["workshop"].pk),
        str(logs["followed"].pk),
        str(logs["anonymous"].pk),
    ]
    workshop, followed, anonymous = records
    assert followed == {
        "date": "2026-01-06",
        "antenna": "La Blancarde",
        "department": "13",
        "organization": world["antenna"].organization.name,
        "session_id": str(logs["followed"].pk),
        "kind": "individual",
        "level": "",
        "person_id": pseudonym(world["person"].pk),
        "age_bracket": "40_59",
        "gender": "woman",
        "social_status": "jobseeker",
        "commune": "Marseille",
        "duration_minutes": "60",
        "topics": "banque_et_achats_en_ligne|email",
        "autonomy": "guided",
        "equipment": "computer|phone",
        "outcome": "redirected",
        "redirected_to": "france_services",
        "next_step": "Revenir avec le courrier de la CAF",
        "voucher_count": "2",
        "voucher_numbers": "APTIC-0001|APTIC-0002",
        "volunteer_count": "2",
        "followed_participants": "",
        "anonymous_participants": "",
        "logged_by": "Louis Martin",
        "booking_channel": "phone",
    }
    assert anonymous["date"] == "2026-01-31"
    assert anonymous["person_id"] == ""
    assert (anonymous["age_bracket"], anonymous["gender"], anonymous["social_status"], anonymous["commune"]) == (
        "70_plus",
        "man",
        "retired",
        "Aubagne",
    )
    assert anonymous["voucher_count"] == "0"
    assert anonymous["voucher_numbers"] == ""
    assert anonymous["booking_channel"] == ""
    assert workshop["kind"] == "workshop"
    assert workshop["level"] == "beginner"
    assert workshop["topics"] == "securite_numerique"
    assert (workshop["followed_participants"], workshop["anonymous_participants"]) == ("2", "3")
    assert workshop["logged_by"] == "Camille Roux"


def test_the_csv_stays_in_codes_whatever_the_interface_language(client, world):
    client.cookies["django_language"] = "en"

    response = _get(client, world["users"]["coordinator"], _url("exports:sessions", world))

    assert response["Content-Disposition"].endswith('_seances_codes.csv"')
    rows = _csv(response)
    assert rows[0] == SESSION_CODES
    assert _records(rows)[1]["gender"] == "woman"


def _sheet_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_sessions_xlsx_holds_the_same_rows_as_labels_in_french(client, world):
    coordinator = world["users"]["coordinator"]
    csv_records = _records(_csv(_get(client, coordinator, _url("exports:sessions", world))))

    response = _get(client, coordinator, _url("exports:sessions", world, fmt="xlsx"))

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="la-blancarde_2026-01-01_2026-01-31_seances_fr.xlsx"' in response["Content-Disposition"]
    workbook = _workbook(response)
    assert workbook.sheetnames == ["Séances", "Synthèse", "À propos"]
    header, *rows = _sheet_rows(workbook["Séances"])
    assert header == SESSION_HEADERS
    assert [row[4] for row in rows] == [int(record["session_id"]) for record in csv_records]
    workshop, followed, anonymous = (dict(zip(header, row, strict=True)) for row in rows)
    assert followed == {
        "Date": datetime.datetime(2026, 1, 6),
        "Antenne": "La Blancarde",
        "Département": "13",
        "Structure": world["antenna"].organization.name,
        "N° de séance": world["logs"]["followed"].pk,
        "Type": "Séance individuelle",
        "Niveau de l'atelier": None,
        "Identifiant pseudonyme": pseudonym(world["person"].pk),
        "Tranche d'âge": "40–59 ans",
        "Genre": "Femme",
        "Situation": "Sans emploi",
        "Commune": "Marseille",
        "Durée (minutes)": 60,
        "Thématiques": "Banque et achats en ligne, E-mail",
        "Autonomie": "Entièrement accompagné",
        "Matériel utilisé": "Ordinateur, Téléphone",
        "Résultat": "Réorienté",
        "Réorientation": "France Services",
        "Suite à donner": "Revenir avec le courrier de la CAF",
        "Nombre de pass numériques": 2,
        "Numéros des pass numériques": "APTIC-0001, APTIC-0002",
        "Nombre de bénévoles": 2,
        "Participants suivis": None,
        "Participants anonymes": None,
        "Saisie par": "Louis Martin",
        "Canal du rendez-vous": "Téléphone",
    }
    assert (anonymous["Tranche d'âge"], anonymous["Genre"], anonymous["Situation"]) == (
        "70 ans et plus",
        "Homme",
        "Retraité·e",
    )
    assert (workshop["Type"], workshop["Niveau de l'atelier"]) == ("Atelier collectif", "Débutant")
    assert workshop["Thématiques"] == "Prévention en sécurité numérique"


def test_the_workbook_freezes_its_header_filters_its_columns_and_fits_their_widths(client, world):
    response = _get(client, world["users"]["coordinator"], _url("exports:sessions", world, fmt="xlsx"))

    sheet = _workbook(response)["Séances"]
    assert sheet.freeze_panes == "A2"
    # 26 columns (A to Z), the header and three rows.
    assert sheet.auto_filter.ref == "A1:Z4"
    assert all(cell.font.bold for cell in sheet[1])
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABFNSZ"}
    # A date; "La Blancarde"; "Séance individuelle"; two topics' labels; the longest next step;
    # the header "Canal du rendez-vous", longer than its values.
    assert widths == {"A": 12, "B": 14, "F": 21, "N": 35, "S": 36, "Z": 22}


def test_a_long_value_widens_its_column_only_up_to_a_bound(client, world):
    world["logs"]["followed"].next_step = "x" * 200
    world["logs"]["followed"].save()

    response = _get(client, world["users"]["coordinator"], _url("exports:sessions", world, fmt="xlsx"))

    sheet = _workbook(response)["Séances"]
    assert sheet.column_dimensions["S"].width == 50
    assert sheet["S3"].value == "x" * 200


def test_the_workbook_dates_are_real_dates_in_the_readers_format(client, world, bookings):
    coordinator = world["users"]["coordinator"]

    sessions = _workbook(_get(client, coordinator, _url("exports:sessions", world, fmt="xlsx")))["Séances"]
    booked = _workbook(_get(client, coordinator, _url("exports:bookings", world, fmt="xlsx")))["Rendez-vous"]

    date = sessions["A2"]
    assert (date.is_date, date.value, date.number_format) == (True, datetime.datetime(2026, 1, 1), "dd/mm/yyyy")
    header = [cell.value for cell in booked[1]]
    first = booked[2]
    booked_at = first[header.index("Pris le")]
    assert (booked_at.is_date, booked_at.number_format) == (True, "dd/mm/yyyy hh:mm")
    time = first[header.index("Heure")]
    assert (time.value, time.number_format) == (datetime.time(0, 0), "hh:mm")


def test_the_workbook_says_what_it_holds(client, world):
    response = _get(client, world["users"]["coordinator"], _url("exports:sessions", world, fmt="xlsx"))

    workbook = _workbook(response)
    summary = dict(_sheet_rows(workbook["Synthèse"]))
    assert summary["Périmètre"] == "La Blancarde"
    assert (summary["Du"].date(), summary["Au"].date()) == (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    assert summary["Séances"] == 3
    assert summary["dont ateliers collectifs"] == 1
    # Aïcha (a session and the workshop) and Marc (the workshop) once each; the anonymous
    # session and the workshop's three anonymous participants.
    assert summary["dont personnes suivies (identifiants distincts)"] == 2
    assert summary["dont personnes anonymes"] == 4
    assert summary["Personnes"] == 6
    assert summary["Heures d'accompagnement"] == 3.5
    about = dict(_sheet_rows(workbook["À propos"]))
    assert about["Contenu"] == "Séances"
    assert about["Valeurs"].startswith("Des libellés dans la langue ci-dessous")
    assert "codes" in about["Valeurs"]
    assert about["Langue"] == "Français"
    assert about["Périmètre"] == "La Blancarde"
    assert (about["Du"].date(), about["Au"].date()) == (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    assert about["Lignes"] == 3
    assert about["Noms des personnes"] == "non"
    assert isinstance(about["Généré le"], datetime.datetime)
    assert about["Par"] == "Camille Roux"
    assert workbook["À propos"]["B2"].alignment.wrap_text


def test_the_workbook_is_in_english_for_a_reader_of_english(client, world):
    client.cookies["django_language"] = "en"

    response = _get(client, world["users"]["coordinator"], _url("exports:sessions", world, fmt="xlsx"))

    assert 'filename="la-blancarde_2026-01-01_2026-01-31_sessions_en.xlsx"' in response["Content-Disposition"]
    workbook = _workbook(response)
    assert workbook.sheetnames == ["Sessions", "Summary", "About"]
    header, _workshop, followed, _anonymous = _sheet_rows(workbook["Sessions"])
    assert header[:6] == ["Date", "Antenna", "Department", "Organization", "Session no.", "Kind"]
    row = dict(zip(header, followed, strict=True))
    with translation.override("en"):
        topics = ", ".join(str(Topic.objects.get(code=code)) for code in ["banque_et_achats_en_ligne", "email"])
    assert (row["Kind"], row["Gender"], row["Situation"], row["Topics"]) == (
        "Individual session",
        "Woman",
        "Without a job",
        topics,
    )
    assert (row["Autonomy"], row["Equipment used"], row["Booking channel"]) == (
        "Done with guidance",
        "Computer, Phone",
        "Phone",
    )
    assert workbook["Sessions"]["A2"].number_format == "yyyy-mm-dd"
    about = dict(_sheet_rows(workbook["About"]))
    assert (about["Language"], about["Names of the people"], about["Rows"]) == ("English", "no", 3)
    assert dict(_sheet_rows(workbook["Summary"]))["Sessions"] == 3


def test_a_cell_starting_like_a_formula_stays_text(client, world):
    world["logs"]["followed"].next_step = '=HYPERLINK("http://example.org")'
    world["logs"]["followed"].save()
    coordinator = world["users"]["coordinator"]

    csv_records = _records(_csv(_get(client, coordinator, _url("exports:sessions", world))))
    sheet = _workbook(_get(client, coordinator, _url("exports:sessions", world, fmt="xlsx")))["Séances"]

    assert csv_records[1]["next_step"] == '\'=HYPERLINK("http://example.org")'
    cell = next(row[SESSION_HEADERS.index("Suite à donner")] for row in sheet.iter_rows(min_row=3, max_row=3))
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.org")', "s")


def test_admin_exports_every_antenna(client, world):
    rows = _records(_csv(_get(client, world["users"]["admin"], _url("exports:sessions", scope="tout", pk=0))))

    assert sorted(record["antenna"] for record in rows) == ["Chemin de Gibbes", *["La Blancarde"] * 3]


def _names(records) -> list[tuple[str, str]]:
    return [(record.get("first_name"), record.get("last_name")) for record in records]


def test_a_coordinator_with_a_signed_charter_gets_names_when_asking(client, world):
    response = _get(client, world["users"]["coordinator"], _url("exports:sessions", world), noms="1")

    rows = _csv(response)
    assert rows[0][8:10] == ["first_name", "last_name"]
    assert _names(_records(rows)) == [("", ""), ("Aïcha", "Benali"), ("", "")]


def test_no_names_unless_asked(client, world):
    rows = _csv(_get(client, world["users"]["coordinator"], _url("exports:sessions", world)))

    assert "first_name" not in rows[0]
    assert "last_name" not in rows[0]
    assert not any("Benali" in value for row in rows for value in row)


def test_no_names_without_a_signed_charter_even_when_asked(client, world):
    user = world["users"]["unsigned_coordinator"]

    sessions = _csv(_get(client, user, _url("exports:sessions", world), noms="1"))
    workbook = _workbook(_get(client, user, _url("exports:bookings", world, fmt="xlsx"), noms="1"))

    assert "first_name" not in sessions[0]
    assert not any("Benali" in value for row in sessions for value in row)
    bookings = _sheet_rows(workbook["Rendez-vous"])
    assert "Prénom" not in bookings[0]
    assert not any(value == "Benali" for row in bookings for value in row)


def test_pseudonymous_ids_are_stable_across_exports_and_differ_between_people(client, world):
    coordinator = world["users"]["coordinator"]
    SessionLogFactory(antenna=world["antenna"], date=datetime.date(2026, 2, 3), beneficiary=world["person"])
    SessionLogFactory(antenna=world["antenna"], date=datetime.date(2026, 2, 4), beneficiary=world["other_person"])
    february = {"periode": "custom", "du": "2026-02-01", "au": "2026-02-28"}

    january = _records(_csv(_get(client, coordinator, _url("exports:sessions", world))))
    later = _records(_csv(_get(client, coordinator, _url("exports:sessions", world), **february)))

    aicha = january[1]["person_id"]
    assert aicha.startswith("P-")
    assert [record["person_id"] for record in later] == ["", aicha, pseudonym(world["other_person"].pk)]
    assert pseudonym(world["other_person"].pk) != aicha


@pytest.fixture
def bookings(world):
    antenna = world["antenna"]
    referrer = UserFactory(referrer=True, display_name="Sophie Leroy")
    sheet = LiaisonSheetFactory(beneficiary=world["other_person"], referrer=referrer)
    # 00:00–01:00 local time: the UTC date is the day before, the local date decides.
    first_day = occurrence_today(antenna=antenna, day=datetime.date(2026, 1, 1), start=0, end=1, title="Nuit")
    after = occurrence_today(antenna=antenna, day=datetime.date(2026, 2, 1), start=0, end=1)
    referred = BookingFactory(
        slot=first_day.slots.get(),
        beneficiary=world["other_person"],
        liaison_sheet=sheet,
        channel=BookingChannel.REFERRAL,
        created_by=referrer,
    )
    walk_in = BookingFactory(
        slot=first_day.slots.get(),
        channel=BookingChannel.WALK_IN,
        status=BookingStatus.CANCELLED,
        attendance=Attendance.NO_SHOW,
    )
    BookingFactory(slot=after.slots.get(), beneficiary=world["person"], channel=BookingChannel.PHONE)
    other = occurrence_today(antenna=world["other_antenna"], day=datetime.date(2026, 1, 6))
    BookingFactory(slot=other.slots.first(), beneficiary=world["person"], channel=BookingChannel.PHONE)
    return {"referred": referred, "walk_in": walk_in, "sheet": sheet}


def test_bookings_export_rows(client, world, bookings):
    response = _get(client, world["users"]["coordinator"], _url("exports:bookings", world))

    assert response["Content-Disposition"] == (
        'attachment; filename="la-blancarde_2026-01-01_2026-01-31_rendez-vous_codes.csv"'
    )
    records = _records(_csv(response))
    assert [record["booking_id"] for record in records] == [
        str(bookings["referred"].pk),
        str(bookings["walk_in"].pk),
        str(world["booking"].pk),
    ]
    referred, walk_in, by_phone = records
    assert referred == {
        "date": "2026-01-01",
        "time": "00:00",
        "antenna": "La Blancarde",
        "permanence": "Nuit",
        "slot": "00:00–01:00",
        "booking_id": str(bookings["referred"].pk),
        "channel": "referral",
        "status": "active",
        "attendance": "expected",
        "booked_by": "Sophie Leroy",
        "booked_at": referred["booked_at"],
        "referring_organization": bookings["sheet"].organization.name,
        "liaison_reference": bookings["sheet"].reference,
        "person_id": pseudonym(world["other_person"].pk),
    }
    assert datetime.datetime.strptime(referred["booked_at"], "%Y-%m-%d %H:%M")
    assert (walk_in["channel"], walk_in["status"], walk_in["attendance"]) == ("walk_in", "cancelled", "no_show")
    assert (walk_in["booked_by"], walk_in["referring_organization"], walk_in["person_id"]) == ("", "", "")
    assert (by_phone["date"], by_phone["time"], by_phone["channel"]) == ("2026-01-06", "09:00", "phone")
    assert (by_phone["booked_by"], by_phone["attendance"]) == ("Louis Martin", "attended")
    assert by_phone["person_id"] == pseudonym(world["person"].pk)


def test_bookings_xlsx_labels_names_when_allowed_and_a_summary(client, world, bookings):
    response = _get(client, world["users"]["coordinator"], _url("exports:bookings", world, fmt="xlsx"), noms="1")

    assert 'filename="la-blancarde_2026-01-01_2026-01-31_rendez-vous_fr.xlsx"' in response["Content-Disposition"]
    workbook = _workbook(response)
    assert workbook.sheetnames == ["Rendez-vous", "Synthèse", "À propos"]
    header, *rows = _sheet_rows(workbook["Rendez-vous"])
    assert header[-2:] == ["Prénom", "Nom"]
    assert [row[-2:] for row in rows] == [["Marc", "Durand"], [None, None], ["Aïcha", "Benali"]]
    labelled = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(row["Canal"], row["Statut"], row["Présence"]) for row in labelled] == [
        ("Orientation par un prescripteur", "Réservé", "Attendu·e"),
        ("Sans rendez-vous", "Annulé", "Pas venu·e"),
        ("Téléphone", "Réservé", "Venu·e"),
    ]
    assert workbook["Rendez-vous"].auto_filter.ref == "A1:P4"
    summary = dict(_sheet_rows(workbook["Synthèse"]))
    assert summary["Rendez-vous"] == 3
    assert summary["dont annulés"] == 1
    assert (summary["Personnes venues"], summary["Personnes absentes"]) == (1, 1)
    assert summary["Personnes suivies (identifiants distincts)"] == 2
    assert summary["Rendez-vous sans personne enregistrée"] == 1
    about = dict(_sheet_rows(workbook["À propos"]))
    assert (about["Contenu"], about["Noms des personnes"], about["Lignes"]) == ("Rendez-vous", "oui", 3)


def test_every_export_is_recorded_in_the_access_log(client, world):
    coordinator = world["users"]["coordinator"]
    _csv(_get(client, coordinator, _url("exports:sessions", world), noms="1"))
    _workbook(_get(client, coordinator, _url("exports:bookings", world, fmt="xlsx")))

    # The workbook is recorded when its file is made and again when it is downloaded.
    sessions, bookings, download = AccessLog.objects.filter(user=coordinator).order_by("created_at", "pk")
    assert (sessions.action, sessions.role) == (AccessLog.Action.EXPORT, "coordinator")
    assert sessions.what == "sessions export La Blancarde 2026-01-01–2026-01-31"
    assert sessions.detail == {
        "scope": {"scope": "antenne", "pk": world["antenna"].pk, "label": "La Blancarde"},
        "period": ["2026-01-01", "2026-01-31"],
        "format": "csv",
        "names": True,
        "rows": 3,
    }
    assert bookings.what == "bookings export La Blancarde 2026-01-01–2026-01-31"
    assert (bookings.detail["format"], bookings.detail["names"], bookings.detail["rows"]) == ("xlsx", False, 1)
    assert download.detail == {**bookings.detail, "download": True}


def test_unsigned_coordinator_export_is_recorded_without_names(client, world):
    user = world["users"]["unsigned_coordinator"]
    _csv(_get(client, user, _url("exports:sessions", world), noms="1"))

    assert AccessLog.objects.get(user=user).detail["names"] is False


@pytest.mark.parametrize(
    ("role", "scope", "pk", "expected"),
    [
        ("coordinator", "antenne", "other_antenna", 404),
        ("coordinator", "tout", 0, 403),
        ("coordinator", "structure", "organization", 403),
        ("coordinator", "ailleurs", "antenna", 404),
        ("volunteer", "antenne", "antenna", 403),
        ("referrer", "antenne", "antenna", 404),
        ("referrer", "tout", 0, 403),
        ("admin", "structure", "organization", 200),
        ("admin", "tout", 1, 404),
    ],
)
@pytest.mark.parametrize("name", ["exports:sessions", "exports:bookings"])
def test_scopes(client, world, name, role, scope, pk, expected):
    pk = {"antenna": world["antenna"].pk, "other_antenna": world["other_antenna"].pk}.get(pk, pk)
    if pk == "organization":
        pk = world["antenna"].organization.pk

    response = _get(client, world["users"][role], _url(name, scope=scope, pk=pk))

    assert response.status_code == expected
    _finish(response)
    assert AccessLog.objects.exists() == (expected == 200)


@pytest.mark.parametrize("name", ["exports:sessions", "exports:bookings"])
def test_anonymous_visitor_goes_to_log_in(client, world, name):
    url = _url(name, world)

    assertRedirects(client.get(url), f"{reverse('login')}?next={url}", fetch_redirect_response=False)


@pytest.mark.parametrize("fmt", ["pdf", "CSV", "csv.gz", "xls"])
def test_unknown_format_is_not_found(client, world, fmt):
    response = _get(client, world["users"]["coordinator"], _url("exports:sessions", world, fmt=fmt))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "period",
    [
        {"du": "2026-13-01", "au": "2026-01-31"},
        {"du": "2026-02-01", "au": "2026-01-31"},
        {"du": "2020-01-01", "au": "2026-01-31"},
    ],
)
def test_bad_period_is_a_bad_request_with_the_reason(client, world, period):
    query = {"periode": "custom", **period}
    with pytest.raises(PeriodError) as error:
        period_from_query(query)
    client.force_login(world["users"]["coordinator"])

    response = client.get(_url("exports:sessions", world, fmt="xlsx"), query)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == str(error.value)
    assert not AccessLog.objects.exists()


ROLES = {
    "admin": 200,
    "coordinator": 200,
    "unsigned_coordinator": 200,
    "volunteer": 403,
    "other_coordinator": 404,
    "referrer": 404,
}
ACCESS = [("exports:sessions", fmt) for fmt in ("csv", "xlsx")] + [
    ("exports:bookings", fmt) for fmt in ("csv", "xlsx")
]


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
@pytest.mark.parametrize(("url_name", "fmt"), ACCESS)
def test_access(client, world, role, url_name, fmt):
    url = _url(url_name, world, fmt=fmt)
    if role == "anonymous":
        assertRedirects(client.get(url), f"{reverse('login')}?next={url}", fetch_redirect_response=False)
        return
    client.force_login(world["users"][role])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(url)
    if job := _job_asked(response):
        response = client.get(reverse("exports:job_download", args=[job]))
    assert response.status_code == ROLES[role]
    _finish(response)


def test_every_export_url_is_in_the_access_table():
    # A prepared export's page, status and file: tests/figures/test_export_jobs.py.
    jobs = {"exports:job", "exports:job_status", "exports:job_download"}
    assert url_names("exports") == {url_name for url_name, _fmt in ACCESS} | jobs


@pytest.mark.parametrize("extra", [0, 30])
def test_csv_export_query_count_does_not_grow_with_rows(client, world, django_assert_num_queries, extra):
    antenna, volunteer = world["antenna"], world["users"]["volunteer"]
    for day in range(extra):
        log = SessionLogFactory(
            antenna=antenna,
            date=datetime.date(2026, 1, 2 + day % 28),
            beneficiary=BeneficiaryFactory(),
            topics=["email", "sante"],
            volunteers=[volunteer],
            created_by=volunteer,
        )
        Voucher.objects.create(session_log=log, number=f"APTIC-1{day:03d}")
    client.force_login(world["users"]["coordinator"])

    # Session, user, the scope (2), the charter, the row count, the role (2) and the log entry,
    # the plan of a cursor read to the end (set, then reset), the topics' codes, the rows.
    with django_assert_num_queries(13):
        response = client.get(_url("exports:sessions", world), {**JANUARY, "noms": "1"})
        rows = _csv(response)

    assert len(rows) == 1 + 3 + extra


@pytest.mark.parametrize("extra", [0, 30])
def test_xlsx_export_query_count_does_not_grow_with_rows(client, world, django_assert_num_queries, extra):
    antenna, volunteer = world["antenna"], world["users"]["volunteer"]
    for day in range(extra):
        SessionLogFactory(
            antenna=antenna,
            date=datetime.date(2026, 1, 2 + day % 28),
            beneficiary=BeneficiaryFactory(),
            topics=["email", "sante"],
            volunteers=[volunteer],
            created_by=volunteer,
        )
    client.force_login(world["users"]["coordinator"])
    # Session, user, the scope (2), the same export under way, the job written (in a savepoint).
    with django_assert_num_queries(8):
        client.get(_url("exports:sessions", world, fmt="xlsx"), JANUARY)
    job = ExportJob.objects.get()

    # Taken from the queue, read with its user, the scope (2), the row count and its record, the
    # topics' labels (2), the rows, the summary (2), and in a savepoint (2) the file's record
    # with the access log's (the role, 2).
    with django_assert_num_queries(19):
        export_job_make(job_id=str(job.pk))
    workbook = _workbook(client.get(reverse("exports:job_download", args=[job.pk])))

    assert workbook["Séances"].max_row == 1 + 3 + extra


def test_the_guide_lists_every_csv_column_and_code():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "guide.md").read_text()
    for column in [*SESSION_COLUMNS, *BOOKING_COLUMNS]:
        assert f"`{column.code}`" in guide
        if column.labels and column.code != "topics":
            for code in column.labels():
                assert f"`{code}`" in guide, (column.code, code)
