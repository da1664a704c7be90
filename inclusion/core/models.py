import datetime
import zoneinfo
from typing import TYPE_CHECKING, Any, NoReturn, Self, cast

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Collate, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from inclusion.core.departments import DEPARTMENTS, validate_department_code, validate_postcode
from inclusion.core.enums import AntennaStatus, MembershipRole, OrganizationKind
from inclusion.core.phones import phone_display, validate_phone
from inclusion.core.typography import date_format

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value}, code="invalid")


def fields_changed(instance: models.Model, names: list[str]) -> list[str]:
    """Which of these fields are set and new, or differ from what the database holds: a value
    saved long ago (a deadline now past, a date years back) stays valid when the rest of the row
    is edited; only a value typed now is held to today's bounds."""
    if instance._state.adding or instance.pk is None:
        return [name for name in names if getattr(instance, name) is not None]
    stored = type(instance)._base_manager.filter(pk=instance.pk).values(*names).first() or {}
    return [
        name for name in names if getattr(instance, name) is not None and stored.get(name) != getattr(instance, name)
    ]


class UserQuerySet(models.QuerySet["User"]):
    def visible_to(self, user: "User") -> "UserQuerySet":
        """Accounts a user may look at: admins see every account, others only their own."""
        if user.is_admin:
            return self
        return self.filter(pk=user.pk)


# The queryset's method is forwarded by hand rather than by BaseUserManager.from_queryset(),
# which django-stubs cannot follow on the user model's manager.
class UserManager(BaseUserManager["User"]):
    use_in_migrations = True
    _queryset_class = UserQuerySet

    def get_queryset(self) -> UserQuerySet:
        return cast(UserQuerySet, super().get_queryset())  # built from _queryset_class

    def visible_to(self, user: "User") -> UserQuerySet:
        return self.get_queryset().visible_to(user)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        # E-mail addresses are stored lower-cased, so log-in ignores case.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. Roles come from antenna memberships, a referrer profile, or the admin flag.

    Federation admins are superusers: they see and manage every organization and antenna.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("name"), max_length=150, help_text=_("As colleagues and visitors call you."))
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    is_staff = models.BooleanField(
        _("Django admin access"),
        default=False,
        help_text=_("Can open the technical administration site."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Deactivate an account instead of deleting it: its history stays."),
    )
    date_joined = models.DateTimeField(_("created on"), default=timezone.now)
    # Kept in step with django-otp's device tables (inclusion/core/two_factor_services.py): read on every
    # request from the row already loaded, so a second factor turned on from one browser is asked
    # at once in every other session of the account, at no query's cost.
    has_second_factor = models.BooleanField(
        _("two-step verification"),
        default=False,
        # Rows loaded in bulk with COPY (manage.py seed_scale) leave the column out.
        db_default=False,
        editable=False,
        help_text=_("A code from an app is asked after the password."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["display_name", "email"]
        # The admin's searches by the start of an address or a name (inclusion/core/admin_base.py).
        indexes = [
            models.Index(
                Collate(Upper("email"), "C"),
                name="user_email_search_idx",
            ),
            models.Index(
                Collate(Upper("display_name"), "C"),
                name="user_name_search_idx",
            ),
        ]

    def __str__(self):
        return self.display_name or self.email

    def clean(self):
        super().clean()
        self.email = self.email.strip().lower()

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Addresses are unique regardless of case: "Marie@x.fr" and "marie@x.fr" are one person.
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("inclusion:account_detail", args=[self.pk])

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.is_superuser

    @property
    def phone_display(self) -> str:
        return phone_display(self.phone)

    @cached_property
    def has_signed_charter(self) -> bool:
        """Volunteers and coordinators see no personal data before signing the confidentiality
        charter; admins are bound by their own agreement."""
        if self.is_admin:
            return True
        profile = getattr(self, "volunteer_profile", None)
        return profile is not None and profile.charter_signed_on is not None

    @cached_property
    def roles(self) -> "UserRoles":
        """What this user is, computed once per request: used by navigation and the home page."""
        return UserRoles.for_user(self)


class UserRoles:
    """The roles of one user, read in two queries."""

    def __init__(self, *, is_admin: bool, coordinated: set[int], volunteered: set[int], referrer_of: int | None):
        self.is_admin = is_admin
        self.coordinated_antenna_ids = coordinated
        self.volunteer_antenna_ids = volunteered
        self.referrer_organization_id = referrer_of

    @classmethod
    def for_user(cls, user) -> "UserRoles":
        if not user.is_authenticated:
            return cls(is_admin=False, coordinated=set(), volunteered=set(), referrer_of=None)
        coordinated: set[int] = set()
        volunteered: set[int] = set()
        for antenna_id, role in AntennaMembership.objects.filter(user=user).values_list("antenna_id", "role"):
            (coordinated if role == MembershipRole.COORDINATOR else volunteered).add(antenna_id)
        referrer_of = (
            Referrer.objects.filter(user=user, is_active=True).values_list("organization_id", flat=True).first()
        )
        return cls(is_admin=user.is_admin, coordinated=coordinated, volunteered=volunteered, referrer_of=referrer_of)

    @property
    def is_coordinator(self) -> bool:
        return bool(self.coordinated_antenna_ids)

    @property
    def is_volunteer(self) -> bool:
        return bool(self.volunteer_antenna_ids)

    @property
    def is_referrer(self) -> bool:
        return self.referrer_organization_id is not None


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user) -> Self:
        """Organizations a user may open: admins all; members the ones running their antennas;
        referrers their employer."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        return self.filter(
            Q(Exists(AntennaMembership.objects.filter(user=user, antenna__organization=OuterRef("pk"))))
            | Q(Exists(Referrer.objects.filter(user=user, is_active=True, organization=OuterRef("pk"))))
        )

    def manageable_by(self, user) -> Self:
        """Only federation admins create and edit organizations."""
        if user.is_authenticated and user.is_admin:
            return self
        return self.none()


class Organization(models.Model):
    """A body that runs antennas or employs social workers: a federation, an association,
    a department's social services, a CCAS."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("For instance the national federation of a departmental federation."),
    )
    department_code = models.CharField(
        _("department"), max_length=3, blank=True, validators=[validate_department_code]
    )
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("inclusion:organization_detail", args=[self.pk])

    def clean(self):
        super().clean()
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("An organization cannot be its own parent or ancestor.")})
            ancestor = ancestor.parent

    @property
    def department_name(self) -> str:
        return DEPARTMENTS.get(self.department_code, "")

    @property
    def phone_display(self) -> str:
        return phone_display(self.phone)


