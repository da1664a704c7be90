"""Today's desk: who is booked, checking people in, walk-ins, and logging each session.

Anyone on an antenna's team opens its desk and its session logs; the people's names, phones
and histories, and every action on them, wait for the confidentiality charter to be signed.
"""

import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaries.people.enums import AgeBracket, Gender, SocialStatus
from beneficiaries.people.models import Beneficiary
from beneficiaries.people.services import beneficiary_search
from inclusion.core.access import antenna_or_404
from inclusion.core.clock import antenna_today
from inclusion.core.models import AccessLog, Antenna, Language
from inclusion.core.querystrings import newest_first_page_of, next_path, object_id, search_text
from inclusion.core.services import access_log_record
from inclusion.core.submissions import AlreadySubmitted, first_result_shown
from inclusion.core.typography import date_format
from sessions_app.bookings import services
from sessions_app.bookings.enums import Attendance, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.bookings.selectors import free_slots
from sessions_app.desk import services as desk_services
from sessions_app.desk.enums import Outcome
from sessions_app.desk.forms import (
    EQUIPMENT_CHOICES,
    DeskSearchForm,
    NewPersonForm,
    NextAppointmentForm,
    SessionLogForm,
    WalkInForm,
)
from sessions_app.desk.models import SessionLog
from sessions_app.reminders.enums import ReminderChannel
from sessions_app.reminders.models import ReminderMessage
from sessions_app.reminders.notices import call_done as call_mark_done
from sessions_app.reminders.notices import calls_to_make
from sessions_app.scheduling.enums import OccurrenceStatus, PermanenceKind
from sessions_app.scheduling.models import Occurrence, Slot

SEARCH_RESULTS = 20
PREVIOUS_SESSIONS = 3
# The next appointment is offered among the first free slots of the coming weeks.
NEXT_APPOINTMENT_SLOTS = 12
NEXT_APPOINTMENT_WEEKS = 8


def _require_charter(user) -> None:
    """The people helped are only shown to those bound by the confidentiality charter."""
    if not user.has_signed_charter:
        raise PermissionDenied


def _id_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    pk = object_id(value)
    if pk is None:
        raise Http404
    return pk


def _desk_occurrences(queryset):
    """Dates with everything the desk shows, in a fixed number of queries."""
    return queryset.select_related("permanence__antenna").prefetch_related(
        Prefetch(
            "slots",
            queryset=Slot.objects.order_by("starts_at").prefetch_related(
                Prefetch(
                    "bookings",
                    queryset=Booking.objects.active()
                    .select_related("beneficiary", "session_log", "liaison_sheet__language", "liaison_sheet__referrer")
                    .prefetch_related("liaison_sheet__needs")
                    .order_by("created_at"),
                    to_attr="active_bookings",
                )
            ),
        ),
        Prefetch(
            "session_logs",
            queryset=SessionLog.objects.select_related("beneficiary")
            .prefetch_related("topics")
            .annotate(participant_count=Count("participants"))
            .order_by("created_at"),
            to_attr="logs",
        ),
    )


def _desk_day(antenna: Antenna) -> tuple[datetime.date, list[Occurrence], bool]:
    """The antenna's day, its dates (the one in progress first) with their slots' bookings, and
    whether they are the next date ahead because the day has none."""
    now = timezone.now()
    day = antenna_today(antenna, now=now)
    scheduled = Occurrence.objects.filter(permanence__antenna=antenna, status=OccurrenceStatus.SCHEDULED)
    occurrences = list(_desk_occurrences(scheduled.filter(date=day)))
    is_ahead = False
    if not occurrences:
        occurrences = list(_desk_occurrences(scheduled.filter(date__gt=day).order_by("starts_at")[:1]))
        is_ahead = bool(occurrences)

    def rank(occurrence: Occurrence) -> int:
        if occurrence.starts_at <= now < occurrence.ends_at:
            return 0
        return 1 if occurrence.starts_at > now else 2

    occurrences.sort(key=lambda occurrence: (rank(occurrence), occurrence.starts_at))
    for occurrence in occurrences:
        occurrence.is_current = rank(occurrence) == 0
        for slot in occurrence.slots.all():
            slot.taken = len(slot.active_bookings)
            slot.left = max(slot.seats - slot.taken, 0)
            for booking in slot.active_bookings:
                booking.log = getattr(booking, "session_log", None)
    return day, occurrences, is_ahead


