from django.urls import path

from sessions_app.reminders import views, webhook

app_name = "reminders"

urlpatterns = [
    path("antennes/<int:antenna_pk>/rappels/", views.reminder_list, name="reminder_list"),
    # The SMS provider forwards the replies people send here (webhook.py).
    path("sms/reponses/", webhook.sms_reply, name="sms_reply"),
]
