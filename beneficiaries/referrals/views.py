"""The referrer's side: the people they follow, their liaison sheets, and what became of them.

Referrers see only the people they registered or referred and their own sheets; antenna teams
with a signed charter see the sheets booked at their antennas, without acting on them.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from beneficiaries.people import permissions as privacy
from beneficiaries.people import services as people_services
from beneficiaries.people.enums import SHEET_TRANSITIONS, SheetStatus
from beneficiaries.people.forms import LiaisonSheetForm, PersonForm
from beneficiaries.people.models import Beneficiary, LiaisonSheet
from beneficiaries.referrals.forms import ReferenceLookupForm, SheetAction, SheetActionForm
from inclusion.core.departments import DEPARTMENTS
from inclusion.core.models import AccessLog, Topic
from inclusion.core.phones import phone_normalize
from inclusion.core.querystrings import newest_first_page_of, page_of, search_text
from inclusion.core.services import access_log_record
from inclusion.core.submissions import AlreadySubmitted, first_result_shown
from sessions_app.bookings import services as bookings_services
from sessions_app.bookings.enums import Attendance, BookingStatus
from sessions_app.bookings.models import AppointmentChange, Booking
from sessions_app.reminders.notices import announce_after_commit
from sessions_app.reminders.selectors import booking_messages

OPEN_STATUSES = [SheetStatus.SENT, SheetStatus.BOOKED, SheetStatus.SEEN, SheetStatus.NO_SHOW]
# Not seen yet: a deadline close by still matters to the referrer.
WAITING_STATUSES = [SheetStatus.SENT, SheetStatus.BOOKED, SheetStatus.NO_SHOW]
DEADLINE_WARNING_DAYS = 7
ACTION_STATUSES = {
    SheetAction.CLOSE: SheetStatus.CLOSED,
    SheetAction.REDIRECT: SheetStatus.REDIRECTED,
    SheetAction.CANCEL: SheetStatus.CANCELLED,
}


def _can_register(user) -> bool:
    return user.is_admin or user.roles.is_referrer


def _can_act(user, sheet: LiaisonSheet) -> bool:
    """Only the referrer who sent a sheet (or an admin) decides what becomes of it."""
    return user.is_admin or sheet.referrer_id == user.pk


def _people_found(user, text: str):
    try:
        phone = phone_normalize(text)
    except ValidationError:
        return people_services.beneficiary_search(user=user, text=text)
    return people_services.beneficiary_search(user=user, text="", phone=phone)


def person_list(request):
    """The people the user may see, with the status of their open referrals."""
    user = request.user
    query = search_text(request)
    people = _people_found(user, query) if query else Beneficiary.objects.visible_to(user)
    # Anonymised people have nothing left to show by name: they stay out of the list.
    people = people.filter(anonymised_at__isnull=True)
    people = people.prefetch_related(
        Prefetch(
            "liaison_sheets",
            queryset=LiaisonSheet.objects.visible_to(user).filter(status__in=OPEN_STATUSES).order_by("-created_at"),
            to_attr="open_sheets",
        )
    ).order_by("last_name", "first_name", "pk")
    return render(
        request,
        "referrals/person_list.html",
        {**page_of(request, people), "q": query, "can_register": _can_register(user)},
    )


def person_create(request):
    """Register a person with their consent, after checking they are not registered already."""
    if not _can_register(request.user):
        raise PermissionDenied
    form = PersonForm(request.POST or None, user=request.user)
    if form.is_valid():
        try:
            person = people_services.beneficiary_create(
                fields=people_services.BeneficiaryFields.from_form(form.cleaned_data),
                consent_method=form.cleaned_data["consent_method"],
                recorded_by=request.user,
                submission_key=form.submission_key,
            )
        except AlreadySubmitted as sent:
            return first_result_shown(
                request,
                sent,
                result_url=lambda result: reverse("beneficiaries:person_detail", kwargs={"pk": result.pk}),
                otherwise=reverse("beneficiaries:person_list"),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            access_log_record(user=request.user, action=AccessLog.Action.CHANGE, subject=person)
            messages.success(request, _("Record created for %(person)s.") % {"person": person})
            return redirect("beneficiaries:person_detail", pk=person.pk)
    return render(request, "referrals/person_form.html", {"form": form})


def person_detail(request, pk):
    """A person's details, their consent and their referrals. Never the antenna's private notes."""
    user = request.user
    person = get_object_or_404(
        Beneficiary.objects.visible_to(user, per_person=True)
        .select_related("created_by", "first_antenna")
        .prefetch_related("languages"),
        pk=pk,
    )
    sheets = (
        LiaisonSheet.objects.visible_to(user, per_person=True)
        .filter(beneficiary=person)
        .select_related("referrer")
        .prefetch_related("needs")
        .order_by("-created_at")
    )
    consent = person.consents.filter(withdrawn_at__isnull=True).select_related("recorded_by").first()
    access_log_record(user=user, action=AccessLog.Action.VIEW, subject=person)
    can_erase = privacy.can_erase(user, person)
    return render(
        request,
        "referrals/person_detail.html",
        {
            "person": person,
            "consent": consent,
            "sheets": sheets,
            "can_refer": user.roles.is_referrer and not person.is_anonymised,
            "can_erase": can_erase,
            "can_export": can_erase or privacy.can_export(user, person),
            "equipment": [
                (_("E-mail address"), person.has_email_address),
                (_("Smartphone"), person.has_smartphone),
                (_("Computer"), person.has_computer),
                (_("Internet at home"), person.has_internet),
            ],
        },
    )


def sheet_create(request, pk):
    """A referrer writes a liaison sheet for a person they follow."""
    person = get_object_or_404(Beneficiary.objects.visible_to(request.user, per_person=True), pk=pk)
    # An anonymised person is no one to refer any more.
    if not request.user.roles.is_referrer or person.is_anonymised:
        raise PermissionDenied
    form = LiaisonSheetForm(
        request.POST or None, beneficiary=person, organization_id=request.user.roles.referrer_organization_id
    )
    if form.is_valid():
        try:
            sheet = people_services.liaison_sheet_send(
                beneficiary=person,
                referrer=request.user,
                fields=people_services.LiaisonSheetFields.from_form(form.cleaned_data),
                needs=form.cleaned_data["needs"],
                antennas=form.cleaned_data["preferred_antennas"],
                submission_key=form.submission_key,
            )
        except AlreadySubmitted as sent:
            return first_result_shown(
                request,
                sent,
                result_url=lambda result: reverse("beneficiaries:sheet_detail", kwargs={"pk": result.pk}),
                otherwise=reverse("beneficiaries:person_detail", kwargs={"pk": person.pk}),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            access_log_record(user=request.user, action=AccessLog.Action.CHANGE, subject=sheet)
            messages.success(
                request,
                _("The liaison sheet %(reference)s is sent. Now find a slot for %(person)s.")
                % {"reference": sheet.reference, "person": person},
            )
            return redirect("beneficiaries:sheet_detail", pk=sheet.pk)
    return render(request, "referrals/sheet_form.html", {"form": form, "person": person})


def _deadline_alert(sheet: LiaisonSheet, today: datetime.date) -> str:
    """How near the deadline is, while the person has not been seen yet: "past", "soon" or "".

    `today` is the referrer's (LiaisonSheet.referrer_today), as for the deadline's bounds.
    """
    if not sheet.deadline or sheet.status not in WAITING_STATUSES:
        return ""
    if sheet.deadline < today:
        return "past"
    return "soon" if sheet.deadline <= today + datetime.timedelta(days=DEADLINE_WARNING_DAYS) else ""


def sheet_list(request):
    """The loop back: each referral's status, its next or last appointment, and its outcome."""
    user = request.user
    status = request.GET.get("status", "")
    sheets = (
        LiaisonSheet.objects.visible_to(user)
        .select_related("beneficiary", "referrer", "organization")
        .prefetch_related(
            "needs",
            Prefetch(
                "bookings",
                queryset=Booking.objects.active()
                .select_related("slot__occurrence__permanence__antenna")
                .order_by("slot__starts_at"),
                to_attr="active_bookings",
            ),
        )
    )
    if status in SheetStatus.values:
        sheets = sheets.filter(status=status)
    else:
        status = ""
    # Newest first, page after page: a referrer's list only grows, year after year.
    context = newest_first_page_of(request, sheets, "created_at")
    now = timezone.now()
    for sheet in context["page"]:
        upcoming = [booking for booking in sheet.active_bookings if booking.slot.ends_at > now]
        past = [booking for booking in sheet.active_bookings if booking.slot.ends_at <= now]
        sheet.shown_booking = upcoming[0] if upcoming else (past[-1] if past else None)
        sheet.booking_is_next = bool(upcoming)
        sheet.deadline_alert = _deadline_alert(sheet, sheet.referrer_today())
    return render(
        request,
        "referrals/sheet_list.html",
        {**context, "status": status, "statuses": SheetStatus.choices},
    )


