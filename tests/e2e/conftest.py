"""Browser tests: Debian's Chromium driven by Playwright against the live server on PostgreSQL.

Without /usr/bin/chromium they are skipped with one line, except under CI=true where they must
run. Every page a test visits is checked with axe-core at a phone's width and a computer's: a
test that visits a page it never checks fails at its end, with the list. The guide's screenshots
are taken here.
"""

import ast
import datetime
import os
import re
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
# The widths every page is checked at, its own first.
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}
# Documents that are pages to check; a download or another type (a calendar, a JSON file) is not.
HTML_TYPES = ("text/html", "application/xhtml+xml")
ALLOW_UNCHECKED = "allow_unchecked_pages"
# The sample of pages the accessibility statement lists (templates/core/accessibility.html): each
# of its entries with the URL names of the pages it stands for. The statement lists these entries
# and no other (test_phone_layout); a run of every browser test fails when they checked a page
# missing here or never checked one that is here.
STATEMENT_SAMPLE = [
    (gettext_lazy("Log-in page"), {"login"}),
    (gettext_lazy("Home page of a coordinator, of a social worker and of a volunteer"), {"inclusion:home"}),
    (
        gettext_lazy("An antenna’s permanences, and the form of a new permanence"),
        {"schedule:permanence_list", "schedule:permanence_create"},
    ),
    (gettext_lazy("An antenna’s closures"), {"schedule:closure_list"}),
    (
        gettext_lazy("An antenna’s month, and the forms to cancel and to move a date"),
        {"schedule:month", "schedule:month_of", "schedule:occurrence_cancel", "schedule:occurrence_move"},
    ),
    (gettext_lazy("An antenna’s volunteer rota"), {"volunteers:rota"}),
    (gettext_lazy("An antenna’s details"), {"inclusion:antenna_detail"}),
    (gettext_lazy("An antenna’s reminders (the record of messages)"), {"reminders:reminder_list"}),
    (gettext_lazy("A volunteer’s dates"), {"volunteers:my_dates"}),
    (gettext_lazy("A volunteer’s profile"), {"volunteers:profile"}),
    (
        gettext_lazy(
            "Today’s desk, the registration of a walk-in, the session log, the next appointment to book, a "
            "person’s history at the desk and the day’s list to print"
        ),
        {
            "desk:today",
            "desk:walk_in",
            "desk:log_create",
            "desk:next_appointment",
            "desk:person_history",
            "desk:day_list",
        },
    ),
    (
        gettext_lazy("The registration of a person helped, and the person’s page"),
        {"beneficiaries:person_create", "beneficiaries:person_detail"},
    ),
    (
        gettext_lazy("The referral form (liaison sheet), a referral’s page and the list of referrals"),
        {"beneficiaries:sheet_create", "beneficiaries:sheet_detail", "beneficiaries:sheet_list"},
    ),
    (gettext_lazy("The slot search, also when the last seat has just been taken"), {"booking:slot_search"}),
    (
        gettext_lazy("The appointment card, and the appointment page sent to the person"),
        {"booking:card", "public_appointment"},
    ),
    (gettext_lazy("The figures and the printable summary for funders"), {"figures:figures", "figures:summary"}),
    (gettext_lazy("The page of an Excel export prepared in the background"), {"exports:job"}),
    (gettext_lazy("This accessibility statement"), {"inclusion:accessibility"}),
]
SAMPLE_PAGES = {name for _entry, names in STATEMENT_SAMPLE for name in names}
SAMPLE_PROBLEMS = pytest.StashKey[list[str]]()
# Over the run: the URL names of the pages checked, and the browser tests (file, function) that
# passed and that failed.
_checked_views: set[str] = set()
_passed_tests: set[tuple[str, str]] = set()
_failed_tests: set[tuple[str, str]] = set()
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


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"{ALLOW_UNCHECKED}(reason): the browser test may leave pages it visits unchecked by axe (to be removed)",
    )


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


def pytest_runtest_logreport(report):
    path, _separator, name = report.nodeid.partition("::")
    if Path(path).parent != Path("tests/e2e"):
        return
    test = (Path(path).name, name.partition("[")[0])
    if report.failed:
        _failed_tests.add(test)
    elif report.when == "call" and report.passed:
        _passed_tests.add(test)


