"""Exports for funders: one row per session log, or one per booking, of a scope and a period,
as CSV or XLSX.

Rows are read from a database cursor and written one by one, so memory stays flat however many
there are; every count the summary shows comes from a database aggregate. The two formats hold
the same rows for different readers: the CSV is for software, with the columns' codes as its
header and the enumerated values as the stable codes of the national session record, so files
compare over time whatever the language (docs/guide.md lists them); the workbook is for people,
with headers, values, topics and summary in the reader's language (the request's), a sheet that
says what it holds, real dates, fitted columns, a frozen header row and filters.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime
import functools
import itertools
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, connections
from django.db.models import CharField, Count, Exists, F, Func, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import get_language_info, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from beneficiaries.people.enums import AgeBracket, Gender, SocialStatus
from beneficiaries.people.models import Beneficiary
from inclusion.core.models import Topic, User
from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.desk.enums import Autonomy, Outcome, RedirectionKind
from sessions_app.desk.models import SessionLog, Voucher
from sessions_app.figures.reporting import Period, Scope, pseudonym
from sessions_app.scheduling.enums import WorkshopLevel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 2000
# Rows per piece of the CSV stream: large enough to keep the writes few, small enough to stay flat.
CSV_ROWS_PER_PIECE = 200
# A write-only sheet writes its column widths before its first row: they are fitted to the
# header and the first rows, which are held meanwhile (a bounded number, so memory stays flat).
WIDTH_SAMPLE_ROWS = CHUNK_SIZE
MIN_WIDTH = 8
MAX_WIDTH = 50
# Excel number formats: dates stay real dates, which sort and filter, written as the reader reads them.
DATE_FORMATS = {"fr": "dd/mm/yyyy"}
DATETIME_FORMATS = {"fr": "dd/mm/yyyy hh:mm"}
DEFAULT_DATE_FORMAT = "yyyy-mm-dd"
DEFAULT_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_WIDTH = 10
DATETIME_WIDTH = 16
TIME_WIDTH = 5
# Between several codes in a CSV cell, and between their labels in a workbook's.
LIST_SEPARATOR = "|"
LABEL_SEPARATOR = ", "

Labels = dict[str, str]


def _choices(choices: Iterable[tuple[str, StrOrPromise]]) -> Callable[[], Labels]:
    """The labels of enumerated codes, read in the active language when an export is written."""
    pairs = list(choices)
    return lambda: {code: str(label) for code, label in pairs}


def _topic_labels() -> Labels:
    # Thirty topics, read once per export: a row's topics are then looked up, not joined.
    return {topic.code: str(topic) for topic in Topic.objects.all()}


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of an export: its stable code (the CSV's header), its header in the reader's
    language (the workbook's), and, for enumerated values, the labels of their codes."""

    code: str
    header: StrOrPromise
    labels: Callable[[], Labels] | None = None


KIND_CHOICES = [
    ("individual", pgettext_lazy("export", "Individual session")),
    ("workshop", pgettext_lazy("export", "Group workshop")),
]
EQUIPMENT = [
    ("used_computer", "computer", pgettext_lazy("equipment", "Computer")),
    ("used_phone", "phone", pgettext_lazy("equipment", "Phone")),
    ("used_tablet", "tablet", pgettext_lazy("equipment", "Tablet")),
    ("used_other_equipment", "other", pgettext_lazy("equipment", "Other")),
]

NAME_COLUMNS = [
    Column("first_name", pgettext_lazy("export column", "First name")),
    Column("last_name", pgettext_lazy("export column", "Last name")),
]
NAME_CODES = {column.code for column in NAME_COLUMNS}

