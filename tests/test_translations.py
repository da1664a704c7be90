"""Every string of the interface has its French translation."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["manage.py", "inclusion", "sessions_app", "beneficiaries", "volunteers", "templates", "locale"]


def test_the_french_catalog_translates_every_string(tmp_path):
    # Extract the strings from a copy of the sources, so the committed catalog is compared with the
    # code as it is now without being rewritten.
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy(source, tmp_path / name)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "inclusion.settings",
        "DEBUG": "true",
        "DATABASE_URL": "sqlite://:memory:",
    }
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        env=environment,
        check=True,
        timeout=120,
    )
    catalog = tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(catalog)], capture_output=True, text=True, check=True
    ).stdout
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(catalog)], capture_output=True, text=True, check=True
    ).stdout
    untranslated_ids = [line for line in untranslated.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
    assert not untranslated_ids, "Run `make messages-update` and translate:\n" + untranslated
    assert not fuzzy.strip(), "Check the fuzzy translations:\n" + fuzzy
