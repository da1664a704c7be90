"""Background work of the referrals, run by the task worker (`manage.py db_worker`).

Tasks take ids only: their arguments are stored as JSON in the queue.
"""

from django_tasks import task

from . import services
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
