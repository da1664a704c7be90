"""Reminders the day before, rota reminders, short-of-volunteers alerts, their retries, and the
coordinators' page listing them."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from pytest_django.asserts import assertContains, assertNotContains

from inclusion.core import sms
from inclusion.core.clock import antenna_now
from inclusion.core.enums import MembershipRole
from inclusion.core.models import AntennaMembership, Language
from inclusion.core.sms.segments import sms_fold, sms_segments
from sessions_app.bookings.enums import BookingChannel, BookingStatus
from sessions_app.planning.services import occurrence_cancel, occurrence_move
from sessions_app.reminders import delivery as reminder_delivery
from sessions_app.reminders import services as reminder_services
from sessions_app.reminders.delivery import reminder_send
from sessions_app.reminders.enums import ReminderChannel, ReminderKind, ReminderStatus
from sessions_app.reminders.models import ReminderMessage
from sessions_app.reminders.selectors import MonthSent, month_sent
from sessions_app.reminders.services import reminder_due_from, reminders_schedule
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import SignupFactory, VolunteerProfileFactory


@pytest.fixture(autouse=True)
def smsoutbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the scheduling as the command does, at a given moment; the tasks it queues run at once."""

    def _run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return reminders_schedule(now=now)

    return _run


@pytest.fixture
def antenna():
    return AntennaFactory(name="La Blancarde", address="12 boulevard de la Blancarde", public_phone="+33465710001")


@pytest.fixture
def occurrence(antenna):
    """A date three days ahead, 9:00–12:00 in three one-hour slots: ahead of the real clock
    whatever the time of the run, so the tasks (which read it) see it as still to come."""
    return occurrence_today(antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=3))


def _book(occurrence, **person):
    person.setdefault("phone", "+33465710101")
    slot = occurrence.slots.order_by("starts_at").first()
    return BookingFactory(slot=slot, beneficiary=BeneficiaryFactory(**person), channel=BookingChannel.PHONE)


def _due(occurrence):
    """The first moment the reminders of the date are due: 9:00 the day before, by default."""
    return reminder_due_from(occurrence.starts_at, occurrence.permanence.antenna.time_zone)


def test_reminders_are_due_at_nine_the_day_before(occurrence):
    due = _due(occurrence).astimezone(occurrence.local_starts_at.tzinfo)
    assert due.date() == occurrence.date - datetime.timedelta(days=1)
    assert due.time() == datetime.time(9)


def test_a_booked_person_with_a_phone_gets_one_sms_the_day_before(run, occurrence, smsoutbox, mailoutbox):
    booking = _book(occurrence, first_name="Fatima", phone="+33465710101", email="fatima@example.org")
    run(_due(occurrence) + datetime.timedelta(minutes=5))
    [message] = smsoutbox
    assert message.to == "+33465710101"
    assert "La Blancarde" in message.body
    assert "12 boulevard de la Blancarde, 13001 Marseille" in message.body
    assert "09:00" in message.body
    assert "04 65 71 00 01" in message.body
    weekday = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"][occurrence.date.weekday()]
    assert weekday in message.body
    assert mailoutbox == []
    record = ReminderMessage.objects.get()
    assert (record.kind, record.channel, record.status) == (ReminderKind.APPOINTMENT, "sms", ReminderStatus.SENT)
    assert record.booking == booking
    assert record.antenna == occurrence.permanence.antenna
    assert record.address == "+33465710101"
    assert record.attempts == 1
    assert record.sent_at is not None
    assert record.body == message.body


def test_running_again_sends_nothing_twice(run, occurrence, smsoutbox, mailoutbox):
    _book(occurrence)
    SignupFactory(occurrence=occurrence)
    now = _due(occurrence) + datetime.timedelta(minutes=5)
    first = run(now)
    assert (first.created, first.enqueued) == (2, 2)
    second = run(now + datetime.timedelta(minutes=15))
    assert (second.created, second.enqueued) == (0, 0)
    assert len(smsoutbox) == 1
    assert len(mailoutbox) == 1
    assert ReminderMessage.objects.count() == 2


