"""Benchmark: generate 12 weeks of dates for 3,000 permanences, on one core, against PostgreSQL.

Run with `make bench-generation`. It uses its own database (DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/permanences_bench), which it creates if needed; it adds its
own organization, antennas and permanences and removes them afterwards, leaving any other data
(the national profile of `make bench`) as it was.

It times the first generation, then a run with nothing to change, three times (it must change
nothing: the stored dates and slots are compared before and after; a run of a few tenths of a
second is at the mercy of anything else on the machine, so the median is kept), and the next
day's, whose horizon has moved on by a day. It prints the figures and the queries each run
made; the targets are under 10 seconds for the first generation and under a tenth of it for a
run with nothing to change. `--json PATH` also writes them to a file (`make bench` does).
"""

import datetime
import hashlib
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench_database import database_ensure  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/permanences_bench")
os.environ.setdefault("SECRET_KEY", "benchmark-only")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inclusion.settings")

PERMANENCES = int(os.environ.get("BENCH_PERMANENCES", 3000))
ANTENNAS = PERMANENCES // 3
WEEKS = 12
ORGANIZATION = "Bench federation"
TARGET_FIRST_S = 10
TARGET_SECOND_RATIO = 0.1
SECOND_RUNS = 3


def own_data_remove() -> None:
    """Only what this benchmark made: the same database may hold the national profile."""
    from inclusion.core.models import Antenna, Organization
    from sessions_app.scheduling.models import Occurrence, Permanence, Slot

    Slot.objects.filter(occurrence__permanence__antenna__organization__name=ORGANIZATION).delete()
    Occurrence.objects.filter(permanence__antenna__organization__name=ORGANIZATION).delete()
    Permanence.objects.filter(antenna__organization__name=ORGANIZATION).delete()
    Antenna.objects.filter(organization__name=ORGANIZATION).delete()
    Organization.objects.filter(name=ORGANIZATION).delete()


def own_data_create(today: datetime.date):
    """The organization, its antennas in eight departments and their permanences, weekly, every
    few weeks or monthly, valid for up to a year already: repeatable from one run to the next."""
    from inclusion.core.models import Antenna, Organization
    from sessions_app.scheduling.enums import Frequency
    from sessions_app.scheduling.models import Permanence

    organization = Organization.objects.create(name=ORGANIZATION, kind="federation")
    departments = ["13", "33", "57", "67", "69", "75", "59", "974"]
    antennas = Antenna.objects.bulk_create(
        [
            Antenna(
                organization=organization,
                name=f"Bench {n}",
                address="1 rue de la Paix",
                postcode="13001",
                city="Marseille",
                department_code=departments[n % len(departments)],
                workstations=2,
            )
            for n in range(ANTENNAS)
        ]
    )
    rng = random.Random(2026)  # noqa: S311 (repeatable test data, not secrets)
    permanences = []
    for n in range(PERMANENCES):
        monthly = n % 4 == 0
        start = rng.choice([9, 10, 13, 14])
        permanences.append(
            Permanence(
                antenna=antennas[n % ANTENNAS],
                title=f"Permanence {n}",
                frequency=Frequency.MONTHLY if monthly else Frequency.WEEKLY,
                monthly_position=rng.choice([1, 2, 3, 4, -1]) if monthly else None,
                interval_weeks=1 if monthly else rng.choice([1, 1, 1, 2]),
                weekday=rng.randrange(5),
                start_time=datetime.time(start),
                end_time=datetime.time(start + rng.choice([1, 2, 3]), rng.choice([0, 30])),
                seats=rng.choice([1, 2, 3, 4]),
                valid_from=today - datetime.timedelta(days=rng.randrange(365)),
            )
        )
    Permanence.objects.bulk_create(permanences)
    return organization


def generate(organization, today: datetime.date):
    """One run over the organization's permanences, as the daily task reads them: its seconds,
    its report and how many queries it made."""
    from django.db import connection

    from sessions_app.planning.generation import occurrences_generate
    from sessions_app.scheduling.models import Permanence

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    permanences = (
        Permanence.objects.filter(antenna__organization=organization)
        .select_related("antenna")
        .order_by("pk")
        .iterator(chunk_size=500)
    )
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        report = occurrences_generate(permanences=permanences, today=today, weeks=WEEKS)
        seconds = time.perf_counter() - started
    return seconds, report, queries


