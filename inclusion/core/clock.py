"""Today and now as an antenna lives them, and the span of dates the application accepts.

An antenna's day is the one on its own clock: at 23:30 in Cayenne it is already tomorrow in
Paris, and at 9:00 in Nouméa it is still yesterday there. Everything that asks "which day is
it?" for one antenna (its desk, its rota, the dates it may log or book) asks here.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inclusion.core.departments import DEPARTMENT_TIME_ZONES
from inclusion.core.typography import date_format

if TYPE_CHECKING:
    from inclusion.core.models import Antenna, Organization

# Fixed bounds of every date a person types, also held by CHECK constraints: the service
# started long after 2000, and a later year is a typo (or 9999, which breaks date arithmetic).
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


def in_calendar(field: str, *, nullable: bool = False) -> Q:
    """The CHECK condition that holds a date column within EARLIEST_DATE–LATEST_DATE (or empty)."""
    condition = Q(**{f"{field}__gte": EARLIEST_DATE, f"{field}__lte": LATEST_DATE})
    return Q(**{f"{field}__isnull": True}) | condition if nullable else condition


def zone_now(time_zone: str, *, now: datetime.datetime | None = None) -> datetime.datetime:
    """The moment (now unless given) on the wall clock of a time zone named like "Pacific/Noumea"."""
    return (now or timezone.now()).astimezone(ZoneInfo(time_zone))


def zone_today(time_zone: str, *, now: datetime.datetime | None = None) -> datetime.date:
    """The day it is (now unless given) in a time zone named like "America/Cayenne"."""
    return zone_now(time_zone, now=now).date()


def antenna_now(antenna: Antenna, *, now: datetime.datetime | None = None) -> datetime.datetime:
    """Now on the antenna's wall clock."""
    return zone_now(antenna.time_zone, now=now)


def antenna_today(antenna: Antenna, *, now: datetime.datetime | None = None) -> datetime.date:
    """The antenna's day: the one its volunteers and visitors are living."""
    return zone_today(antenna.time_zone, now=now)


def organization_today(organization: Organization, *, now: datetime.datetime | None = None) -> datetime.date:
    """A referrer's day, by their organization: an overseas department's clock, else the server's."""
    zone = DEPARTMENT_TIME_ZONES.get(organization.department_code, settings.TIME_ZONE)
    return zone_today(zone, now=now)


def server_today() -> datetime.date:
    """The day in the server's time zone (TIME_ZONE), for what belongs to no single antenna."""
    return timezone.localdate()


def years_from(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later (earlier when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def validate_calendar_date(value: datetime.date) -> None:
    """A date within the span the application keeps (EARLIEST_DATE to LATEST_DATE)."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s."),
            code="date_out_of_range",
            params={"first": date_format(EARLIEST_DATE), "last": date_format(LATEST_DATE)},
        )


def date_range_error(
    value: datetime.date, *, earliest: datetime.date, latest: datetime.date
) -> ValidationError | None:
    """Why a date lies outside earliest–latest (both included), or None when it lies inside."""
    if value < earliest:
        return ValidationError(
            _("Choose a date from %(date)s on."), code="date_too_early", params={"date": date_format(earliest)}
        )
    if value > latest:
        return ValidationError(
            _("Choose a date up to %(date)s."), code="date_too_late", params={"date": date_format(latest)}
        )
    return None
