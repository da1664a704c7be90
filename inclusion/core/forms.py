import datetime
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.cache import cache
from django.db import models
from django.db.models import Count
from django.forms.boundfield import BoundField, BoundWidget
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from inclusion.core.clock import antenna_today, date_range_error, years_from
from inclusion.core.departments import (
    DEPARTMENT_CHOICES,
    DEPARTMENT_TIME_ZONES,
    TIME_ZONE_CHOICES,
    department_from_postcode,
)
from inclusion.core.enums import MembershipRole
from inclusion.core.models import AccessLog, Antenna, Language, Organization, User
from inclusion.core.phones import phone_display, phone_normalize
from inclusion.core.services import ANTENNA_ADMIN_FIELDS, ANTENNA_COORDINATOR_FIELDS, ORGANIZATION_FIELDS
from inclusion.core.submissions import submission_key

_FieldT = TypeVar("_FieldT", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[_FieldT]) -> _FieldT:
    """The form's field of that name, as the kind of field it is: `form.fields` holds plain
    Fields for the type checker, and a queryset or choices can only be set on the right kind."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"The field {name!r} is a {type(field).__name__}, not a {kind.__name__}.")
    return field


def label_choices(form: forms.BaseForm, name: str, label: Callable[[Any], str]) -> None:
    """Each choice of the form's model-choice field shown as label(instance): Django's own way,
    an instance attribute over the field's label_from_instance method."""
    field = form_field(form, name, forms.ModelChoiceField)
    field.label_from_instance = label  # type: ignore[method-assign,assignment]  # mypy forbids it on methods


