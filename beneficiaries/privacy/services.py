"""The people's rights over their data: retention, anonymisation, erasure on request, consent
withdrawal and the subject-access export.

One anonymisation serves the daily retention run, an erasure asked by the person and the
withdrawal of their consent. It keeps the person's row and every link to it, so the figures (people
helped, new and returning people, sessions, topics, durations, outcomes…) are the same before and
after; only what identifies or describes the person in words goes.
"""

import dataclasses
import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from beneficiaries.people.models import Beneficiary, Consent, LiaisonSheet, LiaisonSheetEvent
from beneficiaries.people.permissions import can_export
from beneficiaries.people.services import BENEFICIARY_FIELDS
from inclusion.core.models import AccessLog, User
from inclusion.core.services import access_log_record
from sessions_app.bookings.models import Booking
from sessions_app.bookings.services import person_bookings_cancel
from sessions_app.desk.models import SessionLog


class ErasureReason:
    """Why a person was anonymised, as kept in the access log."""

    RETENTION = "retention"
    REQUEST = "request"
    CONSENT_WITHDRAWN = "consent_withdrawn"


# What an anonymisation empties. Everything else (age bracket, gender, social status, French
# level, equipment, first antenna, dates, statuses, topics, durations, outcomes) stays for the
# statistics.
PERSON_CLEARED = {
    "first_name": "",
    "last_name": "",
    "phone": "",
    "has_no_phone": False,
    "email": "",
    "birth_year": None,
    "postcode": "",
    "commune": "",
}
SHEET_CLEARED = {"detail": "", "accessibility_needs": "", "outcome": ""}
SESSION_LOG_CLEARED = {"next_step": "", "summary": "", "private_note": ""}

# Told on the confirmation pages, in the words of the people who read them out to the person.
ERASED_DESCRIPTION = [
    gettext_lazy("first name and last name"),
    gettext_lazy("phone number and e-mail address"),
    gettext_lazy("birth year, postcode and commune"),
    gettext_lazy("languages spoken"),
    gettext_lazy("what was written in the liaison sheets: detail, accessibility needs, outcome, notes"),
    gettext_lazy("what was written about the sessions: next step, summary, note for the team"),
    gettext_lazy("the appointments still ahead, which are cancelled"),
]
KEPT_DESCRIPTION = [
    gettext_lazy("the number of sessions and appointments, their dates and antennas"),
    gettext_lazy("topics, durations, autonomy, outcomes and redirections"),
    gettext_lazy("age bracket, gender, social status, French level and equipment, without a name"),
    gettext_lazy("the dates the consent was given and withdrawn"),
    gettext_lazy("the record of who looked at or changed the data, without names"),
]


@dataclasses.dataclass(frozen=True)
class Anonymisation:
    """What one anonymisation changed, counted, for the confirmation message and the log."""

    person_id: int
    sheets: int
    sheet_events: int
    bookings: int
    bookings_cancelled: int
    session_logs: int

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def retention_cutoff(*, now: datetime.datetime | None = None, months: int | None = None) -> datetime.datetime:
    """The moment before which a person with no activity since is anonymised."""
    months = settings.RETENTION_MONTHS if months is None else months
    return (now or timezone.now()) - relativedelta(months=months)


def beneficiaries_inactive(*, cutoff: datetime.datetime) -> QuerySet[Beneficiary]:
    """People not anonymised yet with no activity since `cutoff`: not registered, edited or
    given consent since; no booking made, held, changed or ahead; no session (alone or in a
    workshop) logged or dated since; no step of any of their referrals since."""
    cutoff_day = timezone.localdate(cutoff)
    person = OuterRef("pk")
    recent_booking = Booking.objects.filter(beneficiary=person).filter(
        Q(created_at__gte=cutoff) | Q(slot__starts_at__gte=cutoff) | Q(cancelled_at__gte=cutoff)
    )
    recent_log = SessionLog.objects.filter(Q(beneficiary=person) | Q(participants=person)).filter(
        Q(date__gte=cutoff_day) | Q(created_at__gte=cutoff)
    )
    recent_sheet = LiaisonSheet.objects.filter(beneficiary=person).filter(
        Q(created_at__gte=cutoff) | Q(updated_at__gte=cutoff)
    )
    recent_event = LiaisonSheetEvent.objects.filter(sheet__beneficiary=person, created_at__gte=cutoff)
    recent_consent = Consent.objects.filter(beneficiary=person).filter(
        Q(given_at__gte=cutoff) | Q(withdrawn_at__gte=cutoff)
    )
    return (
        Beneficiary.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff, updated_at__lt=cutoff)
        .exclude(Exists(recent_booking))
        .exclude(Exists(recent_log))
        .exclude(Exists(recent_sheet))
        .exclude(Exists(recent_event))
        .exclude(Exists(recent_consent))
        .order_by("pk")
    )


