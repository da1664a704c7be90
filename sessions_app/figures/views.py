"""Figures pages: the numbers of a scope over a period, and the funders' one-page summary.

Charts are inline SVG drawn here and in the templates: the site runs no JavaScript. Each chart
is followed by the table of its numbers, which is what screen readers and copy-paste use.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from inclusion.core.db_routers import use_replica
from inclusion.core.models import Antenna, Organization
from sessions_app.figures.figures import DEFINITIONS, Figures, Row, figures_compute
from sessions_app.figures.reporting import (
    PERIOD_CHOICES,
    Period,
    PeriodError,
    Scope,
    period_from_query,
    period_named,
    scope_for,
)

CHART_WIDTH = 320
# Drawn at one and a half times the coordinates, and shrunk to fit a narrow phone.
CHART_SCALE = 1.5
HBAR_ROW = 36
HBAR_VALUE_ROOM = 64
HBAR_LABEL_CHARS = 48
VBAR_HEIGHT = 150
VBAR_TOP = 16
VBAR_BOTTOM = 32
# Beyond a year of months, names would overlap: only the years are written under the bars.
VBAR_MONTH_NAMES_UP_TO = 12


def _number(value: float) -> str:
    # SVG coordinates, written with a dot whatever the language (the template would localize them).
    return f"{value:.1f}"


def _sized(chart: dict) -> dict:
    chart["display_width"] = round(chart["width"] * CHART_SCALE)
    chart["display_height"] = round(chart["height"] * CHART_SCALE)
    return chart


def hbar_chart(rows: list[Row]) -> dict:
    """Horizontal bars, one row per line: the label above, the bar and its count below."""
    largest = max((row.count for row in rows), default=0)
    room = CHART_WIDTH - HBAR_VALUE_ROOM
    bars = []
    for index, row in enumerate(rows):
        top = index * HBAR_ROW
        width = room * row.count / largest if largest else 0
        bars.append(
            {
                "label": Truncator(str(row.label)).chars(HBAR_LABEL_CHARS),
                "count": row.count,
                "label_y": _number(top + 14),
                "bar_y": _number(top + 19),
                "width": _number(max(width, 1 if row.count else 0)),
                "value_x": _number(width + 4),
                "value_y": _number(top + 30),
            }
        )
    return _sized({"width": CHART_WIDTH, "height": max(len(rows) * HBAR_ROW, HBAR_ROW), "bars": bars})


def vbar_chart(months) -> dict:
    """Vertical bars, one per month, with its count above when there is room."""
    largest = max((month.sessions for month in months), default=0)
    slot = CHART_WIDTH / max(len(months), 1)
    with_names = len(months) <= VBAR_MONTH_NAMES_UP_TO
    room = VBAR_HEIGHT - VBAR_TOP - VBAR_BOTTOM
    baseline = VBAR_HEIGHT - VBAR_BOTTOM
    bars = []
    for index, month in enumerate(months):
        height = room * month.sessions / largest if largest else 0
        x = index * slot
        bars.append(
            {
                "month": month.month,
                "count": month.sessions,
                "x": _number(x + slot * 0.15),
                "y": _number(baseline - height),
                "width": _number(slot * 0.7),
                "height": _number(height),
                "center": _number(x + slot / 2),
                "value_y": _number(baseline - height - 3),
                "show_value": with_names,
                "show_year": index == 0 or month.month.month == 1,
            }
        )
    return _sized(
        {
            "width": CHART_WIDTH,
            "height": VBAR_HEIGHT,
            "baseline": _number(baseline),
            "name_y": _number(baseline + 13),
            "year_y": _number(baseline + 27),
            "with_names": with_names,
            "bars": bars,
        }
    )


def _period(request, scope: Scope) -> tuple[Period | None, str]:
    """The period of the query string, or why it cannot be used."""
    try:
        period = period_from_query(request.GET, today=scope.today())
        period.months()
    except PeriodError as error:
        return None, str(error)
    except OverflowError:
        # The last month of the year 9999 has no month after it for the calendar to step to.
        return None, _("The period must end before the year 9999.")
    return period, ""


def _scope_choices(request, scope: Scope) -> dict:
    """Admins switch between everything, an organization and an antenna: every organization,
    and the antennas of the organization shown (or of the antenna's), a thousand links across
    the country being no list to choose from."""
    if not request.user.is_admin:
        return {"organizations": [], "antennas": []}
    organization = scope.organization or (scope.antenna.organization if scope.antenna else None)
    antennas: QuerySet[Antenna] = Antenna.objects.none()
    if organization is not None:
        antennas = Scope("organization", organization=organization).antennas()
    return {
        "organizations": Organization.objects.order_by("name"),
        "antennas": antennas.select_related("organization").order_by("name", "pk"),
        "antennas_of": organization,
    }


def _period_form(request, period: Period | None) -> dict:
    """The period's fields as the page shows them: the dates of the period chosen, whether named
    (this month…) or custom; what was typed when it cannot be used."""
    if period is not None:
        return {"key": period.key, "start": period.start.isoformat(), "end": period.end.isoformat()}
    return {
        "key": request.GET.get("periode", ""),
        "start": request.GET.get("du", ""),
        "end": request.GET.get("au", ""),
    }


def _period_choices(scope: Scope) -> list[dict]:
    """Each named period with its dates, which figures_period.js puts in the date fields as soon
    as it is chosen; the page shows them anyway once sent."""
    today = scope.today()
    choices = []
    for key, label in PERIOD_CHOICES:
        named = None if key == "custom" else period_named(key, today)
        choices.append(
            {
                "key": key,
                "label": label,
                "start": named.start.isoformat() if named else "",
                "end": named.end.isoformat() if named else "",
            }
        )
    return choices


@require_safe
def home(request):
    """The figures the user most likely wants: everything for admins, else their first antenna."""
    user = request.user
    if user.is_admin:
        return redirect("figures:figures", scope="tout", pk=0)
    antenna = Antenna.objects.managed_by(user).order_by("name", "pk").first()
    if antenna is None:
        raise PermissionDenied
    return redirect("figures:figures", scope="antenne", pk=antenna.pk)


@require_safe
def figures(request, scope, pk):
    scope = scope_for(request.user, scope, pk)
    period, error = _period(request, scope)
    result: Figures | None = None
    if period:
        with use_replica():
            result = figures_compute(scope=scope, period=period)
    charts = {}
    if result is not None:
        charts = {
            "themes": hbar_chart(result.themes),
            "subthemes": hbar_chart(result.subthemes),
            "channels": hbar_chart(result.bookings.by_channel),
            "months": vbar_chart(result.months),
        }
    return render(
        request,
        "figures/figures.html",
        {
            "scope": scope,
            "scope_kwargs": scope.url_kwargs,
            "period": period,
            "period_error": error,
            "period_form": _period_form(request, period),
            "period_choices": _period_choices(scope),
            "figures": result,
            "charts": charts,
            "definitions": DEFINITIONS,
            **_scope_choices(request, scope),
        },
    )


@require_safe
def summary(request, scope, pk):
    """One printable page for funders, in French whatever the interface language (the topics'
    labels, read when the figures are computed, too)."""
    scope = scope_for(request.user, scope, pk)
    with translation.override("fr"):
        period, error = _period(request, scope)
        result = None
        if period:
            with use_replica():
                result = figures_compute(scope=scope, period=period)
    return render(
        request,
        "figures/summary.html",
        {
            "scope": scope,
            "scope_kwargs": scope.url_kwargs,
            "period": period,
            "period_error": error,
            "figures": result,
            "definitions": DEFINITIONS,
            "today": scope.today(),
        },
    )
