"""The technical admin on tables larger than a page: no drop-down of a large table, no query per
row, no whole-table count, and searches that an index answers.

Every model registered in the admin is covered, the libraries' included, so that a model added
later is tested without anyone listing it here.
"""

import datetime
import re
import uuid
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as LoginLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult, get_date_max

from beneficiaries.people.models import Beneficiary, Consent, LiaisonSheet, LiaisonSheetEvent
from inclusion.core.enums import MembershipRole
from inclusion.core.models import AccessLog, Antenna, FormSubmission, Language, Organization, Topic, User
from sessions_app.bookings.models import AppointmentChange, Booking
from sessions_app.desk.models import SessionLog, Voucher
from sessions_app.figures.models import ExportJob
from sessions_app.planning import services
from sessions_app.reminders.models import InboundSms, ReminderMessage, SmsStop
from sessions_app.scheduling.models import Occurrence, Slot
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, AntennaMembershipFactory, ReferrerFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, ConsentFactory, LiaisonSheetFactory
from tests.scheduling.factories import ClosureFactory, PermanenceFactory
from tests.team.factories import SignupFactory, VolunteerProfileFactory

# Most queries any admin page may run, whatever the size of the tables.
QUERY_CEILING = 25
# Rows of each table (and of each inline under one parent): more than the ceiling, so that one
# query per row cannot pass.
ROWS = QUERY_CEILING + 5
# Fixed lists that do not grow with use: a drop-down of them is fine.
SMALL_MODELS = {Topic, Language, Permission, Group, ContentType}
# The log-in throttle's tables, which stay empty: it counts failures in the cache.
UNUSED_TABLES = {AccessAttempt, LoginLog, AccessFailureLog}
# A network counts its organizations and antennas in thousands at most, and the prepared exports
# are deleted a few hours after they are made: sorting or searching them without an index costs
# nothing.
BOUNDED_MODELS = {Organization, Antenna, ExportJob}
LARGE_MODELS = [model for model in admin.site._registry if model not in SMALL_MODELS | UNUSED_TABLES | BOUNDED_MODELS]
# A <select> with more options than this is a drop-down of a whole table.
MAX_OPTIONS = 25


