"""An organization without any antenna yet has figures, all nought, and its pages answer."""

import datetime

import pytest
from django.urls import reverse

from sessions_app.figures.figures import figures_compute
from sessions_app.figures.reporting import Period, Scope
from tests.core.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

JANUARY = Period(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))


def test_an_organization_without_antennas_has_figures_of_nought():
    figures = figures_compute(scope=Scope("organization", organization=OrganizationFactory()), period=JANUARY)
    assert (figures.sessions.total, figures.people.helped, figures.people.new) == (0, 0, 0)


@pytest.mark.parametrize(
    ("name", "fmt"), [("figures:figures", None), ("figures:summary", None), ("exports:sessions", "csv")]
)
def test_its_pages_and_export_answer(client, name, fmt):
    client.force_login(UserFactory(admin=True))
    kwargs = {"scope": "structure", "pk": OrganizationFactory().pk, **({"fmt": fmt} if fmt else {})}
    response = client.get(reverse(name, kwargs=kwargs), {"periode": "custom", "du": "2026-01-01", "au": "2026-01-31"})
    assert response.status_code == 200
    if fmt:
        assert len(b"".join(response.streaming_content).decode().splitlines()) == 1
