"""Helpers of the access tables: every URL of a namespace, what each role gets from it, and the
two scopes (own and other) the URL matrix and the fuzz tests are built on."""

import contextlib
import dataclasses
import datetime

from django.db import connection, transaction
from django.urls import get_resolver, reverse
from pytest_django.asserts import assertRedirects

from beneficiaries.people.enums import SheetStatus
from beneficiaries.people.models import Beneficiary, Consent, LiaisonSheet, LiaisonSheetEvent
from inclusion.core.models import Antenna, AntennaMembership, Organization, Referrer, User
from sessions_app.bookings.enums import BookingChannel
from sessions_app.bookings.models import Booking
from sessions_app.desk.models import SessionLog
from sessions_app.scheduling.models import Closure, Occurrence, Permanence, Slot
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, OrganizationFactory, ReferrerFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import ClosureFactory, occurrence_today, slot_ahead
from tests.team.factories import SignupFactory, VolunteerProfileFactory
from volunteers.team.models import Signup, VolunteerProfile


def url_names(namespace: str) -> set[str]:
    """Every URL name of a namespace, so an access table can prove it leaves none out."""
    resolver = get_resolver().namespace_dict[namespace][1]
    return {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}


def check_access(client, user, method: str, url: str, expected: int) -> None:
    """Anonymous visitors go to the log-in page; a signed-in user gets the expected status."""
    if user is None:
        response = getattr(client, method)(url)
        assertRedirects(response, f"{reverse('login')}?next={url}", fetch_redirect_response=False)
        return
    client.force_login(user)
    assert getattr(client, method)(url).status_code == expected


# Two scopes for the cross-cutting tests: everything the signed-in roles own, and the same again
# somewhere they do not belong.


@dataclasses.dataclass
class Scope:
    """An antenna with its team, schedule and people, and a referrer whose booked referral is there.

    `occurrence` is today's date (the desk's), `ahead` a date a week ahead holding the referral's
    booking and the volunteer's sign-up; `open_sheet` is a second referral, not booked yet.
    """

    organization: Organization
    antenna: Antenna
    coordinator: User
    volunteer: User
    membership: AntennaMembership
    calendar_token: str
    referrer: User
    referrer_organization: Organization
    permanence: Permanence
    occurrence: Occurrence
    ahead: Occurrence
    slot: Slot
    closure: Closure
    signup: Signup
    person: Beneficiary
    sheet: LiaisonSheet
    open_sheet: LiaisonSheet
    booking: Booking
    log: SessionLog


@dataclasses.dataclass
class World:
    own: Scope
    other: Scope
    admin: User

    @property
    def users(self) -> dict[str, User | None]:
        """The roles of the matrix, the signed-in ones at home in `own`."""
        return {
            "anonymous": None,
            "volunteer": self.own.volunteer,
            "coordinator": self.own.coordinator,
            "referrer": self.own.referrer,
            "admin": self.admin,
        }

    def scope(self, name: str) -> Scope:
        return self.other if name == "other" else self.own


SUMMER_2031 = (datetime.date(2031, 7, 1), datetime.date(2031, 7, 31))


