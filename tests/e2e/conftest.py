"""Browser tests: Debian's Chromium driven by Playwright against the live server on PostgreSQL.

Without /usr/bin/chromium they are skipped with one line, except under CI=true where they must
run. Every page a journey visits is checked with axe-core; the guide's screenshots are taken here.
"""

import datetime
import os
import re
from importlib import import_module
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.utils.translation import gettext as _

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "un mot de passe solide"
MISSING = f"browser tests skipped: Chromium is missing at {CHROMIUM} (apt-get install chromium chromium-l10n)"
SKIPPED_REASON = pytest.StashKey[str]()
# Impacts that fail a page; axe's "minor" and "moderate" findings are reported, not fatal.
BLOCKING_IMPACTS = {"serious", "critical"}
# Where the journeys happen: French time zones, the first one whose clock is in working hours
# now, so "today's desk" has a slot still to come whatever the hour the suite runs at.
TIME_ZONES = [
    "Europe/Paris",
    "Indian/Reunion",
    "America/Guadeloupe",
    "Pacific/Noumea",
    "Pacific/Tahiti",
    "America/Cayenne",
    "Indian/Mayotte",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    browser_tests = [item for item in items if here in Path(item.fspath).parents]
    for item in browser_tests:
        item.add_marker(pytest.mark.e2e)
    # Without the browser they are skipped, said in one line at the end of the run, except in
    # CI where they must run (and fail in the browser fixture).
    if browser_tests and not CHROMIUM.exists() and os.environ.get("CI") != "true":
        for item in browser_tests:
            item.add_marker(pytest.mark.skip(reason=MISSING))
        config.stash[SKIPPED_REASON] = MISSING


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SKIPPED_REASON in config.stash:
        terminalreporter.write_line(config.stash[SKIPPED_REASON])


@pytest.fixture
def working_hours_zone(settings):
    """The server's and the antennas' time zone for the test: one where it is between 7:00 and 19:00."""
    now = datetime.datetime.now(datetime.UTC)
    zone = next(name for name in TIME_ZONES if 7 <= now.astimezone(ZoneInfo(name)).hour < 19)
    settings.TIME_ZONE = zone
    return zone


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture
def reference_data(django_db_blocker, reference_data_restored):
    """The topics and languages migrations load, which the previous live-server test of the
    module has emptied with every table (reference_data_restored only puts them back once the
    module is done)."""
    with django_db_blocker.unblock():
        import_module("inclusion.core.migrations.0003_topics").load_topics(apps, None)
        import_module("inclusion.core.migrations.0004_languages").load_languages(apps, None)


@pytest.fixture
def browser(monkeypatch, live_server, reference_data):
    """Chromium for one test. Playwright's sync API runs an event loop in this thread while it
    lives, and the tests read the database to check what the pages did: Django would take that
    for async code. Allowed during the test only (the database is set up and emptied around it,
    and nothing else, such as a deployment check run in a subprocess, inherits the setting)."""
    if not CHROMIUM.exists():
        pytest.fail(MISSING.replace("skipped", "cannot run"))
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            # Date fields follow the browser's own language (French with Debian's chromium-l10n),
            # as they do on the volunteers' and social workers' computers.
            env={**os.environ, "LANGUAGE": "fr"},
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(request, browser, live_server):
    """A new browser (its own cookies) at a viewport size; closed at the end of the test. When
    the test fails, what each page showed is printed, to read in the failure's report."""
    contexts = []

    def _open_page(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="fr-FR", base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _open_page
    for context in contexts:
        if getattr(request.node, "call_failed", False):
            for page in context.pages:
                print(f"--- {page.url}\n{page.locator('main').inner_text()}")
        context.close()


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Through the log-in page, as a person does."""
    page.goto("/")
    check_accessibility(page)
    page.get_by_label(_("E-mail address")).fill(email)
    page.get_by_label(exactly(_("Password"))).fill(password)
    page.get_by_role("button", name=_("Log in")).click()
    page.wait_for_load_state()


def check_accessibility(page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} – {[node['target'] for node in v['nodes']][:5]}" for v in blocking
    )
    assert not blocking, f"{page.url}\n{report}"


def screenshot(page, name: str) -> None:
    """The page at phone and desktop width, for the user guide (docs/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=label == "desktop")
    page.set_viewport_size(size)


def open_menu(page, label: str) -> None:
    """A main-menu entry; on a phone the menu is folded behind its button first."""
    toggler = page.get_by_role("button", name=_("Show or hide the menu"))
    if toggler.is_visible():
        toggler.click()
    page.get_by_role("navigation", name=_("Main menu")).get_by_role("link", name=label).click()


def exactly(label: str) -> re.Pattern:
    """A field's label as shown, whatever its first letter's case and the asterisk of a required field."""
    return re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$", re.IGNORECASE)
