from django.urls import path

from sessions_app.desk import views as desk_views

app_name = "desk"

urlpatterns = [
    path("antennes/<int:antenna_pk>/aujourdhui/", desk_views.today, name="today"),
    path("antennes/<int:antenna_pk>/aujourdhui/liste/", desk_views.day_list, name="day_list"),
    path("appels/<int:pk>/fait/", desk_views.call_done, name="call_done"),
    path("rendez-vous/<int:pk>/presence/", desk_views.attendance, name="attendance"),
    path("seances/<int:pk>/sans-rendez-vous/", desk_views.walk_in, name="walk_in"),
    path("antennes/<int:antenna_pk>/journal/", desk_views.log_list, name="log_list"),
    path("antennes/<int:antenna_pk>/journal/nouveau/", desk_views.log_create, name="log_create"),
    path("journal/<int:pk>/", desk_views.log_detail, name="log_detail"),
    path(
        "antennes/<int:antenna_pk>/personnes/<int:beneficiary_pk>/",
        desk_views.person_history,
        name="person_history",
    ),
    path(
        "antennes/<int:antenna_pk>/personnes/<int:beneficiary_pk>/prochain-rendez-vous/",
        desk_views.next_appointment,
        name="next_appointment",
    ),
]
