"""System checks of the project's own configuration."""

import sys

from django.conf import settings
from django.core.checks import Error, Warning, register
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


@register()
def reminder_settings_check(app_configs, **kwargs):
    """Reminder timings read from the environment: refuse values that would fail at the first run."""
    errors = []
    if not 0 <= settings.REMINDER_SEND_HOUR <= 23:
        errors.append(Error("REMINDER_SEND_HOUR must be an hour from 0 to 23.", id="inclusion.E020"))
    for name in ("REMINDER_DAYS_BEFORE", "REMINDER_HOURS_BEFORE", "UNDERSTAFFED_ALERT_HOURS"):
        value = getattr(settings, name)
        if value is not None and value < 0:
            errors.append(Error(f"{name} cannot be negative.", id="inclusion.E021"))
    return errors


# Caches kept in one process's memory (or none): each gunicorn worker would count apart.
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.filebased.FileBasedCache",
}


@register()
def login_throttle_cache_check(app_configs, **kwargs):
    """The log-in throttle counts failures in the cache. axes.W001 says so only for axes' own cache
    handler, which inclusion.core.login_throttle extends; this check says it for ours. A development
    server is one process, whose memory counts every attempt."""
    backend = settings.CACHES[getattr(settings, "AXES_CACHE", "default")]["BACKEND"]
    if settings.DEBUG or backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        Warning(
            "The log-in throttle counts failures in a cache that each process keeps apart.",
            hint="Set REDIS_URL to a Redis shared by every application server.",
            id="inclusion.W030",
        )
    ]