SESSION_COLUMNS = [
    Column("date", pgettext_lazy("export column", "Date")),
    Column("antenna", pgettext_lazy("export column", "Antenna")),
    Column("department", pgettext_lazy("export column", "Department")),
    Column("organization", pgettext_lazy("export column", "Organization")),
    Column("session_id", pgettext_lazy("export column", "Session no.")),
    Column("kind", pgettext_lazy("export column", "Kind"), _choices(KIND_CHOICES)),
    Column("level", pgettext_lazy("export column", "Workshop level"), _choices(WorkshopLevel.choices)),
    Column("person_id", pgettext_lazy("export column", "Pseudonymous id")),
    *NAME_COLUMNS,
    Column("age_bracket", pgettext_lazy("export column", "Age bracket"), _choices(AgeBracket.choices)),
    Column("gender", pgettext_lazy("export column", "Gender"), _choices(Gender.choices)),
    Column("social_status", pgettext_lazy("export column", "Situation"), _choices(SocialStatus.choices)),
    Column("commune", pgettext_lazy("export column", "Commune")),
    Column("duration_minutes", pgettext_lazy("export column", "Duration (minutes)")),
    Column("topics", pgettext_lazy("export column", "Topics"), _topic_labels),
    Column("autonomy", pgettext_lazy("export column", "Autonomy"), _choices(Autonomy.choices)),
    Column(
        "equipment",
        pgettext_lazy("export column", "Equipment used"),
        _choices((code, label) for _field, code, label in EQUIPMENT),
    ),
    Column("outcome", pgettext_lazy("export column", "Outcome"), _choices(Outcome.choices)),
    Column("redirected_to", pgettext_lazy("export column", "Redirected to"), _choices(RedirectionKind.choices)),
    Column("next_step", pgettext_lazy("export column", "Next step")),
    Column("voucher_count", pgettext_lazy("export column", "Number of vouchers")),
    Column("voucher_numbers", pgettext_lazy("export column", "Voucher numbers")),
    Column("volunteer_count", pgettext_lazy("export column", "Number of volunteers")),
    Column("followed_participants", pgettext_lazy("export column", "Followed participants")),
    Column("anonymous_participants", pgettext_lazy("export column", "Anonymous participants")),
    Column("logged_by", pgettext_lazy("export column", "Logged by")),
    Column("booking_channel", pgettext_lazy("export column", "Booking channel"), _choices(BookingChannel.choices)),
]

BOOKING_COLUMNS = [
    Column("date", pgettext_lazy("export column", "Date")),
    Column("time", pgettext_lazy("export column", "Time")),
    Column("antenna", pgettext_lazy("export column", "Antenna")),
    Column("permanence", pgettext_lazy("export column", "Permanence")),
    Column("slot", pgettext_lazy("export column", "Slot")),
    Column("booking_id", pgettext_lazy("export column", "Booking no.")),
    Column("channel", pgettext_lazy("export column", "Channel"), _choices(BookingChannel.choices)),
    Column("status", pgettext_lazy("export column", "Status"), _choices(BookingStatus.choices)),
    Column("attendance", pgettext_lazy("export column", "Attendance"), _choices(Attendance.choices)),
    Column("booked_by", pgettext_lazy("export column", "Booked by")),
    Column("booked_at", pgettext_lazy("export column", "Booked at")),
    Column("referring_organization", pgettext_lazy("export column", "Referring organization")),
    Column("liaison_reference", pgettext_lazy("export column", "Liaison sheet reference")),
    Column("person_id", pgettext_lazy("export column", "Pseudonymous id")),
    *NAME_COLUMNS,
]


