"""How a person helped is reached: by SMS when they have a valid number that did not answer
STOP, else by e-mail when they have an address, else by a phone call from the antenna (the
desk's list), with their number when they have one."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from beneficiaries.people.models import Beneficiary
from inclusion.core.phones import phone_normalize
from sessions_app.reminders.enums import ReminderChannel
from sessions_app.reminders.models import SmsStop


def _phone(beneficiary: Beneficiary) -> str:
    if not beneficiary.phone:
        return ""
    try:
        return phone_normalize(beneficiary.phone)
    except ValidationError:
        return ""


def stopped_numbers(people: Iterable[Beneficiary]) -> set[str]:
    """The numbers of these people that answered STOP: one query, whatever their number."""
    numbers = {number for number in map(_phone, people) if number}
    if not numbers:
        return set()
    return set(SmsStop.objects.filter(address__in=numbers).values_list("address", flat=True))


def person_address(beneficiary: Beneficiary, *, stopped: set[str]) -> tuple[str, str] | None:
    """The channel and address of a written message to the person (SMS, else e-mail), or None
    when they can be reached by neither. `stopped` holds the numbers that answered STOP
    (stopped_numbers)."""
    phone = _phone(beneficiary)
    if phone and phone not in stopped:
        return ReminderChannel.SMS, phone
    if beneficiary.email:
        return ReminderChannel.EMAIL, beneficiary.email
    return None


def person_contact(beneficiary: Beneficiary, *, stopped: set[str]) -> tuple[str, str]:
    """Like person_address, but a person reached by neither is to be called: the channel "call"
    and their number, or "" when they have none (the antenna then tells them when they come
    or through their referrer)."""
    return person_address(beneficiary, stopped=stopped) or (ReminderChannel.CALL, _phone(beneficiary))
