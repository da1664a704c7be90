import factory

from sessions_app.bookings.enums import BookingStatus
from sessions_app.bookings.models import Booking


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    status = BookingStatus.ACTIVE
