import datetime

import factory
from django.utils import timezone

from sessions_app.scheduling.enums import Frequency, PermanenceKind, Weekday, WorkshopLevel
from sessions_app.scheduling.models import Closure, Permanence
from tests.core.factories import AntennaFactory


class PermanenceFactory(factory.django.DjangoModelFactory):
    """Every Tuesday 9:00–10:00 with two seats, from 1 January 2026, unless told otherwise."""

    class Meta:
        model = Permanence

    antenna = factory.SubFactory(AntennaFactory)
    title = "Fracture numérique"
    kind = PermanenceKind.DROP_IN
    frequency = Frequency.WEEKLY
    weekday = Weekday.TUESDAY
    start_time = datetime.time(9)
    end_time = datetime.time(10)
    seats = 2
    valid_from = datetime.date(2026, 1, 1)

    class Params:
        monthly = factory.Trait(frequency=Frequency.MONTHLY, monthly_position=1)
        workshop = factory.Trait(kind=PermanenceKind.WORKSHOP, level=WorkshopLevel.BEGINNER, seats=8)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    antenna = factory.SubFactory(AntennaFactory)
    starts_on = datetime.date(2026, 7, 20)
    ends_on = datetime.date(2026, 8, 16)
    reason = "Fermeture estivale"


def occurrence_today(*, antenna=None, start: int = 9, end: int = 12, day: datetime.date | None = None, **permanence):
    """A one-off date of a new permanence of the antenna, today unless told otherwise, whatever
    today is (a holiday included): 9:00–12:00, three one-hour slots of two seats by default."""
    from django.utils import timezone

    from sessions_app.planning import services

    day = day or timezone.localdate()
    permanence = PermanenceFactory(
        antenna=antenna or AntennaFactory(),
        weekday=day.weekday(),
        valid_from=day,
        start_time=datetime.time(start),
        end_time=datetime.time(end),
        **permanence,
    )
    return services.occurrence_add(permanence=permanence, day=day, start=datetime.time(start), end=datetime.time(end))


def slot_ahead(*, antenna=None, days: int = 7, seats: int = 2):
    """A one-hour slot (9:00–10:00) of a new permanence of the antenna, some days ahead so that
    it is not over whatever the time of the run."""
    occurrence = occurrence_today(
        antenna=antenna or AntennaFactory(),
        day=timezone.localdate() + datetime.timedelta(days=days),
        start=9,
        end=10,
        seats=seats,
    )
    return occurrence.slots.get()
