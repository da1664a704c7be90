import datetime
import secrets
from typing import Self, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, Lookup, OuterRef, Q, Subquery
from django.db.models.functions import Collate, Upper
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beneficiaries.people.enums import AgeBracket, ConsentMethod, FrenchLevel, Gender, SheetStatus, SocialStatus
from beneficiaries.people.search import SearchName
from inclusion.core.clock import (
    EARLIEST_DATE,
    LATEST_DATE,
    date_range_error,
    in_calendar,
    organization_today,
    server_today,
    years_from,
)
from inclusion.core.models import Antenna, fields_changed
from inclusion.core.phones import phone_display, validate_phone


def _related_manager(model: type[models.Model], relation: str) -> models.Manager:
    """The manager of the model at the other end of a relation: the bookings and session logs
    are written by apps above this one, which reaches them only through their relations to the
    person and the sheet (Booking.beneficiary, Booking.liaison_sheet, SessionLog.beneficiary)."""
    return cast(type[models.Model], model._meta.get_field(relation).related_model)._default_manager


class _AmongIds(Lookup):
    """The id is one of a subquery's: on PostgreSQL `id = ANY(ARRAY(subquery))`.

    PostgreSQL reads the subquery once, then the rows by their primary key, whatever it guesses
    of their number; with `id IN (subquery)` it guesses a number that makes reading the whole
    table cheaper, and does, where a few thousand ids are read in a few milliseconds.
    """

    lookup_name = "among_ids"
    prepare_rhs = False

    def as_sql(self, compiler, connection, template="%s IN %s"):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return template % (lhs, rhs), (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, template="%s = ANY(ARRAY%s)")


class BeneficiaryQuerySet(models.QuerySet):
    def visible_to(self, user, *, per_person: bool = False) -> Self:
        """People whose personal data a user may see.

        Admins see everyone. Volunteers and coordinators who signed the confidentiality charter
        see the people known at their antennas: booked there, helped there, or first met there.
        Referrers see the people they registered or referred, never a colleague's. Without a
        signed charter, only those. Inactive or anonymous users, nobody.

        Two ways to ask the database, for the same people. By default the people the user may
        see are listed, reason by reason, each through its own index, and the query reads only
        them: for a list. With `per_person`, each person the query's other conditions find is
        checked through the indexes on the person's id: for a query that finds a few people by
        an index of its own, a search or an id, which would otherwise list them all first.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        if per_person:
            return self.filter(self._reasons_per_person(user))
        return self.filter(_AmongIds(F("pk"), Subquery(self._visible_ids(user))))

    def _visible_ids(self, user) -> models.QuerySet:
        """The ids of the people a user (no admin) may see: a union of one query per reason.

        An OR of the reasons would have PostgreSQL test every person for each; the union reads
        the user's people only, each reason through its index (by creator, by referrer, by
        antenna first met, booked, helped).
        """
        people = self.model._default_manager
        reasons = [
            people.filter(created_by=user).values("pk"),
            LiaisonSheet.objects.filter(referrer=user).values("beneficiary_id"),
        ]
        if user.has_signed_charter:
            antennas = Antenna.objects.visible_to(user)
            booked_there = _related_manager(self.model, "bookings").filter(
                slot__occurrence__permanence__antenna__in=antennas, beneficiary__isnull=False
            )
            helped_there = _related_manager(self.model, "session_logs").filter(
                antenna__in=antennas, beneficiary__isnull=False
            )
            reasons += [
                people.filter(first_antenna__in=antennas).values("pk"),
                booked_there.values("beneficiary_id"),
                helped_there.values("beneficiary_id"),
            ]
        first, *others = [reason.order_by() for reason in reasons]
        return first.union(*others)

    def _reasons_per_person(self, user) -> Q:
        """_visible_ids()'s reasons as a condition on each person, found from their id."""
        sheets = LiaisonSheet.objects.filter(referrer=user, beneficiary=OuterRef("pk"))
        referred = Q(created_by=user) | Q(Exists(sheets))
        if not user.has_signed_charter:
            return referred
        antennas = Antenna.objects.visible_to(user)
        booked_there = _related_manager(self.model, "bookings").filter(
            beneficiary=OuterRef("pk"), slot__occurrence__permanence__antenna__in=antennas
        )
        helped_there = _related_manager(self.model, "session_logs").filter(
            beneficiary=OuterRef("pk"), antenna__in=antennas
        )
        return referred | Q(first_antenna__in=antennas) | Q(Exists(booked_there)) | Q(Exists(helped_there))


