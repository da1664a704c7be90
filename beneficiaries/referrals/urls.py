from django.urls import path

from beneficiaries.referrals import views

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
]
