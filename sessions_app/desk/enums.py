from django.db import models
from django.utils.translation import gettext_lazy as _


class Autonomy(models.TextChoices):
    # The three levels of the national session record.
    GUIDED = "guided", _("Done with guidance")
    PARTLY = "partly", _("Autonomous with help when needed")
    AUTONOMOUS = "autonomous", _("Autonomous")


class Outcome(models.TextChoices):
    DONE = "done", _("Done")
    PARTLY_DONE = "partly_done", _("Partly done")
    TO_CONTINUE = "to_continue", _("To continue")
    REDIRECTED = "redirected", _("Redirected")


class RedirectionKind(models.TextChoices):
    FRANCE_SERVICES = "france_services", _("France Services")
    PUBLIC_BODY = "public_body", _("Public body (CAF, CPAM, France Travail…)")
    TOWN_HALL = "town_hall", _("Town hall or CCAS")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    MEDIATION_PLACE = "mediation_place", _("Another digital-mediation place")
    ASSOCIATION = "association", _("Other association")
    OTHER = "other", _("Other")


DURATION_CHOICES = [15, 30, 45, 60, 90, 120]
MAX_SESSION_MINUTES = 8 * 60
