from django.core.management.base import BaseCommand

from sessions_app.figures.tasks import export_jobs_prune


class Command(BaseCommand):
    help = (
        "Delete the prepared exports past their keeping time (EXPORT_KEEP_HOURS), their files and any file "
        "of EXPORTS_DIR that no export names. Safe to run again; schedule it daily."
    )

    def handle(self, *args, **options):
        deleted = export_jobs_prune()
        self.stdout.write(f"{deleted} expired exports deleted.")