def stored_state(organization) -> str:
    """A digest of every stored date and slot of the organization, to tell whether a run changed any."""
    from sessions_app.scheduling.models import Occurrence, Slot

    digest = hashlib.sha256()
    scope = {"permanence__antenna__organization": organization}
    for row in Occurrence.objects.filter(**scope).order_by("pk").values_list().iterator(chunk_size=5000):
        digest.update(repr(row).encode())
    slot_scope = {f"occurrence__{key}": value for key, value in scope.items()}
    for row in Slot.objects.filter(**slot_scope).order_by("pk").values_list().iterator(chunk_size=5000):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def report_print(figures: dict) -> None:
    print(f"Permanences: {figures['permanences']} at {figures['antennas']} antennas, horizon {WEEKS} weeks, one core")
    print(
        f"First generation: {figures['first_s']:.2f} s ({figures['dates']} dates, {figures['slots']} slots, "
        f"{figures['first_queries']} queries)"
    )
    runs = ", ".join(f"{seconds:.2f}" for seconds in figures["second_runs_s"])
    print(
        f"Second run (nothing to do): {figures['second_s']:.2f} s, {figures['second_ratio']:.1%} of the first "
        f"(median of {runs} s; {figures['second_created']} created, {figures['second_removed']} removed, "
        f"{figures['second_queries']} queries, stored dates and slots "
        f"{'unchanged' if figures['second_unchanged'] else 'CHANGED'})"
    )
    print(
        f"Next day: {figures['next_day_s']:.2f} s ({figures['next_day_dates']} dates created, "
        f"{figures['next_day_queries']} queries)"
    )
    first_met = figures["first_s"] < TARGET_FIRST_S
    second_met = figures["second_ratio"] < TARGET_SECOND_RATIO and figures["second_unchanged"]
    print(f"Target: under {TARGET_FIRST_S} s for the first generation: {'met' if first_met else 'NOT met'}")
    print(
        f"Target: the second run under {TARGET_SECOND_RATIO:.0%} of the first, changing nothing: "
        f"{'met' if second_met else 'NOT met'}"
    )


def main() -> None:
    # Measure on one core, as the target says; PostgreSQL runs in its own processes.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from sessions_app.scheduling.models import Slot

    database_ensure(connection.settings_dict)
    call_command("migrate", verbosity=0)
    own_data_remove()
    today = datetime.date.today()
    organization = own_data_create(today)

    first_s, first, first_queries = generate(organization, today)
    before = stored_state(organization)
    repeats = [generate(organization, today) for _ in range(SECOND_RUNS)]
    unchanged = stored_state(organization) == before
    second_runs_s = [seconds for seconds, _report, _queries in repeats]
    second_s = statistics.median(second_runs_s)
    second_queries = max(queries for _seconds, _report, queries in repeats)
    second_created = sum(report.created for _seconds, report, _queries in repeats)
    second_removed = sum(report.deleted for _seconds, report, _queries in repeats)
    slots = Slot.objects.filter(occurrence__permanence__antenna__organization=organization).count()
    next_day_s, next_day, next_day_queries = generate(organization, today + datetime.timedelta(days=1))
    figures = {
        "permanences": PERMANENCES,
        "antennas": ANTENNAS,
        "weeks": WEEKS,
        "first_s": round(first_s, 2),
        "first_queries": first_queries,
        "dates": first.created,
        "slots": slots,
        "second_s": round(second_s, 3),
        "second_runs_s": [round(seconds, 3) for seconds in second_runs_s],
        "second_ratio": round(second_s / first_s, 3),
        "second_queries": second_queries,
        "second_created": second_created,
        "second_removed": second_removed,
        "second_unchanged": unchanged,
        "next_day_s": round(next_day_s, 2),
        "next_day_dates": next_day.created,
        "next_day_queries": next_day_queries,
        "target_first_s": TARGET_FIRST_S,
        "target_second_ratio": TARGET_SECOND_RATIO,
    }
    report_print(figures)
    if "--json" in sys.argv:
        Path(sys.argv[sys.argv.index("--json") + 1]).write_text(json.dumps(figures, indent=2) + "\n")

    own_data_remove()


if __name__ == "__main__":
    main()
