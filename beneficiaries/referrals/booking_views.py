"""Booking a referred person: the free-slot search across antennas, booking and cancelling, the
printable appointment card, and sending it to the person by SMS or e-mail.

Referrers search and book for their own liaison sheets (admins for any); the card, its sending
and the cancelling are also open to the team of the antenna where the appointment is, once they
have signed the confidentiality charter.
"""

import itertools
import uuid
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from beneficiaries.people.enums import SHEET_TRANSITIONS, SheetStatus
from beneficiaries.people.models import Beneficiary, LiaisonSheet
from inclusion.core.models import AccessLog
from inclusion.core.phones import phone_display
from inclusion.core.querystrings import next_path, page_of
from inclusion.core.services import access_log_record
from inclusion.core.submissions import FIELD as SUBMISSION_FIELD
from inclusion.core.submissions import AlreadySubmitted, first_result_shown, submission_key
from inclusion.core.typography import date_format, of_name
from sessions_app.bookings.cards import card_qr_code, card_sections
from sessions_app.bookings.enums import BookingStatus
from sessions_app.bookings.forms import BookingCancelForm, SlotSearchForm
from sessions_app.bookings.selectors import bookable_slot, free_slots, referral_bookings_visible_to, rota_languages
from sessions_app.bookings.services import BookingRefused, booking_cancel, referral_book
from sessions_app.reminders import notices
from sessions_app.reminders.enums import ReminderChannel
from sessions_app.reminders.notices import announce_after_commit
from sessions_app.reminders.selectors import booking_messages

# Free slots counted at most: past it the page says there are more and asks to narrow the search.
SLOT_SEARCH_CAP = 500


def _sheet_to_book(request, pk) -> LiaisonSheet:
    """A sheet the user may see (else 404) and book for, as its referrer or an admin (else 403)."""
    sheet = get_object_or_404(
        LiaisonSheet.objects.visible_to(request.user, per_person=True).select_related("beneficiary", "language"),
        pk=pk,
    )
    if not (request.user.is_admin or sheet.referrer_id == request.user.pk):
        raise PermissionDenied
    return sheet


def _can_be_booked(sheet: LiaisonSheet) -> bool:
    return SheetStatus.BOOKED in SHEET_TRANSITIONS[sheet.status]


def _referral_booking(request, pk):
    """A referral appointment the user may open (else 404). The antenna's team needs a signed
    charter to see the person (else 403); the sheet's referrer always may."""
    booking = get_object_or_404(
        referral_bookings_visible_to(request.user).select_related(
            "beneficiary",
            "liaison_sheet__beneficiary",
            "liaison_sheet__language",
            "slot__occurrence__permanence__antenna",
        ),
        pk=pk,
    )
    if booking.liaison_sheet is None:  # referral_bookings_visible_to holds referrals' bookings only
        raise Http404
    is_referrer = booking.liaison_sheet.referrer_id == request.user.pk
    if not is_referrer and not request.user.has_signed_charter:
        raise PermissionDenied
    return booking, is_referrer


def _group_by_day_and_antenna(slots, sheet: LiaisonSheet) -> list[dict]:
    """A page of slots (ordered by day, antenna, time) as days holding antennas holding slots."""
    languages = rota_languages({slot.occurrence_id for slot in slots})
    days = []
    for day, day_slots in itertools.groupby(slots, key=lambda slot: slot.occurrence.date):
        antennas = []
        for _antenna_id, grouped in itertools.groupby(
            day_slots, key=lambda slot: slot.occurrence.permanence.antenna_id
        ):
            antenna_slots = list(grouped)
            for slot in antenna_slots:
                slot.rota_languages = languages.get(slot.occurrence_id, [])
                slot.before_deadline = sheet.deadline is not None and day <= sheet.deadline
            antennas.append({"antenna": antenna_slots[0].occurrence.permanence.antenna, "slots": antenna_slots})
        days.append({"day": day, "antennas": antennas})
    return days


