"""The topics of the national session record of digital mediators, with stable codes."""

from django.db import migrations

THEMES = [
    ("diagnostic_numerique", "Diagnostic numérique"),
    ("prendre_en_main_du_materiel", "Prendre en main du matériel"),
    ("maintenance_de_materiel", "Maintenance de matériel"),
    ("gerer_ses_contenus_numeriques", "Gérer ses contenus numériques"),
    ("navigation_sur_internet", "Navigation sur internet"),
    ("email", "E-mail"),
    ("bureautique", "Bureautique"),
    ("reseaux_sociaux", "Réseaux sociaux et communication"),
    ("sante", "Santé"),
    ("banque_et_achats_en_ligne", "Banque et achats en ligne"),
    ("accompagner_un_professionnel", "Accompagner un professionnel"),
    ("insertion_professionnelle", "Insertion professionnelle"),
    ("securite_numerique", "Prévention en sécurité numérique"),
    ("parentalite", "Parentalité"),
    ("scolarite_et_numerique", "Scolarité et numérique"),
    ("creer_avec_le_numerique", "Créer avec le numérique"),
    ("culture_numerique", "Culture numérique"),
    ("intelligence_artificielle", "Intelligence artificielle"),
    ("aide_aux_demarches_administratives", "Aide aux démarches administratives"),
]
ADMINISTRATIVE = "aide_aux_demarches_administratives"
ADMINISTRATIVE_SUBTOPICS = [
    ("papiers_elections_citoyennete", "Papiers - Élections - Citoyenneté"),
    ("famille_scolarite", "Famille - Scolarité"),
    ("social_sante", "Social - Santé"),
    ("travail_formation_entreprise", "Travail - Formation - Entreprise"),
    ("logement", "Logement"),
    ("transports_mobilite", "Transports - Mobilité"),
    ("argent_impots", "Argent - Impôts"),
    ("justice", "Justice"),
    ("etrangers_europe", "Étrangers - Europe"),
    ("loisirs_sports_culture", "Loisirs - Sports - Culture"),
    ("associations", "Associations"),
]


def load_topics(apps, schema_editor):
    Topic = apps.get_model("core", "Topic")
    themes = {}
    for position, (code, label) in enumerate(THEMES, start=1):
        themes[code], _created = Topic.objects.update_or_create(
            code=code, defaults={"label": label, "position": position, "parent": None}
        )
    for position, (code, label) in enumerate(ADMINISTRATIVE_SUBTOPICS, start=1):
        Topic.objects.update_or_create(
            code=code, defaults={"label": label, "position": position, "parent": themes[ADMINISTRATIVE]}
        )


def unload_topics(apps, schema_editor):
    Topic = apps.get_model("core", "Topic")
    Topic.objects.filter(code__in=[code for code, _label in ADMINISTRATIVE_SUBTOPICS]).delete()
    Topic.objects.filter(code__in=[code for code, _label in THEMES]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [migrations.RunPython(load_topics, unload_topics)]
