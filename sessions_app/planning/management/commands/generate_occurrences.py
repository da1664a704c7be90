import time

from django.core.management.base import BaseCommand

from sessions_app.planning.tasks import occurrences_extend


class Command(BaseCommand):
    help = (
        "Extend every permanence's dates over the horizon (OCCURRENCE_HORIZON_WEEKS, 12 by default). "
        "Safe to run again; schedule it daily. With --enqueue, the task worker does it instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=None, help="Horizon in weeks (default: the setting).")
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue the work for the task worker (manage.py db_worker)."
        )

    def handle(self, *args, weeks=None, enqueue=False, **options):
        if enqueue:
            result = occurrences_extend.enqueue(weeks=weeks)
            self.stdout.write(f"Queued for the task worker: task {result.id}.")
            return
        started = time.perf_counter()
        # The same work as the task, run here: a scheduled job has no request to keep short.
        report = occurrences_extend.call(weeks=weeks)
        self.stdout.write(
            f"{report['created']} dates created, {report['deleted']} removed, {report['to_resolve']} to resolve, "
            f"{report['updated_seats']} slots resized in {time.perf_counter() - started:.1f} s."
        )
