import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inclusion.settings")

application = get_wsgi_application()

from inclusion.core.checks import secret_key_require  # noqa: E402 (needs the settings loaded above)

secret_key_require()
