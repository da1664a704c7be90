from django.core.management.base import BaseCommand

from inclusion.demo.core import DEMO_PASSWORD, demo_load
from inclusion.demo.people import demo_load as referrals_demo_load
from inclusion.demo.schedule import demo_load as schedule_demo_load
from inclusion.demo.team import demo_load as volunteers_demo_load
from inclusion.demo.team import tomorrow_demo_load


class Command(BaseCommand):
    help = "Load the demo organizations, antennas and accounts (safe to run again: nothing is duplicated)."

    def handle(self, *args, **options):
        counts = (
            demo_load() | schedule_demo_load() | volunteers_demo_load() | referrals_demo_load() | tomorrow_demo_load()
        )
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {summary}."))
        self.stdout.write(f"Demo accounts use the password “{DEMO_PASSWORD}” (see README.md).")
