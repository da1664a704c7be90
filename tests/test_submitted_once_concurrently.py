"""The same filled form sent at the same instant makes one row: a double tap on a slow
connection sends both before the first answers. These tests need committed rows that other
connections see, so they run outside the test transaction (and apart from the module-wide data
of test_submitted_once)."""

import pytest
from django.test import Client

from tests.access import world_build
from tests.concurrency import at_once
from tests.reference_data import reference_data_load
from tests.test_submitted_once import CREATED, FORMS, _as_shown, _counts


def _sent_at_once(user, action: str, data: dict, times: int = 4) -> list:
    """Send the same filled form from `times` clients of the user, released together."""
    clients = []
    for _index in range(times):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return at_once(lambda client: client.post(action, data), clients)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data_restored")
@pytest.mark.parametrize("form_id", ["person_create", "session_log", "walk_in", "sheet_create"])
def test_the_same_form_sent_at_the_same_instant_creates_once(form_id):
    # The previous transactional test emptied every table, the topics included.
    reference_data_load()
    world = world_build()
    form = FORMS[form_id]
    user = world.users[form.role]
    client = Client()
    client.force_login(user)
    action, data = _as_shown(client, world, form)
    before = _counts(CREATED[form_id])

    responses = _sent_at_once(user, action, data)

    assert [getattr(response, "status_code", response) for response in responses] == [302] * len(responses)
    assert _counts(CREATED[form_id]) == [count + 1 for count in before]
