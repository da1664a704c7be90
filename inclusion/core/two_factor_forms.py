import math
import time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.oath import TOTP

from inclusion.core import two_factor_services
from inclusion.core.forms import SubmitHelperMixin


def _code_field(help_text) -> forms.CharField:
    return forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class TwoFactorCodeForm(SubmitHelperMixin, forms.Form):
    """A code from the user's app or one of their backup codes, checked against their devices."""

    submit_label = _("Verify")
    code = _code_field(_("The 6-digit code your app shows now, or one of your backup codes."))

    def __init__(self, *args, user, submit_label=None, **kwargs):
        if submit_label is not None:
            self.submit_label = submit_label
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_code(self):
        check = two_factor_services.two_factor_check(user=self.user, code=self.cleaned_data["code"])
        if check.retry_at is not None:
            seconds = max(1, math.ceil((check.retry_at - timezone.now()).total_seconds()))
            raise forms.ValidationError(
                ngettext(
                    "Too many wrong codes. Wait %(seconds)d second before trying again.",
                    "Too many wrong codes. Wait %(seconds)d seconds before trying again.",
                    seconds,
                )
                % {"seconds": seconds},
                code="throttled",
            )
        if check.device is None:
            raise forms.ValidationError(
                _("This code is not right. Type the code your app shows now: each code works only once."),
                code="wrong_code",
            )
        self.device = check.device
        return self.cleaned_data["code"]


class TwoFactorSetupForm(SubmitHelperMixin, forms.Form):
    """The first code of a newly scanned secret: proves the app holds it before it is kept."""

    submit_label = _("Turn on")
    code = _code_field(_("The 6-digit code your app shows for Permanences numériques."))

    # One step either side, as django-otp allows at log-in: a phone's clock is often a little off.
    TOLERANCE = 1

    def __init__(self, *args, key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = key
        self.fields["code"].widget.attrs["inputmode"] = "numeric"
        # The time step and drift of the code clean_code verifies; until then django-otp's own
        # "no step used yet".
        self.last_t: int = -1
        self.drift: int = 0

    def clean_code(self):
        code = two_factor_services.code_normalize(self.cleaned_data["code"])
        if not two_factor_services.APP_CODE.fullmatch(code):
            raise forms.ValidationError(_("Type the 6 digits your app shows."), code="not_six_digits")
        totp = TOTP(bytes.fromhex(self.key))
        totp.time = time.time()
        if not totp.verify(int(code), tolerance=self.TOLERANCE):
            raise forms.ValidationError(
                _("This code is not right. Check the phone's time and type the code your app shows now."),
                code="wrong_code",
            )
        self.last_t = totp.t()
        self.drift = totp.drift
        return code
