from __future__ import annotations

import calendar
import dataclasses
import datetime

from django.http import Http404


@dataclasses.dataclass(frozen=True)
class Month:
    """One calendar month of local dates, as the month and rota pages show it."""

    first: datetime.date
    last: datetime.date

    @property
    def previous(self) -> datetime.date:
        return self.first - datetime.timedelta(days=1)

    @property
    def next(self) -> datetime.date:
        return self.last + datetime.timedelta(days=1)


def month_from_url(year: int | None, month: int | None, today: datetime.date) -> Month:
    """The month named by /<year>/<month>/ in a URL, this month when absent; a month that does
    not exist, or a year outside 2000–2100, is a 404."""
    if year is None or month is None:
        year, month = today.year, today.month
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    return Month(datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1]))
