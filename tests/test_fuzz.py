"""Hostile input everywhere: every form, every query string and every URL argument of the site
gets huge strings, NUL bytes, impossible dates, negative and huge numbers, odd unicode and the
ids of another antenna's objects. Whatever comes in, the answer is never a 500 (the test client
raises the view's exception), and no row of a scope the user does not own changes.

FORMS lists where each form is shown, where it is sent and who fills it in; its fields, and what
the page would send as it is, are read from the page itself, so a field added to a form is
fuzzed without touching this module. Lists and reports are there too, as GET forms naming the
query-string parameters they read. A form shown empty has a valid filling (`filled`), so that a
hostile value in one field, the others valid, reaches what runs after validation. The URL
arguments come from the resolver. A new page with a form is one more Form line.

Examples are drawn deterministically (derandomize, no example database) so the run is stable;
FUZZ_EXAMPLES=200 in the environment explores further, for a run by hand.
"""

import datetime
import html.parser
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from inclusion.core.models import Topic
from tests.access import World, rolled_back_after_module, scope_state, world_build

HOSTILE = [
    "",
    " ",
    "\x00",
    "nul\x00in the middle",
    "x" * 100_000,
    "é" * 5_000,
    "0",
    "-1",
    "-2147483649",
    "2147483648",
    "9" * 30,
    "9" * 5_000,
    "1e309",
    "NaN",
    "-inf",
    "²",
    "٣",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "31/12/2026",
    "2026-13-01",
    "25:61",
    "24:00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "//evil.example/",
    "https://evil.example/",
    "\u202egnp.exe",
    "𝕏𝕐🙂",
    "on",
    "%00",
]
# One value in every field at once: the ones most likely to break a parser or the database.
BATTERY = ["\x00", "x" * 100_000, "9" * 5_000, "²", "10000-01-01"]

# One field at a time in a valid form: the first and last days a date can hold, and big numbers.
EXTREMES = ["0001-01-01", "9999-12-31", "2147483648", "-1", "\x00"]

EXAMPLES = hypothesis_settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "6")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def other_ids(world: World) -> list[str]:
    """The ids of the other scope's objects, to post where an id of one's own is expected."""
    other = world.other
    objects = [
        other.organization,
        other.referrer_organization,
        other.antenna,
        other.coordinator,
        other.volunteer,
        other.referrer,
        other.membership,
        other.permanence,
        other.occurrence,
        other.ahead,
        other.slot,
        other.closure,
        other.signup,
        other.person,
        other.sheet,
        other.open_sheet,
        other.booking,
        other.log,
    ]
    return sorted({str(obj.pk) for obj in objects}) + [other.sheet.reference, other.calendar_token]


def hostile_values(world: World):
    text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
    one = st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(other_ids(world)),
        text,
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
    )
    return st.one_of(one, st.lists(one, min_size=1, max_size=3))


def hostile_data(world: World, fields: list[str]):
    """Some of the fields, each with a hostile value (or several, for multiple choices)."""
    return st.fixed_dictionaries({}, optional=dict.fromkeys(fields, hostile_values(world)))


