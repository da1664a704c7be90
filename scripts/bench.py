"""Benchmark of the pages that matter, served by gunicorn with production settings.

Run with `make bench` (the national profile, several minutes) or `make bench-tiny` (a few
hundred rows, under a minute, as the test suite does). It:

1. makes sure its own PostgreSQL database exists (DATABASE_URL, by default
   postgres://postgres@127.0.0.1:5432/permanences_bench), migrates it, and fills it with
   `manage.py seed_scale` when it holds no session log (`--fresh` drops it first);
2. picks the accounts each page is measured as (a volunteer and the coordinator of the busiest
   antenna, the referrer with the most referrals, an admin), gives them a known password, and
   prepares a referral to search slots for and the referrals and slots of the booking rush;
3. starts gunicorn on loopback (DEBUG off, SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, production's
   30 s timeout, the X-Query-Count header on) and, from this process, logs in through the
   log-in form and times every page a coordinator, a volunteer, a referrer and an admin reach
   from their menus, against a floor (a logged-in page with no list and no form); then a mixed
   load of 20 clients over those pages for 60 s, and N clients booking into the same few slots
   at once; then the full-year CSV export written by the export's own code, against
   PostgreSQL's COPY of the same rows, and the time a web request takes to ask for the
   full-year exports (the task worker writes them);
4. times the generation of occurrences (scripts/benchmark_generation.py) on the same database;
5. prints a table and writes every figure as JSON to the file given with `--output`.
"""

import argparse
import concurrent.futures
import contextlib
import ctypes
import datetime
import http.client
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/permanences_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
# A few hundred rows: enough for every page to have something to show.
TINY = {
    "antennas": 6,
    "departments": 2,
    "permanences": 12,
    "volunteers": 24,
    "referrers": 60,
    "people": 300,
    "sheets": 300,
    "bookings": 400,
    "sessions": 400,
    "access_logs": 400,
    "past_weeks": 6,
    "future_weeks": 8,
}
PASSWORD = "bench-" + secrets.token_urlsafe(12)
# Every page is held to these unless HEAVY names it: p95 in milliseconds, and times the floor's p95.
TARGET_PAGE_P95_MS = 100
TARGET_FLOOR_RATIO = 5
# The year-long figures and summaries add up a year of a federation: a target of their own.
HEAVY = {"figures_federation_year": 300, "summary_organization_year": 300, "summary_federation_year": 300}
TARGET_EXPORT_COPY_RATIO = 3
TARGET_EXPORT_ASKED_S = 3.0
TARGET_BOOKINGS_PER_S = 100
TARGET_REGENERATION_RATIO = 0.1
MIXED_CLIENTS = 20
MIXED_SECONDS = 60


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", help="the JSON file to write the figures to (required to measure)")
    parser.add_argument("--profile", choices=["national", "tiny"], default="national")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page, after warm-up")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--booking-clients", type=int, default=50)
    parser.add_argument("--bookings-per-client", type=int, default=4)
    parser.add_argument("--booking-slots", type=int, default=4, help="the few slots everyone books into")
    parser.add_argument("--skip-generation", action="store_true", help="leave out the occurrence generation")
    parser.add_argument("--skip-export", action="store_true", help="leave out the full-year export")
    parser.add_argument("--skip-booking", action="store_true", help="leave out the booking rush")
    parser.add_argument("--pages", default="", help="only these pages, comma-separated (the floor always)")
    parser.add_argument(
        "--markdown", metavar="JSON", help="print the pages' table of an earlier run's JSON in Markdown, and stop"
    )
    parser.add_argument("--skip-mixed", action="store_true", help="leave out the mixed load")
    parser.add_argument("--mixed-clients", type=int, default=MIXED_CLIENTS)
    parser.add_argument("--mixed-seconds", type=int, default=MIXED_SECONDS)
    parser.add_argument("--jit", action="store_true", help="serve with PostgreSQL's JIT on (DATABASE_JIT), to compare")
    return parser.parse_args(argv)


# The server's side: a database of its own, and the data each page is measured on.


