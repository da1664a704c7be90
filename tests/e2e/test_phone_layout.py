"""The antenna's tabs on a phone, one row that scrolls sideways; the accessibility statement,
open without an account, at both widths, naming the pages the browser tests check; what makes
every page a test shows one it must check."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from tests.core.factories import UserFactory
from tests.e2e.conftest import _VISITS, DESKTOP, PHONE, STATEMENT_SAMPLE, check_accessibility, log_in

# One row of pills: a tab is about 40 px high; two rows would be over 80.
ONE_ROW = 60

TABS = """() => {
  const row = document.querySelector("ul.antenna-tabs");
  const box = row.getBoundingClientRect();
  return {height: box.height, scrollWidth: row.scrollWidth, clientWidth: row.clientWidth,
          pageWidth: document.documentElement.scrollWidth};
}"""


def _tabs(page):
    return page.get_by_role("navigation", name=_("Antenna pages"))


@pytest.mark.usefixtures("transactional_db")
def test_antenna_tabs_take_one_scrolling_row_on_a_phone(open_page):
    coordinator = UserFactory(email="monique@example.org", coordinator=True)
    antenna = coordinator.memberships.get().antenna
    page = open_page(PHONE)
    log_in(page, coordinator.email)

    for url in (reverse("schedule:month", args=[antenna.pk]), reverse("inclusion:antenna_detail", args=[antenna.pk])):
        page.goto(url)
        expect(_tabs(page).get_by_role("link")).to_have_count(9)
        tabs = page.evaluate(TABS)
        assert tabs["height"] < ONE_ROW, f"{url}: the tabs are {tabs['height']}px high on a phone"
        # The row scrolls inside itself; the page does not scroll sideways.
        assert tabs["scrollWidth"] > tabs["clientWidth"]
        assert tabs["pageWidth"] <= PHONE["width"]
        check_accessibility(page)

    # The last tab, out of view at first, comes into view when the keyboard reaches it.
    last = _tabs(page).get_by_role("link").last
    last.focus()
    box = last.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    page.set_viewport_size(DESKTOP)
    page.goto(reverse("schedule:month", args=[antenna.pk]))
    expect(_tabs(page).get_by_role("link").last).to_be_in_viewport()
    assert page.evaluate(TABS)["scrollWidth"] <= page.evaluate(TABS)["clientWidth"]
    check_accessibility(page)


@pytest.mark.usefixtures("transactional_db")
def test_accessibility_statement_is_open_from_the_footer_at_both_widths(open_page):
    for viewport in (PHONE, DESKTOP):
        page = open_page(viewport)
        page.goto(reverse("login"))
        check_accessibility(page)
        page.get_by_role("contentinfo").get_by_role("link", name="Accessibilité : partiellement conforme").click()
        page.wait_for_load_state()
        expect(page.get_by_role("heading", level=1)).to_have_text("Déclaration d’accessibilité")
        expect(page.get_by_role("heading", name="Échantillon de pages testées")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        check_accessibility(page)
    # The sample of pages tested is the list the browser tests keep of the pages they check.
    sample = page.locator("section[aria-labelledby=sample-title]").get_by_role("listitem")
    assert sorted(text.strip() for text in sample.all_inner_texts()) == sorted(
        {str(entry) for entry, _names in STATEMENT_SAMPLE}
    )


@pytest.mark.usefixtures("transactional_db")
def test_a_page_shown_is_to_be_checked_unlike_a_download_or_data(open_page):
    page = open_page(PHONE)
    page.goto(reverse("public:export_json"))
    with page.expect_download():
        page.evaluate("url => { location.href = url; }", reverse("public:export_csv"))
    page.goto("/")
    # Recorded after the redirect, with its query; the JSON shown and the CSV downloaded are not pages.
    visits = _VISITS[page]
    assert visits.unchecked() == [f"{reverse('login')}?next=/"]
    check_accessibility(page)
    assert visits.unchecked() == []
