import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation


@pytest.fixture(autouse=True)
def _database_and_language(db):
    """Every test runs on the PostgreSQL test database, in French unless it says otherwise."""
    assert connection.vendor == "postgresql"
    with translation.override("fr"):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache is a real Redis shared by the tests: a test must not inherit another's log-in failures."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def log_in(client):
    """Log a user in on the test client and return the client."""

    def _log_in(user):
        client.force_login(user)
        return client

    return _log_in
