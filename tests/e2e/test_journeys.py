"""The three journeys as people do them, in a real browser: the coordinator schedules, the social
worker refers and books, the volunteer welcomes and logs; the social worker then sees the outcome.

One test, because each journey starts where the previous one ended and a live-server test
empties the database when it ends. Every page visited is checked with axe-core at both widths, and
the key pages are photographed for the user guide.
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from playwright.sync_api import expect

from beneficiaries.people.enums import SheetStatus
from beneficiaries.people.models import LiaisonSheet
from sessions_app.bookings.enums import BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.desk.enums import Outcome
from sessions_app.desk.models import SessionLog
from sessions_app.scheduling.models import Closure, Occurrence, Permanence
from sessions_app.scheduling.public_holidays import public_holidays
from tests.core.factories import AntennaFactory, OrganizationFactory, UserFactory
from tests.e2e.conftest import PHONE, check_accessibility, exactly, log_in, open_menu, screenshot
from tests.team.factories import VolunteerProfileFactory

PERMANENCE = "Accueil numérique"


@pytest.fixture
def field(working_hours_zone):
    """La Blancarde and its people, as an admin would have set them up."""
    federation = OrganizationFactory(name="Secours populaire – Bouches-du-Rhône")
    antenna = AntennaFactory(
        organization=federation,
        name="La Blancarde",
        address="12 rue Jean Martin",
        postcode="13005",
        city="Marseille",
        workstations=2,
        time_zone=working_hours_zone,
        accessibility_notes="Entrée de plain-pied, rampe côté cour.",
    )
    coordinator = UserFactory(
        email="monique@example.org", display_name="Monique Roux", coordinator=True, membership__antenna=antenna
    )
    VolunteerProfileFactory(user=coordinator, languages=["fr"])
    volunteer = UserFactory(
        email="antoine@example.org", display_name="Antoine Martin", volunteer=True, membership__antenna=antenna
    )
    VolunteerProfileFactory(user=volunteer, languages=["fr", "en"])
    arabic_speaker = UserFactory(
        email="karima@example.org", display_name="Karima Benali", volunteer=True, membership__antenna=antenna
    )
    VolunteerProfileFactory(user=arabic_speaker, languages=["fr", "ar"])
    UserFactory(
        email="sophie@example.org",
        display_name="Sophie Laurent",
        referrer=True,
        referrer_profile__organization__name="Maison du Département des Solidarités de Mérignac",
    )
    return {"antenna": antenna, "zone": ZoneInfo(working_hours_zone)}


def visit(page, name: str | None = None) -> None:
    """The page a journey just reached: accessible, and photographed for the guide when named."""
    page.wait_for_load_state()
    check_accessibility(page)
    if name:
        screenshot(page, name)


def day_section(page, day: datetime.date):
    return page.locator(f"section[aria-labelledby='day-{day.isoformat()}']")


def show_month_of(page, day: datetime.date, today: datetime.date) -> None:
    """From the month of today, step to the month of the day with the "next month" link."""
    if (day.year, day.month) != (today.year, today.month):
        page.locator("a[rel='next']").click()
        page.wait_for_load_state()


@pytest.mark.usefixtures("transactional_db")
def test_three_journeys(open_page, field):
    zone = field["zone"]
    now = timezone.now().astimezone(zone)
    today = now.date()
    start = (now + datetime.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0).time()
    end = datetime.time(start.hour + 2)
    closed_day, cancelled_day = today + datetime.timedelta(weeks=1), today + datetime.timedelta(weeks=2)

    # 1. The coordinator, at home in the evening on her computer.
    coordinator = open_page()
    log_in(coordinator, "monique@example.org")
    screenshot(coordinator, "coordinator-home")
    coordinator.get_by_role("link", name=_("Permanences"), exact=True).first.click()
    visit(coordinator)
    coordinator.get_by_role("link", name=_("New permanence")).click()
    visit(coordinator)
    coordinator.get_by_label(_("title")).fill(PERMANENCE)
    coordinator.get_by_label(_("weekday")).select_option(str(today.weekday()))
    coordinator.get_by_label(exactly(_("start"))).fill(start.strftime("%H:%M"))
    coordinator.get_by_label(exactly(_("end"))).fill(end.strftime("%H:%M"))
    coordinator.get_by_label(_("seats per slot")).fill("2")
    screenshot(coordinator, "coordinator-new-permanence")
    coordinator.get_by_role("button", name=_("Save")).click()
    visit(coordinator, "coordinator-permanences")
    expect(coordinator.get_by_role("heading", name=PERMANENCE, exact=True)).to_be_visible()
    permanence = Permanence.objects.get(title=PERMANENCE)
    assert permanence.occurrences.filter(date=closed_day).exists()

    coordinator.get_by_role("link", name=_("Closures")).click()
    visit(coordinator)
    coordinator.get_by_label(_("first closed day")).fill(closed_day.isoformat())
    coordinator.get_by_label(_("last closed day")).fill((closed_day + datetime.timedelta(days=6)).isoformat())
    coordinator.get_by_label(_("reason")).fill("Travaux dans la salle informatique")
    coordinator.get_by_role("button", name=_("Close"), exact=True).click()
    visit(coordinator, "coordinator-closures")
    expect(coordinator.get_by_text("Travaux dans la salle informatique")).to_be_visible()
    assert Closure.objects.filter(antenna=field["antenna"], permanence=None).exists()
    assert not permanence.occurrences.filter(date=closed_day).exists()

    coordinator.get_by_role("link", name=_("Month"), exact=True).click()
    visit(coordinator)
    if today in public_holidays(field["antenna"].department_code, today, today):
        day_section(coordinator, today).get_by_role("button", name=_("Open this date anyway")).click()
        visit(coordinator)
    show_month_of(coordinator, cancelled_day, today)
    day_section(coordinator, cancelled_day).get_by_role("link", name=_("Cancel this date"), exact=True).click()
    visit(coordinator)
    coordinator.get_by_label(_("Reason")).fill("Réunion de l'équipe")
    coordinator.get_by_role("button", name=_("Cancel this date")).click()
    visit(coordinator)
    expect(day_section(coordinator, cancelled_day)).to_contain_text("Réunion de l'équipe")
    assert permanence.occurrences.get(date=cancelled_day).is_cancelled
    coordinator.get_by_role("link", name=_("Month"), exact=True).click()
    visit(coordinator, "coordinator-month")
    expect(day_section(coordinator, today)).to_contain_text(PERMANENCE)
    if (closed_day.year, closed_day.month) == (today.year, today.month):
        expect(day_section(coordinator, closed_day)).to_contain_text("Travaux dans la salle informatique")

    # She puts the Arabic-speaking volunteer on the rota of the first date.
    coordinator.get_by_role("link", name=_("Rota"), exact=True).click()
    visit(coordinator)
    first_date = day_section(coordinator, today)
    first_date.get_by_label(_("Add to the rota")).select_option(label="Karima Benali")
    first_date.get_by_role("button", name=_("Add"), exact=True).click()
    visit(coordinator, "coordinator-rota")
    expect(day_section(coordinator, today)).to_contain_text("Karima Benali")

    # 2. The social worker, between two appointments.
    referrer = open_page()
    log_in(referrer, "sophie@example.org")
    screenshot(referrer, "referrer-home")
    referrer.get_by_role("link", name=_("Register a person and refer them")).click()
    visit(referrer)
    referrer.get_by_label(_("First name")).fill("Fatima")
    referrer.get_by_label(_("Last name"), exact=True).fill("Haddad")
    referrer.get_by_label(_("Phone"), exact=True).fill("06 12 34 56 78")
    referrer.get_by_label("Arabe").check()
    referrer.get_by_label(pgettext("consent", "Oral")).check()
    screenshot(referrer, "referrer-new-person")
    referrer.get_by_role("button", name=_("Register the person")).click()
    visit(referrer)
    referrer.get_by_role("link", name=_("New liaison sheet")).click()
    visit(referrer)
    referrer.get_by_label("E-mail", exact=True).check()
    referrer.get_by_label(_("Detail")).fill("Doit envoyer une attestation à la CAF, n'a pas encore d'adresse e-mail.")
    expect(referrer.get_by_label(_("Language to use"))).to_have_value(str(_language_pk("ar")))
    screenshot(referrer, "referrer-liaison-sheet")
    referrer.get_by_role("button", name=_("Send the liaison sheet")).click()
    visit(referrer)
    referrer.get_by_role("link", name=_("Find a slot")).click()
    visit(referrer)
    referrer.get_by_label(_("Language spoken by a volunteer on the rota")).select_option(label="Arabe")
    referrer.get_by_role("button", name=_("Search"), exact=True).click()
    visit(referrer, "referrer-slot-search")
    slots = referrer.get_by_role("button", name=_("Book"), exact=True)
    expect(slots.first).to_be_visible()
    slots.first.click()
    visit(referrer, "referrer-appointment-card")
    sheet = LiaisonSheet.objects.get(beneficiary__first_name="Fatima")
    assert sheet.status == SheetStatus.BOOKED
    expect(referrer.get_by_text(sheet.reference).first).to_be_visible()
    expect(referrer.get_by_text("La Blancarde").first).to_be_visible()
    # Printing leaves the menu and the buttons off the paper.
    referrer.emulate_media(media="print")
    expect(referrer.locator("header")).to_be_hidden()
    assert referrer.pdf(format="A5").startswith(b"%PDF")
    referrer.emulate_media(media="screen")

    # 3. The volunteer, on his phone at the drop-in.
    volunteer = open_page(PHONE)
    log_in(volunteer, "antoine@example.org")
    screenshot(volunteer, "volunteer-home")
    open_menu(volunteer, _("My dates"))
    visit(volunteer)
    day_section(volunteer, today).get_by_role("button", name=re.compile(_("Sign up"))).click()
    visit(volunteer, "volunteer-my-dates")
    expect(day_section(volunteer, today)).to_contain_text("Antoine Martin")

    open_menu(volunteer, _("Home"))
    volunteer.get_by_role("link", name=_("Today's desk")).click()
    visit(volunteer, "volunteer-desk")
    expect(volunteer.get_by_text("Fatima Haddad").first).to_be_visible()
    volunteer.get_by_role("button", name=_("Came"), exact=True).click()
    visit(volunteer)
    booking = Booking.objects.get(beneficiary__first_name="Fatima")
    assert booking.attendance == "attended"

    volunteer.get_by_role("link", name=_("Walk-in"), exact=True).click()
    visit(volunteer, "volunteer-walk-in")
    new_person = volunteer.locator("#new-person")
    new_person.get_by_label(_("First name")).fill("Jean")
    new_person.get_by_label(_("Last name"), exact=True).fill("Durand")
    new_person.get_by_label(pgettext("consent", "Oral")).check()
    new_person.get_by_role("button", name=_("Register and check in")).click()
    visit(volunteer)
    walk_in = Booking.objects.get(beneficiary__first_name="Jean")
    assert walk_in.status == BookingStatus.ACTIVE and walk_in.attendance == "attended"

    for first_name, outcome, summary in (
        ("Fatima", Outcome.DONE, "Adresse e-mail créée, attestation envoyée à la CAF."),
        ("Jean", Outcome.TO_CONTINUE, ""),
    ):
        person = volunteer.locator("li.list-group-item", has_text=first_name)
        person.get_by_role("link", name=_("Log the session")).click()
        visit(volunteer, "volunteer-session-log" if first_name == "Fatima" else None)
        volunteer.locator("fieldset", has_text=_("Topics")).get_by_role("checkbox").first.check()
        # The outcomes are buttons: the radio itself is hidden behind its label.
        volunteer.get_by_text(exactly(str(outcome.label))).click()
        if summary:
            volunteer.get_by_label(_("Summary for the referrer")).fill(summary)
        volunteer.get_by_role("button", name=_("Save the log")).click()
        visit(volunteer)
        expect(volunteer.get_by_role("status").first).to_contain_text(_("The session is logged."))
    assert SessionLog.objects.filter(occurrence__date=today).count() == 2
    # Jean's session is to be continued: his next appointment is offered, for later.
    expect(volunteer.get_by_role("heading", level=1)).to_have_text(_("Next appointment"))
    volunteer.get_by_role("link", name=_("Not now: back to the desk")).click()
    visit(volunteer)
    volunteer.get_by_role("link", name=_("The day's list, to print")).click()
    visit(volunteer)
    expect(volunteer.get_by_role("table").first).to_contain_text("Fatima Haddad")

    # The social worker sees that Fatima was seen, and what was done.
    open_menu(referrer, _("My referrals"))
    visit(referrer, "referrer-referrals")
    referral = referrer.locator("li.list-group-item", has_text="Fatima")
    expect(referral).to_contain_text(pgettext("liaison sheet", "Seen"))
    expect(referral).to_contain_text("Adresse e-mail créée, attestation envoyée à la CAF.")
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SEEN
    assert Occurrence.objects.filter(permanence=permanence, date=today).get().signups.count() == 2


def _language_pk(code: str) -> int:
    from inclusion.core.models import Language

    return Language.objects.get(code=code).pk
