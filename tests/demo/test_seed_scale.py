"""The national-scale generator, run small: rows of every kind, and never more bookings than seats."""

from django.core.management import call_command
from django.db.models import Count, F, Q

from beneficiaries.people.models import Beneficiary, LiaisonSheet
from inclusion.core.models import Antenna
from sessions_app.bookings.models import Booking
from sessions_app.desk.models import SessionLog
from sessions_app.scheduling.models import Occurrence, Slot
from volunteers.team.models import Signup


def test_seed_scale_makes_every_kind_of_row_and_respects_seats(capsys):
    call_command(
        "seed_scale",
        antennas=6,
        departments=3,
        permanences=12,
        volunteers=20,
        referrers=4,
        people=300,
        sheets=200,
        bookings=800,
        sessions=900,
        past_weeks=8,
        future_weeks=2,
    )
    assert Antenna.objects.count() == 6
    assert Occurrence.objects.count() == 12 * 10
    assert Beneficiary.objects.count() == 300
    assert LiaisonSheet.objects.count() == 200
    assert 700 <= Booking.objects.count() <= 800
    assert SessionLog.objects.count() == 900
    assert Signup.objects.exists()
    overbooked = Slot.objects.annotate(active=Count("bookings", filter=Q(bookings__status="active"))).filter(
        active__gt=F("seats")
    )
    assert not overbooked.exists()
    # Bookings only on dates that are not cancelled, session logs only on past dates.
    assert not Booking.objects.filter(slot__occurrence__status="cancelled").exists()
    assert "Done in" in capsys.readouterr().out