class PhoneNumberField(forms.CharField):
    """Accepts a phone number however it is written and cleans it to E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.input_type = "tel"
        self.widget.attrs.setdefault("autocomplete", "tel")

    def prepare_value(self, value):
        # Show stored numbers the way people write them (04 91 00 00 00), not as E.164.
        return phone_display(value) if value and value.startswith("+") else value

    def clean(self, value):
        value = super().clean(value)
        return phone_normalize(value) if value else value


class SubmitHelperMixin:
    """Gives a form a crispy helper with one submit button labelled by submit_label."""

    submit_label = _("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.add_input(Submit("submit", self.submit_label))


class SubmittedOnceMixin:
    """Gives a create form the hidden key that makes it create once however often it is sent
    (see inclusion.core.submissions). A fresh key each time the form is shown empty; a form shown
    again with its errors keeps the key it was sent with."""

    # Given by the form class it is mixed into.
    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A plain Field: whatever comes back (a NUL byte, a megabyte) is no reason to refuse the
        # form; anything that is not a key is simply not one.
        self.fields["submission_key"] = forms.Field(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)
        helper = getattr(self, "helper", None)
        if helper is not None:
            helper.render_hidden_fields = True

    @property
    def submission_key(self) -> uuid.UUID | None:
        return submission_key(self.cleaned_data.get("submission_key"))


class LoginForm(SubmitHelperMixin, AuthenticationForm):
    submit_label = _("Log in")
    # One answer whether the address is unknown or the password wrong, so the form does not
    # reveal who has an account. E-mail addresses are not case-sensitive here.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Incorrect e-mail address or password."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "type": "email"})


class DepartmentChoiceField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=[("", _("— deduce from the postcode —")), *DEPARTMENT_CHOICES], **kwargs)


class AntennaForm(SubmittedOnceMixin, SubmitHelperMixin, forms.ModelForm):
    """What a coordinator may change about their antenna."""

    department_code = DepartmentChoiceField(label=_("Department"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES, initial="Europe/Paris")

    class Meta:
        model = Antenna
        fields = ANTENNA_COORDINATOR_FIELDS
        field_classes = {"public_phone": PhoneNumberField}
        widgets = {
            "postcode": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 3}),
            "public_notes": forms.Textarea(attrs={"rows": 3}),
            "workstations": forms.NumberInput(attrs={"min": 0}),
        }

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        postcode = cleaned.get("postcode")
        if postcode and not cleaned.get("department_code"):
            department = department_from_postcode(postcode)
            if department is None:
                self.add_error("department_code", _("Choose the department: it cannot be told from this postcode."))
            else:
                cleaned["department_code"] = department
                self.instance.department_code = department
        department = cleaned.get("department_code")
        if department in DEPARTMENT_TIME_ZONES and cleaned.get("time_zone") == "Europe/Paris":
            # Overseas antennas keep local time; Paris time there is always a mistake.
            cleaned["time_zone"] = DEPARTMENT_TIME_ZONES[department]
            self.instance.time_zone = cleaned["time_zone"]
        return cleaned


class AntennaAdminForm(AntennaForm):
    """Admins also choose the organization that runs the antenna."""

    class Meta(AntennaForm.Meta):
        fields = ANTENNA_ADMIN_FIELDS


class OrganizationForm(SubmittedOnceMixin, SubmitHelperMixin, forms.ModelForm):
    department_code = forms.ChoiceField(
        label=_("Department"), required=False, choices=[("", _("— national or none —")), *DEPARTMENT_CHOICES]
    )

    class Meta:
        model = Organization
        fields = ORGANIZATION_FIELDS
        field_classes = {"phone": PhoneNumberField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Organization.objects.all()
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        form_field(self, "parent", forms.ModelChoiceField).queryset = parents


class AccountForm(SubmittedOnceMixin, SubmitHelperMixin, forms.ModelForm):
    """An admin creates or edits an account."""

    is_admin = forms.BooleanField(
        label=_("Federation admin"),
        required=False,
        help_text=_("Sees and manages every organization, antenna and account."),
    )

    class Meta:
        model = User
        fields = ["email", "display_name", "phone", "is_active"]
        field_classes = {"phone": PhoneNumberField}

    def __init__(self, *args, editor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.editor = editor
        self.fields["is_admin"].initial = self.instance.is_superuser
        if not self.instance.pk:
            del self.fields["is_active"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        # An admin who removes their own rights or deactivates themselves is locked out at once.
        if self.instance.pk and self.instance.pk == self.editor.pk:
            if not cleaned.get("is_admin"):
                self.add_error("is_admin", _("You cannot remove your own admin rights."))
            if not cleaned.get("is_active", True):
                self.add_error("is_active", _("You cannot deactivate your own account."))
        return cleaned

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("An account with this e-mail address already exists."))
        return email


class ProfileForm(SubmitHelperMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "phone"]
        field_classes = {"phone": PhoneNumberField}


class MembershipForm(SubmitHelperMixin, forms.Form):
    submit_label = _("Add")

    antenna = forms.ModelChoiceField(label=_("Antenna"), queryset=Antenna.objects.select_related("organization"))
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_choices(self, "antenna", lambda antenna: f"{antenna.name} ({antenna.organization.name})")


class ReferrerForm(SubmitHelperMixin, forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.all())
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)


class SubmitHelperPasswordChangeForm(SubmitHelperMixin, PasswordChangeForm):
    submit_label = _("Change my password")


class SubmitHelperPasswordResetForm(SubmitHelperMixin, PasswordResetForm):
    submit_label = _("Send me a link")


class SubmitHelperSetPasswordForm(SubmitHelperMixin, SetPasswordForm):
    submit_label = _("Save my password")


class AccessLogFilterForm(forms.Form):
    """The filters of the access log page, read from the query string."""

    personne = forms.IntegerField(label=_("Person number"), required=False, min_value=1)
    compte = forms.EmailField(label=_("Account (e-mail)"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All"))] + list(AccessLog.Action.choices)
    )
    du = forms.DateField(label=_("From"), required=False, widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"))
    au = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                *(Div(name, css_class="col-6 col-md") for name in self.fields),
                Div(Submit("", _("Filter"), css_class="btn-outline-primary mb-3"), css_class="col-12 col-md-auto"),
                css_class="row g-2 align-items-end",
            )
        )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and end < start:
            self.add_error("au", _("The end date must not be before the start date."))
        return cleaned


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


# A date added or moved by hand lies between the antenna's today and a year ahead: the series
# itself only reaches OCCURRENCE_HORIZON_WEEKS, and further than a year is a mistyped year. A
# day of the series opened by hand is already bound by the permanence's validity (SCHEDULE_YEARS).
HAND_DATE_YEARS_AHEAD = 1


def hand_date_error(
    day: datetime.date, *, antenna, years_ahead: int = HAND_DATE_YEARS_AHEAD
) -> forms.ValidationError | None:
    """Why a date added, moved or opened by hand cannot be on this day, or None."""
    today = antenna_today(antenna)
    if day < today:
        return forms.ValidationError(_("Choose a day from today on."))
    return date_range_error(day, earliest=today, latest=years_from(today, years_ahead))


class HandDateMixin:
    """A form whose `date` is a day set by hand at `antenna` (see hand_date_error)."""

    cleaned_data: dict[str, Any]  # given by the form class it is mixed into

    def __init__(self, *args, antenna, **kwargs):
        super().__init__(*args, **kwargs)
        self.antenna = antenna

    def clean_date(self):
        day = self.cleaned_data["date"]
        if error := hand_date_error(day, antenna=self.antenna):
            raise error
        return day


def topic_checkbox_groups(bound_field) -> list[tuple]:
    """A topics field's checkboxes as (theme, [its sub-themes]) in the taxonomy's order, so the
    administrative sub-themes are shown under their theme."""
    themes: list[tuple[int, Any]] = []
    subtopics: dict[int, list[Any]] = {}
    for checkbox in bound_field:
        topic = checkbox.data["value"].instance
        if topic.parent_id:
            subtopics.setdefault(topic.parent_id, []).append(checkbox)
        else:
            themes.append((topic.pk, checkbox))
    return [(checkbox, subtopics.get(pk, [])) for pk, checkbox in themes]


# The languages shown first in a languages field, before the others in alphabetical order.
MOST_SPOKEN_SHOWN = 8
# Which languages are spoken most changes slowly, and counting them reads a table as large as
# the number of people: an hour-old count is good enough to order a list.
MOST_SPOKEN_CACHE_SECONDS = 60 * 60


def languages_most_spoken(spoken_in: type[models.Model], *, shown: int = MOST_SPOKEN_SHOWN) -> list[int]:
    """The ids of the languages that come up most in `spoken_in` (a table of who speaks which
    language, with a `language` foreign key: the people's or the volunteers'), most spoken first,
    counted over the whole database."""
    key = f"languages-most-spoken:{spoken_in._meta.db_table}:{shown}"
    ids = cache.get(key)
    if ids is None:
        ids = list(
            spoken_in._default_manager.values("language_id")
            .annotate(speakers=Count("*"))
            .order_by("-speakers", "language_id")
            .values_list("language_id", flat=True)[:shown]
        )
        cache.set(key, ids, MOST_SPOKEN_CACHE_SECONDS)
    return ids


class MostSpokenFirstIterator(forms.models.ModelChoiceIterator):
    """A languages field's choices: the languages most spoken in the field's `spoken_in` table
    first (most spoken at the top), then the others in alphabetical order of the name in the
    page's language; two groups when both have languages, else a plain list."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        languages = list(self.queryset.order_by("name_en" if get_language() == "en" else "name_fr"))
        spoken_in = getattr(self.field, "spoken_in", None)
        rank = {pk: position for position, pk in enumerate(languages_most_spoken(spoken_in) if spoken_in else [])}
        first = sorted((language for language in languages if language.pk in rank), key=lambda lang: rank[lang.pk])
        others = [language for language in languages if language.pk not in rank]
        if first and others:
            yield (_("Most spoken"), [self.choice(language) for language in first])
            yield (_("Other languages"), [self.choice(language) for language in others])
        else:
            yield from (self.choice(language) for language in first + others)