@dataclasses.dataclass(frozen=True)
class Export:
    """What one export writes: its columns, the rows' query, how a row reads, and its summary."""

    kind: str
    # The CSV's name is the same in every language, for the scripts that fetch it.
    file_label: str
    title: StrOrPromise
    scope: Scope
    period: Period
    names: bool
    columns: list[Column]
    queryset: QuerySet
    row: Callable[[Any], dict[str, Any]]
    summary: Callable[[], list[tuple[StrOrPromise, Any]]]

    @property
    def codes(self) -> list[str]:
        return [column.code for column in self.columns]

    @property
    def headers(self) -> list[str]:
        return [str(column.header) for column in self.columns]

    def values(self, instance) -> list[Any]:
        """A row as stored: codes, with the lists of codes as lists."""
        row = self.row(instance)
        return [row[column.code] for column in self.columns]

    def labels(self) -> list[Labels | None]:
        """Each column's labels in the active language, read once for the whole export."""
        return [column.labels() if column.labels else None for column in self.columns]

    def labelled_values(self, instance, labels: list[Labels | None]) -> list[Any]:
        """A row as a person reads it: every code replaced by its label, lists joined."""
        return [_labelled(value, table) for value, table in zip(self.values(instance), labels, strict=True)]

    def filename(self, fmt: str) -> str:
        """The CSV's name ends with `codes`; the workbook's is in the reader's language and ends
        with it (`_fr`, `_en`), so a file says what it holds before it is opened."""
        dates = f"{self.period.start.isoformat()}_{self.period.end.isoformat()}"
        if fmt == "csv":
            with translation.override("fr"):
                scope = slugify(self.scope.label) or "export"
            return f"{scope}_{dates}_{self.file_label}_codes.csv"
        scope = slugify(self.scope.label) or "export"
        return f"{scope}_{dates}_{slugify(str(self.title))}_{translation.get_language() or 'fr'}.{fmt}"

    @property
    def description(self) -> str:
        return f"{self.kind} export {self.scope.label} {self.period.start.isoformat()}–{self.period.end.isoformat()}"


def _labelled(value: Any, labels: Labels | None) -> Any:
    if isinstance(value, list):
        return LABEL_SEPARATOR.join(str(labels.get(code, code)) if labels else str(code) for code in value)
    if labels is not None and isinstance(value, str):
        return labels.get(value, value)
    return value


def _columns(columns: list[Column], names: bool) -> list[Column]:
    return columns if names else [column for column in columns if column.code not in NAME_CODES]


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


def _names(row: dict[str, Any]) -> dict[str, str]:
    """The person's names, when the export carries them (NAME_VALUES read)."""
    return {"first_name": row["beneficiary__first_name"] or "", "last_name": row["beneficiary__last_name"] or ""}


# Sessions

# What a session row reads: plain values, never model instances, so a year of a federation
# streams at the speed of the database (instances with their relations cost 130 µs a row).
SESSION_VALUES = [
    "date",
    "antenna__name",
    "antenna__department_code",
    "antenna__organization__name",
    "pk",
    "is_workshop",
    "level",
    "beneficiary_id",
    # A followed person's facts live on their record; an anonymous session carries its own.
    "beneficiary__age_bracket",
    "beneficiary__gender",
    "beneficiary__social_status",
    "beneficiary__commune",
    "age_bracket",
    "gender",
    "social_status",
    "commune",
    "duration_minutes",
    "autonomy",
    *(field for field, _code, _label in EQUIPMENT),
    "outcome",
    "redirected_to",
    "next_step",
    "anonymous_participants",
    "created_by__display_name",
    "booking__channel",
    "topic_ids",
    "voucher_numbers",
    "volunteer_count",
    "followed_participant_count",
]
NAME_VALUES = ["beneficiary__first_name", "beneficiary__last_name"]


def session_logs(scope: Scope, period: Period, *, names: bool = False) -> QuerySet:
    """The scope's session logs on the period's local dates, as the values a row shows: its
    topics (by id) and vouchers as lists, its volunteers and followed participants counted."""
    return (
        scope.filter(SessionLog.objects.filter(date__range=(period.start, period.end)), "antenna")
        .annotate(
            topic_ids=_list_of(SessionLog.topics.through.objects.filter(sessionlog=OuterRef("pk")), "topic_id"),
            voucher_numbers=_list_of(Voucher.objects.filter(session_log=OuterRef("pk")), "number"),
            volunteer_count=_count(SessionLog.volunteers.through.objects.all(), "sessionlog"),
            followed_participant_count=_count(SessionLog.participants.through.objects.all(), "sessionlog"),
        )
        .order_by("date", "antenna__name", "created_at", "pk")
        .values(*SESSION_VALUES, *(NAME_VALUES if names else ()))
    )


