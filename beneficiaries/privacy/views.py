"""A person's rights: the export of everything held about them, erasure on request and the
withdrawal of their consent.

Whoever may not see the person gets a 404. Among those who may, exporting is for admins, the
coordinators of an antenna where the person was met, booked or helped, and the referrer who
registered them; erasing is for admins and those coordinators only; a consent withdrawal is
recorded by anyone who may export. Others get a 403.
"""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from beneficiaries.people import permissions as people_permissions
from beneficiaries.people.models import Beneficiary
from beneficiaries.privacy import services as privacy_services
from inclusion.core.models import AccessLog
from inclusion.core.services import access_log_record


def _person(request, pk, allowed) -> Beneficiary:
    person = get_object_or_404(Beneficiary.objects.visible_to(request.user, per_person=True), pk=pk)
    if not allowed(request.user, person):
        raise PermissionDenied
    return person


@require_safe
def person_data(request, pk):
    """Everything held about the person, as a page they can be shown or given on paper."""
    person = _person(request, pk, people_permissions.can_export)
    data = privacy_services.beneficiary_subject_access(beneficiary=person, reader=request.user)
    access_log_record(user=request.user, action=AccessLog.Action.EXPORT, subject=person, detail={"format": "html"})
    return render(request, "privacy/person_data.html", {"person": person, "data": data})


@require_safe
def person_data_json(request, pk):
    """The same, as a JSON file to hand over or send."""
    person = _person(request, pk, people_permissions.can_export)
    data = privacy_services.beneficiary_subject_access(beneficiary=person, reader=request.user)
    access_log_record(user=request.user, action=AccessLog.Action.EXPORT, subject=person, detail={"format": "json"})
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="personne-{person.pk}.json"'
    return response


def _confirm(request, person, *, template: str, act, done: str):
    if person.is_anonymised:
        messages.info(request, _("This person's data has already been erased."))
        return redirect("beneficiaries:person_detail", pk=person.pk)
    if request.method == "POST":
        act()
        messages.success(request, done)
        return redirect("beneficiaries:person_detail", pk=person.pk)
    return render(
        request,
        template,
        {"person": person, "cleared": privacy_services.ERASED_DESCRIPTION, "kept": privacy_services.KEPT_DESCRIPTION},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def person_erase(request, pk):
    """Erase the person's data at their request, after a confirmation page."""
    person = _person(request, pk, people_permissions.can_erase)
    return _confirm(
        request,
        person,
        template="privacy/person_erase.html",
        act=lambda: privacy_services.beneficiary_anonymise(
            beneficiary=person, by=request.user, reason=privacy_services.ErasureReason.REQUEST
        ),
        done=_("The person's data is erased. The statistics remain."),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def consent_withdraw(request, pk):
    """Record that the person withdraws their consent, which erases their data."""
    person = _person(request, pk, privacy_services.can_withdraw_consent)
    return _confirm(
        request,
        person,
        template="privacy/consent_withdraw.html",
        act=lambda: privacy_services.consent_withdraw(beneficiary=person, by=request.user),
        done=_("The withdrawal of consent is recorded and the person's data is erased. The statistics remain."),
    )
