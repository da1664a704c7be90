"""Excel exports prepared by the task worker: asking for one makes one job, the worker writes it
with its progress, its page offers the file to the user who asked alone, each step is in the
access log, and the file is deleted once expired."""

import datetime
import io
import logging
import os
import runpy
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from inclusion.core.models import AccessLog, AntennaMembership
from sessions_app.figures import export_jobs, exports, tasks
from sessions_app.figures.models import LOST_AFTER, ExportJob, export_storage
from sessions_app.figures.tasks import export_job_make, export_jobs_prune
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import VolunteerProfileFactory

ROOT = Path(__file__).resolve().parents[2]
JANUARY = {"periode": "custom", "du": "2026-01-01", "au": "2026-01-31"}
SESSIONS = 3


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path):
    """Each test's files in its own folder, never the project's var/exports."""
    settings.EXPORTS_DIR = tmp_path / "exports"
    return settings.EXPORTS_DIR


def _coordinator(antenna, **fields):
    user = UserFactory(coordinator=True, membership__antenna=antenna, **fields)
    VolunteerProfileFactory(user=user, charter_signed_on=datetime.date(2026, 1, 15))
    return user


@pytest.fixture
def world():
    antenna = AntennaFactory(name="La Blancarde")
    coordinator = _coordinator(antenna, display_name="Camille Roux")
    person = BeneficiaryFactory(first_name="Aïcha", last_name="Benali")
    for day in range(SESSIONS):
        SessionLogFactory(antenna=antenna, date=datetime.date(2026, 1, 5 + day), beneficiary=person)
    # Outside the period.
    SessionLogFactory(antenna=antenna, date=datetime.date(2026, 2, 2), beneficiary=person)
    occurrence = occurrence_today(antenna=antenna, day=datetime.date(2026, 1, 6), title="Permanence du mardi")
    BookingFactory(slot=occurrence.slots.order_by("starts_at").first(), beneficiary=person)
    return {
        "antenna": antenna,
        "coordinator": coordinator,
        # Coordinates the same antenna: may read its figures, not a colleague's export.
        "colleague": _coordinator(antenna),
        "admin": UserFactory(admin=True),
    }


def _export_url(world, name="exports:sessions"):
    return reverse(name, kwargs={"scope": "antenne", "pk": world["antenna"].pk, "fmt": "xlsx"})


def _ask(client, user, world, name="exports:sessions", **params):
    client.force_login(user)
    return client.get(_export_url(world, name), {**JANUARY, **params})


def _asked_and_made(client, user, world, django_capture_on_commit_callbacks, **params) -> ExportJob:
    """Ask for an export and let the immediate backend make it once the job is committed."""
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, user, world, **params)
    job = ExportJob.objects.get()
    assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
    return job


def _download(client, job):
    response = client.get(reverse("exports:job_download", args=[job.pk]))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content


# Asking for an export


def test_asking_twice_makes_one_job_queued_once(client, world, django_capture_on_commit_callbacks):
    coordinator = world["coordinator"]
    with django_capture_on_commit_callbacks() as first:
        response = _ask(client, coordinator, world)
    with django_capture_on_commit_callbacks() as second:
        again = _ask(client, coordinator, world)

    job = ExportJob.objects.get()
    assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
    assertRedirects(again, job.get_absolute_url(), fetch_redirect_response=False)
    assert (len(first), len(second)) == (1, 0)
    assert (job.user, job.kind, job.fmt, job.status) == (coordinator, "sessions", "xlsx", "queued")
    assert (job.scope_kind, job.scope_pk, job.scope_label) == ("antenne", world["antenna"].pk, "La Blancarde")
    assert (job.period_start, job.period_end, job.names, job.language) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 1, 31),
        False,
        "fr",
    )
    # Nothing is exported before the worker has written the file.
    assert not AccessLog.objects.exists()


def test_another_request_makes_another_job(client, world, django_capture_on_commit_callbacks):
    coordinator = world["coordinator"]
    _ask(client, coordinator, world)
    _ask(client, coordinator, world, noms="1")
    _ask(client, coordinator, world, "exports:bookings")
    _ask(client, world["colleague"], world)

    assert ExportJob.objects.count() == 4
    assert ExportJob.objects.filter(names=True).get().user == coordinator


