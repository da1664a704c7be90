"""The deployment files: the daily script runs every command even when one fails, and the
units and the Procfile start what exists."""

import os
import subprocess
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent


def test_the_daily_script_runs_every_command_even_after_a_failure_and_reports_it(tmp_path):
    calls = tmp_path / "calls"
    fake_python = tmp_path / "python"
    fake_python.write_text(
        f'#!/bin/sh\nshift\necho "$*" >> {calls}\n[ "$1" != generate_occurrences ]\n',
    )
    fake_python.chmod(0o755)
    result = subprocess.run(
        [str(ROOT / "scripts" / "daily.sh")],
        env={**os.environ, "PYTHON": str(fake_python)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    # The retention run acts: without --apply it would only say whom it would anonymise.
    assert calls.read_text().splitlines() == [
        "generate_occurrences",
        "build_figures",
        "anonymise_inactive --apply",
        "prune_exports",
        "prune_db_task_results",
    ]
    assert result.returncode == 1
    assert "manage.py generate_occurrences failed" in result.stderr


def test_the_daily_script_succeeds_when_every_command_does(tmp_path):
    fake_python = tmp_path / "python"
    fake_python.write_text("#!/bin/sh\nexit 0\n")
    fake_python.chmod(0o755)
    result = subprocess.run(
        [str(ROOT / "scripts" / "daily.sh")], env={**os.environ, "PYTHON": str(fake_python)}, timeout=30
    )
    assert result.returncode == 0


def test_the_units_and_the_procfile_start_existing_commands():
    commands = get_commands()
    assert {
        "db_worker",
        "generate_occurrences",
        "build_figures",
        "anonymise_inactive",
        "send_reminders",
        "prune_db_task_results",
        "prune_exports",
        "migrate",
    } <= set(commands)
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert procfile == {
        "web": "gunicorn --config gunicorn.conf.py",
        "worker": "python manage.py db_worker",
        "release": "python manage.py migrate --no-input",
    }
    units = ROOT / "deploy" / "systemd"
    assert "gunicorn --config gunicorn.conf.py" in (units / "permanences-web.service").read_text()
    assert "manage.py db_worker" in (units / "permanences-worker.service").read_text()
    assert "scripts/daily.sh" in (units / "permanences-daily.service").read_text()
    # The file system is read-only to the units but for the prepared exports, which the worker
    # writes and the daily commands delete.
    for unit in ("permanences-worker.service", "permanences-daily.service"):
        assert "ReadWritePaths=/srv/permanences/var/exports" in (units / unit).read_text()
    assert "OnCalendar=" in (units / "permanences-daily.timer").read_text()
    assert "manage.py send_reminders" in (units / "permanences-reminders.service").read_text()
    assert "OnCalendar=*:0/15" in (units / "permanences-reminders.timer").read_text()
