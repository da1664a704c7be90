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
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Count, F, Max, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inclusion.core.models import Topic
from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.desk.enums import Autonomy, Outcome, RedirectionKind
from sessions_app.desk.models import SessionLog, Voucher
from sessions_app.figures import rollups
from sessions_app.figures.models import MonthBookings, MonthSessions, MonthTopics, session_breakdown_columns
from sessions_app.figures.reporting import Period, Scope
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Permanence
from volunteers.team.models import Signup

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TOP_ORGANIZATIONS = 10
TOP_PERMANENCES = 5
TOP_THEMES_IN_SUMMARY = 5
TOP_SUBTHEMES_PER_THEME_IN_SUMMARY = 3
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
    """One line of a distribution: what, how many, and its share of the whole in percent; a
    sub-theme's names its theme by code."""

    key: str
    label: StrOrPromise
    count: int
    share: Decimal | None
    theme: str = ""


@dataclasses.dataclass(frozen=True)
class ThemeDetail:
    """A theme and, as its detail, its sub-themes with the most sessions."""

    theme: Row
    subthemes: list[Row]


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
    def top_themes(self) -> list[ThemeDetail]:
        """The funders' summary's topics: the themes of the most sessions, each with its own
        sub-themes beneath it, never beside it. The session log ticks a sub-theme's theme with
        it, so a sub-theme's sessions are already its theme's: side by side, they would read
        as counted twice (and fill the top five with one theme's pieces)."""
        return [
            ThemeDetail(
                theme,
                [row for row in self.subthemes if row.theme == theme.key][:TOP_SUBTHEMES_PER_THEME_IN_SUMMARY],
            )
            for theme in self.themes[:TOP_THEMES_IN_SUMMARY]
        ]


def _one_decimal(numerator: int, denominator: int) -> Decimal:
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return _one_decimal(100 * part, whole)


def _in_scope(queryset: QuerySet, scope: Scope, antenna_lookup: str) -> QuerySet:
    return scope.filter(queryset, antenna_lookup)


def figures_compute(*, scope: Scope, period: Period) -> Figures:
    """Every figure of the scope over the period, in a fixed number of queries whatever the data.

    What the monthly totals hold of the period (`rollups.py`: every day up to the day before
    yesterday) comes from them, the rest from the sessions and bookings themselves; only the
    people, counted once each however many months they came in, and the rota are always read
    from the rows."""
    rolled, live = _reading_plan(period, rollups.rolled_spans(first=period.start, last=period.end))
    rollups.stale_refresh(months=rolled)
    scope_logs = _in_scope(SessionLog.objects.all(), scope, "antenna")
    logs = scope_logs.filter(live.condition("date"))
    totals = _in_scope(MonthSessions.objects.filter(month__in=rolled), scope, "antenna")
    counts = _session_counts(logs, live, totals)
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
    themes, subthemes = _topics(
        logs, live, _in_scope(MonthTopics.objects.filter(month__in=rolled), scope, "antenna"), sessions.total
    )
    bookings, no_shows = _bookings(scope, live, rolled)
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
        vouchers=counts["vouchers"],
        busiest=_busiest(logs, live, totals),
        months=_months(logs, live, totals, period),
    )


Days = list[tuple[datetime.date, datetime.date]]


@dataclasses.dataclass(frozen=True)
class LiveDays:
    """The days read from the rows: those of the period the totals do not hold (added), and
    those the totals hold outside the period (taken away, when a month read from its totals
    begins before the period or ends after it)."""

    added: Days
    taken_away: Days

    def condition(self, field: str) -> Q:
        stretches = [*self.added, *self.taken_away]
        if not stretches:
            # Nothing to read from the rows: a condition that matches none, without a query.
            return Q(pk__in=[])
        return _days_q(field, stretches)

    def sign(self, field: str):
        """1 for a row of a day added, -1 for one taken away, to sum instead of counting."""
        if not self.taken_away:
            return Value(1)
        return Case(When(_days_q(field, self.taken_away), then=Value(-1)), default=Value(1))


def _days_q(field: str, stretches: Days) -> Q:
    condition = Q()
    for first, last in stretches:
        condition |= Q(**{f"{field}__range": (first, last)})
    return condition


def _reading_plan(period: Period, spans: Days) -> tuple[list[datetime.date], LiveDays]:
    """Which months to read from their totals, and which days from the rows. A month added up
    that the period only partly covers is still read from its totals when that leaves fewer days
    to read: a period from the 2nd of a month reads the month's totals less its 1st."""
    one_day = datetime.timedelta(days=1)
    used, added, taken_away, day = [], [], [], period.start
    for first, last in spans:
        inside = (min(last, period.end) - max(first, period.start)).days + 1
        outside = (last - first).days + 1 - inside
        if inside <= outside:
            continue
        used.append(first)
        if day < first:
            added.append((day, first - one_day))
        if first < period.start:
            taken_away.append((first, period.start - one_day))
        if last > period.end:
            taken_away.append((period.end + one_day, last))
        day = last + one_day
    if day <= period.end:
        added.append((day, period.end))
    return used, LiveDays(added=added, taken_away=taken_away)


