"""The figures of a scope over a period, for coordinators, federations and funders.

Every number is aggregated by the database, at most one query per family of figures (some
families share one pass over the same rows), so the page costs the same number of queries
whatever the number of sessions, bookings and sign-ups. Days and months are the antennas' local
ones: SessionLog.date and Occurrence.date are local dates.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections
from django.db.models import BooleanField, Count, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers.models import Signup

from .enums import Attendance, Autonomy, BookingChannel, BookingStatus, OccurrenceStatus, Outcome, RedirectionKind
from .models import Booking, SessionLog, Topic, Voucher
from .reporting import Period, Scope

TOP_ORGANIZATIONS = 10
TOP_PERMANENCES = 5
TOP_TOPICS_IN_SUMMARY = 5
AUTONOMY_CHOICES = [*Autonomy.choices, ("", _("Not logged"))]

# What each family counts, shown next to its numbers so that everyone reads them the same way.
DEFINITIONS = {
    "people": _(
        "Different people helped in the period: each followed person once, whether seen alone or in a "
        "workshop, plus each anonymous individual session and each anonymous workshop participant."
    ),
    "new_people": _("Followed people whose very first session at these antennas falls within the period."),
    "sessions": _(
        "Sessions logged with a date in the period, individual or in a group workshop; workshop participants "
        "are the followed and anonymous people who took part."
    ),
    "help_hours": _("The sum of the logged durations of the period's sessions, in hours."),
    "volunteer_hours": _(
        "For every volunteer on the rota of a scheduled (not cancelled) date of the period, the length of "
        "that date, dates still to come included."
    ),
    "topics": _(
        "The period's sessions that dealt with each topic; a session can deal with several, so the shares "
        "add up to more than 100%."
    ),
    "autonomy": _("How autonomous the person was in the period's sessions, as the volunteer logged it."),
    "outcomes": _("How each session of the period ended."),
    "redirections": _("The period's sessions that sent the person on to another service, by kind of service."),
    "returning": _(
        "Followed people with more than one session in the period (alone or in a workshop), and their share "
        "of the followed people helped."
    ),
    "bookings": _(
        "Active bookings on dates of the period, by how they were made and, for referrals with a liaison "
        "sheet, by the referring organization."
    ),
    "no_shows": _(
        "Among the active bookings on dates of the period that are over, the people marked as not having "
        "come, out of those marked as came or did not come."
    ),
    "vouchers": _("Digital-help vouchers handed in during the period's sessions."),
    "busiest": _("The five permanences with the most sessions logged on their dates in the period."),
    "months": _("Sessions logged in each month of the period, by the antenna's local date."),
}


@dataclasses.dataclass(frozen=True)
class Row:
    """One line of a distribution: what, how many, and its share of the whole in percent."""

    key: str
    label: str
    count: int
    share: Decimal | None


@dataclasses.dataclass(frozen=True)
class People:
    helped: int
    followed: int
    anonymous: int
    new: int
    returning: int
    returning_share: Decimal | None


@dataclasses.dataclass(frozen=True)
class Sessions:
    total: int
    individual: int
    anonymous_individual: int
    workshops: int
    followed_participants: int
    anonymous_participants: int
    minutes: int

    @property
    def workshop_participants(self) -> int:
        return self.followed_participants + self.anonymous_participants

    @property
    def hours(self) -> Decimal:
        return _one_decimal(self.minutes, 60)


@dataclasses.dataclass(frozen=True)
class VolunteerTime:
    signups: int
    volunteers: int
    duration: datetime.timedelta

    @property
    def hours(self) -> Decimal:
        return _one_decimal(int(self.duration.total_seconds()), 3600)


@dataclasses.dataclass(frozen=True)
class Bookings:
    total: int
    by_channel: list[Row]
    by_organization: list[Row]
    from_organizations: int


@dataclasses.dataclass(frozen=True)
class NoShows:
    attended: int
    no_show: int

    @property
    def rate(self) -> Decimal | None:
        return _percent(self.no_show, self.attended + self.no_show)


@dataclasses.dataclass(frozen=True)
class BusyPermanence:
    title: str
    antenna: str
    sessions: int


@dataclasses.dataclass(frozen=True)
class Month:
    month: datetime.date
    sessions: int


@dataclasses.dataclass(frozen=True)
class Figures:
    people: People
    sessions: Sessions
    volunteer_time: VolunteerTime
    themes: list[Row]
    subthemes: list[Row]
    autonomy: list[Row]
    outcomes: list[Row]
    redirections: list[Row]
    bookings: Bookings
    no_shows: NoShows
    vouchers: int
    busiest: list[BusyPermanence]
    months: list[Month]

    @property
    def top_topics(self) -> list[Row]:
        rows = sorted([*self.themes, *self.subthemes], key=lambda row: (-row.count, row.label))
        return rows[:TOP_TOPICS_IN_SUMMARY]


def _one_decimal(numerator: int, denominator: int) -> Decimal:
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return _one_decimal(100 * part, whole)


def _in_scope(queryset: QuerySet, scope: Scope, antenna_lookup: str) -> QuerySet:
    # Every antenna is in the "all" scope: leaving the filter out spares a join on big tables.
    if scope.kind == "all":
        return queryset
    return queryset.filter(**{f"{antenna_lookup}__in": scope.antennas()})


def figures_compute(*, scope: Scope, period: Period) -> Figures:
    """Every figure of the scope over the period, in eight database queries whatever the data."""
    scope_logs = _in_scope(SessionLog.objects.all(), scope, "antenna")
    logs = scope_logs.filter(date__range=(period.start, period.end))
    counts = _session_counts(logs)
    followed = _followed_people(scope_logs, period)
    sessions = Sessions(
        total=counts["total"],
        individual=counts["individual"],
        anonymous_individual=counts["anonymous_individual"],
        workshops=counts["workshops"],
        followed_participants=followed["workshop_places"],
        anonymous_participants=counts["anonymous_participants"],
        minutes=counts["minutes"],
    )
    anonymous = sessions.anonymous_individual + sessions.anonymous_participants
    themes, subthemes = _topics(logs, sessions.total)
    bookings, no_shows = _bookings(scope, period)
    return Figures(
        people=People(
            helped=followed["people"] + anonymous,
            followed=followed["people"],
            anonymous=anonymous,
            new=followed["new"],
            returning=followed["returning"],
            returning_share=_percent(followed["returning"], followed["people"]),
        ),
        sessions=sessions,
        volunteer_time=_volunteer_time(scope, period),
        themes=themes,
        subthemes=subthemes,
        autonomy=_distribution(counts, "autonomy", AUTONOMY_CHOICES),
        outcomes=_distribution(counts, "outcome", Outcome.choices),
        redirections=sorted(_distribution(counts, "redirection", RedirectionKind.choices), key=lambda row: -row.count),
        bookings=bookings,
        no_shows=no_shows,
        vouchers=_in_scope(
            Voucher.objects.filter(session_log__date__range=(period.start, period.end)), scope, "session_log__antenna"
        ).count(),
        busiest=_busiest(logs),
        months=_months(logs, period),
    )


def _session_counts(logs: QuerySet[SessionLog]) -> dict:
    """Sessions, workshops, minutes, autonomy, outcomes and redirections: one pass of
    conditional counts over the period's logs."""
    return logs.aggregate(
        total=Count("pk"),
        individual=Count("pk", filter=Q(is_workshop=False)),
        anonymous_individual=Count("pk", filter=Q(is_workshop=False, beneficiary__isnull=True)),
        workshops=Count("pk", filter=Q(is_workshop=True)),
        anonymous_participants=Sum("anonymous_participants", filter=Q(is_workshop=True), default=0),
        minutes=Sum("duration_minutes", default=0),
        **{f"autonomy_{value}": Count("pk", filter=Q(autonomy=value)) for value, _label in AUTONOMY_CHOICES},
        **{f"outcome_{value}": Count("pk", filter=Q(outcome=value)) for value in Outcome.values},
        **{f"redirection_{value}": Count("pk", filter=Q(redirected_to=value)) for value in RedirectionKind.values},
    )


