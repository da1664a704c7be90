"""Who gets what from every URL of the site: one matrix, built from the URL resolver.

Every URL the resolver knows (all namespaces and un-namespaced names; the technical admin under
ADMIN_URL and the static files are left out) must have at least one line in MATRIX, or
`test_every_url_is_in_the_matrix` fails naming it. Each line is one request, tried by every role:

    Url(name, kwargs, own, other=..., method="get", data=..., anonymous=LOGIN, label="")

- `name`: the URL name, with its namespace ("schedule:permanence_list").
- `kwargs`: how to build the URL's arguments. A dict when they do not name an object of a scope
  (or None when there are none); a function of a `tests.access.Scope` when they do, such as
  `antenna_pk` (`{"antenna_pk": scope.antenna.pk}`) or `pk("sheet")` (`{"pk": scope.sheet.pk}`).
  A function's line is tried twice: on the `own` scope (antenna "Alpha", where the volunteer and
  the coordinator of the matrix work and where the referrer's referral is booked) and on the
  `other` scope (antenna "Beta", with its own team and referrer).
- `own`: the status each signed-in role gets, in the order of ROLES: (volunteer, coordinator,
  referrer, admin). Use the named rows below (TEAM_READ, ADMIN_ONLY…) when one fits.
- `other`: the same on the other scope; by default what only an admin may know exists: a 404
  for every role but the admin, who gets what they get on their own scope.
- `method`: "post" for POST-only URLs. `data` (a dict, or a function of the scope) is what is
  posted, to them and to a page that refuses the role; chosen so that the request would change
  something if it were let through.
- `anonymous`: LOGIN (sent to the log-in page) unless the page is public (then its status).
- `label`: tells apart two lines of one URL name.

The statuses: 200 (or the expected redirect, 302, after an allowed POST), 404 for what the user
may not know exists, 403 for what they may see but not change. A refused request (403, 404, or
the log-in page) must write no row at all (PostgreSQL's own count of the transaction's inserts,
updates and deletes must not move); a refused page is also posted to with the line's data and
must be refused again (or answer 405) without writing anything.

Adding a URL is adding one line to MATRIX, for instance:

    Url("inclusion:antenna_detail", pk("antenna"), TEAM_READ),  # an antenna's page, own and other
    Url("healthz", None, EVERYONE, anonymous=200),  # a public page that names no object
    Url("schedule:closure_delete", pk("closure"), TEAM_ACTION, method="post"),  # a POST-only action

What each role sees inside lists and exports is checked at the end of the module.
"""

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.views import static
from pytest_django.asserts import assertContains, assertNotContains

from sessions_app.figures.models import ExportJob
from sessions_app.figures.reporting import pseudonym
from sessions_app.reminders.enums import ReminderChannel, ReminderKind
from sessions_app.reminders.models import ReminderMessage
from tests.access import Scope, database_writes, rolled_back_after_module, world_build

ROLES = ("volunteer", "coordinator", "referrer", "admin")
LOGIN = "login"
Statuses = tuple[int, int, int, int]

# Named rows of statuses, in the order of ROLES: (volunteer, coordinator, referrer, admin).
EVERYONE = (200, 200, 200, 200)
EVERYONE_MOVED = (302, 302, 302, 302)
ADMIN_ONLY = (403, 403, 403, 200)
# The antenna's pages: its team reads them; a referrer does not know the antenna's inside.
TEAM_READ = (200, 200, 404, 200)
# The antenna's forms: its coordinators change them, its volunteers may only look.
TEAM_CHANGE = (403, 200, 404, 200)
TEAM_ACTION = (403, 302, 404, 302)
# What the whole team does, volunteers included: check people in, sign up for a date.
TEAM_POST = (302, 302, 404, 302)
# The antenna's own figures and exports, for its coordinators.
FIGURES = (403, 200, 404, 200)
# An Excel export is asked for: its coordinators are led to the page of the job that prepares it.
FIGURES_JOB = (403, 302, 404, 302)
# A prepared export's page, status and file: the user who asked for it alone (here the coordinator).
ASKER_ONLY = (404, 200, 404, 404)
NOBODY = (404, 404, 404, 404)
# Pages about one's own rota and profile: the antennas' teams, not referrers.
TEAM_OWN = (200, 200, 403, 200)
# Referrals: the referrer writes and books them; the antenna's team sees the ones booked there.
REFERRAL_READ = EVERYONE
REFERRAL_ACT = (403, 403, 302, 302)
# Accounts: the volunteer's own account is theirs to see but not to manage; others do not exist.
ACCOUNT = (403, 404, 404, 200)
ACCOUNT_ACTION = (403, 404, 404, 302)
# A person's rights (their data, consent withdrawal): the coordinators of the antenna, the referrer
# who registered them, admins.
PERSON_RIGHTS = (403, 200, 200, 200)