def configure_django(arguments: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = arguments.database_url
    os.environ["REDIS_URL"] = arguments.redis_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "inclusion.settings"
    os.environ["DEBUG"] = "false"
    import django

    django.setup()


def database_prepare(arguments: argparse.Namespace) -> dict:
    """Create (or recreate) the database, migrate it and fill it when it is empty."""
    import psycopg
    from bench_database import database_ensure
    from django.core.management import call_command
    from django.db import connection

    settings_dict = connection.settings_dict
    if arguments.fresh:
        with (
            psycopg.connect(
                dbname="postgres",
                user=settings_dict["USER"] or None,
                password=settings_dict["PASSWORD"] or None,
                host=settings_dict["HOST"] or None,
                port=settings_dict["PORT"] or None,
                autocommit=True,
            ) as server,
            server.cursor() as cursor,
        ):
            cursor.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}" WITH (FORCE)')
    database_ensure(settings_dict)
    call_command("migrate", verbosity=0)
    from sessions_app.desk.models import SessionLog

    seeded = {}
    if not SessionLog.objects.exists():
        volumes = TINY if arguments.profile == "tiny" else {}
        print(f"Filling {settings_dict['NAME']} with the {arguments.profile} profile (manage.py seed_scale)…")
        started = time.perf_counter()
        call_command("seed_scale", **volumes, stdout=sys.stderr)
        seeded["seed_seconds"] = round(time.perf_counter() - started, 1)
    from inclusion.core.models import AccessLog

    if not AccessLog.objects.exists():
        # A database filled before the access log was part of the profile: its year added now.
        volumes = TINY if arguments.profile == "tiny" else {}
        call_command("seed_scale", access_log_only=True, **volumes, stdout=sys.stderr)
    # Production settings serve the static files named after their content: collected first, as
    # a deployment does.
    call_command("collectstatic", interactive=False, verbosity=0)
    # The figures' monthly totals, as the daily command keeps them (a no-op when they are up to
    # date, as after seed_scale).
    started = time.perf_counter()
    call_command("build_figures", stdout=sys.stderr)
    seeded["build_figures_seconds"] = round(time.perf_counter() - started, 1)
    # A production database is kept vacuumed by autovacuum, which a test server may have turned
    # off: without it, indexes cannot be read on their own (no visibility map).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return seeded


def data_volumes() -> dict:
    """Rows in the tables the pages read, estimated by PostgreSQL after ANALYZE."""
    from django.db import connection

    tables = {
        "antennas": "core_antenna",
        "permanences": "scheduling_permanence",
        "dates": "scheduling_occurrence",
        "slots": "scheduling_slot",
        "people": "people_beneficiary",
        "liaison_sheets": "people_liaisonsheet",
        "bookings": "bookings_booking",
        "session_logs": "desk_sessionlog",
        "signups": "team_signup",
        "access_log": "core_accesslog",
    }
    volumes = {}
    with connection.cursor() as cursor:
        for name, table in tables.items():
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            estimate = cursor.fetchone()[0]
            if estimate < 10_000:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (a table name of this module)
                estimate = cursor.fetchone()[0]
            volumes[name] = estimate
    return volumes


