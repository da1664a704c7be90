"""A coordinator asks for an Excel export on the figures page: the file is prepared in the
background, its page follows it and then offers it to download. While it is being written, the
page's script moves the bar; without JavaScript, the page reloads itself until the file is ready.
Every state of the page is checked with axe at a phone's width and a computer's."""

import datetime

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from sessions_app.figures.models import ExportJob
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.e2e.conftest import (
    CHROMIUM,
    DESKTOP,
    PASSWORD,
    PHONE,
    check_accessibility,
    exactly,
    log_in,
    open_menu,
)
from tests.people.factories import BeneficiaryFactory
from tests.team.factories import VolunteerProfileFactory

SESSIONS = 4
# Anything wider than the window at a phone's width.
SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth > window.innerWidth"


@pytest.fixture
def exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"
    return settings.EXPORTS_DIR


@pytest.fixture
def coordinator():
    antenna = AntennaFactory(name="La Blancarde")
    user = UserFactory(email="coordinatrice@example.org", coordinator=True, membership__antenna=antenna)
    VolunteerProfileFactory(user=user, charter_signed_on=datetime.date(2026, 1, 15))
    month_start = timezone.localdate().replace(day=1)
    for day in range(SESSIONS):
        SessionLogFactory(
            antenna=antenna, date=month_start + datetime.timedelta(days=day), beneficiary=BeneficiaryFactory()
        )
    return user


def _running_job(user) -> ExportJob:
    antenna = user.memberships.get().antenna
    today = timezone.localdate()
    return ExportJob.objects.create(
        user=user,
        kind=ExportJob.Kind.BOOKINGS,
        scope_kind="antenne",
        scope_pk=antenna.pk,
        scope_label=antenna.name,
        period_start=today.replace(day=1),
        period_end=today,
        language="fr",
        status=ExportJob.Status.RUNNING,
        rows_total=10,
        rows_written=2,
        started_at=timezone.now(),
        progressed_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )


def _finish(job: ExportJob) -> None:
    """What the worker does at the end, without the worker."""
    job.file.save(f"{job.pk}.xlsx", ContentFile(b"PK"), save=False)
    job.status = ExportJob.Status.DONE
    job.rows_written = job.rows_total
    job.filename = "la-blancarde_rendez-vous_fr.xlsx"
    job.file_size = 2
    job.finished_at = timezone.now()
    job.save()


@pytest.mark.usefixtures("transactional_db", "exports_dir")
def test_a_coordinator_asks_for_the_excel_export_and_downloads_it(open_page, coordinator, tmp_path):
    page = open_page(PHONE)
    log_in(page, coordinator.email)
    open_menu(page, _("Figures"))
    page.wait_for_load_state()
    check_accessibility(page)

    page.get_by_role("link", name=_("Sessions – Excel (labels, in your language)")).click()
    page.wait_for_load_state()

    job = ExportJob.objects.get()
    assert page.url.endswith(job.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Excel export – %(what)s") % {"what": "Séances"})
    link = page.get_by_role("link", name=_("Download %(name)s") % {"name": job.filename})
    expect(link).to_be_visible()
    check_accessibility(page)
    assert not page.evaluate(SCROLLS_SIDEWAYS)

    with page.expect_download() as download:
        link.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == job.filename
    assert openpyxl.load_workbook(path)["Séances"].max_row == 1 + SESSIONS


@pytest.mark.usefixtures("transactional_db", "exports_dir")
def test_the_page_moves_its_bar_and_shows_the_link_once_the_file_is_ready(open_page, coordinator):
    job = _running_job(coordinator)
    page = open_page(DESKTOP)
    log_in(page, coordinator.email)
    page.goto(job.get_absolute_url())
    bar = page.get_by_label(_("Progress"))
    expect(bar).to_have_attribute("value", "2")
    expect(page.get_by_role("status")).to_have_text(_("The file is being written."))
    check_accessibility(page)

    ExportJob.objects.filter(pk=job.pk).update(rows_written=6, progressed_at=timezone.now())
    expect(bar).to_have_js_property("value", 6)
    expect(page.get_by_text("6 sur 10 lignes écrites")).to_be_visible()
    # The script, not a refresh, moved the bar: the page was loaded once.
    assert page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    assert page.evaluate("() => document.querySelectorAll('meta[http-equiv=refresh]').length") == 0

    _finish(job)
    expect(page.get_by_role("link", name=_("Download %(name)s") % {"name": job.filename})).to_be_visible()
    page.set_viewport_size(PHONE)
    assert not page.evaluate(SCROLLS_SIDEWAYS)
    check_accessibility(page)


@pytest.mark.usefixtures("transactional_db", "exports_dir")
def test_without_javascript_the_page_reloads_itself_until_the_file_is_ready(browser, live_server, coordinator):
    assert CHROMIUM.exists()
    job = _running_job(coordinator)
    context = browser.new_context(java_script_enabled=False, locale="fr-FR", base_url=live_server.url)
    try:
        page = context.new_page()
        # Through the log-in page, without axe, which needs scripts to run (the pages are checked
        # with them above).
        page.goto(job.get_absolute_url())
        page.get_by_label(_("E-mail address")).fill(coordinator.email)
        page.get_by_label(exactly(_("Password"))).fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name=_("Log in")).click()
        expect(page.get_by_label(_("Progress"))).to_have_attribute("value", "2")

        ExportJob.objects.filter(pk=job.pk).update(rows_written=6, progressed_at=timezone.now())
        expect(page.get_by_text("6 sur 10 lignes écrites")).to_be_visible()
        _finish(job)
        expect(page.get_by_role("link", name=_("Download %(name)s") % {"name": job.filename})).to_be_visible()
    finally:
        context.close()
