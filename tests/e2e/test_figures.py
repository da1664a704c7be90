"""The federation reads its figures and prints the funders' summary, from the menu."""

import datetime

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from tests.core.factories import AntennaFactory, OrganizationFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.e2e.conftest import check_accessibility, log_in, open_menu, screenshot
from tests.people.factories import BeneficiaryFactory


@pytest.mark.usefixtures("transactional_db")
def test_federation_admin_reads_the_figures_and_the_funders_summary(open_page):
    UserFactory(email="federation@example.org", admin=True)
    federation = OrganizationFactory(name="Secours populaire – Bouches-du-Rhône")
    month_start = timezone.localdate().replace(day=1)
    for name, topics in (("La Blancarde", ["email", "bureautique"]), ("Chemin de Gibbes", ["sante"])):
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
    screenshot(page, "admin-figures")

    page.get_by_role("link", name=_("Printable summary for funders")).click()
    page.wait_for_load_state()
    check_accessibility(page)
    screenshot(page, "admin-funders-summary")
