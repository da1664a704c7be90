"""Background work goes through the task queue: queued after commit with ids only, done by the
worker (`manage.py db_worker`), never in the request."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from beneficiaries.people.enums import SheetStatus
from beneficiaries.people.services import liaison_sheet_transition
from inclusion.core.services import user_invite
from sessions_app.scheduling.models import Occurrence
from tests.core.factories import UserFactory
from tests.people.factories import LiaisonSheetFactory
from tests.scheduling.factories import PermanenceFactory

# The worker closes its database connection between tasks, as in production: the queue and the
# data must really be committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data_restored")]


@pytest.fixture
def queue(settings):
    """The production queue, in the database, instead of the test run's immediate one."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _run_worker():
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=1)


def _queued(task_name: str) -> list[DBTaskResult]:
    return [result for result in DBTaskResult.objects.all() if result.task_path.endswith(task_name)]


def test_an_invitation_is_queued_after_commit_with_ids_and_sent_by_the_worker(queue, mailoutbox):
    with transaction.atomic():
        user = user_invite(email="nouvelle@example.org", display_name="Nouvelle", base_url="http://x/", language="fr")
        assert not DBTaskResult.objects.exists()
    [queued] = _queued("account_invitation_email")
    assert queued.args_kwargs["kwargs"] == {"user_id": user.pk, "base_url": "http://x/", "language": "fr"}
    assert mailoutbox == []
    _run_worker()
    [message] = mailoutbox
    assert message.to == ["nouvelle@example.org"]
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"


def test_no_invitation_is_queued_when_the_transaction_rolls_back(queue, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        user_invite(email="annulee@example.org", display_name="Annulée", base_url="http://x/", language="fr")
        raise RuntimeError
    assert not DBTaskResult.objects.exists()
    _run_worker()
    assert mailoutbox == []


def test_sending_an_invitation_again_only_queues_it(queue, admin_client, mailoutbox):
    account = UserFactory()
    response = admin_client.post(reverse("inclusion:account_invitation_resend", args=[account.pk]))
    assert response.status_code == 302
    assert mailoutbox == []
    [queued] = _queued("account_invitation_email")
    assert queued.args_kwargs["kwargs"]["user_id"] == account.pk
    _run_worker()
    assert [message.to for message in mailoutbox] == [[account.email]]


def test_a_status_change_is_mailed_by_the_worker_after_commit(queue, mailoutbox):
    sheet = LiaisonSheetFactory()
    with transaction.atomic():
        assert liaison_sheet_transition(sheet=sheet, status=SheetStatus.CANCELLED, by=sheet.referrer)
        assert not DBTaskResult.objects.exists()
    [queued] = _queued("liaison_sheet_notify_email")
    assert queued.args_kwargs["kwargs"] == {"event_id": sheet.events.get(status=SheetStatus.CANCELLED).pk}
    assert mailoutbox == []
    _run_worker()
    [message] = mailoutbox
    assert message.to == [sheet.referrer.email]


def test_the_status_change_mail_is_sent_at_once_with_the_immediate_backend(mailoutbox):
    sheet = LiaisonSheetFactory()
    liaison_sheet_transition(sheet=sheet, status=SheetStatus.CANCELLED, by=sheet.referrer)
    assert [message.to for message in mailoutbox] == [[sheet.referrer.email]]


def test_the_daily_generation_can_be_handed_to_the_worker(queue, capsys):
    PermanenceFactory()
    call_command("generate_occurrences", "--enqueue", weeks=3)
    assert "Queued for the task worker" in capsys.readouterr().out
    assert not Occurrence.objects.exists()
    [queued] = _queued("occurrences_extend")
    assert queued.args_kwargs["kwargs"] == {"weeks": 3}
    _run_worker()
    assert Occurrence.objects.exists()
    queued.refresh_from_db()
    assert queued.return_value["created"] == Occurrence.objects.count()