def _people_found(user, antenna: Antenna, day: datetime.date, text: str) -> list[Beneficiary]:
    """The people of a desk search, each with their bookings of the day at the antenna (in
    one query more, whatever their number), to check them in from the results."""
    bookings_today = (
        Booking.objects.active()
        .filter(
            slot__occurrence__permanence__antenna=antenna,
            slot__occurrence__date=day,
            slot__occurrence__status=OccurrenceStatus.SCHEDULED,
        )
        .select_related("slot")
        .order_by("slot__starts_at", "pk")
    )
    people = beneficiary_search(user=user, text=text).prefetch_related(
        Prefetch("bookings", queryset=bookings_today, to_attr="bookings_today")
    )
    return list(people[:SEARCH_RESULTS])


def today(request, antenna_pk):
    """The antenna's dates of the day, the one in progress first; else the next date ahead;
    and, for those bound by the charter, a search for a person to check in or welcome."""
    antenna = antenna_or_404(request, antenna_pk)
    day, occurrences, is_ahead = _desk_day(antenna)
    can_see_people = request.user.has_signed_charter
    search_form = DeskSearchForm(request.GET if "q" in request.GET else None)
    found = None
    if can_see_people and search_form.is_valid():
        found = _people_found(request.user, antenna, day, search_form.cleaned_data["q"])
    return render(
        request,
        "desk/today.html",
        {
            "antenna": antenna,
            "day": day,
            "occurrences": occurrences,
            "is_ahead": is_ahead,
            "can_see_people": can_see_people,
            "search_form": search_form,
            "found": found,
            "search_results": SEARCH_RESULTS,
            # A person found who has no booking today is welcomed as a walk-in of the date
            # in progress (or the next one of the day).
            "walk_in_occurrence": occurrences[0] if occurrences and not is_ahead else None,
            # People to call about a change to their appointment: names and numbers, so only
            # for those bound by the charter; the others are told how many.
            "calls": _calls_with_languages(antenna) if can_see_people else [],
            "calls_count": 0 if can_see_people else calls_to_make(antenna.pk).count(),
        },
    )


def _calls_with_languages(antenna: Antenna) -> list[tuple[ReminderMessage, str]]:
    """The calls to make, each with the name of the language to speak (one query more when any)."""
    calls = list(calls_to_make(antenna.pk))
    if not calls:
        return []
    names = {
        language.code: str(language) for language in Language.objects.filter(code__in={c.language for c in calls})
    }
    return [(call, names.get(call.language, call.language)) for call in calls]


@require_POST
def call_done(request, pk):
    """Someone of the antenna called a person about a change to their appointment."""
    message = get_object_or_404(
        ReminderMessage.objects.visible_to(request.user).filter(channel=ReminderChannel.CALL), pk=pk
    )
    _require_charter(request.user)
    if call_mark_done(message=message, by=request.user):
        messages.success(request, _("The call is marked as made."))
    else:
        messages.info(request, _("This call was already marked as made."))
    return redirect("desk:today", antenna_pk=message.antenna_id)


def day_list(request, antenna_pk):
    """The day's bookings on one A4 page for the desk: who, when, what for, in which language,
    with an interpreter or not, and by when. Never the antenna's private notes."""
    antenna = antenna_or_404(request, antenna_pk)
    _require_charter(request.user)
    day, occurrences, is_ahead = _desk_day(antenna)
    return render(
        request,
        "desk/day_list.html",
        {"antenna": antenna, "day": day, "occurrences": occurrences, "is_ahead": is_ahead},
    )


