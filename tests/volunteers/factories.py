import datetime

import factory

from volunteers.models import Signup, VolunteerProfile


class VolunteerProfileFactory(factory.django.DjangoModelFactory):
    """A volunteer's profile, charter signed unless told otherwise (charter_signed_on=None)."""

    class Meta:
        model = VolunteerProfile
        django_get_or_create = ["user"]
        skip_postgeneration_save = True

    user = factory.SubFactory("tests.inclusion.factories.UserFactory", volunteer=True)
    charter_signed_on = datetime.date(2026, 1, 15)

    @factory.post_generation
    def languages(self, create, codes, **kwargs):
        from volunteers.models import Language

        if create and codes:
            self.languages.set(Language.objects.filter(code__in=codes))


class SignupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signup

    volunteer = factory.SubFactory("tests.inclusion.factories.UserFactory", volunteer=True)
