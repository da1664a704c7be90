from crispy_forms.layout import Div, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from inclusion.core.clock import antenna_today
from inclusion.core.forms import (
    DateInput,
    HandDateMixin,
    SubmitHelperMixin,
    SubmittedOnceMixin,
    TimeInput,
    form_field,
    hand_date_error,
)
from sessions_app.planning.services import CLOSURE_FIELDS, PERMANENCE_FIELDS
from sessions_app.scheduling.enums import Frequency, MonthlyPosition, PermanenceKind
from sessions_app.scheduling.models import SCHEDULE_YEARS, Closure, Permanence

# The fields that apply to one kind or one rule only, with the (field, value) they apply for.
# Without JavaScript every field shows with a help text saying when it applies; with it
# (static/js/permanence-form.js) the others are hidden. Either way the server ignores them.
APPLIES_WHEN = {
    "level": ("kind", PermanenceKind.WORKSHOP),
    "slot_minutes": ("kind", PermanenceKind.DROP_IN),
    "whole_slots_only": ("kind", PermanenceKind.DROP_IN),
    "interval_weeks": ("frequency", Frequency.WEEKLY),
    "monthly_position": ("frequency", Frequency.MONTHLY),
}
CHOICES_OF = {"kind": PermanenceKind.values, "frequency": Frequency.values}


class PermanenceForm(SubmittedOnceMixin, SubmitHelperMixin, forms.ModelForm):
    # A plain number so that a "5th Tuesday" typed or posted gets the model's explanation,
    # not a bare "invalid choice".
    monthly_position = forms.IntegerField(
        label=_("Which one in the month"),
        required=False,
        widget=forms.Select(choices=[("", "—"), *MonthlyPosition.choices]),
        help_text=_("Only for a monthly permanence."),
    )

    class Meta:
        model = Permanence
        fields = PERMANENCE_FIELDS
        widgets = {
            "start_time": TimeInput(),
            "end_time": TimeInput(),
            "valid_from": DateInput(),
            "valid_until": DateInput(),
            "interval_weeks": forms.NumberInput(attrs={"min": 1, "max": 8}),
            "seats": forms.NumberInput(attrs={"min": 1}),
            "slot_minutes": forms.NumberInput(attrs={"min": 10, "step": 5}),
        }
        labels = {
            # The digital skills the workshop is for, not the participants' French.
            "level": _("Workshop level (digital skills)"),
        }
        help_texts = {
            "level": _(
                "Only for a group workshop: how at ease with digital tools it expects people to be "
                "(not their level of French)."
            ),
            "interval_weeks": _("Only for a weekly permanence: 1 for every week, 2 for every other week…"),
            "slot_minutes": _("Only for drop-in help: a workshop is a single slot from its start to its end."),
            "whole_slots_only": _(
                "Only for drop-in help: leave out a last slot shorter than the others "
                "(9:00–12:30 then gives 9:00, 10:00, 11:00)."
            ),
        }

    def __init__(self, *args, antenna, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.antenna = antenna
        if not self.instance.pk:
            self.initial.setdefault("seats", max(antenna.workstations, 1))
            self.initial.setdefault("valid_from", antenna_today(antenna))
        if self.is_bound:
            self.data = self._applicable(self.data)
        self.helper.layout = Layout(
            *(
                Div(name, data_shown_when="=".join(APPLIES_WHEN[name])) if name in APPLIES_WHEN else name
                for name in PERMANENCE_FIELDS
            )
        )

    def _applicable(self, data):
        """The posted data with the fields that do not apply to the posted kind and rule set to
        what they mean then (no level, no position, every week) or, for the slots of a workshop,
        to what the permanence had: a field hidden on the page never gives an error."""
        data = data.copy()
        neutral = {
            "level": "",
            "monthly_position": "",
            "interval_weeks": "1",
            "slot_minutes": str(self.instance.slot_minutes),
            "whole_slots_only": "on" if self.instance.whole_slots_only else "",
        }
        for name, (controller, value) in APPLIES_WHEN.items():
            posted = data.get(self.add_prefix(controller))
            # An unknown kind or rule gets its own error: the fields that hang on it stay as sent.
            if posted in CHOICES_OF[controller] and posted != value:
                data[self.add_prefix(name)] = neutral[name]
        return data


class ClosureForm(SubmittedOnceMixin, SubmitHelperMixin, forms.ModelForm):
    submit_label = _("Close")

    class Meta:
        model = Closure
        fields = CLOSURE_FIELDS
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, antenna, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.antenna = antenna
        permanence_field = form_field(self, "permanence", forms.ModelChoiceField)
        permanence_field.queryset = antenna.permanences.current()
        permanence_field.empty_label = _("The whole antenna")


class OccurrenceCancelForm(SubmitHelperMixin, forms.Form):
    submit_label = _("Cancel this date")

    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Told to the people booked and their referrers, and shown on the public page."),
    )


class OccurrenceRestoreForm(SubmitHelperMixin, forms.Form):
    """The confirmation of a date's restoring: nothing to fill in."""

    submit_label = _("Restore this date")


class PermanenceDeleteForm(SubmittedOnceMixin, SubmitHelperMixin, forms.Form):
    """The confirmation of a permanence's deletion, sent once however often it is sent."""

    submit_label = _("Delete this permanence")


class OccurrenceMoveForm(HandDateMixin, SubmitHelperMixin, forms.Form):
    submit_label = _("Move this date")

    date = forms.DateField(label=_("New day"), widget=DateInput())
    start = forms.TimeField(
        label=_("New start time"), widget=TimeInput(), help_text=_("The date keeps its length and its slots.")
    )


class OccurrenceAddForm(HandDateMixin, SubmittedOnceMixin, SubmitHelperMixin, forms.Form):
    submit_label = _("Add this date")

    permanence = forms.ModelChoiceField(label=_("Permanence"), queryset=Permanence.objects.none())
    date = forms.DateField(label=_("Day"), widget=DateInput())
    start = forms.TimeField(label=_("Start"), widget=TimeInput())
    end = forms.TimeField(label=_("End"), widget=TimeInput())

    def __init__(self, *args, antenna, **kwargs):
        super().__init__(*args, antenna=antenna, **kwargs)
        form_field(self, "permanence", forms.ModelChoiceField).queryset = antenna.permanences.current()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] <= cleaned["start"]:
            self.add_error("end", _("The end must come after the start."))
        return cleaned


class OccurrenceOpenForm(forms.Form):
    """Open a date the series left out (holiday or closure): posted from the month view."""

    permanence = forms.ModelChoiceField(queryset=Permanence.objects.none())
    date = forms.DateField()

    def __init__(self, *args, antenna, **kwargs):
        super().__init__(*args, **kwargs)
        self.antenna = antenna
        form_field(self, "permanence", forms.ModelChoiceField).queryset = antenna.permanences.filter(is_active=True)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        permanence, day = cleaned.get("permanence"), cleaned.get("date")
        if day and (error := hand_date_error(day, antenna=self.antenna, years_ahead=SCHEDULE_YEARS)):
            raise error
        if permanence and day:
            if day not in permanence.rule_dates(day, day):
                raise forms.ValidationError(_("This day is not in the permanence's series."))
            if permanence.occurrences.filter(rule_date=day).exists():
                raise forms.ValidationError(_("This date already exists."))
        return cleaned
