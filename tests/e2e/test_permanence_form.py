"""The permanence form on a phone shows only the fields that apply, and shows them again when the
kind or the rule changes; what it sends makes the permanence chosen (permanence-form.js)."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from sessions_app.scheduling.enums import Frequency, PermanenceKind, WorkshopLevel
from sessions_app.scheduling.models import Permanence
from tests.core.factories import AntennaFactory, UserFactory
from tests.e2e.conftest import PHONE, check_accessibility, exactly, log_in


def _new_permanence_page(open_page):
    antenna = AntennaFactory(name="Les Aubiers")
    UserFactory(email="coordination@example.org", coordinator=True, membership__antenna=antenna)
    page = open_page(PHONE)
    log_in(page, "coordination@example.org")
    page.goto(reverse("schedule:permanence_create", args=[antenna.pk]))
    check_accessibility(page)
    return page


def _fields(page) -> dict:
    return {
        "level": page.get_by_label(_("Workshop level (digital skills)")),
        "slot length": page.get_by_label(_("slot length (minutes)")),
        "every": page.get_by_label(_("every how many weeks")),
        "position": page.get_by_label(_("Which one in the month")),
    }


@pytest.mark.usefixtures("transactional_db")
def test_the_form_shows_the_fields_of_the_kind_and_rule_chosen(open_page):
    page = _new_permanence_page(open_page)
    fields = _fields(page)
    kind, recurrence = page.get_by_label(exactly(_("kind"))), page.get_by_label(exactly(_("recurrence")))

    # Drop-in help every week: no level, no position in the month.
    for name in ("level", "position"):
        expect(fields[name]).to_be_hidden()
    for name in ("slot length", "every"):
        expect(fields[name]).to_be_visible()

    kind.select_option(PermanenceKind.WORKSHOP)
    recurrence.select_option(Frequency.MONTHLY)

    for name in ("level", "position"):
        expect(fields[name]).to_be_visible()
    for name in ("slot length", "every"):
        expect(fields[name]).to_be_hidden()
    check_accessibility(page)

    kind.select_option(PermanenceKind.DROP_IN)
    recurrence.select_option(Frequency.WEEKLY)

    for name in ("level", "position"):
        expect(fields[name]).to_be_hidden()
    for name in ("slot length", "every"):
        expect(fields[name]).to_be_visible()


@pytest.mark.usefixtures("transactional_db")
def test_a_monthly_workshop_is_made_from_the_fields_shown(open_page):
    page = _new_permanence_page(open_page)
    fields = _fields(page)
    page.get_by_label(exactly(_("title"))).fill("Atelier débutants")
    page.get_by_label(exactly(_("kind"))).select_option(PermanenceKind.WORKSHOP)
    fields["level"].select_option(WorkshopLevel.BEGINNER)
    page.get_by_label(exactly(_("recurrence"))).select_option(Frequency.MONTHLY)
    page.get_by_label(exactly(_("weekday"))).select_option("3")
    fields["position"].select_option("2")
    page.get_by_label(exactly(_("start"))).fill("14:00")
    page.get_by_label(exactly(_("end"))).fill("16:00")
    page.get_by_label(_("seats per slot")).fill("8")

    page.get_by_role("button", name=_("Save")).click()
    page.wait_for_load_state()
    check_accessibility(page)

    expect(page.get_by_role("heading", name="Atelier débutants", exact=True)).to_be_visible()
    permanence = Permanence.objects.get(title="Atelier débutants")
    assert (permanence.kind, permanence.level) == (PermanenceKind.WORKSHOP, WorkshopLevel.BEGINNER)
    assert (permanence.frequency, permanence.monthly_position, permanence.interval_weeks) == (Frequency.MONTHLY, 2, 1)