def scenario_prepare(arguments: argparse.Namespace) -> dict:
    """The accounts, pages and booking rush to measure, from what the database holds."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from beneficiaries.people.enums import SheetStatus
    from beneficiaries.people.models import Beneficiary, LiaisonSheet, new_reference
    from inclusion.core.enums import MembershipRole
    from inclusion.core.models import Antenna, AntennaMembership, Referrer, User
    from sessions_app.desk.models import SessionLog
    from sessions_app.scheduling.enums import OccurrenceStatus
    from sessions_app.scheduling.models import Occurrence, Permanence, Slot

    busiest = SessionLog.objects.values("antenna").annotate(logs=Count("id")).order_by("-logs", "antenna")[:1][0]
    antenna = Antenna.objects.get(pk=busiest["antenna"])
    coordinator = AntennaMembership.objects.filter(antenna=antenna, role=MembershipRole.COORDINATOR).order_by("pk")[0]
    volunteer = (
        AntennaMembership.objects.filter(
            antenna=antenna, role=MembershipRole.VOLUNTEER, user__volunteer_profile__charter_signed_on__isnull=False
        ).order_by("pk")
        or AntennaMembership.objects.filter(antenna=antenna, role=MembershipRole.COORDINATOR).order_by("pk")
    )[0]
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("-pk")[0]
    most = LiaisonSheet.objects.values("referrer").annotate(sheets=Count("id")).order_by("-sheets", "referrer")[:1][0]
    referrer = Referrer.objects.select_related("user").get(user_id=most["referrer"], is_active=True)
    person = (
        SessionLog.objects.filter(antenna=antenna, beneficiary__isnull=False)
        .values("beneficiary")
        .annotate(logs=Count("id"))
        .order_by("-logs", "beneficiary")[:1][0]["beneficiary"]
    )
    rushers = list(
        Referrer.objects.filter(is_active=True, user__is_active=True)
        .exclude(pk=referrer.pk)
        .select_related("user")
        .order_by("pk")[: arguments.booking_clients]
    )
    if len(rushers) < arguments.booking_clients:
        raise SystemExit(f"The database has {len(rushers)} referrers besides the searching one: fewer than clients.")

    today = timezone.localdate()
    attempts = arguments.booking_clients * arguments.bookings_per_client
    seats = max(1, (attempts * 3 // 4) // arguments.booking_slots)
    people = list(
        Beneficiary.objects.order_by("pk").values_list("pk", flat=True)[: attempts + 1],
    )
    if len(people) < attempts + 1:
        raise SystemExit("Too few people in the database for the booking rush.")
    with transaction.atomic():
        # One password for the few accounts the client logs in as: one hash, whatever their number.
        accounts = [coordinator.user_id, volunteer.user_id, admin.pk, referrer.user_id] + [r.user_id for r in rushers]
        User.objects.filter(pk__in=accounts).update(password=make_password(PASSWORD))
        search_sheet = LiaisonSheet.objects.create(
            beneficiary_id=people[-1],
            referrer=referrer.user,
            organization_id=referrer.organization_id,
            preferred_department=antenna.department_code,
            status=SheetStatus.SENT,
            detail="Benchmark: slot search",
        )
        # The rush books into a date of its own, far enough ahead to stay out of the pages measured.
        permanence = Permanence.objects.filter(antenna=antenna, is_active=True, booking_mode="bookable").order_by(
            "pk"
        )[0]
        day = today + datetime.timedelta(days=70 + secrets.randbelow(200))
        starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))
        occurrence = Occurrence.objects.create(
            permanence=permanence,
            date=day,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=30 * arguments.booking_slots),
            status=OccurrenceStatus.SCHEDULED,
            is_one_off=True,
            is_detached=True,
        )
        slots = Slot.objects.bulk_create(
            Slot(
                occurrence=occurrence,
                starts_at=starts + datetime.timedelta(minutes=30 * n),
                ends_at=starts + datetime.timedelta(minutes=30 * (n + 1)),
                seats=seats,
            )
            for n in range(arguments.booking_slots)
        )
        sheets = LiaisonSheet.objects.bulk_create(
            LiaisonSheet(
                beneficiary_id=people[n],
                referrer_id=rushers[n % len(rushers)].user_id,
                organization_id=rushers[n % len(rushers)].organization_id,
                status=SheetStatus.SENT,
                reference=new_reference(),
                detail="Benchmark: booking rush",
            )
            for n in range(attempts)
        )
    rush = [
        {
            "email": rusher.user.email,
            "bookings": [
                {
                    "path": reverse("booking:book", args=[sheet.pk]),
                    "slot": slots[(n * len(rushers) + index) % len(slots)].pk,
                }
                for n, sheet in enumerate(sheets[index :: len(rushers)])
            ],
        }
        for index, rusher in enumerate(rushers)
    ]
    last_month_end = today.replace(day=1) - datetime.timedelta(days=1)
    year = urllib.parse.urlencode(
        {"periode": "custom", "du": (today - datetime.timedelta(days=364)).isoformat(), "au": today.isoformat()}
    )
    month = urllib.parse.urlencode(
        {"periode": "custom", "du": last_month_end.replace(day=1).isoformat(), "au": last_month_end.isoformat()}
    )
    people_role = "volunteer" if volunteer.role == MembershipRole.VOLUNTEER else "coordinator"
    found = Beneficiary.objects.get(pk=person)
    # A referred person of the referrer's, found by their name as they would type it.
    referred = Beneficiary.objects.get(
        pk=LiaisonSheet.objects.filter(referrer=referrer.user).order_by("pk")[0].beneficiary_id
    )
    digits = "".join(character for character in found.phone if character.isdigit())
    phone_part = f"{digits[-6:-4]} {digits[-4:-2]} {digits[-2:]}"
    four_weeks = {"date_from": today.isoformat(), "date_to": (today + datetime.timedelta(days=27)).isoformat()}
    slot_search = reverse("booking:slot_search", args=[search_sheet.pk])
    pages = [
        (
            "floor",
            "coordinator",
            reverse("inclusion:accessibility"),
            "the accessibility statement, logged in: the whole middleware stack, no list, no form",
        ),
        ("home", "coordinator", reverse("inclusion:home"), "the coordinator's home page"),
        ("antenna", "coordinator", reverse("inclusion:antenna_detail", args=[antenna.pk]), "the antenna's page"),
        ("desk", people_role, reverse("desk:today", args=[antenna.pk]), "today's desk of the busiest antenna"),
        (
            "desk_search",
            people_role,
            reverse("desk:today", args=[antenna.pk]) + "?" + urllib.parse.urlencode({"q": found.last_name.lower()}),
            "the desk's search for a person, by name in lower case",
        ),
        ("month", "coordinator", reverse("schedule:month", args=[antenna.pk]), "the coordinator's month view"),
        ("rota", "coordinator", reverse("volunteers:rota", args=[antenna.pk]), "the coordinator's rota"),
        ("team", "coordinator", reverse("volunteers:team", args=[antenna.pk]), "the antenna's volunteers"),
        ("session_logs", "coordinator", reverse("desk:log_list", args=[antenna.pk]), "the antenna's session logs"),
        ("people", "coordinator", reverse("beneficiaries:person_list"), "the people a coordinator may see"),
        (
            "people_search",
            "coordinator",
            reverse("beneficiaries:person_list") + "?" + urllib.parse.urlencode({"q": found.last_name.upper()}),
            "a person found by name, in capitals",
        ),
        (
            "people_search_phone",
            "coordinator",
            reverse("beneficiaries:person_list") + "?" + urllib.parse.urlencode({"q": phone_part}),
            "a person found by part of their phone number, with spaces",
        ),
        (
            "history",
            people_role,
            reverse("desk:person_history", args=[antenna.pk, person]),
            "the history of the person most often helped at the antenna",
        ),
        ("referrals", "referrer", reverse("beneficiaries:sheet_list"), "the referrer's liaison sheets"),
        ("referrer_people", "referrer", reverse("beneficiaries:person_list"), "the referrer's people"),
        (
            "referrer_search",
            "referrer",
            reverse("beneficiaries:person_list") + "?" + urllib.parse.urlencode({"q": referred.last_name.lower()}),
            "a referred person found by name",
        ),
        (
            "slot_search",
            "referrer",
            slot_search,
            f"free slots in department {antenna.department_code}, the sheet's own wishes",
        ),
        (
            "slot_search_all",
            "referrer",
            slot_search + "?" + urllib.parse.urlencode({"department": "", **four_weeks}),
            "free slots at every antenna, the next four weeks",
        ),
        (
            "figures_antenna_month",
            "coordinator",
            reverse("figures:figures", kwargs={"scope": "antenne", "pk": antenna.pk}) + "?" + month,
            "figures of the busiest antenna, last month",
        ),
        (
            "figures_organization_year",
            "admin",
            reverse("figures:figures", kwargs={"scope": "structure", "pk": antenna.organization_id}) + "?" + year,
            "figures of the busiest antenna's organization, the last twelve months",
        ),
        (
            "figures_federation_year",
            "admin",
            reverse("figures:figures", kwargs={"scope": "tout", "pk": 0}) + "?" + year,
            "figures of the whole federation, the last twelve months",
        ),
        (
            "summary_organization_year",
            "admin",
            reverse("figures:summary", kwargs={"scope": "structure", "pk": antenna.organization_id}) + "?" + year,
            "the funders' summary of that organization, the last twelve months",
        ),
        (
            "summary_federation_year",
            "admin",
            reverse("figures:summary", kwargs={"scope": "tout", "pk": 0}) + "?" + year,
            "the funders' summary of everything, the last twelve months",
        ),
        ("access_log", "admin", reverse("inclusion:access_log"), "the access log, a year of entries"),
        ("accounts", "admin", reverse("inclusion:account_list"), "the admin's list of accounts"),
        ("organizations", "admin", reverse("inclusion:organization_list"), "the list of organizations"),
        *(
            (
                f"admin_{model}",
                "admin",
                reverse(f"admin:{app}_{model}_changelist"),
                f"the technical admin's {model} list",
            )
            for app, model in (
                ("bookings", "booking"),
                ("scheduling", "slot"),
                ("scheduling", "occurrence"),
                ("desk", "sessionlog"),
                ("people", "beneficiary"),
                ("people", "liaisonsheet"),
                ("core", "accesslog"),
            )
        ),
        (
            "admin_sessionlog_search",
            "admin",
            reverse("admin:desk_sessionlog_changelist") + "?" + urllib.parse.urlencode({"q": found.last_name}),
            "the technical admin's search of session logs by a person's name",
        ),
    ]
    return {
        "antenna": {"id": antenna.pk, "name": antenna.name, "session_logs": busiest["logs"]},
        "accounts": {
            "coordinator": coordinator.user.email,
            "volunteer": volunteer.user.email,
            "referrer": referrer.user.email,
            "admin": admin.email,
        },
        "referrer_sheets": most["sheets"],
        "pages": [{"name": n, "role": r, "path": p, "what": w} for n, r, p, w in pages],
        "exports": {
            fmt: reverse("exports:sessions", kwargs={"scope": "tout", "pk": 0, "fmt": fmt}) + "?" + year
            for fmt in ("csv", "xlsx")
        },
        "rush": rush,
        "rush_slots": [slot.pk for slot in slots],
        "rush_seats": seats,
    }


def overbooked_slots(slot_ids=None) -> int:
    """Slots holding more active bookings than seats: in the whole database, or among some."""
    from django.db.models import Count, F, Q

    from sessions_app.scheduling.models import Slot

    slots = Slot.objects.all() if slot_ids is None else Slot.objects.filter(pk__in=slot_ids)
    return (
        slots.annotate(active=Count("bookings", filter=Q(bookings__status="active")))
        .filter(active__gt=F("seats"))
        .count()
    )


# The gunicorn server, started and stopped by this process.


def _stop_with_parent() -> None:
    """In the server's process before it starts: end it if this script is killed, so a timed-out
    run never leaves a server behind (Linux; elsewhere `stop` alone ends it)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Server:
    def __init__(self, arguments: argparse.Namespace, workers: int, log_dir: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        environment = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "DATABASE_URL": arguments.database_url,
            "REDIS_URL": arguments.redis_url,
            "QUERY_COUNT_HEADER": "true",
            "DATABASE_JIT": "true" if arguments.jit else "false",
            # Persistent connections, as a production server would keep them.
            "CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "inclusion.settings",
        }
        self.log = open(log_dir / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(  # noqa: S603 (this interpreter and fixed arguments)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "inclusion.wsgi:application",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(workers),
                # Production's timeout: no request may hold a worker longer (exports go to the task worker).
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--chdir",
                str(ROOT),
            ],
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            preexec_fn=_stop_with_parent,
        )
        self.workers = workers
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped at start; see {self.log.name}")
            try:
                status = Client(self.port).get("/connexion/").status
            except OSError:
                status = None
            if status == 200 and len(self.worker_pids()) >= self.workers:
                return
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not answer within a minute; see {self.log.name}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            return [int(pid) for pid in children.read_text().split()]
        pids = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            except OSError:
                continue
            if fields.get("PPid", "").strip() == str(self.process.pid):
                pids.append(int(status.parent.name))
        return pids

    def cpu_seconds(self) -> float:
        """Processor time (user and system) the workers have used so far."""
        total = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# The client's side: plain HTTP on loopback, one connection per request as gunicorn's sync
