from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inclusion.models import Antenna
from inclusion.phones import phone_display, validate_phone
from sessions_app.models import Booking, SessionLog

from .enums import AgeBracket, ConsentMethod, Gender, SocialStatus


class BeneficiaryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """People whose personal data a user may see.

        Admins see everyone. Volunteers and coordinators who signed the confidentiality charter
        see the people known at their antennas: booked there, helped there, or first met there.
        Without a signed charter, nobody.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        if not user.has_signed_charter:
            return self.none()
        antennas = Antenna.objects.visible_to(user)
        return self.filter(
            Q(first_antenna__in=antennas)
            | Exists(
                Booking.objects.filter(beneficiary=OuterRef("pk"), slot__occurrence__permanence__antenna__in=antennas)
            )
            | Exists(SessionLog.objects.filter(beneficiary=OuterRef("pk"), antenna__in=antennas))
        )


class Beneficiary(models.Model):
    """A person helped. Minimal by design: what the volunteers need to welcome them again."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
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
    first_antenna = models.ForeignKey(
        Antenna,
        verbose_name=_("first met at"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("person helped")
        verbose_name_plural = _("people helped")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["phone"], name="beneficiary_phone_idx")]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

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