def beneficiary_anonymise(*, beneficiary: Beneficiary, by: User | None, reason: str) -> Anonymisation | None:
    """Erase what identifies a person and what was written about them, keep the statistics.

    Names, phone, e-mail, birth year, postcode and commune, languages; the free text of their
    liaison sheets (detail, accessibility needs, outcome, the notes of each step), of their
    bookings (reason for cancelling) and of their individual sessions (next step, summary, private
    note) are emptied. Their appointments still ahead are cancelled so the seats go to others.
    The consents stay as the record of what was agreed. Workshops keep their texts: they are
    about the group. Recorded in the access log by `by` (None: the retention run).

    Returns None, changing nothing, when the person is already anonymised.
    """
    now = timezone.now()
    with transaction.atomic():
        person = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        if person.anonymised_at is not None:
            return None
        # update() leaves updated_at alone: anonymising is not activity.
        Beneficiary.objects.filter(pk=person.pk).update(**PERSON_CLEARED, anonymised_at=now)
        person.languages.clear()
        sheets = LiaisonSheet.objects.filter(beneficiary=person)
        sheet_count = sheets.update(**SHEET_CLEARED)
        event_count = LiaisonSheetEvent.objects.filter(sheet__beneficiary=person).exclude(note="").update(note="")
        bookings = Booking.objects.filter(beneficiary=person)
        cancelled = person_bookings_cancel(beneficiary=person, by=by)
        booking_count = bookings.exclude(cancel_reason="").update(cancel_reason="")
        log_count = SessionLog.objects.filter(beneficiary=person).update(**SESSION_LOG_CLEARED)
        result = Anonymisation(
            person_id=person.pk,
            sheets=sheet_count,
            sheet_events=event_count,
            bookings=booking_count,
            bookings_cancelled=cancelled,
            session_logs=log_count,
        )
        access_log_record(
            user=by,
            action=AccessLog.Action.ERASE,
            subject=person,
            detail={"reason": reason, **result.as_dict()},
        )
    beneficiary.refresh_from_db()
    return result


