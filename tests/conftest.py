import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from tests.reference_data import reference_data_load


@pytest.fixture(autouse=True)
def _database_and_language(db):
    """Every test runs on the PostgreSQL test database, in French unless it says otherwise."""
    assert connection.vendor == "postgresql"
    with translation.override("fr"):
        yield


@pytest.fixture(autouse=True)
def _exports_in_the_tests_folder(settings, tmp_path_factory):
    """Prepared exports are written to a folder of the test run's, never to the checkout's."""
    settings.EXPORTS_DIR = tmp_path_factory.mktemp("exports")


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


@pytest.fixture(scope="module")
def reference_data_restored(django_db_blocker):
    """A transactional test empties every table when it ends, the topics and languages that
    migrations load included: put them back once the module is done, for what runs next (and
    for --reuse-db runs). The loaders update or create, so running them is always safe."""
    yield
    with django_db_blocker.unblock():
        reference_data_load()