def _session_row(log: dict[str, Any], names: bool, topic_codes: dict[int, str]) -> dict[str, Any]:
    followed = log["beneficiary_id"] is not None
    workshop = log["is_workshop"]
    vouchers = _as_list(log["voucher_numbers"])
    facts = "beneficiary__" if followed else ""
    return {
        "date": log["date"],
        "antenna": log["antenna__name"],
        "department": log["antenna__department_code"],
        "organization": log["antenna__organization__name"],
        "session_id": log["pk"],
        "kind": "workshop" if workshop else "individual",
        "level": log["level"],
        "person_id": pseudonym(log["beneficiary_id"]),
        **(_names(log) if names else {}),
        "age_bracket": log[facts + "age_bracket"],
        "gender": log[facts + "gender"],
        "social_status": log[facts + "social_status"],
        "commune": log[facts + "commune"],
        "duration_minutes": log["duration_minutes"],
        "topics": sorted(topic_codes[int(topic)] for topic in _as_list(log["topic_ids"])),
        "autonomy": log["autonomy"],
        "equipment": [code for field, code, _label in EQUIPMENT if log[field]],
        "outcome": log["outcome"],
        "redirected_to": log["redirected_to"],
        "next_step": log["next_step"],
        "voucher_count": len(vouchers),
        "voucher_numbers": vouchers,
        "volunteer_count": log["volunteer_count"],
        "followed_participants": log["followed_participant_count"] if workshop else None,
        "anonymous_participants": log["anonymous_participants"] if workshop else None,
        "logged_by": log["created_by__display_name"] or "",
        "booking_channel": log["booking__channel"] or "",
    }


def session_summary(scope: Scope, period: Period) -> dict[str, Any]:
    """The export's totals, aggregated by the database."""
    logs = scope.filter(SessionLog.objects.filter(date__range=(period.start, period.end)), "antenna")
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
    @functools.cache
    def topic_codes() -> dict[int, str]:
        # Thirty topics, read once when the rows are: a row's topic ids are then looked up.
        return dict(Topic.objects.values_list("pk", "code"))

    def summary() -> list[tuple[StrOrPromise, Any]]:
        totals = session_summary(scope, period)
        return [
            *_summary_head(scope, period),
            (pgettext_lazy("export summary", "Sessions"), totals["sessions"]),
            (pgettext_lazy("export summary", "of which group workshops"), totals["workshops"]),
            (pgettext_lazy("export summary", "People"), totals["people"]),
            (pgettext_lazy("export summary", "of whom followed people (distinct ids)"), totals["followed"]),
            (pgettext_lazy("export summary", "of whom anonymous people"), totals["anonymous"]),
            (pgettext_lazy("export summary", "Hours of help"), round(totals["minutes"] / 60, 2)),
        ]

    return Export(
        kind="sessions",
        file_label="seances",
        title=pgettext_lazy("export", "Sessions"),
        scope=scope,
        period=period,
        names=names,
        columns=_columns(SESSION_COLUMNS, names),
        queryset=session_logs(scope, period, names=names),
        row=lambda log: _session_row(log, names, topic_codes()),
        summary=summary,
    )


# Bookings


BOOKING_VALUES = [
    "slot__occurrence__date",
    "slot__starts_at",
    "slot__ends_at",
    "slot__occurrence__permanence__antenna__name",
    "slot__occurrence__permanence__antenna__time_zone",
    "slot__occurrence__permanence__title",
    "pk",
    "channel",
    "status",
    "attendance",
    "created_by__display_name",
    "created_at",
    "liaison_sheet__organization__name",
    "liaison_sheet__reference",
    "beneficiary_id",
]


def bookings(scope: Scope, period: Period, *, names: bool = False) -> QuerySet:
    """The bookings of the scope's dates within the period (local dates), cancelled ones too,
    as the values a row shows."""
    return (
        _bookings_in(scope, period)
        .order_by("slot__starts_at", "slot__occurrence__permanence__antenna__name", "created_at", "pk")
        .values(*BOOKING_VALUES, *(NAME_VALUES if names else ()))
    )


