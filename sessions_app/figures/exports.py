"""Exports for funders: one row per session log, or one per booking, of a scope and a period,
as CSV or XLSX.

Rows are read from a database cursor and written one by one, so memory stays flat however many
there are; every count the summary shows comes from a database aggregate. Headers and summary
labels are French whatever the interface language: the files go to French funders. Enumerated
values are the stable codes the national session record uses, so the files compare over time.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import tempfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypedDict
from zoneinfo import ZoneInfo

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import CharField, Count, Exists, F, Func, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from beneficiaries.people.models import Beneficiary
from inclusion.core.models import Topic, User
from sessions_app.bookings.enums import Attendance, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.desk.models import SessionLog, Voucher
from sessions_app.figures.reporting import Period, Scope, pseudonym

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 2000
# Rows per piece of the CSV stream: large enough to keep the writes few, small enough to stay flat.
CSV_ROWS_PER_PIECE = 200
SUMMARY_SHEET = "Synthèse"

NAME_COLUMNS = [("first_name", "Prénom"), ("last_name", "Nom")]

SESSION_COLUMNS = [
    ("date", "Date"),
    ("antenna", "Antenne"),
    ("department", "Département"),
    ("organization", "Structure"),
    ("session_id", "N° de séance"),
    ("kind", "Type"),
    ("level", "Niveau de l'atelier"),
    ("person_id", "Identifiant pseudonyme"),
    *NAME_COLUMNS,
    ("age_bracket", "Tranche d'âge"),
    ("gender", "Genre"),
    ("social_status", "Situation"),
    ("commune", "Commune"),
    ("duration_minutes", "Durée (minutes)"),
    ("topics", "Thématiques"),
    ("autonomy", "Autonomie"),
    ("equipment", "Matériel utilisé"),
    ("outcome", "Résultat"),
    ("redirected_to", "Réorientation"),
    ("next_step", "Suite à donner"),
    ("voucher_count", "Nombre de pass numériques"),
    ("voucher_numbers", "Numéros des pass numériques"),
    ("volunteer_count", "Nombre de bénévoles"),
    ("followed_participants", "Participants suivis"),
    ("anonymous_participants", "Participants anonymes"),
    ("logged_by", "Saisie par"),
    ("booking_channel", "Canal du rendez-vous"),
]

BOOKING_COLUMNS = [
    ("date", "Date"),
    ("time", "Heure"),
    ("antenna", "Antenne"),
    ("permanence", "Permanence"),
    ("slot", "Créneau"),
    ("booking_id", "N° de rendez-vous"),
    ("channel", "Canal"),
    ("status", "Statut"),
    ("attendance", "Présence"),
    ("booked_by", "Pris par"),
    ("booked_at", "Pris le"),
    ("referring_organization", "Structure orientatrice"),
    ("liaison_reference", "Référence de la fiche de liaison"),
    ("person_id", "Identifiant pseudonyme"),
    *NAME_COLUMNS,
]

EQUIPMENT_CODES = [
    ("used_computer", "computer"),
    ("used_phone", "phone"),
    ("used_tablet", "tablet"),
    ("used_other_equipment", "other"),
]
LIST_SEPARATOR = "|"


@dataclasses.dataclass(frozen=True)
class Export:
    """What one export writes: its columns, the rows' query, how a row reads, and its summary."""

    kind: str
    file_label: str
    sheet_title: str
    scope: Scope
    period: Period
    names: bool
    columns: list[tuple[str, str]]
    queryset: QuerySet
    row: Callable[[Any], dict[str, Any]]
    summary: Callable[[User], list[tuple[str, Any]]]

    @property
    def headers(self) -> list[str]:
        return [header for _key, header in self.columns]

    def values(self, instance) -> list[Any]:
        row = self.row(instance)
        return [row[key] for key, _header in self.columns]

    def filename(self, fmt: str) -> str:
        with translation.override("fr"):
            scope = slugify(self.scope.label) or "export"
        return f"{scope}_{self.period.start.isoformat()}_{self.period.end.isoformat()}_{self.file_label}.{fmt}"

    @property
    def description(self) -> str:
        return f"{self.kind} export {self.scope.label} {self.period.start.isoformat()}–{self.period.end.isoformat()}"


