"""The coordinators' page of an antenna's reminders: what did not reach its recipient, and what
was sent lately."""

import datetime

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from inclusion.core.models import Antenna
from sessions_app.reminders.enums import ReminderStatus
from sessions_app.reminders.models import ReminderMessage
from sessions_app.reminders.selectors import month_sent

RECENT_DAYS = 14
RECENT_LIMIT = 100
# Failures stay listed while they can still matter: until a month after their date.
FAILED_KEPT_DAYS = 30


@require_safe
def reminder_list(request, antenna_pk):
    # Coordinators of the antenna and admins only; volunteers do not even learn the page exists.
    antenna = get_object_or_404(Antenna.objects.managed_by(request.user), pk=antenna_pk)
    now = timezone.now()
    messages = ReminderMessage.objects.filter(antenna=antenna).select_related(
        "occurrence__permanence", "booking__beneficiary", "recipient_user"
    )
    failed = messages.filter(
        status=ReminderStatus.FAILED, occurrence__starts_at__gte=now - datetime.timedelta(days=FAILED_KEPT_DAYS)
    ).order_by("occurrence__starts_at", "pk")
    recent = messages.filter(created_at__gte=now - datetime.timedelta(days=RECENT_DAYS)).order_by("-created_at", "-pk")
    return render(
        request,
        "reminders/reminder_list.html",
        {
            "antenna": antenna,
            "month_sent": month_sent(antenna, now=now),
            "failed": list(failed),
            "recent": list(recent[:RECENT_LIMIT]),
            "recent_days": RECENT_DAYS,
            # People's names and numbers only for those who signed the confidentiality charter.
            "shows_people": request.user.has_signed_charter,
        },
    )
