from django.db import models

from inclusion.core.models import Antenna

# Monthly totals behind the figures pages. A federation's year holds a million sessions; adding
# them up again for every page view takes seconds, so the months are added up per antenna, up to
# the day before yesterday, and kept here. They are derived data: `sessions_app.figures.rollups` rebuilds
# them, and any write to a day already added up marks its month stale (see `rollups.py`).


class RolledMonth(models.Model):
    """A month (its first day) whose totals exist for every antenna, up to a day: its last when
    the month is over, the day before yesterday while it is going."""

    month = models.DateField(primary_key=True)
    through = models.DateField()
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.month:%m/%Y}"


class StaleMonth(models.Model):
    """An antenna's month whose sessions or bookings changed since its totals were added up."""

    antenna = models.ForeignKey(Antenna, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["antenna", "month"], name="stalemonth_unique")]

    def __str__(self):
        return f"{self.antenna_id} {self.month:%m/%Y}"