def _call(scope: Scope) -> ReminderMessage:
    """A person of the scope's antenna to call about a change to their appointment."""
    message, _created = ReminderMessage.objects.get_or_create(
        booking=scope.booking,
        kind=ReminderKind.DATE_MOVED,
        channel=ReminderChannel.CALL,
        defaults={"antenna": scope.antenna, "occurrence": scope.ahead, "address": ""},
    )
    return message


def pk(name: str) -> Callable[[Scope], dict]:
    """The URL's `pk` is the scope's object of that name."""
    return lambda scope: {"pk": getattr(scope, name).pk}


def antenna_pk(scope: Scope) -> dict:
    return {"antenna_pk": scope.antenna.pk}


def antenna_month(scope: Scope) -> dict:
    today = timezone.localdate()
    return {"antenna_pk": scope.antenna.pk, "year": today.year, "month": today.month}


def antenna_figures(scope: Scope) -> dict:
    return {"scope": "antenne", "pk": scope.antenna.pk}


def antenna_export(fmt: str) -> Callable[[Scope], dict]:
    return lambda scope: {"scope": "antenne", "pk": scope.antenna.pk, "fmt": fmt}


def export_job(scope: Scope) -> dict:
    """A prepared export of the scope's antenna, asked for by its coordinator, its file written."""
    today = timezone.localdate()
    job = ExportJob.objects.create(
        user=scope.coordinator,
        kind=ExportJob.Kind.SESSIONS,
        scope_kind="antenne",
        scope_pk=scope.antenna.pk,
        scope_label=scope.antenna.name,
        period_start=today.replace(day=1),
        period_end=today,
        language="fr",
        status=ExportJob.Status.DONE,
        filename="export.xlsx",
        file_size=2,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    job.file.save(f"{job.pk}.xlsx", ContentFile(b"PK"))
    return {"pk": job.pk}


@dataclass(frozen=True)
class Url:
    name: str
    kwargs: dict | Callable[[Scope], dict] | None
    own: Statuses
    other: Statuses | None = None
    method: str = "get"
    data: dict | Callable[[Scope], dict] | None = None
    anonymous: int | str = LOGIN
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.name}[{self.label}]" if self.label else self.name

    @property
    def scopes(self) -> tuple[str, ...]:
        return ("own", "other") if callable(self.kwargs) else ("-",)

    def expected(self, role: str, scope: str) -> int | str:
        if role == "anonymous":
            return self.anonymous
        index = ROLES.index(role)
        if scope != "other":
            return self.own[index]
        if self.other is not None:
            return self.other[index]
        return self.own[index] if role == "admin" else 404

    def url(self, scope: Scope) -> str:
        kwargs = self.kwargs(scope) if callable(self.kwargs) else self.kwargs
        return reverse(self.name, kwargs=kwargs)

    def post_data(self, scope: Scope) -> dict:
        return (self.data(scope) if callable(self.data) else self.data) or {}


