from django.urls import path

from sessions_app.figures import export_views

app_name = "exports"

urlpatterns = [
    path("chiffres/<str:scope>/<int:pk>/export/seances.<str:fmt>", export_views.sessions, name="sessions"),
    path("chiffres/<str:scope>/<int:pk>/export/rendez-vous.<str:fmt>", export_views.bookings, name="bookings"),
]
