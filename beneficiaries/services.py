"""Every write to the people helped and their consent goes through these functions."""

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from inclusion.models import Antenna, User

from .models import Beneficiary, Consent

BENEFICIARY_FIELDS = [
    "first_name",
    "last_name",
    "phone",
    "birth_year",
    "postcode",
    "commune",
    "age_bracket",
    "gender",
    "social_status",
]


def beneficiary_create(
    *, data: dict[str, Any], consent_method: str, recorded_by: User, antenna: Antenna | None = None
) -> Beneficiary:
    """Register a person together with their consent: one is never saved without the other."""
    if not consent_method:
        raise ValueError("A person is only registered with their consent.")
    with transaction.atomic():
        beneficiary = Beneficiary(
            first_antenna=antenna,
            created_by=recorded_by,
            **{name: data[name] for name in BENEFICIARY_FIELDS if name in data and data[name] is not None},
        )
        beneficiary.full_clean()
        beneficiary.save()
        Consent.objects.create(beneficiary=beneficiary, method=consent_method, recorded_by=recorded_by)
    return beneficiary


def beneficiary_search(*, user: User, text: str, phone: str = "") -> QuerySet[Beneficiary]:
    """People the user may see whose name or phone matches, for finding someone who comes back."""
    people = Beneficiary.objects.visible_to(user)
    conditions = Q()
    for word in text.split():
        conditions &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    if phone:
        conditions |= Q(phone=phone)
    if not text.split() and not phone:
        return people.none()
    return people.filter(conditions).order_by("last_name", "first_name")