def _columns(columns: list[tuple[str, str]], names: bool) -> list[tuple[str, str]]:
    return columns if names else [column for column in columns if column not in NAME_COLUMNS]


def _count(queryset: QuerySet, field: str) -> Coalesce:
    """How many rows of `queryset` point to the outer row through `field`, as a subquery."""
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(count=Count("pk"))
    return Coalesce(Subquery(counted.values("count")), 0)


def _list_of(queryset: QuerySet, field: str):
    """The values of `field` for the outer row, read in the row's own query: an array on
    PostgreSQL; on the embedded SQLite of `make run`, a string joined by LIST_SEPARATOR."""
    if connection.vendor == "postgresql":
        return ArraySubquery(queryset.order_by(field).values(field))
    joined = Func(F(field), Value(LIST_SEPARATOR), function="GROUP_CONCAT", output_field=CharField())
    return Subquery(queryset.order_by().annotate(joined=joined).values("joined")[:1])


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return value.split(LIST_SEPARATOR) if isinstance(value, str) else list(value)


def _names(beneficiary: Beneficiary | None, names: bool) -> dict[str, str]:
    if not names:
        return {}
    return {
        "first_name": beneficiary.first_name if beneficiary else "",
        "last_name": beneficiary.last_name if beneficiary else "",
    }


# Sessions


def session_logs(scope: Scope, period: Period) -> QuerySet[SessionLog]:
    """The scope's session logs on the period's local dates, with everything a row shows."""
    return (
        SessionLog.objects.filter(antenna__in=scope.antennas(), date__range=(period.start, period.end))
        .select_related("antenna__organization", "beneficiary", "created_by", "booking")
        .annotate(
            topic_codes=_list_of(Topic.objects.filter(session_logs=OuterRef("pk")), "code"),
            voucher_numbers=_list_of(Voucher.objects.filter(session_log=OuterRef("pk")), "number"),
            volunteer_count=_count(SessionLog.volunteers.through.objects.all(), "sessionlog"),
            followed_participant_count=_count(SessionLog.participants.through.objects.all(), "sessionlog"),
        )
        .order_by("date", "antenna__name", "created_at", "pk")
    )


class _SessionLogLists(TypedDict):
    """What session_logs() annotates each row with: lists joined by the database (a string on
    SQLite, an array on PostgreSQL) and counts."""

    topic_codes: str | list[str] | None
    voucher_numbers: str | list[str] | None
    volunteer_count: int
    followed_participant_count: int


def _session_row(log: WithAnnotations[SessionLog, _SessionLogLists], names: bool) -> dict[str, Any]:
    person = log.beneficiary
    # A followed person's facts live on their record; an anonymous session carries its own.
    facts = person or log
    return {
        "date": log.date,
        "antenna": log.antenna.name,
        "department": log.antenna.department_code,
        "organization": log.antenna.organization.name,
        "session_id": log.pk,
        "kind": "workshop" if log.is_workshop else "individual",
        "level": log.level,
        "person_id": pseudonym(log.beneficiary_id),
        **_names(person, names),
        "age_bracket": facts.age_bracket,
        "gender": facts.gender,
        "social_status": facts.social_status,
        "commune": facts.commune,
        "duration_minutes": log.duration_minutes,
        "topics": LIST_SEPARATOR.join(_as_list(log.topic_codes)),
        "autonomy": log.autonomy,
        "equipment": LIST_SEPARATOR.join(code for field, code in EQUIPMENT_CODES if getattr(log, field)),
        "outcome": log.outcome,
        "redirected_to": log.redirected_to,
        "next_step": log.next_step,
        "voucher_count": len(_as_list(log.voucher_numbers)),
        "voucher_numbers": LIST_SEPARATOR.join(_as_list(log.voucher_numbers)),
        "volunteer_count": log.volunteer_count,
        "followed_participants": log.followed_participant_count if log.is_workshop else None,
        "anonymous_participants": log.anonymous_participants if log.is_workshop else None,
        "logged_by": log.created_by.display_name if log.created_by else "",
        "booking_channel": log.booking.channel if log.booking else "",
    }