@require_safe
def slot_search(request, pk):
    sheet = _sheet_to_book(request, pk)
    access_log_record(user=request.user, action=AccessLog.Action.VIEW, subject=sheet)
    context = {"sheet": sheet, "person": sheet.beneficiary.short_name, "can_book": _can_be_booked(sheet)}
    if not context["can_book"]:
        context["active_booking"] = sheet.bookings.active().first()
        return render(request, "referrals/slot_search.html", context)
    # The first visit, or a page link without filters, searches with the sheet's own wishes.
    submitted = any(name in request.GET for name in SlotSearchForm.base_fields)
    form = SlotSearchForm(request.GET if submitted else SlotSearchForm.defaults(sheet), sheet=sheet)
    search = form.search()
    listing = page_of(request, free_slots(**search.selector_arguments()), cap=SLOT_SEARCH_CAP)
    context.update(
        {
            **listing,
            "form": form,
            "search": search,
            "days": _group_by_day_and_antenna(list(listing["page"]), sheet),
            "needs": list(sheet.needs.all()),
        }
    )
    return render(request, "referrals/slot_search.html", context)


def _search_url(request, sheet: LiaisonSheet) -> str:
    """Back to the search the booking came from, with its filters, if it is on this site."""
    return next_path(request, reverse("booking:slot_search", args=[sheet.pk]))


@require_POST
def book(request, pk):
    sheet = _sheet_to_book(request, pk)
    back = _search_url(request, sheet)
    slot = bookable_slot(request.POST.get("slot", ""))
    if slot is None:
        messages.error(request, _("This slot cannot be booked: choose one from the search results."))
        return redirect(back)
    now = timezone.now()
    if slot.starts_at <= now < slot.ends_at:
        messages.error(request, _("This slot has already started: choose a later one."))
        return redirect(back)
    try:
        # A second click on "Book" is refused here: the sheet is booked by the first one.
        booking = referral_book(sheet=sheet, slot=slot, by=request.user)
    except BookingRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(back)
    access_log_record(user=request.user, action=AccessLog.Action.CHANGE, subject=booking)
    antenna = slot.occurrence.permanence.antenna
    start = slot.starts_at.astimezone(ZoneInfo(antenna.time_zone))
    messages.success(
        request,
        _("%(person)s is booked on %(date)s at %(time)s, %(antenna)s. Print the appointment card or send it.")
        % {
            "person": sheet.beneficiary.short_name,
            "date": date_format(start, "l j F Y"),
            "time": date_format(start, "H:i"),
            "antenna": antenna.name,
        },
    )
    return redirect("booking:card", pk=booking.pk)


@require_POST
def cancel(request, pk):
    booking, is_referrer = _referral_booking(request, pk)
    card_url = reverse("booking:card", args=[booking.pk])
    if booking.status != BookingStatus.ACTIVE:
        messages.error(request, _("This appointment is already cancelled."))
        return redirect(card_url)
    if booking.slot.ends_at <= timezone.now():
        messages.error(request, _("This appointment is over: it can no longer be cancelled."))
        return redirect(card_url)
    form = BookingCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was cancelled: the reason is limited to 200 characters."))
        return redirect(card_url)
    booking_cancel(booking=booking, by=request.user, reason=form.cleaned_data["reason"])
    announce_after_commit()
    access_log_record(user=request.user, action=AccessLog.Action.CHANGE, subject=booking, detail={"action": "cancel"})
    messages.success(
        request,
        _("The appointment %(of_person)s is cancelled; the referral is back to “to book”.")
        % {"of_person": of_name(booking.liaison_sheet.beneficiary.short_name)},
    )
    if is_referrer:
        return redirect("beneficiaries:sheet_detail", pk=booking.liaison_sheet_id)
    return redirect("desk:today", antenna_pk=booking.slot.occurrence.permanence.antenna_id)


# The ways the card's send forms offer, by the value each posts as `channel`.
SEND_CHANNELS = (ReminderChannel.SMS, ReminderChannel.EMAIL)


