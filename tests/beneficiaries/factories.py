import factory

from beneficiaries.people.enums import ConsentMethod
from beneficiaries.people.models import Beneficiary, Consent, LiaisonSheet


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    """A person helped, with their oral consent recorded."""

    class Meta:
        model = Beneficiary
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    phone = factory.Sequence(lambda n: f"+3346571{n % 10000:04d}")
    birth_year = 1982
    commune = "Marseille"
    consent = factory.RelatedFactory("tests.beneficiaries.factories.ConsentFactory", "beneficiary")


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    beneficiary = factory.SubFactory(BeneficiaryFactory, consent=None)
    method = ConsentMethod.ORAL


class LiaisonSheetFactory(factory.django.DjangoModelFactory):
    """A sheet sent by a referrer (with their organization) for a person, needing e-mail help."""

    class Meta:
        model = LiaisonSheet
        skip_postgeneration_save = True

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    referrer = factory.SubFactory("tests.inclusion.factories.UserFactory", referrer=True)
    organization = factory.LazyAttribute(lambda sheet: sheet.referrer.referrer.organization)
    detail = "Créer une adresse e-mail"

    @factory.post_generation
    def needs(self, create, codes, **kwargs):
        from inclusion.core.models import Topic

        if create:
            self.needs.set(Topic.objects.filter(code__in=codes or ["email"]))

    @factory.post_generation
    def events(self, create, extracted, **kwargs):
        from beneficiaries.people.models import LiaisonSheetEvent

        if create:
            LiaisonSheetEvent.objects.create(sheet=self, status=self.status, created_by=self.referrer)


def slot_ahead(*, antenna=None, days: int = 7, seats: int = 2):
    """A one-hour slot (9:00–10:00) of a new permanence of the antenna, some days ahead so that
    it is not over whatever the time of the run."""
    import datetime

    from django.utils import timezone

    from tests.inclusion.factories import AntennaFactory
    from tests.sessions_app.factories import occurrence_today

    occurrence = occurrence_today(
        antenna=antenna or AntennaFactory(),
        day=timezone.localdate() + datetime.timedelta(days=days),
        start=9,
        end=10,
        seats=seats,
    )
    return occurrence.slots.get()
