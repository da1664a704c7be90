"""Exports for funders: session logs and bookings of a scope and a period, as CSV and XLSX; names
only when allowed and asked for; every export in the access log; access; flat query count."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from pytest_django.asserts import assertRedirects

from inclusion.core.models import AccessLog
from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus
from sessions_app.desk.enums import Outcome, RedirectionKind
from sessions_app.desk.models import Voucher
from sessions_app.figures.reporting import PeriodError, period_from_query, pseudonym
from sessions_app.scheduling.enums import WorkshopLevel
from tests.access import url_names
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import VolunteerProfileFactory

JANUARY = {"periode": "custom", "du": "2026-01-01", "au": "2026-01-31"}

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
    client.force_login(user)
    return client.get(url, {**JANUARY, **params})


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
    assert response["Content-Disposition"] == 'attachment; filename="la-blancarde_2026-01-01_2026-01-31_seances.csv"'
    rows = _csv(response)
    assert rows[0] == SESSION_HEADERS
    records = _records(rows)
    logs = world["logs"]
    assert [record["N° de séance"] for record in records] == [
        str(logs["workshop"].pk),
        str(logs["followed"].pk),
        str(logs["anonymous"].pk),
    ]
    workshop, followed, anonymous = records
    assert followed == {
        "Date": "2026-01-06",
        "Antenne": "La Blancarde",
        "Département": "13",
        "Structure": world["antenna"].organization.name,
        "N° de séance": str(logs["followed"].pk),
        "Type": "individual",
        "Niveau de l'atelier": "",
        "Identifiant pseudonyme": pseudonym(world["person"].pk),
        "Tranche d'âge": "40_59",
        "Genre": "woman",
        "Situation": "jobseeker",
        "Commune": "Marseille",
        "Durée (minutes)": "60",
        "Thématiques": "banque_et_achats_en_ligne|email",
        "Autonomie": "guided",
        "Matériel utilisé": "computer|phone",
        "Résultat": "redirected",
        "Réorientation": "france_services",
        "Suite à donner": "Revenir avec le courrier de la CAF",
        "Nombre de pass numériques": "2",
        "Numéros des pass numériques": "APTIC-0001|APTIC-0002",
        "Nombre de bénévoles": "2",
        "Participants suivis": "",
        "Participants anonymes": "",
        "Saisie par": "Louis Martin",
        "Canal du rendez-vous": "phone",
    }
    assert anonymous["Date"] == "2026-01-31"
    assert anonymous["Identifiant pseudonyme"] == ""
    assert (anonymous["Tranche d'âge"], anonymous["Genre"], anonymous["Situation"], anonymous["Commune"]) == (
        "70_plus",
        "man",
        "retired",
        "Aubagne",
    )
    assert anonymous["Nombre de pass numériques"] == "0"
    assert anonymous["Numéros des pass numériques"] == ""
    assert anonymous["Canal du rendez-vous"] == ""
    assert workshop["Type"] == "workshop"
    assert workshop["Niveau de l'atelier"] == "beginner"
    assert workshop["Thématiques"] == "securite_numerique"
    assert (workshop["Participants suivis"], workshop["Participants anonymes"]) == ("2", "3")
    assert workshop["Saisie par"] == "Camille Roux"


def test_sessions_xlsx_holds_the_same_rows_and_a_summary(client, world):
    coordinator = world["users"]["coordinator"]
    csv_rows = _csv(_get(client, coordinator, _url("exports:sessions", world)))

    response = _get(client, coordinator, _url("exports:sessions", world, fmt="xlsx"))

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="la-blancarde_2026-01-01_2026-01-31_seances.xlsx"' in response["Content-Disposition"]
    workbook = _workbook(response)
    assert workbook.sheetnames == ["Séances", "Synthèse"]
    xlsx_rows = [[_text(value) for value in row] for row in workbook["Séances"].iter_rows(values_only=True)]
    assert xlsx_rows == csv_rows
    summary = dict(workbook["Synthèse"].iter_rows(values_only=True))
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
    assert summary["Par"] == "Camille Roux"
    assert summary["Noms des personnes"] == "non"
    assert isinstance(summary["Généré le"], datetime.datetime)


def test_a_cell_starting_like_a_formula_stays_text(client, world):
    world["logs"]["followed"].next_step = '=HYPERLINK("http://example.org")'
    world["logs"]["followed"].save()
    coordinator = world["users"]["coordinator"]

    csv_records = _records(_csv(_get(client, coordinator, _url("exports:sessions", world))))
    sheet = _workbook(_get(client, coordinator, _url("exports:sessions", world, fmt="xlsx")))["Séances"]

    assert csv_records[1]["Suite à donner"] == '\'=HYPERLINK("http://example.org")'
    cell = next(row[SESSION_HEADERS.index("Suite à donner")] for row in sheet.iter_rows(min_row=3, max_row=3))
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.org")', "s")


def test_admin_exports_every_antenna(client, world):
    rows = _records(_csv(_get(client, world["users"]["admin"], _url("exports:sessions", scope="tout", pk=0))))

    assert sorted(record["Antenne"] for record in rows) == ["Chemin de Gibbes", *["La Blancarde"] * 3]


def _names(records) -> list[tuple[str, str]]:
    return [(record.get("Prénom"), record.get("Nom")) for record in records]


def test_a_coordinator_with_a_signed_charter_gets_names_when_asking(client, world):
    response = _get(client, world["users"]["coordinator"], _url("exports:sessions", world), noms="1")

    rows = _csv(response)
    assert rows[0][8:10] == ["Prénom", "Nom"]
    assert _names(_records(rows)) == [("", ""), ("Aïcha", "Benali"), ("", "")]


def test_no_names_unless_asked(client, world):
    rows = _csv(_get(client, world["users"]["coordinator"], _url("exports:sessions", world)))

    assert "Prénom" not in rows[0]
    assert "Nom" not in rows[0]
    assert not any("Benali" in value for row in rows for value in row)


def test_no_names_without_a_signed_charter_even_when_asked(client, world):
    user = world["users"]["unsigned_coordinator"]

    sessions = _csv(_get(client, user, _url("exports:sessions", world), noms="1"))
    workbook = _workbook(_get(client, user, _url("exports:bookings", world, fmt="xlsx"), noms="1"))

    assert "Prénom" not in sessions[0]
    assert not any("Benali" in value for row in sessions for value in row)
    bookings = [list(row) for row in workbook["Rendez-vous"].iter_rows(values_only=True)]
    assert "Prénom" not in bookings[0]
    assert not any(value == "Benali" for row in bookings for value in row)


def test_pseudonymous_ids_are_stable_across_exports_and_differ_between_people(client, world):
    coordinator = world["users"]["coordinator"]
    SessionLogFactory(antenna=world["antenna"], date=datetime.date(2026, 2, 3), beneficiary=world["person"])
    SessionLogFactory(antenna=world["antenna"], date=datetime.date(2026, 2, 4), beneficiary=world["other_person"])
    february = {"periode": "custom", "du": "2026-02-01", "au": "2026-02-28"}

    january = _records(_csv(_get(client, coordinator, _url("exports:sessions", world))))
    later = _records(_csv(_get(client, coordinator, _url("exports:sessions", world), **february)))

    aicha = january[1]["Identifiant pseudonyme"]
    assert aicha.startswith("P-")
    assert [record["Identifiant pseudonyme"] for record in later] == ["", aicha, pseudonym(world["other_person"].pk)]
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
        'attachment; filename="la-blancarde_2026-01-01_2026-01-31_rendez-vous.csv"'
    )
    records = _records(_csv(response))
    assert [record["N° de rendez-vous"] for record in records] == [
        str(bookings["referred"].pk),
        str(bookings["walk_in"].pk),
        str(world["booking"].pk),
    ]
    referred, walk_in, by_phone = records
    assert referred == {
        "Date": "2026-01-01",
        "Heure": "00:00",
        "Antenne": "La Blancarde",
        "Permanence": "Nuit",
        "Créneau": "00:00–01:00",
        "N° de rendez-vous": str(bookings["referred"].pk),
        "Canal": "referral",
        "Statut": "active",
        "Présence": "expected",
        "Pris par": "Sophie Leroy",
        "Pris le": referred["Pris le"],
        "Structure orientatrice": bookings["sheet"].organization.name,
        "Référence de la fiche de liaison": bookings["sheet"].reference,
        "Identifiant pseudonyme": pseudonym(world["other_person"].pk),
    }
    assert datetime.datetime.strptime(referred["Pris le"], "%Y-%m-%d %H:%M")
    assert (walk_in["Canal"], walk_in["Statut"], walk_in["Présence"]) == ("walk_in", "cancelled", "no_show")
    assert (walk_in["Pris par"], walk_in["Structure orientatrice"], walk_in["Identifiant pseudonyme"]) == ("", "", "")
    assert (by_phone["Date"], by_phone["Heure"], by_phone["Canal"]) == ("2026-01-06", "09:00", "phone")
    assert (by_phone["Pris par"], by_phone["Présence"]) == ("Louis Martin", "attended")
    assert by_phone["Identifiant pseudonyme"] == pseudonym(world["person"].pk)


def test_bookings_xlsx_names_when_allowed_and_a_summary(client, world, bookings):
    response = _get(client, world["users"]["coordinator"], _url("exports:bookings", world, fmt="xlsx"), noms="1")

    workbook = _workbook(response)
    header, *rows = workbook["Rendez-vous"].iter_rows(values_only=True)
    assert header[-2:] == ("Prénom", "Nom")
    assert [row[-2:] for row in rows] == [("Marc", "Durand"), (None, None), ("Aïcha", "Benali")]
    summary = dict(workbook["Synthèse"].iter_rows(values_only=True))
    assert summary["Rendez-vous"] == 3
    assert summary["dont annulés"] == 1
    assert (summary["Présents"], summary["Absents"]) == (1, 1)
    assert summary["Personnes suivies (identifiants distincts)"] == 2
    assert summary["Rendez-vous sans personne enregistrée"] == 1
    assert summary["Noms des personnes"] == "oui"


def test_every_export_is_recorded_in_the_access_log(client, world):
    coordinator = world["users"]["coordinator"]
    _csv(_get(client, coordinator, _url("exports:sessions", world), noms="1"))
    _workbook(_get(client, coordinator, _url("exports:bookings", world, fmt="xlsx")))

    sessions, bookings = AccessLog.objects.filter(user=coordinator).order_by("created_at", "pk")
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
    response = client.get(url)
    assert response.status_code == ROLES[role]
    _finish(response)


def test_every_export_url_is_in_the_access_table():
    assert url_names("exports") == {url_name for url_name, _fmt in ACCESS}


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

    # Session, user, the scope (2), the charter, the row count, the role (2) and the log entry, the rows.
    with django_assert_num_queries(10):
        response = client.get(_url("exports:sessions", world), {**JANUARY, "noms": "1"})
        rows = _csv(response)

    assert len(rows) == 1 + 3 + extra
