"""Background work of the core app, run by the task worker (`manage.py db_worker`).

Tasks take ids and strings only: their arguments are stored as JSON in the queue.
"""

from django_tasks import task

from . import services
from .models import User


@task()
def account_invitation_email(*, user_id: int, base_url: str, language: str) -> None:
    """E-mail an account's owner the link to choose their password."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        # Deleted before the worker got to it: nobody to write to.
        return
    services.account_invitation_send(user=user, base_url=base_url, language=language)