MATRIX = [
    # The core: home, profile, antennas, organizations, accounts.
    Url("inclusion:home", None, EVERYONE),
    Url("inclusion:profile", None, EVERYONE, data={"display_name": "Nouveau nom", "phone": ""}),
    Url("inclusion:antenna_list", None, EVERYONE),
    Url("inclusion:antenna_create", None, ADMIN_ONLY, data=lambda s: {"organization": s.organization.pk}),
    Url("inclusion:antenna_detail", pk("antenna"), TEAM_READ),
    Url("inclusion:antenna_update", pk("antenna"), TEAM_CHANGE, data={"name": "Renommée", "workstations": 3}),
    Url("inclusion:organization_list", None, EVERYONE),
    Url("inclusion:organization_create", None, ADMIN_ONLY, data={"name": "Nouvelle", "kind": "association"}),
    Url("inclusion:organization_detail", pk("organization"), TEAM_READ, label="antenna's"),
    Url("inclusion:organization_detail", pk("referrer_organization"), (404, 404, 200, 200), label="referrer's"),
    Url("inclusion:organization_update", pk("organization"), (403, 403, 404, 200), data={"name": "Renommée"}),
    Url("inclusion:account_list", None, ADMIN_ONLY),
    Url("inclusion:account_create", None, ADMIN_ONLY, data={"email": "x@example.org", "display_name": "X"}),
    Url("inclusion:account_detail", pk("volunteer"), ACCOUNT),
    Url("inclusion:account_update", pk("volunteer"), ACCOUNT, data={"display_name": "Renommé"}),
    Url("inclusion:account_invitation_resend", pk("volunteer"), ACCOUNT_ACTION, method="post"),
    Url(
        "inclusion:account_membership_add",
        pk("volunteer"),
        ACCOUNT_ACTION,
        method="post",
        data=lambda s: {"antenna": s.antenna.pk, "role": "coordinator"},
    ),
    Url(
        "inclusion:account_membership_remove",
        lambda s: {"pk": s.volunteer.pk, "membership_pk": s.membership.pk},
        ACCOUNT_ACTION,
        method="post",
    ),
    Url(
        "inclusion:account_referrer_set",
        pk("volunteer"),
        ACCOUNT_ACTION,
        method="post",
        data=lambda s: {"organization": s.referrer_organization.pk, "job_title": "CESF"},
    ),
    Url("inclusion:account_referrer_remove", pk("referrer"), (404, 404, 403, 302), method="post"),
    # The personal-data access log: only admins know it exists.
    Url("inclusion:access_log", None, (404, 404, 404, 200)),
    Url("inclusion:accessibility", None, EVERYONE, anonymous=200),
    # Two-step verification, for accounts without a device: the code page has nothing to ask and
    # moves on; admins and coordinators may set one up; turning off or new codes need a device.
    Url("two_factor:verify", None, EVERYONE_MOVED),
    Url("two_factor:setup", None, (404, 200, 404, 200), data={"code": "123456"}),
    Url("two_factor:disable", None, (404, 404, 404, 404), data={"code": "123456"}),
    Url("two_factor:backup_codes", None, (404, 404, 404, 404), data={"code": "123456"}),
    # The load balancer's probe.
    Url("healthz", None, EVERYONE, anonymous=200),
    # Log-in, log-out, passwords, language.
    Url("login", None, EVERYONE_MOVED, anonymous=200),
    Url("logout", None, EVERYONE_MOVED, method="post"),
    Url("password_change", None, EVERYONE),
    Url("password_change_done", None, EVERYONE),
    Url("password_reset", None, EVERYONE, anonymous=200),
    Url("password_reset_done", None, EVERYONE, anonymous=200),
    Url("password_reset_confirm", {"uidb64": "MQ", "token": "abc-123"}, EVERYONE, anonymous=200),
    Url("password_reset_complete", None, EVERYONE, anonymous=200),
    Url("set_language", None, EVERYONE_MOVED, method="post", data={"language": "en", "next": "/"}, anonymous=302),
    # Schedule: permanences, closures, dates, the month.
    Url("schedule:permanence_list", antenna_pk, TEAM_READ),
    Url("schedule:permanence_create", antenna_pk, TEAM_CHANGE, data={"title": "Intrus", "weekday": 1}),
    Url("schedule:permanence_update", pk("permanence"), TEAM_CHANGE, data={"title": "Renommée"}),
    Url("schedule:permanence_toggle", pk("permanence"), TEAM_ACTION, method="post"),
    # A session is logged on it: the page offers to archive it, a deletion sent is refused.
    Url("schedule:permanence_delete", pk("permanence"), TEAM_CHANGE),
    Url("schedule:permanence_archive", pk("permanence"), TEAM_ACTION, method="post"),
    # Not archived: back to the list with a message.
    Url("schedule:permanence_unarchive", pk("permanence"), TEAM_ACTION, method="post"),
    Url(
        "schedule:closure_list",
        antenna_pk,
        TEAM_READ,
        data={"starts_on": "2032-01-01", "ends_on": "2032-01-31", "reason": "Travaux"},
    ),
    Url("schedule:closure_delete", pk("closure"), TEAM_ACTION, method="post"),
    Url("schedule:month", antenna_pk, TEAM_READ),
    Url("schedule:month_of", antenna_month, TEAM_READ),
    Url("schedule:occurrence_add", antenna_pk, TEAM_CHANGE),
    # An empty post to open a date is refused politely and sent back to the month.
    Url("schedule:occurrence_open", antenna_pk, TEAM_ACTION, method="post"),
    Url("schedule:occurrence_cancel", pk("ahead"), TEAM_CHANGE, data={"reason": "Grève"}),
    Url("schedule:occurrence_move", pk("ahead"), TEAM_CHANGE, data={"date": "2031-03-04", "start": "10:00"}),
    # Not cancelled: back to the month with a message.
    Url("schedule:occurrence_restore", pk("ahead"), TEAM_ACTION),
    # The reminders sent for the antenna: its coordinators'.
    Url("reminders:reminder_list", antenna_pk, (404, 200, 404, 200)),
    # The SMS provider's webhook: not there while no secret is set (the tests set none).
    Url(
        "reminders:sms_reply",
        None,
        (404, 404, 404, 404),
        method="post",
        data={"from": "+33465710101", "text": "STOP", "id": "matrix"},
        anonymous=404,
    ),
    # Today's desk and session logs.
    Url("desk:today", antenna_pk, TEAM_READ),
    Url("desk:day_list", antenna_pk, TEAM_READ),
    Url("desk:attendance", pk("booking"), TEAM_POST, method="post", data={"attendance": "attended"}),
    Url("desk:call_done", lambda scope: {"pk": _call(scope).pk}, TEAM_POST, method="post"),
    Url("desk:walk_in", pk("occurrence"), TEAM_READ, data={"anonymous": "on"}),
    Url("desk:log_list", antenna_pk, TEAM_READ),
    Url("desk:log_create", antenna_pk, TEAM_READ, data={"duration": "60", "topics": "1"}),
    Url("desk:log_detail", pk("log"), TEAM_READ),
    Url("desk:person_history", lambda s: {"antenna_pk": s.antenna.pk, "beneficiary_pk": s.person.pk}, TEAM_READ),
    Url("desk:next_appointment", lambda s: {"antenna_pk": s.antenna.pk, "beneficiary_pk": s.person.pk}, TEAM_READ),
    # Volunteers: their dates, the rota, the team, the personal calendar.
    Url("volunteers:my_dates", None, TEAM_OWN),
    Url("volunteers:profile", None, TEAM_OWN, data={"availability_notes": "Le mardi"}),
    Url("volunteers:calendar_reset", None, (302, 302, 403, 302), method="post"),
    # The secret address is the key: no log-in, whoever asks.
    Url("volunteers:calendar", lambda s: {"token": s.calendar_token}, EVERYONE, other=EVERYONE, anonymous=200),
    Url("volunteers:signup", pk("ahead"), TEAM_POST, method="post"),
    # Only the volunteer is on the date: the others have no sign-up of their own to withdraw.
    Url("volunteers:withdraw", pk("ahead"), (302, 404, 404, 404), other=(404, 404, 404, 404), method="post"),
    Url(
        "volunteers:rota_assign",
        pk("ahead"),
        TEAM_ACTION,
        method="post",
        data=lambda s: {"volunteer": s.coordinator.pk},
    ),
    Url("volunteers:rota_remove", pk("signup"), TEAM_ACTION, method="post"),
    Url("volunteers:rota", antenna_pk, TEAM_READ),
    Url("volunteers:rota_of", antenna_month, TEAM_READ),
    Url("volunteers:team", antenna_pk, TEAM_READ),
    Url(
        "volunteers:member",
        lambda s: {"antenna_pk": s.antenna.pk, "user_pk": s.volunteer.pk},
        TEAM_CHANGE,
        data={"charter_signed_on": "2026-01-15", "is_active": ""},
    ),
    # People and referrals.
    Url("beneficiaries:person_list", None, EVERYONE),
    Url("beneficiaries:person_create", None, (403, 403, 200, 200), data={"first_name": "Intruse"}),
    Url("beneficiaries:person_detail", pk("person"), REFERRAL_READ),
    Url("beneficiaries:sheet_create", pk("person"), (403, 403, 200, 403), other=(404, 404, 404, 403)),
    Url("beneficiaries:sheet_list", None, EVERYONE),
    Url("beneficiaries:sheet_detail", pk("sheet"), REFERRAL_READ),
    Url(
        "beneficiaries:sheet_action",
        pk("sheet"),
        REFERRAL_ACT,
        method="post",
        data={"action": "cancel", "note": "Plus besoin"},
    ),
    Url("beneficiaries:reference_lookup", None, EVERYONE),
    # The people's rights: their data for the antenna's coordinators and the referrer who registered
    # them, erasure for the coordinators; the antenna's volunteers know the person but may not.
    Url("privacy:person_data", pk("person"), PERSON_RIGHTS),
    Url("privacy:person_data_json", pk("person"), PERSON_RIGHTS),
    Url("privacy:consent_withdraw", pk("person"), PERSON_RIGHTS, data={"confirm": "on"}),
    Url("privacy:person_erase", pk("person"), (403, 200, 403, 200), data={"confirm": "on"}),
    # Booking a referral.
    Url("booking:slot_search", pk("sheet"), (403, 403, 200, 200)),
    # The sheet is booked already: booking again goes back to the search with a message.
    Url("booking:book", pk("sheet"), REFERRAL_ACT, method="post", data=lambda s: {"slot": s.slot.pk}),
    Url("booking:cancel", pk("booking"), EVERYONE_MOVED, method="post", data={"reason": "Malade"}),
    Url("booking:card", pk("booking"), REFERRAL_READ),
    Url("booking:card_send", pk("booking"), EVERYONE_MOVED, method="post", data={"channel": "sms"}),
    # An appointment's page is opened by the secret of a link sent to its person: a wrong one is a 404.
    Url("public_appointment", {"token": "not-a-sent-link"}, (404, 404, 404, 404), anonymous=404),
    # Figures and exports.
    Url("figures:home", None, (403, 302, 403, 302)),
    Url("figures:figures", antenna_figures, FIGURES, label="antenna"),
    Url(
        "figures:figures",
        lambda s: {"scope": "structure", "pk": s.organization.pk},
        (403, 403, 404, 200),
        label="organization",
    ),
    Url("figures:figures", {"scope": "tout", "pk": 0}, ADMIN_ONLY, label="all"),
    Url("figures:summary", antenna_figures, FIGURES),
    Url("exports:sessions", antenna_export("csv"), FIGURES, label="csv"),
    Url("exports:sessions", antenna_export("xlsx"), FIGURES_JOB, label="xlsx"),
    Url("exports:bookings", antenna_export("csv"), FIGURES, label="csv"),
    Url("exports:bookings", antenna_export("xlsx"), FIGURES_JOB, label="xlsx"),
    # A prepared export is its asker's alone: nobody else, an admin neither, knows it exists.
    Url("exports:job", export_job, ASKER_ONLY, other=NOBODY),
    Url("exports:job_status", export_job, ASKER_ONLY, other=NOBODY),
    Url("exports:job_download", export_job, ASKER_ONLY, other=NOBODY),
    # Public pages: no account needed.
    Url("public:antenna_list", None, EVERYONE, anonymous=200),
    Url("public:export_json", None, EVERYONE, anonymous=200),
    Url("public:export_csv", None, EVERYONE, anonymous=200),
    Url("public:antenna_detail", pk("antenna"), EVERYONE, other=EVERYONE, anonymous=200),
    Url("public:antenna_calendar", pk("antenna"), EVERYONE, other=EVERYONE, anonymous=200),
]


