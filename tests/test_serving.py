"""Serving in production: the health probe, request ids and JSON logs, and the production
settings (gunicorn, whitenoise, logs, replica) read from the environment."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from django.db import OperationalError
from django.http import HttpResponse
from django.urls import reverse

from inclusion.core import health
from inclusion.core.logs import JsonFormatter, RequestIdFilter, RequestIdMiddleware

ROOT = Path(__file__).resolve().parent.parent


# The health probe


def test_health_probe_answers_ok_without_logging_in(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_health_probe_answers_503_when_the_database_does_not(client, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", Unreachable())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert b"refused" not in response.content


def test_health_probe_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get(reverse("login")).status_code == 301


def test_health_probe_is_not_throttled_when_logging_in_is(client):
    for _ in range(5):
        client.post(reverse("login"), {"username": "x@example.org", "password": "faux"}, REMOTE_ADDR="192.0.2.9")
    refused = client.post(reverse("login"), {"username": "x@example.org", "password": "faux"}, REMOTE_ADDR="192.0.2.9")
    assert refused.status_code == 429
    assert client.get("/healthz", REMOTE_ADDR="192.0.2.9").status_code == 200


def test_health_probe_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


# Request ids and JSON logs


def test_every_answer_carries_a_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_the_load_balancers_request_id_is_kept_when_sane(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-0123456789")["X-Request-ID"] == "lb-0123456789"
    hostile = client.get("/healthz", HTTP_X_REQUEST_ID='x" injected\nline')["X-Request-ID"]
    assert "injected" not in hostile and len(hostile) == 32


def test_log_lines_written_during_a_request_carry_its_id(rf):
    records = []
    handler = logging.Handler()
    handler.addFilter(RequestIdFilter())
    handler.emit = records.append
    logger = logging.getLogger("inclusion.request-id-test")
    logger.addHandler(handler)

    def view(request):
        logger.warning("inside")
        return HttpResponse()

    try:
        response = RequestIdMiddleware(view)(rf.get("/"))
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    assert [record.request_id for record in records] == [response["X-Request-ID"], ""]


def test_json_formatter_writes_one_object_a_line_with_the_extra_fields():
    record = logging.makeLogRecord(
        {"name": "inclusion", "levelname": "INFO", "msg": "Dates %s", "args": ("étendues",), "report": {"created": 3}}
    )
    record.request_id = "abc12345"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "Dates étendues"
    assert entry["request_id"] == "abc12345"
    assert entry["report"] == {"created": 3}
    assert entry["level"] == "INFO" and entry["logger"] == "inclusion"


def test_json_formatter_keeps_the_traceback_inside_the_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.makeLogRecord({"msg": "failed", "exc_info": sys.exc_info()})
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in entry["exception"]


# Production settings, read in a fresh process as a server would


def _production_settings(**env) -> dict:
    environment = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "DATABASE_REPLICA_URL")}
    environment.update(DJANGO_SETTINGS_MODULE="inclusion.settings", SECRET_KEY="a-secret-for-this-test-only", **env)
    script = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({'middleware': settings.MIDDLEWARE, 'static': settings.STORAGES['staticfiles']['BACKEND'],"
        "'formatter': settings.LOGGING['handlers']['console']['formatter'],"
        "'stream': settings.LOGGING['handlers']['console']['stream'],"
        "'sessions': settings.SESSION_ENGINE, 'databases': sorted(settings.DATABASES),"
        "'routers': settings.DATABASE_ROUTERS,"
        "'server_side_cursors_off': settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_serves_compressed_hashed_static_files_through_whitenoise_and_logs_json():
    production = _production_settings()
    middleware = production["middleware"]
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert middleware[security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    assert production["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert production["formatter"] == "json"
    assert production["stream"] == "ext://sys.stdout"
    assert production["sessions"] == "django.contrib.sessions.backends.db"
    assert production["databases"] == ["default"]
    assert production["routers"] == []
    assert not production["server_side_cursors_off"]


def test_debug_logs_plain_text_and_needs_no_collectstatic():
    debug = _production_settings(DEBUG="true")
    assert debug["formatter"] == "text"
    assert debug["static"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_a_replica_and_a_transaction_pooler_are_configured_from_the_environment():
    configured = _production_settings(
        DATABASE_REPLICA_URL="postgres://reader@replica.example.org:5432/permanences",
        DISABLE_SERVER_SIDE_CURSORS="true",
    )
    assert configured["databases"] == ["default", "replica"]
    assert configured["routers"] == ["inclusion.core.db_routers.ReplicaRouter"]
    assert configured["server_side_cursors_off"]


def test_gunicorn_reads_its_worker_count_and_address_from_the_environment():
    script = (
        "import json, runpy; c = runpy.run_path('gunicorn.conf.py');"
        "print(json.dumps({k: c[k] for k in ('workers', 'bind', 'accesslog', 'logger_class', 'wsgi_app')}))"
    )
    environment = {**os.environ, "WEB_CONCURRENCY": "3", "BIND": "127.0.0.1:9001"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config == {
        "workers": 3,
        "bind": ["127.0.0.1:9001"],
        "accesslog": "-",
        "logger_class": "inclusion.core.logs.JsonGunicornLogger",
        "wsgi_app": "inclusion.wsgi:application",
    }
    default = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={key: value for key, value in os.environ.items() if key not in ("WEB_CONCURRENCY", "BIND")},
        capture_output=True,
        text=True,
    )
    assert json.loads(default.stdout)["workers"] == 2 * os.cpu_count() + 1
