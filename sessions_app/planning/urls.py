from django.urls import path

from sessions_app.planning import views

app_name = "schedule"

urlpatterns = [
    path("antennes/<int:antenna_pk>/permanences/", views.permanence_list, name="permanence_list"),
    path("antennes/<int:antenna_pk>/permanences/nouvelle/", views.permanence_create, name="permanence_create"),
    path("permanences/<int:pk>/modifier/", views.permanence_update, name="permanence_update"),
    path("permanences/<int:pk>/suspendre/", views.permanence_toggle, name="permanence_toggle"),
    path("permanences/<int:pk>/supprimer/", views.permanence_delete, name="permanence_delete"),
    path("permanences/<int:pk>/archiver/", views.permanence_archive, name="permanence_archive"),
    path("permanences/<int:pk>/desarchiver/", views.permanence_unarchive, name="permanence_unarchive"),
    path("antennes/<int:antenna_pk>/fermetures/", views.closure_list, name="closure_list"),
    path("fermetures/<int:pk>/supprimer/", views.closure_delete, name="closure_delete"),
    path("antennes/<int:antenna_pk>/mois/", views.month, name="month"),
    path("antennes/<int:antenna_pk>/mois/<int:year>/<int:month>/", views.month, name="month_of"),
    path("antennes/<int:antenna_pk>/seances/ajouter/", views.occurrence_add, name="occurrence_add"),
    path("antennes/<int:antenna_pk>/seances/ouvrir/", views.occurrence_open, name="occurrence_open"),
    path("seances/<int:pk>/annuler/", views.occurrence_cancel, name="occurrence_cancel"),
    path("seances/<int:pk>/deplacer/", views.occurrence_move, name="occurrence_move"),
    path("seances/<int:pk>/retablir/", views.occurrence_restore, name="occurrence_restore"),
]
