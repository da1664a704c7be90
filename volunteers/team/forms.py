from crispy_forms.layout import Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from inclusion.core.clock import EARLIEST_DATE, antenna_today, date_range_error, server_today
from inclusion.core.forms import (
    DateInput,
    LanguageCheckboxes,
    LanguagesField,
    SubmitHelperMixin,
    form_field,
    label_choices,
)
from inclusion.core.models import Topic, User
from volunteers.team.models import VolunteerProfile
from volunteers.team.services import PROFILE_COORDINATOR_FIELDS, PROFILE_SELF_FIELDS


class VolunteerProfileForm(SubmitHelperMixin, forms.ModelForm):
    """What volunteers say about themselves: languages, skills, when they are free."""

    class Meta:
        model = VolunteerProfile
        fields = PROFILE_SELF_FIELDS
        field_classes = {"languages": LanguagesField}
        widgets = {
            "skills": forms.CheckboxSelectMultiple(),
            "availability_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "languages": _("Languages you can help people in, besides or instead of French."),
            "skills": _("What you are comfortable helping with."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The languages volunteers speak most come first, the others after them.
        form_field(self, "languages", LanguagesField).spoken_in = VolunteerProfile.languages.through
        form_field(self, "skills", forms.ModelChoiceField).queryset = Topic.objects.filter(
            is_active=True
        ).select_related("parent")
        label_choices(self, "skills", _topic_label)
        # Some forty languages: in columns under a search box they fit on a phone screen.
        self.helper.layout = Layout(LanguageCheckboxes("languages"), "skills", "availability_notes")


def _topic_label(topic: Topic) -> str:
    return f"{topic.parent.name} – {topic.name}" if topic.parent is not None else topic.name


class MemberProfileForm(SubmitHelperMixin, forms.ModelForm):
    """What a coordinator records about a member: the confidentiality charter and whether they
    are still active."""

    class Meta:
        model = VolunteerProfile
        fields = PROFILE_COORDINATOR_FIELDS
        widgets = {"charter_signed_on": DateInput()}
        help_texts = {
            "charter_signed_on": _(
                "The day the member signed the confidentiality charter. Until then they see no personal data "
                "of the people helped."
            ),
            "is_active": _("Untick for a member who no longer helps for now; their history stays."),
        }

    def __init__(self, *args, can_record_charter: bool = True, antenna=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The charter is signed at the antenna whose coordinator records it, on its day.
        self.today = antenna_today(antenna) if antenna is not None else server_today()
        if not can_record_charter:
            # Nobody certifies their own signature: a disabled field ignores what is posted.
            self.fields["charter_signed_on"].disabled = True
            self.fields["charter_signed_on"].help_text = _(
                "Another coordinator of the antenna or a federation admin records your own signature."
            )

    def clean_charter_signed_on(self):
        signed_on = self.cleaned_data["charter_signed_on"]
        if signed_on and signed_on > self.today:
            raise forms.ValidationError(_("The charter cannot be signed in the future."))
        if signed_on and (error := date_range_error(signed_on, earliest=EARLIEST_DATE, latest=self.today)):
            raise error
        return signed_on


class RotaAssignForm(forms.Form):
    """A coordinator puts a member of the antenna on the rota of a date."""

    volunteer = forms.ModelChoiceField(label=_("Volunteer"), queryset=User.objects.none())

    def __init__(self, *args, antenna, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "volunteer", forms.ModelChoiceField).queryset = User.objects.filter(
            memberships__antenna=antenna, is_active=True
        )
        self.fields["volunteer"].error_messages["invalid_choice"] = _("Choose a member of this antenna.")
