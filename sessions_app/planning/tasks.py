"""Background work of the schedule, run by the task worker (`manage.py db_worker`)."""

import logging

from django_tasks import task

from sessions_app.planning.generation import occurrences_generate
from sessions_app.scheduling.models import Permanence

logger = logging.getLogger(__name__)


@task()
def occurrences_extend(*, weeks: int | None = None) -> dict[str, int]:
    """Roll every permanence's dates forward over the horizon (what `generate_occurrences` does)."""
    permanences = Permanence.objects.select_related("antenna").order_by("pk").iterator(chunk_size=500)
    report = occurrences_generate(permanences=permanences, weeks=weeks)
    result = {
        "created": report.created,
        "deleted": report.deleted,
        "to_resolve": report.to_resolve,
        "updated_seats": report.updated_seats,
    }
    logger.info("Dates extended over the horizon.", extra={"generation": result})
    return result
