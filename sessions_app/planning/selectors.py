"""Reads of the coordinators' schedule pages that reach into the booking core and the desk."""

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from sessions_app.bookings.enums import BookingStatus, ChangeKind
from sessions_app.bookings.models import Booking
from sessions_app.desk.models import SessionLog
from sessions_app.scheduling.models import Occurrence, Permanence


def with_history(permanences: QuerySet[Permanence]) -> QuerySet[Permanence]:
    """Each permanence with `in_use`: whether any of its dates ever held a booking (whatever
    became of it) or a logged session, which keeps it from being deleted
    (services.permanence_in_use, for one). In the same query."""
    ever_booked = Exists(Booking.objects.filter(slot__occurrence__permanence=OuterRef("pk")))
    ever_logged = Exists(SessionLog.objects.filter(occurrence__permanence=OuterRef("pk")))
    return permanences.annotate(in_use=ExpressionWrapper(Q(ever_booked) | Q(ever_logged), output_field=BooleanField()))


def cancelled_with(occurrence: Occurrence) -> list[Booking]:
    """The appointments of people that were cancelled with this date (not those cancelled on
    their own before), in slot order, with their person, slot and referrer: in one query."""
    return list(
        Booking.objects.filter(
            slot__occurrence=occurrence,
            status=BookingStatus.CANCELLED,
            beneficiary__isnull=False,
            changes__kind=ChangeKind.DATE_CANCELLED,
        )
        .select_related("beneficiary", "slot", "liaison_sheet__referrer")
        .order_by("slot__starts_at", "pk")
        .distinct()
    )