# workers close each one.


class Response:
    def __init__(self, status, headers, body: bytes, size: int, lines: int, elapsed: float, first_byte: float):
        self.status, self.headers, self.body = status, headers, body
        self.size, self.lines, self.elapsed, self.first_byte = size, lines, elapsed, first_byte

    @property
    def queries(self) -> int | None:
        value = self.headers.get("X-Query-Count")
        return int(value) if value is not None else None


class Client:
    """A browser's cookie jar and nothing else: enough to log in and follow a session."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None, keep_body: bool = True) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        parts, size, lines, first_byte = [], 0, 0, None
        while chunk := response.read1(65536):
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(chunk)
            lines += chunk.count(b"\n")
            if keep_body:
                parts.append(chunk)
        elapsed = time.perf_counter() - started
        connection.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(response.status, response.msg, b"".join(parts), size, lines, elapsed, first_byte or elapsed)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: dict) -> Response:
        return self.request("POST", path, {**fields, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})

    def log_in(self, email: str) -> None:
        self.get("/connexion/")
        response = self.post("/connexion/", {"username": email, "password": PASSWORD})
        if response.status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"Logging in as {email} failed ({response.status}).")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the value below which `share` of the values lie."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * share)) - 1]


def measure_page(client: Client, server: Server, path: str, requests: int, warmup: int) -> dict:
    for _ in range(warmup):
        client.get(path)
    timings, queries, sizes = [], set(), set()
    cpu = server.cpu_seconds()
    for _ in range(requests):
        response = client.get(path)
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
        timings.append(response.elapsed * 1000)
        queries.add(response.queries)
        sizes.add(response.size)
    cpu = server.cpu_seconds() - cpu
    return {
        "requests": requests,
        # Other work on the machine shows here: the latencies are only as steady as this.
        "load_average": round(os.getloadavg()[0], 2),
        # The workers' own processor time per request: less sensitive than latency to a busy machine.
        "server_cpu_ms": round(cpu * 1000 / requests, 1),
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
        "queries": max(queries, key=lambda count: count or 0),
        "bytes": max(sizes),
    }


def export_queryset_sql(queryset) -> tuple[str, tuple]:
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    return sql, tuple(params)


def measure_copy(queryset) -> dict:
    """PostgreSQL's own COPY of the export's query, read to the end by this process: the
    fastest the same rows, joined and ordered, can leave the database."""
    from django.db import connection

    sql, params = export_queryset_sql(queryset)
    size = 0
    with connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for block in copy:
                size += len(block)
        elapsed = time.perf_counter() - started
    return {"seconds": round(elapsed, 2), "megabytes": round(size / 1e6, 1)}


def measure_export_writer() -> dict:
    """The whole federation's session logs of the last twelve months: written as CSV by the
    export's own code, in this process, to nowhere; then the same query COPied by PostgreSQL."""
    from django.utils import timezone

    from sessions_app.figures.exports import csv_stream, session_export
    from sessions_app.figures.reporting import Period, Scope

    today = timezone.localdate()
    export = session_export(Scope("all"), Period(today - datetime.timedelta(days=364), today), names=False)
    rows, size = -1, 0
    started = time.perf_counter()
    for piece in csv_stream(export):
        rows += piece.count("\n")
        size += len(piece.encode())
    writer = {"rows": rows, "seconds": round(time.perf_counter() - started, 2), "megabytes": round(size / 1e6, 1)}
    return {"writer": writer, "copy": measure_copy(export.queryset)}