class AntennaQuerySet(models.QuerySet):
    def visible_to(self, user) -> Self:
        """Antennas whose inner pages a user may open: admins all, members their own."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        return self.filter(Exists(AntennaMembership.objects.filter(user=user, antenna=OuterRef("pk"))))

    def managed_by(self, user) -> Self:
        """Antennas a user may change: admins all, coordinators their own."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        return self.filter(
            Exists(
                AntennaMembership.objects.filter(user=user, antenna=OuterRef("pk"), role=MembershipRole.COORDINATOR)
            )
        )

    def active(self) -> Self:
        return self.filter(status=AntennaStatus.ACTIVE)


class Antenna(models.Model):
    """A physical site where permanences are held."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="antennas"
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255, help_text=_("Number and street."))
    postcode = models.CharField(_("postcode"), max_length=5, validators=[validate_postcode])
    city = models.CharField(_("city"), max_length=150)
    department_code = models.CharField(_("department"), max_length=3, validators=[validate_department_code])
    status = models.CharField(_("status"), max_length=10, choices=AntennaStatus.choices, default=AntennaStatus.ACTIVE)
    workstations = models.PositiveSmallIntegerField(
        _("workstations"),
        default=1,
        validators=[MaxValueValidator(500)],
        help_text=_("Computers available to visitors; the default number of seats per slot."),
    )
    accessibility_notes = models.TextField(
        _("accessibility"), blank=True, help_text=_("Step-free access, lift, hearing loop, nearest stop…")
    )
    public_phone = models.CharField(_("public phone"), max_length=20, blank=True, validators=[validate_phone])
    public_notes = models.TextField(
        _("public notes"), blank=True, help_text=_("Shown to visitors and referrers: what to bring, how to find us.")
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AntennaQuerySet.as_manager()

    class Meta:
        verbose_name = _("antenna")
        verbose_name_plural = _("antennas")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="antenna_unique_name_per_organization"),
            models.CheckConstraint(condition=Q(workstations__gte=0), name="antenna_workstations_not_negative"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("inclusion:antenna_detail", args=[self.pk])

    @property
    def department_name(self) -> str:
        return DEPARTMENTS.get(self.department_code, "")

    @property
    def public_phone_display(self) -> str:
        return phone_display(self.public_phone)

    @property
    def full_address(self) -> str:
        return f"{self.address}, {self.postcode} {self.city}"


class AntennaScopedQuerySet(models.QuerySet):
    """Rows that belong to an antenna (permanences, dates, closures…): a user sees and changes
    them exactly as they see and change that antenna. Subclasses say how to reach it."""

    antenna_lookup = "antenna"

    def visible_to(self, user) -> Self:
        return self.filter(**{f"{self.antenna_lookup}__in": Antenna.objects.visible_to(user)})

    def managed_by(self, user) -> Self:
        return self.filter(**{f"{self.antenna_lookup}__in": Antenna.objects.managed_by(user)})


class AntennaMembership(models.Model):
    """A user's role at one antenna: coordinator (runs it) or volunteer (helps at it)."""

    antenna = models.ForeignKey(
        Antenna, verbose_name=_("antenna"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("antenna membership")
        verbose_name_plural = _("antenna memberships")
        ordering = ["antenna__name", "role", "user__display_name"]
        constraints = [
            models.UniqueConstraint(fields=["antenna", "user"], name="membership_one_role_per_antenna"),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.antenna}"


class Referrer(models.Model):
    """A social worker who refers people to the permanences, on behalf of their organization."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="referrer"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="referrers"
    )
    job_title = models.CharField(
        _("job title"), max_length=150, blank=True, help_text=_("For instance: social worker, family counsellor.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("referrer")
        verbose_name_plural = _("referrers")
        ordering = ["user__display_name"]

    def __str__(self):
        return f"{self.user} ({self.organization})"


ACCESS_LOG_ROLE_LABELS = {
    "admin": _("Federation admin"),
    "coordinator": _("Coordinator"),
    "volunteer": _("Volunteer"),
    "referrer": _("Referrer"),
    "system": _("The application"),
}
# The kinds of figures export (sessions_app/figures/exports.py), as the access log names them.
ACCESS_LOG_EXPORT_LABELS = {"sessions": _("Export of the sessions"), "bookings": _("Export of the bookings")}


class AccessLogImmutable(Exception):
    """Raised when code tries to change or delete a record of the personal-data access log."""


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AccessLogImmutable("Access log records cannot be changed.")

    def delete(self) -> NoReturn:
        raise AccessLogImmutable("Access log records cannot be deleted.")

    def about(self, beneficiary_id: int) -> Self:
        return self.filter(beneficiary_id=beneficiary_id)


class AccessLog(models.Model):
    """A record that someone viewed, changed or exported personal data.

    Written by the application only, never edited: the admin shows these rows read-only.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CHANGE = "change", _("Changed")
        EXPORT = "export", _("Exported")
        ERASE = "erase", _("Erased")

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        LIAISON_SHEET = "liaison_sheet", _("Liaison sheet")
        BOOKING = "booking", _("Booking")
        SESSION_LOG = "session_log", _("Session log")
        REPORT = "report", _("Figures export")

    # Empty for what the application does on its own, such as the retention run.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_logs",
    )
    role = models.CharField(_("role"), max_length=100, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, blank=True)
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    what = models.CharField(_("what"), max_length=255)
    # People are anonymised, never deleted: a person with records about them cannot be deleted.
    beneficiary = models.ForeignKey(
        "people.Beneficiary",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["object_kind", "object_id"], name="accesslog_object_idx"),
            # The entries other than views (changes, exports, erasures), newest first, for the
            # technical admin's filter by action: views make up most of the log and are found by
            # reading it newest first, the others are too rare for that.
            models.Index(
                fields=["action", "-created_at"], condition=~Q(action="view"), name="accesslog_action_newest_idx"
            ),
        ]

    def __str__(self):
        who = self.user or _("the application")
        return f"{self.created_at:%d/%m/%Y %H:%M} {who} {self.get_action_display()} {self.description}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only: a record once written is evidence, so it is never rewritten.
        if not self._state.adding:
            raise AccessLogImmutable("Access log records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AccessLogImmutable("Access log records cannot be deleted.")

    @property
    def role_label(self) -> "StrOrPromise":
        return ACCESS_LOG_ROLE_LABELS.get(self.role, self.role)

    @property
    def description(self) -> str:
        """What was read or changed, in the reader's language: built from the kind, the id and
        the detail kept, never from `what`, which holds the words of the day it was written
        (rows written before the kind was kept show it as it is)."""
        if self.object_kind == self.Kind.REPORT:
            return self._report_description() or self.what
        if self.object_kind in self.Kind.values:
            label = self.Kind(self.object_kind).label
            return f"{label} #{self.object_id}" if self.object_id is not None else str(label)
        return self.what

    def _report_description(self) -> str:
        """A figures export: its kind, scope and period, from its detail."""
        detail = self.detail if isinstance(self.detail, dict) else {}
        scope, period = detail.get("scope"), detail.get("period")
        if not isinstance(scope, dict) or not isinstance(period, list) or len(period) != 2:
            return ""
        try:
            start, end = (datetime.date.fromisoformat(day) for day in period)
        except (TypeError, ValueError):
            return ""
        # The export's kind went into `what` only ("sessions export La Blancarde …").
        export = ACCESS_LOG_EXPORT_LABELS.get(str(detail.get("kind") or self.what.partition(" ")[0]))
        return _("%(export)s: %(scope)s, %(start)s – %(end)s") % {
            "export": export or self.Kind.REPORT.label,
            "scope": _("All antennas") if scope.get("scope") == "tout" else scope.get("label", ""),
            "start": date_format(start, "SHORT_DATE_FORMAT"),
            "end": date_format(end, "SHORT_DATE_FORMAT"),
        }


class FormSubmission(models.Model):
    """One display of a create form, sent: its key, who sent it and what it created.

    The key is drawn when the form is shown and travels in it. The row is written in the same
    transaction as what the form creates, under a unique (user, key): the same filled form sent
    again (a double tap, a resent request, two tabs racing) waits for the first to commit and
    then finds its result instead of creating a second row.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.UUIDField()
    result_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, null=True, related_name="+")
    result_id = models.BigIntegerField(null=True)
    # Where the first send's answer led: a send after it was answered goes straight there.
    result_url = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("form sent")
        verbose_name_plural = _("forms sent")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="form_submission_once_per_user")]

    def __str__(self):
        return f"{self.key}"

    @property
    def result(self) -> models.Model | None:
        if self.result_type is None:
            return None
        model = self.result_type.model_class()
        if model is None:  # a content type whose model is gone: nothing to lead to
            return None
        return model._default_manager.filter(pk=self.result_id).first()


class Topic(models.Model):
    """A theme of the needs and sessions taxonomy: the 19 themes of the national session record,
    and the 11 sub-themes that only go with help for administrative procedures."""

    code = models.SlugField(
        _("code"), max_length=60, unique=True, help_text=_("Stable snake_case code, used in exports.")
    )
    label = models.CharField(_("French label"), max_length=150)
    label_en = models.CharField(_("English label"), max_length=150)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("theme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subtopics",
        help_text=_("Set for a sub-theme."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["parent__position", "position", "label"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The label in the active language: English in the English interface, French otherwise
        (the people's other languages included, as the taxonomy has no labels in them)."""
        return self.label_en if get_language() == "en" else self.label


class Language(models.Model):
    """A language people or volunteers speak, by its ISO 639 code (639-1 when it has one,
    639-3 otherwise, e.g. "zdj" for Comorian)."""

    code = models.CharField(_("ISO 639 code"), max_length=8, unique=True)
    name_fr = models.CharField(_("French name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["name_fr"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" else self.name_fr