@require_POST
def attendance(request, pk):
    """Check a person in, mark them as not come, or undo either."""
    booking = get_object_or_404(
        Booking.objects.visible_to(request.user).select_related("slot__occurrence__permanence", "beneficiary"), pk=pk
    )
    _require_charter(request.user)
    # Back to the desk, or to the desk's search the button was pressed in.
    back = next_path(
        request, reverse("desk:today", kwargs={"antenna_pk": booking.slot.occurrence.permanence.antenna_id})
    )
    value = request.POST.get("attendance", "")
    if value not in Attendance.values:
        messages.error(request, _("Nothing was changed: choose “Came”, “Did not come” or “Undo”."))
    elif booking.status != BookingStatus.ACTIVE:
        messages.error(request, _("This booking is cancelled: nothing was changed."))
    else:
        try:
            services.booking_set_attendance(booking=booking, attendance=value, by=request.user)
        except services.BookingRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(back)
        if booking.beneficiary_id:
            access_log_record(
                user=request.user, action=AccessLog.Action.CHANGE, subject=booking, detail={"attendance": value}
            )
        person = str(booking.beneficiary) if booking.beneficiary else _("The anonymous person")
        if value == Attendance.ATTENDED:
            text = _("%(person)s came.")
        elif value == Attendance.NO_SHOW:
            text = _("%(person)s did not come.")
        else:
            text = _("%(person)s is expected again.")
        messages.success(request, text % {"person": person})
    return redirect(back)


def _search(user, text: str):
    if not text:
        return []
    return list(beneficiary_search(user=user, text=text)[:SEARCH_RESULTS])


def walk_in(request, pk):
    """Someone came without an appointment: find them, register them, or keep them anonymous,
    and give them a seat, checked in at once."""
    occurrence = get_object_or_404(
        Occurrence.objects.visible_to(request.user).select_related("permanence__antenna"), pk=pk
    )
    _require_charter(request.user)
    antenna = occurrence.permanence.antenna
    if occurrence.is_cancelled:
        messages.error(request, _("This date is cancelled."))
        return redirect("desk:today", antenna_pk=antenna.pk)
    if occurrence.date > antenna_today(antenna):
        messages.error(request, _("Walk-ins are added on the day they come."))
        return redirect("desk:today", antenna_pk=antenna.pk)
    query = search_text(request)
    # The person chosen from the desk's search, offered at once; someone the user may not see
    # is simply not offered.
    chosen_pk = _id_param(request, "person")
    chosen = (
        list(Beneficiary.objects.visible_to(request.user, per_person=True).filter(pk=chosen_pk)) if chosen_pk else []
    )
    posted_new = request.method == "POST" and "new-slot" in request.POST
    posted_known = request.method == "POST" and not posted_new
    walk_in_form = WalkInForm(request.POST if posted_known else None, occurrence=occurrence, user=request.user)
    new_form = NewPersonForm(request.POST if posted_new else None, occurrence=occurrence, prefix="new")
    form = new_form if posted_new else walk_in_form
    if request.method == "POST" and form.is_valid():
        slot = form.cleaned_data["slot"]
        try:
            if posted_new:
                booking = desk_services.walk_in_create(
                    slot=slot,
                    by=request.user,
                    new_person=new_form.person_fields(),
                    consent_method=new_form.cleaned_data["consent_method"],
                    submission_key=new_form.submission_key,
                )
            else:
                booking = desk_services.walk_in_create(
                    slot=slot,
                    by=request.user,
                    beneficiary=walk_in_form.cleaned_data["person"],
                    submission_key=walk_in_form.submission_key,
                )
        except AlreadySubmitted as sent:
            return first_result_shown(
                request, sent, otherwise=reverse("desk:today", kwargs={"antenna_pk": antenna.pk})
            )
        except desk_services.WalkInRefused as error:
            form.add_error(None, str(error))
        else:
            if booking.beneficiary_id:
                access_log_record(user=request.user, action=AccessLog.Action.CHANGE, subject=booking)
            person = str(booking.beneficiary) if booking.beneficiary else _("An anonymous person")
            messages.success(
                request,
                _("%(person)s is checked in at %(time)s.")
                % {"person": person, "time": f"{slot.starts_at.astimezone(ZoneInfo(antenna.time_zone)):%H:%M}"},
            )
            return redirect("desk:today", antenna_pk=antenna.pk)
    return render(
        request,
        "desk/walk_in.html",
        {
            "antenna": antenna,
            "occurrence": occurrence,
            "query": query,
            "people": chosen or _search(request.user, query),
            "chosen": bool(chosen),
            "walk_in_form": walk_in_form,
            "new_form": new_form,
        },
    )