def test_the_database_allows_one_pending_job_per_request(world):
    fields = {
        "user": world["coordinator"],
        "kind": "sessions",
        "scope_kind": "antenne",
        "scope_pk": world["antenna"].pk,
        "scope_label": "La Blancarde",
        "period_start": datetime.date(2026, 1, 1),
        "period_end": datetime.date(2026, 1, 31),
        "language": "fr",
        "expires_at": timezone.now() + datetime.timedelta(hours=1),
    }
    ExportJob.objects.create(**fields, status=ExportJob.Status.DONE)
    ExportJob.objects.create(**fields, status=ExportJob.Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExportJob.objects.create(**fields)


def test_a_request_beaten_to_the_job_by_the_same_one_uses_it(client, world, monkeypatch):
    """Two identical requests at once: both see no job, the database lets one insert, and the
    other is led to that job. Here the first job is only taken for lost and not given up, so
    the second insert meets it."""
    coordinator = world["coordinator"]
    _ask(client, coordinator, world)
    first = ExportJob.objects.get()
    monkeypatch.setattr(ExportJob, "state", lambda job, now: "lost")
    monkeypatch.setattr(export_jobs, "_give_up", lambda job: None)

    response = _ask(client, coordinator, world)

    assert ExportJob.objects.get() == first
    assertRedirects(response, first.get_absolute_url(), fetch_redirect_response=False)


def test_the_csv_is_still_streamed_by_the_request(client, world):
    client.force_login(world["coordinator"])
    response = client.get(reverse("exports:sessions", args=["antenne", world["antenna"].pk, "csv"]), JANUARY)

    assert response.streaming
    assert len(b"".join(response.streaming_content).decode("utf-8-sig").splitlines()) == 1 + SESSIONS
    assert not ExportJob.objects.exists()


# The worker's run


def test_the_immediate_backend_makes_the_file_and_the_page_offers_it(
    client, world, django_capture_on_commit_callbacks
):
    job = _asked_and_made(client, world["coordinator"], world, django_capture_on_commit_callbacks)

    assert (job.status, job.rows_written, job.rows_total) == ("done", SESSIONS, SESSIONS)
    assert job.filename == "la-blancarde_2026-01-01_2026-01-31_seances_fr.xlsx"
    assert job.file_size == Path(export_storage().path(job.file.name)).stat().st_size
    assert job.expires_at == job.finished_at + datetime.timedelta(hours=24)
    page = client.get(job.get_absolute_url())
    assertContains(page, "Le fichier est prêt.")
    assertContains(page, f'href="{reverse("exports:job_download", args=[job.pk])}"')
    assertContains(page, "Télécharger la-blancarde_2026-01-01_2026-01-31_seances_fr.xlsx")
    assertContains(page, "Fichier Excel,")
    assertNotContains(page, "<progress")
    assertNotContains(page, 'http-equiv="refresh"')


def test_the_download_is_the_workbook_with_the_rows(client, world, django_capture_on_commit_callbacks):
    job = _asked_and_made(client, world["coordinator"], world, django_capture_on_commit_callbacks)

    response, content = _download(client, job)

    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert 'filename="la-blancarde_2026-01-01_2026-01-31_seances_fr.xlsx"' in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Séances", "Synthèse", "À propos"]
    sheet = workbook["Séances"]
    assert sheet.max_row == 1 + SESSIONS
    assert [row[0].value.date() for row in sheet.iter_rows(min_row=2)] == [
        datetime.date(2026, 1, 5 + day) for day in range(SESSIONS)
    ]


def test_the_file_is_written_in_the_language_it_was_asked_in(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["coordinator"])
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_export_url(world, "exports:bookings"), JANUARY)
    job = ExportJob.objects.get()

    _response, content = _download(client, job)

    assert job.language == "en"
    assert job.filename == "la-blancarde_2026-01-01_2026-01-31_bookings_en.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames == ["Bookings", "Summary", "About"]


def test_names_are_written_only_when_asked_for_by_a_user_who_signed(client, world, django_capture_on_commit_callbacks):
    job = _asked_and_made(client, world["coordinator"], world, django_capture_on_commit_callbacks, noms="1")

    _response, content = _download(client, job)

    headers = [cell.value for cell in openpyxl.load_workbook(io.BytesIO(content))["Séances"][1]]
    assert job.names
    assert {"Prénom", "Nom"} <= set(headers)


