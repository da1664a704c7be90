"""Benchmark: generate 12 weeks of dates for 3,000 permanences, on one core, against PostgreSQL.

Run with `make bench-generation`. It uses its own database (DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/permanences_bench), which it creates, fills and empties.
It prints the figures; the target is under 10 seconds for the first generation.
"""

import datetime
import os
import random
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


def main() -> None:
    # Measure on one core, as the target says; PostgreSQL runs in its own processes.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from inclusion.models import Antenna, Organization
    from sessions_app.enums import Frequency
    from sessions_app.models import Occurrence, Permanence, Slot
    from sessions_app.services import occurrences_generate

    database_ensure(connection.settings_dict)
    call_command("migrate", verbosity=0)
    Slot.objects.all().delete()
    Occurrence.objects.all().delete()
    Permanence.objects.all().delete()
    Antenna.objects.filter(name__startswith="Bench ").delete()
    Organization.objects.filter(name="Bench federation").delete()

    organization = Organization.objects.create(name="Bench federation", kind="federation")
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
    today = datetime.date.today()
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

    def run():
        queryset = Permanence.objects.select_related("antenna").order_by("pk").iterator(chunk_size=500)
        started = time.perf_counter()
        report = occurrences_generate(permanences=queryset, today=today, weeks=WEEKS)
        return time.perf_counter() - started, report

    first_time, first = run()
    second_time, second = run()
    print(f"Permanences: {PERMANENCES} at {ANTENNAS} antennas, horizon {WEEKS} weeks, one core")
    print(f"First generation: {first_time:.2f} s ({first.created} dates, {Slot.objects.count()} slots)")
    print(f"Second run (nothing to do): {second_time:.2f} s ({second.created} created, {second.deleted} removed)")
    print(f"Target: under 10 s for the first generation: {'met' if first_time < 10 else 'NOT met'}")

    Slot.objects.all().delete()
    Occurrence.objects.all().delete()
    Permanence.objects.all().delete()
    Antenna.objects.filter(organization=organization).delete()
    organization.delete()


if __name__ == "__main__":
    main()
