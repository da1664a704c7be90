"""Every write to accounts, organizations, antennas and roles goes through these functions."""

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import models, transaction

from inclusion.core.enums import AntennaStatus, MembershipRole
from inclusion.core.models import AccessLog, Antenna, AntennaMembership, Organization, Referrer, User
from inclusion.core.submissions import create_once
from inclusion.core.tasks import account_invitation_email
from inclusion.core.typed_fields import ModelFields


def _instance_update(*, instance: models.Model, values: Mapping[str, object]) -> None:
    """Set these values on instance, validate it and save those fields (and its updated_at).

    The names come from a service's typed arguments, never from a form: a crafted form cannot
    reach a field the service does not take.
    """
    names = list(values)
    for name, value in values.items():
        setattr(instance, name, value)
    instance.full_clean()
    if hasattr(instance, "updated_at"):
        names.append("updated_at")
    instance.save(update_fields=names)


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrganizationFields(ModelFields):
    """An organization's details, as its form gives them."""

    name: str
    kind: str
    parent: Organization | None = None
    department_code: str = ""
    email: str = ""
    phone: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class AntennaFields(ModelFields):
    """An antenna's details, as its form gives them; the organization that runs it is apart,
    since only admins choose it."""

    name: str
    address: str
    postcode: str
    city: str
    department_code: str
    status: str = AntennaStatus.ACTIVE
    workstations: int = 1
    public_phone: str = ""
    accessibility_notes: str = ""
    public_notes: str = ""
    time_zone: str = "Europe/Paris"


ORGANIZATION_FIELDS = OrganizationFields.names()
ANTENNA_FIELDS = AntennaFields.names()
# A coordinator runs the antenna but does not move it to another organization.
ANTENNA_COORDINATOR_FIELDS = ANTENNA_FIELDS
ANTENNA_ADMIN_FIELDS = ["organization", *ANTENNA_FIELDS]


def organization_create(
    *, fields: OrganizationFields, by: User | None = None, submission_key: uuid.UUID | None = None
) -> Organization:
    """Create an organization from validated form data; the same form sent again by `by` raises
    AlreadySubmitted with the organization it made."""
    organization = Organization(**fields.values())
    organization.full_clean()

    def create() -> Organization:
        organization.save()
        return organization

    return create_once(key=submission_key, user=by, create=create)


def organization_update(*, organization: Organization, fields: OrganizationFields) -> None:
    """Change an organization's details."""
    _instance_update(instance=organization, values=fields.values())


def antenna_create(
    *,
    organization: Organization,
    fields: AntennaFields,
    by: User | None = None,
    submission_key: uuid.UUID | None = None,
) -> Antenna:
    """Create an antenna from validated form data (admins only: the view checks it); the same
    form sent again by `by` raises AlreadySubmitted with the antenna it made."""
    antenna = Antenna(organization=organization, **fields.values())
    antenna.full_clean()

    def create() -> Antenna:
        antenna.save()
        return antenna

    return create_once(key=submission_key, user=by, create=create)


def antenna_update(*, antenna: Antenna, fields: AntennaFields, organization: Organization | None = None) -> None:
    """Change an antenna's details, and move it to `organization` when one is given: only admins
    may, so the view passes it for them alone."""
    values: dict[str, object] = fields.values()
    if organization is not None:
        values = {"organization": organization, **values}
    _instance_update(instance=antenna, values=values)


def user_invite(
    *,
    email: str,
    display_name: str,
    phone: str = "",
    is_admin: bool = False,
    base_url: str,
    language: str,
    by: User | None = None,
    submission_key: uuid.UUID | None = None,
) -> User:
    """Create an account without a password and e-mail its owner a link to choose one.

    The account can log in only once its owner has set a password through that link, so
    nobody else ever knows it. The same form sent again by `by` raises AlreadySubmitted with the
    account it made, and sends no second invitation.
    """

    def create() -> User:
        user = User(email=email, display_name=display_name, phone=phone, is_superuser=is_admin, is_staff=is_admin)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        account_invitation_enqueue(user=user, base_url=base_url, language=language)
        return user

    return create_once(key=submission_key, user=by, create=create)