def _bookings_in(scope: Scope, period: Period) -> QuerySet[Booking]:
    return scope.filter(
        Booking.objects.filter(slot__occurrence__date__range=(period.start, period.end)),
        "slot__occurrence__permanence__antenna",
    )


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _booking_row(booking: dict[str, Any], names: bool) -> dict[str, Any]:
    zone = _zone(booking["slot__occurrence__permanence__antenna__time_zone"])
    starts_at, ends_at = booking["slot__starts_at"].astimezone(zone), booking["slot__ends_at"].astimezone(zone)
    return {
        "date": booking["slot__occurrence__date"],
        "time": starts_at.time(),
        "antenna": booking["slot__occurrence__permanence__antenna__name"],
        "permanence": booking["slot__occurrence__permanence__title"],
        "slot": f"{starts_at:%H:%M}–{ends_at:%H:%M}",
        "booking_id": booking["pk"],
        "channel": booking["channel"],
        "status": booking["status"],
        "attendance": booking["attendance"],
        "booked_by": booking["created_by__display_name"] or "",
        "booked_at": booking["created_at"].astimezone(zone),
        "referring_organization": booking["liaison_sheet__organization__name"] or "",
        "liaison_reference": booking["liaison_sheet__reference"] or "",
        "person_id": pseudonym(booking["beneficiary_id"]),
        **(_names(booking) if names else {}),
    }


def booking_summary(scope: Scope, period: Period) -> dict[str, Any]:
    """The export's totals, aggregated by the database."""
    totals = _bookings_in(scope, period).aggregate(
        bookings=Count("pk"),
        cancelled=Count("pk", filter=Q(status=BookingStatus.CANCELLED)),
        attended=Count("pk", filter=Q(attendance=Attendance.ATTENDED)),
        no_show=Count("pk", filter=Q(attendance=Attendance.NO_SHOW)),
        anonymous=Count("pk", filter=Q(beneficiary__isnull=True)),
        people=Count("beneficiary", distinct=True),
    )
    return totals


def booking_export(scope: Scope, period: Period, *, names: bool) -> Export:
    def summary() -> list[tuple[StrOrPromise, Any]]:
        totals = booking_summary(scope, period)
        return [
            *_summary_head(scope, period),
            (pgettext_lazy("export summary", "Bookings"), totals["bookings"]),
            (pgettext_lazy("export summary", "of which cancelled"), totals["cancelled"]),
            (pgettext_lazy("export summary", "Came"), totals["attended"]),
            (pgettext_lazy("export summary", "Did not come"), totals["no_show"]),
            (pgettext_lazy("export summary", "Followed people (distinct ids)"), totals["people"]),
            (pgettext_lazy("export summary", "Bookings without a registered person"), totals["anonymous"]),
        ]

    return Export(
        kind="bookings",
        file_label="rendez-vous",
        title=pgettext_lazy("export", "Bookings"),
        scope=scope,
        period=period,
        names=names,
        columns=_columns(BOOKING_COLUMNS, names),
        queryset=bookings(scope, period, names=names),
        row=lambda booking: _booking_row(booking, names),
        summary=summary,
    )


def _summary_head(scope: Scope, period: Period) -> list[tuple[StrOrPromise, Any]]:
    return [
        (pgettext_lazy("export summary", "Scope"), scope.label),
        (pgettext_lazy("export summary", "From"), period.start),
        (pgettext_lazy("export summary", "To"), period.end),
    ]


def _about(export: Export, *, user: User, rows: int) -> list[tuple[StrOrPromise, Any]]:
    """What the workbook holds, for whoever opens it without the page it came from."""
    language = translation.get_language() or "fr"
    return [
        (pgettext_lazy("export about", "Contents"), export.title),
        (
            pgettext_lazy("export about", "Values"),
            _(
                "Labels in the language below, as the application shows them. The CSV export of the "
                "same rows holds the codes instead, for software."
            ),
        ),
        (pgettext_lazy("export about", "Language"), get_language_info(language)["name_translated"]),
        *_summary_head(export.scope, export.period),
        (pgettext_lazy("export about", "Rows"), rows),
        (
            pgettext_lazy("export about", "Names of the people"),
            pgettext_lazy("export about", "yes") if export.names else pgettext_lazy("export about", "no"),
        ),
        (pgettext_lazy("export about", "Generated at"), timezone.localtime()),
        (pgettext_lazy("export about", "By"), user.display_name),
    ]


