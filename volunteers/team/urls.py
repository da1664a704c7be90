from django.urls import path

from volunteers.team import views

app_name = "volunteers"

urlpatterns = [
    path("benevoles/mes-dates/", views.my_dates, name="my_dates"),
    path("benevoles/mon-profil/", views.profile, name="profile"),
    path("benevoles/calendrier/renouveler/", views.calendar_reset, name="calendar_reset"),
    path("benevoles/calendrier/<slug:token>.ics", views.personal_calendar, name="calendar"),
    path("seances/<int:pk>/inscription/", views.signup, name="signup"),
    path("seances/<int:pk>/desinscription/", views.withdraw, name="withdraw"),
    path("seances/<int:pk>/equipe/ajouter/", views.rota_assign, name="rota_assign"),
    path("inscriptions/<int:pk>/retirer/", views.rota_remove, name="rota_remove"),
    path("antennes/<int:antenna_pk>/equipe/", views.rota, name="rota"),
    path("antennes/<int:antenna_pk>/equipe/<int:year>/<int:month>/", views.rota, name="rota_of"),
    path("antennes/<int:antenna_pk>/benevoles/", views.team, name="team"),
    path("antennes/<int:antenna_pk>/benevoles/<int:user_pk>/", views.member, name="member"),
]