def session_summary(scope: Scope, period: Period) -> dict[str, Any]:
    """The export's totals, aggregated by the database."""
    logs = SessionLog.objects.filter(antenna__in=scope.antennas(), date__range=(period.start, period.end))
    totals = logs.aggregate(
        sessions=Count("pk"),
        workshops=Count("pk", filter=Q(is_workshop=True)),
        anonymous_sessions=Count("pk", filter=Q(is_workshop=False, beneficiary__isnull=True)),
        anonymous_participants=Coalesce(Sum("anonymous_participants", filter=Q(is_workshop=True)), 0),
        minutes=Coalesce(Sum("duration_minutes"), 0),
    )
    # A person who came to sessions and to workshops counts once.
    followed = Beneficiary.objects.filter(
        Exists(logs.filter(beneficiary=OuterRef("pk")))
        | Exists(SessionLog.participants.through.objects.filter(beneficiary=OuterRef("pk"), sessionlog__in=logs))
    ).count()
    anonymous = totals["anonymous_sessions"] + totals["anonymous_participants"]
    return {**totals, "followed": followed, "anonymous": anonymous, "people": followed + anonymous}


def session_export(scope: Scope, period: Period, *, names: bool) -> Export:
    def summary(user: User) -> list[tuple[str, Any]]:
        totals = session_summary(scope, period)
        return [
            *_summary_head(scope, period, names),
            ("Séances", totals["sessions"]),
            ("dont ateliers collectifs", totals["workshops"]),
            ("Personnes", totals["people"]),
            ("dont personnes suivies (identifiants distincts)", totals["followed"]),
            ("dont personnes anonymes", totals["anonymous"]),
            ("Heures d'accompagnement", round(totals["minutes"] / 60, 2)),
            *_summary_foot(user),
        ]

    return Export(
        kind="sessions",
        file_label="seances",
        sheet_title="Séances",
        scope=scope,
        period=period,
        names=names,
        columns=_columns(SESSION_COLUMNS, names),
        queryset=session_logs(scope, period),
        row=lambda log: _session_row(log, names),
        summary=summary,
    )


# Bookings


def bookings(scope: Scope, period: Period) -> QuerySet[Booking]:
    """The bookings of the scope's dates within the period (local dates), cancelled ones too."""
    return (
        Booking.objects.filter(
            slot__occurrence__permanence__antenna__in=scope.antennas(),
            slot__occurrence__date__range=(period.start, period.end),
        )
        .select_related(
            "slot__occurrence__permanence__antenna", "created_by", "liaison_sheet__organization", "beneficiary"
        )
        .order_by("slot__starts_at", "slot__occurrence__permanence__antenna__name", "created_at", "pk")
    )


def _booking_row(booking: Booking, names: bool) -> dict[str, Any]:
    slot = booking.slot
    occurrence = slot.occurrence
    permanence = occurrence.permanence
    zone = ZoneInfo(permanence.antenna.time_zone)
    starts_at, ends_at = slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)
    sheet = booking.liaison_sheet
    return {
        "date": occurrence.date,
        "time": starts_at.time(),
        "antenna": permanence.antenna.name,
        "permanence": permanence.title,
        "slot": f"{starts_at:%H:%M}–{ends_at:%H:%M}",
        "booking_id": booking.pk,
        "channel": booking.channel,
        "status": booking.status,
        "attendance": booking.attendance,
        "booked_by": booking.created_by.display_name if booking.created_by else "",
        "booked_at": booking.created_at.astimezone(zone),
        "referring_organization": sheet.organization.name if sheet else "",
        "liaison_reference": sheet.reference if sheet else "",
        "person_id": pseudonym(booking.beneficiary_id),
        **_names(booking.beneficiary, names),
    }


