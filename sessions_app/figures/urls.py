from django.urls import path

from sessions_app.figures import views as figures_views

app_name = "figures"

urlpatterns = [
    path("chiffres/", figures_views.home, name="home"),
    path("chiffres/<str:scope>/<int:pk>/", figures_views.figures, name="figures"),
    path("chiffres/<str:scope>/<int:pk>/synthese/", figures_views.summary, name="summary"),
]