def build_admin_data() -> dict:
    """More rows than the query ceiling in every table the admin shows, and, for each inline,
    one parent with that many children; returns the object whose change page to open, by model."""
    antenna = AntennaFactory()
    team = [AntennaMembershipFactory(antenna=antenna).user for _ in range(ROWS)]
    coordinator = UserFactory()
    for other_antenna in AntennaFactory.create_batch(ROWS):
        AntennaMembershipFactory(antenna=other_antenna, user=coordinator, role=MembershipRole.COORDINATOR)
    referrers = [ReferrerFactory().user for _ in range(ROWS)]

    permanences = PermanenceFactory.create_batch(ROWS, antenna=antenna)
    ClosureFactory.create_batch(ROWS, antenna=antenna, permanence=permanences[0])
    day = datetime.date(2026, 1, 6)
    # 9:00–14:00 in 10-minute slots: one date holding as many slots as the ceiling allows rows.
    permanence = PermanenceFactory(antenna=antenna, slot_minutes=10, end_time=datetime.time(14))
    occurrence = services.occurrence_add(permanence=permanence, day=day, start=datetime.time(9), end=datetime.time(14))
    for other in permanences:
        services.occurrence_add(permanence=other, day=day, start=datetime.time(9), end=datetime.time(10))
    slots = list(occurrence.slots.order_by("starts_at"))

    people = BeneficiaryFactory.create_batch(ROWS)
    ConsentFactory.create_batch(ROWS, beneficiary=people[0])
    sheets = [LiaisonSheetFactory(beneficiary=person, referrer=referrers[i]) for i, person in enumerate(people)]
    for _ in range(ROWS):
        LiaisonSheetEvent.objects.create(sheet=sheets[0], status=sheets[0].status, created_by=referrers[0])
    bookings = [
        BookingFactory(slot=slots[i], beneficiary=person, liaison_sheet=sheets[i], created_by=referrers[i])
        for i, person in enumerate(people)
    ]
    logs = [
        SessionLogFactory(
            antenna=antenna,
            occurrence=occurrence,
            booking=booking,
            beneficiary=booking.beneficiary,
            created_by=team[0],
            volunteers=team[:3],
        )
        for booking in bookings
    ]
    logs[0].participants.set(people)
    Voucher.objects.bulk_create(Voucher(session_log=logs[0], number=f"APTIC-{n:04d}") for n in range(ROWS))
    ReminderMessage.objects.bulk_create(
        ReminderMessage(
            kind="appointment",
            channel="sms",
            antenna=antenna,
            occurrence=occurrence,
            booking=booking,
            recipient_user=booking.created_by,
            address=booking.beneficiary.phone,
        )
        for booking in bookings
    )
    AppointmentChange.objects.bulk_create(
        AppointmentChange(kind="booking_cancelled", occurrence=occurrence, booking=booking, made_by=team[0])
        for booking in bookings
    )
    InboundSms.objects.bulk_create(
        InboundSms(provider_reference=f"ref-{n}", sender=person.phone, outcome="cancelled", booking=booking)
        for n, (person, booking) in enumerate(zip(people, bookings, strict=False))
    )
    SmsStop.objects.bulk_create(SmsStop(address=person.phone) for person in people)
    for i, person in enumerate(people):
        AccessLog.objects.create(user=referrers[i], action="view", what="fiche", beneficiary=person)
    FormSubmission.objects.bulk_create(
        FormSubmission(user=user, key=uuid.uuid4(), result_type=ContentType.objects.get_for_model(LiaisonSheet))
        for user in referrers
    )
    for member in team:
        VolunteerProfileFactory(user=member)
        SignupFactory(occurrence=occurrence, volunteer=member, created_by=coordinator)
        TOTPDevice.objects.create(user=member, name="phone")
    static_device = StaticDevice.objects.create(user=coordinator, name="backup")
    StaticToken.objects.bulk_create(StaticToken(device=static_device, token=f"{n:08d}") for n in range(ROWS))
    for user in referrers:
        StaticDevice.objects.create(user=user, name="backup")
    Group.objects.bulk_create(Group(name=f"Groupe {n}") for n in range(ROWS))
    ExportJob.objects.bulk_create(
        ExportJob(
            user=user,
            kind=ExportJob.Kind.SESSIONS,
            scope_kind="antenne",
            scope_pk=antenna.pk,
            scope_label=antenna.name,
            period_start=day,
            period_end=day,
            language="fr",
            status=ExportJob.Status.DONE,
            expires_at=timezone.now(),
        )
        for user in referrers
    )
    for model, fields in [(AccessAttempt, {"failures_since_start": 1}), (LoginLog, {}), (AccessFailureLog, {})]:
        model.objects.bulk_create(
            model(user_agent="Firefox", ip_address="192.0.2.1", username=f"u{n}@example.org", path_info="/", **fields)
            for n in range(ROWS)
        )
    DBTaskResult.objects.bulk_create(
        DBTaskResult(
            task_path="sessions_app.planning.tasks.occurrences_extend",
            args_kwargs={"args": [], "kwargs": {}},
            backend_name="default",
            run_after=get_date_max(),
        )
        for _ in range(ROWS)
    )
    return {
        User: coordinator,
        Antenna: antenna,
        Occurrence: occurrence,
        Beneficiary: people[0],
        LiaisonSheet: sheets[0],
        SessionLog: logs[0],
        StaticDevice: static_device,
    }


class SelectCounter(HTMLParser):
    """The <select> elements of a page: their name and how many options each holds."""

    def __init__(self):
        super().__init__()
        self.selects: list[list] = []

    def handle_starttag(self, tag, attrs):
        if tag == "select":
            self.selects.append([dict(attrs).get("name", ""), 0])
        elif tag == "option" and self.selects:
            self.selects[-1][1] += 1


