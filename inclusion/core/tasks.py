"""Background work of the core app, run by the task worker (`manage.py db_worker`).

Tasks take ids and strings only: their arguments are stored as JSON in the queue.
"""

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import override
from django_tasks import task

from inclusion.core.models import User


@task()
def account_invitation_email(*, user_id: int, base_url: str, language: str) -> None:
    """E-mail an account's owner the link to choose their password."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        # Deleted before the worker got to it: nobody to write to.
        return
    account_invitation_send(user=user, base_url=base_url, language=language)


def account_invitation_send(*, user: User, base_url: str, language: str) -> None:
    """E-mail a user the link that lets them choose their password."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    with override(language):
        context = {"user": user, "link": base_url.rstrip("/") + path}
        subject = render_to_string("registration/invitation_subject.txt", context).strip()
        body = render_to_string("registration/invitation_email.txt", context)
    send_mail(subject, body, None, [user.email])