def test_a_person_without_a_phone_gets_an_e_mail(run, occurrence, smsoutbox, mailoutbox):
    _book(occurrence, first_name="Ginette", phone="", has_no_phone=True, email="ginette@example.org")
    run(_due(occurrence))
    assert smsoutbox == []
    [email] = mailoutbox
    assert email.to == ["ginette@example.org"]
    assert "Ginette" in email.body
    assert "12 boulevard de la Blancarde" in email.body
    assert "04 65 71 00 01" in email.body
    assert ReminderMessage.objects.get().channel == ReminderChannel.EMAIL


def test_a_person_neither_phone_nor_e_mail_is_left_alone(run, occurrence, smsoutbox, mailoutbox):
    _book(occurrence, phone="", email="")
    run(_due(occurrence))
    assert smsoutbox == mailoutbox == []
    assert not ReminderMessage.objects.exists()


def test_nothing_before_the_day_before(run, occurrence, smsoutbox):
    _book(occurrence)
    SignupFactory(occurrence=occurrence)
    report = run(_due(occurrence) - datetime.timedelta(minutes=1))
    assert report.created == 0
    assert smsoutbox == []


def test_hours_before_replace_the_day_before(run, occurrence, smsoutbox, settings):
    settings.REMINDER_HOURS_BEFORE = 3
    _book(occurrence)
    run(occurrence.starts_at - datetime.timedelta(hours=3, minutes=1))
    assert smsoutbox == []
    run(occurrence.starts_at - datetime.timedelta(hours=3))
    assert len(smsoutbox) == 1


def test_volunteers_on_the_rota_get_their_e_mail(run, occurrence, mailoutbox, smsoutbox):
    volunteer = UserFactory(email="antoine@example.org", display_name="Antoine")
    SignupFactory(occurrence=occurrence, volunteer=volunteer)
    _book(occurrence)
    run(_due(occurrence))
    [email] = mailoutbox
    assert email.to == ["antoine@example.org"]
    assert "La Blancarde" in email.subject
    assert "12 boulevard de la Blancarde" in email.body
    assert reverse("volunteers:rota", args=[occurrence.permanence.antenna_id]) in email.body
    record = ReminderMessage.objects.get(kind=ReminderKind.ROTA)
    assert record.recipient_user == volunteer
    assert record.status == ReminderStatus.SENT


def test_a_cancelled_date_sends_no_reminder_only_its_cancellation(run, occurrence, smsoutbox, mailoutbox):
    _book(occurrence)
    SignupFactory(occurrence=occurrence)
    occurrence_cancel(occurrence=occurrence, reason="Local inondé", by=None)
    mailoutbox.clear()
    run(_due(occurrence))
    kinds = set(ReminderMessage.objects.values_list("kind", flat=True))
    assert kinds == {ReminderKind.DATE_CANCELLED}
    assert [sms.body for sms in smsoutbox] == [ReminderMessage.objects.get(channel="sms").body]
    assert "annulé" in smsoutbox[0].body


def test_a_cancelled_booking_sends_nothing(run, occurrence, smsoutbox):
    booking = _book(occurrence)
    booking.status = BookingStatus.CANCELLED
    booking.save()
    run(_due(occurrence))
    assert smsoutbox == []
    assert not ReminderMessage.objects.exists()


def test_a_booking_cancelled_after_it_was_queued_is_not_sent(
    occurrence, smsoutbox, django_capture_on_commit_callbacks
):
    booking = _book(occurrence)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reminders_schedule(now=_due(occurrence))
    booking.status = BookingStatus.CANCELLED
    booking.save()
    for callback in callbacks:
        callback()
    assert smsoutbox == []
    record = ReminderMessage.objects.get()
    assert record.status == ReminderStatus.SKIPPED
    assert record.last_error == gettext("The booking was cancelled.")


def test_nothing_once_the_appointment_has_begun(run, occurrence, smsoutbox, mailoutbox):
    _book(occurrence)
    SignupFactory(occurrence=occurrence)
    report = run(occurrence.starts_at + datetime.timedelta(minutes=1))
    assert report.created == 0
    assert smsoutbox == mailoutbox == []


