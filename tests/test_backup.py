"""A restore drill: what scripts/backup.sh dumps, scripts/restore.sh brings back, row for row."""

import os
import secrets
import subprocess
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.apps import apps
from django.db import connection

from sessions_app.planning.generation import occurrences_generate
from tests.core.factories import UserFactory
from tests.people.factories import LiaisonSheetFactory
from tests.project import PROJECT_APPS
from tests.scheduling.factories import PermanenceFactory

ROOT = Path(__file__).resolve().parent.parent


def _test_database_url() -> str:
    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"], safe="")
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{credentials}@{settings['HOST'] or 'localhost'}{port}/{settings['NAME']}"


def _run(script: str, *arguments, **env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(env)
    return subprocess.run(
        [str(ROOT / "scripts" / script), *map(str, arguments)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _database_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _project_tables() -> list[str]:
    """The tables of the project's apps, their many-to-many tables included."""
    return sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in PROJECT_APPS and model._meta.managed and not model._meta.proxy
    )


def _row_counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - table names come from the models
        counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored")
def test_a_backup_restores_into_a_new_database_with_every_row(tmp_path):
    UserFactory(coordinator=True)
    permanence = PermanenceFactory()
    occurrences_generate(permanences=[permanence], weeks=2)
    LiaisonSheetFactory()
    url = _test_database_url()
    restored = f"{connection.settings_dict['NAME']}_restored_{secrets.token_hex(4)}"

    try:
        backup = _run("backup.sh", tmp_path / "backups", DATABASE_URL=url)
        assert backup.returncode == 0, backup.stderr
        dump = Path(backup.stdout.splitlines()[0])
        assert dump.parent == tmp_path / "backups"
        assert dump.name.startswith("permanences-") and dump.suffix == ".dump"
        # Personal data: only the owner may read the dump or list the directory.
        assert dump.stat().st_mode & 0o777 == 0o600
        assert dump.parent.stat().st_mode & 0o777 == 0o700

        restore = _run("restore.sh", dump, restored, DATABASE_URL=url)
        assert restore.returncode == 0, restore.stderr
        assert "DATABASE_URL=postgresql://" in restore.stdout and f"/{restored}" in restore.stdout

        tables = _project_tables()
        with connection.cursor() as cursor:
            expected = _row_counts(cursor, tables)
        settings = connection.settings_dict
        with (
            psycopg.connect(
                dbname=restored,
                user=settings["USER"] or None,
                password=settings["PASSWORD"] or None,
                host=settings["HOST"] or None,
                port=settings["PORT"] or None,
            ) as copy,
            copy.cursor() as cursor,
        ):
            assert _row_counts(cursor, tables) == expected
        # The drill means something only if the data of this test and of migrations was there.
        assert expected["core_user"] >= 2
        assert expected["scheduling_occurrence"] >= 1
        assert expected["people_liaisonsheet"] == 1
        assert expected["core_topic"] > 0
        assert expected["core_language"] > 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
    assert not _database_exists(restored)


def test_restore_refuses_to_write_over_an_existing_database(tmp_path):
    dump = tmp_path / "permanences.dump"
    dump.write_bytes(b"never read")
    existing = connection.settings_dict["NAME"]

    result = _run("restore.sh", dump, existing, DATABASE_URL=_test_database_url())

    assert result.returncode != 0
    assert "already exists" in result.stderr
    assert _database_exists(existing)


@pytest.mark.parametrize("name", ["Restored", "restored-copy", 'x"; DROP DATABASE postgres; --', ""])
def test_restore_refuses_a_database_name_outside_lowercase_digits_and_underscore(tmp_path, name):
    dump = tmp_path / "permanences.dump"
    dump.write_bytes(b"never read")

    result = _run("restore.sh", dump, name, DATABASE_URL=_test_database_url())

    assert result.returncode != 0
    assert "may only hold" in result.stderr
    assert not _database_exists(name)


def test_restore_refuses_a_file_that_is_not_a_dump(tmp_path):
    dump = tmp_path / "permanences.dump"
    dump.write_bytes(b"not a dump")
    name = f"not_restored_{secrets.token_hex(4)}"

    result = _run("restore.sh", dump, name, DATABASE_URL=_test_database_url())

    assert result.returncode != 0
    assert not _database_exists(name)


@pytest.mark.parametrize("url", [None, "", "sqlite:///db.sqlite3"])
def test_backup_refuses_without_a_postgres_database_url(tmp_path, url):
    env = {} if url is None else {"DATABASE_URL": url}

    result = _run("backup.sh", tmp_path / "backups", **env)

    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "DATABASE_URL" in result.stderr
    assert not (tmp_path / "backups").exists()
