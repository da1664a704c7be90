"""Forms for booking a referred person: the free-slot search and cancelling an appointment."""

import dataclasses
import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from dateutil.relativedelta import relativedelta
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beneficiaries.people.models import LiaisonSheet
from inclusion.core.clock import server_today
from inclusion.core.departments import DEPARTMENT_CHOICES, DEPARTMENTS
from inclusion.core.forms import DateInput, SubmitHelperMixin, form_field
from inclusion.core.models import Antenna, Language
from inclusion.core.querystrings import object_id
from inclusion.core.typography import date_format
from sessions_app.scheduling.enums import PermanenceKind, WorkshopLevel

DEFAULT_RANGE = datetime.timedelta(weeks=6)
MAX_RANGE = relativedelta(months=3)
# Far enough for any date a coordinator may add by hand, near enough that adding the search
# range to it can never overflow.
FURTHEST_DAY = datetime.timedelta(days=2 * 366)
# Volunteers list the languages they speak besides French: asking for French would hide every
# slot whose rota does not say it.
FRENCH = "fr"

KIND_CHOICES = [
    ("", _("Any kind")),
    (PermanenceKind.DROP_IN, _("Drop-in help")),
    (PermanenceKind.WORKSHOP, _("Group workshop, any level")),
    (f"{PermanenceKind.WORKSHOP}:{WorkshopLevel.BEGINNER}", _("Group workshop, beginner")),
    (f"{PermanenceKind.WORKSHOP}:{WorkshopLevel.INTERMEDIATE}", _("Group workshop, intermediate")),
    (f"{PermanenceKind.WORKSHOP}:{WorkshopLevel.ADVANCED}", _("Group workshop, advanced")),
]


@dataclasses.dataclass
class SlotSearch:
    """What the search asks free_slots for, once defaults and bounds are applied."""

    department: str
    postcode: str
    antenna: Antenna | None
    date_from: datetime.date
    date_to: datetime.date
    kind: str
    level: str
    language: Language | None
    range_shortened: bool = False

    def selector_arguments(self) -> dict:
        arguments = {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name != "range_shortened"
        }
        # In Polynesia's afternoon or Cayenne's evening the server is already on the next day,
        # while those antennas' today still has slots ahead: a search from the server's today
        # reaches back a day, and free_slots leaves out every slot already started.
        if self.date_from <= server_today():
            arguments["date_from"] = self.date_from - datetime.timedelta(days=1)
        return arguments


class AntennaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, antenna):
        if antenna.is_preferred:
            return gettext("%(name)s (%(city)s) – preferred") % {"name": antenna.name, "city": antenna.city}
        return gettext("%(name)s (%(city)s)") % {"name": antenna.name, "city": antenna.city}