class FormFields(html.parser.HTMLParser):
    """The fields of each form of a page, by method and action, with what a browser would send
    for each if nothing were typed: filled-in values, ticked boxes, selected options."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: dict[tuple[str, str], dict[str, list[str]]] = {}
        self.current: dict[str, list[str]] | None = None
        self.select: tuple[str, list[str]] | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            key = ((attrs.get("method") or "get").lower(), attrs.get("action") or self.page_url)
            self.current = self.forms.setdefault(key, {})
            return
        name = attrs.get("name")
        if self.current is None:
            return
        if tag == "option" and self.select is not None:
            name, options = self.select
            options.append(attrs.get("value") or "")
            if "selected" in attrs:
                self.current[name].append(attrs.get("value") or "")
        elif not name:
            return
        elif tag == "select":
            self.current.setdefault(name, [])
            self.select = (name, [])
        elif tag == "textarea":
            self.current.setdefault(name, [])
            self.textarea = name
        elif tag == "input":
            values = self.current.setdefault(name, [])
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    values.append(attrs.get("value") or "on")
            elif kind not in ("submit", "button"):
                values.append(attrs.get("value") or "")
        elif tag == "button":
            self.current.setdefault(name, [])

    def handle_data(self, data):
        if self.textarea is not None and self.current is not None:
            self.current[self.textarea] = [data.strip("\n")]

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select" and self.select is not None and self.current is not None:
            name, options = self.select
            # A single select with nothing marked sends its first option.
            if not self.current[name] and options:
                self.current[name] = [options[0]]
            self.select = None
        elif tag == "textarea":
            self.textarea = None


@dataclass(frozen=True)
class Form:
    """A form as a role finds it: shown on `page`, sent to `action` (the page itself by default)
    with `method`; `fields` names fields a page does not show (else they are read from it).
    `guard`: whether the other scope must come out unchanged (an admin may change anything).
    `filled`: a valid filling of a form that is empty when shown, for hostile values to replace
    one field at a time and so reach what runs after validation."""

    id: str
    role: str
    page: Callable[[World], str]
    action: Callable[[World], str] | None = None
    method: str = "post"
    fields: tuple[str, ...] = ()
    guard: bool = True
    filled: Callable[[World], dict] | None = None

    def urls(self, world: World) -> tuple[str, str]:
        page = self.page(world)
        return page, self.action(world) if self.action else page


def _days_ahead(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def url(name: str, *objects: str, **fixed) -> Callable[[World], str]:
    """A URL of the own scope: `url("desk:today", "antenna")` is the own antenna's desk."""

    def build(world: World) -> str:
        return reverse(name, args=[getattr(world.own, obj).pk for obj in objects], kwargs=fixed or None)

    return build


