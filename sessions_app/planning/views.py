"""Coordinators' pages: permanences, closures, one date at a time, and the month view."""

import datetime
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from inclusion.core.access import antenna_or_404, can_manage_antenna, managed_or_404
from inclusion.core.clock import antenna_today
from inclusion.core.submissions import AlreadySubmitted, first_result_shown
from inclusion.core.typography import date_format
from sessions_app.bookings.enums import BookingStatus
from sessions_app.planning import services
from sessions_app.planning.forms import (
    ClosureForm,
    OccurrenceAddForm,
    OccurrenceCancelForm,
    OccurrenceMoveForm,
    OccurrenceOpenForm,
    OccurrenceRestoreForm,
    PermanenceDeleteForm,
    PermanenceForm,
)
from sessions_app.planning.generation import GenerationReport
from sessions_app.planning.selectors import cancelled_with, with_history
from sessions_app.reminders.notices import date_change_recipients
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Closure, Occurrence, Permanence, Slot
from sessions_app.scheduling.months import month_from_url
from sessions_app.scheduling.public_holidays import holiday_name, public_holidays


def _tell_generation(request, report: GenerationReport) -> None:
    if report.to_resolve:
        messages.warning(
            request,
            ngettext(
                "%(count)s booked date no longer fits the new schedule: it is kept and marked “to resolve”.",
                "%(count)s booked dates no longer fit the new schedule: they are kept and marked “to resolve”.",
                report.to_resolve,
            )
            % {"count": report.to_resolve},
        )


ARCHIVED = "archivees"


def permanence_list(request, antenna_pk):
    """The antenna's current permanences and its dates to resolve; with ?archivees=1, its
    archived permanences instead."""
    antenna = antenna_or_404(request, antenna_pk, manage=False)
    today = antenna_today(antenna)
    showing_archived = request.GET.get(ARCHIVED) == "1"
    if showing_archived:
        permanences = with_history(antenna.permanences.archived()).order_by("-archived_at", "pk")
        to_resolve = Occurrence.objects.none()
        archived_count = None
    else:
        permanences = (
            antenna.permanences.current()
            .annotate(
                upcoming=Count(
                    "occurrences",
                    filter=Q(occurrences__date__gte=today, occurrences__status=OccurrenceStatus.SCHEDULED),
                )
            )
            .order_by("-is_active", "weekday", "start_time")
        )
        to_resolve = (
            Occurrence.objects.current()
            .filter(permanence__antenna=antenna, needs_resolution=True, date__gte=today)
            .select_related("permanence__antenna")
            .order_by("starts_at")
        )
        archived_count = antenna.permanences.archived().count()
    return render(
        request,
        "planning/permanence_list.html",
        {
            "antenna": antenna,
            "permanences": permanences,
            "to_resolve": to_resolve,
            "showing_archived": showing_archived,
            "archived_count": archived_count,
            "can_manage": can_manage_antenna(request.user, antenna),
        },
    )


def _permanence_form_page(request, form, title, back_url):
    return render(request, "planning/permanence_form.html", {"form": form, "title": title, "back_url": back_url})


def permanence_create(request, antenna_pk):
    antenna = antenna_or_404(request, antenna_pk, manage=True)
    form = PermanenceForm(request.POST or None, antenna=antenna)
    if form.is_valid():
        try:
            permanence = services.permanence_create(
                antenna=antenna,
                fields=services.PermanenceFields.from_form(form.cleaned_data),
                by=request.user,
                submission_key=form.submission_key,
            )
        except AlreadySubmitted as sent:
            return first_result_shown(request, sent, otherwise=_permanence_list_url(antenna))
        except ValidationError as error:
            # The same permanence as a current one (services.twin_refused).
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The permanence “%(title)s” was created with %(count)s dates ahead.")
                % {"title": permanence.title, "count": permanence.occurrences.count()},
            )
            return redirect("schedule:permanence_list", antenna_pk=antenna.pk)
    return _permanence_form_page(
        request,
        form,
        _("New permanence at %(antenna)s") % {"antenna": antenna.name},
        _permanence_list_url(antenna),
    )


def _permanence_list_url(antenna, *, archived: bool = False) -> str:
    url = reverse("schedule:permanence_list", kwargs={"antenna_pk": antenna.pk})
    return f"{url}?{ARCHIVED}=1" if archived else url


def _archived_refused(request, permanence) -> bool:
    """An archived permanence is not changed: un-archiving it comes first."""
    if permanence.is_archived:
        messages.info(request, _("This permanence is archived: un-archive it to change it."))
        return True
    return False


