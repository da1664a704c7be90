import datetime
from django.conf import settings
from django.db import migrations, models


def clear_impossible_dates(apps, schema_editor):
    """Before the constraints: a birth year or a deadline no one could mean (year 1, 9999),
    typed before the forms had bounds, is cleared rather than guessed."""
    Beneficiary = apps.get_model("beneficiaries", "Beneficiary")
    LiaisonSheet = apps.get_model("beneficiaries", "LiaisonSheet")
    Beneficiary.objects.exclude(birth_year__isnull=True).exclude(birth_year__range=(1900, 2100)).update(
        birth_year=None
    )
    LiaisonSheet.objects.exclude(deadline__isnull=True).exclude(
        deadline__range=(datetime.date(2000, 1, 1), datetime.date(2100, 12, 31))
    ).update(deadline=None)


class Migration(migrations.Migration):

    dependencies = [
        ('beneficiaries', '0005_admin_indexes'),
        ('inclusion', '0006_admin_indexes'),
        ('sessions_app', '0009_admin_indexes'),
        ('volunteers', '0002_languages'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(clear_impossible_dates, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name='beneficiary',
            constraint=models.CheckConstraint(condition=models.Q(('birth_year__isnull', True), ('birth_year__range', (1900, 2100)), _connector='OR'), name='person_birth_year_in_range'),
        ),
        migrations.AddConstraint(
            model_name='liaisonsheet',
            constraint=models.CheckConstraint(condition=models.Q(('deadline__isnull', True), models.Q(('deadline__gte', datetime.date(2000, 1, 1)), ('deadline__lte', datetime.date(2100, 12, 31))), _connector='OR'), name='sheet_deadline_in_range'),
        ),
    ]
