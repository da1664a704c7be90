"""Permanences written in OpenStreetMap's opening_hours syntax, the format of the ``horaires``
field of the national schema of digital-mediation places.

https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification
"""

from collections import defaultdict
from collections.abc import Iterable

from sessions_app.scheduling.enums import Frequency, MonthlyPosition
from sessions_app.scheduling.models import Permanence

OSM_WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
# Within a day: the weekly rule first, then the 1st… 4th, then the last such weekday.
POSITION_ORDER: dict[int | None, int] = {
    None: 0,
    **{position: rank for rank, position in enumerate(MonthlyPosition.values, start=1)},
}


def opening_hours(permanences: Iterable[Permanence]) -> str:
    """The active permanences as an opening_hours value: ``Tu 09:00-10:00,14:00-16:00; Th[2] 09:00-12:30``.

    Every-N-weeks permanences are written like weekly ones: opening_hours can only say "every
    other week" with week-number selectors (``week 02-52/2 Tu``), which depend on the ISO week
    the series started in and break at the turn of a 53-week year. Readers of the national map
    are better served by the weekday and hours, and the antenna's page gives the exact dates.
    """
    times: dict[tuple[int, int | None], list[tuple[str, str]]] = defaultdict(list)
    for permanence in permanences:
        if not permanence.is_active:
            continue
        position = permanence.monthly_position if permanence.frequency == Frequency.MONTHLY else None
        times[(permanence.weekday, position)].append(
            (f"{permanence.start_time:%H:%M}", f"{permanence.end_time:%H:%M}")
        )
    rules: list[str] = []
    previous_weekday = None
    for weekday, position in sorted(times, key=lambda key: (key[0], POSITION_ORDER.get(key[1], 99))):
        selector = OSM_WEEKDAYS[weekday] if position is None else f"{OSM_WEEKDAYS[weekday]}[{position}]"
        spans = ",".join(f"{start}-{end}" for start, end in sorted(set(times[(weekday, position)])))
        rule = f"{selector} {spans}"
        if rules and weekday == previous_weekday:
            # "; " would let this rule replace the hours of the previous one on the days both
            # select (every Tuesday and the 1st Tuesday): ", " adds to them instead.
            rules[-1] = f"{rules[-1]}, {rule}"
        else:
            rules.append(rule)
        previous_weekday = weekday
    return "; ".join(rules)
