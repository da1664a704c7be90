import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inclusion.core.clock import in_calendar
from inclusion.core.models import AntennaScopedQuerySet, Language


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class VolunteerProfile(models.Model):
    """What the antenna's team needs to know about a volunteer (or a coordinator)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="volunteer_profile"
    )
    languages = models.ManyToManyField(Language, verbose_name=_("languages spoken"), blank=True, related_name="+")
    skills = models.ManyToManyField(
        "core.Topic",
        verbose_name=_("skills"),
        blank=True,
        related_name="+",
        limit_choices_to={"is_active": True},
    )
    availability_notes = models.TextField(
        _("availability"), blank=True, help_text=_("For instance: Tuesday mornings, not during school holidays.")
    )
    charter_signed_on = models.DateField(
        _("confidentiality charter signed on"),
        null=True,
        blank=True,
        help_text=_("Until it is signed, the volunteer sees no personal data of the people helped."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)

    class Meta:
        verbose_name = _("volunteer profile")
        verbose_name_plural = _("volunteer profiles")
        ordering = ["user__display_name"]
        constraints = [
            models.CheckConstraint(
                condition=in_calendar("charter_signed_on", nullable=True),
                name="volunteer_charter_date_in_range",
            ),
        ]

    def __str__(self):
        return str(self.user)


class SignupQuerySet(AntennaScopedQuerySet):
    antenna_lookup = "occurrence__permanence__antenna"


class Signup(models.Model):
    """A volunteer on the rota of one date."""

    occurrence = models.ForeignKey(
        "scheduling.Occurrence", verbose_name=_("date"), on_delete=models.CASCADE, related_name="signups"
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="signups"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed up by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    objects = SignupQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["occurrence__starts_at"]
        constraints = [models.UniqueConstraint(fields=["occurrence", "volunteer"], name="signup_once_per_date")]

    def __str__(self):
        return f"{self.volunteer} – {self.occurrence}"
