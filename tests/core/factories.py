import factory

from inclusion.core.enums import AntennaStatus, MembershipRole, OrganizationKind
from inclusion.core.models import Antenna, AntennaMembership, Organization, Referrer, User


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Association n°{n}")
    kind = OrganizationKind.ASSOCIATION
    department_code = "13"

    class Params:
        federation = factory.Trait(kind=OrganizationKind.FEDERATION, department_code="")
        social_services = factory.Trait(kind=OrganizationKind.DEPARTMENT, department_code="33")


class AntennaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Antenna

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Antenne {n}")
    address = factory.Sequence(lambda n: f"{n} rue de la République")
    postcode = "13001"
    city = "Marseille"
    department_code = "13"
    status = AntennaStatus.ACTIVE
    workstations = 2

    class Params:
        dormant = factory.Trait(status=AntennaStatus.DORMANT)
        planned = factory.Trait(status=AntennaStatus.PLANNED)


class UserFactory(factory.django.DjangoModelFactory):
    """An account; the traits give it a role: admin, coordinator, volunteer or referrer.

    A coordinator or volunteer gets a new antenna unless one is given: UserFactory(volunteer=True,
    membership__antenna=antenna).
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    display_name = factory.Faker("name", locale="fr_FR")
    password = factory.django.Password("un mot de passe solide")

    class Params:
        admin = factory.Trait(is_superuser=True, is_staff=True)
        coordinator = factory.Trait(
            membership=factory.RelatedFactory(
                "tests.core.factories.AntennaMembershipFactory", "user", role=MembershipRole.COORDINATOR
            )
        )
        volunteer = factory.Trait(
            membership=factory.RelatedFactory(
                "tests.core.factories.AntennaMembershipFactory", "user", role=MembershipRole.VOLUNTEER
            )
        )
        referrer = factory.Trait(
            referrer_profile=factory.RelatedFactory("tests.core.factories.ReferrerFactory", "user")
        )


class AntennaMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AntennaMembership

    antenna = factory.SubFactory(AntennaFactory)
    user = factory.SubFactory(UserFactory)
    role = MembershipRole.VOLUNTEER


class ReferrerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referrer

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory, social_services=True)
    job_title = "Assistante sociale"