def resolver_views(resolver: URLResolver | None = None, namespace: str = "") -> dict[str, Callable]:
    """Every URL name of the site, with its namespace, and its view; an unnamed pattern is named
    by its route, so that it shows up as missing."""
    resolver = resolver or get_resolver()
    views = {}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin" or str(pattern.pattern) == settings.ADMIN_URL:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            views |= resolver_views(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.callback is not static.serve:
            views[f"{namespace}{pattern.name or f'<unnamed {pattern.pattern}>'}"] = pattern.callback
    return views


def test_every_url_is_in_the_matrix():
    declared = {line.name for line in MATRIX}
    missing = set(resolver_views()) - declared
    assert not missing, f"URLs missing from tests/test_url_matrix.py::MATRIX, add a line for each: {sorted(missing)}"
    stale = declared - set(resolver_views())
    assert not stale, f"MATRIX names URLs the site no longer has: {sorted(stale)}"


def test_the_public_lines_are_the_views_marked_login_not_required():
    """A line open to anonymous visitors names a view marked login_not_required, and the other
    way round: the matrix cannot make a page public by mistake, nor forget a public one."""
    views = resolver_views()
    wrong = [
        line.id for line in MATRIX if getattr(views[line.name], "login_required", True) != (line.anonymous == LOGIN)
    ]
    assert not wrong, f"the anonymous answer and login_not_required disagree for {wrong}"


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path):
    """The prepared exports' files in the test's own folder."""
    settings.EXPORTS_DIR = tmp_path / "exports"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back_after_module(django_db_blocker):
        with django_db_blocker.unblock():
            built = world_build()
        yield built


