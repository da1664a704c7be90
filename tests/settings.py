"""Test settings: the application's settings with the values a test run must fix itself."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/permanences")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ["DEBUG"] = "false"

from inclusion.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":  # noqa: F405
    raise RuntimeError("The test suite runs on PostgreSQL only: set DATABASE_URL to a postgres:// URL.")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "fr"
SECURE_SSL_REDIRECT = False
# A real Redis, as in production, so the log-in throttle is tested on the cache it runs on.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
    }
}
# Tasks run at once, inside the test, so their effects can be asserted.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Static files come from the source folders: no collectstatic before a test run.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# A "replica" alias on the test database itself, for the replica router's tests (which switch the
# router on); without the router nothing reads from it.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
# Text messages are kept in inclusion.core.sms.outbox; no provider is called.
SMS_BACKEND = "inclusion.core.sms.backends.locmem.SmsBackend"
SMS_API_URL = ""
SMS_API_KEY = ""
SMS_SENDER = ""
# Replies are not read unless a test sets the secret (tests/reminders/test_replies.py).
SMS_INBOUND_SECRET = ""
REMINDER_DAYS_BEFORE = 1
REMINDER_HOURS_BEFORE = None
REMINDER_SEND_HOUR = 9
UNDERSTAFFED_ALERT_HOURS = 48
