"""The benchmark harness (scripts/bench.py), run end to end on a tiny profile so it keeps working."""

import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A page of each kind the harness walks: every role's menus, the figures, the technical admin.
PAGES = {
    "floor",
    "desk",
    "desk_search",
    "month",
    "rota",
    "team",
    "session_logs",
    "people",
    "people_search",
    "people_search_phone",
    "history",
    "referrals",
    "referrer_search",
    "slot_search",
    "slot_search_all",
    "figures_antenna_month",
    "figures_organization_year",
    "figures_federation_year",
    "summary_organization_year",
    "summary_federation_year",
    "access_log",
    "admin_booking",
    "admin_sessionlog_search",
}


def _tiny_database_url() -> str:
    """A database of its own on the test server, named after the test database's."""
    url = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/permanences"))
    return urllib.parse.urlunsplit(url._replace(path=f"{url.path.rstrip('/')}_bench_tiny"))


def test_bench_harness_measures_every_page_and_books_without_overbooking(tmp_path):
    output = tmp_path / "bench.json"
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "bench.py"),
            "--profile",
            "tiny",
            "--fresh",
            "--database-url",
            _tiny_database_url(),
            "--redis-url",
            os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
            "--output",
            str(output),
            "--requests",
            "5",
            "--warmup",
            "1",
            "--workers",
            "3",
            "--booking-clients",
            "10",
            "--bookings-per-client",
            "3",
            "--mixed-clients",
            "4",
            "--mixed-seconds",
            "3",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(output.read_text())
    assert set(results["pages"]) >= PAGES
    for name in results["pages"]:
        page = results["pages"][name]
        assert page["requests"] == 5
        assert 0 < page["p50_ms"] <= page["p95_ms"]
        # Counted by the server itself: at least the session and the user.
        assert page["queries"] >= 2
        assert page["ratio_to_floor"] > 0
    booking = results["booking"]
    assert booking["clients"] == 10
    assert booking["attempts"] == 30
    # Fewer seats than attempts: some are refused, and none beyond the seats is held.
    assert booking["booked"] == booking["seats"] == booking["bookings_held_in_database"]
    assert booking["refused"] == 30 - booking["seats"]
    assert booking["errors"] == 0
    assert booking["overbooked_slots_in_database"] == 0
    mixed = results["mixed"]
    assert mixed["clients"] == 4 and mixed["requests"] > 0 and mixed["errors"] == 0
    assert 0 < mixed["p50_ms"] <= mixed["p95_ms"]
    export = results["export"]
    assert export["writer"]["rows"] > 0 and export["copy"]["seconds"] > 0
    assert set(export["asked"]) == {"csv", "xlsx"}
    assert results["generation"]["dates"] > 0
    assert "targets" in results
    assert "page" in completed.stdout and "targets:" in completed.stdout