def test_a_message_whose_date_began_before_its_task_ran_is_not_sent(occurrence, smsoutbox):
    _book(occurrence)
    report = reminders_schedule(now=_due(occurrence), enqueue=False)
    [message_id] = report.message_ids
    status = reminder_send(message_id=message_id, now=occurrence.starts_at + datetime.timedelta(minutes=1))
    assert status == ReminderStatus.SKIPPED
    assert smsoutbox == []


def test_a_walk_in_gets_no_reminder(run, occurrence, smsoutbox):
    slot = occurrence.slots.first()
    BookingFactory(slot=slot, beneficiary=BeneficiaryFactory(), channel=BookingChannel.WALK_IN)
    run(_due(occurrence))
    assert smsoutbox == []


def _referred_in(booking, code):
    booking.liaison_sheet = LiaisonSheetFactory(
        beneficiary=booking.beneficiary, language=Language.objects.get(code=code)
    )
    booking.save()
    return booking


def test_the_person_is_written_to_in_their_referral_language_when_their_texts_are(run, occurrence, smsoutbox):
    english = _referred_in(_book(occurrence, phone="+33465710102"), "en")
    # No texts for the people helped are written in Tamil: French, then.
    tamil = _referred_in(_book(occurrence, phone="+33465710103"), "ta")
    run(_due(occurrence))
    texts = {message.to: message.body for message in smsoutbox}
    weekday = occurrence.date.weekday()
    assert ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][weekday] in texts[
        "+33465710102"
    ]
    assert ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"][weekday] in texts["+33465710103"]
    assert ReminderMessage.objects.get(booking=english).language == "en"
    assert ReminderMessage.objects.get(booking=tamil).language == "fr"


def test_a_person_referred_in_arabic_gets_the_reminder_in_arabic(run, occurrence, smsoutbox, mailoutbox):
    by_sms = _referred_in(_book(occurrence, phone="+33465710104"), "ar")
    by_email = _referred_in(_book(occurrence, phone="", has_no_phone=True, email="samira@example.org"), "ar")
    run(_due(occurrence))
    assert ReminderMessage.objects.get(booking=by_sms).language == "ar"
    assert ReminderMessage.objects.get(booking=by_email).language == "ar"
    weekday = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"][occurrence.date.weekday()]
    [text] = smsoutbox
    assert text.to == "+33465710104"
    assert text.body.startswith(f"تذكير: موعدك للمساعدة الرقمية يوم {weekday} ")
    assert "La Blancarde، 12 boulevard de la Blancarde" in text.body
    # The address fills the two segments an SMS is kept within: the sentence about calling is left
    # out (the card and the e-mail have it).
    assert sms_segments(text.body).segments <= 2
    assert "Rappel" not in text.body
    [email] = mailoutbox
    assert email.subject.startswith(f"تذكير: موعدك يوم {weekday} ")
    assert "يرجى إحضار وثيقة هوية." in email.body
    assert "إذا لم تتمكن من الحضور، يرجى الاتصال بالرقم 04 65 71 00 01." in email.body
    assert "Bonjour" not in email.body


def test_a_person_referred_in_turkish_gets_the_reminder_sms_in_turkish(run, occurrence, smsoutbox):
    booking = _referred_in(_book(occurrence, phone="+33465710105"), "tr")
    run(_due(occurrence))
    assert ReminderMessage.objects.get(booking=booking).language == "tr"
    weekday = ["Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar"][occurrence.date.weekday()]
    [text] = smsoutbox
    assert text.to == "+33465710105"
    # Written with GSM-7's letters (ı as i, ş as s): the text costs 160 characters a segment, not 70.
    assert text.body.startswith(sms_fold(f"Hatırlatma: dijital yardım randevunuz {weekday} {occurrence.date.day} "))
    assert ", saat 09:00, La Blancarde, 12 boulevard de la Blancarde" in text.body
    assert text.body.endswith("Gelemiyor musunuz? 04 65 71 00 01 numarasini arayin.")
    assert sms_segments(text.body).encoding == "GSM-7"
    assert "Rappel" not in text.body


RUSSIAN_MONTHS_AFTER_A_DAY = [
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
]  # fmt: skip


