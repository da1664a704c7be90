"""Demo volunteers, rota, people helped and past sessions at La Blancarde.

Idempotent like the rest of the demo: rows are found by natural keys before being created.
The people helped are invented; their consent is recorded as oral, as at the desk.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from beneficiaries.people.enums import AgeBracket, ConsentMethod, Gender, SocialStatus
from beneficiaries.people.models import Beneficiary
from beneficiaries.people.services import BeneficiaryFields, beneficiary_create
from inclusion.core.models import Antenna, Language, Topic, User
from sessions_app.bookings.enums import BookingChannel, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.bookings.services import booking_create
from sessions_app.desk.enums import Autonomy, Outcome
from sessions_app.desk.models import SessionLog
from sessions_app.desk.services import SessionLogFields, session_log_create
from sessions_app.planning.services import occurrence_add
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Occurrence, Permanence
from volunteers.team.models import Signup, VolunteerProfile

CHARTER_SIGNED_ON = datetime.date(2026, 4, 7)

# La Blancarde's group: mostly French and Arabic speakers, one Comorian speaker.
PROFILES = {
    "coordination@demo.test": (["fr"], ["aide_aux_demarches_administratives"], "Le mardi matin."),
    "benevole@demo.test": (["fr", "ar"], ["email", "aide_aux_demarches_administratives"], "Tous les mardis."),
    "karima.benevole@demo.test": (["fr", "ar"], ["prendre_en_main_du_materiel"], "Un mardi sur deux."),
    "jean-pierre.benevole@demo.test": (["fr", "en"], ["bureautique", "insertion_professionnelle"], ""),
    "nadia.benevole@demo.test": (["fr", "zdj", "ar"], ["sante", "social_sante"], "Hors vacances scolaires."),
    "mehdi.benevole@demo.test": (["fr", "ar", "kab"], ["securite_numerique"], ""),
    "sylvie.benevole@demo.test": (["fr", "en", "es"], ["navigation_sur_internet"], ""),
    "paul.benevole@demo.test": (["fr"], ["maintenance_de_materiel"], "Disponible ponctuellement."),
}

PEOPLE = [
    # first name, last name, phone, birth year, age bracket, gender, social status
    ("Fatima", "Benali", "+33465710101", 1981, AgeBracket.FROM_40_TO_59, Gender.WOMAN, SocialStatus.JOBSEEKER),
    ("Said", "Ahamada", "+33465710102", 1979, AgeBracket.FROM_40_TO_59, Gender.MAN, SocialStatus.EMPLOYED),
    ("Ginette", "Roux", "", 1948, AgeBracket.OVER_70, Gender.WOMAN, SocialStatus.RETIRED),
]

PAST_SESSIONS = [
    # weeks ago, person index, topics, outcome, next step, summary
    (3, 0, ["email"], Outcome.DONE, "", "Adresse e-mail créée et notée dans son carnet."),
    (
        2,
        0,
        ["aide_aux_demarches_administratives", "social_sante"],
        Outcome.TO_CONTINUE,
        "Terminer la demande de complémentaire santé solidaire",
        "Compte ameli créé ; demande commencée.",
    ),
    (2, 1, ["prendre_en_main_du_materiel"], Outcome.PARTLY_DONE, "Revoir le copier-coller", ""),
    (
        1,
        2,
        ["aide_aux_demarches_administratives", "argent_impots"],
        Outcome.REDIRECTED,
        "",
        "Orientée vers France Services.",
    ),
]


def demo_load() -> dict[str, int]:
    """Profiles and rota, people helped with their consent, past sessions and one booking."""
    antenna = Antenna.objects.get(name="La Blancarde")
    coordinator = User.objects.get(email="coordination@demo.test")
    with transaction.atomic():
        _profiles()
        people = _people(antenna, coordinator)
        _rota(antenna)
        logs = _past_sessions(antenna, people)
    # Bookings go through the booking service, which runs its own transaction.
    _next_booking(antenna, people[1], coordinator)
    return {"volunteer profiles": len(PROFILES), "people helped": len(people), "past sessions": logs}


def _profiles() -> None:
    languages = {language.code: language for language in Language.objects.all()}
    topics = {topic.code: topic for topic in Topic.objects.all()}
    for email, (codes, skills, availability) in PROFILES.items():
        profile, _created = VolunteerProfile.objects.update_or_create(
            user=User.objects.get(email=email),
            defaults={"charter_signed_on": CHARTER_SIGNED_ON, "availability_notes": availability},
        )
        profile.languages.set([languages[code] for code in codes])
        profile.skills.set([topics[code] for code in skills])


def _people(antenna: Antenna, coordinator: User) -> list[Beneficiary]:
    people = []
    for first_name, last_name, phone, birth_year, age, gender, status in PEOPLE:
        person = Beneficiary.objects.filter(first_name=first_name, last_name=last_name).first()
        if person is None:
            person = beneficiary_create(
                fields=BeneficiaryFields(
                    first_name=first_name,
                    last_name=last_name,
                    phone=phone,
                    birth_year=birth_year,
                    commune="Marseille",
                    postcode="13004",
                    age_bracket=age,
                    gender=gender,
                    social_status=status,
                ),
                consent_method=ConsentMethod.ORAL,
                recorded_by=coordinator,
                antenna=antenna,
            )
        people.append(person)
    return people


def _upcoming(antenna: Antenna) -> list[Occurrence]:
    # Dates of the series only: the one-off date of tomorrow_demo_load keeps its own rota.
    return list(
        Occurrence.objects.filter(
            permanence__antenna=antenna,
            status=OccurrenceStatus.SCHEDULED,
            ends_at__gt=timezone.now(),
            is_one_off=False,
        ).order_by("starts_at")[:3]
    )


def _rota(antenna: Antenna) -> None:
    # Two volunteers on the next date, one on the following, none on the third: the coordinator
    # sees it flagged as short of volunteers.
    plan = [["benevole@demo.test", "karima.benevole@demo.test"], ["nadia.benevole@demo.test"], []]
    for occurrence, emails in zip(_upcoming(antenna), plan, strict=False):
        for email in emails:
            volunteer = User.objects.get(email=email)
            Signup.objects.get_or_create(
                occurrence=occurrence, volunteer=volunteer, defaults={"created_by": volunteer}
            )


def _past_sessions(antenna: Antenna, people: list[Beneficiary]) -> int:
    volunteer = User.objects.get(email="benevole@demo.test")
    today = timezone.localdate()
    last_tuesday = today - datetime.timedelta(days=(today.weekday() - 1) % 7 or 7)
    for weeks_ago, person_index, topic_codes, outcome, next_step, summary in PAST_SESSIONS:
        day = last_tuesday - datetime.timedelta(weeks=weeks_ago - 1)
        person = people[person_index]
        if SessionLog.objects.filter(antenna=antenna, beneficiary=person, date=day).exists():
            continue
        session_log_create(
            antenna=antenna,
            fields=SessionLogFields(
                date=day,
                beneficiary=person,
                duration_minutes=60,
                autonomy=Autonomy.GUIDED,
                used_computer=True,
                outcome=outcome,
                redirected_to="france_services" if outcome == Outcome.REDIRECTED else "",
                next_step=next_step,
                summary=summary,
            ),
            volunteers=[volunteer],
            topics=Topic.objects.filter(code__in=topic_codes),
            by=volunteer,
        )
    return len(PAST_SESSIONS)


def _next_booking(antenna: Antenna, person: Beneficiary, coordinator: User) -> None:
    upcoming = _upcoming(antenna)
    if not upcoming:
        return
    slot = upcoming[0].slots.earliest("starts_at")
    if (
        Booking.objects.filter(beneficiary=person, slot__occurrence__permanence__antenna=antenna)
        .filter(status=BookingStatus.ACTIVE, slot__ends_at__gt=timezone.now())
        .exists()
    ):
        return
    booking_create(slot=slot, beneficiary=person, channel=BookingChannel.PHONE, by=coordinator)


def tomorrow_demo_load() -> dict[str, int]:
    """An afternoon date tomorrow at La Blancarde, whatever today is, with Fatima booked (she has
    a phone) and Antoine on the rota: `manage.py send_reminders --send-now` then has reminders
    to send. Loaded last, so the other demo bookings and rota stay on the series' dates."""
    antenna = Antenna.objects.get(name="La Blancarde")
    permanence = Permanence.objects.get(antenna=antenna, title="Fracture numérique")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    start, end = datetime.time(14), datetime.time(15)
    occurrence: Occurrence | None = Occurrence.objects.filter(
        permanence=permanence, date=tomorrow, is_one_off=True
    ).first()
    if occurrence is None:
        occurrence = occurrence_add(permanence=permanence, day=tomorrow, start=start, end=end)
    volunteer = User.objects.get(email="benevole@demo.test")
    Signup.objects.get_or_create(occurrence=occurrence, volunteer=volunteer, defaults={"created_by": volunteer})
    person = Beneficiary.objects.get(first_name="Fatima", last_name="Benali")
    slot = occurrence.slots.earliest("starts_at")
    if not slot.bookings.active().filter(beneficiary=person).exists():
        booking_create(
            slot=slot,
            beneficiary=person,
            channel=BookingChannel.PHONE,
            by=User.objects.get(email="coordination@demo.test"),
        )
    return {"dates tomorrow": 1}
