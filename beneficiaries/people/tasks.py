"""Background work of the referrals and on the people's data, run by the task worker
(`manage.py db_worker`).

Tasks take ids only: their arguments are stored as JSON in the queue.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import override
from django_tasks import task

from beneficiaries.people.models import LiaisonSheetEvent


@task()
def liaison_sheet_notify_email(*, event_id: int) -> None:
    """E-mail the referrer the status change recorded by this event."""
    event = (
        LiaisonSheetEvent.objects.select_related("sheet__beneficiary", "sheet__referrer").filter(pk=event_id).first()
    )
    if event is None:
        return
    liaison_sheet_notify(event=event)


def liaison_sheet_notify(*, event: LiaisonSheetEvent) -> None:
    """Tell the referrer what became of their referral. Never the volunteers' private notes.

    Run by the task worker (beneficiaries.people.tasks.liaison_sheet_notify_email), never in a request.
    """
    sheet = event.sheet
    context = {
        "sheet": sheet,
        "event": event,
        "person": f"{sheet.beneficiary.first_name} {sheet.beneficiary.last_name[:1]}.".strip(),
        "link": settings.SITE_URL.rstrip("/") + reverse("beneficiaries:sheet_detail", args=[sheet.pk]),
    }
    with override(settings.LANGUAGE_CODE):
        subject = render_to_string("people/email/sheet_status_subject.txt", context).strip()
        body = render_to_string("people/email/sheet_status.txt", context)
    send_mail(subject, body, None, [sheet.referrer.email])
