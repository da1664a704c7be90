"""The optional read replica: the figures and exports read from it, every other read and every
write stays on the primary. The test "replica" mirrors the test database, so the data must be
committed (transactional tests) for the replica connection to see it."""

import datetime

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inclusion.core.db_routers import ReplicaRouter, use_replica
from inclusion.core.models import Antenna, Organization
from sessions_app.desk.enums import Outcome
from sessions_app.desk.services import SessionLogFields, session_log_create
from sessions_app.figures import rollups
from sessions_app.figures.figures import figures_compute
from sessions_app.figures.reporting import Period, Scope
from sessions_app.totals.models import StaleMonth
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
    pytest.mark.usefixtures("reference_data_restored"),
]


@pytest.fixture(autouse=True)
def _router(settings):
    settings.DATABASE_ROUTERS = ["inclusion.core.db_routers.ReplicaRouter"]


def _sql(context: CaptureQueriesContext) -> str:
    return "\n".join(query["sql"] for query in context.captured_queries)


def test_reads_go_to_the_replica_only_inside_use_replica():
    AntennaFactory()
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as default,
        use_replica(),
    ):
        assert Antenna.objects.count() == 1
    assert len(replica) == 1 and len(default) == 0
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert Antenna.objects.count() == 1
    assert len(replica) == 0


def test_writes_inside_use_replica_stay_on_the_primary():
    with CaptureQueriesContext(connections["replica"]) as replica, use_replica():
        organization = Organization.objects.create(name="Fédération", kind="association")
    assert "INSERT" not in _sql(replica)
    assert organization._state.db == "default"


def test_without_a_replica_alias_everything_stays_on_the_primary(monkeypatch):
    monkeypatch.delitem(connections.settings, "replica")
    with use_replica():
        assert ReplicaRouter().db_for_read(Antenna) is None


def test_migrations_run_on_the_primary_only():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "inclusion")
    assert not router.allow_migrate("replica", "inclusion")


def _coordinator_with_a_session_log(client):
    coordinator = UserFactory(coordinator=True)
    antenna = coordinator.memberships.get().antenna
    SessionLogFactory(antenna=antenna, date=timezone.localdate())
    client.force_login(coordinator)
    return antenna


def test_the_figures_are_read_from_the_replica(client):
    antenna = _coordinator_with_a_session_log(client)
    url = reverse("figures:figures", kwargs={"scope": "antenne", "pk": antenna.pk})
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as default,
    ):
        response = client.get(url)
    assert response.status_code == 200
    assert "desk_sessionlog" in _sql(replica)
    assert "desk_sessionlog" not in _sql(default)


def test_a_streamed_export_is_read_from_the_replica_and_logged_on_the_primary(client):
    antenna = _coordinator_with_a_session_log(client)
    url = reverse("exports:sessions", kwargs={"scope": "antenne", "pk": antenna.pk, "fmt": "csv"})
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as default,
    ):
        response = client.get(url)
        body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert body.count(b"\n") >= 2
    assert "desk_sessionlog" in _sql(replica)
    assert "desk_sessionlog" not in _sql(default)
    assert "INSERT" in _sql(default) and "INSERT" not in _sql(replica)


def test_stale_monthly_totals_are_brought_up_to_date_on_the_primary():
    january = datetime.date(2026, 1, 1)
    log = SessionLogFactory(date=datetime.date(2026, 1, 6))
    rollups.months_build(months=[january])
    volunteer = UserFactory()
    session_log_create(
        antenna=log.antenna,
        fields=SessionLogFields(date=datetime.date(2026, 1, 7), duration_minutes=30, outcome=Outcome.DONE),
        volunteers=[volunteer],
        topics=[],
        by=volunteer,
    )
    assert StaleMonth.objects.exists()
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as default,
        use_replica(),
    ):
        figures = figures_compute(scope=Scope("all"), period=Period(january, datetime.date(2026, 1, 31)))
    assert figures.sessions.total == 2
    # The marks were locked and the month added up again from the primary's sessions and
    # vouchers; the replica only read the totals (the whole month is in them, so the figures
    # themselves read no voucher).
    assert "FOR UPDATE" in _sql(default) and "FOR UPDATE" not in _sql(replica)
    assert "desk_voucher" in _sql(default) and "desk_voucher" not in _sql(replica)
    assert "figures_monthsessions" in _sql(replica)
    assert not StaleMonth.objects.exists()
