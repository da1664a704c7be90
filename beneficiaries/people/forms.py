"""Forms of the referrer's side: registering a person, writing and following a liaison sheet."""

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.layout import HTML, Field, Fieldset, Layout
from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from beneficiaries.people.enums import NOT_GIVEN, ConsentMethod
from beneficiaries.people.models import Beneficiary, LiaisonSheet, birth_year_error, deadline_error
from beneficiaries.people.services import BENEFICIARY_FIELDS, beneficiary_duplicates
from inclusion.core.departments import DEPARTMENT_CHOICES, validate_postcode
from inclusion.core.forms import (
    DateInput,
    LanguageCheckboxes,
    LanguageChoiceField,
    LanguagesField,
    PhoneNumberField,
    SubmitHelperMixin,
    SubmittedOnceMixin,
    form_field,
    label_choices,
    topic_checkbox_groups,
)
from inclusion.core.models import Antenna, Topic, User

DUPLICATES_SHOWN = 10
CONSENT_TEXT = _(
    "Read this to the person: “The association keeps your name, your contact details and a record of the help "
    "you get, to welcome you at the permanence and to tell the social worker who sent you whether you came. "
    "Nothing else is done with them. You can ask to see, correct or delete them at any time.”"
)
# Answers the person may keep to themselves: an empty or missing answer is "not given".
OPTIONAL_FACTS = ["french_level", "age_bracket", "gender", "social_status"]


