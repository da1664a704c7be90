"""The X-Query-Count header the benchmark reads, on only when QUERY_COUNT_HEADER asks for it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.core.factories import UserFactory

COUNTER = "inclusion.core.middleware.QueryCountHeaderMiddleware"


@pytest.mark.django_db
def test_header_counts_every_query_of_the_request(client, settings):
    settings.MIDDLEWARE = [COUNTER, *settings.MIDDLEWARE]
    client.force_login(UserFactory(coordinator=True))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("inclusion:profile"))
    assert response.status_code == 200
    # The session and the user are loaded by middleware: they count too.
    assert int(response["X-Query-Count"]) == len(queries) >= 3


@pytest.mark.django_db
def test_header_absent_unless_asked_for(client, settings):
    assert COUNTER not in settings.MIDDLEWARE
    client.force_login(UserFactory())
    response = client.get(reverse("inclusion:profile"))
    assert response.status_code == 200
    assert "X-Query-Count" not in response
