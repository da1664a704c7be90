"""Every error a person can meet is a page of the site, in French (in English when they chose it),
saying what to do next, with the right status; none of them needs the database."""

import psycopg
import psycopg.errors
import pytest
from django.db import OperationalError, connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test import Client
from django.urls import reverse

from inclusion.core import error_pages
from sessions_app.public import views as public_views
from tests.core.factories import AntennaFactory, UserFactory
from tests.test_two_servers import _get, servers  # noqa: F401 (servers is a fixture, used by name)

PASSWORD = "un mot de passe solide"


def _fails(exception):
    def _now():
        raise exception

    return _now


def _database_gone():
    """What Django raises when psycopg cannot reach the server: its own error, caused by psycopg's."""
    try:
        raise psycopg.OperationalError("connection failed: Connection refused")
    except psycopg.OperationalError as cause:
        raise OperationalError("connection failed: Connection refused") from cause


def _bad_request(client, monkeypatch):
    return client.get("/lieux/", HTTP_HOST="not-this-site.example")


def _not_allowed(client, monkeypatch):
    antenna = AntennaFactory()
    client.force_login(UserFactory(volunteer=True, membership__antenna=antenna))
    return client.post(reverse("inclusion:antenna_update", args=[antenna.pk]), {"name": "Renommée"})


def _form_expired(client, monkeypatch):
    client.handler.enforce_csrf_checks = True
    return client.post(reverse("login"), {"username": "antoine@example.org", "password": PASSWORD})


def _not_found(client, monkeypatch):
    return client.get("/nulle-part/")


def _wrong_method(client, monkeypatch):
    return client.post(reverse("healthz"))


def _too_large(client, monkeypatch):
    return client.post(reverse("login"), {"username": "antoine@example.org", "password": "x" * 3_000_000})


def _address_too_long(client, monkeypatch):
    return client.get("/lieux/?q=" + "x" * 9000)


def _header_too_large(client, monkeypatch):
    return client.get("/lieux/", HTTP_X_WHATEVER="x" * 9000)


def _too_many_attempts(client, monkeypatch):
    UserFactory(email="antoine@example.org")
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "antoine@example.org", "password": "faux"})
    return response


def _server_error(client, monkeypatch):
    monkeypatch.setattr(public_views, "_now", _fails(RuntimeError("boom")))
    client.raise_request_exception = False
    return client.get(reverse("public:antenna_list"))


def _database_unavailable(client, monkeypatch):
    monkeypatch.setattr(public_views, "_now", _database_gone)
    client.raise_request_exception = False
    return client.get(reverse("public:antenna_list"))


PAGES = [
    # status, how to meet it, French heading and next step, English heading and next step
    (
        400,
        _bad_request,
        ("Demande incomprise", "Revenez à la page précédente et réessayez."),
        ("Request not understood", "Go back to the previous page and try again."),
    ),
    (
        403,
        _not_allowed,
        ("Accès non autorisé", "Revenez à la page précédente, ou repartez de la page d'accueil."),
        ("Not allowed", "Go back to the previous page, or start again from the home page."),
    ),
    (
        403,
        _form_expired,
        ("Formulaire expiré", "Revenez en arrière, rechargez la page"),
        ("Form expired", "Go back, reload the page"),
    ),
    (
        404,
        _not_found,
        ("Page introuvable", "Vérifiez l'adresse, ou repartez de la page d'accueil."),
        ("Page not found", "Check the address, or start again from the home page."),
    ),
    (
        405,
        _wrong_method,
        ("Cette page ne s'ouvre pas ainsi", "Revenez à la page précédente et utilisez ses boutons."),
        ("This page cannot be opened this way", "Go back to the previous page and use its buttons."),
    ),
    (
        413,
        _too_large,
        ("Envoi trop volumineux", "raccourcissez ce que vous avez écrit"),
        ("Too much sent", "shorten what you wrote"),
    ),
    (
        414,
        _address_too_long,
        ("Adresse trop longue", "Repartez de la page d'accueil"),
        ("Address too long", "Start again from the home page"),
    ),
    (
        429,
        _too_many_attempts,
        ("Trop de tentatives", "Attendez 15 minutes, puis réessayez."),
        ("Too many attempts", "Wait 15 minutes, then try again."),
    ),
    (
        431,
        _header_too_large,
        ("Trop d'informations envoyées", "Supprimez les cookies de ce site"),
        ("Too much information sent", "Delete this site's cookies"),
    ),
    (
        500,
        _server_error,
        ("Une erreur est survenue", "Réessayez dans un instant."),
        ("Something went wrong", "Try again in a moment."),
    ),
    (
        503,
        _database_unavailable,
        ("Site momentanément indisponible", "Réessayez dans quelques minutes."),
        ("Site unavailable for a moment", "Try again in a few minutes."),
    ),
]


def _text(response) -> str:
    # The templates write apostrophes as they are; Django's escaping turns them into &#x27;.
    return response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize(("status", "meet", "french", "english"), PAGES, ids=[meet.__name__ for _s, meet, *_ in PAGES])
