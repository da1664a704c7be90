import datetime

import factory
from django.utils import timezone

from sessions_app.planning.generation import occurrences_generate
from tests.scheduling.factories import PermanenceFactory
from volunteers.team.models import Signup, VolunteerProfile


class VolunteerProfileFactory(factory.django.DjangoModelFactory):
    """A volunteer's profile, charter signed unless told otherwise (charter_signed_on=None)."""

    class Meta:
        model = VolunteerProfile
        django_get_or_create = ["user"]
        skip_postgeneration_save = True

    user = factory.SubFactory("tests.core.factories.UserFactory", volunteer=True)
    charter_signed_on = datetime.date(2026, 1, 15)

    @factory.post_generation
    def languages(self, create, codes, **kwargs):
        from inclusion.core.models import Language

        if create and codes:
            self.languages.set(Language.objects.filter(code__in=codes))


class SignupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signup

    volunteer = factory.SubFactory("tests.core.factories.UserFactory", volunteer=True)


def permanence_dates(*, antenna, today: datetime.date | None = None, weeks: int = 4, **permanence_fields) -> list:
    """A permanence of the antenna (every Tuesday 9:00–10:00 unless told otherwise) and its dates
    not yet over, generated from today (the real date unless given) over that many weeks."""
    today = today or timezone.localdate()
    permanence_fields.setdefault("valid_from", today)
    permanence = PermanenceFactory(antenna=antenna, **permanence_fields)
    occurrences_generate(permanences=[permanence], today=today, weeks=weeks)
    return list(permanence.occurrences.filter(ends_at__gt=timezone.now()).order_by("starts_at"))
