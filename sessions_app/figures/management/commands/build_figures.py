import time

from django.core.management.base import BaseCommand

from inclusion.core.clock import server_today
from sessions_app.figures.rollups import months_build, months_needing_build, stale_refresh
from sessions_app.totals.models import RolledMonth, StaleMonth


class Command(BaseCommand):
    help = (
        "Add up the months for the figures pages, up to the day before yesterday, and again the antennas' "
        "months that changed since. Safe to run again; schedule it daily, after midnight."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Add up again every month already added up.")

    def handle(self, *args, all=False, **options):
        started = time.perf_counter()
        # Every antenna at once: the server's day, two days past which every zone's day is over.
        months = months_needing_build(server_today())
        if all:
            months = sorted({*months, *RolledMonth.objects.values_list("month", flat=True)})
        built = months_build(months=months)
        # Marks on months not added up yet (the coming ones) wait until they are.
        rolled = RolledMonth.objects.filter(month__in=StaleMonth.objects.values("month"))
        refreshed = stale_refresh(months=list(rolled.values_list("month", flat=True)))
        self.stdout.write(
            f"{len(built)} months added up, {refreshed} antenna months added up again "
            f"in {time.perf_counter() - started:.1f} s."
        )
