"""A CSV export too long to stream within a web request is prepared by the task worker, like a
workbook: the same file, downloaded from its job's page; a short one still streams at once."""

import datetime

import pytest
from django.urls import reverse

from sessions_app.figures.models import ExportJob
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

JANUARY = {"periode": "custom", "du": "2026-01-01", "au": "2026-01-31"}


@pytest.fixture
def coordinator(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"
    settings.EXPORT_STREAM_MAX_ROWS = 3
    antenna = AntennaFactory()
    user = UserFactory(coordinator=True, membership__antenna=antenna)
    user.antenna = antenna
    return user


def _logs(antenna, count):
    for day in range(count):
        SessionLogFactory(
            antenna=antenna, date=datetime.date(2026, 1, 2 + day), beneficiary=BeneficiaryFactory(), topics=["email"]
        )


def _url(antenna):
    return reverse("exports:sessions", kwargs={"scope": "antenne", "pk": antenna.pk, "fmt": "csv"})


def test_a_csv_up_to_the_limit_streams_at_once(client, coordinator):
    _logs(coordinator.antenna, 3)
    client.force_login(coordinator)
    response = client.get(_url(coordinator.antenna), JANUARY)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert len(b"".join(response.streaming_content).decode().splitlines()) == 4
    assert not ExportJob.objects.exists()


def test_a_longer_csv_is_prepared_by_the_worker_and_holds_what_the_stream_would(
    client, coordinator, settings, django_capture_on_commit_callbacks
):
    _logs(coordinator.antenna, 5)
    client.force_login(coordinator)
    # What the stream writes, the limit lifted for the comparison.
    settings.EXPORT_STREAM_MAX_ROWS = 100
    streamed = b"".join(client.get(_url(coordinator.antenna), JANUARY).streaming_content)
    settings.EXPORT_STREAM_MAX_ROWS = 3

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(_url(coordinator.antenna), JANUARY)

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert (job.fmt, job.status, job.rows_written, job.rows_total) == ("csv", "done", 5, 5)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Export CSV – " in page
    assert "Fichier CSV, " in page
    download = client.get(reverse("exports:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert job.filename.endswith("_codes.csv")
    assert b"".join(download.streaming_content) == streamed
