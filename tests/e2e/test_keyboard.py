"""Keyboard only: each journey's forms filled with Tab, typing, Space and Enter, the focus visible
at every stop, and each error announced next to its field (linked with aria-describedby)."""

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from beneficiaries.people.enums import SheetStatus
from beneficiaries.people.models import Beneficiary, LiaisonSheet
from sessions_app.bookings.enums import Attendance
from sessions_app.bookings.models import Booking
from sessions_app.desk.models import SessionLog
from sessions_app.scheduling.enums import OccurrenceStatus, Weekday
from sessions_app.scheduling.models import Closure, Permanence
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.e2e.conftest import PASSWORD, PHONE, check_accessibility
from tests.people.factories import BeneficiaryFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import VolunteerProfileFactory

# What the focused element looks like: a visible outline or focus ring, on it or, for the
# visually hidden radios drawn as buttons, on their label.
FOCUS_STYLE = """() => {
  let element = document.activeElement;
  // Past the last link the focus leaves the page for the browser's own controls.
  if (element === document.body) return {visible: true, what: "the browser"};
  // On a part of a built-in control (a date field's calendar button), drawn by the browser.
  if (!element.matches(":focus")) return {visible: true, what: element.id};
  if (element.classList.contains("btn-check")) element = element.labels[0];
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {
    visible: outline || style.boxShadow !== "none",
    what: `${element.tagName} ${element.id || element.name || ""} ${(element.innerText || "").slice(0, 30)}`,
  };
}"""
MAX_TABS = 120


def tab_to(page, target) -> None:
    """Press Tab until the target has the focus, checking that every stop on the way shows it."""
    handle = target.element_handle()
    if handle.evaluate("element => element === document.activeElement"):
        return
    for _press in range(MAX_TABS):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STYLE)
        assert focus["visible"], f"no visible focus on {focus['what']} ({page.url})"
        if handle.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} is not reached with Tab on {page.url}")


def press_enter_on(page, target) -> None:
    """Tab to a link or button and press Enter; wait for the page it leads to."""
    tab_to(page, target)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page, target, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


# The error messages a field's description points to, on the field or on the group holding it.
FIELD_ERRORS = """name => {
  const field = document.querySelector(`[name="${name}"]`);
  const holders = [field, field.closest("fieldset[aria-describedby]")].filter(Boolean);
  const ids = holders.flatMap(holder => holder.getAttribute("aria-describedby")?.split(/\\s+/) ?? []);
  const messages = ids.filter(id => id.includes("error")).map(id => document.getElementById(id));
  return {
    invalid: field.getAttribute("aria-invalid") === "true",
    messages: messages.filter(message => message?.checkVisibility()).map(message => message.innerText.trim()),
  };
}"""


def assert_errors_next_to_fields(page, *fields: str) -> None:
    """Each named field is marked invalid and described by a visible error message."""
    for name in fields:
        errors = page.evaluate(FIELD_ERRORS, name)
        assert errors["invalid"], f"{name}: not marked invalid ({page.url})"
        assert any(errors["messages"]), f"{name}: no visible error message linked to the field ({page.url})"
    check_accessibility(page)


def type_date(page, target, day: datetime.date) -> None:
    """Type a day into a date field. Its parts come in the browser's own order (day first in
    French, month first when Chromium lacks its French pack): a first known date tells which."""
    tab_to(page, target)
    page.keyboard.type("01022030")
    day_first = target.input_value() == "2030-02-01"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.type(day.strftime("%d%m%Y" if day_first else "%m%d%Y"))
    assert target.input_value() == day.isoformat()


def type_time(page, target, time: datetime.time) -> None:
    """Type a time into a time field (hours and minutes, 24-hour clock in French)."""
    tab_to(page, target)
    page.keyboard.type(time.strftime("%H%M"))
    if target.input_value() != time.strftime("%H:%M"):  # a 12-hour clock without the French pack
        page.keyboard.type("A" if time.hour < 12 else "P")
    assert target.input_value() == time.strftime("%H:%M")


