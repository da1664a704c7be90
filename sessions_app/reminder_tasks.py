"""The reminders' background task, run by the task worker (`manage.py db_worker`)."""

from django_tasks import task


@task()
def send_reminder(message_id: int) -> str:
    """Send one recorded reminder or alert (see reminder_services.reminder_send)."""
    from .reminder_services import reminder_send

    return reminder_send(message_id=message_id)