# Nobody helped is older than this; an earlier year is a typo.
OLDEST_AGE = 120
# A deadline further off than this is no emergency: most likely a mistyped year.
DEADLINE_YEARS_AHEAD = 1


def birth_year_error(year: int) -> ValidationError | None:
    """Why a birth year cannot be a living person's, or None.

    A person belongs to no one antenna: the year is the server's, a day off at New Year at most.
    """
    this_year = server_today().year
    if year > this_year:
        return ValidationError(_("The birth year cannot be in the future."), code="birth_year_future")
    if year < this_year - OLDEST_AGE:
        return ValidationError(
            _("Give a birth year from %(year)s on."),
            code="birth_year_too_old",
            params={"year": this_year - OLDEST_AGE},
        )
    return None


def deadline_error(deadline: datetime.date, *, today: datetime.date) -> ValidationError | None:
    """Why a referral's deadline cannot be this day, or None: from the referrer's today (see
    LiaisonSheet.referrer_today) to a year ahead."""
    if deadline < today:
        return ValidationError(_("The deadline cannot be in the past."), code="deadline_past")
    latest = min(years_from(today, DEADLINE_YEARS_AHEAD), LATEST_DATE)
    return date_range_error(deadline, earliest=EARLIEST_DATE, latest=latest)


class Beneficiary(models.Model):
    """A person helped. Minimal by design: what the volunteers need to welcome them again."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    has_no_phone = models.BooleanField(_("no phone"), default=False)
    email = models.EmailField(_("e-mail"), blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    commune = models.CharField(_("commune"), max_length=150, blank=True)
    age_bracket = models.CharField(
        _("age bracket"), max_length=10, choices=AgeBracket.choices, default=AgeBracket.NOT_GIVEN
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, default=Gender.NOT_GIVEN)
    social_status = models.CharField(
        _("social status"), max_length=20, choices=SocialStatus.choices, default=SocialStatus.NOT_GIVEN
    )
    languages = models.ManyToManyField(
        "core.Language", verbose_name=_("languages spoken"), blank=True, related_name="+"
    )
    french_level = models.CharField(
        _("level of French"), max_length=12, choices=FrenchLevel.choices, default=FrenchLevel.NOT_GIVEN
    )
    # None when not asked: "no" and "don't know" are different answers for the mediator.
    has_email_address = models.BooleanField(_("has an e-mail address"), null=True, blank=True)
    has_smartphone = models.BooleanField(_("has a smartphone"), null=True, blank=True)
    has_computer = models.BooleanField(_("has a computer"), null=True, blank=True)
    has_internet = models.BooleanField(_("has internet at home"), null=True, blank=True)
    first_antenna = models.ForeignKey(
        Antenna,
        verbose_name=_("first met at"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # Indexed with the id instead (Meta.indexes).
        db_index=False,
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # An edit counts as activity for the retention period.
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)
    anonymised_at = models.DateTimeField(
        _("anonymised on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Names, contact details and free text were erased; the statistics remain."),
    )
    # The names as a search reads them, kept up to date by the database: PostgreSQL's trigram
    # index on it (migration 0003) finds any part of them (beneficiaries/people/search.py).
    search_name = models.GeneratedField(
        expression=SearchName(), output_field=models.TextField(), db_persist=True, verbose_name=_("names as searched")
    )

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("person helped")
        verbose_name_plural = _("people helped")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["phone"], name="beneficiary_phone_idx"),
            # The admin's searches by the start of a name (inclusion/core/admin_base.py).
            models.Index(
                Collate(Upper("last_name"), "C"),
                name="person_last_name_search_idx",
            ),
            models.Index(
                Collate(Upper("first_name"), "C"),
                name="person_first_name_search_idx",
            ),
            # The people first met at an antenna, read from the index alone (visible_to()).
            models.Index(fields=["first_antenna", "id"], name="person_first_antenna_idx"),
            # The people lists count those not anonymised from the index alone...
            models.Index(fields=["id"], condition=Q(anonymised_at__isnull=True), name="person_not_anonymised_idx"),
            # ...and an admin's, of everyone, reads its page in this order.
            models.Index(
                fields=["last_name", "first_name", "id"],
                condition=Q(anonymised_at__isnull=True),
                name="person_name_order_idx",
            ),
            # The trigram indexes of the search, person_search_name_trgm_idx and
            # person_phone_trgm_idx, are PostgreSQL's own: migration 0003 makes them there.
        ]
        constraints = [
            # The form and clean() hold the birth year to a human life; the database to what can be one.
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__range=(1900, 2100)),
                name="person_birth_year_in_range",
            ),
        ]

    def __str__(self):
        if self.anonymised_at:
            return gettext("Anonymised person #%(id)s") % {"id": self.pk}
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    @property
    def short_name(self) -> str:
        """First name and last-name initial ("Amina D."): enough to recognise the person, no
        more, as the team's pages and e-mails write them."""
        initial = f" {self.last_name[:1]}." if self.last_name else ""
        return f"{self.first_name}{initial}"

    def clean(self):
        super().clean()
        if self.birth_year and fields_changed(self, ["birth_year"]) and (error := birth_year_error(self.birth_year)):
            raise ValidationError({"birth_year": error})
        if self.phone and self.has_no_phone:
            raise ValidationError({"has_no_phone": _("Either give a phone number or tick “no phone”, not both.")})

    @property
    def phone_display(self) -> str:
        return phone_display(self.phone)


