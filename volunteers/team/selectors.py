"""Reads about the volunteers' rota."""

from django.db.models import Count, F, QuerySet

from sessions_app.scheduling.models import Occurrence


def understaffed(occurrences: QuerySet[Occurrence]) -> QuerySet[Occurrence]:
    """The dates among these with fewer volunteers signed up than their permanence needs."""
    return occurrences.annotate(rota_size=Count("signups")).filter(rota_size__lt=F("permanence__min_volunteers"))
