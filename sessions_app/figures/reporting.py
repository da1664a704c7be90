"""What a figures page or an export is about: a scope (one antenna, one organization with all
its antennas, or everything) and a period of local dates. Both are read from the URL and the
query string here, with access checked in the query, so every figure and export shares them."""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import functools
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inclusion.core.clock import EARLIEST_DATE, LATEST_DATE, antenna_today, server_today
from inclusion.core.models import Antenna, Organization, User
from inclusion.core.typography import date_format

MAX_PERIOD_DAYS = 5 * 366

PERIOD_CHOICES = [
    ("this_month", gettext_lazy("This month")),
    ("last_month", gettext_lazy("Last month")),
    ("quarter", gettext_lazy("This quarter")),
    ("year", gettext_lazy("This year")),
    ("custom", gettext_lazy("Custom dates")),
]


class PeriodError(ValueError):
    """A period that cannot be used; the message says why, in the user's language."""


@dataclasses.dataclass(frozen=True)
class Period:
    """From `start` to `end`, both included, in local dates: a session logged on the 1st at
    00:30 local time belongs to that month, whatever UTC says."""

    start: datetime.date
    end: datetime.date
    key: str = "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def query_string(self) -> str:
        if self.key == "custom":
            return f"periode=custom&du={self.start.isoformat()}&au={self.end.isoformat()}"
        return f"periode={self.key}"

    def months(self) -> list[datetime.date]:
        """The first day of every month the period touches, in order."""
        return months_between(self.start, self.end)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first day of every month from `first`'s to `last`'s, in order."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def period_named(key: str, today: datetime.date) -> Period:
    if key == "last_month":
        end = today.replace(day=1) - datetime.timedelta(days=1)
        return Period(end.replace(day=1), end, key)
    if key == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        start = today.replace(month=first_month, day=1)
        last_month = first_month + 2
        return Period(start, start.replace(month=last_month, day=calendar.monthrange(today.year, last_month)[1]), key)
    if key == "year":
        return Period(today.replace(month=1, day=1), today.replace(month=12, day=31), key)
    start = today.replace(day=1)
    return Period(start, start.replace(day=calendar.monthrange(today.year, today.month)[1]), "this_month")


def period_from_query(query, today: datetime.date | None = None) -> Period:
    """The period asked for in the query string (`periode`, and `du` / `au` for custom dates).

    Raises PeriodError for dates that cannot be read, an end before the start, more than five
    years, or a day outside the calendar's span (EARLIEST_DATE to LATEST_DATE), which also keeps
    every month walked for the figures within it. `today` names the period's "this month":
    give the scope's (Scope.today); the server's otherwise.
    """
    today = today or server_today()
    key = query.get("periode", "this_month")
    if key != "custom":
        return period_named(key if key in dict(PERIOD_CHOICES) else "this_month", today)
    try:
        start = datetime.date.fromisoformat(query.get("du", ""))
        end = datetime.date.fromisoformat(query.get("au", ""))
    except ValueError as error:
        raise PeriodError(_("Enter both dates of the period, for example 2026-01-01 and 2026-03-31.")) from error
    if start < EARLIEST_DATE or end > LATEST_DATE:
        raise PeriodError(
            _("Choose a period between %(first)s and %(last)s.")
            % {"first": date_format(EARLIEST_DATE), "last": date_format(LATEST_DATE)}
        )
    if end < start:
        raise PeriodError(_("The period ends before it starts."))
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise PeriodError(_("A period cannot be longer than five years."))
    return Period(start, end, "custom")


@dataclasses.dataclass(frozen=True)
class Scope:
    """One antenna, one organization (all its antennas and its member organizations'), or all."""

    kind: str
    antenna: Antenna | None = None
    organization: Organization | None = None

    @property
    def label(self) -> str:
        if self.antenna:
            return self.antenna.name
        if self.organization:
            return self.organization.name
        return _("All antennas")

    def today(self) -> datetime.date:
        """The day "this month" and "this year" are counted from: one antenna's figures follow
        its clock; an organization's or the federation's span several zones and follow the
        server's (TIME_ZONE), where their funders read them."""
        if self.antenna:
            return antenna_today(self.antenna)
        return server_today()

    @functools.cached_property
    def antenna_ids(self) -> list[int] | None:
        """The scope's antennas by id, read once however many figures filter on them; None for
        all. As a list of ids, PostgreSQL estimates an organization's share of a big table
        right and reads it through its indexes: as a subquery it scanned every session."""
        if self.antenna:
            return [self.antenna.pk]
        if self.organization:
            organizations = organization_tree(self.organization)
            return list(
                Antenna.objects.filter(organization__in=organizations).order_by("pk").values_list("pk", flat=True)
            )
        return None

    def antennas(self) -> QuerySet[Antenna]:
        if self.antenna_ids is None:
            return Antenna.objects.all()
        return Antenna.objects.filter(pk__in=self.antenna_ids)

    def filter(self, queryset: QuerySet, antenna_lookup: str) -> QuerySet:
        """The rows of `queryset` whose antenna (reached through `antenna_lookup`) is in the scope.
        Every antenna is in the "all" scope: leaving the filter out spares a join on big tables."""
        if self.antenna_ids is None:
            return queryset
        return queryset.filter(**{f"{antenna_lookup}__in": self.antenna_ids})

    @property
    def url_kwargs(self) -> dict:
        if self.antenna:
            return {"scope": "antenne", "pk": self.antenna.pk}
        if self.organization:
            return {"scope": "structure", "pk": self.organization.pk}
        return {"scope": "tout", "pk": 0}


def organization_tree(organization: Organization) -> list[int]:
    """The organization and every organization below it (a federation and its departments)."""
    ids, frontier = [organization.pk], [organization.pk]
    while frontier:
        frontier = list(Organization.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def scope_for(user: User, kind: str, pk: int) -> Scope:
    """The scope named in the URL, if the user may read its figures.

    Coordinators read their antennas' figures; admins read everything. An antenna or an
    organization the user may not see is a 404; one they see but whose figures are not theirs
    (a volunteer's antenna, a member's organization) is a 403.
    """
    if kind == "antenne":
        antenna = get_object_or_404(Antenna.objects.visible_to(user).select_related("organization"), pk=pk)
        if not Antenna.objects.managed_by(user).filter(pk=antenna.pk).exists():
            raise PermissionDenied
        return Scope("antenna", antenna=antenna)
    if kind == "structure":
        organization = get_object_or_404(Organization.objects.visible_to(user), pk=pk)
        if not user.is_admin:
            raise PermissionDenied
        return Scope("organization", organization=organization)
    if kind == "tout" and pk == 0:
        if not user.is_admin:
            raise PermissionDenied
        return Scope("all")
    raise Http404


def pseudonym(beneficiary_id: int | None) -> str:
    """A stable pseudonymous id for a person in exports: the same person gets the same id in
    every export, and it cannot be turned back into the person without the server's secret."""
    if beneficiary_id is None:
        return ""
    digest = _keyed_hmac(settings.SECRET_KEY).copy()
    digest.update(f"beneficiary:{beneficiary_id}".encode())
    return "P-" + digest.hexdigest()[:12].upper()


@functools.lru_cache(maxsize=2)
def _keyed_hmac(secret: str) -> hmac.HMAC:
    """The HMAC keyed with the secret, copied for each id: an export computes a million of them,
    and keying one is most of its cost."""
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)