class MostSpokenFirstMixin:
    """A choice of languages in MostSpokenFirstIterator's order. `spoken_in` is the table whose
    counts put a language first (e.g. Beneficiary.languages.through); without it, alphabetical."""

    iterator: type[forms.models.ModelChoiceIterator] = MostSpokenFirstIterator

    def __init__(self, *args, spoken_in: type[models.Model] | None = None, **kwargs):
        if not args:
            kwargs.setdefault("queryset", Language.objects.all())
        super().__init__(*args, **kwargs)
        self.spoken_in = spoken_in


class LanguageChoiceField(MostSpokenFirstMixin, forms.ModelChoiceField):
    """One language, from a list that starts with the most spoken."""


class LanguagesBoundField(BoundField):
    @cached_property
    def checkbox_groups(self) -> list[tuple[Any, list[BoundWidget]]]:
        """The checkboxes as (group's name, its checkboxes), in order; the name is None when the
        languages are not grouped. Built from one reading of the choices, as `subwidgets` is."""
        widget = self.field.widget
        if not isinstance(widget, forms.CheckboxSelectMultiple):
            raise TypeError(f"The field {self.name!r} is not shown as checkboxes.")
        id_ = widget.attrs.get("id") or self.auto_id
        attrs = self.build_widget_attrs({"id": id_} if id_ else {})
        groups: list[tuple[Any, list[BoundWidget]]] = []
        for name, options, _index in widget.optgroups(self.html_name, widget.format_value(self.value()), attrs):
            checkboxes = [BoundWidget(widget, option, self.form.renderer) for option in options]
            if name is None and groups and groups[-1][0] is None:
                groups[-1][1].extend(checkboxes)
            else:
                groups.append((name, checkboxes))
        return groups


class LanguagesField(MostSpokenFirstMixin, forms.ModelMultipleChoiceField):
    """The languages someone speaks, as checkboxes, the most spoken first. Lay it out with
    LanguageCheckboxes, which adds the search box that filters them."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
    bound_field_class = LanguagesBoundField


class LanguageCheckboxes(Field):
    """A LanguagesField in a crispy layout: its groups of checkboxes under a search box that
    filters them as one types (static/js/language-filter.js). The box is only shown once the
    script runs: without JavaScript the plain checkboxes remain."""

    template = "core/includes/language_checkboxes.html"
