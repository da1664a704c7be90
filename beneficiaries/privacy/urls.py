from django.urls import path

from beneficiaries.privacy import views

app_name = "privacy"

urlpatterns = [
    path("personnes/<int:pk>/donnees/", views.person_data, name="person_data"),
    path("personnes/<int:pk>/donnees.json", views.person_data_json, name="person_data_json"),
    path("personnes/<int:pk>/effacer/", views.person_erase, name="person_erase"),
    path("personnes/<int:pk>/retrait-consentement/", views.consent_withdraw, name="consent_withdraw"),
]
