"""The reminders' background task, run by the task worker (`manage.py db_worker`)."""

from django_tasks import task

from sessions_app.reminders.delivery import reminder_send


@task()
def send_reminder(message_id: int) -> str:
    """Send one recorded reminder or alert (see delivery.reminder_send)."""
    return reminder_send(message_id=message_id)
