"""The Excel export through the production queue: the request only queues the job, after commit
and with its id alone; the worker (`manage.py db_worker`) writes the file."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from sessions_app.figures.models import ExportJob
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data_restored")]


@pytest.fixture
def queue(settings, tmp_path):
    """The production queue, in the database, and the files in the test's own folder."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EXPORTS_DIR = tmp_path / "exports"


def test_the_request_queues_the_job_and_the_worker_writes_it(client, queue):
    antenna = AntennaFactory()
    coordinator = UserFactory(coordinator=True, membership__antenna=antenna)
    SessionLogFactory(antenna=antenna, date=datetime.date(2026, 1, 6))
    client.force_login(coordinator)
    url = reverse("exports:sessions", kwargs={"scope": "antenne", "pk": antenna.pk, "fmt": "xlsx"})

    response = client.get(url, {"periode": "custom", "du": "2026-01-01", "au": "2026-01-31"})

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert job.status == "queued"
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "sessions_app.figures.tasks.export_job_build"
    assert queued.args_kwargs["kwargs"] == {"job_id": str(job.pk)}
    assert "Le fichier attend" in client.get(job.get_absolute_url()).content.decode()

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    job.refresh_from_db()
    queued.refresh_from_db()
    assert (job.status, job.rows_written) == ("done", 1)
    assert queued.status == "SUCCESSFUL"
    assert queued.return_value == {"status": "done", "pruned": 0}
    download = client.get(reverse("exports:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")
