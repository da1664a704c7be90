"""The permanence form: each field shows for the kind and rule it applies to (the show and hide
itself is the browser's, tests/e2e/test_permanence_form.py), and the server ignores the fields
that do not apply, whatever they hold; a permanence identical to a current one is refused."""

import datetime
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertRedirects

from sessions_app.planning import services
from sessions_app.scheduling.enums import Frequency, PermanenceKind, Weekday, WorkshopLevel
from sessions_app.scheduling.models import Permanence
from tests.concurrency import at_once
from tests.core.factories import AntennaFactory, UserFactory
from tests.scheduling.factories import PermanenceFactory

TODAY = timezone.localdate()


@pytest.fixture
def antenna():
    return AntennaFactory(name="La Blancarde", workstations=2)


@pytest.fixture
def coordinator(client, antenna):
    user = UserFactory(coordinator=True, membership__antenna=antenna)
    client.force_login(user)
    return user


def _data(**changes):
    data = {
        "title": "Accueil numérique",
        "kind": "drop_in",
        "level": "",
        "frequency": "weekly",
        "interval_weeks": "1",
        "weekday": str(Weekday.TUESDAY),
        "monthly_position": "",
        "start_time": "09:00",
        "end_time": "10:00",
        "slot_minutes": "60",
        "seats": "2",
        "min_volunteers": "1",
        "booking_mode": "bookable",
        "valid_from": TODAY.isoformat(),
        "valid_until": "",
    }
    return {**data, **changes}


def _create(client, antenna, **changes):
    return client.post(reverse("schedule:permanence_create", args=[antenna.pk]), _data(**changes))


def test_each_field_that_applies_to_one_kind_or_rule_says_so_and_is_marked_for_the_script(
    client, antenna, coordinator
):
    response = client.get(reverse("schedule:permanence_create", args=[antenna.pk]))

    assertContains(response, "js/permanence-form.js")
    for marker, help_text in [
        ('data-shown-when="kind=workshop"', "Uniquement pour un atelier collectif"),
        ('data-shown-when="kind=drop_in"', "Uniquement pour une permanence d'accompagnement"),
        ('data-shown-when="frequency=weekly"', "Uniquement pour une permanence hebdomadaire"),
        ('data-shown-when="frequency=monthly"', "Uniquement pour une permanence mensuelle"),
    ]:
        assertContains(response, marker)
        assertContains(response, help_text)
    # The workshop's level is about digital skills, not the people's French.
    assertContains(response, "Niveau de l&#x27;atelier (en numérique)")
    assertContains(response, "pas leur niveau de français")
    # Without the script every field is there, none hidden.
    assert " hidden" not in response.content.decode().split("<form", 2)[2]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # A 5th Tuesday, an error for a monthly rule, means nothing for a weekly one.
        ({"monthly_position": "5"}, {"monthly_position": None}),
        ({"monthly_position": "\x00"}, {"monthly_position": None}),
        ({"frequency": "monthly", "monthly_position": "2", "interval_weeks": "99"}, {"interval_weeks": 1}),
        ({"frequency": "monthly", "monthly_position": "-1", "interval_weeks": "tous"}, {"interval_weeks": 1}),
        ({"level": "expert"}, {"level": ""}),
        ({"level": WorkshopLevel.ADVANCED}, {"level": ""}),
        (
            {"kind": "workshop", "level": "beginner", "slot_minutes": "5", "whole_slots_only": "on"},
            {"slot_minutes": 60, "whole_slots_only": False, "level": WorkshopLevel.BEGINNER},
        ),
        ({"kind": "workshop", "level": "beginner", "slot_minutes": ""}, {"slot_minutes": 60}),
    ],
)
def test_fields_that_do_not_apply_are_ignored_never_an_error(client, antenna, coordinator, changes, expected):
    response = _create(client, antenna, **changes)

    assertRedirects(response, reverse("schedule:permanence_list", args=[antenna.pk]))
    permanence = Permanence.objects.get(title="Accueil numérique")
    for name, value in expected.items():
        assert getattr(permanence, name) == value


