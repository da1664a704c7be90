"""Public pages under /lieux/: open to everyone, no account needed."""

from django.urls import path

from sessions_app.public import views as public_views

app_name = "public"

urlpatterns = [
    path("", public_views.antenna_list, name="antenna_list"),
    path("export.json", public_views.export_json, name="export_json"),
    path("export.csv", public_views.export_csv, name="export_csv"),
    path("<int:pk>/", public_views.antenna_detail, name="antenna_detail"),
    path("<int:pk>/calendrier.ics", public_views.antenna_calendar, name="antenna_calendar"),
]
