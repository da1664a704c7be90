"""Two application servers on one PostgreSQL database, as behind a load balancer: referrers
booking from both at once into the same slot never overbook it, because the seats are counted
under the slot's lock in the database, not in any server's memory.

The servers are real gunicorn processes in production mode, on two free loopback ports, against
the test database; the data is committed (transactional test) so they see it.
"""

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils.crypto import get_random_string

from sessions_app.bookings.enums import BookingStatus
from sessions_app.bookings.models import Booking
from tests.core.factories import UserFactory
from tests.people.factories import LiaisonSheetFactory
from tests.scheduling.factories import slot_ahead

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data_restored")]

ROOT = Path(__file__).resolve().parent.parent
SEATS = 3
REFERRALS = 12
# Generous: the machine may be busy with other test runs; a normal start takes a few seconds.
START_TIMEOUT = 45


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


def _get(port: int, path: str, headers=None) -> http.client.HTTPResponse:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    client.request("GET", path, headers=headers or {})
    response = client.getresponse()
    response.body = response.read()
    client.close()
    return response


def _stop(process: subprocess.Popen) -> None:
    """TERM to gunicorn's master stops its workers; whatever is left of its group is killed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture
def servers(transactional_db, tmp_path):
    """Two gunicorn servers, two workers each, in production mode; stopped whatever happens."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("SECURE_", "DJANGO_"))}
    environment.update(
        DJANGO_SETTINGS_MODULE="inclusion.settings",
        DEBUG="false",
        SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.CACHES["default"]["LOCATION"],
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=str(tmp_path / "static"),
        WEB_CONCURRENCY="2",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=60,
    )
    started = []
    try:
        for index in range(2):
            port = _free_port()
            log = tmp_path / f"server-{index}.log"
            with log.open("w") as output:
                process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
                    cwd=ROOT,
                    env={**environment, "BIND": f"127.0.0.1:{port}"},
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append((process, port, log))
        deadline = time.monotonic() + START_TIMEOUT
        for process, port, log in started:
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if _get(port, "/healthz").status == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield [(port, log) for _process, port, log in started]
    finally:
        for process, _port, _log in started:
            _stop(process)


def _session_cookie(client, user) -> str:
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_two_servers_booking_the_same_slot_at_once_never_overbook_it(servers, client):
    """Twelve referrals for three seats, posted at the same moment, alternately to each server."""
    referrer = UserFactory(referrer=True)
    slot = slot_ahead(seats=SEATS)
    sheets = [LiaisonSheetFactory(referrer=referrer) for _ in range(REFERRALS)]
    csrf = get_random_string(32)
    cookie = f"{settings.SESSION_COOKIE_NAME}={_session_cookie(client, referrer)}; {settings.CSRF_COOKIE_NAME}={csrf}"
    body = f"slot={slot.pk}"
    start = threading.Barrier(REFERRALS)
    answers = {}

    def book(index: int, sheet) -> None:
        port = servers[index % 2][0]
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        client.connect()
        start.wait(timeout=20)
        client.request(
            "POST",
            reverse("booking:book", args=[sheet.pk]),
            body=body,
            headers={
                "Cookie": cookie,
                "X-CSRFToken": csrf,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = client.getresponse()
        response.read()
        answers[sheet.pk] = (port, response.status, response.getheader("Location", ""))
        client.close()

    threads = [threading.Thread(target=book, args=(index, sheet)) for index, sheet in enumerate(sheets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(answers) == REFERRALS
    assert {status for _port, status, _location in answers.values()} == {302}, answers
    booked = [sheet_pk for sheet_pk, (_port, _status, location) in answers.items() if "/carte/" in location]
    assert len(booked) == SEATS
    assert Booking.objects.filter(slot=slot, status=BookingStatus.ACTIVE).count() == SEATS
    assert set(Booking.objects.filter(slot=slot).values_list("liaison_sheet", flat=True)) == set(booked)
    # Both servers answered, each through its own database connections.
    assert {port for port, _status, _location in answers.values()} == {port for port, _log in servers}
    _check_static_files_and_access_log(*servers[1])


def _check_static_files_and_access_log(port: int, log: Path) -> None:
    """Production serving, shown on the same servers: hashed, compressed static files from
    whitenoise after collectstatic, and the access log as JSON lines with the request id."""
    page = _get(port, reverse("login"))
    assert page.status == 200
    [stylesheet] = re.findall(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page.body.decode())
    css = _get(port, stylesheet, headers={"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.getheader("Content-Type").startswith("text/css")
    assert css.getheader("Content-Encoding") == "gzip"
    assert "immutable" in css.getheader("Cache-Control")
    request_id = page.getheader("X-Request-ID")
    time.sleep(0.2)
    access = [json.loads(line) for line in log.read_text().splitlines() if '"gunicorn.access"' in line]
    [entry] = [entry for entry in access if entry["request_id"] == request_id]
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", reverse("login"), 200)
    assert entry["duration_ms"] >= 0