CASES = [pytest.param(line, scope, id=f"{line.id}-{scope}") for line in MATRIX for scope in line.scopes]


def _send(client, method: str, url: str, data: dict):
    response = client.post(url, data) if method == "post" else client.get(url)
    if response.streaming:
        # Read to the end, as a browser would: the test client closes the download only then.
        b"".join(response.streaming_content)
    return response


def _answer_of(response) -> int | str:
    """The status, or LOGIN for the redirection to the log-in page with the way back."""
    login = reverse("login")
    if response.status_code == 302 and response["Location"] == f"{login}?next={response.request['PATH_INFO']}":
        return LOGIN
    return response.status_code


def _try(client, user, line: Url, url: str, data: dict, expected: int | str) -> str:
    """One role's request, undone afterwards; what went wrong, or an empty string."""
    client.logout()
    if user is not None:
        client.force_login(user)
    refused = expected in (LOGIN, 403, 404)
    before = database_writes() if refused else None
    answer = _answer_of(_send(client, line.method, url, data))
    if answer != expected:
        return f"{line.method.upper()} expected {expected}, got {answer}"
    if refused and database_writes() != before:
        return "the refused request changed the database"
    if refused and line.method == "get":
        answer = _answer_of(_send(client, "post", url, data))
        if answer not in (expected, 405):
            return f"POST expected {expected} (or 405), got {answer}"
        if database_writes() != before:
            return "the refused post changed the database"
    return ""


