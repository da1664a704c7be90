from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class InclusionConfig(AppConfig):
    name = "inclusion"
    verbose_name = _("Organizations and antennas")

    def ready(self):
        from . import checks  # noqa: F401 (registers the project's system checks)
        from .middleware import SessionTimeoutMiddleware

        user_logged_in.connect(SessionTimeoutMiddleware.start_clock, dispatch_uid="inclusion_session_clock")
        self._follow_second_factor_devices()

    def _follow_second_factor_devices(self):
        """Keep User.has_second_factor in step with django-otp's devices, wherever they change."""
        from django.db.models.signals import post_delete, post_save
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from .two_factor_services import device_deleted, device_saved

        for model in (TOTPDevice, StaticDevice):
            uid = f"inclusion_second_factor_{model._meta.model_name}"
            post_save.connect(device_saved, sender=model, dispatch_uid=f"{uid}_saved")
            post_delete.connect(device_deleted, sender=model, dispatch_uid=f"{uid}_deleted")
