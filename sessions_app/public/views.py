"""Pages and feeds for the public, without an account: where to find help, when, and the same
data as an iCal feed and as open data in the national schema of digital-mediation places; and
the page of an appointment sent to its person, opened from the link in their SMS or e-mail."""

import csv
import datetime
import itertools

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from inclusion.core.clock import antenna_today
from inclusion.core.departments import DEPARTMENTS
from inclusion.core.models import Antenna
from inclusion.core.querystrings import page_of, search_text
from sessions_app.bookings.cards import card_qr_code, card_sections
from sessions_app.reminders.notices import card_booking
from sessions_app.scheduling.calendars import FeedDayEvent, FeedEvent, calendar_feed
from sessions_app.scheduling.enums import BookingMode, OccurrenceStatus, PermanenceKind
from sessions_app.scheduling.models import Closure, Occurrence, Permanence
from sessions_app.scheduling.opening_hours import opening_hours

NEXT_OPENINGS = 3
UPCOMING_WEEKS = 8
FEED_PAST_DAYS = 30
# "Schéma de données des lieux de médiation numérique", version 1.0 (LaMednum/standard-mediation-num,
# published on schema.data.gouv.fr): every column, in the schema's order, so validators accept the file.
OPEN_DATA_FIELDS = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
]
# The schema separates the values of a multi-valued field with a vertical bar.
OPEN_DATA_SEPARATOR = "|"
# The schema's vocabularies are French whatever the interface language.
SERVICES_BY_KIND: dict[str, list[str]] = {
    PermanenceKind.DROP_IN: ["Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien"],
    PermanenceKind.WORKSHOP: ["Maîtrise des outils numériques du quotidien"],
}
SUPPORT_BY_KIND: dict[str, str] = {
    PermanenceKind.DROP_IN: "Accompagnement individuel",
    PermanenceKind.WORKSHOP: "Dans un atelier collectif",
}
OPEN_DATA_SOURCE = "Permanences numériques"


def _now() -> datetime.datetime:
    # The single source of "now" for these views, so a test can place the feed's 30-day window
    # around the dates it generated without freezing the clock of the whole process.
    return timezone.now()