def test_a_reminder_in_russian_puts_the_month_in_the_case_it_takes_after_a_day(run, occurrence, smsoutbox):
    """ "1 декабря", not "1 Декабрь": the month's form after a number comes from the catalog."""
    _referred_in(_book(occurrence, phone="+33465710106"), "ru")
    run(_due(occurrence))
    [text] = smsoutbox
    month = RUSSIAN_MONTHS_AFTER_A_DAY[occurrence.date.month - 1]
    assert f" {occurrence.date.day} {month}" in text.body


class FlakyProvider(sms.BaseSmsBackend):
    """A provider that is down: every message is worth another try."""

    def send(self, message):
        raise sms.SmsTemporaryError("HTTP 503: service unavailable")


class RefusingProvider(sms.BaseSmsBackend):
    def send(self, message):
        raise sms.SmsPermanentError("HTTP 400: invalid recipient")


def test_a_failure_is_tried_again_on_the_next_runs_then_shown_to_the_coordinator(run, occurrence, settings, client):
    settings.SMS_BACKEND = f"{__name__}.FlakyProvider"
    booking = _book(occurrence, first_name="Fatima", last_name="Benali")
    now = _due(occurrence)
    run(now)
    record = ReminderMessage.objects.get()
    assert (record.status, record.attempts) == (ReminderStatus.QUEUED, 1)
    assert record.last_error == "HTTP 503: service unavailable"
    # The task reads the real clock: the next try is due some minutes after it ran.
    assert record.next_attempt_at > timezone.now() + reminder_delivery.RETRY_DELAY - datetime.timedelta(minutes=1)
    assert run(record.next_attempt_at - datetime.timedelta(minutes=1)).enqueued == 0
    run(record.next_attempt_at)
    record.refresh_from_db()
    assert (record.status, record.attempts) == (ReminderStatus.QUEUED, 2)
    run(record.next_attempt_at)
    record.refresh_from_db()
    assert (record.status, record.attempts) == (ReminderStatus.FAILED, 3)
    assert run(record.next_attempt_at + 10 * reminder_delivery.RETRY_DELAY).enqueued == 0
    record.refresh_from_db()
    assert record.attempts == 3

    coordinator = UserFactory(coordinator=True, membership__antenna=booking.slot.occurrence.permanence.antenna)
    VolunteerProfileFactory(user=coordinator)
    client.force_login(coordinator)
    response = client.get(reverse("reminders:reminder_list", args=[occurrence.permanence.antenna_id]))
    assert response.context["failed"] == [record]
    assertContains(response, "Fatima Benali")
    assertContains(response, "HTTP 503: service unavailable")
    assertContains(response, "04 65 71 01 01")


def test_a_refused_message_is_not_tried_again(run, occurrence, settings):
    settings.SMS_BACKEND = f"{__name__}.RefusingProvider"
    _book(occurrence)
    run(_due(occurrence))
    record = ReminderMessage.objects.get()
    assert (record.status, record.attempts) == (ReminderStatus.FAILED, 1)
    assert record.last_error == "HTTP 400: invalid recipient"


def test_a_message_interrupted_while_sending_is_not_sent_again(run, occurrence, smsoutbox):
    _book(occurrence)
    now = _due(occurrence)
    reminders_schedule(now=now, enqueue=False)
    ReminderMessage.objects.update(status=ReminderStatus.SENDING, attempts=1)
    report = run(timezone.now() + reminder_services.SENDING_STALE_AFTER + datetime.timedelta(minutes=1))
    assert report.interrupted == 1
    assert ReminderMessage.objects.get().status == ReminderStatus.FAILED
    assert smsoutbox == []


def _coordinator(antenna, email="monique@example.org"):
    return UserFactory(coordinator=True, membership__antenna=antenna, email=email)