def test_fields_left_out_by_the_script_are_taken_as_not_applying(client, antenna, coordinator):
    """The script disables the hidden fields, so the browser does not send them at all."""
    data = _data(kind="workshop", level="intermediate", frequency="monthly", monthly_position="3")
    for name in ("interval_weeks", "slot_minutes"):
        del data[name]

    client.post(reverse("schedule:permanence_create", args=[antenna.pk]), data)

    permanence = Permanence.objects.get(title="Accueil numérique")
    assert (permanence.interval_weeks, permanence.slot_minutes, permanence.monthly_position) == (1, 60, 3)


def test_a_field_that_applies_still_gets_its_error(client, antenna, coordinator):
    response = _create(client, antenna, frequency="monthly", monthly_position="5")
    assertContains(response, "5e")
    response = _create(client, antenna, interval_weeks="9")
    assertContains(response, "inférieure ou égale à 8")
    response = _create(client, antenna, kind="workshop", level="")
    assertContains(response, "Indiquez le niveau de l&#x27;atelier")
    assert not Permanence.objects.exists()


def test_an_unknown_kind_or_rule_is_an_error_and_leaves_the_other_fields_as_sent(client, antenna, coordinator):
    response = _create(client, antenna, kind="\x00", frequency="yearly", monthly_position="2")
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"kind", "frequency"}
    assert not Permanence.objects.exists()


def test_switching_a_monthly_permanence_to_weekly_clears_its_position(client, antenna, coordinator):
    permanence = PermanenceFactory(antenna=antenna, monthly=True, valid_from=TODAY)
    client.post(reverse("schedule:permanence_update", args=[permanence.pk]), _data(monthly_position="1"))
    permanence.refresh_from_db()
    assert (permanence.frequency, permanence.monthly_position) == (Frequency.WEEKLY, None)


def test_a_workshop_keeps_its_slot_length_for_when_it_becomes_drop_in_again(client, antenna, coordinator):
    permanence = PermanenceFactory(antenna=antenna, workshop=True, slot_minutes=30, valid_from=TODAY)
    client.post(
        reverse("schedule:permanence_update", args=[permanence.pk]),
        _data(kind="workshop", level="beginner", slot_minutes="abc"),
    )
    permanence.refresh_from_db()
    assert (permanence.kind, permanence.slot_minutes) == (PermanenceKind.WORKSHOP, 30)


# A permanence identical to a current one: same antenna, kind, rule, times, overlapping periods.


@pytest.fixture
def existing(antenna):
    return PermanenceFactory(antenna=antenna, title="Fracture numérique", valid_from=TODAY)


def test_an_identical_permanence_is_refused_naming_the_existing_one(client, antenna, coordinator, existing):
    response = _create(client, antenna, title="Doublon")

    assert response.status_code == 200
    assertContains(response, "La permanence « Fracture numérique » (Tous les mardis, 09:00–10:00) propose déjà")
    assertContains(response, 'value="Doublon"')
    assert not Permanence.objects.filter(title="Doublon").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"start_time": "09:30", "end_time": "10:30"},
        {"end_time": "11:00"},
        {"weekday": str(Weekday.THURSDAY)},
        {"kind": "workshop", "level": "beginner"},
        {"interval_weeks": "2"},
        {"frequency": "monthly", "monthly_position": "1"},
    ],
)
def test_a_permanence_that_differs_by_its_rule_or_times_is_not_a_twin(client, antenna, coordinator, existing, changes):
    _create(client, antenna, title="Autre", **changes)
    assert Permanence.objects.filter(title="Autre").exists()


def test_other_seats_or_booking_mode_or_title_do_not_make_another_permanence(client, antenna, coordinator, existing):
    response = _create(client, antenna, title="Sans rendez-vous", seats="5", booking_mode="walk_in")
    assertContains(response, "propose déjà ces dates")


def test_periods_that_do_not_overlap_make_no_twin(client, antenna, coordinator, existing):
    existing.valid_until = TODAY + datetime.timedelta(days=30)
    existing.save()
    _create(client, antenna, title="Après", valid_from=(TODAY + datetime.timedelta(days=31)).isoformat())
    assert Permanence.objects.filter(title="Après").exists()
    response = _create(
        client,
        antenna,
        title="Chevauche",
        valid_from=(TODAY - datetime.timedelta(days=10)).isoformat(),
        valid_until=(TODAY + datetime.timedelta(days=1)).isoformat(),
    )
    assertContains(response, "propose déjà ces dates")