# Writers

# A spreadsheet runs a cell starting with one of these as a formula: free text (a next step, a
# commune, a name) must never become one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST_CHARACTERS = frozenset(FORMULA_STARTS)


class _Echo:
    """A file-like object that hands back what is written, for csv.writer in a stream."""

    def write(self, value: str) -> str:
        return value


def _csv_text(value: str) -> str:
    return "'" + value if value[:1] in FORMULA_FIRST_CHARACTERS else value


def _csv_datetime(value: datetime.datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M}"


def _csv_time(value: datetime.time) -> str:
    return f"{value:%H:%M}"


def _csv_list(value: list) -> str:
    return _csv_text(LIST_SEPARATOR.join(value))


# How each type of value is written, looked up by its exact type: a chain of isinstance tests
# per cell was most of the time spent writing a row.
CSV_WRITERS: dict[type, Callable[[Any], str]] = {
    str: _csv_text,
    int: str,
    bool: str,
    type(None): lambda _value: "",
    list: _csv_list,
    datetime.date: datetime.date.isoformat,
    datetime.datetime: _csv_datetime,
    datetime.time: _csv_time,
}


def _csv_value(value: Any) -> str:
    writer = CSV_WRITERS.get(type(value))
    if writer is None:
        # A subclass (SafeString, a lazy text…): the first of its bases that has a writer.
        writer = next((CSV_WRITERS[base] for base in type(value).__mro__ if base in CSV_WRITERS), str)
    return writer(value)


@contextlib.contextmanager
def _rows_read_to_the_end(queryset: QuerySet) -> Iterator[Iterator[Any]]:
    """The query set's rows through a server-side cursor, planned to be read to the end.

    PostgreSQL plans a cursor for its first tenth (cursor_tuple_fraction): on an export that
    picks nested loops in index order, several times slower than the plan of the whole result,
    which an export always reads."""
    using = queryset.db
    vendor = connections[using].vendor
    if vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute("SET cursor_tuple_fraction = 1")
    try:
        yield queryset.iterator(chunk_size=CHUNK_SIZE)
    finally:
        if vendor == "postgresql":
            with connections[using].cursor() as cursor:
                cursor.execute("RESET cursor_tuple_fraction")


def csv_stream(export: Export) -> Iterator[str]:
    """The export as CSV for software (and French Excel): UTF-8 with a byte-order mark, `;`
    between fields, the columns' codes as header, codes as values, lists joined by `|`."""
    return (text for text, _rows in _csv_pieces(export))


def _csv_pieces(export: Export) -> Iterator[tuple[str, int]]:
    """csv_stream's pieces, each with the number of rows it holds (the header is none): a
    row's free text may hold line breaks, so lines are no count of rows."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(export.codes), 0
    piece = []
    with _rows_read_to_the_end(export.queryset) as rows:
        for row in rows:
            piece.append(writer.writerow([_csv_value(value) for value in export.values(row)]))
            if len(piece) == CSV_ROWS_PER_PIECE:
                yield "".join(piece), len(piece)
                piece = []
    if piece:
        yield "".join(piece), len(piece)


def csv_file(export: Export, *, progress: Callable[[int], None] | None = None) -> tuple[Any, int]:
    """The CSV of csv_stream written to a temporary file, rewound, and the number of rows, for a
    task to store; `progress` is told the rows written so far every CHUNK_SIZE rows or so."""
    file = tempfile.NamedTemporaryFile(suffix=".csv")  # noqa: SIM115 closed by the caller
    rows, told = 0, 0
    for text, count in _csv_pieces(export):
        file.write(text.encode())
        rows += count
        if progress is not None and rows - told >= CHUNK_SIZE:
            progress(rows)
            told = rows
    file.seek(0)
    return file, rows


@dataclasses.dataclass(frozen=True)
class _NumberFormats:
    date: str
    datetime: str

    @classmethod
    def of_language(cls) -> _NumberFormats:
        language = translation.get_language() or "fr"
        return cls(
            date=DATE_FORMATS.get(language, DEFAULT_DATE_FORMAT),
            datetime=DATETIME_FORMATS.get(language, DEFAULT_DATETIME_FORMAT),
        )


def _xlsx_value(sheet, value: Any, formats: _NumberFormats) -> Any:
    if value is None or value == "":
        # An empty cell, which the filter lists as blank.
        return None
    if isinstance(value, datetime.datetime):
        # Excel knows no time zones: the value is already in local time.
        cell = WriteOnlyCell(sheet, value.replace(tzinfo=None))
        cell.number_format = formats.datetime
        return cell
    if isinstance(value, datetime.date):
        # As for times below: types-openpyxl leaves dates out, which Cell takes.
        cell = WriteOnlyCell(sheet, value)  # type: ignore[arg-type]
        cell.number_format = formats.date
        return cell
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


def _width(value: Any) -> int:
    """How many characters a value takes once written in a cell."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return DATETIME_WIDTH
    if isinstance(value, datetime.date):
        return DATE_WIDTH
    if isinstance(value, datetime.time):
        return TIME_WIDTH
    return len(str(value))