def _distribution(counts: dict, prefix: str, choices) -> list[Row]:
    return [
        Row(value, label, counts[f"{prefix}_{value}"], _percent(counts[f"{prefix}_{value}"], counts["total"]))
        for value, label in choices
    ]


FOLLOWED_PEOPLE_SQL = """
    SELECT COUNT(*),
           COUNT(*) FILTER (WHERE first_day >= %s),
           COUNT(*) FILTER (WHERE in_period > 1),
           COALESCE(SUM(workshop_places), 0)
    FROM (
        SELECT MIN(day) AS first_day,
               COUNT(*) FILTER (WHERE day >= %s) AS in_period,
               COUNT(*) FILTER (WHERE workshop AND day >= %s) AS workshop_places
        FROM ({visits}) AS visits
        GROUP BY person
    ) AS people
    WHERE in_period > 0
"""


def _followed_people(scope_logs: QuerySet[SessionLog], period: Period) -> dict:
    """Followed people of the period, each once whether seen alone or in workshops: how many,
    how many are new (nothing at these antennas before the period), how many came more than
    once, and how many workshop places they took.

    Every visit up to the end of the period is grouped by person in one pass; a query per
    person (correlated subqueries) takes minutes on a national federation. The ORM cannot group
    over a union, so the union it builds is wrapped in SQL, its parameters kept as parameters.
    """
    alone = (
        scope_logs.filter(is_workshop=False, beneficiary__isnull=False, date__lte=period.end)
        .order_by()
        .values(person=F("beneficiary_id"), day=F("date"), workshop=Value(False, output_field=BooleanField()))
    )
    in_workshops = (
        SessionLog.participants.through.objects.filter(
            sessionlog__in=scope_logs.filter(is_workshop=True, date__lte=period.end)
        )
        .order_by()
        .values(
            person=F("beneficiary_id"), day=F("sessionlog__date"), workshop=Value(True, output_field=BooleanField())
        )
    )
    visits, params = alone.union(in_workshops, all=True).query.sql_with_params()
    # Raw SQL bypasses the database routers: read where the query set itself would (the replica
    # inside use_replica()).
    with connections[alone.db].cursor() as cursor:
        cursor.execute(FOLLOWED_PEOPLE_SQL.format(visits=visits), [period.start] * 3 + list(params))
        people, new, returning, workshop_places = cursor.fetchone()
    return {"people": people, "new": new, "returning": returning, "workshop_places": int(workshop_places)}