def test_each_error_is_a_page_of_the_site_in_french_saying_what_to_do_next(
    client, monkeypatch, status, meet, french, english
):
    response = meet(client, monkeypatch)

    assert response.status_code == status
    assert response["Content-Type"] == "text/html; charset=utf-8"
    text = _text(response)
    assert '<html lang="fr"' in text
    assert "Permanences numériques" in text and "/static/css/app.css" in text
    heading, next_step = french
    assert f'<h1 class="h2 mb-4">{heading}</h1>' in text
    assert next_step in text
    assert english[0] not in text


@pytest.mark.parametrize(("status", "meet", "french", "english"), PAGES, ids=[meet.__name__ for _s, meet, *_ in PAGES])
def test_each_error_page_is_in_english_for_whoever_chose_english(client, monkeypatch, status, meet, french, english):
    client.cookies["django_language"] = "en"

    response = meet(client, monkeypatch)

    assert response.status_code == status
    text = _text(response)
    assert '<html lang="en"' in text
    heading, next_step = english
    assert f'<h1 class="h2 mb-4">{heading}</h1>' in text
    assert next_step in text


def test_a_wrong_method_keeps_its_allow_header_and_the_other_headers(client):
    client.force_login(UserFactory())

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"
    assert "Cette page ne s'ouvre pas ainsi" in _text(response)
    # Set by the middleware inside the one that writes the page: a signed-in page stays out of caches.
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert int(response["Content-Length"]) == len(response.content)
    assert client.post(reverse("healthz"))["Allow"] == "GET, HEAD"


def test_a_body_over_the_upload_limit_is_413_not_400(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(reverse("login"), {"username": "antoine@example.org", "password": "x" * 1001})
    assert response.status_code == 413
    # Just under the limit, the form is read and answered as usual.
    response = client.post(reverse("login"), {"username": "antoine@example.org", "password": "x" * 900})
    assert response.status_code == 200


def test_an_address_or_a_header_is_refused_only_beyond_8190_characters(client):
    assert client.get("/lieux/?q=" + "x" * (8190 - len("/lieux/?q="))).status_code == 200
    assert client.get("/lieux/?q=" + "x" * (8191 - len("/lieux/?q="))).status_code == 414
    assert client.get("/lieux/", HTTP_X_WHATEVER="x" * (8190 - len("X-Whatever: "))).status_code == 200
    assert client.get("/lieux/", HTTP_X_WHATEVER="x" * (8191 - len("X-Whatever: "))).status_code == 431


def test_the_pages_of_a_failing_database_render_without_it(rf, django_db_blocker):
    statuses = []
    with django_db_blocker.block():
        for failure in (RuntimeError("boom"), None):
            try:
                if failure is None:
                    _database_gone()
                raise failure
            except Exception:
                response = error_pages.server_error(rf.get("/lieux/"))
            statuses.append(response.status_code)
            assert "<h1" in response.content.decode()
    assert statuses == [500, 503]


def test_a_lock_or_a_timeout_is_not_taken_for_a_database_that_is_down():
    timeouts = [psycopg.errors.LockNotAvailable("lock timeout"), psycopg.errors.QueryCanceled("statement timeout")]
    for error in timeouts:
        try:
            raise OperationalError(str(error)) from error
        except OperationalError as wrapped:
            assert not error_pages.database_unavailable(wrapped)


def test_a_server_that_is_out_of_reach_down_or_starting_is_unavailable():
    failures = [
        psycopg.OperationalError("connection failed: Connection refused"),
        psycopg.errors.ConnectionTimeout("connection timeout expired"),
        psycopg.OperationalError("the connection is closed"),
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        psycopg.errors.TooManyConnections("sorry, too many clients already"),
    ]
    for error in failures:
        try:
            raise OperationalError(str(error)) from error
        except OperationalError as wrapped:
            assert error_pages.database_unavailable(wrapped), error


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored")
def test_a_database_that_refuses_connections_gives_the_503_page(monkeypatch):
    def refuse(self, conn_params):
        raise psycopg.OperationalError("connection failed: Connection refused")

    connection.close()
    monkeypatch.setattr(DatabaseWrapper, "get_new_connection", refuse)

    response = Client(raise_request_exception=False).get(reverse("public:antenna_list"))

    assert response.status_code == 503
    assert "Site momentanément indisponible" in _text(response)
    monkeypatch.undo()


@pytest.mark.usefixtures("reference_data_restored")
def test_gunicorn_lets_an_over_long_address_through_to_the_sites_page(servers):  # noqa: F811
    port, _log = servers[0]

    response = _get(port, "/lieux/?q=" + "x" * 10_000)

    assert response.status == 414
    text = response.body.decode().replace("&#x27;", "'")
    assert '<html lang="fr"' in text and "Adresse trop longue" in text
    english = _get(port, "/" + "x" * 10_000, headers={"Cookie": "django_language=en"})
    assert english.status == 414 and "Address too long" in english.body.decode()
    header = _get(port, "/lieux/", headers={"X-Whatever": "x" * 10_000})
    assert header.status == 431 and "Trop d'informations envoyées" in header.body.decode().replace("&#x27;", "'")


def test_a_500_page_that_cannot_render_falls_back_to_a_bilingual_line(rf, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry for 'css/app.css'")

    monkeypatch.setattr(error_pages.loader, "render_to_string", broken)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        response = error_pages.server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Réessayez dans quelques minutes." in response.content.decode()