@pytest.mark.parametrize(("line", "scope"), CASES)
def test_access(client, world, line, scope):
    """Every role in turn, each in a savepoint rolled back after its request, so that what one
    role is allowed to change does not change the next one's answer."""
    objects = world.scope(scope)
    url, data = line.url(objects), line.post_data(objects)
    wrong = {}
    for role, user in world.users.items():
        with transaction.atomic():
            problem = _try(client, user, line, url, data, line.expected(role, scope))
            transaction.set_rollback(True)
        if problem:
            wrong[role] = problem
    assert not wrong, f"{url}: {wrong}"


# What lists and exports show: never another scope's rows.


def _csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content), delimiter=";"))


def _scoped_pages(world, role: str) -> list[str]:
    own = world.own
    pages = [
        reverse("inclusion:antenna_list"),
        reverse("inclusion:organization_list"),
        reverse("beneficiaries:person_list"),
        reverse("beneficiaries:sheet_list"),
    ]
    if role != "referrer":
        pages += [
            reverse("volunteers:my_dates"),
            reverse("desk:log_list", args=[own.antenna.pk]),
            reverse("desk:today", args=[own.antenna.pk]),
            reverse("volunteers:rota", args=[own.antenna.pk]),
            reverse("volunteers:team", args=[own.antenna.pk]),
            reverse("schedule:permanence_list", args=[own.antenna.pk]),
        ]
    return pages


