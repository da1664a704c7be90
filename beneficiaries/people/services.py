"""Every write to the people helped and their consent goes through these functions."""

import dataclasses
import datetime
import re
import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from beneficiaries.people.enums import SHEET_TRANSITIONS, AgeBracket, FrenchLevel, Gender, SheetStatus, SocialStatus
from beneficiaries.people.models import (
    REFERENCE_ALPHABET,
    Beneficiary,
    Consent,
    LiaisonSheet,
    LiaisonSheetEvent,
)
from beneficiaries.people.search import Condition, name_condition, phone_part_condition, search_words
from beneficiaries.people.tasks import liaison_sheet_notify_email
from inclusion.core.models import Antenna, Language, Referrer, Topic, User
from inclusion.core.submissions import create_once
from inclusion.core.typed_fields import ModelFields


@dataclasses.dataclass(frozen=True, kw_only=True)
class BeneficiaryFields(ModelFields):
    """What is known of a person registered, as the form gives it; each default is the model's,
    and a None stands for "not asked" (the model's default then applies)."""

    first_name: str
    last_name: str = ""
    phone: str = ""
    has_no_phone: bool = False
    email: str = ""
    birth_year: int | None = None
    postcode: str = ""
    commune: str = ""
    age_bracket: str = AgeBracket.NOT_GIVEN
    gender: str = Gender.NOT_GIVEN
    social_status: str = SocialStatus.NOT_GIVEN
    french_level: str = FrenchLevel.NOT_GIVEN
    has_email_address: bool | None = None
    has_smartphone: bool | None = None
    has_computer: bool | None = None
    has_internet: bool | None = None
    languages: Iterable[Language] = ()


# The person's own fields, which their form shows before the languages.
BENEFICIARY_FIELDS = [name for name in BeneficiaryFields.names() if name != "languages"]


def beneficiary_create(
    *,
    fields: BeneficiaryFields,
    consent_method: str,
    recorded_by: User,
    antenna: Antenna | None = None,
    submission_key: uuid.UUID | None = None,
) -> Beneficiary:
    """Register a person together with their consent: one is never saved without the other.

    Runs in the caller's transaction when there is one (a walk-in registers the person and
    takes the seat in one write). The same filled form sent again raises AlreadySubmitted with
    the person it registered.
    """
    if not consent_method:
        raise ValueError("A person is only registered with their consent.")

    values = {name: value for name, value in fields.values().items() if name != "languages" and value is not None}

    def create() -> Beneficiary:
        beneficiary = Beneficiary(first_antenna=antenna, created_by=recorded_by, **values)
        beneficiary.full_clean()
        beneficiary.save()
        if fields.languages:
            beneficiary.languages.set(fields.languages)
        Consent.objects.create(beneficiary=beneficiary, method=consent_method, recorded_by=recorded_by)
        return beneficiary

    return create_once(key=submission_key, user=recorded_by, create=create)


def beneficiary_duplicates(
    *, user: User, phone: str, first_name: str, last_name: str, birth_year: int | None
) -> QuerySet[Beneficiary]:
    """People the user may see who are likely the same person: same phone, or same names and
    birth year. Shown before registering someone, with the choice to use the existing record."""
    conditions = Q(pk__in=[])
    if phone:
        conditions |= Q(phone=phone)
    if first_name and last_name and birth_year:
        conditions |= Q(first_name__iexact=first_name, last_name__iexact=last_name, birth_year=birth_year)
    return Beneficiary.objects.visible_to(user).filter(conditions).order_by("last_name", "first_name")


# An appointment card's reference without its dash (beneficiaries.people.models.new_reference).
_REFERENCE_LENGTH = 8
# Crockford's reading of a code typed by ear: O is 0, I and L are 1.
_REFERENCE_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _reference(text: str) -> str | None:
    """The reference of an appointment card as stored (XXXX-XXXX) from what was typed, in any
    case, with or without its dash; None when the text cannot be one."""
    compact = re.sub(r"[\s\-]", "", text).upper().translate(_REFERENCE_TYPOS)
    if len(compact) != _REFERENCE_LENGTH or any(character not in REFERENCE_ALPHABET for character in compact):
        return None
    return f"{compact[:4]}-{compact[4:]}"


def _search_conditions(text: str, phone: str) -> list[Condition]:
    """What a search looks for: part of a phone number when the text is one (no one's name is
    made of digits), else the words of the names; and the full number `phone`."""
    conditions = []
    if (by_phone := phone_part_condition(text)) is not None:
        conditions.append(by_phone)
    elif words := search_words(text):
        conditions.append(name_condition(words, vendor=connections[Beneficiary.objects.db].vendor))
    if phone:
        conditions.append(Condition(Q(phone=phone), indexed=True))
    return conditions