def test_coordinators_are_alerted_48_hours_before_a_date_short_of_volunteers(run, occurrence, mailoutbox):
    antenna = occurrence.permanence.antenna
    occurrence.permanence.min_volunteers = 2
    occurrence.permanence.save()
    coordinator = _coordinator(antenna)
    SignupFactory(occurrence=occurrence)
    run(occurrence.starts_at - datetime.timedelta(hours=48, minutes=1))
    assert mailoutbox == []
    run(occurrence.starts_at - datetime.timedelta(hours=48))
    [alert] = mailoutbox
    assert alert.to == [coordinator.email]
    assert "La Blancarde" in alert.subject
    assert "1 " in alert.body and "2" in alert.body
    run(occurrence.starts_at - datetime.timedelta(hours=30))
    assert len(mailoutbox) == 1
    record = ReminderMessage.objects.get()
    assert (record.kind, record.recipient_user, record.status) == (
        ReminderKind.UNDERSTAFFED,
        coordinator,
        ReminderStatus.SENT,
    )


def test_no_alert_for_a_staffed_or_cancelled_date(run, antenna, mailoutbox):
    _coordinator(antenna)
    staffed = occurrence_today(antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=3))
    SignupFactory(occurrence=staffed)
    cancelled = occurrence_today(
        antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=3), start=14, end=15
    )
    occurrence_cancel(occurrence=cancelled, reason="Fermé", by=None)
    run(staffed.starts_at - datetime.timedelta(hours=40))
    assert mailoutbox == []


def test_an_alert_is_dropped_when_the_date_got_its_volunteers_before_it_left(
    occurrence, mailoutbox, django_capture_on_commit_callbacks
):
    _coordinator(occurrence.permanence.antenna)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reminders_schedule(now=occurrence.starts_at - datetime.timedelta(hours=47))
    SignupFactory(occurrence=occurrence)
    for callback in callbacks:
        callback()
    assert mailoutbox == []
    assert ReminderMessage.objects.get().status == ReminderStatus.SKIPPED


def test_the_command_queues_what_is_due_and_says_so(
    occurrence, smsoutbox, settings, capsys, django_capture_on_commit_callbacks
):
    _book(occurrence)
    later = occurrence_today(
        antenna=occurrence.permanence.antenna, day=timezone.localdate() + datetime.timedelta(days=6)
    )
    _book(later)
    # The command reads the real clock: with reminders four days ahead, only the first date is due.
    settings.REMINDER_HOURS_BEFORE = 24 * 4
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
    assert "Messages recorded: 1; handed to the task queue: 1." in capsys.readouterr().out
    assert len(smsoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
    assert "Messages recorded: 0; handed to the task queue: 0." in capsys.readouterr().out
    assert len(smsoutbox) == 1


def test_the_command_can_send_in_its_own_process(occurrence, smsoutbox, settings, capsys):
    settings.REMINDER_HOURS_BEFORE = 24 * 4
    _book(occurrence)
    call_command("send_reminders", "--send-now")
    assert "Messages recorded: 1; sent now: 1 (1 sent)." in capsys.readouterr().out
    assert len(smsoutbox) == 1
    call_command("send_reminders", "--send-now")
    assert "Messages recorded: 0; sent now: 0 (none)." in capsys.readouterr().out
    assert len(smsoutbox) == 1


def test_the_demo_has_reminders_for_tomorrow(run, smsoutbox, mailoutbox):
    from beneficiaries.people.models import Beneficiary
    from sessions_app.scheduling.models import Occurrence

    call_command("load_demo")
    tomorrow = Occurrence.objects.get(is_one_off=True, date=timezone.localdate() + datetime.timedelta(days=1))
    mailoutbox.clear()
    run(_due(tomorrow))
    fatima = Beneficiary.objects.get(first_name="Fatima", last_name="Benali")
    assert fatima.phone in [message.to for message in smsoutbox]
    assert "benevole@demo.test" in [email.to[0] for email in mailoutbox]


# The coordinators' page


def _page(antenna):
    return reverse("reminders:reminder_list", args=[antenna.pk])


@pytest.mark.parametrize(
    ("role", "status"),
    [("coordinator", 200), ("admin", 200), ("volunteer", 404), ("other_coordinator", 404), ("referrer", 404)],
)
def test_only_the_antenna_coordinators_and_admins_see_its_reminders(client, antenna, role, status):
    users = {
        "coordinator": lambda: UserFactory(coordinator=True, membership__antenna=antenna),
        "admin": lambda: UserFactory(admin=True),
        "volunteer": lambda: UserFactory(volunteer=True, membership__antenna=antenna),
        "other_coordinator": lambda: UserFactory(coordinator=True),
        "referrer": lambda: UserFactory(referrer=True),
    }
    client.force_login(users[role]())
    assert client.get(_page(antenna)).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, antenna):
    response = client.get(_page(antenna))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_page_is_linked_from_the_antenna_tabs_for_coordinators_only(client, antenna):
    coordinator = UserFactory(coordinator=True, membership__antenna=antenna)
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    rota = reverse("volunteers:rota", args=[antenna.pk])
    client.force_login(coordinator)
    assertContains(client.get(rota), f'href="{_page(antenna)}"')
    client.force_login(volunteer)
    assertNotContains(client.get(rota), f'href="{_page(antenna)}"')


