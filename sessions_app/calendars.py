"""Dates as iCalendar feeds that a phone calendar can subscribe to (the public feed of an
antenna, a volunteer's personal feed)."""

import dataclasses
import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Occurrence


@dataclasses.dataclass
class FeedEvent:
    uid: str
    summary: str
    occurrence: Occurrence
    stamp: datetime.datetime
    location: str
    notes: str = ""


def calendar_feed(*, product: str, name: str, events: list[FeedEvent], time_zone: str = "") -> bytes:
    """The events as an iCalendar file, each at the local wall time of its antenna."""
    calendar = Calendar()
    calendar.add("prodid", f"-//Permanences numériques//{product}//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    if time_zone:
        calendar.add("x-wr-timezone", time_zone)
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
    if events:
        calendar.add_missing_timezones(
            first_date=events[0].occurrence.starts_at.date() - datetime.timedelta(days=1),
            last_date=events[-1].occurrence.ends_at.date() + datetime.timedelta(days=366),
        )
    return calendar.to_ical()