def _current_permanences(today: datetime.date):
    """Active permanences that have not ended: the ones a visitor can still come to."""
    return (
        Permanence.objects.current()
        .filter(is_active=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .order_by("weekday", "start_time")
    )


def _closures_from(antenna: Antenna, day: datetime.date) -> list[Closure]:
    """The antenna's closures (its own and its current permanences') not over by that day, in date order."""
    return list(
        Closure.objects.filter(antenna=antenna, ends_on__gte=day)
        .exclude(permanence__archived_at__isnull=False)
        .select_related("permanence")
        .order_by("starts_on", "ends_on", "pk")
    )


@login_not_required
@require_safe
def antenna_list(request: HttpRequest) -> HttpResponse:
    now = _now()
    department_codes = list(
        Antenna.objects.active().order_by("department_code").values_list("department_code", flat=True).distinct()
    )
    filters = {
        "q": search_text(request),
        "department": request.GET.get("departement", ""),
    }
    antennas = Antenna.objects.active().select_related("organization").order_by("department_code", "city", "name")
    if filters["q"]:
        antennas = antennas.filter(
            Q(name__icontains=filters["q"]) | Q(city__icontains=filters["q"]) | Q(postcode__startswith=filters["q"])
        )
    if filters["department"] in department_codes:
        antennas = antennas.filter(department_code=filters["department"])
    else:
        filters["department"] = ""
    upcoming = (
        Occurrence.objects.current()
        .filter(
            status=OccurrenceStatus.SCHEDULED,
            ends_at__gt=now,
            starts_at__lt=now + datetime.timedelta(weeks=UPCOMING_WEEKS),
        )
        .order_by("starts_at")
    )
    antennas = antennas.prefetch_related(
        # Through every permanence, not only active ones: a suspended permanence keeps its booked
        # dates (an archived one's are left out).
        Prefetch("permanences__occurrences", queryset=upcoming, to_attr="upcoming_occurrences")
    )
    listing = page_of(request, antennas)
    page = listing["page"]
    for antenna in page:
        occurrences = itertools.chain.from_iterable(
            permanence.upcoming_occurrences for permanence in antenna.permanences.all()
        )
        antenna.next_openings = sorted(occurrences, key=lambda occurrence: occurrence.starts_at)[:NEXT_OPENINGS]
    return render(
        request,
        "public/antenna_list.html",
        {
            **listing,
            "filters": filters,
            "departments": [(code, f"{code} – {DEPARTMENTS.get(code, code)}") for code in department_codes],
        },
    )


@login_not_required
@require_safe
def antenna_detail(request: HttpRequest, pk: int) -> HttpResponse:
    antenna = get_object_or_404(Antenna.objects.active().select_related("organization"), pk=pk)
    now = _now()
    today = antenna_today(antenna, now=now)
    occurrences = (
        Occurrence.objects.current()
        .filter(
            permanence__antenna=antenna,
            ends_at__gt=now,
            starts_at__lt=now + datetime.timedelta(weeks=UPCOMING_WEEKS),
        )
        .select_related("permanence__antenna")
        .order_by("starts_at")
    )
    calendar_url = request.build_absolute_uri(reverse("public:antenna_calendar", args=[antenna.pk]))
    return render(
        request,
        "public/antenna_detail.html",
        {
            "antenna": antenna,
            "permanences": list(_current_permanences(today).filter(antenna=antenna)),
            "occurrences": list(occurrences),
            "closures": _closures_from(antenna, today),
            "today": today,
            "upcoming_weeks": UPCOMING_WEEKS,
            "calendar_url": calendar_url,
            "webcal_url": "webcal://" + calendar_url.split("://", 1)[1],
        },
    )


def _closure_summary(closure: Closure) -> str:
    """What a calendar shows of a closure: why, and which permanence when it closes only one."""
    summary = _("Closed: %(reason)s") % {"reason": closure.reason}
    return f"{summary} – {closure.permanence.title}" if closure.permanence else summary


@login_not_required
@require_safe
def antenna_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    antenna = get_object_or_404(Antenna.objects.active().select_related("organization"), pk=pk)
    since = _now() - datetime.timedelta(days=FEED_PAST_DAYS)
    # The same window as the dates': the closures still running or ahead, and those that ended
    # in the past 30 days, so a closure does not vanish from a calendar the day it ends.
    closures = _closures_from(antenna, antenna_today(antenna, now=since))
    # No upper bound: dates only exist up to the generation horizon, plus the one-off dates a
    # coordinator added further ahead, which subscribers should see too.
    occurrences = list(
        Occurrence.objects.current()
        .filter(permanence__antenna=antenna, starts_at__gte=since)
        .select_related("permanence__antenna")
        .order_by("starts_at")
    )
    feed = calendar_feed(
        product="Public calendar",
        name=f"{antenna.name} – {antenna.organization.name}",
        time_zone=antenna.time_zone,
        events=[
            FeedEvent(
                uid=f"occurrence-{occurrence.pk}@permanences-numeriques",
                summary=occurrence.permanence.title,
                occurrence=occurrence,
                stamp=occurrence.cancelled_at or occurrence.created_at,
                location=antenna.full_address,
                notes=antenna.public_notes,
            )
            for occurrence in occurrences
        ],
        day_events=[
            FeedDayEvent(
                uid=f"closure-{closure.pk}@permanences-numeriques",
                summary=_closure_summary(closure),
                first_day=closure.starts_on,
                last_day=closure.ends_on,
                stamp=closure.created_at,
                location=antenna.full_address,
                notes=_("Concerns: %(what)s")
                % {"what": closure.permanence.title if closure.permanence else _("whole antenna")},
            )
            for closure in closures
        ],
    )
    response = HttpResponse(feed, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{slugify(antenna.name) or "antenne"}-{antenna.pk}.ics"'
    return response


def _open_data_rows(request: HttpRequest) -> list[dict[str, str]]:
    today = timezone.localdate(_now())
    antennas = (
        Antenna.objects.active()
        .select_related("organization")
        .prefetch_related(
            Prefetch(
                "permanences",
                # Only the permanences running today: the export describes the place as it is now.
                queryset=_current_permanences(today).filter(valid_from__lte=today),
                to_attr="current_permanences",
            )
        )
        .order_by("pk")
    )
    return [_open_data_row(request, antenna) for antenna in antennas]


def _open_data_row(request: HttpRequest, antenna: Antenna) -> dict[str, str]:
    # Set by the caller's Prefetch(to_attr=...), which the type checker cannot follow.
    permanences: list[Permanence] = antenna.current_permanences  # type: ignore[attr-defined]
    kinds = {permanence.kind for permanence in permanences}
    services = [service for kind in PermanenceKind.values if kind in kinds for service in SERVICES_BY_KIND[kind]]
    access = []
    if any(permanence.booking_mode == BookingMode.WALK_IN for permanence in permanences):
        access.append("Se présenter")
    if antenna.public_phone:
        access.append("Téléphoner")
    page_url = request.build_absolute_uri(reverse("public:antenna_detail", args=[antenna.pk]))
    row = dict.fromkeys(OPEN_DATA_FIELDS, "")
    row.update(
        {
            "id": f"antenne-{antenna.pk}",
            "nom": antenna.name,
            "commune": antenna.city,
            "code_postal": antenna.postcode,
            "adresse": antenna.address,
            # Stored as E.164 already, the form the schema asks for.
            "telephone": antenna.public_phone,
            "site_web": page_url,
            "horaires": opening_hours(permanences),
            "presentation_resume": Truncator(antenna.public_notes).chars(280),
            # The schema has no free-text accessibility field (only a link to an acceslibre
            # page): the notes go with the detailed presentation so they are not lost.
            "presentation_detail": "\n\n".join(
                text for text in (antenna.public_notes, antenna.accessibility_notes) if text
            ),
            "source": OPEN_DATA_SOURCE,
            "itinerance": "Fixe",
            "structure_parente": antenna.organization.name,
            "date_maj": timezone.localdate(antenna.updated_at).isoformat(),
            "services": OPEN_DATA_SEPARATOR.join(dict.fromkeys(services)),
            "frais_a_charge": "Gratuit",
            "modalites_acces": OPEN_DATA_SEPARATOR.join(access),
            "modalites_accompagnement": OPEN_DATA_SEPARATOR.join(
                SUPPORT_BY_KIND[kind] for kind in PermanenceKind.values if kind in kinds
            ),
            "prise_rdv": page_url,
        }
    )
    return row


@login_not_required
@require_safe
def export_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        # A JSON reader tells "no value" by null, not by an empty string (latitude is a number).
        [{field: value or None for field, value in row.items()} for row in _open_data_rows(request)],
        safe=False,
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )


@login_not_required
@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    # The schema's naming advice: date of the file, then what it holds.
    filename = f"{timezone.localdate(_now()):%Y%m%d}_lieux-de-mediation-numerique.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.DictWriter(response, fieldnames=OPEN_DATA_FIELDS)
    writer.writeheader()
    writer.writerows(_open_data_rows(request))
    return response


@login_not_required
@require_safe
def appointment(request: HttpRequest, token: str) -> HttpResponse:
    """The appointment a link sent to its person opens: the card without the person's name or
    their referrer, while the appointment is active and not over; else a 404."""
    booking = card_booking(token)
    if booking is None or booking.liaison_sheet is None:
        raise Http404
    sheet = booking.liaison_sheet
    response = render(
        request,
        "public/appointment.html",
        {
            "antenna": booking.slot.occurrence.permanence.antenna,
            "reference": sheet.reference,
            "sections": card_sections(booking),
            "qr_code": card_qr_code(sheet.reference),
        },
    )
    # Whoever holds the address holds the appointment: no cache may keep the page, no link or
    # resource on it may carry the address away in a Referer, and no search engine may list it.
    patch_cache_control(response, no_store=True, private=True)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
