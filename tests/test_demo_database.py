"""`make run` tries the application on its zero-setup default, SQLite: the migrations apply
there, the demo loads, the four demo accounts' password is theirs and the admin's searches run. The suite
itself runs on PostgreSQL; this module only drives manage.py in a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
from inclusion.core.models import User
from django.db.models import Value
from django.db.models.functions import Upper
from django.db.models.lookups import StartsWith
from beneficiaries.people.models import Beneficiary
from inclusion.core.admin_base import search_key
accounts = ["admin@demo.test", "coordination@demo.test", "benevole@demo.test", "travailleur.social@demo.test"]
print([User.objects.get(email=email).check_password("permanence-demo") for email in accounts])
print(Beneficiary.objects.filter(StartsWith(search_key("last_name"), Upper(Value("a")))).count() >= 0)
"""


def _manage(*arguments: str, database: Path) -> str:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "inclusion.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout


def test_the_demo_runs_on_sqlite_and_its_accounts_log_in(tmp_path):
    database = tmp_path / "demo.sqlite3"
    _manage("migrate", "--no-input", "-v", "0", database=database)
    _manage("load_demo", database=database)
    assert _manage("shell", "--no-imports", "-c", CHECK, database=database).split() == [
        "[True,",
        "True,",
        "True,",
        "True]",
        "True",
    ]