FORMS = [
    Form("login", "anonymous", url("login")),
    Form("password_reset", "anonymous", url("password_reset")),
    # The language switch at the foot of every page.
    Form("set_language", "anonymous", url("login"), url("set_language")),
    Form("password_change", "volunteer", url("password_change")),
    Form("profile", "volunteer", url("inclusion:profile")),
    Form("antenna_update", "coordinator", url("inclusion:antenna_update", "antenna")),
    Form(
        "antenna_create",
        "admin",
        url("inclusion:antenna_create"),
        filled=lambda w: {
            "organization": w.own.organization.pk,
            "name": "Nouvelle antenne",
            "address": "1 rue Longue",
            "postcode": "13001",
            "city": "Marseille",
            "status": "active",
            "workstations": "2",
            "time_zone": "Europe/Paris",
        },
    ),
    Form(
        "organization_create",
        "admin",
        url("inclusion:organization_create"),
        filled=lambda w: {"name": "Nouvelle association", "kind": "association"},
    ),
    Form("organization_update", "admin", url("inclusion:organization_update", "organization")),
    Form(
        "account_create",
        "admin",
        url("inclusion:account_create"),
        filled=lambda w: {"email": "nouveau@example.org", "display_name": "Nouveau"},
    ),
    Form("account_update", "admin", url("inclusion:account_update", "volunteer")),
    Form(
        "account_membership_add",
        "admin",
        url("inclusion:account_detail", "volunteer"),
        url("inclusion:account_membership_add", "volunteer"),
        filled=lambda w: {"antenna": w.own.antenna.pk, "role": "coordinator"},
    ),
    Form(
        "account_referrer_set",
        "admin",
        url("inclusion:account_detail", "volunteer"),
        url("inclusion:account_referrer_set", "volunteer"),
        filled=lambda w: {"organization": w.own.referrer_organization.pk, "job_title": "CESF"},
    ),
    Form(
        "permanence_create",
        "coordinator",
        url("schedule:permanence_create", "antenna"),
        filled=lambda w: {
            "title": "Nouvelle permanence",
            "kind": "drop_in",
            "frequency": "weekly",
            "interval_weeks": "1",
            "weekday": "3",
            "start_time": "14:00",
            "end_time": "16:00",
            "slot_minutes": "60",
            "seats": "2",
            "min_volunteers": "1",
            "booking_mode": "bookable",
            "valid_from": _days_ahead(1),
        },
    ),
    Form("permanence_update", "coordinator", url("schedule:permanence_update", "permanence")),
    Form(
        "closure_create",
        "coordinator",
        url("schedule:closure_list", "antenna"),
        filled=lambda w: {"starts_on": _days_ahead(20), "ends_on": _days_ahead(25), "reason": "Travaux"},
    ),
    Form(
        "occurrence_add",
        "coordinator",
        url("schedule:occurrence_add", "antenna"),
        filled=lambda w: {
            "permanence": w.own.permanence.pk,
            "date": _days_ahead(30),
            "start": "14:00",
            "end": "15:00",
        },
    ),
    Form(
        "occurrence_open",
        "coordinator",
        url("schedule:month", "antenna"),
        url("schedule:occurrence_open", "antenna"),
        fields=("permanence", "date"),
    ),
    Form(
        "occurrence_cancel",
        "coordinator",
        url("schedule:occurrence_cancel", "ahead"),
        filled=lambda w: {"reason": "Grève"},
    ),
    Form("occurrence_move", "coordinator", url("schedule:occurrence_move", "ahead")),
    Form(
        "walk_in",
        "volunteer",
        url("desk:walk_in", "occurrence"),
        filled=lambda w: {
            "new-slot": w.own.occurrence.slots.order_by("starts_at").last().pk,
            "new-first_name": "Aya",
            "new-consent_method": "oral",
        },
    ),
    Form(
        "session_log",
        "volunteer",
        url("desk:log_create", "antenna"),
        filled=lambda w: {
            "date": w.own.occurrence.date.isoformat(),
            "duration": "60",
            "topics": [Topic.objects.get(code="email").pk],
            "autonomy": "guided",
            "outcome": "done",
            "volunteers": [w.own.volunteer.pk],
        },
    ),
    Form(
        "attendance",
        "volunteer",
        url("desk:today", "antenna"),
        url("desk:attendance", "booking"),
        fields=("attendance",),
    ),
    Form("volunteer_profile", "volunteer", url("volunteers:profile")),
    Form("member", "coordinator", lambda w: reverse("volunteers:member", args=[w.own.antenna.pk, w.own.volunteer.pk])),
    Form(
        "rota_assign",
        "coordinator",
        url("volunteers:rota", "antenna"),
        url("volunteers:rota_assign", "ahead"),
        fields=("volunteer", "next"),
    ),
    Form(
        "signup",
        "coordinator",
        url("volunteers:my_dates"),
        url("volunteers:signup", "ahead"),
        fields=("next",),
    ),
    Form(
        "person_create",
        "referrer",
        url("beneficiaries:person_create"),
        filled=lambda w: {
            "first_name": "Aya",
            "last_name": "Nouvelle",
            "has_no_phone": "on",
            "consent_method": "oral",
        },
    ),
    Form(
        "sheet_create",
        "referrer",
        url("beneficiaries:sheet_create", "person"),
        filled=lambda w: {"needs": [Topic.objects.get(code="email").pk], "detail": "Créer une adresse"},
    ),
    Form(
        "sheet_action",
        "referrer",
        url("beneficiaries:sheet_detail", "sheet"),
        url("beneficiaries:sheet_action", "sheet"),
        fields=("action", "note"),
    ),
    # Referrers book at any antenna open to them: a booking at the other antenna is no breach.
    Form(
        "book",
        "referrer",
        url("booking:slot_search", "open_sheet"),
        url("booking:book", "open_sheet"),
        fields=("slot", "next"),
        guard=False,
    ),
    Form("booking_cancel", "referrer", url("booking:card", "booking"), url("booking:cancel", "booking")),
    # Query strings.
    Form("slot_search", "referrer", url("booking:slot_search", "open_sheet"), method="get", fields=("page",)),
    Form("reference_lookup", "volunteer", url("beneficiaries:reference_lookup"), method="get", fields=("code",)),
    Form("antenna_list", "coordinator", url("inclusion:antenna_list"), method="get", fields=("page",)),
    Form("organization_list", "coordinator", url("inclusion:organization_list"), method="get", fields=("q", "page")),
    Form("account_list", "admin", url("inclusion:account_list"), method="get", fields=("q", "role", "page")),
    Form("person_list", "referrer", url("beneficiaries:person_list"), method="get", fields=("q", "page")),
    Form("sheet_list", "referrer", url("beneficiaries:sheet_list"), method="get", fields=("status", "page")),
    Form("log_list", "volunteer", url("desk:log_list", "antenna"), method="get", fields=("page",)),
    Form(
        "log_prefilled", "volunteer", url("desk:log_create", "antenna"), method="get", fields=("booking", "occurrence")
    ),
    Form("walk_in_search", "volunteer", url("desk:walk_in", "occurrence"), method="get", fields=("q",)),
    Form("public_list", "anonymous", url("public:antenna_list"), method="get", fields=("page",)),
    Form(
        "access_log",
        "admin",
        url("inclusion:access_log"),
        method="get",
        fields=("personne", "compte", "action", "du", "au", "page"),
    ),
    Form("reminder_list", "coordinator", url("reminders:reminder_list", "antenna"), method="get", fields=("page",)),
    # Its code changes every 30 seconds: no valid filling, hostile codes only.
    Form("two_factor_setup", "coordinator", url("two_factor:setup")),
    Form(
        "figures",
        "coordinator",
        lambda w: reverse("figures:figures", args=["antenne", w.own.antenna.pk]),
        method="get",
        fields=("periode", "du", "au"),
    ),
    Form(
        "summary",
        "coordinator",
        lambda w: reverse("figures:summary", args=["antenne", w.own.antenna.pk]),
        method="get",
        fields=("periode", "du", "au"),
    ),
    Form(
        "sessions_export",
        "coordinator",
        lambda w: reverse("exports:sessions", args=["antenne", w.own.antenna.pk, "csv"]),
        method="get",
        fields=("periode", "du", "au", "noms"),
    ),
    Form(
        "bookings_export",
        "coordinator",
        # The CSV: its address answers the rows themselves (a workbook's leads to its prepared job).
        lambda w: reverse("exports:bookings", args=["antenne", w.own.antenna.pk, "csv"]),
        method="get",
        fields=("periode", "du", "au", "noms"),
    ),
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back_after_module(django_db_blocker):
        with django_db_blocker.unblock():
            built = world_build()
        yield built


def _fields(client, world: World, form: Form) -> tuple[str, list[str], dict[str, list[str]]]:
    """Where to send the form, its fields (those the page shows for it, and the declared ones),
    and what the page would send as it is."""
    page, action = form.urls(world)
    if form.method == "post" and form.fields:
        return action, list(form.fields), {}
    response = client.get(page)
    assert response.status_code == 200, page
    parser = FormFields(page)
    if response.streaming:
        b"".join(response.streaming_content)
    else:
        parser.feed(response.content.decode())
    shown = parser.forms.get((form.method, action), {})
    shown.pop("csrfmiddlewaretoken", None)
    assert shown or form.fields, f"no {form.method} form to {action} on {page}: {sorted(parser.forms)}"
    return action, sorted(set(shown) | set(form.fields)), {name: values for name, values in shown.items() if values}


def _send(client, method: str, action: str, data: dict):
    response = client.post(action, data) if method == "post" else client.get(action, data)
    if response.streaming:
        b"".join(response.streaming_content)
    assert response.status_code < 500
    return response


def _log_in(client, world: World, role: str) -> None:
    user = world.users[role]
    if user is not None:
        client.force_login(user)


def _check(client, world: World, form: Form, action: str, data: dict) -> None:
    before = scope_state(world.other)
    _send(client, form.method, action, data)
    if form.guard and form.role != "admin":
        assert scope_state(world.other) == before, f"{form.id} changed the other scope with {data!r:.300}"


@pytest.mark.parametrize("form", FORMS, ids=[form.id for form in FORMS])
def test_every_field_survives_each_hostile_value(client, world, form):
    _log_in(client, world, form.role)
    action, fields, _as_shown = _fields(client, world, form)
    before = scope_state(world.other)
    for value in BATTERY:
        _send(client, form.method, action, dict.fromkeys(fields, value))
    if form.guard and form.role != "admin":
        assert scope_state(world.other) == before, f"{form.id} changed the other scope"


@pytest.mark.parametrize("form", FORMS, ids=[form.id for form in FORMS])
def test_random_hostile_input_survives(client, world, form):
    _log_in(client, world, form.role)
    action, fields, as_shown = _fields(client, world, form)
    if form.filled:
        as_shown = {**as_shown, **form.filled(world)}

    @EXAMPLES
    @given(data=hostile_data(world, fields))
    def post(data):
        # The form as the page shows it, some of its fields replaced: an edit form is valid
        # as shown, so the hostile values reach what runs after validation too.
        _check(client, world, form, action, {**as_shown, **data})

    post()


FILLED = [form for form in FORMS if form.filled]


@pytest.mark.parametrize("form", FILLED, ids=[form.id for form in FILLED])
def test_the_filled_forms_are_valid(client, world, form):
    """The control of the fillings above: as they are, each form is accepted."""
    _log_in(client, world, form.role)
    action, _fields_shown, as_shown = _fields(client, world, form)
    response = client.post(action, {**as_shown, **form.filled(world)})
    assert response.status_code == 302, response.context and [
        (name, errors) for name, errors in response.context["form"].errors.items()
    ]


@pytest.mark.parametrize("form", FILLED, ids=[form.id for form in FILLED])
def test_each_field_of_a_filled_form_survives_extreme_values(client, world, form):
    """One field at a time, the rest valid: the value reaches the services behind the form."""
    _log_in(client, world, form.role)
    action, fields, as_shown = _fields(client, world, form)
    valid = {**as_shown, **form.filled(world)}
    before = scope_state(world.other)
    for field in fields:
        for value in EXTREMES:
            _send(client, "post", action, {**valid, field: value})
    if form.guard and form.role != "admin":
        assert scope_state(world.other) == before, f"{form.id} changed the other scope"


# URL arguments: every URL of the resolver with hostile integers and strings in its path.


def _routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """The route of every URL of the site that takes arguments, from the root: "antennes/<int:pk>/"."""
    resolver = resolver or get_resolver()
    found = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) != settings.ADMIN_URL:
                found += _routes(pattern, route)
        elif isinstance(pattern, URLPattern) and pattern.pattern.converters:
            found.append(route)
    return found


