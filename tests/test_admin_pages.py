"""The technical admin's list pages: their paging counts no large table, their query counts are
exact and do not depend on the rows, and the session logs' searches each go through an index."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.db.models import F
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertHTMLEqual

from beneficiaries.people.models import Beneficiary
from inclusion.core import admin_paging
from inclusion.core.admin_paging import LargeTableAdmin, LargeTablePaginator
from inclusion.core.models import AccessLog, Antenna
from sessions_app.bookings.models import Booking
from sessions_app.desk.models import SessionLog
from sessions_app.reminders.models import SmsStop
from tests.core.factories import UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory
from tests.test_admin_scale import (
    LARGE_MODELS,
    SEARCH_ROWS,
    admin_url,
    build_admin_data,
    build_search_data,
    scanned_in_full,
)

# The queries of each list page with build_admin_data's rows (more than the query ceiling of
# test_admin_scale, so that one query per row would show), unfiltered then searched for "a".
# Unfiltered: the session, the account, the menu's two (the account's antennas and
# organizations), PostgreSQL's estimate of the table (which the small tables' admins, topics,
# languages, groups, prepared exports, go without), the count (which the national tables go
# without), the rows, and the values of a filter over a related table (the antennas'
# departments, for one). Searched: the same, less the estimate, plus one query for the ids each
# relation searched finds (the people named so, the accounts of that e-mail) and one for the ids
# found; a search that finds nothing runs neither the count nor the rows.
LIST_QUERIES = {
    "core.User": (7, 7),
    "core.Organization": (8, 8),
    "core.Antenna": (8, 9),
    "core.AntennaMembership": (8, 11),
    "core.Referrer": (7, 10),
    "core.AccessLog": (7, 9),
    "core.FormSubmission": (8, 10),
    "auth.Group": (6, 6),
    "axes.AccessAttempt": (7, 7),
    "axes.AccessLog": (7, 7),
    "axes.AccessFailureLog": (7, 7),
    "django_tasks_database.DBTaskResult": (7, 7),
    "otp_totp.TOTPDevice": (7, 9),
    "otp_static.StaticDevice": (7, 9),
    "core.Topic": (7, 7),
    "core.Language": (7, 7),
    "scheduling.Permanence": (8, 10),
    "scheduling.Closure": (8, 10),
    "scheduling.Occurrence": (7, 10),
    "scheduling.Slot": (7, 11),
    "team.VolunteerProfile": (8, 10),
    "team.Signup": (8, 10),
    "people.Beneficiary": (8, 8),
    "people.Consent": (7, 9),
    "people.LiaisonSheet": (7, 10),
    "people.LiaisonSheetEvent": (7, 5),
    "bookings.Booking": (7, 10),
    "bookings.AppointmentChange": (7, 5),
    "desk.SessionLog": (8, 11),
    "desk.Voucher": (7, 7),
    "reminders.ReminderMessage": (7, 5),
    "reminders.InboundSms": (7, 5),
    "reminders.SmsStop": (7, 5),
    "figures.ExportJob": (6, 6),
}


def changelist_of(model, **params):
    request = RequestFactory().get("/", params)
    request.user = UserFactory(admin=True)
    return admin.site._registry[model].get_changelist_instance(request)


def test_every_list_of_a_large_table_is_paged_without_counting_it():
    for model in LARGE_MODELS:
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, LargeTableAdmin), model
        assert issubclass(model_admin.paginator, LargeTablePaginator), model
        # "Show counts" would count the whole table once per choice of every filter.
        assert model_admin.show_facets is admin.ShowFacets.NEVER, model


@pytest.mark.ignore_template_errors
def test_every_admin_list_runs_the_same_queries_whatever_its_rows(client, django_assert_num_queries):
    build_admin_data()
    client.force_login(UserFactory(admin=True))
    # The estimates as of these rows: ANALYZE writes them outside of transactions, so another
    # test's rolled-back rows would otherwise still be counted in them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counted = {}
    for label in LIST_QUERIES:
        url = admin_url(apps.get_model(label), "changelist")
        with CaptureQueriesContext(connection) as unfiltered:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as searched:
            assert client.get(url, {"q": "a"}).status_code == 200
        counted[label] = (len(unfiltered), len(searched))
    assert counted == LIST_QUERIES

    # One of them, again, exactly.
    with django_assert_num_queries(LIST_QUERIES["desk.SessionLog"][0]):
        client.get(admin_url(SessionLog, "changelist"))


def estimate_of(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return admin_paging.table_estimate(model.objects.all())


def count_queries(queries) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper()]


def test_a_whole_table_above_the_cap_is_numbered_from_postgresqls_estimate(monkeypatch):
    SmsStop.objects.bulk_create(SmsStop(address=f"+334657100{n:02d}") for n in range(30))
    estimate = estimate_of(SmsStop)
    monkeypatch.setattr(admin_paging, "COUNT_CAP", estimate - 1)

    with CaptureQueriesContext(connection) as queries:
        changelist = changelist_of(SmsStop)

    # A table this small is sampled whole by ANALYZE: its estimate is exact.
    assert changelist.result_count == estimate == 30
    assert count_queries(queries) == []


def test_a_whole_table_within_the_cap_is_counted_exactly(monkeypatch):
    SmsStop.objects.bulk_create(SmsStop(address=f"+334657100{n:02d}") for n in range(30))
    estimate_of(SmsStop)
    monkeypatch.setattr(admin_paging, "COUNT_CAP", 100)

    assert changelist_of(SmsStop).result_count == 30


def test_a_filtered_list_is_counted_up_to_the_cap_only(monkeypatch):
    SmsStop.objects.bulk_create(SmsStop(address=f"+334657100{n:02d}") for n in range(30))
    monkeypatch.setattr(admin_paging, "COUNT_CAP", 10)

    with CaptureQueriesContext(connection) as queries:
        changelist = changelist_of(SmsStop, q="+3346571")

    # One row past the cap tells that there are more: the pages go as far as that.
    assert changelist.result_count == 11
    assert changelist.paginator.num_pages == 1
    (count,) = count_queries(queries)
    assert "LIMIT 11" in count


def test_a_filtered_list_within_the_cap_is_counted_exactly(monkeypatch):
    SmsStop.objects.bulk_create(SmsStop(address=f"+334657100{n:02d}") for n in range(30))
    SmsStop.objects.create(address="+33565710000")
    monkeypatch.setattr(admin_paging, "COUNT_CAP", 100)

    assert changelist_of(SmsStop, q="+3356571").result_count == 1
    assert changelist_of(SmsStop, q="+3346571").result_count == 30


def test_the_estimate_is_that_of_the_querysets_own_table():
    BeneficiaryFactory.create_batch(3)

    assert estimate_of(Antenna) == Antenna.objects.count()
    assert estimate_of(SmsStop) == 0


def test_session_logs_are_found_by_the_session_or_the_persons_number():
    log = SessionLogFactory(beneficiary=BeneficiaryFactory())
    other = SessionLogFactory(beneficiary=BeneficiaryFactory())
    person = log.beneficiary

    by_person = set(changelist_of(SessionLog, q=str(person.pk)).queryset)
    by_session = set(changelist_of(SessionLog, q=str(other.pk)).queryset)

    # A number is both: the session of that number, if there is one, comes with the person's.
    assert by_person == {log, *SessionLog.objects.filter(pk=person.pk)}
    assert other in by_session
    assert by_session <= {other, *SessionLog.objects.filter(beneficiary_id=other.pk)}


def test_session_logs_are_found_by_their_antennas_whole_name_only():
    log = SessionLogFactory(antenna__name="Centre social Nord", beneficiary=BeneficiaryFactory(last_name="Benali"))
    SessionLogFactory(antenna__name="Centre social Sud", beneficiary=BeneficiaryFactory(last_name="Martin"))

    assert list(changelist_of(SessionLog, q="centre social NORD").queryset) == [log]
    assert list(changelist_of(SessionLog, q='"Centre social Nord"').queryset) == [log]
    assert list(changelist_of(SessionLog, q="Centre").queryset) == []
    assert list(changelist_of(SessionLog, q="Centre social Nord Benali").queryset) == []


def test_the_session_logs_of_an_antenna_are_found_through_its_index():
    build_search_data()
    antenna = Antenna.objects.order_by("pk").first()
    page = changelist_of(SessionLog, q=antenna.name).queryset[:100]

    plan = page.explain()

    assert len(page) == 100
    assert "desk_sessionlog" not in scanned_in_full(plan), plan
    # On so few rows either index of the antenna will do; on a national table the planner reads
    # the newest first from sessionlog_antenna_newest_idx.
    antenna_index = r"Index (Only )?Scan (Backward )?(using|on) (sessionlog_antenna_|desk_sessionlog_antenna_id_)\w+"
    assert re.search(antenna_index, plan), plan


def test_the_access_log_filtered_on_a_rare_action_is_read_on_its_index():
    user = UserFactory(admin=True)
    AccessLog.objects.bulk_create(
        AccessLog(user=user, action=AccessLog.Action.VIEW, what=f"fiche {n}") for n in range(SEARCH_ROWS)
    )
    AccessLog.objects.bulk_create(
        AccessLog(user=user, action=AccessLog.Action.EXPORT, what=f"export {n}") for n in range(3)
    )
    with connection.cursor() as cursor:
        cursor.execute('ANALYZE "core_accesslog"')
    changelist = changelist_of(AccessLog, action__exact=AccessLog.Action.EXPORT)
    page, counted = changelist.queryset[:50], changelist.queryset.order_by()[: admin_paging.COUNT_CAP + 1]

    plans = [page.explain(), counted.explain()]

    assert changelist.result_count == 3
    for plan in plans:
        assert "accesslog_action_newest_idx" in plan, plan
        assert "core_accesslog" not in scanned_in_full(plan), plan


def test_the_rows_checkbox_is_the_one_djangos_admin_writes():
    log = SessionLogFactory()
    model_admin = admin.site._registry[SessionLog]

    ours = model_admin.action_checkbox(log)
    djangos = admin.ModelAdmin.action_checkbox(model_admin, log)

    assertHTMLEqual(ours, djangos)


@pytest.mark.parametrize("model", [SessionLog, Booking], ids=lambda model: model._meta.label)
def test_a_name_many_people_share_lists_its_rows_by_their_ids(model):
    """One person in ten is a Martin. Joined to the search, their sessions or bookings were
    guessed numerous enough for PostgreSQL to read the whole national table, for the page and for
    its count: the people's ids are read first, then the rows' ids, and the list is read by those."""
    build_search_data()
    shared = Beneficiary.objects.annotate(rest=F("pk") % 10).filter(rest=0).update(last_name="Martin")
    martins = model.objects.filter(beneficiary__last_name="Martin").values_list("pk", flat=True)

    changelist = changelist_of(model, q="martin")

    listed = str(changelist.queryset.query)
    assert changelist.result_count == shared
    assert set(changelist.queryset.values_list("pk", flat=True)) == set(martins)
    assert " = ANY(" in listed
    assert "SELECT" not in listed.split(" WHERE ", 1)[1]