def _send_options(person: Beneficiary) -> list[dict]:
    """The card's two send buttons, each with the address it sends to or why it cannot: the
    ways notices.card_send accepts (notices.card_addresses)."""
    addresses = notices.card_addresses(person)
    sms_reason = _("The person answered STOP to text messages") if addresses.sms_stopped else _("No phone number")
    return [
        {
            "channel": ReminderChannel.SMS,
            "label": _("Send by SMS"),
            "to": phone_display(addresses.sms),
            "reason": "" if addresses.sms else sms_reason,
            "key": uuid.uuid4(),
        },
        {
            "channel": ReminderChannel.EMAIL,
            "label": _("Send by e-mail"),
            "to": addresses.email,
            "reason": "" if addresses.email else _("No e-mail address"),
            "key": uuid.uuid4(),
        },
    ]


@require_safe
def card(request, pk):
    booking, is_referrer = _referral_booking(request, pk)
    access_log_record(user=request.user, action=AccessLog.Action.VIEW, subject=booking)
    sheet = booking.liaison_sheet
    is_active = booking.status == BookingStatus.ACTIVE
    can_change = is_active and booking.slot.ends_at > timezone.now()
    return render(
        request,
        "referrals/card.html",
        {
            "booking": booking,
            "sheet": sheet,
            "antenna": booking.slot.occurrence.permanence.antenna,
            "person": sheet.beneficiary.short_name,
            "sections": card_sections(booking),
            "qr_code": card_qr_code(sheet.reference),
            "is_cancelled": not is_active,
            "is_referrer": is_referrer,
            "cancel_form": _cancel_form(booking) if can_change else None,
            "send_options": _send_options(booking.beneficiary) if can_change and booking.beneficiary else [],
            "sent_messages": booking_messages([booking.pk]),
            # The page is refused to the antenna's team before the charter: this holds for whoever sees it.
            "shows_addresses": is_referrer or request.user.has_signed_charter,
            "can_open_sheet": is_referrer or request.user.is_admin,
            "can_rebook": (is_referrer or request.user.is_admin) and _can_be_booked(sheet),
        },
    )


@require_POST
def card_send(request, pk):
    booking, _is_referrer = _referral_booking(request, pk)
    card_url = reverse("booking:card", args=[booking.pk])
    channel = request.POST.get("channel", "")
    if channel not in SEND_CHANNELS:
        messages.error(request, _("Nothing was sent: choose to send the appointment by SMS or by e-mail."))
        return redirect(card_url)
    if booking.status != BookingStatus.ACTIVE:
        messages.error(request, _("Nothing was sent: this appointment is cancelled."))
        return redirect(card_url)
    if booking.slot.ends_at <= timezone.now():
        messages.error(request, _("Nothing was sent: this appointment is over."))
        return redirect(card_url)
    try:
        message = notices.card_send(
            booking=booking,
            channel=channel,
            by=request.user,
            submission_key=submission_key(request.POST.get(SUBMISSION_FIELD)),
        )
    except AlreadySubmitted as sent:
        return first_result_shown(request, sent, otherwise=card_url)
    except notices.CardNotSent:
        if channel == ReminderChannel.SMS:
            messages.error(request, _("Nothing was sent: the person has no phone number that takes text messages."))
        else:
            messages.error(request, _("Nothing was sent: the person has no e-mail address."))
        return redirect(card_url)
    access_log_record(
        user=request.user,
        action=AccessLog.Action.CHANGE,
        subject=booking,
        detail={"action": "send", "channel": channel},
    )
    if channel == ReminderChannel.SMS:
        sent_to = _("The appointment was sent by SMS to %(number)s.") % {"number": message.address_display}
    else:
        sent_to = _("The appointment was sent by e-mail to %(address)s.") % {"address": message.address}
    messages.success(request, sent_to)
    return redirect(card_url)


def _cancel_form(booking) -> BookingCancelForm:
    form = BookingCancelForm()
    form.helper.form_action = reverse("booking:cancel", args=[booking.pk])
    return form
