"""French public holidays for an antenna, from the `holidays` package.

Alsace-Moselle (57, 67, 68) keeps Good Friday and 26 December; the overseas departments have
their own days (abolition of slavery…). The package knows them by subdivision code.
"""

import datetime
from functools import lru_cache

import holidays
from django.utils.translation import get_language

# The package groups Bas-Rhin and Haut-Rhin under the European Collectivity of Alsace.
SUBDIVISIONS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
}


@lru_cache(maxsize=256)
def _holidays(subdivision: str | None, year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.France(subdiv=subdivision, years=year).keys())


def public_holidays(department_code: str, first: datetime.date, last: datetime.date) -> set[datetime.date]:
    """Public holidays between first and last included, for an antenna in this department."""
    subdivision = SUBDIVISIONS.get(department_code)
    days = set()
    for year in range(first.year, last.year + 1):
        days |= {day for day in _holidays(subdivision, year) if first <= day <= last}
    return days


def holiday_name(department_code: str, day: datetime.date) -> str:
    """The holiday's name in the interface language, or "" for a working day."""
    language = "fr" if get_language() == "fr" else "en_US"
    return holidays.France(subdiv=SUBDIVISIONS.get(department_code), years=day.year, language=language).get(day, "")
