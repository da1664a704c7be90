"""The site's URL map: the apps, the account pages, the language switch and the Django admin."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from inclusion.core.health import healthz
from sessions_app.public import views as public_views

admin.site.site_header = "Permanences numériques"
admin.site.site_title = "Permanences numériques"

urlpatterns = [
    path("", include("inclusion.core.urls")),
    path("", include("sessions_app.planning.urls")),
    path("", include("sessions_app.desk.urls")),
    path("", include("volunteers.team.urls")),
    path("", include("beneficiaries.referrals.urls")),
    path("", include("beneficiaries.referrals.booking_urls")),
    path("", include("sessions_app.reminders.urls")),
    path("", include("beneficiaries.privacy.urls")),
    path("", include("sessions_app.figures.urls")),
    path("", include("sessions_app.figures.export_urls")),
    path("", include("inclusion.core.auth_urls")),
    path("", include("inclusion.core.two_factor_urls")),
    path("lieux/", include("sessions_app.public.urls")),
    # The appointment sent to its person (reminders.notices.card_link): a short address, for an SMS.
    path("r/<str:token>/", public_views.appointment, name="public_appointment"),
    # Visitors on the log-in page must be able to switch language too.
    path("langue/", login_not_required(set_language), name="set_language"),
    path(settings.ADMIN_URL, admin.site.urls),
    # For load balancers and supervisors: public, answers only whether the database does.
    path("healthz", healthz, name="healthz"),
]

# The site's own error pages, in the person's language, rendered without the database.
handler400 = "inclusion.core.error_pages.bad_request"
handler403 = "inclusion.core.error_pages.permission_denied"
handler404 = "inclusion.core.error_pages.page_not_found"
handler500 = "inclusion.core.error_pages.server_error"