@pytest.mark.parametrize("role", ["volunteer", "coordinator", "referrer"])
def test_lists_never_show_another_scope(client, world, role):
    client.force_login(world.users[role])
    other = world.other
    for url in _scoped_pages(world, role):
        response = client.get(url)
        assert response.status_code == 200, url
        for text in (other.antenna.name, other.person.last_name, other.sheet.reference, other.volunteer.display_name):
            assertNotContains(response, text, msg_prefix=url)


def test_the_lists_show_the_own_scope(client, world):
    """The control of the test above: the same pages do show the own scope's rows."""
    own = world.own
    client.force_login(own.coordinator)
    assertContains(client.get(reverse("beneficiaries:person_list")), own.person.last_name)
    assertContains(client.get(reverse("beneficiaries:sheet_list")), own.sheet.reference)
    assertContains(client.get(reverse("inclusion:antenna_list")), own.antenna.name)
    client.force_login(own.referrer)
    assertContains(client.get(reverse("beneficiaries:person_list")), own.person.last_name)
    assertContains(client.get(reverse("beneficiaries:sheet_list")), own.sheet.reference)


def _xlsx_rows(response) -> list[list[str]]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [
        ["" if value is None else str(value) for value in row]
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    workbook.close()
    return rows


def _export_rows(client, url: str, period: dict, fmt: str) -> list[list[str]]:
    """An export's rows; the workbook is prepared by its job (run at once here) and downloaded."""
    if fmt == "csv":
        return _csv_rows(client.get(url, period))
    with TestCase.captureOnCommitCallbacks(execute=True):
        job_page = client.get(url, period)
    download = client.get(reverse("exports:job_download", args=[resolve(job_page["Location"]).kwargs["pk"]]))
    return _xlsx_rows(download)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("export", ["exports:sessions", "exports:bookings"])
def test_a_coordinators_exports_hold_only_their_antennas_rows(client, world, export, fmt):
    own, other = world.own, world.other
    client.force_login(own.coordinator)
    today = timezone.localdate()
    period = {"periode": "custom", "du": f"{today.year - 1}-01-01", "au": f"{today.year + 1}-12-31", "noms": "1"}

    rows = _export_rows(client, reverse(export, args=["antenne", own.antenna.pk, fmt]), period, fmt)

    text = "\n".join(";".join(row) for row in rows)
    for shown in (own.antenna.name, own.person.last_name, pseudonym(own.person.pk)):
        assert shown in text
    for hidden in (other.antenna.name, other.person.last_name, pseudonym(other.person.pk)):
        assert hidden not in text


def test_an_admins_export_of_everything_holds_both_scopes(client, world):
    """The control: the same export over everything has both antennas' rows."""
    client.force_login(world.admin)
    today = timezone.localdate()
    period = {"periode": "custom", "du": f"{today.year - 1}-01-01", "au": f"{today.year + 1}-12-31"}
    rows = _csv_rows(client.get(reverse("exports:bookings", args=["tout", 0, "csv"]), period))
    text = "\n".join(";".join(row) for row in rows)
    assert len(rows) == 3
    assert world.own.antenna.name in text and world.other.antenna.name in text