def booking_summary(scope: Scope, period: Period) -> dict[str, Any]:
    """The export's totals, aggregated by the database."""
    rows = bookings(scope, period).order_by()
    totals = rows.aggregate(
        bookings=Count("pk"),
        cancelled=Count("pk", filter=Q(status=BookingStatus.CANCELLED)),
        attended=Count("pk", filter=Q(attendance=Attendance.ATTENDED)),
        no_show=Count("pk", filter=Q(attendance=Attendance.NO_SHOW)),
        anonymous=Count("pk", filter=Q(beneficiary__isnull=True)),
        people=Count("beneficiary", distinct=True),
    )
    return totals


def booking_export(scope: Scope, period: Period, *, names: bool) -> Export:
    def summary(user: User) -> list[tuple[str, Any]]:
        totals = booking_summary(scope, period)
        return [
            *_summary_head(scope, period, names),
            ("Rendez-vous", totals["bookings"]),
            ("dont annulés", totals["cancelled"]),
            ("Présents", totals["attended"]),
            ("Absents", totals["no_show"]),
            ("Personnes suivies (identifiants distincts)", totals["people"]),
            ("Rendez-vous sans personne enregistrée", totals["anonymous"]),
            *_summary_foot(user),
        ]

    return Export(
        kind="bookings",
        file_label="rendez-vous",
        sheet_title="Rendez-vous",
        scope=scope,
        period=period,
        names=names,
        columns=_columns(BOOKING_COLUMNS, names),
        queryset=bookings(scope, period),
        row=lambda booking: _booking_row(booking, names),
        summary=summary,
    )


def _summary_head(scope: Scope, period: Period, names: bool) -> list[tuple[str, Any]]:
    with translation.override("fr"):
        label = scope.label
    return [
        ("Périmètre", label),
        ("Du", period.start),
        ("Au", period.end),
        ("Noms des personnes", "oui" if names else "non"),
    ]


def _summary_foot(user: User) -> list[tuple[str, Any]]:
    return [("Généré le", timezone.localtime()), ("Par", user.display_name)]


# Writers

# A spreadsheet runs a cell starting with one of these as a formula: free text (a next step, a
# commune, a name) must never become one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object that hands back what is written, for csv.writer in a stream."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def csv_stream(export: Export) -> Iterator[str]:
    """The export as CSV for French Excel: UTF-8 with a byte-order mark, `;` between fields."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(export.headers)
    piece = []
    for instance in export.queryset.iterator(chunk_size=CHUNK_SIZE):
        piece.append(writer.writerow([_csv_value(value) for value in export.values(instance)]))
        if len(piece) == CSV_ROWS_PER_PIECE:
            yield "".join(piece)
            piece = []
    if piece:
        yield "".join(piece)


def _xlsx_value(sheet, value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        # Excel knows no time zones: the value is already in local time.
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.time):
        # types-openpyxl leaves times out of WriteOnlyCell's values, which Cell itself takes.
        cell = WriteOnlyCell(sheet, value)  # type: ignore[arg-type]
        cell.number_format = "hh:mm"
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def xlsx_file(export: Export, *, user: User) -> tuple[Any, int]:
    """The export written as XLSX to a temporary file, rewound, and the number of rows.

    The write-only workbook streams rows to disk as they come, so memory stays flat; the file
    goes away when it is closed.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(export.sheet_title)
    sheet.append(export.headers)
    rows = 0
    for instance in export.queryset.iterator(chunk_size=CHUNK_SIZE):
        sheet.append([_xlsx_value(sheet, value) for value in export.values(instance)])
        rows += 1
    summary = workbook.create_sheet(SUMMARY_SHEET)
    for label, value in export.summary(user):
        summary.append([label, _xlsx_value(summary, value)])
    file = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 closed by the response
    workbook.save(file)
    file.seek(0)
    return file, rows
