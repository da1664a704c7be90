"""Forms of today's desk: walk-ins and the session log, made to be filled in on a phone."""

from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from beneficiaries.people.enums import NOT_GIVEN, AgeBracket, ConsentMethod, Gender, SocialStatus
from beneficiaries.people.models import Beneficiary, birth_year_error
from beneficiaries.people.services import BeneficiaryFields
from inclusion.core.clock import antenna_today
from inclusion.core.forms import (
    PhoneNumberField,
    SubmitHelperMixin,
    SubmittedOnceMixin,
    form_field,
    label_choices,
    topic_checkbox_groups,
)
from inclusion.core.models import Topic, User
from sessions_app.bookings.enums import Attendance, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.desk.enums import DURATION_CHOICES, MAX_SESSION_MINUTES, Autonomy, Outcome, RedirectionKind
from sessions_app.desk.models import VOUCHER_NUMBER_MAX_LENGTH, SessionLog, Voucher, session_date_error
from sessions_app.desk.services import SessionLogFields
from sessions_app.scheduling.models import Occurrence, Slot
from volunteers.team.models import Signup

OTHER_DURATION = "other"
EQUIPMENT_CHOICES = [
    ("used_computer", _("Computer")),
    ("used_phone", _("Phone")),
    ("used_tablet", _("Tablet")),
    ("used_other_equipment", _("Other equipment")),
]
VOUCHER_MAX_LENGTH = VOUCHER_NUMBER_MAX_LENGTH


class SlotChoiceField(forms.ModelChoiceField):
    """The slots of a date that still have a seat, labelled with their times and seats left."""

    def __init__(self, *, occurrence: Occurrence, **kwargs):
        queryset = (
            occurrence.slots.annotate(booked=Count("bookings", filter=Q(bookings__status=BookingStatus.ACTIVE)))
            .filter(booked__lt=F("seats"))
            .order_by("starts_at")
        )
        super().__init__(
            queryset=queryset,
            label=_("Slot"),
            empty_label=None,
            error_messages={
                "required": _("Choose a slot."),
                "invalid_choice": _("This slot is full: every seat is taken. Choose another slot."),
            },
            **kwargs,
        )
        self.zone = ZoneInfo(occurrence.permanence.antenna.time_zone)
        slots = list(queryset)
        now = timezone.now()
        current = next((slot for slot in slots if slot.starts_at <= now < slot.ends_at), None)
        upcoming = next((slot for slot in slots if slot.ends_at > now), None)
        default = current or upcoming or (slots[0] if slots else None)
        self.initial = default.pk if default else None

    def label_from_instance(self, slot):
        left = slot.seats - slot.booked
        return ngettext(
            "%(start)s–%(end)s · %(count)s seat left",
            "%(start)s–%(end)s · %(count)s seats left",
            left,
        ) % {
            "start": f"{slot.starts_at.astimezone(self.zone):%H:%M}",
            "end": f"{slot.ends_at.astimezone(self.zone):%H:%M}",
            "count": left,
        }


class WalkInForm(SubmittedOnceMixin, forms.Form):
    """A known person found by the search, or an anonymous person, taking a seat now."""

    use_required_attribute = False

    def __init__(self, *args, occurrence: Occurrence, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"] = SlotChoiceField(occurrence=occurrence)
        self.fields["person"] = forms.ModelChoiceField(
            queryset=Beneficiary.objects.visible_to(user, per_person=True),
            required=False,
            error_messages={"invalid_choice": _("This person cannot be found: search again.")},
        )
        self.fields["anonymous"] = forms.BooleanField(required=False)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("person") and not cleaned.get("anonymous") and not self.has_error("person"):
            raise forms.ValidationError(_("Choose a person, or add the visit as anonymous."))
        return cleaned


class NewPersonForm(SubmittedOnceMixin, SubmitHelperMixin, forms.Form):
    """The least a volunteer needs to welcome a person again, and their consent."""

    submit_label = _("Register and check in")

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    phone = PhoneNumberField(label=_("Phone"), required=False)
    birth_year = forms.IntegerField(
        label=_("Birth year"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 4, "autocomplete": "off"}),
    )
    consent_method = forms.ChoiceField(
        label=_("Consent"),
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "The person agrees that the antenna keeps these details and a record of the help given, "
            "to welcome them again and follow up their procedures."
        ),
        error_messages={"required": _("Ask the person for their consent before registering them.")},
    )

    def __init__(self, *args, occurrence: Occurrence, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"slot": SlotChoiceField(occurrence=occurrence), **self.fields}
        # The helper laid the form out before the slot was added.
        self.helper.layout = self.helper.build_default_layout(self)
        self.helper.form_id = "new-person"

    def clean_birth_year(self):
        year = self.cleaned_data["birth_year"]
        if year is not None and (error := birth_year_error(year)):
            raise error
        return year

    def person_fields(self) -> BeneficiaryFields:
        cleaned = self.cleaned_data
        return BeneficiaryFields(
            first_name=cleaned["first_name"],
            last_name=cleaned["last_name"],
            phone=cleaned["phone"],
            birth_year=cleaned["birth_year"],
        )


