from django_tasks import task

from beneficiaries.privacy import services as privacy


@task()
def anonymise_inactive(apply: bool = True, months: int | None = None) -> list[int]:
    """The daily retention run: anonymise the people without activity for `months`
    (RETENTION_MONTHS by default).

    Returns the ids of the people concerned (anonymised with apply, only listed without).
    """
    return privacy.retention_run(apply=apply, months=months)
