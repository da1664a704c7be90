from django.db import models

from inclusion.core.models import Antenna, Topic
from sessions_app.bookings.enums import BookingChannel
from sessions_app.desk.enums import Autonomy, Outcome, RedirectionKind
from sessions_app.scheduling.models import Permanence


class MonthTotals(models.Model):
    """What every table of monthly totals is kept by: an antenna's month (its first day)."""

    antenna = models.ForeignKey(Antenna, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["month", "antenna"], name="%(class)s_month_idx")]

    def __str__(self):
        return f"{self.antenna_id} {self.month:%m/%Y}"


class MonthSessions(MonthTotals):
    """The sessions of one antenna's month, per permanence (none for sessions without a date)."""

    permanence = models.ForeignKey(Permanence, on_delete=models.CASCADE, null=True, related_name="+")
    sessions = models.PositiveIntegerField(default=0)
    individual = models.PositiveIntegerField(default=0)
    anonymous_individual = models.PositiveIntegerField(default=0)
    workshops = models.PositiveIntegerField(default=0)
    anonymous_participants = models.PositiveIntegerField(default=0)
    minutes = models.PositiveBigIntegerField(default=0)
    vouchers = models.PositiveIntegerField(default=0)


def session_breakdown_columns() -> dict[str, tuple[str, str]]:
    """A column of MonthSessions per choice of a session's autonomy, outcome and redirection,
    named like "outcome_done" ("autonomy_none" for an autonomy not logged): the field and value
    each one counts. Derived from the choices, so a new choice gets its column by a migration."""
    columns = {f"autonomy_{value or 'none'}": ("autonomy", value) for value in ["", *Autonomy.values]}
    columns.update({f"outcome_{value}": ("outcome", value) for value in Outcome.values})
    columns.update({f"redirection_{value}": ("redirected_to", value) for value in RedirectionKind.values})
    return columns


for _column in session_breakdown_columns():
    MonthSessions.add_to_class(_column, models.PositiveIntegerField(default=0))


class MonthTopics(MonthTotals):
    """The sessions of one antenna's month that dealt with a topic."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    sessions = models.PositiveIntegerField()


class MonthBookings(MonthTotals):
    """Active bookings on one antenna's dates of a month, by channel and referring organization."""

    channel = models.CharField(max_length=10, choices=BookingChannel.choices)
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE, null=True, related_name="+")
    bookings = models.PositiveIntegerField()
    attended = models.PositiveIntegerField()
    no_show = models.PositiveIntegerField()
