"""How the exports read their rows: as values, through a cursor planned to be read to the end,
leaving the connection as it found it, and with the same pseudonyms as before."""

import datetime
import hashlib
import hmac

import pytest
from django.conf import settings
from django.db import connection

from sessions_app.figures.exports import csv_stream, session_export
from sessions_app.figures.reporting import Period, Scope, pseudonym
from tests.core.factories import AntennaFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 1, 5)


def _fraction() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        return cursor.fetchone()[0]


def _export():
    antenna = AntennaFactory()
    for _n in range(3):
        SessionLogFactory(antenna=antenna, date=DAY, beneficiary=BeneficiaryFactory(), topics=["email", "sante"])
    return session_export(Scope("antenna", antenna=antenna), Period(DAY, DAY), names=False)


def test_the_rows_are_read_by_a_cursor_planned_for_the_whole_result_then_the_setting_is_reset(monkeypatch):
    monkeypatch.setattr("sessions_app.figures.exports.CSV_ROWS_PER_PIECE", 1)
    assert _fraction() == "0.1"
    stream = csv_stream(_export())
    header = next(stream)
    assert header.startswith("\ufeffdate;")
    fractions = []
    rows = []
    for piece in stream:
        fractions.append(_fraction())
        rows.extend(piece.splitlines())
    assert fractions == ["1", "1", "1"]
    assert len(rows) == 3
    assert all("email|sante" in row for row in rows)
    assert _fraction() == "0.1"


def test_a_stream_given_up_half_way_resets_the_setting_too(monkeypatch):
    monkeypatch.setattr("sessions_app.figures.exports.CSV_ROWS_PER_PIECE", 1)
    stream = csv_stream(_export())
    next(stream), next(stream)
    assert _fraction() == "1"
    # The client went away: the server closes the response's iterator.
    stream.close()
    assert _fraction() == "0.1"


def test_a_pseudonym_is_the_keyed_hash_it_always_was():
    digest = hmac.new(settings.SECRET_KEY.encode(), b"beneficiary:42", hashlib.sha256).hexdigest()
    assert pseudonym(42) == "P-" + digest[:12].upper()
    assert pseudonym(None) == ""