def _add(*dicts: dict) -> dict:
    total: dict = {}
    for numbers in dicts:
        for key, value in numbers.items():
            total[key] = total.get(key, 0) + (value or 0)
    return total


def _session_counts(logs: QuerySet[SessionLog], live: LiveDays, totals: QuerySet[MonthSessions]) -> dict:
    """Sessions, workshops, minutes, vouchers, autonomy, outcomes and redirections: one pass of
    conditional sums over the live days' logs, one sum over the months' totals."""
    breakdown = session_breakdown_columns()
    sign = live.sign("date")
    rows = logs.aggregate(
        total=Sum(sign),
        individual=Sum(sign, filter=Q(is_workshop=False)),
        anonymous_individual=Sum(sign, filter=Q(is_workshop=False, beneficiary__isnull=True)),
        workshops=Sum(sign, filter=Q(is_workshop=True)),
        anonymous_participants=Sum(F("anonymous_participants") * sign, filter=Q(is_workshop=True)),
        minutes=Sum(F("duration_minutes") * sign),
        **{column: Sum(sign, filter=Q(**{field: value})) for column, (field, value) in breakdown.items()},
    )
    summed = totals.aggregate(
        total=Sum("sessions"),
        **{
            name: Sum(name)
            for name in ["individual", "anonymous_individual", "workshops", "anonymous_participants", "minutes"]
        },
        vouchers=Sum("vouchers"),
        **{column: Sum(column) for column in breakdown},
    )
    vouchers = Voucher.objects.filter(session_log__in=logs).aggregate(vouchers=Sum(live.sign("session_log__date")))
    return _add(rows, summed, vouchers)


def _distribution(counts: dict, prefix: str, choices) -> list[Row]:
    return [
        Row(
            value,
            label,
            counts[f"{prefix}_{value or 'none'}"],
            _percent(counts[f"{prefix}_{value or 'none'}"], counts["total"]),
        )
        for value, label in choices
    ]


# Each side is grouped by person on its own, so that the sessions' side streams out of an index
# already in person order, with no hashing or sorting of a million visits; the workshops' side
# is small and joined to it by person.
FOLLOWED_PEOPLE_SQL = """
    SELECT COUNT(*),
           COUNT(*) FILTER (WHERE first_day >= %s),
           COUNT(*) FILTER (WHERE in_period > 1),
           COALESCE(SUM(workshop_places), 0)
    FROM (
        SELECT CASE WHEN alone.first_day IS NULL THEN workshops.first_day
                    WHEN workshops.first_day IS NULL OR alone.first_day <= workshops.first_day
                    THEN alone.first_day ELSE workshops.first_day END AS first_day,
               COALESCE(alone.in_period, 0) + COALESCE(workshops.in_period, 0) AS in_period,
               workshops.in_period AS workshop_places
        FROM ({alone}) AS alone
        FULL OUTER JOIN ({workshops}) AS workshops ON alone.person = workshops.person
    ) AS people
    WHERE in_period > 0
"""


def _followed_people(scope_logs: QuerySet[SessionLog], period: Period) -> dict:
    """Followed people of the period, each once whether seen alone or in workshops: how many,
    how many are new (nothing at these antennas before the period), how many came more than
    once, and how many workshop places they took.

    Every visit up to the end of the period is grouped by person; a query per person
    (correlated subqueries) takes minutes on a national federation. The ORM cannot join two
    groupings, so the two it builds are joined in SQL, their parameters kept as parameters.
    """
    in_period = Q(date__gte=period.start)
    alone = (
        scope_logs.filter(is_workshop=False, beneficiary__isnull=False, date__lte=period.end)
        .values(person=F("beneficiary_id"))
        # Counting dates rather than ids: the ids are not in the index the sessions are read from.
        .annotate(first_day=Min("date"), in_period=Count("date", filter=in_period))
        .order_by()
    )
    workshops = (
        SessionLog.participants.through.objects.filter(
            sessionlog__in=scope_logs.filter(is_workshop=True, date__lte=period.end)
        )
        .values(person=F("beneficiary_id"))
        .annotate(
            first_day=Min("sessionlog__date"), in_period=Count("pk", filter=Q(sessionlog__date__gte=period.start))
        )
        .order_by()
    )
    try:
        alone_sql, alone_params = alone.query.sql_with_params()
        workshops_sql, workshops_params = workshops.query.sql_with_params()
    except EmptyResultSet:
        # A scope without any antenna (an organization that has none yet): nobody.
        return {"people": 0, "new": 0, "returning": 0, "workshop_places": 0}
    sql = FOLLOWED_PEOPLE_SQL.format(alone=alone_sql, workshops=workshops_sql)
    # Raw SQL bypasses the database routers: read where the query set itself would (the replica
    # inside use_replica()).
    with connections[alone.db].cursor() as cursor:
        cursor.execute(sql, [period.start, *alone_params, *workshops_params])
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


