"""The appointment card in a real browser, on a phone: a social worker sends it to the person by
SMS, sees it in the booking's messages, and prints the card on one A5 page; the person opens the
link of the SMS without an account."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from inclusion.core import sms
from inclusion.core.models import Language
from sessions_app.bookings.services import referral_book
from sessions_app.reminders.enums import ReminderKind
from tests.core.factories import AntennaFactory
from tests.e2e.conftest import PHONE, check_accessibility, log_in
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today

# A5 in PostScript points (148 × 210 mm), as a PDF's MediaBox gives it.
A5_POINTS = (419.5, 595.3)
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
# The page tree's count (the only /Count: Chromium writes no outline unless asked).
PAGE_COUNT = re.compile(rb"/Count\s+(\d+)")
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")
LINK = re.compile(r"https?://\S+/r/[A-Za-z0-9_-]+/")


@pytest.fixture(autouse=True)
def smsoutbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The size of each page of a PDF as Chromium writes it: one page object each, with its
    MediaBox, under one page tree that counts them (no object streams)."""
    pages = PAGE_OBJECT.findall(pdf)
    sizes = [(float(width), float(height)) for width, height in MEDIA_BOX.findall(pdf)]
    assert len(sizes) == len(pages), "a page without its own MediaBox"
    assert PAGE_COUNT.findall(pdf) == [str(len(pages)).encode()], "the page tree counts otherwise"
    return sizes


def _assert_one_a5_page(page) -> None:
    sizes = _pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True))
    assert len(sizes) == 1, f"{page.url} prints on {len(sizes)} pages"
    [(width, height)] = sizes
    assert abs(width - A5_POINTS[0]) < 1 and abs(height - A5_POINTS[1]) < 1, (width, height)


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


@pytest.mark.usefixtures("transactional_db")
def test_the_card_is_sent_by_sms_listed_and_printed_on_one_a5_page(open_page, smsoutbox):
    antenna = AntennaFactory(
        name="La Blancarde",
        address="12 rue Jean Martin",
        postcode="13005",
        city="Marseille",
        public_phone="+33491000000",
        accessibility_notes="Entrée de plain-pied, rampe côté cour.",
    )
    occurrence = occurrence_today(
        antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=8), start=9, end=10
    )
    # The longest card: two languages, one of them right to left, and every paper a need asks for.
    sheet = LiaisonSheetFactory(
        referrer__email="sophie@example.org",
        beneficiary=BeneficiaryFactory(first_name="Aïcha", last_name="Benali", phone="+33612345678"),
        needs=["social_sante", "argent_impots", "insertion_professionnelle", "prendre_en_main_du_materiel"],
        language=Language.objects.get(code="ar"),
    )
    booking = referral_book(sheet=sheet, slot=occurrence.slots.get(), by=sheet.referrer)

    page = open_page(PHONE)
    log_in(page, "sophie@example.org")
    page.goto(f"/rendez-vous/{booking.pk}/carte/")
    print_button = page.get_by_role("button", name=_("Print the card"))
    # Shown by print.js, and calling the browser's print.
    expect(print_button).to_be_visible()
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    print_button.click()
    assert page.evaluate("() => window.printed === true")
    expect(page.get_by_role("table")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(_("No message sent yet."))
    check_accessibility(page)
    _no_sideways_scroll(page)

    page.get_by_role("button", name=_("Send by SMS")).click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text(
        _("The appointment was sent by SMS to %(number)s.") % {"number": "06 12 34 56 78"}
    )
    # The list of messages fits the phone's width: no sideways scroll.
    messages = page.locator("section[aria-labelledby=messages-title]")
    row = messages.locator(".list-group-item").first
    expect(row).to_contain_text(str(ReminderKind.CARD.label))
    expect(row).to_contain_text(_("Sent"))
    expect(row).to_contain_text("06 12 34 56 78")
    check_accessibility(page)
    _no_sideways_scroll(page)
    _assert_one_a5_page(page)

    # The person opens the link of the SMS on their own phone, without an account.
    [text] = smsoutbox
    path = urlsplit(LINK.search(text.body).group(0)).path
    person_page = open_page(PHONE)
    person_page.goto(path)
    expect(person_page.get_by_role("heading", level=1)).to_have_text("Votre rendez-vous à la permanence numérique")
    expect(person_page.locator("section[lang=ar][dir=rtl]")).to_have_count(1)
    expect(person_page.locator("main")).to_contain_text(sheet.reference)
    expect(person_page.locator("main")).not_to_contain_text("Benali")
    check_accessibility(person_page)
    _no_sideways_scroll(person_page)
    _assert_one_a5_page(person_page)