def _log_subject(request, antenna: Antenna) -> tuple[Booking | None, Occurrence | None]:
    """What a session log is about: a booking, a date, or neither (?booking= or ?occurrence=)."""
    booking_pk, occurrence_pk = _id_param(request, "booking"), _id_param(request, "occurrence")
    if booking_pk is not None:
        booking = get_object_or_404(
            Booking.objects.visible_to(request.user)
            .active()
            .filter(slot__occurrence__permanence__antenna=antenna)
            .select_related("slot__occurrence__permanence__antenna", "beneficiary", "liaison_sheet"),
            pk=booking_pk,
        )
        return booking, None
    if occurrence_pk is not None:
        occurrence = get_object_or_404(
            Occurrence.objects.filter(permanence__antenna=antenna).select_related("permanence__antenna"),
            pk=occurrence_pk,
        )
        return None, occurrence
    return None, None


def log_create(request, antenna_pk):
    """Log a session, from a booking, from a date, or on its own."""
    antenna = antenna_or_404(request, antenna_pk)
    _require_charter(request.user)
    booking, occurrence = _log_subject(request, antenna)
    person = booking.beneficiary if booking and not booking.slot.occurrence.permanence.is_workshop else None
    previous_logs: list[SessionLog] = []
    if person is not None:
        previous_logs = list(
            SessionLog.objects.filter(antenna=antenna, beneficiary=person)
            .prefetch_related("topics", "volunteers")
            .order_by("-date", "-created_at")[:PREVIOUS_SESSIONS]
        )
    form = SessionLogForm(
        request.POST or None,
        antenna=antenna,
        user=request.user,
        occurrence=occurrence,
        booking=booking,
        last_log=previous_logs[0] if previous_logs else None,
        same_as_last=request.GET.get("same") == "1",
    )
    if form.booking:
        existing = SessionLog.objects.filter(booking=form.booking).first()
        if existing:
            messages.info(request, _("This session is already logged."))
            return redirect("desk:log_detail", pk=existing.pk)
    if form.is_valid():
        try:
            log = desk_services.session_log_record(
                antenna=antenna,
                fields=form.session_log_fields(),
                volunteers=form.cleaned_data["volunteers"],
                topics=form.cleaned_data["topics"],
                participants=form.cleaned_data.get("participants", []),
                voucher_numbers=form.cleaned_data["vouchers"],
                by=request.user,
                submission_key=form.submission_key,
            )
        except AlreadySubmitted as sent:
            return first_result_shown(
                request,
                sent,
                result_url=lambda result: reverse("desk:log_detail", kwargs={"pk": result.pk}),
                otherwise=reverse("desk:today", kwargs={"antenna_pk": antenna.pk}),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            access_log_record(user=request.user, action=AccessLog.Action.CHANGE, subject=log)
            messages.success(request, _("The session is logged."))
            if log.beneficiary_id and log.outcome == Outcome.TO_CONTINUE:
                # To be continued: the next appointment is best taken while the person is here.
                return redirect("desk:next_appointment", antenna_pk=antenna.pk, beneficiary_pk=log.beneficiary_id)
            return redirect("desk:today", antenna_pk=antenna.pk)
    if form.beneficiary:
        # The person's previous sessions are shown: a read of their history.
        access_log_record(user=request.user, action=AccessLog.Action.VIEW, subject=form.beneficiary)
    return render(
        request,
        "desk/log_form.html",
        {"antenna": antenna, "form": form, "previous_logs": previous_logs},
    )


def _next_slots(antenna: Antenna, person: Beneficiary, day: datetime.date) -> list[Slot]:
    """The first free slots of the antenna's drop-in permanences from a day on (tomorrow at the
    earliest: the person is here today), where the person holds no seat yet."""
    slots = free_slots(
        antenna=antenna,
        date_from=day,
        date_to=day + datetime.timedelta(weeks=NEXT_APPOINTMENT_WEEKS),
        kind=PermanenceKind.DROP_IN,
    ).exclude(bookings__in=Booking.objects.active().filter(beneficiary=person))
    return list(slots[:NEXT_APPOINTMENT_SLOTS])


def _day_param(value: str, *, today: datetime.date) -> datetime.date:
    """The day the offered slots start from: today, or a later day the page links to; anything
    else (a malformed or past day, one beyond the horizon) is today."""
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return today
    return day if today <= day <= today + datetime.timedelta(days=366) else today


def next_appointment(request, antenna_pk, beneficiary_pk):
    """A person's next appointment at this antenna, booked from the desk: the first free slots,
    one button each, and the appointments the person already holds here."""
    antenna = antenna_or_404(request, antenna_pk)
    _require_charter(request.user)
    person = get_object_or_404(Beneficiary.objects.visible_to(request.user, per_person=True), pk=beneficiary_pk)
    today = antenna_today(antenna)
    if request.method == "POST":
        return _next_appointment_book(request, antenna, person, today)
    day = _day_param(request.GET.get("from", ""), today=today + datetime.timedelta(days=1))
    slots = _next_slots(antenna, person, day)
    upcoming = list(
        Booking.objects.active()
        .filter(
            beneficiary=person,
            attendance=Attendance.EXPECTED,
            slot__starts_at__gt=timezone.now(),
            slot__occurrence__permanence__antenna=antenna,
        )
        .select_related("slot__occurrence__permanence")
        .order_by("slot__starts_at")
    )
    later = slots[-1].occurrence.date + datetime.timedelta(days=1) if len(slots) == NEXT_APPOINTMENT_SLOTS else None
    return render(
        request,
        "desk/next_appointment.html",
        {
            "antenna": antenna,
            "person": person,
            "slots": slots,
            "upcoming": upcoming,
            "form": NextAppointmentForm(slots=Slot.objects.none()),
            "day": day,
            "later": later,
            "tomorrow": today + datetime.timedelta(days=1),
        },
    )


def _next_appointment_book(request, antenna: Antenna, person: Beneficiary, today: datetime.date):
    """The slot chosen for the next appointment, booked; any free drop-in slot of the antenna
    ahead is accepted (the page may have shown a later week)."""
    history = reverse("desk:person_history", kwargs={"antenna_pk": antenna.pk, "beneficiary_pk": person.pk})
    form = NextAppointmentForm(
        request.POST,
        slots=free_slots(
            antenna=antenna,
            date_from=today,
            date_to=today + datetime.timedelta(days=366),
            kind=PermanenceKind.DROP_IN,
        ),
    )
    if not form.is_valid():
        for error in form["slot"].errors:
            messages.error(request, str(error))
        return redirect(request.get_full_path())
    try:
        booking = desk_services.follow_up_book(
            beneficiary=person, slot=form.cleaned_data["slot"], by=request.user, submission_key=form.submission_key
        )
    except AlreadySubmitted as sent:
        return first_result_shown(request, sent, otherwise=history)
    except services.BookingRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(request.get_full_path())
    access_log_record(user=request.user, action=AccessLog.Action.CHANGE, subject=booking)
    start = booking.slot.starts_at.astimezone(ZoneInfo(antenna.time_zone))
    messages.success(
        request,
        _("Next appointment booked: %(date)s at %(time)s.")
        % {"date": date_format(start, "l j F Y"), "time": date_format(start, "H:i")},
    )
    return redirect(history)


def log_list(request, antenna_pk):
    """The antenna's session logs, newest first."""
    antenna = antenna_or_404(request, antenna_pk)
    # Counted in a subquery rather than by grouping the whole list: a page is then read
    # straight from the (antenna, date) index and stops after its last row.
    # django-stubs does not see annotate()'s "count" on an auto-created through model.
    participants = (
        SessionLog.participants.through.objects.filter(sessionlog_id=OuterRef("pk"))  # type: ignore[misc]
        .order_by()
        .values("sessionlog_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    logs = (
        SessionLog.objects.filter(antenna=antenna)
        .select_related("beneficiary")
        .prefetch_related("topics")
        .annotate(participant_count=Coalesce(Subquery(participants), 0))
    )
    return render(
        request,
        "desk/log_list.html",
        {
            "antenna": antenna,
            # Newest first, page after page by keyset: a busy antenna logs thousands a year.
            **newest_first_page_of(request, logs, "date"),
            "can_see_people": request.user.has_signed_charter,
        },
    )


def _label(choices, value: str) -> str:
    return choices(value).label if value in choices.values else ""


def log_detail(request, pk):
    """One session log with everything in it; only the antenna's team and admins reach it."""
    log = get_object_or_404(
        SessionLog.objects.visible_to(request.user)
        .select_related("antenna", "beneficiary", "occurrence__permanence", "created_by")
        .prefetch_related("topics", "volunteers", "participants", "vouchers"),
        pk=pk,
    )
    equipment = [label for name, label in EQUIPMENT_CHOICES if getattr(log, name)]
    if request.user.has_signed_charter:
        access_log_record(user=request.user, action=AccessLog.Action.VIEW, subject=log)
    return render(
        request,
        "desk/log_detail.html",
        {
            "log": log,
            "antenna": log.antenna,
            "equipment": equipment,
            "age_bracket": _label(AgeBracket, log.age_bracket),
            "gender": _label(Gender, log.gender),
            "social_status": _label(SocialStatus, log.social_status),
            "can_see_people": request.user.has_signed_charter,
        },
    )


def person_history(request, antenna_pk, beneficiary_pk):
    """A person's sessions and bookings at this antenna, to pick up where the last one ended."""
    antenna = antenna_or_404(request, antenna_pk)
    _require_charter(request.user)
    person = get_object_or_404(Beneficiary.objects.visible_to(request.user, per_person=True), pk=beneficiary_pk)
    logs = list(
        SessionLog.objects.filter(antenna=antenna)
        .filter(Q(beneficiary=person) | Q(participants=person))
        .distinct()
        .prefetch_related("topics")
        .order_by("-date", "-created_at")
    )
    bookings = list(
        Booking.objects.filter(beneficiary=person, slot__occurrence__permanence__antenna=antenna)
        .select_related("slot__occurrence__permanence")
        .order_by("-slot__starts_at")
    )
    now = timezone.now()
    booked_ahead = any(booking.status == BookingStatus.ACTIVE and booking.slot.starts_at > now for booking in bookings)
    access_log_record(user=request.user, action=AccessLog.Action.VIEW, subject=person, detail={"antenna": antenna.pk})
    return render(
        request,
        "desk/person_history.html",
        {
            "antenna": antenna,
            "person": person,
            "logs": logs,
            "bookings": bookings,
            # To be continued and nothing booked yet: the next appointment is the thing to do.
            "to_continue": bool(logs) and logs[0].outcome == Outcome.TO_CONTINUE and not booked_ahead,
        },
    )