def test_the_task_records_its_progress_one_update_at_a_time(client, world, monkeypatch):
    """Every CHUNK_SIZE rows the job's count moves on, one UPDATE each; the total is counted
    first. Here two rows make a step."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    _ask(client, world["coordinator"], world)
    job = ExportJob.objects.get()

    with CaptureQueriesContext(transaction.get_connection()) as queries:
        assert export_job_make(job_id=str(job.pk)) == "done"

    updates = [query["sql"] for query in queries if query["sql"].startswith('UPDATE "figures_exportjob"')]
    steps = [sql for sql in updates if sql.startswith('UPDATE "figures_exportjob" SET "rows_written"')]
    assert len(steps) == SESSIONS // 2
    assert '"rows_written" = 2,' in steps[0]
    # Taken from the queue, the total counted, the steps, the file stored.
    assert len(updates) == 1 + 1 + len(steps) + 1
    assert '"rows_total" = 3' in updates[1]


def test_a_task_run_twice_writes_the_file_once(client, world, django_capture_on_commit_callbacks):
    job = _asked_and_made(client, world["coordinator"], world, django_capture_on_commit_callbacks)

    assert export_job_make(job_id=str(job.pk)) == "skipped"
    assert AccessLog.objects.count() == 1


def test_access_is_checked_again_by_the_task(client, world, caplog):
    coordinator = world["coordinator"]
    _ask(client, coordinator, world)
    job = ExportJob.objects.get()
    # The coordinator leaves the antenna before the worker gets to the job.
    AntennaMembership.objects.filter(user=coordinator).delete()

    with caplog.at_level(logging.WARNING, logger="sessions_app.figures.tasks"):
        assert export_job_make(job_id=str(job.pk)) == "failed"

    job.refresh_from_db()
    assert (job.status, job.failure, job.file.name) == ("failed", "no_access", "")
    assert not AccessLog.objects.exists()
    assert [record.getMessage() for record in caplog.records if record.name == "sessions_app.figures.tasks"] == [
        "Export job refused: its user may no longer read the scope."
    ]
    page = client.get(job.get_absolute_url())
    assertContains(page, "Vous ne pouvez plus lire les chiffres de ce périmètre : le fichier n’a pas été fait.")
    assertContains(page, f'href="{job.export_url.replace("&", "&amp;")}"')


def test_names_are_left_out_when_the_charter_is_no_longer_signed(client, world):
    coordinator = world["coordinator"]
    _ask(client, coordinator, world, noms="1")
    job = ExportJob.objects.get()
    coordinator.volunteer_profile.charter_signed_on = None
    coordinator.volunteer_profile.save()

    export_job_make(job_id=str(job.pk))

    _response, content = _download(client, job)
    headers = [cell.value for cell in openpyxl.load_workbook(io.BytesIO(content))["Séances"][1]]
    assert "Nom" not in headers
    assert AccessLog.objects.get(detail__download__isnull=True).detail["names"] is False


@pytest.mark.parametrize("step", ["xlsx_file", "access_log_record"])
def test_an_error_fails_the_job_with_a_message_and_is_logged(client, world, monkeypatch, caplog, exports_dir, step):
    """Whether the workbook cannot be written or the export cannot be recorded once the file is
    stored: the job fails, nothing is recorded and no file is left."""

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, step, broken)
    _ask(client, world["coordinator"], world)
    job = ExportJob.objects.get()

    with caplog.at_level(logging.ERROR, logger="sessions_app.figures.tasks"):
        assert export_job_make(job_id=str(job.pk)) == "failed"

    job.refresh_from_db()
    assert (job.status, job.failure, job.file.name) == ("failed", "error", "")
    [record] = [record for record in caplog.records if record.name == "sessions_app.figures.tasks"]
    assert (record.getMessage(), record.export_job, record.exc_info[0]) == (
        "Export job failed.",
        str(job.pk),
        RuntimeError,
    )
    assert not AccessLog.objects.exists()
    assert list(exports_dir.glob("*")) == []
    page = client.get(job.get_absolute_url())
    assertContains(page, "Le fichier n’a pas pu être fait à cause d’une erreur du serveur.")
    assertContains(page, "Demander à nouveau le fichier")


def test_a_running_job_that_stopped_moving_is_lost_and_may_be_asked_again(client, world):
    coordinator = world["coordinator"]
    _ask(client, coordinator, world)
    lost = ExportJob.objects.get()
    ExportJob.objects.filter(pk=lost.pk).update(
        status=ExportJob.Status.RUNNING, progressed_at=timezone.now() - LOST_AFTER - datetime.timedelta(seconds=1)
    )

    page = client.get(lost.get_absolute_url())
    assertContains(page, "Le programme des tâches de fond s’est arrêté pendant qu’il écrivait le fichier.")
    response = _ask(client, coordinator, world)

    lost.refresh_from_db()
    new = ExportJob.objects.exclude(pk=lost.pk).get()
    assert (lost.status, lost.failure) == ("failed", "lost")
    assertRedirects(response, new.get_absolute_url(), fetch_redirect_response=False)


# The job's page and its status


def test_a_waiting_job_page_shows_the_bar_and_follows_it(client, world, django_assert_num_queries):
    _ask(client, world["coordinator"], world)
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, rows_total=12000, rows_written=4000, progressed_at=timezone.now()
    )

    # Session, user, the job, and the menu's (the user's roles, 2).
    with django_assert_num_queries(5):
        page = client.get(job.get_absolute_url())

    assertContains(page, '<h1 class="h2 mb-3">Export Excel – Séances</h1>', html=False)
    assertContains(page, 'max="12000" value="4000"')
    assertContains(page, "4\xa0000 sur 12\xa0000 lignes écrites")
    assertContains(page, 'role="status" aria-live="polite"')
    assertContains(page, "Le fichier est en cours d’écriture.")
    assertContains(page, '<noscript><meta http-equiv="refresh" content="2"></noscript>', html=False)
    assertContains(page, "js/export-progress.js")
    assertContains(page, f'data-export-progress="{reverse("exports:job_status", args=[job.pk])}"')
    assertContains(page, "La Blancarde")
    assertContains(page, "Du 1er janvier 2026 au 31 janvier 2026")


def test_a_queued_job_page_has_no_count_yet(client, world):
    _ask(client, world["coordinator"], world)
    job = ExportJob.objects.get()

    page = client.get(job.get_absolute_url())

    assertContains(page, "Le fichier attend le programme des tâches de fond")
    assertContains(page, '<progress id="export-progress-bar"')
    assertNotContains(page, 'value="0"')


def test_the_status_address_tells_how_far_the_job_is(client, world, django_assert_num_queries):
    _ask(client, world["coordinator"], world)
    job = ExportJob.objects.get()
    url = reverse("exports:job_status", args=[job.pk])

    assert client.get(url).json() == {
        "state": "queued",
        "waiting": True,
        "rows_written": 0,
        "rows_total": None,
        "status_text": (
            "Le fichier attend le programme des tâches de fond, qui prépare les exports l’un après l’autre."
        ),
        "progress_text": "",
    }
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, rows_total=3, rows_written=2, progressed_at=timezone.now()
    )
    # Session, user, the job.
    with django_assert_num_queries(3):
        running = client.get(url).json()
    assert (running["state"], running["waiting"], running["rows_written"], running["rows_total"]) == (
        "running",
        True,
        2,
        3,
    )
    assert running["progress_text"] == "2 sur 3 lignes écrites"
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE)
    done = client.get(url).json()
    assert (done["state"], done["waiting"], done["status_text"]) == ("done", False, "Le fichier est prêt.")


@pytest.mark.parametrize("name", ["exports:job", "exports:job_status", "exports:job_download"])
@pytest.mark.parametrize("who", ["colleague", "admin"])
def test_another_users_job_is_not_found(client, world, django_capture_on_commit_callbacks, name, who):
    job = _asked_and_made(client, world["coordinator"], world, django_capture_on_commit_callbacks)
    client.force_login(world[who])

    response = client.get(reverse(name, args=[job.pk]))

    assert response.status_code == 404
    assert AccessLog.objects.count() == 1


def test_an_unknown_job_is_not_found(client, world):
    client.force_login(world["coordinator"])
    assert client.get(reverse("exports:job", args=["8c1f3c57-0c7a-4c1e-9d55-7b2d1f0e1a2b"])).status_code == 404
    assert client.get("/chiffres/export/pas-un-identifiant/").status_code == 404


def test_a_file_not_made_yet_cannot_be_downloaded(client, world):
    _ask(client, world["coordinator"], world)

    response, _content = _download(client, ExportJob.objects.get())

    assert response.status_code == 404


def test_the_download_checks_the_users_access_again(client, world, django_capture_on_commit_callbacks):
    coordinator = world["coordinator"]
    job = _asked_and_made(client, coordinator, world, django_capture_on_commit_callbacks)
    AntennaMembership.objects.filter(user=coordinator).delete()

    response, _content = _download(client, job)

    assert response.status_code == 404
    assert AccessLog.objects.count() == 1


# The access log


def test_the_file_made_and_each_download_are_in_the_access_log(client, world, django_capture_on_commit_callbacks):
    coordinator = world["coordinator"]
    job = _asked_and_made(client, coordinator, world, django_capture_on_commit_callbacks, noms="1")
    [made] = AccessLog.objects.all()
    expected = {
        "kind": "sessions",
        "scope": {"scope": "antenne", "pk": world["antenna"].pk, "label": "La Blancarde"},
        "period": ["2026-01-01", "2026-01-31"],
        "format": "xlsx",
        "names": True,
        "rows": SESSIONS,
        "job": str(job.pk),
    }
    assert (made.user, made.role, made.action, made.object_kind) == (coordinator, "coordinator", "export", "report")
    assert made.what == "sessions export La Blancarde 2026-01-01–2026-01-31"
    assert made.detail == expected

    _download(client, job)
    _download(client, job)

    downloads = AccessLog.objects.filter(detail__download=True)
    assert downloads.count() == 2
    assert all(entry.detail == {**expected, "download": True} for entry in downloads)
    assert all(entry.action == AccessLog.Action.EXPORT for entry in downloads)


# Expiry and deletion


def test_an_expired_job_is_not_downloaded_and_its_file_is_deleted(client, world, django_capture_on_commit_callbacks):
    job = _asked_and_made(client, world["coordinator"], world, django_capture_on_commit_callbacks)
    path = Path(export_storage().path(job.file.name))
    assert path.exists()
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response, _content = _download(client, job)
    page = client.get(job.get_absolute_url())

    assert response.status_code == 404
    assertContains(page, "Ce fichier a été supprimé : les fichiers préparés sont gardés 24 heures.")
    assertContains(page, "Demander à nouveau le fichier")
    call_command("prune_exports", stdout=io.StringIO())
    assert not path.exists()
    assert not ExportJob.objects.exists()
    assert client.get(job.get_absolute_url()).status_code == 404
    # The access log keeps the export.
    assert AccessLog.objects.count() == 1


def test_each_run_deletes_the_expired_jobs_and_files_no_job_names(
    client, world, django_capture_on_commit_callbacks, exports_dir
):
    old = _asked_and_made(client, world["coordinator"], world, django_capture_on_commit_callbacks)
    old_path = Path(export_storage().path(old.file.name))
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    left_behind = exports_dir / "0b6f7f0e-0000-4000-8000-000000000000.xlsx"
    left_behind.write_bytes(b"half a file")
    day_ago = (timezone.now() - datetime.timedelta(hours=25)).timestamp()
    os.utime(left_behind, (day_ago, day_ago))
    just_written = exports_dir / "0b6f7f0e-0000-4000-8000-000000000001.xlsx"
    just_written.write_bytes(b"being stored")

    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, world["coordinator"], world, "exports:bookings")

    new = ExportJob.objects.get()
    assert new.kind == "bookings" and new.status == "done"
    assert not old_path.exists() and not left_behind.exists()
    assert just_written.exists()
    assert Path(export_storage().path(new.file.name)).exists()


def test_pruning_with_nothing_to_prune(exports_dir):
    assert export_jobs_prune() == 0
    assert not exports_dir.exists()


def test_the_daily_script_prunes_the_exports():
    assert '"prune_exports"' in (ROOT / "scripts" / "daily.sh").read_text()


def test_the_files_are_private(client, world, django_capture_on_commit_callbacks, exports_dir, settings):
    job = _asked_and_made(client, world["coordinator"], world, django_capture_on_commit_callbacks)

    path = Path(export_storage().path(job.file.name))
    assert path.parent == exports_dir
    assert path.stat().st_mode & 0o777 == 0o600
    assert exports_dir.stat().st_mode & 0o777 == 0o700
    assert not str(exports_dir).startswith(str(settings.STATIC_ROOT))
    with pytest.raises(ValueError):
        job.file.url  # noqa: B018


# The web servers


def test_gunicorn_gives_a_request_30_seconds_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("GUNICORN_TIMEOUT", raising=False)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["timeout"] == 30
    monkeypatch.setenv("GUNICORN_TIMEOUT", "90")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["timeout"] == 90
