"""Every write to the people helped and their consent goes through these functions."""

import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from inclusion.models import Antenna, Referrer, User
from inclusion.submissions import create_once
from sessions_app.enums import BookingChannel, BookingStatus
from sessions_app.models import Booking, Slot, Topic
from sessions_app.services import BookingRefused, booking_create

from .enums import SHEET_TRANSITIONS, SheetStatus
from .models import Beneficiary, Consent, LiaisonSheet, LiaisonSheetEvent

BENEFICIARY_FIELDS = [
    "first_name",
    "last_name",
    "phone",
    "has_no_phone",
    "email",
    "birth_year",
    "postcode",
    "commune",
    "age_bracket",
    "gender",
    "social_status",
    "french_level",
    "has_email_address",
    "has_smartphone",
    "has_computer",
    "has_internet",
]


def beneficiary_create(
    *,
    data: dict[str, Any],
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

    def create() -> Beneficiary:
        beneficiary = Beneficiary(
            first_antenna=antenna,
            created_by=recorded_by,
            **{name: data[name] for name in BENEFICIARY_FIELDS if name in data and data[name] is not None},
        )
        beneficiary.full_clean()
        beneficiary.save()
        if data.get("languages"):
            beneficiary.languages.set(data["languages"])
        Consent.objects.create(beneficiary=beneficiary, method=consent_method, recorded_by=recorded_by)
        return beneficiary

    return create_once(key=submission_key, user=recorded_by, create=create)


def beneficiary_duplicates(*, user: User, phone: str, first_name: str, last_name: str, birth_year: int | None):
    """People the user may see who are likely the same person: same phone, or same names and
    birth year. Shown before registering someone, with the choice to use the existing record."""
    conditions = Q(pk__in=[])
    if phone:
        conditions |= Q(phone=phone)
    if first_name and last_name and birth_year:
        conditions |= Q(first_name__iexact=first_name, last_name__iexact=last_name, birth_year=birth_year)
    return Beneficiary.objects.visible_to(user).filter(conditions).order_by("last_name", "first_name")


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


def liaison_sheet_send(
    *,
    beneficiary: Beneficiary,
    referrer: User,
    data: dict[str, Any],
    needs: Iterable[Topic],
    antennas=(),
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
        sheet = LiaisonSheet(beneficiary=beneficiary, referrer=referrer, organization=profile.organization)
        for name in SHEET_FIELDS:
            if name in data:
                setattr(sheet, name, data[name])
        sheet.full_clean()
        sheet.save()
        sheet.needs.set(needs)
        sheet.preferred_antennas.set(antennas)
        LiaisonSheetEvent.objects.create(sheet=sheet, status=SheetStatus.SENT, created_by=referrer)
        return sheet

    return create_once(key=submission_key, user=referrer, create=create)


SHEET_FIELDS = [
    "detail",
    "deadline",
    "language",
    "interpreter_needed",
    "accessibility_needs",
    "preferred_department",
]


def liaison_sheet_transition(*, sheet: LiaisonSheet, status: str, by: User | None, note: str = "") -> bool:
    """Move a sheet to a new status, record who and when, and e-mail the referrer after commit.

    Returns False, changing nothing, when the sheet's current status does not lead there (for
    instance a finished sheet): callers from the desk must never fail because of a referral.
    """
    from .tasks import liaison_sheet_notify_email  # the tasks module calls back into this one

    with transaction.atomic():
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
        transaction.on_commit(lambda: liaison_sheet_notify_email.enqueue(event_id=event.pk))
    return True


def liaison_sheet_notify(*, event: LiaisonSheetEvent) -> None:
    """Tell the referrer what became of their referral. Never the volunteers' private notes.

    Run by the task worker (beneficiaries.tasks.liaison_sheet_notify_email), never in a request.
    """
    sheet = event.sheet
    context = {
        "sheet": sheet,
        "event": event,
        "person": f"{sheet.beneficiary.first_name} {sheet.beneficiary.last_name[:1]}.".strip(),
        "link": settings.SITE_URL.rstrip("/") + reverse("beneficiaries:sheet_detail", args=[sheet.pk]),
    }
    with override(settings.LANGUAGE_CODE):
        subject = render_to_string("beneficiaries/email/sheet_status_subject.txt", context).strip()
        body = render_to_string("beneficiaries/email/sheet_status.txt", context)
    send_mail(subject, body, None, [sheet.referrer.email])


def referral_book(*, sheet: LiaisonSheet, slot: Slot, by: User) -> Booking:
    """Book a slot for a referred person, and move their sheet to "booked", in one transaction.

    The sheet is locked first, so two bookings for one sheet at the same instant queue and the
    second finds it booked; the seat comes from the one booking service (the slot's lock) in
    the same transaction, and a constraint allows one appointment ahead per sheet whatever
    happens. A refusal (slot just filled, cancelled date, sheet already booked) raises
    BookingRefused and leaves both the seat and the sheet as they were.
    """
    with transaction.atomic():
        sheet = LiaisonSheet.objects.select_for_update(of=("self",)).select_related("beneficiary").get(pk=sheet.pk)
        if SheetStatus.BOOKED not in SHEET_TRANSITIONS[sheet.status]:
            raise BookingRefused(gettext("This referral is finished or already booked: it cannot be booked again."))
        booking = booking_create(
            slot=slot, beneficiary=sheet.beneficiary, channel=BookingChannel.REFERRAL, by=by, liaison_sheet=sheet
        )
        liaison_sheet_transition(sheet=sheet, status=SheetStatus.BOOKED, by=by)
    return booking


def referral_booking_cancel(*, booking: Booking, by: User, reason: str = "") -> None:
    """Cancel a referred person's appointment; their sheet goes back to "to book" to rebook it."""
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != BookingStatus.ACTIVE:
            return
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.cancel_reason = reason
        booking.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        if booking.liaison_sheet_id:
            liaison_sheet_transition(sheet=booking.liaison_sheet, status=SheetStatus.SENT, by=by, note=reason)


def liaison_sheet_cancel(*, sheet: LiaisonSheet, by: User, note: str = "") -> bool:
    """The referrer withdraws a referral: its appointments ahead are cancelled too, so their
    seats go back to others, and the referrer is told once (cancelled), not once per step."""
    reason = note[: Booking._meta.get_field("cancel_reason").max_length]
    with transaction.atomic():
        if not liaison_sheet_transition(sheet=sheet, status=SheetStatus.CANCELLED, by=by, note=note):
            return False
        sheet.bookings.active().filter(slot__ends_at__gt=timezone.now()).update(
            status=BookingStatus.CANCELLED, cancelled_at=timezone.now(), cancel_reason=reason
        )
    return True