def pytest_sessionfinish(session, exitstatus):
    """Once every browser test has passed in the run, the statement's sample must be the list of
    the pages they checked."""
    if _failed_tests or not _browser_tests() <= _passed_tests:
        return
    problems = [
        f"{name} is checked by the browser tests: add it to STATEMENT_SAMPLE and to the statement"
        for name in sorted(_checked_views - SAMPLE_PAGES)
    ] + [
        f"{name} is checked by no browser test: remove it from STATEMENT_SAMPLE and the statement"
        for name in sorted(SAMPLE_PAGES - _checked_views)
    ]
    if problems:
        session.config.stash[SAMPLE_PROBLEMS] = problems
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _browser_tests() -> set[tuple[str, str]]:
    """Each test function of the browser tests' files, as (file, function)."""
    return {
        (path.name, node.name)
        for path in Path(__file__).parent.glob("test_*.py")
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SKIPPED_REASON in config.stash:
        terminalreporter.write_line(config.stash[SKIPPED_REASON])
    for problem in config.stash.get(SAMPLE_PROBLEMS, []):
        terminalreporter.write_line(f"accessibility statement's sample of pages: {problem}", red=True)


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


@dataclass
class Visits:
    """The documents a test's pages showed, by path and query after redirects, and those that
    check_accessibility checked; downloads and documents that are not HTML are left out."""

    origin: str
    shown: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    not_pages: set[str] = field(default_factory=set)

    def watch(self, page) -> None:
        page.on("response", lambda response: self._answered(page, response))
        page.on("framenavigated", lambda frame: self._navigated(page, frame))
        _VISITS[page] = self

    def address(self, url: str) -> str | None:
        """The path and query of a document of the live server, None for any other (about:blank)."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            return None
        return f"{parts.path}?{parts.query}" if parts.query else parts.path

    def unchecked(self) -> list[str]:
        return [address for address in self.shown if address not in self.checked | self.not_pages]

    def _answered(self, page, response) -> None:
        address = self.address(response.url)
        if address is None or 300 <= response.status < 400 or response.frame != page.main_frame:
            return
        if not response.request.is_navigation_request():
            return
        headers = response.headers
        attachment = headers.get("content-disposition", "").startswith("attachment")
        if headers.get("content-type", "").startswith(HTML_TYPES) and not attachment:
            self.not_pages.discard(address)
        else:
            self.not_pages.add(address)

    def _navigated(self, page, frame) -> None:
        address = self.address(frame.url)
        if frame == page.main_frame and address is not None and address not in self.shown:
            self.shown.append(address)


# The visits each open page belongs to, for check_accessibility.
_VISITS: dict[object, Visits] = {}


@pytest.fixture
def open_page(request, browser, live_server):
    """A new browser (its own cookies) at a viewport size; closed at the end of the test. When
    the test fails, what each page showed is printed, to read in the failure's report. When it
    passes, every page it showed must have been checked with check_accessibility, unless it is
    marked allow_unchecked_pages(reason)."""
    contexts = []
    visits = Visits(origin=live_server.url)

    def _open_page(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="fr-FR", base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        visits.watch(page)
        return page

    yield _open_page
    failed = getattr(request.node, "call_failed", False)
    for context in contexts:
        if failed:
            for page in context.pages:
                print(f"--- {page.url}\n{page.locator('main').inner_text()}")
        for page in context.pages:
            _VISITS.pop(page, None)
        context.close()
    unchecked = visits.unchecked()
    if unchecked and not failed and not request.node.get_closest_marker(ALLOW_UNCHECKED):
        pytest.fail("pages shown but never checked with check_accessibility:\n" + "\n".join(unchecked), pytrace=False)


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Through the log-in page, as a person does; both it and the page it leads to are checked."""
    page.goto("/")
    check_accessibility(page)
    page.get_by_label(_("E-mail address")).fill(email)
    page.get_by_label(exactly(_("Password"))).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name=_("Log in")).click()
    check_accessibility(page)


def check_accessibility(page) -> None:
    """No serious or critical axe-core violation on the page as it is now, at a phone's width and
    a computer's (its own first); the page is left at its own size."""
    from axe_playwright_python.sync_playwright import Axe

    size = page.viewport_size
    failures = []
    for label, viewport in sorted(WIDTHS.items(), key=lambda width: width[1] != size):
        _resize(page, viewport)
        violations = Axe().run(page).response["violations"]
        failures += [
            f"{label} ({viewport['width']}px) {v['id']} ({v['impact']}): {v['help']} – "
            f"{[node['target'] for node in v['nodes']][:5]}"
            for v in violations
            if v["impact"] in BLOCKING_IMPACTS
        ]
    _resize(page, size)
    visits = _VISITS.get(page)
    address = visits.address(page.url) if visits else None
    assert not failures, f"{page.url}\n" + "\n".join(failures)
    if visits and address:
        visits.checked.add(address)
        _checked_views.add(_url_name(address))


def _url_name(address: str) -> str:
    try:
        return resolve(urlsplit(address).path).view_name
    except Resolver404:
        return "page not found"


def _resize(page, viewport) -> None:
    """The page at a viewport size, laid out again (two frames) before anything reads it."""
    if page.viewport_size != viewport:
        page.set_viewport_size(viewport)
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def screenshot(page, name: str) -> None:
    """The page at phone and desktop width, for the user guide (docs/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in WIDTHS.items():
        _resize(page, viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=label == "desktop")
    _resize(page, size)


def open_menu(page, label: str) -> None:
    """A main-menu entry; on a phone the menu is folded behind its button first."""
    toggler = page.get_by_role("button", name=_("Show or hide the menu"))
    if toggler.is_visible():
        toggler.click()
    page.get_by_role("navigation", name=_("Main menu")).get_by_role("link", name=label).click()


def exactly(label) -> re.Pattern:
    """A field's label as shown, whatever its first letter's case and the asterisk of a required field."""
    return re.compile(rf"^\s*{re.escape(str(label))}\s*\*?\s*$", re.IGNORECASE)
