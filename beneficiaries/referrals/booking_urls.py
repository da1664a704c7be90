from django.urls import path

from beneficiaries.referrals import booking_views

app_name = "booking"

urlpatterns = [
    path("orientations/<int:pk>/creneaux/", booking_views.slot_search, name="slot_search"),
    path("orientations/<int:pk>/reserver/", booking_views.book, name="book"),
    path("rendez-vous/<int:pk>/annuler/", booking_views.cancel, name="cancel"),
    path("rendez-vous/<int:pk>/carte/", booking_views.card, name="card"),
    path("rendez-vous/<int:pk>/envoyer/", booking_views.card_send, name="card_send"),
]
