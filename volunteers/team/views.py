"""Volunteers' pages: their dates and sign-ups, each antenna's rota and team, their profile, and
their personal calendar feed."""

import datetime
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from inclusion.core.access import antenna_or_404, can_manage_antenna, managed_or_404
from inclusion.core.clock import antenna_today
from inclusion.core.models import AntennaMembership, User
from inclusion.core.querystrings import next_path
from inclusion.core.typography import date_format, of_name
from sessions_app.scheduling.calendars import FeedEvent, calendar_feed
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Occurrence
from sessions_app.scheduling.months import month_from_url
from volunteers.team import services
from volunteers.team.forms import MemberProfileForm, RotaAssignForm, VolunteerProfileForm
from volunteers.team.models import Signup, VolunteerProfile

UPCOMING_WEEKS = 8
FEED_PAST_DAYS = 30


def _now() -> datetime.datetime:
    # The single source of "now" for these views, so a test can place the dates it generated
    # without freezing the clock of the whole process.
    return timezone.now()


def _require_team_member(user) -> None:
    """Pages about one's own rota are for the antennas' teams (and admins), not for referrers."""
    roles = user.roles
    if not (roles.is_admin or roles.coordinated_antenna_ids or roles.volunteer_antenna_ids):
        raise PermissionDenied


def _with_rota(occurrences):
    """Dates with their sign-ups, in two queries whatever their number."""
    return occurrences.select_related("permanence__antenna").prefetch_related(
        Prefetch(
            "signups",
            queryset=Signup.objects.select_related("volunteer").order_by("volunteer__display_name", "volunteer__pk"),
            to_attr="rota",
        )
    )


def _staffing(occurrence: Occurrence, now: datetime.datetime) -> Occurrence:
    # The rota comes from _with_rota's Prefetch(to_attr=...), and the flags set here are read by
    # the templates: attributes added at run time, which the type checker cannot know.
    rota: list[Signup] = occurrence.rota  # type: ignore[attr-defined]
    occurrence.volunteer_ids = {signup.volunteer_id for signup in rota}  # type: ignore[attr-defined]
    occurrence.is_understaffed = (  # type: ignore[attr-defined]
        not occurrence.is_cancelled and len(rota) < occurrence.permanence.min_volunteers
    )
    # As services.signup_create decides: a date's rota stays open until its antenna's day is over.
    occurrence.is_over = occurrence.date < antenna_today(occurrence.permanence.antenna, now=now)  # type: ignore[attr-defined]
    return occurrence


def _back(request, default: str) -> str:
    """Where a form posted from a page sends the user back: that page, if it is one of ours."""
    return next_path(request, default)


def _rota_url(occurrence: Occurrence) -> str:
    return reverse(
        "volunteers:rota_of",
        kwargs={
            "antenna_pk": occurrence.permanence.antenna_id,
            "year": occurrence.date.year,
            "month": occurrence.date.month,
        },
    )