def _widths(rows: Iterable[list[Any]]) -> list[int]:
    """Each column's width fitted to its longest value, within MIN_WIDTH and MAX_WIDTH."""
    longest: list[int] = []
    for row in rows:
        if not longest:
            longest = [0] * len(row)
        longest = [max(width, _width(value)) for width, value in zip(longest, row, strict=True)]
    # A little room for the filter's button beside the header.
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in longest]


def _columns_sized(sheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _key_values(sheet, pairs: list[tuple[StrOrPromise, Any]], formats: _NumberFormats) -> None:
    """A two-column sheet: each label beside its value; a text too long for its column wraps."""
    rows = [[str(label), str(value) if isinstance(value, Promise) else value] for label, value in pairs]
    _columns_sized(sheet, _widths(rows))
    for label, value in rows:
        cell = _xlsx_value(sheet, value, formats)
        if isinstance(value, str) and len(value) > MAX_WIDTH:
            cell = WriteOnlyCell(sheet, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.append([label, cell])


def xlsx_file(export: Export, *, user: User, progress: Callable[[int], None] | None = None) -> tuple[Any, int]:
    """The export written as XLSX to a temporary file, rewound, and the number of rows: the rows'
    sheet (labels in the active language, header row frozen, a filter over every column), the
    summary's and the one that says what the workbook holds.

    The write-only workbook streams rows to disk as they come, so memory stays flat; the file
    goes away when it is closed. `progress`, when given, is told the rows written so far every
    CHUNK_SIZE rows, for a task to show how far it is.
    """
    formats = _NumberFormats.of_language()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(export.title))
    labels = export.labels()
    headers = export.headers
    rows = 0
    with _rows_read_to_the_end(export.queryset) as instances:
        values = (export.labelled_values(instance, labels) for instance in instances)
        first = list(itertools.islice(values, WIDTH_SAMPLE_ROWS))
        _columns_sized(sheet, _widths([headers, *first]))
        sheet.freeze_panes = "A2"
        sheet.append([_header_cell(sheet, header) for header in headers])
        for row in itertools.chain(first, values):
            sheet.append([_xlsx_value(sheet, value, formats) for value in row])
            rows += 1
            if progress is not None and rows % CHUNK_SIZE == 0:
                progress(rows)
    # Written after the rows, at the end of the sheet: the range can cover them all.
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{rows + 1}"
    _key_values(workbook.create_sheet(pgettext("export sheet", "Summary")), export.summary(), formats)
    about = _about(export, user=user, rows=rows)
    _key_values(workbook.create_sheet(pgettext("export sheet", "About")), about, formats)
    file = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 closed by the response
    workbook.save(file)
    file.seek(0)
    return file, rows


def _header_cell(sheet, header: str) -> Cell:
    cell = WriteOnlyCell(sheet, header)
    cell.font = Font(bold=True)
    return cell
