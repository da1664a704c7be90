import datetime

import factory

from sessions_app.enums import BookingStatus, Frequency, PermanenceKind, Weekday, WorkshopLevel
from sessions_app.models import Booking, Closure, Permanence
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
