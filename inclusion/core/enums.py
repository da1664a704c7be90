from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrganizationKind(models.TextChoices):
    FEDERATION = "federation", _("Federation")
    ASSOCIATION = "association", _("Association")
    DEPARTMENT = "department", _("Department's social services")
    CCAS = "ccas", _("CCAS (municipal social action centre)")
    OTHER = "other", _("Other")


class AntennaStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("antenna status", "Active")
    DORMANT = "dormant", _("Dormant")
    PLANNED = "planned", _("Planned")


class MembershipRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    VOLUNTEER = "volunteer", _("Volunteer")