class SessionLogForm(SubmittedOnceMixin, forms.Form):
    """What happened in one session or workshop: the national session record's vocabulary."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    duration = forms.ChoiceField(label=_("Duration"), required=False, widget=forms.RadioSelect)
    duration_other = forms.IntegerField(
        label=_("Other duration, in minutes"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 4}),
        error_messages={"invalid": _("Give the duration as a number of minutes, for instance 40.")},
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("parent__position", "position", "label"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Tick at least one topic.")},
    )
    age_bracket = forms.ChoiceField(
        label=_("Age bracket"), choices=AgeBracket.choices, initial=NOT_GIVEN, required=False
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=NOT_GIVEN, required=False)
    social_status = forms.ChoiceField(
        label=_("Social status"), choices=SocialStatus.choices, initial=NOT_GIVEN, required=False
    )
    commune = forms.CharField(label=_("Commune"), max_length=150, required=False)
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=Beneficiary.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    anonymous_participants = forms.IntegerField(
        label=_("Anonymous participants"),
        min_value=0,
        max_value=500,
        initial=0,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 4}),
    )
    autonomy = forms.ChoiceField(
        label=_("Autonomy"), choices=Autonomy.choices, required=False, widget=forms.RadioSelect
    )
    equipment = forms.MultipleChoiceField(
        label=_("Equipment used"), choices=EQUIPMENT_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the outcome.")},
    )
    redirected_to = forms.ChoiceField(
        label=_("Redirected to"), choices=[("", "—"), *RedirectionKind.choices], required=False
    )
    next_step = forms.CharField(label=_("Next step"), max_length=255, required=False)
    summary = forms.CharField(
        label=_("Summary for the referrer"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The referrer may read it."),
    )
    private_note = forms.CharField(
        label=_("Note for the antenna's team"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only the antenna's volunteers and coordinators see it."),
    )
    vouchers = forms.CharField(
        label=_("Voucher numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text=_("One number per line."),
    )
    volunteers = forms.ModelMultipleChoiceField(
        label=_("Volunteers"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick who helped.")},
    )

    def __init__(
        self,
        *args,
        antenna,
        user: User,
        occurrence: Occurrence | None = None,
        booking: Booking | None = None,
        last_log: SessionLog | None = None,
        same_as_last: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        form_field(self, "duration", forms.ChoiceField).choices = [
            *((str(minutes), gettext("%(minutes)s min") % {"minutes": minutes}) for minutes in DURATION_CHOICES),
            (OTHER_DURATION, gettext("Other")),
        ]
        self.antenna = antenna
        self.booking = booking
        self.occurrence = occurrence = booking.slot.occurrence if booking else occurrence
        self.is_workshop = bool(occurrence and occurrence.permanence.is_workshop)
        # A workshop is logged once for the whole group, not against one person's booking.
        if self.is_workshop:
            self.booking = None
        self.beneficiary = self.booking.beneficiary if self.booking else None

        if occurrence:
            del self.fields["date"]
        else:
            self.fields["date"].initial = antenna_today(antenna)
        if booking:
            self._set_duration_initial(booking.slot)

        if self.is_workshop:
            for name in ("age_bracket", "gender", "social_status", "commune"):
                del self.fields[name]
            bookings = Booking.objects.active().filter(slot__occurrence=occurrence)
            form_field(self, "participants", forms.ModelChoiceField).queryset = (
                Beneficiary.objects.visible_to(user, per_person=True)
                .filter(pk__in=bookings.filter(beneficiary__isnull=False).values("beneficiary"))
                .order_by("last_name", "first_name")
            )
            attended = bookings.filter(attendance=Attendance.ATTENDED)
            self.fields["participants"].initial = list(
                attended.filter(beneficiary__isnull=False).values_list("beneficiary", flat=True)
            )
            self.fields["anonymous_participants"].initial = attended.filter(beneficiary__isnull=True).count()
            self._set_duration_initial(occurrence)
        else:
            del self.fields["participants"]
            del self.fields["anonymous_participants"]
            if self.beneficiary:
                for name in ("age_bracket", "gender", "social_status", "commune"):
                    del self.fields[name]

        rota = (
            list(Signup.objects.filter(occurrence=occurrence).values_list("volunteer", flat=True))
            if occurrence
            else []
        )
        form_field(self, "volunteers", forms.ModelChoiceField).queryset = (
            User.objects.filter(Q(memberships__antenna=antenna) | Q(pk=user.pk) | Q(pk__in=rota), is_active=True)
            .distinct()
            .order_by("display_name")
        )
        self.fields["volunteers"].initial = [user.pk, *rota]
        label_choices(self, "volunteers", lambda volunteer: volunteer.display_name or volunteer.email)

        self.last_log = last_log if self.beneficiary else None
        self.topics_source = self._set_topics_initial()
        self.same_as_last = bool(same_as_last and self.last_log)
        if self.same_as_last and self.last_log is not None:
            self._set_same_as_last(self.last_log)

    def _set_topics_initial(self) -> str:
        """Tick what the session is most likely about: the needs the referrer wrote on the
        person's liaison sheet, else the topics of the person's last session here. Returns where
        they came from ("sheet", "last_session" or "")."""
        sheet = self.booking.liaison_sheet if self.booking and self.booking.liaison_sheet_id else None
        topics: list[Topic] = list(sheet.needs.filter(is_active=True).select_related("parent")) if sheet else []
        source = "sheet" if topics else ""
        if not topics and self.last_log is not None:
            topics = [topic for topic in self.last_log.topics.all() if topic.is_active]
            source = "last_session" if topics else ""
        # A sub-theme goes with its theme: both are ticked.
        self.fields["topics"].initial = sorted({topic.pk for topic in topics} | _parent_ids(topics))
        return source

    def _set_same_as_last(self, log: SessionLog) -> None:
        """What a returning person's last session was, to change only what differs."""
        self.fields["topics"].initial = [topic.pk for topic in log.topics.all() if topic.is_active]
        if str(log.duration_minutes) in {str(minutes) for minutes in DURATION_CHOICES}:
            self.fields["duration"].initial = str(log.duration_minutes)
        else:
            self.fields["duration"].initial = OTHER_DURATION
            self.fields["duration_other"].initial = log.duration_minutes
        self.fields["autonomy"].initial = log.autonomy
        self.fields["equipment"].initial = [name for name, _label in EQUIPMENT_CHOICES if getattr(log, name)]
        self.fields["volunteers"].initial = sorted(
            {*self.fields["volunteers"].initial, *(volunteer.pk for volunteer in log.volunteers.all())}
        )

    def topic_sections(self) -> tuple[list[tuple], list[tuple]]:
        """The topics' checkboxes, by theme: the themes ticked (pre-ticked or chosen) first, and
        the others apart, to be folded away when something is ticked already."""
        ticked, others = [], []
        for theme, subtopics in topic_checkbox_groups(self["topics"]):
            if theme.data["selected"] or any(subtopic.data["selected"] for subtopic in subtopics):
                ticked.append((theme, subtopics))
            else:
                others.append((theme, subtopics))
        return ticked, others

    def folded_errors(self) -> bool:
        """Whether a field folded away by default has an error, so the fold opens."""
        folded = {"date", "duration", "duration_other", "autonomy", "equipment", "next_step", "private_note"}
        folded |= {"vouchers", "volunteers", "age_bracket", "gender", "social_status", "commune"}
        return any(name in self.errors for name in folded)

    def _set_duration_initial(self, period) -> None:
        minutes = int((period.ends_at - period.starts_at).total_seconds() // 60)
        if minutes in DURATION_CHOICES:
            self.fields["duration"].initial = str(minutes)
        else:
            self.fields["duration"].initial = OTHER_DURATION
            self.fields["duration_other"].initial = minutes

    def topic_groups(self) -> list[tuple]:
        return topic_checkbox_groups(self["topics"])

    def clean_date(self):
        day = self.cleaned_data["date"]
        if error := session_date_error(day, antenna=self.antenna):
            raise error
        return day

    def clean_vouchers(self) -> list[str]:
        numbers = [line.strip() for line in self.cleaned_data["vouchers"].splitlines() if line.strip()]
        errors = []
        seen = set()
        for number in numbers:
            if len(number) > VOUCHER_MAX_LENGTH:
                errors.append(
                    _("Voucher number “%(number)s” is too long (%(max)s characters at most).")
                    % {"number": number, "max": VOUCHER_MAX_LENGTH}
                )
            elif number in seen:
                errors.append(_("Voucher number “%(number)s” is written twice.") % {"number": number})
            seen.add(number)
        for number in Voucher.objects.filter(number__in=seen).values_list("number", flat=True):
            errors.append(
                _("Voucher number “%(number)s” is already recorded for another session.") % {"number": number}
            )
        if errors:
            raise forms.ValidationError(errors)
        return numbers

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if self.occurrence and self.occurrence.date > antenna_today(self.antenna):
            self.add_error(None, _("A session cannot be logged before it takes place."))
        self._clean_duration(cleaned)
        topics = cleaned.get("topics")
        if topics:
            # A sub-theme ticked alone means its theme too: the theme is added, not asked for.
            chosen = {topic.pk for topic in topics}
            parents = [topic.parent for topic in topics if topic.parent_id and topic.parent_id not in chosen]
            cleaned["topics"] = [*topics, *{parent.pk: parent for parent in parents if parent}.values()]
        outcome, redirected_to = cleaned.get("outcome"), cleaned.get("redirected_to")
        if outcome == Outcome.REDIRECTED and not redirected_to:
            self.add_error("redirected_to", _("Say where the person was redirected."))
        elif outcome and outcome != Outcome.REDIRECTED and redirected_to:
            self.add_error("redirected_to", _("Leave this empty unless the outcome is “Redirected”."))
        nobody = not cleaned.get("participants") and not cleaned.get("anonymous_participants")
        if self.is_workshop and nobody and not self.has_error("anonymous_participants"):
            self.add_error(
                "participants",
                _("A workshop needs at least one participant: tick who came or give how many came anonymously."),
            )
        return cleaned

    def _clean_duration(self, cleaned) -> None:
        if self.has_error("duration_other") or self.has_error("duration"):
            return
        choice, other = cleaned.get("duration"), cleaned.get("duration_other")
        if choice and choice != OTHER_DURATION:
            cleaned["duration_minutes"] = int(choice)
            return
        if other is None:
            field = "duration_other" if choice == OTHER_DURATION else "duration"
            self.add_error(field, _("Give the session's duration."))
        elif other <= 0:
            self.add_error("duration_other", _("The duration must be more than 0 minutes."))
        elif other > MAX_SESSION_MINUTES:
            self.add_error(
                "duration_other",
                _("A session cannot last more than 8 hours (%(max)s minutes).") % {"max": MAX_SESSION_MINUTES},
            )
        else:
            cleaned["duration_minutes"] = other

    def session_log_fields(self) -> SessionLogFields:
        """The log's own fields, for session_log_record."""
        cleaned = self.cleaned_data
        occurrence = self.occurrence
        data: dict[str, Any] = {
            "occurrence": occurrence,
            "booking": self.booking,
            "date": occurrence.date if occurrence else cleaned["date"],
            "is_workshop": self.is_workshop,
            "level": occurrence.permanence.level if occurrence is not None and self.is_workshop else "",
            "beneficiary": self.beneficiary,
            "duration_minutes": cleaned["duration_minutes"],
            "autonomy": cleaned["autonomy"],
            "outcome": cleaned["outcome"],
            "redirected_to": cleaned["redirected_to"],
            "next_step": cleaned["next_step"],
            "summary": cleaned["summary"],
            "private_note": cleaned["private_note"],
            **{name: name in cleaned["equipment"] for name, _label in EQUIPMENT_CHOICES},
        }
        if self.is_workshop:
            data["anonymous_participants"] = cleaned["anonymous_participants"] or 0
        elif not self.beneficiary:
            data.update({name: cleaned[name] or NOT_GIVEN for name in ("age_bracket", "gender", "social_status")})
            data["commune"] = cleaned["commune"]
        return SessionLogFields(**data)


def _parent_ids(topics: list[Topic]) -> set[int]:
    return {topic.parent_id for topic in topics if topic.parent_id}


class NextAppointmentForm(SubmittedOnceMixin, forms.Form):
    """One of the free slots offered for a person's next appointment."""

    slot = forms.ModelChoiceField(
        queryset=Slot.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose a slot."),
            "invalid_choice": _("This slot is no longer free: choose another one."),
        },
    )

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "slot", forms.ModelChoiceField).queryset = slots


class DeskSearchForm(forms.Form):
    """The desk's search for a person: a name, part of a phone number, or a card's reference."""

    MIN_LENGTH = 2
    MAX_LENGTH = 100

    q = forms.CharField(
        label=_("Find a person"),
        strip=True,
        help_text=_("Name, part of the phone number, or the reference on an appointment card"),
        error_messages={"required": _("Type a name, part of a phone number, or a reference.")},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def __init__(self, data=None, **kwargs):
        if data is not None:
            # PostgreSQL refuses NUL characters in a query: they are dropped, not let fail the page.
            data = {"q": data.get("q", "").replace("\x00", "")}
        super().__init__(data, **kwargs)

    def clean_q(self):
        text = self.cleaned_data["q"]
        if len(text) < self.MIN_LENGTH:
            raise forms.ValidationError(
                _("Type at least %(count)s characters to search."), params={"count": self.MIN_LENGTH}
            )
        if len(text) > self.MAX_LENGTH:
            raise forms.ValidationError(
                _("Type at most %(count)s characters to search."), params={"count": self.MAX_LENGTH}
            )
        return text