def log_in_by_keyboard(page, email: str) -> None:
    """Through the log-in page; both it and the page it leads to are checked with axe."""
    page.goto("/")
    check_accessibility(page)
    type_into(page, page.locator("[name=username]"), email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_accessibility(page)


@pytest.mark.usefixtures("transactional_db")
def test_coordinator_schedules_closes_and_cancels_with_the_keyboard(open_page):
    coordinator = UserFactory(email="monique@example.org", coordinator=True)
    antenna = coordinator.memberships.get().antenna
    today = timezone.localdate()
    page = open_page()
    log_in_by_keyboard(page, coordinator.email)
    press_enter_on(page, page.get_by_role("link", name=_("Permanences"), exact=True).first)
    check_accessibility(page)
    press_enter_on(page, page.get_by_role("link", name=_("New permanence")))

    # An end before the start is refused by the server, next to the field.
    type_into(page, page.locator("[name=title]"), "Accueil numérique")
    type_into(page, page.locator("[name=weekday]"), str(Weekday(today.weekday()).label))
    type_time(page, page.locator("[name=start_time]"), datetime.time(10))
    type_time(page, page.locator("[name=end_time]"), datetime.time(9))
    press_enter_on(page, page.get_by_role("button", name=_("Save")))
    assert_errors_next_to_fields(page, "end_time")
    type_time(page, page.locator("[name=end_time]"), datetime.time(11))
    press_enter_on(page, page.get_by_role("button", name=_("Save")))
    page.get_by_role("heading", name="Accueil numérique").wait_for()
    permanence = Permanence.objects.get(antenna=antenna)
    assert (permanence.weekday, permanence.start_time) == (today.weekday(), datetime.time(10))

    # The last day typed before the first one is refused the same way.
    press_enter_on(page, page.get_by_role("link", name=_("Closures")))
    check_accessibility(page)
    first = today + datetime.timedelta(days=14)
    last = first + datetime.timedelta(days=6)
    type_date(page, page.locator("[name=starts_on]"), first)
    type_date(page, page.locator("[name=ends_on]"), first - datetime.timedelta(days=1))
    type_into(page, page.locator("[name=reason]"), "Congés de fin d'année")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_errors_next_to_fields(page, "ends_on")
    type_date(page, page.locator("[name=ends_on]"), last)
    tab_to(page, page.locator("[name=reason]"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_text("Congés de fin d'année").wait_for()
    closure = Closure.objects.get(antenna=antenna)
    assert (closure.starts_on, closure.ends_on) == (first, last)

    press_enter_on(page, page.get_by_role("link", name=_("Month"), exact=True))
    check_accessibility(page)
    cancel = page.get_by_role("link", name=_("Cancel this date"), exact=True)
    if not cancel.count():  # the last date of the month was a public holiday
        press_enter_on(page, page.locator("a[rel=next]"))
    press_enter_on(page, cancel.first)
    check_accessibility(page)
    type_into(page, page.locator("[name=reason]"), "Réunion de l'équipe")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_text("Réunion de l'équipe").wait_for()
    check_accessibility(page)
    assert permanence.occurrences.filter(status=OccurrenceStatus.CANCELLED).count() == 1


@pytest.mark.usefixtures("transactional_db")
def test_social_worker_registers_refers_and_books_with_the_keyboard(open_page):
    UserFactory(email="sophie@example.org", referrer=True)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    occurrence_today(antenna=AntennaFactory(name="La Blancarde"), day=tomorrow)
    page = open_page()
    log_in_by_keyboard(page, "sophie@example.org")
    press_enter_on(page, page.get_by_role("link", name=_("Register a person and refer them")))

    press_enter_on(page, page.get_by_role("button", name=_("Register the person")))
    assert_errors_next_to_fields(page, "first_name", "phone", "consent_method")
    type_into(page, page.locator("[name=first_name]"), "Fatima")
    type_into(page, page.locator("[name=last_name]"), "Haddad")
    tab_to(page, page.locator("[name=has_no_phone]"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Arabe"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label(pgettext("consent", "Oral")))
    page.keyboard.press("Space")
    press_enter_on(page, page.get_by_role("button", name=_("Register the person")))
    check_accessibility(page)
    person = Beneficiary.objects.get()
    assert (person.first_name, person.last_name, person.has_no_phone) == ("Fatima", "Haddad", True)

    press_enter_on(page, page.get_by_role("link", name=_("New liaison sheet")))
    press_enter_on(page, page.get_by_role("button", name=_("Send the liaison sheet")))
    assert_errors_next_to_fields(page, "needs")
    tab_to(page, page.get_by_label("E-mail", exact=True))
    page.keyboard.press("Space")
    type_into(page, page.locator("[name=detail]"), "Créer une adresse e-mail pour la CAF.")
    press_enter_on(page, page.get_by_role("button", name=_("Send the liaison sheet")))
    check_accessibility(page)

    # Nobody on the rota speaks Arabic yet: search in any language.
    press_enter_on(page, page.get_by_role("link", name=_("Find a slot")))
    check_accessibility(page)
    type_into(page, page.locator("#id_language"), _("Any language"))
    press_enter_on(page, page.get_by_role("button", name=_("Search"), exact=True))
    check_accessibility(page)
    press_enter_on(page, page.get_by_role("button", name=_("Book"), exact=True).first)
    page.get_by_text(_("Back to the referral")).wait_for()
    check_accessibility(page)
    assert LiaisonSheet.objects.get().status == SheetStatus.BOOKED


@pytest.mark.usefixtures("transactional_db")
def test_volunteer_signs_up_welcomes_and_logs_with_the_keyboard_on_a_phone(open_page, working_hours_zone):
    antenna = AntennaFactory(time_zone=working_hours_zone)
    volunteer = UserFactory(email="antoine@example.org", volunteer=True, membership__antenna=antenna)
    VolunteerProfileFactory(user=volunteer)
    # A date of the day not over yet, whatever the hour: the volunteer can still sign up.
    occurrence = occurrence_today(antenna=antenna, start=6, end=21)
    booking = BookingFactory(slot=occurrence.slots.first(), beneficiary=BeneficiaryFactory(first_name="Jean"))
    page = open_page(PHONE)
    log_in_by_keyboard(page, volunteer.email)

    tab_to(page, page.get_by_role("button", name=_("Show or hide the menu")))
    page.keyboard.press("Enter")
    press_enter_on(page, page.get_by_role("link", name=_("My dates")))
    check_accessibility(page)
    press_enter_on(page, page.get_by_role("button", name=re.compile(_("Sign up"))))
    assert occurrence.signups.filter(volunteer=volunteer).exists()

    tab_to(page, page.get_by_role("button", name=_("Show or hide the menu")))
    page.keyboard.press("Enter")
    press_enter_on(page, page.get_by_role("link", name=_("Home")))
    press_enter_on(page, page.get_by_role("link", name=_("Today's desk")))
    check_accessibility(page)
    press_enter_on(page, page.get_by_role("button", name=_("Came"), exact=True))
    booking.refresh_from_db()
    assert booking.attendance == Attendance.ATTENDED

    press_enter_on(page, page.get_by_role("link", name=_("Walk-in"), exact=True))
    check_accessibility(page)
    new_person = page.locator("#new-person")
    type_into(page, new_person.locator("[name=new-first_name]"), "Awa")
    tab_to(page, new_person.get_by_label(pgettext("consent", "Oral")))
    page.keyboard.press("Space")
    press_enter_on(page, new_person.get_by_role("button", name=_("Register and check in")))
    assert Booking.objects.filter(beneficiary__first_name="Awa", attendance=Attendance.ATTENDED).exists()

    jean = page.locator("li.list-group-item", has_text="Jean")
    press_enter_on(page, jean.get_by_role("link", name=_("Log the session")))
    press_enter_on(page, page.get_by_role("button", name=_("Save the log")))
    assert_errors_next_to_fields(page, "topics", "outcome")
    tab_to(page, page.locator("[name=topics]").first)
    page.keyboard.press("Space")
    tab_to(page, page.locator("[name=outcome]").first)
    page.keyboard.press("Space")
    type_into(page, page.locator("[name=summary]"), "Adresse e-mail créée.")
    press_enter_on(page, page.get_by_role("button", name=_("Save the log")))
    page.get_by_text(_("The session is logged.")).wait_for()
    log = SessionLog.objects.get()
    assert (log.booking, log.summary) == (booking, "Adresse e-mail créée.")