def _history(sheet: LiaisonSheet, bookings: list[Booking]) -> list:
    """The sheet's statuses and the changes to its appointments (a date moved or cancelled, a
    cancellation), in the order they happened."""
    changes = list(
        AppointmentChange.objects.filter(booking__in=bookings).select_related(
            "made_by", "booking__slot__occurrence__permanence__antenna"
        )
    )
    events = list(sheet.events.select_related("created_by"))
    for change in changes:
        change.is_change = True  # type: ignore[attr-defined]  # read by the template
    return sorted([*events, *changes], key=lambda entry: (entry.created_at, isinstance(entry, AppointmentChange)))


def _render_sheet(request, sheet: LiaisonSheet, *, bound_form: SheetActionForm | None = None):
    """The sheet page; a refused action comes back with its errors and what was typed."""
    user = request.user
    can_act = _can_act(user, sheet)
    now = timezone.now()
    shown = sheet.bookings.select_related("slot__occurrence__permanence__antenna").order_by("slot__starts_at")
    if not can_act:
        # An antenna's team sees the appointments at its own antennas, not the others'.
        shown = shown.filter(pk__in=Booking.objects.visible_to(user).values("pk"))
    bookings = list(shown)
    for booking in bookings:
        booking.is_upcoming = (
            booking.status == BookingStatus.ACTIVE
            and booking.attendance == Attendance.EXPECTED
            and booking.slot.ends_at > now
        )
    allowed = SHEET_TRANSITIONS[sheet.status]
    action_forms = []
    if can_act:
        for action, status in ACTION_STATUSES.items():
            if status not in allowed:
                continue
            if bound_form is not None and bound_form.action_name == action:
                action_forms.append(bound_form)
            else:
                action_forms.append(
                    SheetActionForm(action=action, form_action=reverse("beneficiaries:sheet_action", args=[sheet.pk]))
                )
    return render(
        request,
        "referrals/sheet_detail.html",
        {
            "sheet": sheet,
            "person_visible": Beneficiary.objects.visible_to(user, per_person=True)
            .filter(pk=sheet.beneficiary_id)
            .exists(),
            "history": _history(sheet, bookings),
            "bookings": bookings,
            "sent_messages": booking_messages(booking.pk for booking in bookings),
            "shows_addresses": can_act or user.has_signed_charter,
            "can_act": can_act,
            "can_book": can_act and SheetStatus.BOOKED in allowed,
            "action_forms": action_forms,
            "deadline_alert": _deadline_alert(sheet, sheet.referrer_today()),
            "department_name": DEPARTMENTS.get(sheet.preferred_department, ""),
        },
    )


