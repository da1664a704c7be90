"""Languages commonly spoken at French digital drop-ins, by ISO 639 code."""

from django.db import migrations

LANGUAGES = [
    ("fr", "Français", "French"),
    ("ar", "Arabe", "Arabic"),
    ("en", "Anglais", "English"),
    ("es", "Espagnol", "Spanish"),
    ("pt", "Portugais", "Portuguese"),
    ("it", "Italien", "Italian"),
    ("de", "Allemand", "German"),
    ("ro", "Roumain", "Romanian"),
    ("bg", "Bulgare", "Bulgarian"),
    ("pl", "Polonais", "Polish"),
    ("ru", "Russe", "Russian"),
    ("uk", "Ukrainien", "Ukrainian"),
    ("ka", "Géorgien", "Georgian"),
    ("hy", "Arménien", "Armenian"),
    ("sq", "Albanais", "Albanian"),
    ("sr", "Serbe", "Serbian"),
    ("tr", "Turc", "Turkish"),
    ("ku", "Kurde", "Kurdish"),
    ("fa", "Persan", "Persian"),
    ("prs", "Dari", "Dari"),
    ("ps", "Pachto", "Pashto"),
    ("ur", "Ourdou", "Urdu"),
    ("hi", "Hindi", "Hindi"),
    ("bn", "Bengali", "Bengali"),
    ("ta", "Tamoul", "Tamil"),
    ("ne", "Népalais", "Nepali"),
    ("zh", "Chinois", "Chinese"),
    ("vi", "Vietnamien", "Vietnamese"),
    ("km", "Khmer", "Khmer"),
    ("kab", "Kabyle", "Kabyle"),
    ("zgh", "Tamazight", "Tamazight"),
    ("ti", "Tigrigna", "Tigrinya"),
    ("am", "Amharique", "Amharic"),
    ("so", "Somali", "Somali"),
    ("sw", "Swahili", "Swahili"),
    ("zdj", "Comorien", "Comorian"),
    ("wo", "Wolof", "Wolof"),
    ("bm", "Bambara", "Bambara"),
    ("ff", "Peul", "Fula"),
    ("snk", "Soninké", "Soninke"),
    ("ln", "Lingala", "Lingala"),
    ("ht", "Créole haïtien", "Haitian Creole"),
    ("rom", "Romani", "Romani"),
    ("fsl", "Langue des signes française", "French Sign Language"),
]


def load_languages(apps, schema_editor):
    Language = apps.get_model("core", "Language")
    for code, name_fr, name_en in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name_fr": name_fr, "name_en": name_en})


def unload_languages(apps, schema_editor):
    apps.get_model("core", "Language").objects.filter(code__in=[code for code, *_names in LANGUAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_topics")]

    operations = [migrations.RunPython(load_languages, unload_languages)]
