from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FiguresConfig(AppConfig):
    name = "sessions_app.figures"
    label = "figures"
    verbose_name = _("Figures and exports")