def permanence_update(request, pk):
    permanence = managed_or_404(request, Permanence.objects.select_related("antenna"), pk)
    if _archived_refused(request, permanence):
        return redirect(_permanence_list_url(permanence.antenna, archived=True))
    form = PermanenceForm(request.POST or None, instance=permanence, antenna=permanence.antenna)
    if form.is_valid():
        try:
            report = services.permanence_update(
                permanence=permanence, fields=services.PermanenceFields.from_form(form.cleaned_data)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The permanence was saved and its dates ahead follow the new schedule."))
            _tell_generation(request, report)
            return redirect("schedule:permanence_list", antenna_pk=permanence.antenna_id)
    return _permanence_form_page(
        request,
        form,
        _("Edit %(title)s") % {"title": permanence.title},
        _permanence_list_url(permanence.antenna),
    )


@require_POST
def permanence_toggle(request, pk):
    permanence = managed_or_404(request, Permanence.objects.select_related("antenna"), pk)
    if _archived_refused(request, permanence):
        return redirect(_permanence_list_url(permanence.antenna, archived=True))
    report = services.permanence_set_active(permanence=permanence, is_active=not permanence.is_active)
    if permanence.is_active:
        messages.success(request, _("The permanence is open again; its dates ahead were created."))
    else:
        messages.success(request, _("The permanence is suspended; its dates without bookings were removed."))
    _tell_generation(request, report)
    return redirect("schedule:permanence_list", antenna_pk=permanence.antenna_id)


def _booked_ahead(permanence) -> list[Occurrence]:
    """The permanence's dates not over yet that hold active bookings: they keep it from being archived."""
    return list(
        Occurrence.objects.filter(
            permanence=permanence,
            ends_at__gt=timezone.now(),
            slots__bookings__status=BookingStatus.ACTIVE,
        )
        .select_related("permanence__antenna")
        .distinct()
        .order_by("starts_at")
    )


def permanence_delete(request, pk):
    """What can be done with a permanence that is no longer run: deleted when nothing was ever
    booked or logged on it, else archived once its dates ahead hold no booking (listed here)."""
    permanence = managed_or_404(request, with_history(Permanence.objects.select_related("antenna")), pk)
    antenna = permanence.antenna
    form = PermanenceDeleteForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.permanence_delete(permanence=permanence, by=request.user, submission_key=form.submission_key)
        except AlreadySubmitted as sent:
            return first_result_shown(request, sent, otherwise=_permanence_list_url(antenna))
        except services.PermanenceInUse:
            messages.error(
                request,
                _("This permanence has bookings or sessions in its history: archive it instead of deleting it."),
            )
            return redirect("schedule:permanence_delete", pk=permanence.pk)
        messages.success(request, _("The permanence “%(title)s” was deleted.") % {"title": permanence.title})
        return redirect(_permanence_list_url(antenna, archived=permanence.is_archived))
    return render(
        request,
        "planning/permanence_delete.html",
        {
            "permanence": permanence,
            "antenna": antenna,
            "form": form if not permanence.in_use else None,
            "dates_ahead": permanence.occurrences.filter(ends_at__gt=timezone.now()).count(),
            "booked_ahead": _booked_ahead(permanence) if permanence.in_use and not permanence.is_archived else [],
            "back_url": _permanence_list_url(antenna, archived=permanence.is_archived),
        },
    )


def _dates_listed(dates: list[Occurrence]) -> str:
    return ", ".join(date_format(date.local_starts_at, "l j F Y, H:i") for date in dates)


@require_POST
def permanence_archive(request, pk):
    permanence = managed_or_404(request, Permanence.objects.select_related("antenna"), pk)
    if permanence.is_archived:
        messages.info(request, _("This permanence is archived already."))
        return redirect(_permanence_list_url(permanence.antenna, archived=True))
    try:
        removed = services.permanence_archive(permanence=permanence, by=request.user)
    except services.ArchiveRefused as refused:
        messages.error(
            request,
            ngettext(
                "This date still holds bookings: %(dates)s. Cancel it first (the people booked will be told), "
                "then archive the permanence.",
                "These dates still hold bookings: %(dates)s. Cancel them first (the people booked will be told), "
                "then archive the permanence.",
                len(refused.dates),
            )
            % {"dates": _dates_listed(refused.dates)},
        )
        return redirect("schedule:permanence_delete", pk=permanence.pk)
    permanence.refresh_from_db(fields=["archived_at"])
    messages.success(
        request,
        ngettext(
            "The permanence “%(title)s” is archived; %(count)s date ahead without bookings was removed.",
            "The permanence “%(title)s” is archived; %(count)s dates ahead without bookings were removed.",
            removed,
        )
        % {"title": permanence.title, "count": removed},
    )
    return redirect(_permanence_list_url(permanence.antenna))


@require_POST
def permanence_unarchive(request, pk):
    permanence = managed_or_404(request, Permanence.objects.select_related("antenna"), pk)
    try:
        unarchived = services.permanence_unarchive(permanence=permanence)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_permanence_list_url(permanence.antenna, archived=True))
    if not unarchived:
        messages.info(request, _("This permanence is not archived."))
        return redirect(_permanence_list_url(permanence.antenna))
    messages.success(
        request,
        _("The permanence “%(title)s” is back among the current ones, suspended: resume it to offer its dates again.")
        % {"title": permanence.title},
    )
    return redirect(_permanence_list_url(permanence.antenna))


