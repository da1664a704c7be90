from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "inclusion.core"
    label = "core"
    verbose_name = _("Organizations, antennas and accounts")

    def ready(self):
        from inclusion.core import checks  # noqa: F401 (registers the project's system checks)
        from inclusion.core.middleware import SessionTimeoutMiddleware

        user_logged_in.connect(SessionTimeoutMiddleware.start_clock, dispatch_uid="inclusion_session_clock")
        connection_created.connect(_byte_order_collation, dispatch_uid="inclusion_byte_order_collation")
        self._follow_second_factor_devices()

    def _follow_second_factor_devices(self):
        """Keep User.has_second_factor in step with django-otp's devices, wherever they change."""
        from django.db.models.signals import post_delete, post_save
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from inclusion.core.two_factor_services import device_deleted, device_saved

        for model in (TOTPDevice, StaticDevice):
            uid = f"inclusion_second_factor_{model._meta.model_name}"
            post_save.connect(device_saved, sender=model, dispatch_uid=f"{uid}_saved")
            post_delete.connect(device_deleted, sender=model, dispatch_uid=f"{uid}_deleted")


def _byte_order_collation(sender, connection, **kwargs):
    """Give SQLite, the zero-setup demo database, PostgreSQL's "C" collation (byte order), which
    the admin's search keys and their indexes are written in (inclusion/core/admin_base.py)."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation("C", lambda left, right: (left > right) - (left < right))
