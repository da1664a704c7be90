"""French typography of dates in every template: « 1er » for the first of a month."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation


def _render(text, **context):
    return Template(text).render(Context(context))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 12, 1), "mardi 1er décembre 2026"),
        (datetime.date(2026, 12, 11), "vendredi 11 décembre 2026"),
        (datetime.date(2026, 12, 21), "lundi 21 décembre 2026"),
        (datetime.date(2027, 1, 31), "dimanche 31 janvier 2027"),
        (datetime.date(2027, 8, 1), "dimanche 1er août 2027"),
    ],
)
def test_the_first_of_a_month_is_written_1er_in_french(day, expected):
    assert _render('{{ day|date:"l j F Y" }}', day=day) == expected


def test_other_languages_and_formats_are_left_as_django_writes_them():
    day = datetime.date(2026, 12, 1)
    assert _render('{{ day|date:"d/m/Y" }}', day=day) == "01/12/2026"
    with translation.override("en"):
        assert _render('{{ day|date:"j F Y" }}', day=day) == "1 December 2026"
    assert _render('{{ day|date:"j F Y" }}', day=None) == ""


def test_a_page_writes_it_too(client):
    from django.urls import reverse

    from tests.core.factories import AntennaFactory
    from tests.scheduling.factories import ClosureFactory

    antenna = AntennaFactory()
    ClosureFactory(
        antenna=antenna, starts_on=datetime.date(2027, 3, 1), ends_on=datetime.date(2027, 3, 7), reason="Travaux"
    )
    response = client.get(reverse("public:antenna_detail", args=[antenna.pk]))
    assert "1er mars 2027" in response.content.decode()
