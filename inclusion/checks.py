"""System checks of the project's own configuration."""

import sys

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

# Why the application will not start, and how to fix it.
START_REFUSED_MESSAGE = (
    "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
    "(for instance: SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')), "
    "or set DEBUG=true to run a local development server."
)


# Commands that only read the code and sign nothing: a developer or a CI job may run them
# without the production secret.
CODE_ONLY_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}


@register()
def secret_key_check(app_configs, **kwargs):
    """Without a secret, sessions and password-reset links could be forged: refuse to run
    (runserver, migrate, check and every other command that runs the system checks)."""
    if not getattr(settings, "SECRET_KEY_MISSING", False):
        return []
    if len(sys.argv) > 1 and sys.argv[1] in CODE_ONLY_COMMANDS:
        return []
    return [Error(START_REFUSED_MESSAGE, id="inclusion.E001")]


def secret_key_require() -> None:
    """Stop a WSGI server at start-up, which runs no system check, when the secret is missing."""
    if getattr(settings, "SECRET_KEY_MISSING", False):
        raise ImproperlyConfigured(START_REFUSED_MESSAGE)
