"""The same filled form sent twice makes one row: one after the other, or at the same instant.

Every create form carries a key drawn when the page shows it; its service records the key with
what it created, in the same transaction. The forms, their pages and a valid filling come from
the fuzz module's list, so a create form added there is checked here by adding one line to
CREATED.
"""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from beneficiaries.people.models import Beneficiary, LiaisonSheet
from inclusion.core.models import Antenna, FormSubmission, Organization, User
from inclusion.core.submissions import ALREADY_SUBMITTED
from sessions_app.bookings.models import Booking
from sessions_app.desk.models import SessionLog, Voucher
from sessions_app.scheduling.models import Closure, Occurrence, Permanence
from tests.access import rolled_back_after_module, world_build
from tests.test_fuzz import FILLED, FormFields

# Each create form of the fuzz list, and the rows one send of it creates.
CREATED = {
    "account_create": [User],
    "antenna_create": [Antenna],
    "organization_create": [Organization],
    "permanence_create": [Permanence],
    "closure_create": [Closure],
    "occurrence_add": [Occurrence],
    "walk_in": [Booking, Beneficiary],
    "session_log": [SessionLog],
    "person_create": [Beneficiary],
    "sheet_create": [LiaisonSheet],
}
# A field whose value must differ between two rows the form creates.
UNIQUE_FIELD = {
    "account_create": "email",
    "antenna_create": "name",
    "organization_create": "name",
    "person_create": "last_name",
    "walk_in": "new-first_name",
}
FORMS = {form.id: form for form in FILLED if form.id in CREATED}


def test_every_create_form_of_the_fuzz_list_is_checked_here():
    assert set(FORMS) == set(CREATED)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back_after_module(django_db_blocker):
        with django_db_blocker.unblock():
            built = world_build()
        yield built


def _as_shown(client, world, form) -> tuple[str, dict]:
    """Where the form goes and what it sends, its hidden key included, filled in validly."""
    page, action = form.urls(world)
    response = client.get(page)
    assert response.status_code == 200
    parser = FormFields(page)
    parser.feed(response.content.decode())
    shown = parser.forms[(form.method, action)]
    shown.pop("csrfmiddlewaretoken", None)
    data = {name: values for name, values in shown.items() if values}
    return action, {**data, **form.filled(world)}


def _counts(models) -> list[int]:
    return [model.objects.count() for model in models]


@pytest.mark.parametrize("form_id", sorted(CREATED))
def test_the_same_form_sent_twice_creates_once(client, world, form_id):
    form = FORMS[form_id]
    client.force_login(world.users[form.role])
    action, data = _as_shown(client, world, form)
    assert data["submission_key"], "the page shows the form with its key"
    before = _counts(CREATED[form_id])

    first = client.post(action, data)
    assert first.status_code == 302
    second = client.post(action, data)

    assert _counts(CREATED[form_id]) == [count + 1 for count in before]
    assert second.status_code == 302
    assert second.url == first.url or form_id in ("walk_in", "session_log")
    assert str(ALREADY_SUBMITTED) in [str(message) for message in get_messages(second.wsgi_request)]


@pytest.mark.parametrize("form_id", sorted(CREATED))
def test_the_form_shown_again_is_a_new_form(client, world, form_id):
    """The control: two displays of a form are two forms, each creating its own row."""
    form = FORMS[form_id]
    client.force_login(world.users[form.role])
    before = _counts(CREATED[form_id][:1])
    for display in range(2):
        action, data = _as_shown(client, world, form)
        if form_id in UNIQUE_FIELD:
            # Names that must differ, or the second row would be refused (or warned of) for itself.
            data[UNIQUE_FIELD[form_id]] = f"n{display}-{data[UNIQUE_FIELD[form_id]]}"
        if form_id == "permanence_create":
            # A permanence giving the same dates as another is refused whatever its title.
            data["end_time"] = f"{16 + display}:00"
        assert client.post(action, data).status_code == 302
    assert _counts(CREATED[form_id][:1]) == [before[0] + 2]


def test_a_key_sent_by_another_user_creates_for_them_alone(client, world):
    """Keys are the sender's: another account sending the same key neither sees nor blocks the
    first one's result."""
    form = FORMS["person_create"]
    client.force_login(world.own.referrer)
    action, data = _as_shown(client, world, form)
    assert client.post(action, data).status_code == 302
    other = Client()
    other.force_login(world.other.referrer)
    response = other.post(action, data)
    assert response.status_code == 302
    person = Beneficiary.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert person.created_by == world.other.referrer
    assert FormSubmission.objects.filter(key=data["submission_key"][0]).count() == 2


def test_a_hostile_key_is_ignored_not_refused(client, world):
    form = FORMS["person_create"]
    client.force_login(world.own.referrer)
    action, data = _as_shown(client, world, form)
    before = Beneficiary.objects.count()
    for index, key in enumerate(["not-a-key", "\x00", "x" * 10_000]):
        response = client.post(action, {**data, "last_name": f"Nouvelle {index}", "submission_key": key})
        assert response.status_code == 302
    assert Beneficiary.objects.count() == before + 3


def test_a_session_log_sent_twice_counts_its_vouchers_once(client, world):
    form = FORMS["session_log"]
    client.force_login(world.own.volunteer)
    action, data = _as_shown(client, world, form)
    data["vouchers"] = "APTIC-000123"
    for _send in range(2):
        assert client.post(action, data).status_code == 302
    assert Voucher.objects.filter(number="APTIC-000123").count() == 1
    assert SessionLog.objects.filter(vouchers__number="APTIC-000123").count() == 1
