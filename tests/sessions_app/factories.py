import datetime

import factory

from inclusion.core.models import Topic
from sessions_app.bookings.enums import BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.desk.enums import Autonomy, Outcome
from sessions_app.desk.models import SessionLog
from sessions_app.scheduling.enums import Frequency, PermanenceKind, Weekday, WorkshopLevel
from sessions_app.scheduling.models import Closure, Permanence
from tests.inclusion.factories import AntennaFactory


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


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    status = BookingStatus.ACTIVE


class SessionLogFactory(factory.django.DjangoModelFactory):
    """A one-hour individual session, done, on the antenna's first topic: e-mail."""

    class Meta:
        model = SessionLog
        skip_postgeneration_save = True

    antenna = factory.SubFactory(AntennaFactory)
    date = datetime.date(2026, 1, 6)
    duration_minutes = 60
    outcome = Outcome.DONE
    autonomy = Autonomy.GUIDED

    @factory.post_generation
    def topics(self, create, codes, **kwargs):
        if create:
            self.topics.set(Topic.objects.filter(code__in=codes or ["email"]))

    @factory.post_generation
    def volunteers(self, create, users, **kwargs):
        if create and users:
            self.volunteers.set(users)


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
