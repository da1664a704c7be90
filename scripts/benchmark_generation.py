"""Benchmark: generate 12 weeks of dates for 3,000 permanences, on one core, against PostgreSQL.

Run with `make bench-generation`. It uses its own database (DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/permanences_bench), which it creates if needed; it adds its
own organization, antennas and permanences and removes them afterwards, leaving any other data
(the national profile of `make bench`) as it was. It prints the figures; the target is under 10
seconds for the first generation. `--json PATH` also writes them to a file (`make bench` does).
"""

import datetime
import json
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

    from inclusion.core.models import Antenna, Organization
    from sessions_app.planning.generation import occurrences_generate
    from sessions_app.scheduling.enums import Frequency
    from sessions_app.scheduling.models import Occurrence, Permanence, Slot

    database_ensure(connection.settings_dict)
    call_command("migrate", verbosity=0)

    def remove_own_data():
        # Only what this benchmark made: the same database may hold the national profile.
        own = {"occurrence__permanence__antenna__organization__name": "Bench federation"}
        Slot.objects.filter(**own).delete()
        Occurrence.objects.filter(permanence__antenna__organization__name="Bench federation").delete()
        Permanence.objects.filter(antenna__organization__name="Bench federation").delete()
        Antenna.objects.filter(organization__name="Bench federation").delete()
        Organization.objects.filter(name="Bench federation").delete()

    remove_own_data()
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
        queryset = (
            Permanence.objects.filter(antenna__organization=organization)
            .select_related("antenna")
            .order_by("pk")
            .iterator(chunk_size=500)
        )
        started = time.perf_counter()
        report = occurrences_generate(permanences=queryset, today=today, weeks=WEEKS)
        return time.perf_counter() - started, report

    first_time, first = run()
    second_time, second = run()
    slots = Slot.objects.filter(occurrence__permanence__antenna__organization=organization).count()
    print(f"Permanences: {PERMANENCES} at {ANTENNAS} antennas, horizon {WEEKS} weeks, one core")
    print(f"First generation: {first_time:.2f} s ({first.created} dates, {slots} slots)")
    print(f"Second run (nothing to do): {second_time:.2f} s ({second.created} created, {second.deleted} removed)")
    print(f"Target: under 10 s for the first generation: {'met' if first_time < 10 else 'NOT met'}")
    if "--json" in sys.argv:
        figures = {
            "permanences": PERMANENCES,
            "antennas": ANTENNAS,
            "weeks": WEEKS,
            "first_s": round(first_time, 2),
            "dates": first.created,
            "slots": slots,
            "second_s": round(second_time, 2),
            "target_first_s": 10,
        }
        Path(sys.argv[sys.argv.index("--json") + 1]).write_text(json.dumps(figures, indent=2) + "\n")

    remove_own_data()


if __name__ == "__main__":
    main()
