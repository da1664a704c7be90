"""Background work of the referrals and on the people's data, run by the task worker
(`manage.py db_worker`).

Tasks take ids only: their arguments are stored as JSON in the queue.
"""

from django_tasks import task

from . import privacy, services
from .models import LiaisonSheetEvent


@task()
def liaison_sheet_notify_email(*, event_id: int) -> None:
    """E-mail the referrer the status change recorded by this event."""
    event = (
        LiaisonSheetEvent.objects.select_related("sheet__beneficiary", "sheet__referrer").filter(pk=event_id).first()
    )
    if event is None:
        return
    services.liaison_sheet_notify(event=event)


@task()
def anonymise_inactive(apply: bool = True, months: int | None = None) -> list[int]:
    """The daily retention run: anonymise the people without activity for `months`
    (RETENTION_MONTHS by default).

    Returns the ids of the people concerned (anonymised with apply, only listed without).
    """
    return privacy.retention_run(apply=apply, months=months)
