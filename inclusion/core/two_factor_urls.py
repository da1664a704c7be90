from django.urls import path

from inclusion.core import two_factor_views

app_name = "two_factor"

urlpatterns = [
    path("connexion/code/", two_factor_views.verify, name="verify"),
    path("mon-compte/double-authentification/", two_factor_views.setup, name="setup"),
    path("mon-compte/double-authentification/desactiver/", two_factor_views.disable, name="disable"),
    path("mon-compte/double-authentification/codes-de-secours/", two_factor_views.backup_codes, name="backup_codes"),
]