def measure_export_asked(port: int, email: str, paths: dict[str, str]) -> dict:
    """Ask for each full-year export as the figures page's links do: the web request counts the
    rows and queues the job (the task worker writes the file), or streams a CSV short enough
    (EXPORT_STREAM_MAX_ROWS), so it must be over in a few seconds."""
    client = Client(port)
    client.log_in(email)
    asked = {}
    for fmt, path in paths.items():
        response = client.request("GET", path, keep_body=False)
        queued = response.status == 302 and "/chiffres/export/" in response.headers.get("Location", "")
        if not queued and response.status != 200:
            raise SystemExit(f"Asking for the {fmt} export answered {response.status}")
        asked[fmt] = {
            "seconds": round(response.elapsed, 2),
            "queries": response.queries,
            "answer": "job queued" if queued else f"streamed, {response.lines - 1} rows",
        }
    return asked


def measure_mixed(server: Server, scenario: dict, clients_count: int, seconds: int) -> dict:
    """`clients_count` clients, each logged in under every role, walk the measured pages in
    turn (each from its own starting point) for `seconds`, as fast as the server answers."""
    roles = scenario["accounts"]
    pages = [page for page in scenario["pages"] if page["name"] in scenario["measured"]]

    def log_in(_index):
        clients = {}
        for role, email in roles.items():
            clients[role] = Client(server.port)
            clients[role].log_in(email)
        return clients

    with concurrent.futures.ThreadPoolExecutor(max_workers=clients_count) as pool:
        sessions = list(pool.map(log_in, range(clients_count)))
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = threading.Barrier(clients_count)
    deadline: list[float] = []

    def walk(index):
        nonlocal errors
        clients = sessions[index]
        start.wait()
        if index == 0:
            deadline.append(time.perf_counter() + seconds)
        while not deadline:
            time.sleep(0.001)
        turn = index * 7
        while time.perf_counter() < deadline[0]:
            page = pages[turn % len(pages)]
            turn += 1
            response = clients[page["role"]].get(page["path"])
            with lock:
                latencies.append(response.elapsed * 1000)
                if response.status != 200:
                    errors += 1

    cpu = server.cpu_seconds()
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=clients_count) as pool:
        list(pool.map(walk, range(clients_count)))
    elapsed = time.perf_counter() - started
    cpu = server.cpu_seconds() - cpu
    return {
        "clients": clients_count,
        "seconds": round(elapsed, 1),
        "pages": len(pages),
        "requests": len(latencies),
        "errors": errors,
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "server_cpu_ms_per_request": round(cpu * 1000 / max(len(latencies), 1), 1),
        "load_average": round(os.getloadavg()[0], 2),
    }


