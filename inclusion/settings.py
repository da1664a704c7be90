"""Settings for the permanences numériques application.

Every value an operator may change is read from the environment here, and only here.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.conf import global_settings
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A production server must never run with a key that is written in the repository: without
# SECRET_KEY and with DEBUG off, serving is refused (inclusion/core/checks.py, run by runserver,
# migrate and check, and by the WSGI entry point). Commands that sign nothing, such as
# makemigrations, still run.
SECRET_KEY = env.str("SECRET_KEY", default="")
SECRET_KEY_MISSING = not SECRET_KEY and not DEBUG
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-only-used-with-debug"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The project's apps, from the core up (docs/architecture.md; the order is checked by lint-imports).
    "inclusion.core",
    "sessions_app.totals",
    "sessions_app.scheduling",
    "volunteers.team",
    "beneficiaries.people",
    "sessions_app.bookings",
    "sessions_app.desk",
    "beneficiaries.referrals",
    "sessions_app.reminders",
    "sessions_app.planning",
    "beneficiaries.privacy",
    "sessions_app.figures",
    "sessions_app.public",
    "inclusion.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_include_bootstrap",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # The second factor: an authenticator app (TOTP) and one-time backup codes (static tokens).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    # First, so every log line of a request, and its answer, carry the request's id.
    "inclusion.core.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before sessions and the rest: nothing else to run for them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "inclusion.core.middleware.ChosenLanguageMiddleware",
    # As soon as the language is known: an over-long address or header gets the site's page.
    "inclusion.core.middleware.RequestLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "inclusion.core.middleware.NoStoreForSignedInMiddleware",
    # Before the session timeout, which leaves a message for the log-in page.
    "django.contrib.messages.middleware.MessageMiddleware",
    "inclusion.core.middleware.SessionTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After the log-in check: holds a signed-in user with a second factor on the code page.
    "inclusion.core.middleware.SecondFactorMiddleware",
    # After the CSRF and log-in checks: a create form sent again goes to its first result.
    "inclusion.core.submissions.SubmittedOnceMiddleware",
    # Inside CommonMiddleware, so the length of the page it writes into a bare 405 is counted.
    "inclusion.core.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the log-in into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "inclusion.root_urls"
# A form refused by the CSRF check gets the site's page, like the other errors (inclusion.core.error_pages).
CSRF_FAILURE_VIEW = "inclusion.core.error_pages.csrf_failure"
WSGI_APPLICATION = "inclusion.wsgi.application"
# The Django admin's address; moving it off the default keeps scanners away.
ADMIN_URL = env.str("ADMIN_URL", default="django-admin/")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "inclusion.core.context_processors.navigation",
            ],
            # After Django's own: its `date` filter writes « 1er décembre » in French.
            "builtins": ["inclusion.core.templatetags.dates"],
        },
    },
]

# The embedded SQLite file is only the zero-setup default for trying the application;
# production and the test suite run on PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Bound every wait: a request stuck behind a lock gets an error it can explain
    # to the user instead of holding a worker forever.
    # PostgreSQL's JIT compiles a query's expressions when its estimated cost is high: on these
    # pages' queries it spent 0.85–1 s compiling to save a few milliseconds (measured on the
    # national profile, README "Benchmark"), so it is off unless DATABASE_JIT=on.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={env.int('DATABASE_LOCK_TIMEOUT_MS', default=5000)} "
        f"-c statement_timeout={env.int('DATABASE_STATEMENT_TIMEOUT_MS', default=30000)} "
        f"-c jit={'on' if env.bool('DATABASE_JIT', default=False) else 'off'}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inclusion:home"
LOGOUT_REDIRECT_URL = "login"

# Log-in attempts are counted by django-axes before any other backend checks a password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# The CNIL's recommendation (deliberation 2022-100): the length rule lives in PasswordStrengthValidator,
# which also accepts long passphrases.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "inclusion.core.passwords.PasswordStrengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="fr")
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
# The languages texts for the people helped (the appointment card, the reminders) are written in,
# besides the interface's LANGUAGES: each has its catalog, locale/<code>/LC_MESSAGES/django.po.
# Which of them are right to left is LANGUAGES_BIDI: Django's list, and Dari (prs), which Django
# does not know.
PERSON_LANGUAGES = ["fr", "en", "ar", "es", "pt", "ro", "uk", "ru", "tr", "prs"]
LANGUAGES_BIDI = global_settings.LANGUAGES_BIDI + ["prs"]
# locale_django/ holds what Django's own catalogs lack (the names of the months and days in
# Dari): makemessages writes only to the first of these directories, so it never rewrites it.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_django"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]

# EMAIL_URL such as smtp+tls://user:password@smtp.example.org:587 ; the console by default.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Permanences numériques <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The drop-in computers are shared: a session ends after a while without activity, and after
# a working day whatever the activity (inclusion.core.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# Joining the browsers' preload list is hard to undo and binds the whole domain: the operator's choice.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("BEHIND_HTTPS_PROXY", default=False):
    # Only trustworthy when the proxy overwrites this header on every request.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline script or style anywhere (Bootstrap's bundle is a file), so nothing needs 'unsafe-inline';
# data: images are Bootstrap's SVG icons embedded in its stylesheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# The log-in throttle must be shared by every application server, hence Redis in production;
# the local memory cache keeps `make run` free of any service.
if REDIS_URL := env.str("REDIS_URL", default=""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Axes prints a banner at start-up otherwise, into every command and log.
AXES_VERBOSE = False
# Axes' cache handler, which also counts each address against a limit of its own.
AXES_HANDLER = "inclusion.core.login_throttle.LoginThrottleHandler"
# Wrong passwords for one account, from wherever, before that account is paused.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# Wrong passwords from one address, whatever the accounts, before that address is paused. The
# computers of a drop-in share one public address: 50 leaves a room of ten people their five tries
# each, and still stops one machine from trying a common password on account after account.
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=50)
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Counted per account, wherever it is tried from, and per account and address: the pair axes' own
# check (axes.W006) asks for, which at the same limit pauses no sooner than the account's count.
AXES_LOCKOUT_PARAMETERS = [["username"], ["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "inclusion.core.passwords.login_attempt_username"
# The same page whether the account exists or not: it shows neither the address nor the account.
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429

SILENCED_SYSTEM_CHECKS = [
    # The HSTS preload list binds the whole parent domain for months and is hard to leave; the site
    # usually lives on a subdomain of its organization's, which the list does not even accept.
    # Asking for it (SECURE_HSTS_PRELOAD) is the operator's choice, not a defect to warn about.
    "security.W021",
]

# Logs go to standard output, one JSON object a line in production (what log collectors parse),
# plain text in debug; each line of a request carries its id (inclusion.core.logs).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "inclusion.core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "inclusion.core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": env.str("LOG_FORMAT", default="text" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# How far ahead the dates of each permanence exist (weeks); extended every night by
# `manage.py generate_occurrences`.
OCCURRENCE_HORIZON_WEEKS = env.int("OCCURRENCE_HORIZON_WEEKS", default=12)

# The address of the site, for links in e-mails sent outside a request (status changes, reminders).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Where people write about the site's accessibility, given on the accessibility statement
# (/accessibilite/); when empty, the statement sends them to the organisation running the site.
ACCESSIBILITY_CONTACT_EMAIL = env.str("ACCESSIBILITY_CONTACT_EMAIL", default="")

# Background work (e-mails, reminders, messages, horizon extension, retention, large exports)
# goes through Django's task API; the queue lives in the database and `manage.py db_worker` runs
# it. In debug (`make run`), with no worker beside the server, a task runs in the request once
# its transaction commits, so the demo prints what it sends on the console at once.
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND",
            default="django_tasks.backends.immediate.ImmediateBackend" if DEBUG else "django_tasks_db.DatabaseBackend",
        )
    }
}
# Excel exports, and large CSV ones, are written by the task worker into EXPORTS_DIR, a private folder never served as
# such (outside the static and media files): only their owner downloads them, through a view that
# checks who asks. The web servers and the worker must all see the same folder. Each file is
# kept EXPORT_KEEP_HOURS, then deleted with its job.
EXPORTS_DIR = env.path("EXPORTS_DIR", default=BASE_DIR / "var" / "exports")
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=24)
# A CSV export of more rows than this is prepared by the task worker too: streamed, it would hold a
# web worker for longer than gunicorn's timeout allows (about 45 µs a row, so 50,000 rows in 2 s).
EXPORT_STREAM_MAX_ROWS = env.int("EXPORT_STREAM_MAX_ROWS", default=50_000)

# Serving: static files are compressed and named after their content by collectstatic, then
# answered by whitenoise with far-future cache headers, so no separate file server is needed.
# In debug the files are read from the source folders and need no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# A load balancer probes /healthz over plain HTTP, on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Several application servers share nothing but PostgreSQL (and Redis when REDIS_URL is set):
# sessions live in the database, whichever server answers the next request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
DATABASES["default"]["CONN_HEALTH_CHECKS"] = DATABASES["default"]["CONN_MAX_AGE"] > 0
# Behind PgBouncer in transaction mode a cursor cannot outlive its transaction: set this to true
# there (README, "Scaling out").
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)

# An optional read replica for the figures and exports, the heaviest reads; everything else,
# and every write, stays on the primary (inclusion.core.db_routers).
if DATABASE_REPLICA_URL := env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": DATABASES["default"]["CONN_HEALTH_CHECKS"],
        "OPTIONS": DATABASES["default"].get("OPTIONS", {}),
        "DISABLE_SERVER_SIDE_CURSORS": env.bool(
            "DATABASE_REPLICA_DISABLE_SERVER_SIDE_CURSORS", default=DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"]
        ),
    }
    DATABASE_ROUTERS = ["inclusion.core.db_routers.ReplicaRouter"]

# Reminders (`manage.py send_reminders`, run every 15 minutes or hourly): the day before an
# appointment, from REMINDER_SEND_HOUR in the antenna's time zone, or a fixed number of hours
# before it when REMINDER_HOURS_BEFORE is set; coordinators are alerted when a date lacks
# volunteers UNDERSTAFFED_ALERT_HOURS before it.
REMINDER_DAYS_BEFORE = env.int("REMINDER_DAYS_BEFORE", default=1)
REMINDER_HOURS_BEFORE = env.int("REMINDER_HOURS_BEFORE", default=None)
REMINDER_SEND_HOUR = env.int("REMINDER_SEND_HOUR", default=9)
UNDERSTAFFED_ALERT_HOURS = env.int("UNDERSTAFFED_ALERT_HOURS", default=48)

# Text messages go through a backend like e-mails (inclusion/core/sms): the provider's HTTP API when
# SMS_API_URL is set, the console otherwise.
SMS_API_URL = env.str("SMS_API_URL", default="")
SMS_API_KEY = env.str("SMS_API_KEY", default="")
SMS_API_TIMEOUT = env.float("SMS_API_TIMEOUT", default=10.0)
SMS_SENDER = env.str("SMS_SENDER", default="")
# The secret the SMS provider signs the replies it forwards with (HMAC-SHA256 of the request's
# body); unset, replies are not read and no message invites a person to reply.
SMS_INBOUND_SECRET = env.str("SMS_INBOUND_SECRET", default="")
SMS_BACKEND = env.str(
    "SMS_BACKEND",
    default="inclusion.core.sms.backends.http.SmsBackend"
    if SMS_API_URL
    else "inclusion.core.sms.backends.console.SmsBackend",
)
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "sms-messages"))

# Personal data of people helped is anonymised after this many months without activity (no
# booking, session, referral step or edit); `manage.py anonymise_inactive --apply` does it daily.
RETENTION_MONTHS = env.int("RETENTION_MONTHS", default=24)

# Second factor (django-otp): admins and coordinators may add an authenticator app to their account
# (inclusion/core/two_factor.py). With OTP_REQUIRED_FOR_ADMINS, admins must: they are sent to the set-up
# page until they have one.
OTP_REQUIRED_FOR_ADMINS = env.bool("OTP_REQUIRED_FOR_ADMINS", default=False)
OTP_TOTP_ISSUER = "Permanences numériques"
# Another admin may remove a lost device in the technical admin, but never read its secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# The benchmark (scripts/bench.py) reads each response's SQL query count from a header; off
# unless asked for, as it tells the outside how a page is built.
if env.bool("QUERY_COUNT_HEADER", default=False):
    MIDDLEWARE.insert(0, "inclusion.core.middleware.QueryCountHeaderMiddleware")
