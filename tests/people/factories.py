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
    consent = factory.RelatedFactory("tests.people.factories.ConsentFactory", "beneficiary")

    @factory.post_generation
    def languages(self, create, codes, **kwargs):
        from inclusion.core.models import Language

        if create and codes:
            self.languages.set(Language.objects.filter(code__in=codes))


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
    referrer = factory.SubFactory("tests.core.factories.UserFactory", referrer=True)
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