def _tell_refusal(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# The volunteer's own dates


def my_dates(request):
    """The dates ahead at the user's antennas, with who is on them, to sign up or withdraw."""
    _require_team_member(request.user)
    roles = request.user.roles
    now = _now()
    profile = services.volunteer_profile_get(user=request.user)
    occurrences = _with_rota(
        Occurrence.objects.filter(
            permanence__antenna_id__in=roles.coordinated_antenna_ids | roles.volunteer_antenna_ids,
            status=OccurrenceStatus.SCHEDULED,
            ends_at__gt=now,
            starts_at__lt=now + datetime.timedelta(weeks=UPCOMING_WEEKS),
        )
    ).order_by("starts_at", "permanence__antenna__name")
    days = defaultdict(list)
    for occurrence in occurrences:
        days[occurrence.date].append(_staffing(occurrence, now))
    calendar_url = request.build_absolute_uri(reverse("volunteers:calendar", args=[profile.calendar_token]))
    return render(
        request,
        "team/my_dates.html",
        {
            "days": sorted(days.items()),
            "upcoming_weeks": UPCOMING_WEEKS,
            "calendar_url": calendar_url,
            "webcal_url": "webcal://" + calendar_url.split("://", 1)[1],
        },
    )


@require_POST
def signup(request, pk):
    occurrence = get_object_or_404(
        Occurrence.objects.visible_to(request.user).select_related("permanence__antenna"), pk=pk
    )
    try:
        services.signup_create(occurrence=occurrence, volunteer=request.user, by=request.user)
    except ValidationError as error:
        _tell_refusal(request, error)
    else:
        messages.success(
            request,
            _("You are on the rota of “%(title)s” on %(day)s.")
            % {"title": occurrence.permanence.title, "day": _day_label(occurrence)},
        )
    return redirect(_back(request, reverse("volunteers:my_dates")))


@require_POST
def withdraw(request, pk):
    signup = get_object_or_404(
        Signup.objects.filter(volunteer=request.user).select_related("occurrence__permanence__antenna"),
        occurrence_id=pk,
    )
    occurrence = signup.occurrence
    try:
        services.signup_withdraw(signup=signup)
    except ValidationError as error:
        _tell_refusal(request, error)
    else:
        messages.success(
            request,
            _("You are no longer on the rota of “%(title)s” on %(day)s.")
            % {"title": occurrence.permanence.title, "day": _day_label(occurrence)},
        )
    return redirect(_back(request, reverse("volunteers:my_dates")))


def _day_label(occurrence: Occurrence) -> str:
    return date_format(occurrence.local_starts_at, "l j F, H:i")


# One antenna's rota


def rota(request, antenna_pk, year=None, month=None):
    """The antenna's month as a rota: who is on each date and which dates lack volunteers."""
    antenna = antenna_or_404(request, antenna_pk, manage=False)
    now = _now()
    today = antenna_today(antenna, now=now)
    shown = month_from_url(year, month, today)
    first, last = shown.first, shown.last
    can_manage = can_manage_antenna(request.user, antenna)
    members = []
    if can_manage:
        members = list(
            User.objects.filter(memberships__antenna=antenna, is_active=True).order_by("display_name", "pk")
        )
    occurrences = _with_rota(Occurrence.objects.filter(permanence__antenna=antenna, date__range=(first, last)))
    days = defaultdict(list)
    for occurrence in occurrences.order_by("starts_at"):
        _staffing(occurrence, now)
        occurrence.candidates = [member for member in members if member.pk not in occurrence.volunteer_ids]
        # A big team times every date of the month is a thousand options: joined in Python, they
        # cost a fraction of a template loop.
        occurrence.candidate_options = format_html_join(
            "", '<option value="{}">{}</option>', ((m.pk, m.display_name) for m in occurrence.candidates)
        )
        days[occurrence.date].append(occurrence)
    return render(
        request,
        "team/rota.html",
        {
            "antenna": antenna,
            "first": first,
            "days": sorted(days.items()),
            "previous_month": shown.previous,
            "next_month": shown.next,
            "today": today,
            "can_manage": can_manage,
            "is_member": antenna.pk
            in request.user.roles.coordinated_antenna_ids | request.user.roles.volunteer_antenna_ids,
        },
    )


@require_POST
def rota_assign(request, pk):
    occurrence = managed_or_404(request, Occurrence.objects.select_related("permanence__antenna"), pk)
    form = RotaAssignForm(request.POST, antenna=occurrence.permanence.antenna)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(_back(request, _rota_url(occurrence)))
    volunteer = form.cleaned_data["volunteer"]
    try:
        services.signup_create(occurrence=occurrence, volunteer=volunteer, by=request.user)
    except ValidationError as error:
        _tell_refusal(request, error)
    else:
        messages.success(
            request,
            _("%(name)s is on the rota of “%(title)s” on %(day)s.")
            % {"name": volunteer, "title": occurrence.permanence.title, "day": _day_label(occurrence)},
        )
    return redirect(_back(request, _rota_url(occurrence)))


@require_POST
def rota_remove(request, pk):
    signup = managed_or_404(request, Signup.objects.select_related("volunteer", "occurrence__permanence__antenna"), pk)
    occurrence = signup.occurrence
    services.signup_delete(signup=signup)
    messages.success(
        request,
        _("%(name)s is no longer on the rota of “%(title)s” on %(day)s.")
        % {"name": signup.volunteer, "title": occurrence.permanence.title, "day": _day_label(occurrence)},
    )
    return redirect(_back(request, _rota_url(occurrence)))


# The antenna's team


def team(request, antenna_pk):
    """The antenna's coordinators and volunteers: languages, charter, active or not, dates ahead."""
    antenna = antenna_or_404(request, antenna_pk, manage=False)
    upcoming = Q(
        user__signups__occurrence__permanence__antenna=antenna,
        user__signups__occurrence__status=OccurrenceStatus.SCHEDULED,
        user__signups__occurrence__ends_at__gt=_now(),
    )
    memberships = (
        AntennaMembership.objects.filter(antenna=antenna)
        .select_related("user__volunteer_profile")
        .prefetch_related("user__volunteer_profile__languages")
        .annotate(upcoming_signups=Count("user__signups", filter=upcoming))
        .order_by("role", "user__display_name", "user__pk")
    )
    members = []
    for membership in memberships:
        # For the template; a member who never filled in a profile has none.
        membership.profile = getattr(membership.user, "volunteer_profile", None)  # type: ignore[attr-defined]
        members.append(membership)
    return render(
        request,
        "team/team.html",
        {"antenna": antenna, "members": members, "can_manage": can_manage_antenna(request.user, antenna)},
    )


def member(request, antenna_pk, user_pk):
    """A coordinator records a member's charter signature and active flag, and reads their
    languages, skills and availability."""
    antenna = antenna_or_404(request, antenna_pk, manage=True)
    membership = get_object_or_404(
        AntennaMembership.objects.filter(antenna=antenna).select_related("user"), user_id=user_pk
    )
    person = membership.user
    profile = services.volunteer_profile_get(user=person)
    form = MemberProfileForm(
        request.POST or None,
        instance=profile,
        can_record_charter=request.user.is_admin or person.pk != request.user.pk,
        antenna=antenna,
    )
    if form.is_valid():
        services.volunteer_profile_update(
            profile=profile, fields=services.VolunteerRecordFields.from_form(form.cleaned_data)
        )
        messages.success(request, _("The profile %(of_name)s was saved.") % {"of_name": of_name(person)})
        return redirect("volunteers:team", antenna_pk=antenna.pk)
    return render(
        request,
        "team/member.html",
        {
            "antenna": antenna,
            "membership": membership,
            "person": person,
            "profile": profile,
            "languages": list(profile.languages.all()),
            "skills": list(profile.skills.select_related("parent")),
            "form": form,
        },
    )


# The volunteer's profile


def profile(request):
    """Volunteers say which languages they speak, what they can help with and when they are free."""
    _require_team_member(request.user)
    volunteer_profile = services.volunteer_profile_get(user=request.user)
    form = VolunteerProfileForm(request.POST or None, instance=volunteer_profile)
    if form.is_valid():
        services.volunteer_profile_update(
            profile=volunteer_profile, fields=services.VolunteerOwnFields.from_form(form.cleaned_data)
        )
        messages.success(request, _("Your volunteer profile was saved."))
        return redirect("volunteers:profile")
    return render(request, "team/profile.html", {"form": form, "profile": volunteer_profile})


# The personal calendar


@login_not_required
@require_safe
def personal_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The volunteer's dates as an iCal feed, read by calendar apps that cannot log in: the secret
    address is the only key, so a deactivated account's feed goes dark."""
    profile = get_object_or_404(
        VolunteerProfile.objects.select_related("user"), calendar_token=token, user__is_active=True
    )
    since = _now() - datetime.timedelta(days=FEED_PAST_DAYS)
    signups = list(
        Signup.objects.filter(volunteer=profile.user, occurrence__starts_at__gte=since)
        .select_related("occurrence__permanence__antenna")
        .order_by("occurrence__starts_at")
    )
    feed = calendar_feed(
        product="Volunteer calendar",
        name=_("My permanences – %(name)s") % {"name": profile.user.display_name},
        events=[
            FeedEvent(
                uid=f"signup-{signup.pk}@permanences-numeriques",
                summary=f"{signup.occurrence.permanence.title} – {signup.occurrence.permanence.antenna.name}",
                occurrence=signup.occurrence,
                stamp=max(filter(None, [signup.created_at, signup.occurrence.cancelled_at])),
                location=signup.occurrence.permanence.antenna.full_address,
            )
            for signup in signups
        ],
    )
    response = HttpResponse(feed, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="mes-permanences.ics"'
    # The address is a secret: keep it and the feed out of shared caches and search engines.
    response["Cache-Control"] = "private"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
def calendar_reset(request):
    _require_team_member(request.user)
    services.calendar_token_reset(profile=services.volunteer_profile_get(user=request.user))
    messages.success(
        request, _("Your calendar has a new address: the old one no longer works. Subscribe again with the new one.")
    )
    return redirect("volunteers:my_dates")