def _topics(logs, live: LiveDays, totals: QuerySet[MonthTopics], total: int) -> tuple[list[Row], list[Row]]:
    links = SessionLog.topics.through.objects.filter(sessionlog__in=logs)
    rows = links.values("topic_id").annotate(sessions=Sum(live.sign("sessionlog__date")))
    summed = totals.values("topic_id").annotate(sessions=Sum("sessions"))
    sessions = _add(*({row["topic_id"]: row["sessions"]} for row in [*rows.order_by(), *summed.order_by()]))
    topics = (
        Topic.objects.filter(pk__in=[pk for pk, count in sessions.items() if count])
        .annotate(theme_code=F("parent__code"))
        .order_by()
    )
    themes: list[Row] = []
    subthemes: list[Row] = []
    # Each topic by its label in the active language (str(topic)).
    labelled = [(topic, str(topic)) for topic in topics]
    for topic, label in sorted(labelled, key=lambda pair: (-sessions[pair[0].pk], pair[1])):
        count = sessions[topic.pk]
        row = Row(topic.code, label, count, _percent(count, total), theme=topic.theme_code or "")
        (subthemes if topic.parent_id else themes).append(row)
    return themes, subthemes


def _bookings(scope: Scope, live: LiveDays, rolled: list[datetime.date]) -> tuple[Bookings, NoShows]:
    """Active bookings of the period grouped by channel and organization, in one pass over the
    live days' bookings (with the attendance of the dates already over) and one over the
    months' totals; the groups are then added up by channel, by organization and in all."""
    bookings = _in_scope(
        Booking.objects.filter(live.condition("slot__occurrence__date"), status=BookingStatus.ACTIVE),
        scope,
        "slot__occurrence__permanence__antenna",
    )
    over = Q(slot__occurrence__ends_at__lte=timezone.now())
    sign = live.sign("slot__occurrence__date")
    # Grouped by ids; the name rides along as an aggregate, because a name in the grouping
    # makes PostgreSQL sort every booking of the period.
    live_groups = (
        bookings.values("channel", organization_pk=F("liaison_sheet__organization_id"))
        .annotate(
            organization=Max("liaison_sheet__organization__name"),
            bookings=Sum(sign),
            attended=Sum(sign, filter=over & Q(attendance=Attendance.ATTENDED), default=0),
            no_show=Sum(sign, filter=over & Q(attendance=Attendance.NO_SHOW), default=0),
        )
        .order_by()
    )
    summed_groups = (
        _in_scope(MonthBookings.objects.filter(month__in=rolled), scope, "antenna")
        .values("channel", organization_pk=F("organization_id"))
        .annotate(
            organization=Max("organization__name"),
            bookings=Sum("bookings"),
            attended=Sum("attended"),
            no_show=Sum("no_show"),
        )
        .order_by()
    )
    groups = [*live_groups, *summed_groups]
    by_channel = dict.fromkeys(BookingChannel.values, 0)
    by_organization: dict[int, list] = {}
    attended = no_show = 0
    for group in groups:
        by_channel[group["channel"]] = by_channel.get(group["channel"], 0) + group["bookings"]
        attended += group["attended"]
        no_show += group["no_show"]
        organization_id = group["organization_pk"]
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


def _busiest(logs, live: LiveDays, totals: QuerySet[MonthSessions]) -> list[BusyPermanence]:
    rows = (
        logs.filter(occurrence__isnull=False)
        .values(permanence=F("occurrence__permanence_id"))
        .annotate(sessions=Sum(live.sign("date")))
        .order_by()
    )
    summed = totals.filter(permanence__isnull=False).values("permanence").annotate(sessions=Sum("sessions")).order_by()
    added_up = _add(*({row["permanence"]: row["sessions"]} for row in [*rows, *summed]))
    # A permanence whose sessions all fall on days taken away from a month's totals adds up to 0.
    sessions = {pk: count for pk, count in added_up.items() if count > 0}
    if not sessions:
        return []
    # Ties on the last place are broken by title, so every permanence tied with it is a candidate.
    cutoff = sorted(sessions.values(), reverse=True)[:TOP_PERMANENCES][-1]
    candidates = (
        Permanence.objects.filter(pk__in=[pk for pk, count in sessions.items() if count >= cutoff])
        .values("pk", "title", antenna_name=F("antenna__name"))
        .order_by()
    )
    ranked = sorted(candidates, key=lambda row: (-sessions[row["pk"]], row["title"], row["pk"]))[:TOP_PERMANENCES]
    return [
        BusyPermanence(title=row["title"], antenna=row["antenna_name"], sessions=sessions[row["pk"]]) for row in ranked
    ]


def _months(logs, live: LiveDays, totals: QuerySet[MonthSessions], period: Period) -> list[Month]:
    rows = logs.annotate(month=TruncMonth("date")).values("month").annotate(sessions=Sum(live.sign("date"))).order_by()
    summed = totals.values("month").annotate(sessions=Sum("sessions")).order_by()
    counts = _add(*({row["month"]: row["sessions"]} for row in [*rows, *summed]))
    return [Month(month, counts.get(month, 0)) for month in period.months()]
