import factory

from beneficiaries.enums import ConsentMethod
from beneficiaries.models import Beneficiary, Consent


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
