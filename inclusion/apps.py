from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class InclusionConfig(AppConfig):
    name = "inclusion"
    verbose_name = _("Organizations and antennas")

    def ready(self):
        from . import checks  # noqa: F401 (registers the project's system checks)
        from .middleware import SessionTimeoutMiddleware
        from .two_factor import remember_device_at_log_in

        user_logged_in.connect(SessionTimeoutMiddleware.start_clock, dispatch_uid="inclusion_session_clock")
        user_logged_in.connect(remember_device_at_log_in, dispatch_uid="inclusion_two_factor_device")