def beneficiary_search(*, user: User, text: str, phone: str = "") -> QuerySet[Beneficiary]:
    """People the user may see who match a search, for finding someone who comes back.

    The text finds them by their names (every word in the first or last name, in any order,
    whatever the accents and case), by part of their phone number written any way, or by the
    reference of an appointment card among the referrals the user may see. `phone`, a full
    number in the E.164 form, finds them by their phone too.

    On PostgreSQL the names and the phone are looked up through their trigram indexes
    (beneficiaries/people/search.py): the query reads the people who match, never every person.
    """
    conditions = _search_conditions(text, phone)
    if not conditions:
        return Beneficiary.objects.none()
    # When an index finds the people of every condition, each of those few is checked (the
    # people the user may see are not listed); when a condition has no index, it is only tested
    # on the people the user may see.
    people = Beneficiary.objects.visible_to(user, per_person=all(condition.indexed for condition in conditions))
    matching = Q(pk__in=[])
    for condition in conditions:
        matching |= condition.q
    if (reference := _reference(text)) is not None:
        # The card's person joins the people found through a union: a subquery among the OR's
        # conditions would keep PostgreSQL from combining the indexes, and make it read everyone.
        sheets = LiaisonSheet.objects.visible_to(user, per_person=True).filter(reference=reference)
        found = Beneficiary.objects.filter(matching).order_by().values("pk")
        people = people.filter(pk__in=found.union(sheets.order_by().values("beneficiary_id")))
    else:
        people = people.filter(matching)
    return people.order_by("last_name", "first_name", "pk")


@dataclasses.dataclass(frozen=True, kw_only=True)
class LiaisonSheetFields(ModelFields):
    """What a referrer writes on a liaison sheet besides its needs and antennas, as the form
    gives it; each default is the model's."""

    detail: str = ""
    deadline: datetime.date | None = None
    language: Language | None = None
    interpreter_needed: bool = False
    accessibility_needs: str = ""
    preferred_department: str = ""


def liaison_sheet_send(
    *,
    beneficiary: Beneficiary,
    referrer: User,
    fields: LiaisonSheetFields,
    needs: Iterable[Topic],
    antennas: Iterable[Antenna] = (),
    submission_key: uuid.UUID | None = None,
) -> LiaisonSheet:
    """A referrer sends a liaison sheet for a person they may see, on behalf of their organization.

    The same filled form sent again raises AlreadySubmitted with the sheet it sent.
    """
    profile = Referrer.objects.filter(user=referrer, is_active=True).select_related("organization").first()
    if profile is None:
        raise PermissionDenied
    needs = list(needs)
    if not needs:
        raise ValidationError({"needs": gettext("Give at least one need.")})

    def create() -> LiaisonSheet:
        sheet = LiaisonSheet(
            beneficiary=beneficiary, referrer=referrer, organization=profile.organization, **fields.values()
        )
        sheet.full_clean()
        sheet.save()
        sheet.needs.set(needs)
        sheet.preferred_antennas.set(antennas)
        LiaisonSheetEvent.objects.create(sheet=sheet, status=SheetStatus.SENT, created_by=referrer)
        return sheet

    return create_once(key=submission_key, user=referrer, create=create)


def liaison_sheet_transition(
    *, sheet: LiaisonSheet, status: str, by: User | None, note: str = "", notify: bool = True, locked: bool = False
) -> bool:
    """Move a sheet to a new status, record who and when, and e-mail the referrer after commit
    (unless `notify` is False: a cancelled appointment is told to them by its own message).

    `locked`: the caller's transaction already holds the sheet's row lock and read it then, with
    its person and referrer; otherwise it is locked and read here.

    Returns False, changing nothing, when the sheet's current status does not lead there (for
    instance a finished sheet): callers from the desk must never fail because of a referral.
    """
    with transaction.atomic():
        if not locked:
            # The person and the referrer come along for the e-mail sent after commit.
            sheet = (
                LiaisonSheet.objects.select_for_update(of=("self",))
                .select_related("beneficiary", "referrer")
                .get(pk=sheet.pk)
            )
        if status not in SHEET_TRANSITIONS[sheet.status]:
            return False
        sheet.status = status
        fields = ["status", "updated_at"]
        if status in (SheetStatus.CLOSED, SheetStatus.REDIRECTED, SheetStatus.SEEN) and note:
            sheet.outcome = note[:500]
            fields.append("outcome")
        sheet.save(update_fields=fields)
        event = LiaisonSheetEvent.objects.create(sheet=sheet, status=status, created_by=by, note=note[:500])
        # The e-mail is the task worker's job, queued only once the change is committed.
        if notify:
            transaction.on_commit(lambda: liaison_sheet_notify_email.enqueue(event_id=event.pk))
    return True
