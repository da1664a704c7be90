from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TotalsConfig(AppConfig):
    name = "sessions_app.totals"
    label = "totals"
    verbose_name = _("Monthly totals ledger")
