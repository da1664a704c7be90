"""Dates as iCalendar feeds that a phone calendar can subscribe to (the public feed of an
antenna, a volunteer's personal feed)."""

import dataclasses
import datetime
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from sessions_app.scheduling.models import Occurrence


@dataclasses.dataclass
class FeedEvent:
    uid: str
    summary: str
    occurrence: Occurrence
    stamp: datetime.datetime
    location: str
    notes: str = ""


@dataclasses.dataclass
class FeedDayEvent:
    """Whole days, first to last included, with no hours (a closure): shown as all-day events
    that leave the subscriber free (TRANSP:TRANSPARENT)."""

    uid: str
    summary: str
    first_day: datetime.date
    last_day: datetime.date
    stamp: datetime.datetime
    location: str = ""
    notes: str = ""


def calendar_feed(
    *,
    product: str,
    name: str,
    events: list[FeedEvent],
    time_zone: str = "",
    day_events: Sequence[FeedDayEvent] = (),
) -> bytes:
    """The events as an iCalendar file, each at the local wall time of its antenna, then the
    all-day events as DATE values, which belong to no time zone."""
    calendar = Calendar()
    calendar.add("prodid", f"-//Permanences numériques//{product}//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    if time_zone:
        calendar.add("x-wr-timezone", time_zone)
    if events:
        # Before the events, as some calendar apps read the file in one pass.
        first = events[0].occurrence.starts_at.date() - datetime.timedelta(days=1)
        last = events[-1].occurrence.ends_at.date() + datetime.timedelta(days=366)
        for tzid in sorted({item.occurrence.permanence.antenna.time_zone for item in events}):
            calendar.add_component(time_zone_component(tzid, first=first, last=last))
    for item in events:
        occurrence = item.occurrence
        zone = ZoneInfo(occurrence.permanence.antenna.time_zone)
        event = Event()
        event.add("uid", item.uid)
        event.add("summary", item.summary)
        # Local wall time with its TZID: calendars keep 9:00 at 9:00 across daylight-saving changes.
        event.add("dtstart", occurrence.starts_at.astimezone(zone))
        event.add("dtend", occurrence.ends_at.astimezone(zone))
        event.add("dtstamp", item.stamp)
        event.add("location", item.location)
        description = item.notes
        if occurrence.is_cancelled:
            event.add("status", "CANCELLED")
            reason = (
                _("Cancelled: %(reason)s") % {"reason": occurrence.cancel_reason}
                if occurrence.cancel_reason
                else _("Cancelled.")
            )
            # Some calendar apps ignore STATUS and still show the event: say it in words too.
            description = f"{reason}\n\n{description}".strip()
        else:
            event.add("status", "CONFIRMED")
        if description:
            event.add("description", description)
        calendar.add_component(event)
    for day_item in day_events:
        calendar.add_component(_day_event(day_item))
    return calendar.to_ical()


def _day_event(item: FeedDayEvent) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("summary", item.summary)
    # DATE values; DTEND is exclusive (RFC 5545, 3.6.1): the day after the last one.
    event.add("dtstart", item.first_day)
    event.add("dtend", item.last_day + datetime.timedelta(days=1))
    event.add("dtstamp", item.stamp)
    if item.location:
        event.add("location", item.location)
    if item.notes:
        event.add("description", item.notes)
    event.add("status", "CONFIRMED")
    # A closed day does not keep the subscriber busy.
    event.add("transp", "TRANSPARENT")
    return event


@dataclasses.dataclass(frozen=True)
class _Observance:
    offset: datetime.timedelta
    name: str
    is_daylight: bool


def _observance(zone: ZoneInfo, timestamp: int) -> _Observance:
    local = datetime.datetime.fromtimestamp(timestamp, tz=zone)
    return _Observance(
        offset=local.utcoffset() or datetime.timedelta(0), name=local.tzname() or "", is_daylight=bool(local.dst())
    )


def _changes(zone: ZoneInfo, start: int, end: int):
    """(instant, observance before, observance after) of each change between two POSIX times.

    Searched in UTC seconds, where every instant exists once: wall-clock times skip an hour in
    spring and repeat one in autumn. Changes are assumed at least a day apart, as in every zone
    today.
    """
    day = 24 * 3600
    current = _observance(zone, start)
    moment = start
    while moment < end:
        following = min(moment + day, end)
        if _observance(zone, following) != current:
            low, high = moment, following
            while high - low > 1:
                middle = (low + high) // 2
                if _observance(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            after = _observance(zone, high)
            yield high, current, after
            current = after
        moment = following


def time_zone_component(tzid: str, *, first: datetime.date, last: datetime.date) -> Timezone:
    """The VTIMEZONE of one zone from the first date to the last, for the apps that read it
    instead of knowing the zone by its name.

    Not icalendar's Timezone.from_tzinfo: in icalendar 7.3 it searches the changes in wall-clock
    time and writes the first wall time after each one, so the March change in Europe/Paris comes
    out at 03:00. RFC 5545 (3.6.5) wants each onset in the local time in force before it,
    TZOFFSETFROM: 02:00 in March, 03:00 in October. Here the changes are found in UTC and each
    onset is written with the offset it leaves.
    """
    zone = ZoneInfo(tzid)
    start = int(datetime.datetime.combine(first, datetime.time(), tzinfo=zone).timestamp())
    end = int(datetime.datetime.combine(last, datetime.time(), tzinfo=zone).timestamp())
    initial = _observance(zone, start)
    # Each observance entered from the same offset is one sub-component, its later onsets RDATEs.
    onsets: dict[tuple[datetime.timedelta, _Observance], list[datetime.datetime]] = {
        (initial.offset, initial): [datetime.datetime.combine(first, datetime.time())]
    }
    for instant, before, after in _changes(zone, start, end):
        local_before = datetime.datetime.fromtimestamp(instant, tz=datetime.UTC) + before.offset
        onsets.setdefault((before.offset, after), []).append(local_before.replace(tzinfo=None))
    component = Timezone()
    component.add("TZID", tzid)
    for (offset_from, observance), starts in onsets.items():
        part = TimezoneDaylight() if observance.is_daylight else TimezoneStandard()
        part.DTSTART = starts[0]
        part.TZOFFSETFROM = offset_from
        part.TZOFFSETTO = observance.offset
        part.add("TZNAME", observance.name)
        if starts[1:]:
            part.add("RDATE", starts[1:])
        component.add_component(part)
    return component
