import time

from django.core.management.base import BaseCommand

from sessions_app.models import Permanence
from sessions_app.services import occurrences_generate


class Command(BaseCommand):
    help = (
        "Extend every permanence's dates over the horizon (OCCURRENCE_HORIZON_WEEKS, 12 by default). "
        "Safe to run again; schedule it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=None, help="Horizon in weeks (default: the setting).")

    def handle(self, *args, weeks=None, **options):
        started = time.perf_counter()
        permanences = Permanence.objects.select_related("antenna").order_by("pk").iterator(chunk_size=500)
        report = occurrences_generate(permanences=permanences, weeks=weeks)
        self.stdout.write(
            f"{report.created} dates created, {report.deleted} removed, {report.to_resolve} to resolve, "
            f"{report.updated_seats} slots resized in {time.perf_counter() - started:.1f} s."
        )
