from typing import TYPE_CHECKING

from crispy_forms.layout import Submit
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from beneficiaries.people.models import REFERENCE_ALPHABET
from inclusion.core.forms import SubmitHelperMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Letters people write for the digits the reference alphabet uses instead: read over the phone,
# "O" and "0", "I", "L" and "1" are the same character.
REFERENCE_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class SheetAction(models.TextChoices):
    """What a referrer may decide about their referral, once it needs no more booking."""

    CLOSE = "close", _("Close with an outcome")
    REDIRECT = "redirect", _("Redirect elsewhere")
    CANCEL = "cancel", _("Cancel the referral")


class SheetActionForm(SubmitHelperMixin, forms.Form):
    """One of the referrer's last words on a sheet: close it, redirect the person, or cancel."""

    # Keyed by the action's value, as the view passes it.
    NOTE_LABELS: dict[str, "StrOrPromise"] = {
        SheetAction.CLOSE: _("Outcome"),
        SheetAction.REDIRECT: _("Where the person is redirected, and why"),
        SheetAction.CANCEL: _("Reason (optional)"),
    }
    HELP: dict[str, "StrOrPromise"] = {
        SheetAction.CLOSE: _("The person got what they needed, or the need is gone. The outcome stays on record."),
        SheetAction.REDIRECT: _("The permanence is not the right place: the person is sent to another service."),
        SheetAction.CANCEL: _("The referral is no longer wanted. Its future appointments are cancelled too."),
    }
    NOTE_REQUIRED: dict[str, "StrOrPromise"] = {
        SheetAction.CLOSE: _("Give the outcome of the referral."),
        SheetAction.REDIRECT: _("Say where the person is redirected."),
    }

    action = forms.ChoiceField(choices=SheetAction.choices, widget=forms.HiddenInput)
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, action: str, form_action: str, **kwargs):
        self.action_name = action
        self.help = self.HELP[action]
        self.submit_label = SheetAction(action).label
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        kwargs.setdefault("initial", {"action": action})
        super().__init__(*args, **kwargs)
        self.fields["note"].label = self.NOTE_LABELS[action]
        self.fields["note"].required = action in self.NOTE_REQUIRED
        if action in self.NOTE_REQUIRED:
            self.fields["note"].error_messages["required"] = self.NOTE_REQUIRED[action]
        self.helper.form_action = form_action
        button = Submit("submit", self.submit_label, css_id=f"submit-{action}")
        if action == SheetAction.CANCEL:
            button.field_classes = "btn btn-outline-danger"
        self.helper.inputs = [button]


def reference_normalize(text: str) -> str | None:
    """The reference as stored (XXXX-XXXX) from however it was typed, or None when it cannot be one."""
    code = "".join(text.split()).replace("-", "").upper().translate(REFERENCE_LOOKALIKES)
    if len(code) != 8 or any(character not in REFERENCE_ALPHABET for character in code):
        return None
    return f"{code[:4]}-{code[4:]}"


class ReferenceLookupForm(SubmitHelperMixin, forms.Form):
    """Find a referral from the reference on its appointment card."""

    submit_label = _("Find")
    NOT_FOUND = _("No referral with this reference among those you can see. Check the code on the card.")

    code = forms.CharField(
        label=_("Reference"),
        help_text=_("As written on the appointment card, for example 7K3M-Q9P2."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Enter the reference written on the appointment card.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.form_method = "get"

    def clean_code(self) -> str:
        reference = reference_normalize(self.cleaned_data["code"])
        if reference is None:
            raise forms.ValidationError(self.NOT_FOUND)
        return reference