def _volunteer_time(scope: Scope, period: Period) -> VolunteerTime:
    signups = Signup.objects.filter(
        occurrence__date__range=(period.start, period.end), occurrence__status=OccurrenceStatus.SCHEDULED
    )
    totals = _in_scope(signups, scope, "occurrence__permanence__antenna").aggregate(
        signups=Count("pk"),
        volunteers=Count("volunteer", distinct=True),
        duration=Sum(F("occurrence__ends_at") - F("occurrence__starts_at"), default=datetime.timedelta(0)),
    )
    return VolunteerTime(**totals)


def _topics(logs, total: int) -> tuple[list[Row], list[Row]]:
    counts = (
        Topic.objects.filter(session_logs__in=logs)
        .values("code", "label", "parent_id")
        .annotate(sessions=Count("session_logs"))
        .order_by("-sessions", "label")
    )
    themes, subthemes = [], []
    for topic in counts:
        row = Row(topic["code"], topic["label"], topic["sessions"], _percent(topic["sessions"], total))
        (subthemes if topic["parent_id"] else themes).append(row)
    return themes, subthemes


def _bookings(scope: Scope, period: Period) -> tuple[Bookings, NoShows]:
    """Active bookings of the period grouped by channel and organization in one pass, with the
    attendance of the dates already over; the groups are then added up by channel, by
    organization and in all."""
    bookings = _in_scope(
        Booking.objects.filter(status=BookingStatus.ACTIVE, slot__occurrence__date__range=(period.start, period.end)),
        scope,
        "slot__occurrence__permanence__antenna",
    )
    over = Q(slot__occurrence__ends_at__lte=timezone.now())
    # Grouped by ids; the name rides along as an aggregate, because a name in the grouping
    # makes PostgreSQL sort every booking of the period.
    groups = (
        bookings.values("channel", "liaison_sheet__organization_id")
        .annotate(
            organization=Max("liaison_sheet__organization__name"),
            bookings=Count("pk"),
            attended=Count("pk", filter=over & Q(attendance=Attendance.ATTENDED)),
            no_show=Count("pk", filter=over & Q(attendance=Attendance.NO_SHOW)),
        )
        .order_by()
    )
    by_channel = dict.fromkeys(BookingChannel.values, 0)
    by_organization: dict[int, list] = {}
    attended = no_show = 0
    for group in groups:
        by_channel[group["channel"]] = by_channel.get(group["channel"], 0) + group["bookings"]
        attended += group["attended"]
        no_show += group["no_show"]
        organization_id = group["liaison_sheet__organization_id"]
        if organization_id is not None:
            entry = by_organization.setdefault(organization_id, [group["organization"], 0])
            entry[1] += group["bookings"]
    total = sum(by_channel.values())
    from_organizations = sum(count for _name, count in by_organization.values())
    ranked = sorted(by_organization.items(), key=lambda item: (-item[1][1], item[1][0]))
    organizations = [
        Row(str(pk), name, count, _percent(count, from_organizations))
        for pk, (name, count) in ranked[:TOP_ORGANIZATIONS]
    ]
    rest = sum(count for _pk, (_name, count) in ranked[TOP_ORGANIZATIONS:])
    if rest:
        organizations.append(Row("other", _("Other organizations"), rest, _percent(rest, from_organizations)))
    figures = Bookings(
        total=total,
        by_channel=[
            Row(value, label, by_channel[value], _percent(by_channel[value], total))
            for value, label in BookingChannel.choices
        ],
        by_organization=organizations,
        from_organizations=from_organizations,
    )
    return figures, NoShows(attended=attended, no_show=no_show)


def _busiest(logs) -> list[BusyPermanence]:
    # Grouped by id, the title and antenna riding along as aggregates: text in the grouping
    # would make PostgreSQL hash or sort every session of the period by it.
    permanences = (
        logs.filter(occurrence__isnull=False)
        .values("occurrence__permanence_id")
        .annotate(
            sessions=Count("pk"),
            title=Max("occurrence__permanence__title"),
            antenna=Max("occurrence__permanence__antenna__name"),
        )
        .order_by("-sessions", "title", "occurrence__permanence_id")[:TOP_PERMANENCES]
    )
    return [
        BusyPermanence(title=row["title"], antenna=row["antenna"], sessions=row["sessions"]) for row in permanences
    ]


def _months(logs, period: Period) -> list[Month]:
    counts = {
        row["month"]: row["sessions"]
        for row in logs.annotate(month=TruncMonth("date")).values("month").annotate(sessions=Count("pk")).order_by()
    }
    return [Month(month, counts.get(month, 0)) for month in period.months()]
