from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = _("Permanences and sessions")

    def ready(self):
        from .rollups import signals_connect

        signals_connect()