def closure_list(request, antenna_pk):
    antenna = antenna_or_404(request, antenna_pk, manage=False)
    can_manage = can_manage_antenna(request.user, antenna)
    form = None
    if can_manage:
        form = ClosureForm(request.POST or None, antenna=antenna)
        if form.is_valid():
            try:
                services.closure_create(
                    antenna=antenna,
                    fields=services.ClosureFields.from_form(form.cleaned_data),
                    by=request.user,
                    submission_key=form.submission_key,
                )
            except AlreadySubmitted as sent:
                return first_result_shown(
                    request, sent, otherwise=reverse("schedule:closure_list", kwargs={"antenna_pk": antenna.pk})
                )
            messages.success(request, _("The closure was saved; the dates it covers are no longer offered."))
            return redirect("schedule:closure_list", antenna_pk=antenna.pk)
    elif request.method == "POST":
        raise PermissionDenied
    closures = antenna.closures.select_related("permanence").order_by("-starts_on")
    return render(
        request,
        "planning/closure_list.html",
        {"antenna": antenna, "closures": closures, "form": form, "can_manage": can_manage},
    )


@require_POST
def closure_delete(request, pk):
    closure = managed_or_404(request, Closure.objects.select_related("antenna"), pk)
    antenna_pk = closure.antenna_id
    services.closure_delete(closure=closure)
    messages.success(request, _("The closure was removed; its dates are offered again."))
    return redirect("schedule:closure_list", antenna_pk=antenna_pk)


def _occurrence_form_page(request, occurrence, form, title):
    return render(
        request,
        "planning/occurrence_form.html",
        {
            "occurrence": occurrence,
            "form": form,
            "title": title,
            # Who the change will reach, named for those bound by the confidentiality charter.
            "to_tell": date_change_recipients(occurrence_id=occurrence.pk, by=request.user),
            "can_see_people": request.user.has_signed_charter,
        },
    )


def occurrence_cancel(request, pk):
    occurrence = managed_or_404(request, Occurrence.objects.select_related("permanence__antenna"), pk)
    if occurrence.is_cancelled:
        messages.info(request, _("This date is already cancelled."))
        return redirect(_month_url(occurrence))
    form = OccurrenceCancelForm(request.POST or None)
    if form.is_valid():
        cancelled = services.occurrence_cancel(
            occurrence=occurrence, reason=form.cleaned_data["reason"], by=request.user
        )
        messages.success(
            request,
            ngettext(
                "The date was cancelled. %(count)s booking was cancelled: the person and their referrer will be told.",
                "The date was cancelled. %(count)s bookings were cancelled: the people and referrers will be told.",
                cancelled,
            )
            % {"count": cancelled},
        )
        return redirect(_month_url(occurrence))
    return _occurrence_form_page(request, occurrence, form, _("Cancel a date"))


def occurrence_restore(request, pk):
    """Give a cancelled date back to the schedule; the page lists the people whose appointments
    were cancelled with it, whom nobody books again automatically."""
    occurrence = managed_or_404(request, Occurrence.objects.select_related("permanence__antenna"), pk)
    if not occurrence.is_cancelled:
        messages.info(request, _("This date is not cancelled."))
        return redirect(_month_url(occurrence))
    if occurrence.has_ended:
        messages.info(request, _("This date is over: it can no longer be restored."))
        return redirect(_month_url(occurrence))
    form = OccurrenceRestoreForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            restored = services.occurrence_restore(occurrence=occurrence)
        except services.RestoreRefused as refused:
            messages.error(request, str(refused))
            return redirect(_month_url(occurrence))
        if restored:
            messages.success(
                request,
                _(
                    "The date is scheduled again and can be booked. Nobody was booked again nor told: "
                    "book again the people who still wish to come."
                ),
            )
        else:
            messages.info(request, _("This date is already scheduled."))
        return redirect(_month_url(occurrence))
    return render(
        request,
        "planning/occurrence_restore.html",
        {
            "occurrence": occurrence,
            "form": form,
            "cancelled_with": cancelled_with(occurrence),
            # Named only for those bound by the confidentiality charter.
            "can_see_people": request.user.has_signed_charter,
        },
    )


