from django.urls import path

from sessions_app.figures import export_views

app_name = "exports"

urlpatterns = [
    path("chiffres/<str:scope>/<int:pk>/export/seances.<str:fmt>", export_views.sessions, name="sessions"),
    path("chiffres/<str:scope>/<int:pk>/export/rendez-vous.<str:fmt>", export_views.bookings, name="bookings"),
    # An export prepared by the task worker: its page, its progress, its file.
    path("chiffres/export/<uuid:pk>/", export_views.job, name="job"),
    path("chiffres/export/<uuid:pk>/etat.json", export_views.job_status, name="job_status"),
    path("chiffres/export/<uuid:pk>/fichier", export_views.job_download, name="job_download"),
]