def test_without_the_charter_the_coordinator_sees_no_person_s_name(run, client, occurrence):
    _book(occurrence, first_name="Fatima", last_name="Benali")
    run(_due(occurrence))
    coordinator = UserFactory(coordinator=True, membership__antenna=occurrence.permanence.antenna)
    client.force_login(coordinator)
    response = client.get(_page(occurrence.permanence.antenna))
    assertNotContains(response, "Benali")
    assertNotContains(response, "04 65 71 01 01")
    assert response.context["shows_people"] is False
    assert len(response.context["recent"]) == 1


def test_other_antennas_messages_are_not_listed(run, client, occurrence):
    other = occurrence_today(day=timezone.localdate() + datetime.timedelta(days=3))
    _book(other, first_name="Ailleurs")
    _book(occurrence, first_name="Ici")
    run(_due(occurrence))
    assert ReminderMessage.objects.count() == 2
    client.force_login(UserFactory(admin=True))
    response = client.get(_page(occurrence.permanence.antenna))
    assert [message.booking.beneficiary.first_name for message in response.context["recent"]] == ["Ici"]


def test_the_page_reads_a_fixed_number_of_queries(run, client, antenna, django_assert_num_queries, settings):
    coordinator = UserFactory(coordinator=True, membership__antenna=antenna)
    VolunteerProfileFactory(user=coordinator)
    client.force_login(coordinator)

    def grow(day):
        occurrence = occurrence_today(antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=day))
        _book(occurrence)
        _book(occurrence, phone="", email="x@example.org")
        SignupFactory(occurrence=occurrence)
        run(_due(occurrence))

    settings.SMS_BACKEND = f"{__name__}.RefusingProvider"
    grow(3)
    # Session, account, roles (memberships, referrer), antenna, the month's totals, charter, failed, recent.
    with django_assert_num_queries(9):
        response = client.get(_page(antenna))
    assert len(response.context["failed"]) == 1
    assert len(response.context["recent"]) == 3
    grow(4)
    with django_assert_num_queries(9):
        response = client.get(_page(antenna))
    assert len(response.context["failed"]) == 2
    assert len(response.context["recent"]) == 6


def test_delivery_stores_the_segments_of_an_sms_and_none_for_an_e_mail(run, occurrence, smsoutbox):
    _book(occurrence, first_name="Fatima")
    _book(occurrence, first_name="Sans", phone="", email="sans@example.org")
    run(_due(occurrence))
    sms_message = ReminderMessage.objects.get(channel=ReminderChannel.SMS)
    email_message = ReminderMessage.objects.get(channel=ReminderChannel.EMAIL)
    assert sms_message.status == email_message.status == ReminderStatus.SENT
    assert sms_message.segments == sms_segments(smsoutbox[0].body).segments >= 1
    assert email_message.segments == 0


@pytest.mark.parametrize(("body", "segments"), [("a" * 160, 1), ("a" * 161, 2), ("д" * 71, 2), ("€" * 81, 2)])
def test_delivery_stores_the_segments_of_a_known_text(run, occurrence, smsoutbox, monkeypatch, body, segments):
    monkeypatch.setattr(reminder_delivery.reminder_texts, "appointment_sms", lambda booking, language: body)
    _book(occurrence)
    run(_due(occurrence))
    record = ReminderMessage.objects.get()
    assert [message.body for message in smsoutbox] == [body]
    assert (record.status, record.body, record.segments) == (ReminderStatus.SENT, body, segments)


