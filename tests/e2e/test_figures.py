"""The federation reads its figures, picks a period, downloads the Excel export and prints the
funders' summary, from the menu: every state of the pages checked with axe at a phone's width
and a computer's, and no table clipped at 1280 px."""

import datetime
import re

import openpyxl
import pytest
from django.utils import timezone
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from sessions_app.figures.reporting import period_named
from tests.core.factories import AntennaFactory, OrganizationFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.e2e.conftest import DESKTOP, PHONE, check_accessibility, log_in, open_menu, screenshot
from tests.people.factories import BeneficiaryFactory

# Whatever overflows the page, and every table wider than the box it sits in (which would
# scroll, or be cut, inside it).
OVERFLOWS = """() => {
  const overflows = [];
  if (document.documentElement.scrollWidth > window.innerWidth) {
    overflows.push(`page ${document.documentElement.scrollWidth}px wide`);
  }
  document.querySelectorAll("table").forEach((table) => {
    const box = table.parentElement;
    const cut = [...table.querySelectorAll("th, td")].some(
      (cell) => cell.getBoundingClientRect().right > box.getBoundingClientRect().right + 1
    );
    if (table.scrollWidth > box.clientWidth + 1 || cut) {
      overflows.push(table.querySelector("caption")?.textContent.trim() || table.className);
    }
  });
  return overflows;
}"""


def assert_nothing_clipped(page) -> None:
    """At 1280 px, nothing wider than the window and no table wider than its box; on a phone,
    a table may scroll inside its box, but the page does not."""
    page.set_viewport_size(DESKTOP)
    assert page.evaluate(OVERFLOWS) == []
    page.set_viewport_size(PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)


def assert_the_workbook_is_in_french(page, tmp_path) -> None:
    """The Excel file, in the reader's language (French), with its header frozen and filtered:
    prepared on its page (at once here), downloaded from it, then back to the figures."""
    page.get_by_role("link", name=_("Sessions – Excel (labels, in your language)")).click()
    page.wait_for_load_state()
    check_accessibility(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"_seances_fr\.xlsx")).click()
    page.get_by_role("link", name=_("Back to the figures")).click()
    page.wait_for_load_state()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.endswith("_seances_fr.xlsx")
    sheet = openpyxl.load_workbook(path)["Séances"]
    assert (sheet["A1"].value, sheet.freeze_panes, sheet.auto_filter.ref) == ("Date", "A2", "A1:Z10")


@pytest.mark.usefixtures("transactional_db")
def test_federation_admin_reads_the_figures_and_the_funders_summary(open_page, tmp_path):
    UserFactory(email="federation@example.org", admin=True)
    federation = OrganizationFactory(name="Secours populaire – Bouches-du-Rhône")
    month_start = timezone.localdate().replace(day=1)
    for name, topics in (
        ("La Blancarde", ["email", "bureautique"]),
        ("Chemin de Gibbes", ["sante"]),
        ("Belle de Mai", ["aide_aux_demarches_administratives", "logement"]),
    ):
        antenna = AntennaFactory(organization=federation, name=name)
        for day in range(3):
            SessionLogFactory(
                antenna=antenna,
                date=month_start + datetime.timedelta(days=day),
                beneficiary=BeneficiaryFactory(),
                topics=topics,
            )

    page = open_page()
    log_in(page, "federation@example.org")
    open_menu(page, _("Figures"))
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text(_("All antennas"))
    check_accessibility(page)
    assert_nothing_clipped(page)
    screenshot(page, "admin-figures")

    # Choosing a named period puts its dates in the fields at once (figures_period.js).
    last_month = period_named("last_month", timezone.localdate())
    period = page.get_by_label(_("Period"), exact=True)
    period.focus()
    period.select_option("last_month")
    expect(page.get_by_label(_("From"), exact=True)).to_have_value(last_month.start.isoformat())
    expect(page.get_by_label(_("To"), exact=True)).to_have_value(last_month.end.isoformat())
    check_accessibility(page)
    # Typing a date of its own makes the period a custom one.
    page.get_by_label(_("From"), exact=True).fill(month_start.isoformat())
    page.get_by_label(_("To"), exact=True).fill((month_start + datetime.timedelta(days=6)).isoformat())
    expect(period).to_have_value("custom")
    page.get_by_role("button", name=_("Show")).press("Enter")
    page.wait_for_load_state()
    expect(page.locator("#figure-sessions")).to_have_text("9")
    check_accessibility(page)
    assert_nothing_clipped(page)

    assert_the_workbook_is_in_french(page, tmp_path)

    page.get_by_role("link", name=_("Printable summary for funders")).click()
    page.wait_for_load_state()
    # The sub-theme beneath its theme, not beside it.
    expect(page.get_by_role("rowheader", name="dont Logement")).to_be_visible()
    check_accessibility(page)
    assert_nothing_clipped(page)
    screenshot(page, "admin-funders-summary")
