import datetime
from django.conf import settings
from django.db import migrations, models


def clear_impossible_charter_dates(apps, schema_editor):
    """Before the constraint: a charter "signed" in year 1 or 9999 was never signed on that day;
    it is cleared, and a coordinator records the real date again."""
    VolunteerProfile = apps.get_model("volunteers", "VolunteerProfile")
    VolunteerProfile.objects.exclude(charter_signed_on__isnull=True).exclude(
        charter_signed_on__range=(datetime.date(2000, 1, 1), datetime.date(2100, 12, 31))
    ).update(charter_signed_on=None)


class Migration(migrations.Migration):

    dependencies = [
        ('sessions_app', '0009_admin_indexes'),
        ('volunteers', '0002_languages'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(clear_impossible_charter_dates, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name='volunteerprofile',
            constraint=models.CheckConstraint(condition=models.Q(('charter_signed_on__isnull', True), models.Q(('charter_signed_on__gte', datetime.date(2000, 1, 1)), ('charter_signed_on__lte', datetime.date(2100, 12, 31))), _connector='OR'), name='volunteer_charter_date_in_range'),
        ),
    ]
