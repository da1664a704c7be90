"""The topics' English labels, for the English interface.

The topics are seeded by 0003_topics.py, before this field exists: this migration fills the
English labels of new databases as well as existing ones. A topic an admin added since keeps its
French label in both fields until someone translates it in the admin.
"""

from django.db import migrations, models

LABELS_EN = {
    "diagnostic_numerique": "Digital skills assessment",
    "prendre_en_main_du_materiel": "Getting started with a device",
    "maintenance_de_materiel": "Device maintenance",
    "gerer_ses_contenus_numeriques": "Managing digital content",
    "navigation_sur_internet": "Browsing the internet",
    "email": "E-mail",
    "bureautique": "Office software",
    "reseaux_sociaux": "Social media and communication",
    "sante": "Health",
    "banque_et_achats_en_ligne": "Online banking and shopping",
    "accompagner_un_professionnel": "Supporting a professional",
    "insertion_professionnelle": "Getting into work",
    "securite_numerique": "Online safety",
    "parentalite": "Parenting",
    "scolarite_et_numerique": "School and digital tools",
    "creer_avec_le_numerique": "Creating with digital tools",
    "culture_numerique": "Digital culture",
    "intelligence_artificielle": "Artificial intelligence",
    "aide_aux_demarches_administratives": "Help with administrative procedures",
    "papiers_elections_citoyennete": "ID papers - Elections - Citizenship",
    "famille_scolarite": "Family - Schooling",
    "social_sante": "Welfare - Health",
    "travail_formation_entreprise": "Work - Training - Business",
    "logement": "Housing",
    "transports_mobilite": "Transport - Mobility",
    "argent_impots": "Money - Taxes",
    "justice": "Justice",
    "etrangers_europe": "Foreign nationals - Europe",
    "loisirs_sports_culture": "Leisure - Sports - Culture",
    "associations": "Associations",
}


def fill_labels_en(apps, schema_editor):
    Topic = apps.get_model("core", "Topic")
    for topic in Topic.objects.all():
        topic.label_en = LABELS_EN.get(topic.code, topic.label)
        topic.save(update_fields=["label_en"])


class Migration(migrations.Migration):
    dependencies = [("core", "0005_access_log_append_only")]

    operations = [
        migrations.AlterField(
            model_name="topic",
            name="label",
            field=models.CharField(max_length=150, verbose_name="French label"),
        ),
        migrations.AddField(
            model_name="topic",
            name="label_en",
            field=models.CharField(default="", max_length=150, verbose_name="English label"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_labels_en, migrations.RunPython.noop),
    ]