ROUTES = _routes()


def _path(route: str, number: int, text: str) -> str:
    """The route with every argument filled in, as a client could type it: integers where the
    converter wants digits, the text elsewhere, even where the converter would not match."""
    return "/" + re.sub(
        r"<(\w+):\w+>", lambda match: str(number) if match[1] == "int" else quote(text, safe=""), route
    )


@pytest.mark.parametrize("role", ["anonymous", "coordinator", "admin"])
def test_hostile_url_arguments_never_fail(client, world, role):
    _log_in(client, world, role)
    before = scope_state(world.other)
    for route in ROUTES:
        for number, text in [(2**63, "\x00"), (world.other.antenna.pk, "x" * 3_000 + "𝕏")]:
            _send(client, "get", _path(route, number, text), {})
    assert scope_state(world.other) == before, "a page read changed the other scope"


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_random_url_arguments_never_fail(client, world, role):
    _log_in(client, world, role)
    numbers = st.one_of(st.sampled_from([0, 2**31, 2**63]), st.integers(min_value=0, max_value=10**40))
    texts = st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1)

    @EXAMPLES
    @given(route=st.sampled_from(ROUTES), number=numbers, text=texts)
    def visit(route, number, text):
        _send(client, "get", _path(route, number, text), {})

    visit()
