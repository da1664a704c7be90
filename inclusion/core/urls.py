from django.urls import path

from inclusion.core import views

app_name = "inclusion"

urlpatterns = [
    path("", views.home, name="home"),
    path("mon-compte/", views.profile, name="profile"),
    path("antennes/", views.antenna_list, name="antenna_list"),
    path("antennes/nouvelle/", views.antenna_create, name="antenna_create"),
    path("antennes/<int:pk>/", views.antenna_detail, name="antenna_detail"),
    path("antennes/<int:pk>/modifier/", views.antenna_update, name="antenna_update"),
    path("organisations/", views.organization_list, name="organization_list"),
    path("organisations/nouvelle/", views.organization_create, name="organization_create"),
    path("organisations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("organisations/<int:pk>/modifier/", views.organization_update, name="organization_update"),
    path("comptes/", views.account_list, name="account_list"),
    path("comptes/nouveau/", views.account_create, name="account_create"),
    path("comptes/<int:pk>/", views.account_detail, name="account_detail"),
    path("comptes/<int:pk>/modifier/", views.account_update, name="account_update"),
    path("comptes/<int:pk>/invitation/", views.account_invitation_resend, name="account_invitation_resend"),
    path("comptes/<int:pk>/roles/", views.account_membership_add, name="account_membership_add"),
    path(
        "comptes/<int:pk>/roles/<int:membership_pk>/retirer/",
        views.account_membership_remove,
        name="account_membership_remove",
    ),
    path("comptes/<int:pk>/prescripteur/", views.account_referrer_set, name="account_referrer_set"),
    path("comptes/<int:pk>/prescripteur/retirer/", views.account_referrer_remove, name="account_referrer_remove"),
    path("journal-des-acces/", views.access_log, name="access_log"),
    path("accessibilite/", views.accessibility_statement, name="accessibility"),
]