def _sent(antenna, first_name, **person):
    """One sent reminder to a new person booked at a new date of the antenna."""
    occurrence = occurrence_today(antenna=antenna, day=timezone.localdate() + datetime.timedelta(days=3))
    booking = _book(occurrence, first_name=first_name, **person)
    ReminderMessage.objects.create(
        kind=ReminderKind.APPOINTMENT,
        channel=ReminderChannel.SMS if booking.beneficiary.phone else ReminderChannel.EMAIL,
        status=ReminderStatus.SENT,
        antenna=antenna,
        occurrence=occurrence,
        booking=booking,
        address=booking.beneficiary.phone or booking.beneficiary.email,
        sent_at=timezone.now(),
    )
    return ReminderMessage.objects.get(booking=booking)


def test_the_page_shows_this_month_s_messages_and_segments(client, antenna):
    month_start = antenna_now(antenna).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    counted = [_sent(antenna, "Un"), _sent(antenna, "Deux"), _sent(antenna, "Trois")]
    ReminderMessage.objects.filter(pk=counted[0].pk).update(segments=2)
    ReminderMessage.objects.filter(pk=counted[1].pk).update(segments=3)
    # The first moment of the month on the antenna's clock is counted.
    ReminderMessage.objects.filter(pk=counted[2].pk).update(segments=1, sent_at=month_start)
    _sent(antenna, "Courriel", phone="", email="courriel@example.org")
    # Not counted: the month before, another antenna, not delivered, and an e-mail not sent yet.
    earlier = _sent(antenna, "Avant")
    ReminderMessage.objects.filter(pk=earlier.pk).update(
        segments=7, sent_at=month_start - datetime.timedelta(seconds=1)
    )
    elsewhere = _sent(AntennaFactory(), "Ailleurs")
    ReminderMessage.objects.filter(pk=elsewhere.pk).update(segments=5)
    failed = _sent(antenna, "Perdu")
    ReminderMessage.objects.filter(pk=failed.pk).update(segments=4, status=ReminderStatus.FAILED, sent_at=None)
    queued = _sent(antenna, "Attente", phone="", email="attente@example.org")
    ReminderMessage.objects.filter(pk=queued.pk).update(status=ReminderStatus.QUEUED, sent_at=None)

    client.force_login(UserFactory(coordinator=True, membership__antenna=antenna))
    response = client.get(_page(antenna))
    assert response.context["month_sent"] == MonthSent(month=month_start.date(), sms=3, segments=6, emails=1)
    assertContains(response, '<dd class="col-4 col-sm-8">3</dd>', html=True)
    assertContains(response, '<dd class="col-4 col-sm-8">6</dd>', html=True)
    assertContains(response, '<dd class="col-4 col-sm-8">1</dd>', html=True)


def test_the_month_is_the_one_of_the_antenna_s_clock(antenna):
    antenna.time_zone = "Pacific/Noumea"
    antenna.save(update_fields=["time_zone"])
    message = _sent(antenna, "Nouméa")
    # 1 March 2026, 0:30 in Nouméa (UTC+11) is still 28 February in UTC.
    sent_at = datetime.datetime(2026, 2, 28, 13, 30, tzinfo=datetime.UTC)
    ReminderMessage.objects.filter(pk=message.pk).update(segments=2, sent_at=sent_at)
    assert month_sent(antenna, now=sent_at + datetime.timedelta(days=3)) == MonthSent(
        month=datetime.date(2026, 3, 1), sms=1, segments=2, emails=0
    )
    assert month_sent(antenna, now=sent_at - datetime.timedelta(hours=1)) == MonthSent(
        month=datetime.date(2026, 2, 1), sms=0, segments=0, emails=0
    )


def test_volunteers_are_not_alerted_of_a_date_short_of_volunteers(run, occurrence, mailoutbox):
    antenna = occurrence.permanence.antenna
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    assert AntennaMembership.objects.get(user=volunteer).role == MembershipRole.VOLUNTEER
    run(occurrence.starts_at - datetime.timedelta(hours=40))
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("REMINDER_SEND_HOUR", 24, "inclusion.E020"),
        ("REMINDER_SEND_HOUR", -1, "inclusion.E020"),
        ("REMINDER_DAYS_BEFORE", -1, "inclusion.E021"),
        ("REMINDER_HOURS_BEFORE", -2, "inclusion.E021"),
    ],
)
def test_impossible_reminder_timings_stop_the_system_check(settings, name, value, error):
    from inclusion.core.checks import reminder_settings_check

    assert reminder_settings_check(None) == []
    setattr(settings, name, value)
    assert [problem.id for problem in reminder_settings_check(None)] == [error]


