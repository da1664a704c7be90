from django.urls import path

from . import privacy_views, views

app_name = "beneficiaries"

urlpatterns = [
    path("personnes/", views.person_list, name="person_list"),
    path("personnes/nouvelle/", views.person_create, name="person_create"),
    path("personnes/<int:pk>/", views.person_detail, name="person_detail"),
    path("personnes/<int:pk>/orientation/", views.sheet_create, name="sheet_create"),
    path("orientations/", views.sheet_list, name="sheet_list"),
    path("orientations/<int:pk>/", views.sheet_detail, name="sheet_detail"),
    path("orientations/<int:pk>/statut/", views.sheet_action, name="sheet_action"),
    path("reference/", views.reference_lookup, name="reference_lookup"),
    path("personnes/<int:pk>/donnees/", privacy_views.person_data, name="person_data"),
    path("personnes/<int:pk>/donnees.json", privacy_views.person_data_json, name="person_data_json"),
    path("personnes/<int:pk>/effacer/", privacy_views.person_erase, name="person_erase"),
    path("personnes/<int:pk>/retrait-consentement/", privacy_views.consent_withdraw, name="consent_withdraw"),
]