class EquipmentField(forms.TypedChoiceField):
    """Yes, no, or not asked: "no" and "don't know" are different answers for the mediator."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=[("", _("Not asked")), ("yes", _("Yes")), ("no", _("No"))],
            coerce=lambda value: value == "yes",
            empty_value=None,
            required=False,
            **kwargs,
        )

    def prepare_value(self, value):
        if value is True:
            return "yes"
        if value is False:
            return "no"
        return value


class PersonForm(SubmittedOnceMixin, SubmitHelperMixin, forms.ModelForm):
    """The least a referrer needs to send a person to a permanence, with the person's consent.

    Likely duplicates found while cleaning are kept in `duplicates`: the person is only saved
    once the user has looked at them and said it is someone else.
    """

    submit_label = _("Register the person")

    has_email_address = EquipmentField(label=_("Has an e-mail address"))
    has_smartphone = EquipmentField(label=_("Has a smartphone"))
    has_computer = EquipmentField(label=_("Has a computer"))
    has_internet = EquipmentField(label=_("Has internet at home"))
    consent_method = forms.ChoiceField(
        label=_("How the person agreed"),
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
        help_text=_("Register the person only if they agree."),
        error_messages={"required": _("Ask the person for their consent: nobody is registered without it.")},
    )
    someone_else = forms.BooleanField(
        label=_("It is someone else, register anyway"),
        required=False,
    )

    class Meta:
        model = Beneficiary
        # The layout below sets the order on the page.
        fields = [*BENEFICIARY_FIELDS, "languages"]
        field_classes = {"phone": PhoneNumberField, "languages": LanguagesField}
        widgets = {
            "birth_year": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 4, "autocomplete": "off"}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 5}),
        }
        labels = {"has_no_phone": _("The person has no phone")}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.duplicates: list[Beneficiary] = []
        # The languages the people helped speak most come first: a few checkboxes to cross.
        form_field(self, "languages", LanguagesField).spoken_in = Beneficiary.languages.through
        self.fields["postcode"].validators.append(validate_postcode)
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs["autocomplete"] = "off"
        for name in OPTIONAL_FACTS:
            self.fields[name].required = False
            form_field(self, name, forms.TypedChoiceField).empty_value = NOT_GIVEN
        # The template writes the <form> tag itself: the duplicates, when there are any, go
        # inside it, above the fields.
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("The person"),
                "first_name",
                "last_name",
                "phone",
                "has_no_phone",
                "email",
                "birth_year",
                "postcode",
                "commune",
            ),
            Fieldset(
                _("Languages and equipment"),
                LanguageCheckboxes("languages"),
                "french_level",
                "has_email_address",
                "has_smartphone",
                "has_computer",
                "has_internet",
            ),
            Fieldset(_("For the figures (optional)"), "age_bracket", "gender", "social_status"),
            Fieldset(
                _("Consent"),
                HTML(format_html('<p class="border-start border-4 border-primary ps-3">{}</p>', CONSENT_TEXT)),
                InlineRadios("consent_method"),
            ),
        )

    def clean_birth_year(self):
        year = self.cleaned_data["birth_year"]
        if year is not None and (error := birth_year_error(year)):
            raise error
        return year

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        phone, no_phone = cleaned.get("phone"), cleaned.get("has_no_phone")
        if phone and no_phone:
            self.add_error("has_no_phone", _("Either give a phone number or tick “no phone”, not both."))
        elif not phone and not no_phone and not self.has_error("phone"):
            self.add_error("phone", _("Give a phone number, or tick “The person has no phone”."))
        self.duplicates = list(
            beneficiary_duplicates(
                user=self.user,
                phone=phone or "",
                first_name=(cleaned.get("first_name") or "").strip(),
                last_name=(cleaned.get("last_name") or "").strip(),
                birth_year=cleaned.get("birth_year"),
            )[:DUPLICATES_SHOWN]
        )
        if self.duplicates and not cleaned.get("someone_else"):
            self.add_error(
                "someone_else",
                _("This person may already be registered: use their record, or tick this box if it is someone else."),
            )
        return cleaned


class LiaisonSheetForm(SubmittedOnceMixin, SubmitHelperMixin, forms.ModelForm):
    """A referral: what the person needs, how urgent it is, in which language, and where."""

    submit_label = _("Send the liaison sheet")

    needs = forms.ModelMultipleChoiceField(
        label=_("Needs"),
        queryset=Topic.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Tick at least one need.")},
    )
    preferred_department = forms.ChoiceField(
        label=_("Preferred department"),
        required=False,
        choices=[("", _("— anywhere —")), *DEPARTMENT_CHOICES],
    )
    preferred_antennas = forms.ModelMultipleChoiceField(
        label=_("Preferred antennas"),
        queryset=Antenna.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(),
        help_text=_("Optional: the places easiest for the person to reach."),
    )

    class Meta:
        model = LiaisonSheet
        fields = [
            "needs",
            "detail",
            "deadline",
            "language",
            "interpreter_needed",
            "accessibility_needs",
            "preferred_department",
            "preferred_antennas",
        ]
        field_classes = {"language": LanguageChoiceField}
        widgets = {"detail": forms.Textarea(attrs={"rows": 3}), "deadline": DateInput()}
        help_texts = {"accessibility_needs": _("For instance: wheelchair, hearing loss, poor eyesight.")}

    def __init__(self, *args, beneficiary: Beneficiary, organization_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The referrer's organization, whose clock the deadline is checked on.
        if organization_id is not None:
            self.instance.organization_id = organization_id
        form_field(self, "needs", forms.ModelChoiceField).queryset = (
            Topic.objects.filter(is_active=True).select_related("parent").order_by("parent__position", "position")
        )
        language_field = form_field(self, "language", LanguageChoiceField)
        language_field.spoken_in = Beneficiary.languages.through
        language_field.empty_label = _("— not specified —")
        self.fields["language"].initial = beneficiary.languages.first()
        form_field(self, "preferred_antennas", forms.ModelChoiceField).queryset = Antenna.objects.active().order_by(
            "department_code", "city", "name"
        )
        label_choices(
            self, "preferred_antennas", lambda antenna: f"{antenna.name} ({antenna.postcode} {antenna.city})"
        )
        self.helper.layout = Layout(
            Field("needs", template="referrals/includes/needs_field.html"),
            "detail",
            Fieldset(_("Urgency"), "deadline"),
            Fieldset(_("Language and access"), "language", "interpreter_needed", "accessibility_needs"),
            Fieldset(_("Where"), "preferred_department", "preferred_antennas"),
        )

    def need_groups(self) -> list[tuple]:
        return topic_checkbox_groups(self["needs"])

    def clean_needs(self) -> list[Topic]:
        needs = list(self.cleaned_data["needs"])
        # A sub-theme belongs to its theme: the figures count both, as the national record does.
        chosen = {topic.pk for topic in needs}
        for topic in list(needs):
            if topic.parent_id and topic.parent_id not in chosen:
                needs.append(topic.parent)
                chosen.add(topic.parent_id)
        return needs

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline and (error := deadline_error(deadline, today=self.instance.referrer_today())):
            raise error
        return deadline
