"""Reads for booking a referred person: the free slots across antennas, the languages spoken on
each date's rota, and the appointments a user may open."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Exists, ExpressionWrapper, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from inclusion.core.enums import AntennaStatus
from inclusion.core.models import Antenna, Language, User
from inclusion.core.querystrings import object_id
from sessions_app.bookings.models import Booking
from sessions_app.scheduling.enums import BookingMode, OccurrenceStatus
from sessions_app.scheduling.models import Slot
from volunteers.team.models import Signup


def _bookable_slots() -> QuerySet[Slot]:
    """Slots of the permanences referrers may book: active and bookable, at an active antenna."""
    return Slot.objects.filter(
        occurrence__permanence__is_active=True,
        occurrence__permanence__booking_mode=BookingMode.BOOKABLE,
        occurrence__permanence__antenna__status=AntennaStatus.ACTIVE,
    )


def active_bookings_count(slot: str = "pk") -> Coalesce:
    """The active bookings of the outer query's slot, counted in a subquery (index only)."""
    counted = (
        Booking.objects.active()
        .filter(slot=OuterRef(slot))
        .order_by()
        .values("slot")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def free_slots(
    *,
    department: str | None = None,
    postcode: str = "",
    antenna: Antenna | None = None,
    date_from: datetime.date,
    date_to: datetime.date,
    kind: str = "",
    level: str = "",
    language: Language | None = None,
) -> QuerySet[Slot]:
    """Slots with a seat left, not started yet, on scheduled dates between two days included.

    Each slot carries `seats_taken` and `seats_left`, counted from its active bookings in the
    same query: seats are derived, never stored. Ordered by day, then antenna, then time, so a
    page of results groups naturally.

    Each slot's seats are counted by a subquery over the active bookings' partial index, never
    by grouping the bookings of every slot in the range: PostgreSQL then reads the dates in
    order and stops once it has a page (a count of the whole country's free seats took 0.4 s).
    """
    slots = _bookable_slots().filter(
        occurrence__status=OccurrenceStatus.SCHEDULED,
        occurrence__date__gte=date_from,
        occurrence__date__lte=date_to,
        starts_at__gt=timezone.now(),
    )
    if department:
        slots = slots.filter(occurrence__permanence__antenna__department_code=department)
    if postcode:
        slots = slots.filter(occurrence__permanence__antenna__postcode__startswith=postcode)
    if antenna is not None:
        slots = slots.filter(occurrence__permanence__antenna=antenna)
    if kind:
        slots = slots.filter(occurrence__permanence__kind=kind)
    if level:
        slots = slots.filter(occurrence__permanence__level=level)
    if language is not None:
        slots = slots.filter(
            Exists(
                Signup.objects.filter(
                    occurrence=OuterRef("occurrence"), volunteer__volunteer_profile__languages=language
                )
            )
        )
    return (
        slots.annotate(seats_taken=active_bookings_count())
        .annotate(seats_left=ExpressionWrapper(F("seats") - F("seats_taken"), output_field=IntegerField()))
        .filter(seats_left__gt=0)
        .select_related("occurrence__permanence__antenna")
        .order_by(
            "occurrence__date",
            "occurrence__permanence__antenna__name",
            "occurrence__permanence__antenna_id",
            "starts_at",
            "pk",
        )
    )


def rota_languages(occurrence_ids: Iterable[int]) -> dict[int, list[Language]]:
    """The languages spoken by the volunteers signed up for each date, in one query."""
    rows = (
        Signup.objects.filter(
            occurrence_id__in=list(occurrence_ids), volunteer__volunteer_profile__languages__isnull=False
        )
        .values_list(
            "occurrence_id",
            "volunteer__volunteer_profile__languages__code",
            "volunteer__volunteer_profile__languages__name_fr",
            "volunteer__volunteer_profile__languages__name_en",
        )
        # Without the model's ordering, which DISTINCT would otherwise have to include.
        .order_by()
        .distinct()
    )
    languages: defaultdict[int, dict[str, Language]] = defaultdict(dict)
    for occurrence_id, code, name_fr, name_en in rows:
        languages[occurrence_id][code] = Language(code=code, name_fr=name_fr, name_en=name_en)
    return {
        occurrence_id: sorted(by_code.values(), key=lambda language: language.name)
        for occurrence_id, by_code in languages.items()
    }


def bookable_slot(pk: str) -> Slot | None:
    """The slot a referrer asks to book, when it belongs to a permanence referrers may book.

    Whether it is cancelled, over or full is for the booking service to say, under its lock.
    """
    slot_id = object_id(str(pk))
    if slot_id is None:
        return None
    # The antenna comes along: the page that confirms the booking names it and its time zone.
    return _bookable_slots().filter(pk=slot_id).select_related("occurrence__permanence__antenna").first()


def referral_bookings_visible_to(user: User) -> QuerySet[Booking]:
    """Appointments made from a liaison sheet that a user may open: the sheet's referrer, the
    team of the antenna where it takes place, and admins."""
    if not user.is_authenticated or not user.is_active:
        return Booking.objects.none()
    bookings = Booking.objects.filter(liaison_sheet__isnull=False)
    if user.is_admin:
        return bookings
    return bookings.filter(
        Q(liaison_sheet__referrer=user) | Q(slot__occurrence__permanence__antenna__in=Antenna.objects.visible_to(user))
    )
