"""Demo data drawn from the field: Secours populaire in Marseille, the Gironde department's
social services around Mérignac, and Emmaüs Connect in Bordeaux.

Loading is idempotent: every row is found by its natural key and updated, never duplicated,
and a demo account's password is only set when the account is first created.
Phone numbers are in the ranges reserved for fiction (04 65 71, 05 35 35, 01 99 00).
"""

from typing import Any

from django.db import transaction

from inclusion.core.enums import AntennaStatus, MembershipRole, OrganizationKind
from inclusion.core.models import Antenna, AntennaMembership, Organization, Referrer, User

DEMO_PASSWORD = "permanence-demo"  # noqa: S105 (published in the README on purpose)

ORGANIZATIONS = [
    # (name, kind, parent name, department)
    ("Secours populaire français", OrganizationKind.FEDERATION, None, ""),
    (
        "Fédération des Bouches-du-Rhône du Secours populaire",
        OrganizationKind.FEDERATION,
        "Secours populaire français",
        "13",
    ),
    ("Département de la Gironde", OrganizationKind.DEPARTMENT, None, "33"),
    (
        "Maison du Département des Solidarités de Mérignac",
        OrganizationKind.DEPARTMENT,
        "Département de la Gironde",
        "33",
    ),
    ("Emmaüs Connect", OrganizationKind.ASSOCIATION, None, ""),
    ("Emmaüs Connect Bordeaux", OrganizationKind.ASSOCIATION, "Emmaüs Connect", "33"),
]

SPF13 = "Fédération des Bouches-du-Rhône du Secours populaire"
MDS_MERIGNAC = "Maison du Département des Solidarités de Mérignac"

ANTENNAS: list[dict[str, Any]] = [
    {
        "organization": SPF13,
        "name": "La Blancarde",
        "address": "Boulevard de la Blancarde",
        "postcode": "13004",
        "city": "Marseille",
        "status": AntennaStatus.ACTIVE,
        "workstations": 2,
        "public_phone": "+33465710001",
        "accessibility_notes": "Local de plain-pied.",
        "public_notes": (
            "Permanence « Fracture numérique » : aide aux démarches administratives en ligne, "
            "création d'adresse e-mail, prise en main du clavier et de la souris."
        ),
    },
    {
        "organization": SPF13,
        "name": "Chemin de Gibbes",
        "address": "169 chemin de Gibbes",
        "postcode": "13014",
        "city": "Marseille",
        "status": AntennaStatus.ACTIVE,
        "workstations": 3,
        "public_phone": "+33465710002",
        "public_notes": "Dans les locaux de la fédération, le jeudi matin.",
    },
    {
        "organization": SPF13,
        "name": "Belle de Mai",
        "address": "Rue Belle de Mai",
        "postcode": "13003",
        "city": "Marseille",
        "status": AntennaStatus.DORMANT,
        "workstations": 2,
        "public_notes": "Permanence en sommeil.",
    },
    {
        "organization": SPF13,
        "name": "La Bricarde",
        "address": "Boulevard Henri Barnier",
        "postcode": "13015",
        "city": "Marseille",
        "status": AntennaStatus.PLANNED,
        "workstations": 2,
        "public_notes": "Ouverture prévue dans quelques semaines.",
    },
    {
        "organization": MDS_MERIGNAC,
        "name": "Eysines",
        "address": "16, rue des Treytins",
        "postcode": "33320",
        "city": "Eysines",
        "status": AntennaStatus.ACTIVE,
        "workstations": 2,
        "public_notes": "Inscriptions auprès de l'accueil du site ou de votre référent social.",
    },
    {
        "organization": MDS_MERIGNAC,
        "name": "Mérignac",
        "address": "419, avenue de Verdun",
        "postcode": "33700",
        "city": "Mérignac",
        "status": AntennaStatus.ACTIVE,
        "workstations": 2,
        "public_notes": "Inscriptions auprès de l'accueil du site ou de votre référent social.",
    },
    {
        "organization": MDS_MERIGNAC,
        "name": "Le Bouscat",
        "address": "17b, rue Georges Lafont",
        "postcode": "33110",
        "city": "Le Bouscat",
        "status": AntennaStatus.ACTIVE,
        "workstations": 2,
        "public_notes": "Inscriptions auprès de l'accueil du site ou de votre référent social.",
    },
    {
        "organization": MDS_MERIGNAC,
        "name": "Saint-Médard-en-Jalles",
        "address": "2, rue Firmin Montignac",
        "postcode": "33160",
        "city": "Saint-Médard-en-Jalles",
        "status": AntennaStatus.ACTIVE,
        "workstations": 2,
        "public_notes": "Inscriptions auprès de l'accueil du site ou de votre référent social.",
    },
    {
        "organization": "Emmaüs Connect Bordeaux",
        "name": "Les Aubiers",
        "address": "Cours des Aubiers",
        "postcode": "33300",
        "city": "Bordeaux",
        "status": AntennaStatus.ACTIVE,
        "workstations": 6,
        "public_phone": "+33535350001",
        "public_notes": "Permanences connectées et ateliers d'initiation ou de renforcement.",
    },
]