def _scope(label: str) -> Scope:
    organization = OrganizationFactory(name=f"Association {label}")
    antenna = AntennaFactory(organization=organization, name=f"Antenne {label}")
    coordinator = UserFactory(coordinator=True, membership__antenna=antenna, display_name=f"Coordination {label}")
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna, display_name=f"Bénévole {label}")
    profile = VolunteerProfileFactory(user=volunteer)
    VolunteerProfileFactory(user=coordinator)
    referrer = ReferrerFactory(
        organization=OrganizationFactory(social_services=True, name=f"Solidarités {label}"),
        user__display_name=f"Prescriptrice {label}",
    )
    occurrence = occurrence_today(antenna=antenna, title=f"Permanence {label}")
    slot = slot_ahead(antenna=antenna)
    person = BeneficiaryFactory(
        first_name="Personne", last_name=f"Nom{label}", created_by=referrer.user, first_antenna=antenna
    )
    sheet = LiaisonSheetFactory(referrer=referrer.user, beneficiary=person, status=SheetStatus.BOOKED)
    return Scope(
        organization=organization,
        antenna=antenna,
        coordinator=coordinator,
        volunteer=volunteer,
        membership=volunteer.memberships.get(),
        calendar_token=profile.calendar_token,
        referrer=referrer.user,
        referrer_organization=referrer.organization,
        permanence=occurrence.permanence,
        occurrence=occurrence,
        ahead=slot.occurrence,
        slot=slot,
        closure=ClosureFactory(antenna=antenna, starts_on=SUMMER_2031[0], ends_on=SUMMER_2031[1]),
        signup=SignupFactory(occurrence=slot.occurrence, volunteer=volunteer),
        person=person,
        sheet=sheet,
        open_sheet=LiaisonSheetFactory(referrer=referrer.user, beneficiary=person, status=SheetStatus.SENT),
        booking=BookingFactory(slot=slot, beneficiary=person, liaison_sheet=sheet, channel=BookingChannel.REFERRAL),
        log=SessionLogFactory(antenna=antenna, occurrence=occurrence, beneficiary=person, date=occurrence.date),
    )


def world_build() -> World:
    """Antenna "Alpha" where the volunteer, the coordinator and the referrer of the matrix are at
    home, antenna "Beta" with its own team and referrer, and a federation admin."""
    return World(own=_scope("Alpha"), other=_scope("Beta"), admin=UserFactory(admin=True, display_name="Admin"))


@contextlib.contextmanager
def rolled_back_after_module(django_db_blocker):
    """Data built once for a whole module, inside a transaction rolled back when the module ends.

    Each test still runs in its own transaction nested in this one (pytest-django's `db`), so
    what a test changes is undone before the next.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# Tables written on every request or log-in, whoever makes it.
UNWATCHED_TABLES = {"django_session"}


def database_writes() -> dict[str, tuple[int, int, int]]:
    """Rows inserted, updated and deleted so far in this transaction, per table, as PostgreSQL
    counts them (undone savepoints included): a refused request must add to none of them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return {
            table: tuple(counts)
            for table, *counts in cursor.fetchall()
            if table not in UNWATCHED_TABLES and not table.startswith("axes_")
        }


def scope_state(scope: Scope) -> dict[int, str]:
    """A digest of every row belonging to one scope (its antenna and what hangs from it, its
    team, its referrer, its person and referral), read in one query."""
    users = [scope.coordinator.pk, scope.volunteer.pk, scope.referrer.pk]
    user_fields = [field.attname for field in User._meta.concrete_fields if field.name != "last_login"]
    querysets = [
        Organization.objects.filter(pk__in=[scope.organization.pk, scope.referrer_organization.pk]),
        Antenna.objects.filter(pk=scope.antenna.pk),
        AntennaMembership.objects.filter(antenna=scope.antenna),
        User.objects.filter(pk__in=users).values(*user_fields),
        Referrer.objects.filter(user_id__in=users),
        VolunteerProfile.objects.filter(user_id__in=users),
        Permanence.objects.filter(antenna=scope.antenna),
        Closure.objects.filter(antenna=scope.antenna),
        Occurrence.objects.filter(permanence__antenna=scope.antenna),
        Slot.objects.filter(occurrence__permanence__antenna=scope.antenna),
        Booking.objects.filter(slot__occurrence__permanence__antenna=scope.antenna),
        Signup.objects.filter(occurrence__permanence__antenna=scope.antenna),
        SessionLog.objects.filter(antenna=scope.antenna),
        Beneficiary.objects.filter(pk=scope.person.pk),
        Consent.objects.filter(beneficiary=scope.person),
        LiaisonSheet.objects.filter(referrer=scope.referrer),
        LiaisonSheetEvent.objects.filter(sheet__referrer=scope.referrer),
    ]
    parts, params = [], []
    for index, queryset in enumerate(querysets):
        sql, query_params = queryset.order_by().query.sql_with_params()
        parts.append(f"SELECT {index}, md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM ({sql}) r")  # noqa: S608
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"({part})" for part in parts), params)
        return dict(cursor.fetchall())