def occurrence_move(request, pk):
    occurrence = managed_or_404(request, Occurrence.objects.select_related("permanence__antenna"), pk)
    if occurrence.is_cancelled:
        messages.info(request, _("A cancelled date cannot be moved; add a one-off date instead."))
        return redirect(_month_url(occurrence))
    form = OccurrenceMoveForm(
        request.POST or None,
        initial={"date": occurrence.date, "start": occurrence.local_starts_at.time()},
        antenna=occurrence.permanence.antenna,
    )
    if form.is_valid():
        told = services.occurrence_move(
            occurrence=occurrence, day=form.cleaned_data["date"], start=form.cleaned_data["start"], by=request.user
        )
        occurrence.refresh_from_db()
        messages.success(
            request,
            ngettext(
                "The date was moved. %(count)s booked person will be told.",
                "The date was moved. %(count)s booked people will be told.",
                told,
            )
            % {"count": told},
        )
        return redirect(_month_url(occurrence))
    return _occurrence_form_page(request, occurrence, form, _("Move a date"))


def occurrence_add(request, antenna_pk):
    antenna = antenna_or_404(request, antenna_pk, manage=True)
    form = OccurrenceAddForm(request.POST or None, antenna=antenna)
    if form.is_valid():
        try:
            occurrence = services.occurrence_add(
                permanence=form.cleaned_data["permanence"],
                day=form.cleaned_data["date"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                by=request.user,
                submission_key=form.submission_key,
            )
        except AlreadySubmitted as sent:
            return first_result_shown(
                request,
                sent,
                result_url=_month_url,
                otherwise=reverse("schedule:month", kwargs={"antenna_pk": antenna.pk}),
            )
        messages.success(request, _("The date was added."))
        return redirect(_month_url(occurrence))
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": _("Add a one-off date at %(antenna)s") % {"antenna": antenna.name},
            "back_url": _permanence_list_url(antenna),
        },
    )


@require_POST
def occurrence_open(request, antenna_pk):
    antenna = antenna_or_404(request, antenna_pk, manage=True)
    form = OccurrenceOpenForm(request.POST, antenna=antenna)
    if not form.is_valid():
        for error in form.non_field_errors() or [_("This date cannot be opened.")]:
            messages.error(request, str(error))
        return redirect("schedule:month", antenna_pk=antenna.pk)
    occurrence = services.occurrence_open(permanence=form.cleaned_data["permanence"], day=form.cleaned_data["date"])
    messages.success(request, _("The date is open."))
    return redirect(_month_url(occurrence))


def _month_url(occurrence) -> str:
    return reverse(
        "schedule:month_of",
        kwargs={
            "antenna_pk": occurrence.permanence.antenna_id,
            "year": occurrence.date.year,
            "month": occurrence.date.month,
        },
    )


def month(request, antenna_pk, year=None, month=None):
    """The antenna's month: each date with its slots and seats taken, the days the series skips
    (holidays, closures), and the dates to resolve."""
    antenna = antenna_or_404(request, antenna_pk, manage=False)
    today = antenna_today(antenna)
    shown = month_from_url(year, month, today)
    first, last = shown.first, shown.last

    occurrences = (
        Occurrence.objects.current()
        .filter(permanence__antenna=antenna, date__range=(first, last))
        .select_related("permanence__antenna")
        .prefetch_related(
            Prefetch(
                "slots",
                queryset=Slot.objects.annotate(
                    booked=Count("bookings", filter=Q(bookings__status=BookingStatus.ACTIVE))
                ).order_by("starts_at"),
            )
        )
        .order_by("starts_at")
    )
    days: defaultdict[datetime.date, dict[str, list[Any]]] = defaultdict(lambda: {"occurrences": [], "skipped": []})
    taken = set()
    for occurrence in occurrences:
        days[occurrence.date]["occurrences"].append(occurrence)
        if occurrence.rule_date:
            taken.add((occurrence.permanence_id, occurrence.rule_date))

    # Days the series gives but that a holiday or a closure left out, so the coordinator sees
    # why and can open one explicitly.
    holidays = public_holidays(antenna.department_code, first, last)
    closures = list(antenna.closures.filter(starts_on__lte=last, ends_on__gte=first))
    for permanence in antenna.permanences.filter(is_active=True):
        for day in permanence.rule_dates(first, last):
            if (permanence.pk, day) in taken:
                continue
            if day in holidays:
                reason = holiday_name(antenna.department_code, day)
            else:
                closure = next((c for c in closures if c.covers(day, permanence.pk)), None)
                if closure is None:
                    continue
                reason = closure.reason
            days[day]["skipped"].append({"permanence": permanence, "reason": reason})

    return render(
        request,
        "planning/month.html",
        {
            "antenna": antenna,
            "first": first,
            "days": sorted(days.items()),
            "previous_month": shown.previous,
            "next_month": shown.next,
            "today": today,
            "can_manage": can_manage_antenna(request.user, antenna),
        },
    )
