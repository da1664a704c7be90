from django.urls import path

from sessions_app.reminders import views

app_name = "reminders"

urlpatterns = [
    path("antennes/<int:antenna_pk>/rappels/", views.reminder_list, name="reminder_list"),
]
