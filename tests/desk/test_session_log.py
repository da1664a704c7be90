"""Logging a session from the desk: a followed person, an anonymous one, a workshop, and bad input."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertRedirects

from beneficiaries.people.enums import NOT_GIVEN
from inclusion.core.models import Topic
from sessions_app.bookings.enums import Attendance
from sessions_app.desk.enums import Outcome, RedirectionKind
from sessions_app.desk.models import SessionLog, Voucher
from sessions_app.scheduling.enums import WorkshopLevel
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import SignupFactory, VolunteerProfileFactory

NEXT_STEP = "Revenir avec le courrier de la CAF"


@pytest.fixture
def world():
    antenna = AntennaFactory(name="La Blancarde")
    occurrence = occurrence_today(antenna=antenna)
    slot = occurrence.slots.order_by("starts_at").first()
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    VolunteerProfileFactory(user=volunteer)
    colleague = UserFactory(volunteer=True, membership__antenna=antenna)
    person = BeneficiaryFactory(first_name="Aïcha", last_name="Benali", first_antenna=antenna)
    booking = BookingFactory(slot=slot, beneficiary=person)
    return {
        "antenna": antenna,
        "occurrence": occurrence,
        "slot": slot,
        "volunteer": volunteer,
        "colleague": colleague,
        "person": person,
        "booking": booking,
    }


def _topics(*codes):
    return [Topic.objects.get(code=code).pk for code in codes]


def _data(world, **changes):
    data = {
        "duration": "60",
        "duration_other": "",
        "topics": _topics("email"),
        "autonomy": "guided",
        "equipment": ["used_computer", "used_phone"],
        "outcome": Outcome.DONE,
        "redirected_to": "",
        "next_step": NEXT_STEP,
        "summary": "Adresse e-mail créée",
        "private_note": "Ne pas appeler le matin",
        "vouchers": "",
        "volunteers": [world["volunteer"].pk],
    }
    return {**data, **changes}


def _url(world, **params):
    url = reverse("desk:log_create", args=[world["antenna"].pk])
    if params:
        url += "?" + "&".join(f"{name}={value}" for name, value in params.items())
    return url


def _checked(response, name, value) -> bool:
    html = response.content.decode()
    return any("checked" in tag for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*>', html))


def test_log_from_a_booking_is_prefilled_and_checks_the_person_in(client, world):
    SignupFactory(occurrence=world["occurrence"], volunteer=world["colleague"])
    client.force_login(world["volunteer"])
    url = _url(world, booking=world["booking"].pk)
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.beneficiary == world["person"]
    assert form.fields["duration"].initial == "60"
    assert "date" not in form.fields
    assert "age_bracket" not in form.fields
    assert set(form.fields["volunteers"].initial) == {world["volunteer"].pk, world["colleague"].pk}
    assertContains(response, "Aïcha Benali")

    data = _data(world, topics=_topics("aide_aux_demarches_administratives", "social_sante"), vouchers="A-1\nA-2\n")
    data["volunteers"] = [world["volunteer"].pk, world["colleague"].pk]
    response = client.post(url, data)
    assertRedirects(response, reverse("desk:today", args=[world["antenna"].pk]))
    log = SessionLog.objects.get()
    assert (log.beneficiary, log.booking, log.occurrence) == (world["person"], world["booking"], world["occurrence"])
    assert log.date == world["occurrence"].date
    assert log.duration_minutes == 60
    assert not log.is_workshop
    assert {topic.code for topic in log.topics.all()} == {"aide_aux_demarches_administratives", "social_sante"}
    assert set(log.volunteers.all()) == {world["volunteer"], world["colleague"]}
    assert (log.used_computer, log.used_phone, log.used_tablet) == (True, True, False)
    assert (log.next_step, log.private_note, log.created_by) == (
        NEXT_STEP,
        "Ne pas appeler le matin",
        world["volunteer"],
    )
    assert sorted(log.vouchers.values_list("number", flat=True)) == ["A-1", "A-2"]
    world["booking"].refresh_from_db()
    assert world["booking"].attendance == Attendance.ATTENDED


def test_duration_is_prefilled_from_a_slot_of_another_length(client, world):
    occurrence = occurrence_today(antenna=world["antenna"], start=14, end=16, slot_minutes=50)
    booking = BookingFactory(slot=occurrence.slots.order_by("starts_at").first(), beneficiary=world["person"])
    client.force_login(world["volunteer"])
    form = client.get(_url(world, booking=booking.pk)).context["form"]
    assert (form.fields["duration"].initial, form.fields["duration_other"].initial) == ("other", 50)


def test_the_form_shows_the_last_three_sessions_of_the_person(client, world):
    for days, step in enumerate(["quatrième", "troisième", "deuxième", "première"], start=1):
        SessionLogFactory(
            antenna=world["antenna"],
            beneficiary=world["person"],
            date=timezone.localdate() - datetime.timedelta(days=days),
            next_step=f"Étape {step}",
        )
    SessionLogFactory(antenna=AntennaFactory(), beneficiary=world["person"], next_step="Ailleurs")
    client.force_login(world["volunteer"])
    response = client.get(_url(world, booking=world["booking"].pk))
    assert [log.next_step for log in response.context["previous_logs"]] == [
        "Étape quatrième",
        "Étape troisième",
        "Étape deuxième",
    ]
    assertContains(response, "Étape deuxième")


def test_a_booking_already_logged_opens_its_log(client, world):
    log = SessionLogFactory(antenna=world["antenna"], booking=world["booking"], beneficiary=world["person"])
    client.force_login(world["volunteer"])
    response = client.get(_url(world, booking=world["booking"].pk))
    assertRedirects(response, reverse("desk:log_detail", args=[log.pk]))


def test_log_an_anonymous_person(client, world):
    client.force_login(world["volunteer"])
    url = _url(world, occurrence=world["occurrence"].pk)
    response = client.get(url)
    assert response.context["form"].beneficiary is None
    data = _data(world, age_bracket="25_39", gender="woman", social_status="", commune="Marseille 4e", duration="30")
    response = client.post(url, data)
    assertRedirects(response, reverse("desk:today", args=[world["antenna"].pk]))
    log = SessionLog.objects.get()
    assert log.beneficiary is None and log.booking is None
    assert log.occurrence == world["occurrence"]
    assert (log.age_bracket, log.gender, log.social_status, log.commune) == (
        "25_39",
        "woman",
        NOT_GIVEN,
        "Marseille 4e",
    )
    assert log.duration_minutes == 30


def test_log_a_session_without_a_date_of_the_schedule(client, world):
    client.force_login(world["volunteer"])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(
        _url(world), _data(world, date=yesterday.isoformat(), duration="other", duration_other="40")
    )
    assertRedirects(response, reverse("desk:today", args=[world["antenna"].pk]))
    log = SessionLog.objects.get()
    assert (log.date, log.occurrence, log.duration_minutes) == (yesterday, None, 40)


def test_log_a_workshop_with_participants_and_anonymous_ones(client, world):
    occurrence = occurrence_today(antenna=world["antenna"], start=14, end=16, workshop=True)
    slot = occurrence.slots.get()
    came, late = BeneficiaryFactory(), BeneficiaryFactory()
    BookingFactory(slot=slot, beneficiary=came, attendance=Attendance.ATTENDED)
    late_booking = BookingFactory(slot=slot, beneficiary=late)
    BookingFactory(slot=slot, beneficiary=None, attendance=Attendance.ATTENDED)
    BookingFactory(slot=slot, beneficiary=BeneficiaryFactory(), status="cancelled")
    client.force_login(world["volunteer"])
    url = _url(world, occurrence=occurrence.pk)
    form = client.get(url).context["form"]
    assert form.is_workshop
    assert set(form.fields["participants"].queryset) == {came, late}
    assert form.fields["participants"].initial == [came.pk]
    assert form.fields["anonymous_participants"].initial == 1
    assert form.fields["duration"].initial == "120"

    response = client.post(
        url, _data(world, duration="120", participants=[came.pk, late.pk], anonymous_participants="3")
    )
    assertRedirects(response, reverse("desk:today", args=[world["antenna"].pk]))
    log = SessionLog.objects.get()
    assert log.is_workshop and log.level == WorkshopLevel.BEGINNER
    assert set(log.participants.all()) == {came, late}
    assert log.anonymous_participants == 3
    assert log.beneficiary is None and log.booking is None
    assert log.people_count == 5
    late_booking.refresh_from_db()
    assert late_booking.attendance == Attendance.ATTENDED


def test_a_workshop_needs_a_participant(client, world):
    occurrence = occurrence_today(antenna=world["antenna"], start=14, end=16, workshop=True)
    client.force_login(world["volunteer"])
    response = client.post(_url(world, occurrence=occurrence.pk), _data(world, anonymous_participants="0"))
    assert response.status_code == 200
    assert response.context["form"].has_error("participants")
    assert not SessionLog.objects.exists()


def _refused(client, world, data, field, **params):
    """The form comes back with an error on the field and what was typed, and nothing is saved."""
    client.force_login(world["volunteer"])
    logs, vouchers = SessionLog.objects.count(), Voucher.objects.count()
    response = client.post(_url(world, **(params or {"booking": world["booking"].pk})), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error(field) if field else form.non_field_errors(), form.errors
    assertContains(response, f'value="{NEXT_STEP}"')
    assertContains(response, "Ne pas appeler le matin")
    assert _checked(response, "volunteers", world["volunteer"].pk)
    assert (SessionLog.objects.count(), Voucher.objects.count()) == (logs, vouchers)
    world["booking"].refresh_from_db()
    assert world["booking"].attendance == Attendance.EXPECTED
    return response


def test_a_sub_theme_ticked_alone_brings_its_theme(client, world):
    client.force_login(world["volunteer"])
    client.post(_url(world, booking=world["booking"].pk), _data(world, topics=_topics("email", "logement")))
    log = SessionLog.objects.get()
    assert set(log.topics.values_list("code", flat=True)) == {
        "email",
        "logement",
        "aide_aux_demarches_administratives",
    }


def test_no_topic_is_refused(client, world):
    _refused(client, world, _data(world, topics=[]), "topics")


def test_an_inactive_topic_is_refused(client, world):
    Topic.objects.filter(code="email").update(is_active=False)
    _refused(client, world, _data(world), "topics")


@pytest.mark.parametrize(
    ("duration", "other", "field"),
    [
        ("other", "481", "duration_other"),
        ("other", "600", "duration_other"),
        ("other", "-15", "duration_other"),
        ("other", "0", "duration_other"),
        ("other", "abc", "duration_other"),
        ("other", "", "duration_other"),
        ("", "", "duration"),
        ("75", "", "duration"),
    ],
)
def test_a_bad_duration_is_refused(client, world, duration, other, field):
    response = _refused(client, world, _data(world, duration=duration, duration_other=other), field)
    if other:
        assertContains(response, f'value="{other}"')


def test_eight_hours_is_the_longest_session(client, world):
    client.force_login(world["volunteer"])
    client.post(_url(world, booking=world["booking"].pk), _data(world, duration="other", duration_other="480"))
    assert SessionLog.objects.get().duration_minutes == 480


def test_the_same_voucher_twice_in_the_form_is_refused(client, world):
    response = _refused(client, world, _data(world, vouchers="APTIC-1\nAPTIC-2\n APTIC-1 "), "vouchers")
    assertContains(response, "APTIC-2")


def test_a_voucher_already_recorded_is_refused(client, world):
    SessionLogFactory(antenna=AntennaFactory()).vouchers.create(number="APTIC-9")
    response = _refused(client, world, _data(world, vouchers="APTIC-8\nAPTIC-9"), "vouchers")
    assertContains(response, "APTIC-8")


def test_redirection_goes_with_the_redirected_outcome(client, world):
    _refused(client, world, _data(world, outcome=Outcome.REDIRECTED), "redirected_to")
    _refused(client, world, _data(world, redirected_to=RedirectionKind.TOWN_HALL), "redirected_to")
    client.post(
        _url(world, booking=world["booking"].pk),
        _data(world, outcome=Outcome.REDIRECTED, redirected_to=RedirectionKind.TOWN_HALL),
    )
    assert SessionLog.objects.get().redirected_to == RedirectionKind.TOWN_HALL


def test_a_date_in_the_future_is_refused(client, world):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    _refused(client, world, _data(world, date=tomorrow.isoformat()), "date", occurrence="")


def test_a_date_of_the_schedule_still_ahead_cannot_be_logged(client, world):
    later = occurrence_today(antenna=world["antenna"], day=timezone.localdate() + datetime.timedelta(days=2))
    _refused(client, world, _data(world), None, occurrence=later.pk)


def test_someone_who_is_not_a_member_cannot_be_named_a_volunteer(client, world):
    outsider = UserFactory(volunteer=True)
    _refused(client, world, _data(world, volunteers=[world["volunteer"].pk, outsider.pk]), "volunteers")


def test_a_booking_or_a_date_of_another_antenna_is_a_404(client, world):
    elsewhere = occurrence_today(antenna=AntennaFactory())
    booking = BookingFactory(slot=elsewhere.slots.first(), beneficiary=BeneficiaryFactory())
    client.force_login(world["volunteer"])
    assert client.get(_url(world, booking=booking.pk)).status_code == 404
    assert client.get(_url(world, occurrence=elsewhere.pk)).status_code == 404
    assert client.post(_url(world, booking=booking.pk), _data(world)).status_code == 404
    assert client.get(_url(world, booking="abc")).status_code == 404
    assert not SessionLog.objects.exists()


@pytest.mark.parametrize("value", ["²", "٣", "9" * 5_000, "9" * 20])
def test_a_booking_or_a_date_that_cannot_be_an_id_is_a_404(client, world, value):
    client.force_login(world["volunteer"])
    assert client.get(_url(world, booking=value)).status_code == 404
    assert client.get(_url(world, occurrence=value)).status_code == 404