def measure_booking(server: Server, rush: list[dict], slot_ids: list[int], seats: int) -> dict:
    """Every client logs in, then all book at once, each as fast as the server answers."""
    clients = []

    def log_in(entry):
        client = Client(server.port)
        client.log_in(entry["email"])
        return client, entry["bookings"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(rush)) as pool:
        clients = list(pool.map(log_in, rush))
    start = threading.Barrier(len(clients))
    outcomes = {"booked": 0, "refused": 0, "errors": 0}
    lock = threading.Lock()
    latencies = []

    def book(client_and_bookings):
        client, bookings = client_and_bookings
        start.wait()
        for booking in bookings:
            response = client.post(booking["path"], {"slot": booking["slot"]})
            location = response.headers.get("Location", "")
            with lock:
                latencies.append(response.elapsed * 1000)
                if response.status == 302 and "/carte/" in location:
                    outcomes["booked"] += 1
                elif response.status == 302:
                    outcomes["refused"] += 1
                else:
                    outcomes["errors"] += 1

    cpu, client_cpu = server.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(clients)) as pool:
        list(pool.map(book, clients))
    elapsed = time.perf_counter() - started
    cpu, client_cpu = server.cpu_seconds() - cpu, time.process_time() - client_cpu
    from django.db.models import Count, Q

    from sessions_app.scheduling.models import Slot

    held = Slot.objects.filter(pk__in=slot_ids).aggregate(
        active=Count("bookings", filter=Q(bookings__status="active"))
    )["active"]
    attempts = sum(outcomes.values())
    return {
        "clients": len(clients),
        "slots": len(slot_ids),
        "seats": seats * len(slot_ids),
        "attempts": attempts,
        **outcomes,
        "seconds": round(elapsed, 2),
        "bookings_per_s": round(outcomes["booked"] / elapsed, 1),
        "attempts_per_s": round(attempts / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "server_cpu_ms_per_attempt": round(cpu * 1000 / attempts, 1),
        "client_cpu_ms_per_attempt": round(client_cpu * 1000 / attempts, 1),
        "load_average": round(os.getloadavg()[0], 2),
        "bookings_held_in_database": held,
        "overbooked_slots": overbooked_slots(slot_ids),
        "overbooked_slots_in_database": overbooked_slots(),
    }


def measure_generation(arguments: argparse.Namespace) -> dict:
    """scripts/benchmark_generation.py in its own process (it pins itself to one core)."""
    permanences = "30" if arguments.profile == "tiny" else "3000"
    with tempfile.NamedTemporaryFile(suffix=".json") as output:
        subprocess.run(  # noqa: S603 (this interpreter and a file of this project)
            [sys.executable, str(ROOT / "scripts" / "benchmark_generation.py"), "--json", output.name],
            env={**os.environ, "DATABASE_URL": arguments.database_url, "BENCH_PERMANENCES": permanences},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return json.loads(Path(output.name).read_text())


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        memory = f"{int(Path('/proc/meminfo').read_text().split()[1]) / 1024 / 1024:.0f} GiB"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": memory,
        "postgresql": postgres,
        "python": platform.python_version(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


def page_target(name: str) -> tuple[int, int | None]:
    """A page's target: p95 in milliseconds, and the most times the floor (None: not held to it)."""
    if name in HEAVY:
        return HEAVY[name], None
    return TARGET_PAGE_P95_MS, TARGET_FLOOR_RATIO


def page_target_met(name: str, page: dict, floor: dict) -> bool:
    milliseconds, ratio = page_target(name)
    return page["p95_ms"] < milliseconds and (ratio is None or page["p95_ms"] <= ratio * floor["p95_ms"])


def targets(results: dict) -> dict:
    pages = results["pages"]
    checks = {}
    for name, page in pages.items():
        if name == "floor":
            continue
        milliseconds, ratio = page_target(name)
        within = f" and within {ratio}x the floor" if ratio else ""
        checks[f"{name}: p95 under {milliseconds} ms{within}"] = page_target_met(name, page, pages["floor"])
    if "export" in results:
        checks.update(_export_targets(results["export"]))
    if "booking" in results:
        checks.update(_booking_targets(results["booking"]))
    if "generation" in results:
        generation = results["generation"]
        checks[f"regeneration with nothing to change under {TARGET_REGENERATION_RATIO:.0%} of the first"] = (
            generation["second_s"] < TARGET_REGENERATION_RATIO * generation["first_s"]
        )
    return checks


def _export_targets(export: dict) -> dict:
    checks = {}
    if "writer" in export:
        checks[f"full-year CSV written within {TARGET_EXPORT_COPY_RATIO}x PostgreSQL's COPY of the same rows"] = (
            export["writer"]["seconds"] <= TARGET_EXPORT_COPY_RATIO * export["copy"]["seconds"]
        )
    for fmt, asked in export.get("asked", {}).items():
        checks[f"full-year {fmt} export asked for: answered within {TARGET_EXPORT_ASKED_S} s"] = (
            asked["seconds"] < TARGET_EXPORT_ASKED_S
        )
    return checks


def _booking_targets(booking: dict) -> dict:
    checks = {}
    checks[f"booking: at least {TARGET_BOOKINGS_PER_S} bookings/s"] = (
        booking["bookings_per_s"] >= TARGET_BOOKINGS_PER_S
    )
    checks["booking: no slot holds more bookings than seats"] = booking["overbooked_slots_in_database"] == 0
    return checks


def table(results: dict) -> str:
    pages = results["pages"]
    floor = pages["floor"]
    lines = [
        f"{'page':<26} {'role':<12} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'x floor':>7} "
        f"{'target':>14} {'met':>4}"
    ]
    for name, page in pages.items():
        if name == "floor":
            target, met = "", ""
        else:
            milliseconds, ratio = page_target(name)
            target = f"<{milliseconds} ms" + (f", {ratio}x" if ratio else "")
            met = "yes" if page_target_met(name, page, floor) else "NO"
        lines.append(
            f"{name:<26} {page['role']:<12} {page['queries']!s:>7} {page['p50_ms']:>8.1f} {page['p95_ms']:>8.1f} "
            f"{page['ratio_to_floor_p95']:>7.1f} {target:>14} {met:>4}"
        )
    export = results.get("export")
    if export is None:
        lines.append("export: not measured")
    else:
        writer, copy = export["writer"], export["copy"]
        lines.append(
            f"export (full year, CSV): {writer['rows']} rows, {writer['megabytes']} MB written in "
            f"{writer['seconds']} s; PostgreSQL's COPY of the same rows {copy['seconds']} s "
            f"({copy['megabytes']} MB): {writer['seconds'] / max(copy['seconds'], 0.001):.1f}x"
        )
        for fmt, asked in export.get("asked", {}).items():
            lines.append(f"full-year {fmt} export asked for: {asked['seconds']} s, {asked['answer']}")
    booking = results.get("booking")
    lines.append(
        "booking: not measured"
        if booking is None
        else f"booking: {booking['clients']} clients, {booking['attempts']} attempts on {booking['slots']} slots "
        f"({booking['seats']} seats): {booking['booked']} booked, {booking['refused']} refused, "
        f"{booking['errors']} errors in {booking['seconds']} s = {booking['bookings_per_s']} bookings/s "
        f"({booking['server_cpu_ms_per_attempt']} ms of worker CPU per attempt); "
        f"overbooked slots: {booking['overbooked_slots_in_database']}"
    )
    mixed = results.get("mixed")
    lines.append(
        "mixed load: not measured"
        if mixed is None
        else f"mixed load: {mixed['clients']} clients over {mixed['pages']} pages for {mixed['seconds']} s: "
        f"{mixed['requests']} requests, {mixed['requests_per_s']}/s, p50 {mixed['p50_ms']} ms, "
        f"p95 {mixed['p95_ms']} ms, {mixed['errors']} errors"
    )
    if "generation" in results:
        generation = results["generation"]
        lines.append(
            f"occurrence generation: {generation['permanences']} permanences, first run {generation['first_s']} s "
            f"({generation['dates']} dates), second run {generation['second_s']} s "
            f"({generation['second_s'] / max(generation['first_s'], 0.001):.0%} of the first)"
        )
    lines.append("targets:")
    for check, met in results["targets"].items():
        lines.append(f"  [{'met' if met else 'NOT met'}] {check}")
    return "\n".join(lines)


def markdown(results: dict) -> str:
    """The pages' table and the other measures in Markdown, for the README's last run."""
    pages = results["pages"]
    floor = pages["floor"]
    lines = [
        "| Page | Role | Queries | p50 ms | p95 ms | × floor (p95) | Target | Met |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for name, page in pages.items():
        if name == "floor":
            target, met = "", ""
        else:
            milliseconds, ratio = page_target(name)
            target = f"< {milliseconds} ms" + (f", ≤ {ratio}× floor" if ratio else "")
            met = "yes" if page_target_met(name, page, floor) else "**no**"
        lines.append(
            f"| {page['what']} (`{name}`) | {page['role']} | {page['queries']} | {page['p50_ms']:.1f} | "
            f"{page['p95_ms']:.1f} | {page['ratio_to_floor_p95']:.1f} | {target} | {met} |"
        )
    return "\n".join(lines)


def measure_pages(server: Server, scenario: dict, arguments: argparse.Namespace) -> dict:
    """Every page of the scenario (or those asked for, and the floor), each by its role's client."""
    clients = {}
    for role, email in scenario["accounts"].items():
        clients[role] = Client(server.port)
        clients[role].log_in(email)
    # Every worker's first requests load templates, translations and URL patterns: each role's
    # client asks for its floor often enough that all the workers have answered a few first.
    floor_path = scenario["pages"][0]["path"]
    for client in clients.values():
        for _request in range(3 * server.workers):
            client.get(floor_path)
    pages = {}
    only = set(filter(None, arguments.pages.split(","))) | {"floor"}
    for page in scenario["pages"]:
        if arguments.pages and page["name"] not in only:
            continue
        print(f"Measuring {page['name']}…", file=sys.stderr)
        pages[page["name"]] = {
            "role": page["role"],
            "path": page["path"],
            "what": page["what"],
            **measure_page(clients[page["role"]], server, page["path"], arguments.requests, arguments.warmup),
        }
    floor = pages["floor"]
    for page in pages.values():
        page["ratio_to_floor"] = round(page["p50_ms"] / floor["p50_ms"], 1)
        page["ratio_to_floor_p95"] = round(page["p95_ms"] / floor["p95_ms"], 1)
    return pages


def markdown_print(path: str) -> dict:
    results = json.loads(Path(path).read_text())
    print(markdown(results))
    return results


def main(argv=None) -> dict:
    arguments = parse_arguments(argv)
    if arguments.markdown:
        return markdown_print(arguments.markdown)
    if not arguments.output:
        raise SystemExit("--output is required to measure.")
    configure_django(arguments)
    results = {"profile": arguments.profile, "started_at": datetime.datetime.now(datetime.UTC).isoformat()}
    results.update(database_prepare(arguments))
    results["machine"] = machine()
    results["volumes"] = data_volumes()
    scenario = scenario_prepare(arguments)
    results["scenario"] = {key: scenario[key] for key in ("antenna", "accounts", "referrer_sheets")}
    results["server"] = {"workers": arguments.workers, "conn_max_age": 60}
    log_dir = Path(tempfile.mkdtemp(prefix="bench-"))
    server = Server(arguments, arguments.workers, log_dir)
    try:
        pages = measure_pages(server, scenario, arguments)
        results["pages"] = pages
        scenario["measured"] = set(pages)
        if not arguments.skip_mixed:
            print("Measuring a mixed load…", file=sys.stderr)
            results["mixed"] = measure_mixed(server, scenario, arguments.mixed_clients, arguments.mixed_seconds)
        if not arguments.skip_booking:
            print("Measuring the booking rush…", file=sys.stderr)
            results["booking"] = measure_booking(
                server, scenario["rush"], scenario["rush_slots"], scenario["rush_seats"]
            )
    finally:
        server.stop()
    if not arguments.skip_export:
        print("Measuring the full-year export against PostgreSQL's COPY…", file=sys.stderr)
        results["export"] = measure_export_writer()
        print("Measuring the full-year exports asked for…", file=sys.stderr)
        server = Server(arguments, 1, log_dir)
        try:
            results["export"]["asked"] = measure_export_asked(
                server.port, scenario["accounts"]["admin"], scenario["exports"]
            )
        finally:
            server.stop()
    if not arguments.skip_generation:
        print("Measuring the occurrence generation…", file=sys.stderr)
        results["generation"] = measure_generation(arguments)
    results["targets"] = targets(results)
    Path(arguments.output).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(table(results))
    # The servers' logs only matter when something failed: then they stay for reading.
    shutil.rmtree(log_dir, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
