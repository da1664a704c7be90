from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from beneficiaries.privacy.services import retention_cutoff
from beneficiaries.privacy.tasks import anonymise_inactive


class Command(BaseCommand):
    help = (
        "Anonymise the people helped who had no activity (booking, session, referral step, edit) for "
        "RETENTION_MONTHS (24 by default): names, contact details and free text go, statistics stay. "
        "Without --apply, only says what would be done. Safe to run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Anonymise them (otherwise a dry run).")
        parser.add_argument("--months", type=int, default=None, help="Retention period (default: the setting).")

    def handle(self, *args, apply=False, months=None, **options):
        if months is not None and months < 1:
            raise CommandError("--months must be at least 1.")
        months = settings.RETENTION_MONTHS if months is None else months
        cutoff = retention_cutoff(months=months)
        # Ids only: this output goes to cron mails and logs, which must not carry names.
        ids = anonymise_inactive.call(apply=apply, months=months)
        listed = ", ".join(f"#{pk}" for pk in ids) or "-"
        if apply:
            self.stdout.write(f"{len(ids)} people anonymised (no activity since {cutoff:%Y-%m-%d}): {listed}")
        else:
            self.stdout.write(
                f"Dry run: {len(ids)} people without activity since {cutoff:%Y-%m-%d} would be anonymised "
                f"(names, contact details and free text erased; statistics kept): {listed}\n"
                "Run again with --apply to do it."
            )