def account_invitation_enqueue(*, user: User, base_url: str, language: str) -> None:
    """Have the task worker e-mail the link to choose a password, once the current transaction
    has committed (at once outside one): the worker must find the account, and a rolled-back
    account must get no e-mail."""
    transaction.on_commit(
        lambda: account_invitation_email.enqueue(user_id=user.pk, base_url=base_url, language=language)
    )


def user_update(*, user: User, email: str, display_name: str, phone: str, is_active: bool, is_admin: bool) -> None:
    """Change an account's address, name, phone, status and admin flag (admins only)."""
    _instance_update(
        instance=user,
        values={
            "email": email,
            "display_name": display_name,
            "phone": phone,
            "is_active": is_active,
            "is_superuser": is_admin,
            "is_staff": is_admin,
        },
    )


def profile_update(*, user: User, display_name: str, phone: str) -> None:
    """A user changes their own name and phone."""
    _instance_update(instance=user, values={"display_name": display_name, "phone": phone})


def membership_set(*, antenna: Antenna, user: User, role: MembershipRole) -> AntennaMembership:
    """Give a user a role at an antenna, replacing the role they had there."""
    membership, _created = AntennaMembership.objects.update_or_create(
        antenna=antenna, user=user, defaults={"role": role}
    )
    return membership


def membership_remove(*, membership: AntennaMembership) -> None:
    """Take a user off an antenna."""
    membership.delete()


def referrer_set(*, user: User, organization: Organization, job_title: str = "") -> Referrer:
    """Make a user a referrer of an organization (a user refers for one organization at a time)."""
    referrer, _created = Referrer.objects.update_or_create(
        user=user, defaults={"organization": organization, "job_title": job_title, "is_active": True}
    )
    return referrer


def referrer_remove(*, referrer: Referrer) -> None:
    """Stop a user from referring; their past referrals keep pointing to them."""
    referrer.is_active = False
    referrer.save(update_fields=["is_active"])


ACCESS_LOG_KINDS = {
    "people.beneficiary": AccessLog.Kind.PERSON,
    "people.liaisonsheet": AccessLog.Kind.LIAISON_SHEET,
    "bookings.booking": AccessLog.Kind.BOOKING,
    "desk.sessionlog": AccessLog.Kind.SESSION_LOG,
}


def _people_concerned(subject: models.Model | None) -> list[int | None]:
    """The people a record is about: the person itself, the person of a sheet, booking or
    individual session, or each followed participant of a workshop."""
    if subject is None:
        return [None]
    if subject._meta.label_lower == "people.beneficiary":
        return [subject.pk]
    if getattr(subject, "is_workshop", False):
        # A workshop's session log, of an app above this one that this one cannot name.
        return [person.pk for person in subject.participants.all()] or [None]  # type: ignore[attr-defined]
    return [getattr(subject, "beneficiary_id", None)]


def _role_of(user: User | None) -> str:
    if user is None:
        return "system"
    roles = user.roles
    if roles.is_admin:
        return "admin"
    if roles.is_coordinator:
        return "coordinator"
    if roles.is_volunteer:
        return "volunteer"
    return "referrer" if roles.is_referrer else "none"


def access_log_record(
    *,
    user: User | None,
    action: str,
    subject: models.Model | None = None,
    what: str = "",
    kind: str = "",
    beneficiary: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> list[AccessLog]:
    """Record that a user (None: the application itself) viewed, changed, exported or erased
    personal data, with the role they acted in.

    `subject` is the person, liaison sheet, booking or session log concerned: its kind and id are
    kept, and the person it is about, so the log can be read person by person (a workshop's
    log gives one record per followed participant, written in one query). Names are never
    written here: the log outlives the anonymisation of the people it is about.
    """
    if subject is not None:
        kind = kind or ACCESS_LOG_KINDS[subject._meta.label_lower]
    object_id = subject.pk if subject is not None else None
    people = [beneficiary.pk] if beneficiary is not None else _people_concerned(subject)
    # Codes, not words: the log page names the kind in its reader's language (AccessLog.description).
    what = what or (f"{kind} #{object_id}" if object_id is not None else kind)
    records = [
        AccessLog(
            user=user,
            role=_role_of(user),
            action=action,
            object_kind=kind,
            object_id=object_id,
            what=what[:255],
            beneficiary_id=person,
            detail=detail or {},
        )
        for person in people
    ]
    if len(records) == 1:
        records[0].save()
        return records
    return AccessLog.objects.bulk_create(records)
