"""The Django admin: every model of the project has a list with search and filters."""

import datetime
import uuid

import pytest
from django.contrib import admin
from django.urls import reverse

from inclusion.core.models import AccessLog, FormSubmission
from sessions_app.bookings.models import AppointmentChange
from sessions_app.desk.models import Voucher
from sessions_app.figures.models import ExportJob, MonthBookings, MonthSessions, MonthTopics
from sessions_app.planning import services
from sessions_app.reminders.models import InboundSms, ReminderMessage, SmsStop
from sessions_app.totals.models import RolledMonth, StaleMonth
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaMembershipFactory, ReferrerFactory, UserFactory
from tests.desk.factories import SessionLogFactory
from tests.people.factories import LiaisonSheetFactory
from tests.project import PROJECT_APPS
from tests.scheduling.factories import ClosureFactory, PermanenceFactory
from tests.team.factories import SignupFactory, VolunteerProfileFactory

PROJECT_MODELS = [model for model in admin.site._registry if model._meta.app_label in PROJECT_APPS]
# Totals derived from the sessions and rebuilt by `build_figures`: editing them by hand would
# only make the figures wrong.
# Rows the application alone writes: their admin is read-only.
WRITTEN_BY_THE_APPLICATION = (AccessLog, ReminderMessage, FormSubmission, AppointmentChange, InboundSms, SmsStop)
DERIVED_MODELS = {RolledMonth, StaleMonth, MonthSessions, MonthTopics, MonthBookings}


def test_every_project_model_is_in_the_admin_with_search_and_filters():
    from django.apps import apps

    models = [model for app in PROJECT_APPS for model in apps.get_app_config(app).get_models()]
    assert set(models) - DERIVED_MODELS == set(PROJECT_MODELS)
    for model in PROJECT_MODELS:
        model_admin = admin.site._registry[model]
        assert model_admin.search_fields, model
        assert model_admin.list_filter, model


@pytest.mark.ignore_template_errors
@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model._meta.label)
def test_admin_pages_of_each_model_open(client, model):
    AntennaMembershipFactory()
    ReferrerFactory()
    permanence = PermanenceFactory()
    ClosureFactory(antenna=permanence.antenna, permanence=permanence)
    occurrence = services.occurrence_add(
        permanence=permanence, day=datetime.date(2026, 1, 6), start=datetime.time(9), end=datetime.time(10)
    )
    sheet = LiaisonSheetFactory()
    booking = BookingFactory(slot=occurrence.slots.get(), beneficiary=sheet.beneficiary, liaison_sheet=sheet)
    log = SessionLogFactory(antenna=permanence.antenna, booking=booking, beneficiary=booking.beneficiary)
    Voucher.objects.create(session_log=log, number="APTIC-0001")
    SignupFactory(occurrence=occurrence)
    AccessLog.objects.create(user=booking.created_by or sheet.referrer, action="export", what="test")
    FormSubmission.objects.create(user=sheet.referrer, key=uuid.uuid4())
    VolunteerProfileFactory()
    ReminderMessage.objects.create(
        kind="appointment",
        channel="sms",
        antenna=permanence.antenna,
        occurrence=occurrence,
        booking=booking,
        address="+33465710101",
    )
    AppointmentChange.objects.create(kind="date_moved", occurrence=occurrence, booking=booking)
    InboundSms.objects.create(sender="+33465710101", body="ANNULER", outcome="cancelled", booking=booking)
    SmsStop.objects.create(address="+33465710101")
    ExportJob.objects.create(
        user=sheet.referrer,
        kind="sessions",
        scope_kind="antenne",
        scope_pk=permanence.antenna.pk,
        scope_label="Antenne",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31),
        language="fr",
        expires_at=datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC),
    )
    client.force_login(UserFactory(admin=True))
    info = (model._meta.app_label, model._meta.model_name)
    assert client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "a"}).status_code == 200
    # The access log, the reminders and the forms sent are written by the application only: their
    # admin is read-only.
    expected_add = 403 if model in (*WRITTEN_BY_THE_APPLICATION, ExportJob) else 200
    assert client.get(reverse("admin:{}_{}_add".format(*info))).status_code == expected_add
    instance = model.objects.first()
    assert client.get(reverse("admin:{}_{}_change".format(*info), args=[instance.pk])).status_code == 200


def test_the_admin_is_closed_to_coordinators(client):
    client.force_login(UserFactory(coordinator=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