class Consent(models.Model):
    """The person's agreement to have their data kept, recorded before anything is saved."""

    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name=_("person"), on_delete=models.CASCADE, related_name="consents"
    )
    method = models.CharField(_("how"), max_length=10, choices=ConsentMethod.choices)
    given_at = models.DateTimeField(_("when"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    purpose = models.CharField(
        _("for what"),
        max_length=255,
        default="Accompagnement numérique et suivi des rendez-vous",
        help_text=_("What the person agreed their data is used for."),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]

    def __str__(self):
        return f"{self.beneficiary} – {self.get_method_display()} {self.given_at:%d/%m/%Y}"


# Crockford's base-32 alphabet: no I, L, O or U, so a code read over the phone is not misheard.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """An unguessable short code for an appointment card: 8 characters, 40 bits, as XXXX-XXXX."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


class LiaisonSheetQuerySet(models.QuerySet):
    def visible_to(self, user, *, per_person: bool = False) -> Self:
        """Referrers see their own sheets; antenna members with a signed charter see the sheets
        booked at their antennas too (to know the person's needs); admins see all.

        As for the people (BeneficiaryQuerySet.visible_to), the sheets an antenna member may
        see are listed by default, through their indexes, for a list; with `per_person`, each
        sheet the query's other conditions find is checked, for a query that finds a few.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        own = Q(referrer=user)
        if not user.has_signed_charter:
            return self.filter(own)
        antennas = Antenna.objects.visible_to(user)
        # Through Booking.liaison_sheet: the bookings app stands above this one.
        bookings = _related_manager(self.model, "bookings")
        if per_person:
            booked_there = bookings.filter(
                liaison_sheet=OuterRef("pk"), slot__occurrence__permanence__antenna__in=antennas
            )
            return self.filter(own | Q(Exists(booked_there)))
        ids = (
            self.model._default_manager.filter(own)
            .order_by()
            .values("pk")
            .union(
                bookings.filter(slot__occurrence__permanence__antenna__in=antennas, liaison_sheet__isnull=False)
                .order_by()
                .values("liaison_sheet_id")
            )
        )
        return self.filter(_AmongIds(F("pk"), Subquery(ids)))


class LiaisonSheet(models.Model):
    """A referral (feuille de liaison): who, what needs, how urgent, in which language.

    Its status flows back to the referrer: sent, booked, seen or did not come, then closed,
    cancelled or redirected.
    """

    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name=_("person"), on_delete=models.PROTECT, related_name="liaison_sheets"
    )
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("referrer"), on_delete=models.PROTECT, related_name="liaison_sheets"
    )
    organization = models.ForeignKey(
        "core.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="liaison_sheets",
    )
    needs = models.ManyToManyField("core.Topic", verbose_name=_("needs"), related_name="liaison_sheets")
    detail = models.TextField(_("detail"), blank=True, help_text=_("What the person needs done, in a few words."))
    deadline = models.DateField(
        _("deadline"),
        null=True,
        blank=True,
        help_text=_("When a right is at risk: the date by which it must be done."),
    )
    language = models.ForeignKey(
        "core.Language",
        verbose_name=_("language to use"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    interpreter_needed = models.BooleanField(_("an interpreter is needed"), default=False)
    accessibility_needs = models.CharField(_("accessibility needs"), max_length=255, blank=True)
    preferred_department = models.CharField(_("preferred department"), max_length=3, blank=True)
    preferred_antennas = models.ManyToManyField(
        Antenna, verbose_name=_("preferred antennas"), blank=True, related_name="+"
    )
    reference = models.CharField(_("reference"), max_length=9, unique=True, default=new_reference, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=SheetStatus.choices, default=SheetStatus.SENT)
    outcome = models.CharField(
        _("outcome"), max_length=500, blank=True, help_text=_("What became of the referral, for the record.")
    )
    created_at = models.DateTimeField(_("sent on"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LiaisonSheetQuerySet.as_manager()

    class Meta:
        verbose_name = _("liaison sheet")
        verbose_name_plural = _("liaison sheets")
        ordering = ["-created_at"]
        # The referrer's list, newest first, page after page (keyset pagination).
        indexes = [
            models.Index(fields=["referrer", "-created_at", "-id"], name="sheet_referrer_newest_idx"),
            # The admin's search by reference, whatever the case typed (inclusion/core/admin_base.py).
            models.Index(
                Collate(Upper("reference"), "C"),
                name="sheet_reference_search_idx",
            ),
        ]
        constraints = [
            # The form holds a deadline to the year ahead; the database to the span the application keeps.
            models.CheckConstraint(
                condition=in_calendar("deadline", nullable=True),
                name="sheet_deadline_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.reference} – {self.beneficiary}"

    def clean(self):
        super().clean()
        deadline = self.deadline
        changed = deadline and fields_changed(self, ["deadline"])
        if deadline and changed and (error := deadline_error(deadline, today=self.referrer_today())):
            raise ValidationError({"deadline": error})

    def referrer_today(self) -> datetime.date:
        """The day on the referrer's side, which deadlines are counted from: a referral belongs
        to no antenna, but to an organization whose overseas department keeps its own clock."""
        if self.organization_id:
            return organization_today(self.organization)
        return server_today()

    @property
    def is_urgent(self) -> bool:
        return self.deadline is not None


class LiaisonSheetEvent(models.Model):
    """One step of a sheet's history: who moved it to which status, when, and why."""

    sheet = models.ForeignKey(
        LiaisonSheet, verbose_name=_("liaison sheet"), on_delete=models.CASCADE, related_name="events"
    )
    status = models.CharField(_("status"), max_length=12, choices=SheetStatus.choices)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("liaison sheet event")
        verbose_name_plural = _("liaison sheet events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.sheet.reference}: {self.get_status_display()}"
