"""Demo referrals from the Mérignac social worker, at every step of their life.

Idempotent: a person is found by name before being registered, and a referral is only sent
once per person. The people are invented.
"""

import datetime

from django.utils import timezone

from beneficiaries.people.enums import ConsentMethod, FrenchLevel, SheetStatus
from beneficiaries.people.models import Beneficiary, LiaisonSheet
from beneficiaries.people.services import (
    BeneficiaryFields,
    LiaisonSheetFields,
    beneficiary_create,
    liaison_sheet_send,
    liaison_sheet_transition,
)
from inclusion.core.models import Antenna, Language, Topic, User
from sessions_app.bookings.enums import Attendance, BookingChannel
from sessions_app.bookings.services import booking_create, booking_set_attendance, referral_book
from sessions_app.desk.enums import Autonomy, Outcome
from sessions_app.desk.services import SessionLogFields, session_log_create
from sessions_app.planning.services import occurrence_add
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Occurrence, Permanence, Slot

REFERRALS = [
    # first name, last name, phone, birth year, language, needs, detail, deadline in days, what happens
    (
        "Nour",
        "Haddad",
        "+33535350101",
        1985,
        "ar",
        ["email", "aide_aux_demarches_administratives", "famille_scolarite"],
        "Créer une adresse e-mail puis déclarer ses ressources trimestrielles à la CAF.",
        10,
        "booked",
    ),
    (
        "Marie-Claire",
        "Dupuis",
        "",
        1956,
        "fr",
        ["prendre_en_main_du_materiel"],
        "Vient d'avoir un ordinateur de sa fille ; ne sait pas s'en servir.",
        None,
        "sent",
    ),
    (
        "Karine",
        "Lopez",
        "+33535350103",
        1990,
        "es",
        ["aide_aux_demarches_administratives", "travail_formation_entreprise"],
        "Actualisation France Travail et dépôt de CV.",
        None,
        "seen",
    ),
    (
        "Jean",
        "Moreau",
        "+33535350104",
        1968,
        "fr",
        ["aide_aux_demarches_administratives", "argent_impots"],
        "Déclaration de revenus en ligne.",
        None,
        "no_show",
    ),
]


def demo_load() -> dict[str, int]:
    """Send the demo referrals and walk each one to its status (booked, seen, did not come…)."""
    referrer = User.objects.get(email="travailleur.social@demo.test")
    volunteer = User.objects.get(email="benevole@demo.test")
    blancarde = Antenna.objects.get(name="La Blancarde")
    topics = {topic.code: topic for topic in Topic.objects.all()}
    for first_name, last_name, phone, birth_year, language, needs, detail, deadline, fate in REFERRALS:
        person = Beneficiary.objects.filter(first_name=first_name, last_name=last_name).first()
        if person is None:
            person = beneficiary_create(
                fields=BeneficiaryFields(
                    first_name=first_name,
                    last_name=last_name,
                    phone=phone,
                    has_no_phone=not phone,
                    birth_year=birth_year,
                    postcode="33700",
                    commune="Mérignac",
                    french_level=FrenchLevel.BEGINNER if language != "fr" else FrenchLevel.FLUENT,
                    languages=list(Language.objects.filter(code__in={language, "fr"})),
                ),
                consent_method=ConsentMethod.PAPER,
                recorded_by=referrer,
            )
        if LiaisonSheet.objects.filter(beneficiary=person, referrer=referrer).exists():
            continue
        sheet = liaison_sheet_send(
            beneficiary=person,
            referrer=referrer,
            fields=LiaisonSheetFields(
                detail=detail,
                deadline=timezone.localdate() + datetime.timedelta(days=deadline) if deadline else None,
                language=Language.objects.get(code=language),
                interpreter_needed=language == "ar",
            ),
            needs=[topics[code] for code in needs],
        )
        if fate == "booked":
            slot = _next_free_slot(blancarde)
            if slot is not None:
                referral_book(sheet=sheet, slot=slot, by=referrer)
        elif fate in ("seen", "no_show"):
            _past_appointment(sheet, blancarde, referrer, volunteer, seen=fate == "seen")
    return {"referrals": LiaisonSheet.objects.filter(referrer=referrer).count()}


def _next_free_slot(antenna: Antenna) -> Slot | None:
    occurrence = (
        Occurrence.objects.filter(
            permanence__antenna=antenna, status=OccurrenceStatus.SCHEDULED, starts_at__gt=timezone.now()
        )
        .order_by("starts_at")
        .first()
    )
    if occurrence is None:
        return None
    for slot in occurrence.slots.all():
        if slot.bookings.active().count() < slot.seats:
            return slot
    return None


def _past_appointment(sheet: LiaisonSheet, antenna: Antenna, referrer: User, volunteer: User, *, seen: bool) -> None:
    """A date two weeks ago at the antenna, booked for the person, then logged or missed."""
    permanence = Permanence.objects.filter(antenna=antenna).earliest("pk")
    day = timezone.localdate() - datetime.timedelta(days=14)
    occurrence = Occurrence.objects.filter(permanence=permanence, date=day).first() or occurrence_add(
        permanence=permanence, day=day, start=permanence.start_time, end=permanence.end_time
    )
    # The booking service refuses a slot that is over unless the person is there: book them as
    # come, then record what happened.
    booking = booking_create(
        slot=occurrence.slots.earliest("starts_at"),
        beneficiary=sheet.beneficiary,
        channel=BookingChannel.REFERRAL,
        by=referrer,
        attended=True,
        liaison_sheet=sheet,
    )
    liaison_sheet_transition(sheet=sheet, status=SheetStatus.BOOKED, by=referrer)
    if seen:
        session_log_create(
            antenna=antenna,
            fields=SessionLogFields(
                date=day,
                occurrence=occurrence,
                booking=booking,
                beneficiary=sheet.beneficiary,
                duration_minutes=60,
                autonomy=Autonomy.PARTLY,
                used_computer=True,
                outcome=Outcome.DONE,
                summary="Actualisation faite ; CV déposé sur le site de France Travail.",
                private_note="A besoin d'être rassurée sur les mots de passe.",
            ),
            volunteers=[volunteer],
            topics=list(sheet.needs.all()),
            by=volunteer,
        )
    else:
        booking_set_attendance(booking=booking, attendance=Attendance.NO_SHOW, by=volunteer)
