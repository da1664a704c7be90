"""Benchmark: the figures page and the full-year CSV export on national-scale data.

Run with `make bench-figures`. It uses its own database (DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/permanences_bench); when that database holds no session
log yet, it is filled first with `manage.py seed_scale` (the national profile: 1,000 antennas,
300,000 people, 1,000,000 bookings and 1,000,000 session logs, a few minutes).
It prints the figures; the targets are under 1 second for the whole federation's figures over a
year, and under 150 MB of memory for the full-year CSV export. The months that are over are read
from the monthly totals that `manage.py build_figures` keeps (run daily in production).
"""

import datetime
import io
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench_database import database_ensure  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/permanences_bench")
os.environ.setdefault("SECRET_KEY", "benchmark-only")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inclusion.settings")
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
os.environ["SECURE_COOKIES"] = "false"

RUNS = 5


def _setup():
    import django

    django.setup()


def _admin():
    from inclusion.models import User

    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if admin is None:
        admin = User.objects.create_superuser("bench-admin@bench.test", None, display_name="Bench admin")
    return admin


def _year_query() -> str:
    today = datetime.date.today()
    return f"periode=custom&du={today - datetime.timedelta(days=364)}&au={today}"


def time_page(client, url: str) -> tuple[float, float, int]:
    """Median and worst time over RUNS requests after one warm-up, and the SQL queries of one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    timings = []
    for _run in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(timings), max(timings), len(queries)


def export_worker() -> None:
    """Run in a fresh process: stream the full-year CSV export and report time and peak memory."""
    _setup()
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(_admin())
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    url = reverse("exports:sessions", kwargs={"scope": "tout", "pk": 0, "fmt": "csv"}) + "?" + _year_query()
    started = time.perf_counter()
    response = client.get(url)
    first_byte = None
    size = lines = 0
    for chunk in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\n")
    total = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{lines - 1} {size} {first_byte:.2f} {total:.2f} {baseline:.0f} {peak:.0f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--export-worker":
        export_worker()
        return
    _setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from inclusion.models import Antenna
    from sessions_app.models import SessionLog

    database_ensure(connection.settings_dict)
    call_command("migrate", verbosity=0)
    if not SessionLog.objects.exists():
        print("Filling the benchmark database with the national profile (manage.py seed_scale)…")
        call_command("seed_scale")
    sessions = SessionLog.objects.count()
    # A database seeded before the monthly totals existed gets them here, as the daily command would.
    started = time.perf_counter()
    call_command("build_figures", stdout=io.StringIO())
    print(f"Monthly totals brought up to date (manage.py build_figures) in {time.perf_counter() - started:.1f} s")
    client = Client()
    client.force_login(_admin())
    everything = reverse("figures:figures", kwargs={"scope": "tout", "pk": 0}) + "?" + _year_query()
    median, worst, queries = time_page(client, everything)
    print(f"Session logs in the database: {sessions:,}".replace(",", " "))
    print(f"Figures, whole federation, one year: median {median:.2f} s, worst {worst:.2f} s, {queries} queries")
    big = Antenna.objects.order_by("pk").first()
    one = reverse("figures:figures", kwargs={"scope": "antenne", "pk": big.pk}) + "?periode=last_month"
    median, worst, queries = time_page(client, one)
    print(f"Figures, biggest antenna, last month: median {median:.2f} s, worst {worst:.2f} s, {queries} queries")
    # A fresh process, so its peak memory is the export's and not the figures pages'.
    result = subprocess.run(  # noqa: S603 (this interpreter and this file)
        [sys.executable, __file__, "--export-worker"], capture_output=True, text=True, check=True, env=os.environ
    )
    rows, size, first_byte, total, baseline, peak = result.stdout.split()[-6:]
    print(
        f"Full-year CSV export: {int(rows):,} rows, {int(size) / 1e6:.0f} MB, first byte {first_byte} s, "
        f"total {total} s, process peak memory {peak} MB ({baseline} MB before the export)".replace(",", " ")
    )
    print(
        "Targets: figures under 1 s for the federation over a year; export under 150 MB of memory "
        "(see the figures above)."
    )


if __name__ == "__main__":
    main()