def consent_withdraw(*, beneficiary: Beneficiary, by: User) -> Anonymisation | None:
    """The person withdraws their consent: it is marked withdrawn, then their data is erased as
    on request. The consent rows stay, as the proof of when it was given and withdrawn."""
    with transaction.atomic():
        Consent.objects.filter(beneficiary=beneficiary, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
        return beneficiary_anonymise(beneficiary=beneficiary, by=by, reason=ErasureReason.CONSENT_WITHDRAWN)


def retention_run(*, apply: bool, months: int | None = None, now: datetime.datetime | None = None) -> list[int]:
    """Anonymise (with apply) or list (without) the people inactive for the retention period.

    Returns the ids concerned. Safe to run as often as wanted: anonymised people are skipped.
    """
    people = list(beneficiaries_inactive(cutoff=retention_cutoff(now=now, months=months)))
    if apply:
        for person in people:
            beneficiary_anonymise(beneficiary=person, by=None, reason=ErasureReason.RETENTION)
    return [person.pk for person in people]


# Withdrawing consent is recorded by whoever may hand over the person's data.
can_withdraw_consent = can_export


def beneficiary_subject_access(*, beneficiary: Beneficiary, reader: User) -> dict[str, Any]:
    """Everything held about one person, for their right of access, in plain JSON types.

    Handed over by `reader`, who never gets more than they may read: the notes for an antenna's
    team are in it only where SessionLog.private_note_readable_by lets the reader read them (an
    admin: all; a coordinator: their antenna's; the referrer: none), and `team_notes_left_out`
    says that some were left out, so the person knows whom else to ask.

    The access log entries about them say when, what and in which role, not the staff's names.
    """
    person = (
        Beneficiary.objects.select_related("first_antenna", "created_by")
        .prefetch_related("languages")
        .get(pk=beneficiary.pk)
    )
    sheets = (
        LiaisonSheet.objects.filter(beneficiary=person)
        .select_related("organization", "language", "referrer")
        .prefetch_related("needs", "preferred_antennas", "events")
        .order_by("created_at")
    )
    bookings = (
        Booking.objects.filter(beneficiary=person)
        .select_related("slot__occurrence__permanence__antenna", "liaison_sheet")
        .order_by("slot__starts_at")
    )
    logs = (
        SessionLog.objects.filter(Q(beneficiary=person) | Q(participants=person))
        .distinct()
        .select_related("antenna")
        .prefetch_related("topics", "vouchers")
        .order_by("date", "created_at")
    )
    accesses = AccessLog.objects.about(person.pk).order_by("created_at", "pk")
    session_logs = [_log_data(log, person, reader) for log in logs]
    choice_fields = {field.name for field in Beneficiary._meta.get_fields() if getattr(field, "choices", None)}
    return {
        "generated_at": timezone.now().isoformat(),
        "person": {
            "id": person.pk,
            # Fields with choices by their label, as the person reads them.
            **{
                name: getattr(person, f"get_{name}_display")() if name in choice_fields else getattr(person, name)
                for name in BENEFICIARY_FIELDS
            },
            "languages": [language.name for language in person.languages.all()],
            "first_met_at": person.first_antenna.name if person.first_antenna else None,
            "registered_on": person.created_at.isoformat(),
            "registered_by": str(person.created_by) if person.created_by else None,
            "anonymised_on": person.anonymised_at.isoformat() if person.anonymised_at else None,
        },
        "consents": [
            {
                "method": consent.get_method_display(),
                "given_on": consent.given_at.isoformat(),
                "purpose": consent.purpose,
                "withdrawn_on": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
            }
            for consent in person.consents.order_by("given_at")
        ],
        "liaison_sheets": [_sheet_data(sheet) for sheet in sheets],
        "bookings": [_booking_data(booking) for booking in bookings],
        "session_logs": [entry for entry, _ in session_logs],
        "team_notes_left_out": any(left_out for _, left_out in session_logs),
        "accesses": [
            {
                "when": access.created_at.isoformat(),
                "action": access.get_action_display(),
                "what": access.get_object_kind_display() or access.what,
                "role": access.role,
            }
            for access in accesses
        ],
    }


def _sheet_data(sheet: LiaisonSheet) -> dict[str, Any]:
    return {
        "reference": sheet.reference,
        "sent_on": sheet.created_at.isoformat(),
        "referrer": str(sheet.referrer),
        "organization": sheet.organization.name,
        "needs": [topic.name for topic in sheet.needs.all()],
        "detail": sheet.detail,
        "deadline": sheet.deadline.isoformat() if sheet.deadline else None,
        "language": sheet.language.name if sheet.language else None,
        "interpreter_needed": sheet.interpreter_needed,
        "accessibility_needs": sheet.accessibility_needs,
        "preferred_department": sheet.preferred_department,
        "preferred_antennas": [antenna.name for antenna in sheet.preferred_antennas.all()],
        "status": sheet.get_status_display(),
        "outcome": sheet.outcome,
        "history": [
            {"when": event.created_at.isoformat(), "status": event.get_status_display(), "note": event.note}
            for event in sheet.events.all()
        ],
    }


def _booking_data(booking: Booking) -> dict[str, Any]:
    return {
        "antenna": booking.slot.occurrence.permanence.antenna.name,
        "starts_at": booking.slot.starts_at.isoformat(),
        "ends_at": booking.slot.ends_at.isoformat(),
        "channel": booking.get_channel_display(),
        "status": booking.get_status_display(),
        "attendance": booking.get_attendance_display(),
        "booked_on": booking.created_at.isoformat(),
        "cancelled_on": booking.cancelled_at.isoformat() if booking.cancelled_at else None,
        "reason_for_cancelling": booking.cancel_reason,
        "liaison_sheet": booking.liaison_sheet.reference if booking.liaison_sheet else None,
    }


def _log_data(log: SessionLog, person: Beneficiary, reader: User) -> tuple[dict[str, Any], bool]:
    """One session as the person's export tells it, and whether its team note was left out
    (told for every individual session the reader may not read, with a note or not, so that
    the flag says nothing of what was written)."""
    data = {
        "date": log.date.isoformat(),
        "antenna": log.antenna.name,
        "workshop": log.is_workshop,
        "duration_minutes": log.duration_minutes,
        "topics": [topic.name for topic in log.topics.all()],
        "autonomy": log.get_autonomy_display(),
        "outcome": log.get_outcome_display(),
        "redirected_to": log.get_redirected_to_display(),
        "vouchers": [voucher.number for voucher in log.vouchers.all()],
    }
    # A workshop's texts are about the group: only an individual session's are the person's.
    own = log.beneficiary_id == person.pk
    data.update({name: getattr(log, name) if own else "" for name in ("next_step", "summary")})
    note_readable = log.private_note_readable_by(reader)
    data["private_note"] = log.private_note if own and note_readable else ""
    return data, own and not note_readable