def _sheet(request, pk) -> LiaisonSheet:
    return get_object_or_404(
        LiaisonSheet.objects.visible_to(request.user, per_person=True)
        .select_related("beneficiary", "referrer", "organization", "language")
        .prefetch_related(Prefetch("needs", queryset=Topic.objects.select_related("parent")), "preferred_antennas"),
        pk=pk,
    )


def sheet_detail(request, pk):
    sheet = _sheet(request, pk)
    access_log_record(user=request.user, action=AccessLog.Action.VIEW, subject=sheet)
    return _render_sheet(request, sheet)


SHEET_ACTION_DONE = {
    SheetAction.CLOSE: gettext_lazy("The referral %(reference)s is closed."),
    SheetAction.REDIRECT: gettext_lazy("The referral %(reference)s is marked as redirected."),
    SheetAction.CANCEL: gettext_lazy("The referral %(reference)s is cancelled."),
}


@require_POST
def sheet_action(request, pk):
    """The referrer closes a sheet with its outcome, redirects the person elsewhere, or cancels."""
    sheet = _sheet(request, pk)
    if not _can_act(request.user, sheet):
        raise PermissionDenied
    action = request.POST.get("action", "")
    if action not in ACTION_STATUSES:
        messages.error(request, _("Nothing was changed: choose what to do with the referral."))
        return redirect("beneficiaries:sheet_detail", pk=sheet.pk)
    if ACTION_STATUSES[action] not in SHEET_TRANSITIONS[sheet.status]:
        messages.error(
            request,
            _("Nothing was changed: this is not possible while the referral is “%(status)s”.")
            % {"status": sheet.get_status_display()},
        )
        return redirect("beneficiaries:sheet_detail", pk=sheet.pk)
    form = SheetActionForm(
        request.POST, action=action, form_action=reverse("beneficiaries:sheet_action", args=[sheet.pk])
    )
    if not form.is_valid():
        return _render_sheet(request, sheet, bound_form=form)
    note = form.cleaned_data["note"]
    if action == SheetAction.CANCEL:
        done = bookings_services.liaison_sheet_cancel(sheet=sheet, by=request.user, note=note)
        announce_after_commit()
    else:
        done = people_services.liaison_sheet_transition(
            sheet=sheet, status=ACTION_STATUSES[action], by=request.user, note=note
        )
    if done:
        access_log_record(user=request.user, action=AccessLog.Action.CHANGE, subject=sheet, detail={"action": action})
        messages.success(request, SHEET_ACTION_DONE[action] % {"reference": sheet.reference})
    else:
        messages.error(request, _("Nothing was changed: the referral changed in the meantime. Look at it again."))
    return redirect("beneficiaries:sheet_detail", pk=sheet.pk)


def reference_lookup(request):
    """Find a referral from the code on its appointment card, among those the user may see."""
    form = ReferenceLookupForm(request.GET if "code" in request.GET else None)
    if form.is_valid():
        sheet = (
            LiaisonSheet.objects.visible_to(request.user, per_person=True)
            .filter(reference=form.cleaned_data["code"])
            .first()
        )
        if sheet is not None:
            return redirect("beneficiaries:sheet_detail", pk=sheet.pk)
        form.add_error("code", ReferenceLookupForm.NOT_FOUND)
    return render(request, "referrals/reference_lookup.html", {"form": form})