class SlotSearchForm(forms.Form):
    """The filters of the free-slot search, sent by GET.

    A value that does not validate is left out of the search (its default applies) and shown
    with its error, so a hand-edited address never breaks the page.
    """

    department = forms.ChoiceField(
        label=_("Department"), choices=[("", _("All departments")), *DEPARTMENT_CHOICES], required=False
    )
    postcode = forms.CharField(
        label=_("Postcode or its first digits"),
        max_length=5,
        required=False,
        validators=[RegexValidator(r"^[0-9]{1,5}$", _("Type digits only, for instance 13 or 13001."))],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    antenna = AntennaChoiceField(label=_("Antenna"), queryset=Antenna.objects.none(), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES, required=False)
    language = forms.ModelChoiceField(
        label=_("Language spoken by a volunteer on the rota"),
        queryset=Language.objects.exclude(code=FRENCH).order_by("name_fr"),
        to_field_name="code",
        empty_label=_("Any language"),
        required=False,
    )
    before_deadline = forms.BooleanField(label=_("Only before the deadline"), required=False)

    def __init__(self, *args, sheet: LiaisonSheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        # A search across the country has no one antenna's clock: days are the server's, and a
        # slot is over by its own start time (booking_selectors), whatever the day is there.
        self.today = server_today()
        preferred = LiaisonSheet.preferred_antennas.through.objects.filter(
            liaisonsheet_id=sheet.pk, antenna_id=OuterRef("pk")
        )
        antennas = Antenna.objects.active().annotate(is_preferred=Exists(preferred))
        # Once a department is chosen, its antennas (and the sheet's preferred ones) are the only
        # useful choices; the whole country's list is a thousand entries to build and send.
        department = self.data.get("department", "")
        antenna_field = form_field(self, "antenna", forms.ModelChoiceField)
        if department in DEPARTMENTS:
            antennas = antennas.filter(Q(department_code=department) | Q(is_preferred=True))
        else:
            # Across the country, only the sheet's preferred antennas and the one asked for.
            chosen = object_id(self.data.get("antenna", ""))
            antennas = (
                antennas.filter(Q(is_preferred=True) | Q(pk=chosen)) if chosen else antennas.filter(is_preferred=True)
            )
            antenna_field.help_text = _("Choose a department to list its antennas.")
        antenna_field.queryset = antennas.order_by("-is_preferred", "department_code", "city", "name", "pk")
        antenna_field.empty_label = _("All antennas")
        if sheet.deadline is None:
            del self.fields["before_deadline"]
        else:
            self.fields["before_deadline"].help_text = gettext("The deadline is %(date)s.") % {
                "date": date_format(sheet.deadline, "SHORT_DATE_FORMAT")
            }
        self.helper = FormHelper(self)
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.attrs = {"role": "search", "aria-label": _("Search for a free slot")}
        self.helper.layout = Layout(
            Row(
                Column("department", css_class="col-12 col-md-4"),
                Column("postcode", css_class="col-12 col-md-3"),
                Column("antenna", css_class="col-12 col-md-5"),
            ),
            Row(
                Column("date_from", css_class="col-6 col-md-3"),
                Column("date_to", css_class="col-6 col-md-3"),
                Column("kind", css_class="col-12 col-md-3"),
                Column("language", css_class="col-12 col-md-3"),
            ),
            *(["before_deadline"] if "before_deadline" in self.fields else []),
        )
        self.helper.add_input(Submit("search", _("Search")))

    @classmethod
    def defaults(cls, sheet: LiaisonSheet) -> dict[str, str]:
        """The search a referrer sees first: the sheet's department and language, the next weeks."""
        today = server_today()
        data = {
            "department": sheet.preferred_department,
            "date_from": today.isoformat(),
            "date_to": (today + DEFAULT_RANGE).isoformat(),
        }
        if sheet.language is not None and sheet.language.code != FRENCH:
            data["language"] = sheet.language.code
        return data

    def _not_too_far(self, day: datetime.date | None) -> datetime.date | None:
        if day and day > self.today + FURTHEST_DAY:
            raise forms.ValidationError(_("Choose a day within the next two years."))
        return day

    def clean_date_from(self):
        return self._not_too_far(self.cleaned_data["date_from"])

    def clean_date_to(self):
        return self._not_too_far(self.cleaned_data["date_to"])

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end date must come after the start date."))
        return cleaned

    def search(self) -> SlotSearch:
        """The search to run: valid values, defaults for the rest, the range bounded."""
        self.is_valid()
        data = self.cleaned_data
        date_from = max(data.get("date_from") or self.today, self.today)
        date_to = data.get("date_to") or date_from + DEFAULT_RANGE
        range_shortened = date_to > date_from + MAX_RANGE
        if range_shortened:
            date_to = date_from + MAX_RANGE
        if data.get("before_deadline") and self.sheet.deadline:
            date_to = min(date_to, self.sheet.deadline)
        kind, _separator, level = (data.get("kind") or "").partition(":")
        return SlotSearch(
            department=data.get("department") or "",
            postcode=data.get("postcode") or "",
            antenna=data.get("antenna"),
            date_from=date_from,
            date_to=date_to,
            kind=kind,
            level=level,
            language=data.get("language"),
            range_shortened=range_shortened,
        )


class BookingCancelForm(SubmitHelperMixin, forms.Form):
    submit_label = _("Cancel this appointment")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.inputs[0].field_classes = "btn btn-outline-danger"

    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=200,
        required=False,
        help_text=_("Kept with the referral's history."),
    )
