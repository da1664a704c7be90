from django.db.models import Q, QuerySet

from beneficiaries.people.models import Beneficiary
from inclusion.core.models import Antenna, User

# Who may do what with a person's rights, once Beneficiary.objects.visible_to let them see the
# person at all (else 404).


def _antennas_of(person: Beneficiary) -> QuerySet[Antenna]:
    """The antennas where the person was first met, booked or helped."""
    # Through the person's relations: bookings and session logs belong to the apps above.
    booked = person.bookings.values("slot__occurrence__permanence__antenna")
    helped = person.session_logs.values("antenna")
    joined = person.workshop_logs.values("antenna")
    return Antenna.objects.filter(
        Q(pk=person.first_antenna_id) | Q(pk__in=booked) | Q(pk__in=helped) | Q(pk__in=joined)
    )


def can_erase(user: User, person: Beneficiary) -> bool:
    """Admins, and the coordinators of an antenna where the person was met, booked or helped."""
    if user.is_admin:
        return True
    return _antennas_of(person).filter(pk__in=Antenna.objects.managed_by(user)).exists()


def can_export(user: User, person: Beneficiary) -> bool:
    """As for erasure, and the referrer who registered the person: they are usually the one the
    person asks, and they recorded the consent."""
    return person.created_by_id == user.pk or can_erase(user, person)
