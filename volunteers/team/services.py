"""Every write to volunteers' profiles and the rota goes through these functions."""

import dataclasses
import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from inclusion.core.clock import antenna_today
from inclusion.core.models import Language, Topic, User
from inclusion.core.typed_fields import ModelFields
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Occurrence
from volunteers.team.models import Signup, VolunteerProfile, new_calendar_token


def volunteer_profile_get(*, user: User) -> VolunteerProfile:
    """The user's volunteer profile, created empty the first time it is needed."""
    profile, _created = VolunteerProfile.objects.get_or_create(user=user)
    return profile


# What a volunteer changes about themselves; the charter date and the active flag are the
# coordinator's to record, so the volunteer's own form never carries them.
@dataclasses.dataclass(frozen=True, kw_only=True)
class VolunteerOwnFields(ModelFields):
    """What volunteers say about themselves: languages, skills, when they are free."""

    languages: Iterable[Language]
    skills: Iterable[Topic]
    availability_notes: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class VolunteerRecordFields(ModelFields):
    """What a coordinator records about a member: the charter's date and whether they are active."""

    charter_signed_on: datetime.date | None
    is_active: bool


PROFILE_SELF_FIELDS = VolunteerOwnFields.names()
PROFILE_COORDINATOR_FIELDS = VolunteerRecordFields.names()
_PROFILE_SETS = {"languages", "skills"}


def volunteer_profile_update(
    *, profile: VolunteerProfile, fields: VolunteerOwnFields | VolunteerRecordFields
) -> VolunteerProfile:
    """Change the volunteer's own fields (languages, skills, availability) or the coordinator's
    record (charter date, active flag), leaving the others as they are: the kind of `fields`
    the view passes says which a user may change."""
    values = fields.values()
    plain = [name for name in values if name not in _PROFILE_SETS]
    with transaction.atomic():
        for name in plain:
            setattr(profile, name, values[name])
        if plain:
            profile.clean_fields(exclude=[field.name for field in profile._meta.fields if field.name not in plain])
            profile.save(update_fields=plain)
        for name in _PROFILE_SETS & set(values):
            getattr(profile, name).set(values[name])
    return profile


def _is_past(occurrence: Occurrence) -> bool:
    """Whether the date is before its antenna's today: its rota is history."""
    return occurrence.date < antenna_today(occurrence.permanence.antenna)


def signup_create(*, occurrence: Occurrence, volunteer: User, by: User) -> Signup:
    """Put a volunteer on the rota of a date.

    Refused for a cancelled or past date, and when the volunteer is already on another date
    at an overlapping time (at any antenna): one person cannot help in two places at once.
    A date of the antenna's today is open all day, its hours over included: the rota is how a
    volunteer who helped is counted, and the day is when they remember to say so.
    """
    if occurrence.status == OccurrenceStatus.CANCELLED:
        raise ValidationError(_("This date is cancelled."))
    if _is_past(occurrence):
        raise ValidationError(_("This date is over."))
    overlapping = (
        Signup.objects.filter(
            volunteer=volunteer,
            occurrence__starts_at__lt=occurrence.ends_at,
            occurrence__ends_at__gt=occurrence.starts_at,
            occurrence__status=OccurrenceStatus.SCHEDULED,
        )
        .exclude(occurrence=occurrence)
        .select_related("occurrence__permanence__antenna")
        .first()
    )
    if overlapping:
        other = overlapping.occurrence
        raise ValidationError(
            _("%(name)s is already on the rota of “%(title)s” at %(antenna)s at that time.")
            % {"name": volunteer, "title": other.permanence.title, "antenna": other.permanence.antenna.name}
        )
    try:
        with transaction.atomic():
            return Signup.objects.create(occurrence=occurrence, volunteer=volunteer, created_by=by)
    except IntegrityError as error:
        raise ValidationError(_("%(name)s is already on the rota of this date.") % {"name": volunteer}) from error


def signup_delete(*, signup: Signup) -> None:
    """Take a volunteer off the rota of a date."""
    signup.delete()


def signup_withdraw(*, signup: Signup) -> None:
    """A volunteer takes themselves off the rota of a date that is not over.

    The rota of a past date records who helped; only a coordinator corrects it (signup_delete).
    """
    if _is_past(signup.occurrence):
        raise ValidationError(_("This date is over: ask your coordinator to correct its rota."))
    signup_delete(signup=signup)


def calendar_token_reset(*, profile: VolunteerProfile) -> VolunteerProfile:
    """Give the personal calendar a new secret address; the old one stops working at once."""
    profile.calendar_token = new_calendar_token()
    profile.save(update_fields=["calendar_token"])
    return profile