def test_every_other_week_on_the_other_weeks_is_no_twin(client, antenna, coordinator):
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    PermanenceFactory(antenna=antenna, title="Semaines paires", interval_weeks=2, valid_from=monday)

    _create(
        client,
        antenna,
        title="Semaines impaires",
        interval_weeks="2",
        valid_from=str(monday + datetime.timedelta(weeks=1)),
    )
    response = _create(
        client,
        antenna,
        title="Mêmes semaines",
        interval_weeks="2",
        valid_from=str(monday + datetime.timedelta(weeks=2, days=3)),
    )

    assert Permanence.objects.filter(title="Semaines impaires").exists()
    assertContains(response, "« Semaines paires »")


def test_the_same_monthly_position_is_a_twin_another_is_not(client, antenna, coordinator):
    PermanenceFactory(antenna=antenna, title="1er mardi", monthly=True, valid_from=TODAY)
    response = _create(client, antenna, title="Doublon", frequency="monthly", monthly_position="1")
    assertContains(response, "« 1er mardi »")
    _create(client, antenna, title="Dernier mardi", frequency="monthly", monthly_position="-1")
    assert set(Permanence.objects.values_list("title", flat=True)) == {"1er mardi", "Dernier mardi"}


def test_another_antennas_permanence_or_an_archived_one_is_no_twin(client, antenna, coordinator, existing):
    PermanenceFactory(antenna=AntennaFactory(), title="Ailleurs", valid_from=TODAY)
    existing.archived_at, existing.is_active = timezone.now(), False
    existing.save()
    _create(client, antenna, title="Nouvelle")
    assert Permanence.objects.filter(title="Nouvelle").exists()


def test_editing_a_permanence_into_a_twin_is_refused(client, antenna, coordinator, existing):
    other = PermanenceFactory(antenna=antenna, title="Jeudi", weekday=Weekday.THURSDAY, valid_from=TODAY)
    url = reverse("schedule:permanence_update", args=[other.pk])

    response = client.post(url, _data(title="Jeudi"))

    assertContains(response, "« Fracture numérique »")
    other.refresh_from_db()
    assert other.weekday == Weekday.THURSDAY
    # Saving a permanence as it is never finds itself.
    response = client.post(url, _data(title="Jeudi renommé", weekday=str(Weekday.THURSDAY)))
    assertRedirects(response, reverse("schedule:permanence_list", args=[antenna.pk]))


def _fields(**changes) -> services.PermanenceFields:
    values = {
        "title": "Accueil",
        "weekday": Weekday.TUESDAY,
        "start_time": datetime.time(9),
        "end_time": datetime.time(10),
        "seats": 2,
        "valid_from": TODAY,
    }
    return services.PermanenceFields(**{**values, **changes})


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored")
def test_identical_permanences_sent_at_the_same_instant_make_one():
    antenna = AntennaFactory()

    results = at_once(
        lambda title: services.permanence_create(antenna=antenna, fields=_fields(title=title)), ["A", "B", "C", "D"]
    )

    assert sum(isinstance(result, Permanence) for result in results) == 1
    assert sum(isinstance(result, ValidationError) for result in results) == 3
    assert Permanence.objects.filter(antenna=antenna).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored")
def test_without_the_antennas_lock_identical_permanences_sent_at_once_are_all_made(monkeypatch):
    """The control of the test above: the check alone lets them all through."""
    antenna = AntennaFactory()
    check = services.twin_refused

    def slow_check(permanence):
        check(permanence)
        time.sleep(0.3)  # the others check before anyone saves

    monkeypatch.setattr(services, "_antenna_lock", lambda antenna_id: None)
    monkeypatch.setattr(services, "twin_refused", slow_check)

    at_once(lambda title: services.permanence_create(antenna=antenna, fields=_fields(title=title)), ["A", "B", "C"])

    assert Permanence.objects.filter(antenna=antenna).count() == 3