def related_model_of(model_admin, request, select_name: str):
    """The model a <select> of a change page lists, if it lists one: its name is a field of the
    page's model or, behind an inline's "prefix-<row>-", of the inline's model."""
    field_name = select_name.rsplit("-", 1)[-1]
    models = [model_admin.model] + [inline.model for inline in model_admin.get_inline_instances(request)]
    for model in models:
        for field in model._meta.get_fields():
            if field.name == field_name and field.is_relation and not field.auto_created:
                return field.related_model
    return None


def large_drop_downs(model_admin, request, html: str) -> list[str]:
    """The long <select> elements of a page that do not list a small table."""
    parser = SelectCounter()
    parser.feed(html)
    return [
        f"{name} ({options} options)"
        for name, options in parser.selects
        if options > MAX_OPTIONS and related_model_of(model_admin, request, name) not in SMALL_MODELS
    ]


def admin_request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def open_admin_page(client, url, model_admin, request) -> list[str]:
    """GET an admin page; what is wrong with it, if anything."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if response.status_code != 200:
        return [f"{url}: status {response.status_code}"]
    problems = []
    if len(queries) > QUERY_CEILING:
        problems.append(f"{url}: {len(queries)} queries")
    if drop_downs := large_drop_downs(model_admin, request, response.content.decode()):
        problems.append(f"{url}: drop-downs of a large table: {', '.join(drop_downs)}")
    return problems


def admin_url(model, page, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


@pytest.mark.ignore_template_errors
def test_every_admin_list_page_stays_under_the_query_ceiling(client):
    build_admin_data()
    superuser = UserFactory(admin=True)
    client.force_login(superuser)
    request = admin_request(superuser)
    problems = []
    for model, model_admin in admin.site._registry.items():
        assert model._default_manager.count() > QUERY_CEILING or model in SMALL_MODELS, f"no rows for {model}"
        problems += open_admin_page(client, admin_url(model, "changelist"), model_admin, request)
    assert problems == []


@pytest.mark.ignore_template_errors
def test_every_admin_add_and_change_page_stays_under_the_query_ceiling_without_large_drop_downs(client):
    objects = build_admin_data()
    superuser = UserFactory(admin=True)
    client.force_login(superuser)
    request = admin_request(superuser)
    problems = []
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_add_permission(request):
            problems += open_admin_page(client, admin_url(model, "add"), model_admin, request)
        instance = objects.get(model) or model._default_manager.order_by("pk").last()
        assert instance is not None, f"no rows for {model}"
        problems += open_admin_page(client, admin_url(model, "change", instance.pk), model_admin, request)
    assert problems == []


def test_no_admin_list_counts_the_whole_table_twice():
    assert [model for model, model_admin in admin.site._registry.items() if model_admin.show_full_result_count] == []


def test_no_admin_filters_on_the_values_of_a_large_table():
    """A filter on a relation lists every row it points to; one on a plain column lists the
    distinct values of the whole table. Both are only fine over a small table."""
    superuser = UserFactory(admin=True)
    request = admin_request(superuser)
    problems = []
    for model, model_admin in admin.site._registry.items():
        changelist = model_admin.get_changelist_instance(request)
        for list_filter in changelist.filter_specs:
            field = getattr(list_filter, "field", None)
            if isinstance(list_filter, admin.RelatedFieldListFilter):
                if field.related_model not in SMALL_MODELS:
                    problems.append(f"{model.__name__}: {list_filter.field_path}")
            elif isinstance(list_filter, admin.AllValuesFieldListFilter):
                listed = field.model
                if listed in LARGE_MODELS:
                    problems.append(f"{model.__name__}: {list_filter.field_path}")
    assert problems == []


def test_no_admin_drills_down_by_date():
    # The drill-down lists the years and months found in the whole table.
    assert [model for model, model_admin in admin.site._registry.items() if model_admin.date_hierarchy] == []


def indexed_columns(model) -> set[str]:
    """Columns a btree index starts with: the primary key, unique and indexed fields, foreign
    keys, and the first field of the Meta indexes."""
    columns = {model._meta.pk.name, "pk"}
    for field in model._meta.concrete_fields:
        if field.unique or field.db_index:
            columns.add(field.name)
    for index in model._meta.indexes:
        if index.fields and not index.condition:
            columns.add(index.fields[0].lstrip("-"))
    return columns


@pytest.mark.parametrize("model", LARGE_MODELS, ids=lambda model: model._meta.label)
def test_large_admin_lists_sort_on_indexed_columns_only(model):
    model_admin = admin.site._registry[model]
    request = admin_request(UserFactory(admin=True))
    ordering = [str(field).lstrip("-") for field in model_admin.get_ordering(request)]
    # The library's table, which the project cannot index.
    if model is not DBTaskResult:
        assert set(ordering) <= indexed_columns(model)
    for column in model_admin.get_sortable_by(request):
        attribute = getattr(model_admin, column, None)
        sorted_on = getattr(attribute, "admin_order_field", column).removesuffix("_id")
        assert sorted_on in indexed_columns(model), column


@pytest.mark.parametrize("model", LARGE_MODELS, ids=lambda model: model._meta.label)
def test_large_admin_searches_match_a_start_or_a_whole_value(model):
    # A substring ('%term%') is matched by reading every row.
    search_fields = admin.site._registry[model].search_fields
    assert [field for field in search_fields if field[:1] not in "^="] == []


# The five searches the admins use most, each on enough rows for PostgreSQL to weigh an index
# against a full read: the term to search, the search indexes the plan must use, and the tables
# it must not read in full.
SEARCHES = {
    SessionLog: ("Nom0042", {"person_last_name_search_idx"}, {"desk_sessionlog", "people_beneficiary"}),
    Beneficiary: (
        "nom0042",
        {"person_last_name_search_idx", "person_first_name_search_idx"},
        {"people_beneficiary"},
    ),
    Booking: (
        "NOM0042",
        {"person_last_name_search_idx", "sheet_reference_search_idx"},
        {"bookings_booking", "people_beneficiary", "people_liaisonsheet"},
    ),
    LiaisonSheet: (
        "REF0-0042",
        {"sheet_reference_search_idx", "person_last_name_search_idx", "user_email_search_idx"},
        {"people_liaisonsheet", "people_beneficiary", "core_user"},
    ),
    User: ("personne-0042@", {"user_email_search_idx", "user_name_search_idx"}, {"core_user"}),
}
SEARCH_ROWS = 4000
SEARCH_ANTENNAS = 40


def build_search_data():
    """SEARCH_ROWS people, accounts, liaison sheets, bookings and session logs, made in bulk."""
    antenna = AntennaFactory()
    referrer = UserFactory(referrer=True)
    organization = referrer.referrer.organization
    users = User.objects.bulk_create(
        User(email=f"personne-{n:04d}@example.org", display_name=f"Compte {n:04d}") for n in range(SEARCH_ROWS)
    )
    people = Beneficiary.objects.bulk_create(
        Beneficiary(first_name=f"Prénom{n:04d}", last_name=f"Nom{n:04d}") for n in range(SEARCH_ROWS)
    )
    sheets = LiaisonSheet.objects.bulk_create(
        LiaisonSheet(
            beneficiary=person, referrer=users[n], organization=organization, reference=f"REF{n // 1000}-{n:04d}"
        )
        for n, person in enumerate(people)
    )
    permanence = PermanenceFactory(antenna=antenna)
    occurrence = Occurrence.objects.create(
        permanence=permanence,
        date=datetime.date(2026, 1, 6),
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )
    slots = Slot.objects.bulk_create(
        Slot(occurrence=occurrence, starts_at=occurrence.starts_at, ends_at=occurrence.ends_at, seats=2)
        for _ in range(SEARCH_ROWS // 2)
    )
    Booking.objects.bulk_create(
        Booking(slot=slots[n // 2], beneficiary=person, liaison_sheet=sheets[n]) for n, person in enumerate(people)
    )
    # Spread over antennas as across a network, where one antenna holds a small share of them.
    antennas = [antenna, *AntennaFactory.create_batch(SEARCH_ANTENNAS - 1)]
    SessionLog.objects.bulk_create(
        SessionLog(
            antenna=antennas[n % SEARCH_ANTENNAS],
            beneficiary=person,
            date=occurrence.date,
            duration_minutes=30,
            outcome="done",
        )
        for n, person in enumerate(people)
    )
    # The planner weighs an index with the tables' statistics, which bulk inserts leave stale.
    with connection.cursor() as cursor:
        for model in [User, Beneficiary, LiaisonSheet, Booking, SessionLog, Antenna]:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')


def scanned_in_full(plan: str) -> set[str]:
    return set(re.findall(r"Seq Scan on (\w+)", plan))


def search_plans(model_admin, request) -> tuple[list, list[str]]:
    """The page of a search's results, and the plans of every query the search and the page ran
    (the ids found at each step, the count, the rows)."""
    with CaptureQueriesContext(connection) as queries:
        changelist = model_admin.get_changelist_instance(request)
        page = list(changelist.queryset[: model_admin.list_per_page])
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if query["sql"].lstrip("(").startswith("SELECT"):
                cursor.execute(f"EXPLAIN {query['sql']}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return page, plans


@pytest.mark.parametrize("model", list(SEARCHES), ids=lambda model: model._meta.label)
def test_admin_search_is_answered_by_indexes(model):
    build_search_data()
    term, indexes, tables = SEARCHES[model]
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/", {"q": term})
    request.user = UserFactory(admin=True)

    page, plans = search_plans(model_admin, request)

    everything = "\n".join(plans)
    assert len(page) == 1
    assert indexes <= set(re.findall(r"using (\w+)", everything) + re.findall(r"on (\w+_idx)", everything)), everything
    for plan in plans:
        assert scanned_in_full(plan) & tables == set(), plan


def test_admin_search_finds_a_row_by_its_number_and_a_person_by_their_phone_however_written():
    person = BeneficiaryFactory(first_name="Aïcha", last_name="Benali", phone="+33465710042", commune="")
    other = BeneficiaryFactory(first_name="Marc", last_name="Durand", phone="", commune="")
    model_admin = admin.site._registry[Beneficiary]
    request = admin_request(UserFactory(admin=True))

    by_number, _ = model_admin.get_search_results(request, Beneficiary.objects.all(), str(other.pk))
    by_phone, _ = model_admin.get_search_results(request, Beneficiary.objects.all(), "0465710042")

    assert list(by_number) == [other]
    assert list(by_phone) == [person]


def test_admin_search_matches_the_start_of_each_word_whatever_the_case():
    BeneficiaryFactory(first_name="Aïcha", last_name="Benali")
    BeneficiaryFactory(first_name="Aïcha", last_name="Lebenec")
    BeneficiaryFactory(first_name="Marc", last_name="Bengana")
    model_admin = admin.site._registry[Beneficiary]
    request = admin_request(UserFactory(admin=True))

    found, _ = model_admin.get_search_results(request, Beneficiary.objects.all(), "aïcha BEN")

    assert [person.last_name for person in found] == ["Benali"]


def test_saved_inline_rows_are_shown_read_only_with_a_link_to_their_own_page(client):
    person = BeneficiaryFactory()
    consent = Consent.objects.get(beneficiary=person)
    client.force_login(UserFactory(admin=True))

    html = client.get(admin_url(Beneficiary, "change", person.pk)).content.decode()

    assert admin_url(Consent, "change", consent.pk) in html
    assert 'name="consents-0-recorded_by"' not in html