# La Blancarde's "fracture numérique" group has seven volunteers; Monique runs the antenna.
ACCOUNTS = [
    # (email, display name, phone)
    ("admin@demo.test", "Administration fédérale", ""),
    ("coordination@demo.test", "Monique", "+33465710010"),
    ("benevole@demo.test", "Antoine", "+33465710011"),
    ("karima.benevole@demo.test", "Karima", ""),
    ("jean-pierre.benevole@demo.test", "Jean-Pierre", ""),
    ("nadia.benevole@demo.test", "Nadia", ""),
    ("mehdi.benevole@demo.test", "Mehdi", ""),
    ("sylvie.benevole@demo.test", "Sylvie", ""),
    ("paul.benevole@demo.test", "Paul", ""),
    ("travailleur.social@demo.test", "Claire Martin", "+33535350010"),
]
ADMINS = {"admin@demo.test"}
MEMBERSHIPS = [
    ("coordination@demo.test", "La Blancarde", MembershipRole.COORDINATOR),
    *[
        (email, "La Blancarde", MembershipRole.VOLUNTEER)
        for email, _name, _phone in ACCOUNTS
        if email == "benevole@demo.test" or email.endswith(".benevole@demo.test")
    ],
]
REFERRERS = [("travailleur.social@demo.test", MDS_MERIGNAC, "Assistante sociale")]


@transaction.atomic
def demo_load() -> dict[str, int]:
    """Create or refresh the demo organizations, antennas and accounts; returns row counts."""
    organizations: dict[str, Organization] = {}
    for name, kind, parent, department in ORGANIZATIONS:
        organizations[name], _created = Organization.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "parent": organizations.get(parent) if parent is not None else None,
                "department_code": department,
            },
        )
    antennas = {}
    for fields in ANTENNAS:
        fields = {**fields, "department_code": fields["postcode"][:2]}
        organization = organizations[fields.pop("organization")]
        name = fields.pop("name")
        antennas[name], _created = Antenna.objects.update_or_create(
            organization=organization, name=name, defaults=fields
        )
    users = {}
    for email, display_name, phone in ACCOUNTS:
        is_admin = email in ADMINS
        user, created = User.objects.update_or_create(
            email=email,
            defaults={"display_name": display_name, "phone": phone, "is_superuser": is_admin, "is_staff": is_admin},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[email] = user
    for email, antenna_name, role in MEMBERSHIPS:
        AntennaMembership.objects.update_or_create(
            user=users[email], antenna=antennas[antenna_name], defaults={"role": role}
        )
    for email, organization_name, job_title in REFERRERS:
        Referrer.objects.update_or_create(
            user=users[email],
            defaults={"organization": organizations[organization_name], "job_title": job_title, "is_active": True},
        )
    return {
        "organizations": len(organizations),
        "antennas": len(antennas),
        "accounts": len(users),
        "memberships": len(MEMBERSHIPS),
        "referrers": len(REFERRERS),
    }
