from django.core.management.base import BaseCommand

from sessions_app.reminders.delivery import reminder_send
from sessions_app.reminders.services import reminders_schedule


class Command(BaseCommand):
    help = (
        "Record the appointment and rota reminders and the short-of-volunteers alerts now due, and queue one "
        "task per message (the task worker sends them). Safe to run again; schedule it every 15 minutes or hourly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--send-now",
            action="store_true",
            help="Send the messages in this process instead of queuing them (without a task worker, e.g. the demo).",
        )

    def handle(self, *args, send_now=False, **options):
        report = reminders_schedule(enqueue=not send_now)
        if send_now:
            statuses = [reminder_send(message_id=message_id) for message_id in report.message_ids]
            summary = ", ".join(f"{statuses.count(status)} {status}" for status in sorted(set(statuses)))
            self.stdout.write(f"Messages recorded: {report.created}; sent now: {len(statuses)} ({summary or 'none'}).")
        else:
            self.stdout.write(f"Messages recorded: {report.created}; handed to the task queue: {report.enqueued}.")
        if report.interrupted:
            self.stdout.write(f"Interrupted while sending, marked as not delivered: {report.interrupted}.")