def test_addresses_and_texts_are_erased_after_three_months(run, occurrence):
    _book(occurrence)
    run(_due(occurrence))
    record = ReminderMessage.objects.get()
    assert record.address and record.body
    assert run(record.created_at + reminder_services.CONTACT_KEPT - datetime.timedelta(minutes=1)).forgotten == 0
    assert run(record.created_at + reminder_services.CONTACT_KEPT).forgotten == 1
    record.refresh_from_db()
    assert (record.address, record.body, record.status) == ("", "", ReminderStatus.SENT)
    assert run(record.created_at + 2 * reminder_services.CONTACT_KEPT).forgotten == 0


DARI_MONTHS = [
    "جنوری", "فبروری", "مارچ", "اپریل", "می", "جون",
    "جولای", "اگست", "سپتمبر", "اکتوبر", "نومبر", "دسمبر",
]  # fmt: skip
DARI_WEEKDAYS = ["دوشنبه", "سه\u200cشنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه"]


def test_a_person_referred_in_dari_gets_the_reminder_sms_in_dari_with_the_afghan_month(run, occurrence, smsoutbox):
    """Django has no catalog for Dari: the names of the day and the month come from locale_django/."""
    booking = _referred_in(_book(occurrence, phone="+33465710107"), "prs")
    run(_due(occurrence))
    assert ReminderMessage.objects.get(booking=booking).language == "prs"
    weekday, month = DARI_WEEKDAYS[occurrence.date.weekday()], DARI_MONTHS[occurrence.date.month - 1]
    [text] = smsoutbox
    assert text.to == "+33465710107"
    assert text.body.startswith(f"یادآوری: وقت کمک دیجیتال {weekday} {occurrence.date.day} {month} ساعت ")
    assert "، La Blancarde، 12 boulevard de la Blancarde" in text.body
    assert sms_segments(text.body).segments <= 2
    assert "Rappel" not in text.body


@pytest.mark.parametrize("code", ["fr", "en", "ar", "es", "pt", "ro", "uk", "ru", "tr", "prs"])
def test_a_moved_date_is_texted_in_the_persons_language_within_two_segments(
    code, antenna, occurrence, smsoutbox, django_capture_on_commit_callbacks
):
    antenna.name = "Maison des associations"
    antenna.save(update_fields=["name"])
    _referred_in(_book(occurrence, phone="+33465710108"), code)
    new_day = occurrence.date + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_move(occurrence=occurrence, day=new_day, start=datetime.time(14), by=None)
    [text] = smsoutbox
    assert sms_segments(text.body).segments <= 2
    assert "Maison des associations" in text.body
    assert str(new_day.day) in text.body and str(occurrence.date.day) in text.body
    assert ("déplacé" in text.body) == (code == "fr")
    assert ("Change:" in text.body) == (code == "en")


def test_a_cancelled_date_is_texted_in_dari(run, occurrence, smsoutbox):
    _referred_in(_book(occurrence, phone="+33465710109"), "prs")
    occurrence_cancel(occurrence=occurrence, reason="Local inondé", by=None)
    run(_due(occurrence))
    [text] = smsoutbox
    month = DARI_MONTHS[occurrence.date.month - 1]
    assert text.body.startswith(f"وقت کمک دیجیتال شما {DARI_WEEKDAYS[occurrence.date.weekday()]} ")
    assert f" {occurrence.date.day} {month} " in text.body
    assert "، La Blancarde، لغو شد." in text.body
    # Booked through a referral: its referrer offers another date.
    assert text.body.endswith("کسی که برای شما وقت گرفته، تاریخ دیگری پیشنهاد می\u200cکند.")
    assert sms_segments(text.body).segments <= 2
