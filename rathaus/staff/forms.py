"""Input of the staff sign-in: validation only; checking credentials is the views' business."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _


class PasswordForm(forms.Form):
    username = forms.CharField(
        label=_("User name"), max_length=150,
        error_messages={"required": _("Enter your user name.")})
    password = forms.CharField(
        label=_("Password"), max_length=4096, strip=False,
        error_messages={"required": _("Enter your password.")})

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip()


APP_CODE = re.compile(r"^\d{6}$")
RECOVERY_CODE = re.compile(r"^[a-z2-7]{8}$")


def normalise_code(value: str) -> str:
    """Drop what people type between the characters: spaces, dashes."""
    return re.sub(r"[\s\-]", "", value).lower()


class CodeForm(forms.Form):
    """The 6-digit code the authenticator app shows now."""

    code = forms.CharField(
        label=_("Security code"), max_length=20,
        help_text=_("6 digits, from the authenticator app on your phone."),
        error_messages={"required": _("Enter the 6-digit code from your authenticator app.")})

    def clean_code(self) -> str:
        code = normalise_code(str(self.cleaned_data["code"]))
        if not APP_CODE.match(code):
            raise forms.ValidationError(_("Enter the 6 digits your authenticator app shows."))
        return code


class RecoveryCodeForm(forms.Form):
    """One of the recovery codes shown when the app was set up."""

    recovery = forms.CharField(
        label=_("Recovery code"), max_length=20,
        help_text=_("8 letters and digits, for example abcd-2345. Each code works once."),
        error_messages={"required": _("Enter one of your recovery codes.")})

    def clean_recovery(self) -> str:
        code = normalise_code(str(self.cleaned_data["recovery"]))
        if not RECOVERY_CODE.match(code):
            raise forms.ValidationError(_(
                "Enter a recovery code of 8 letters and digits, for example abcd-2345."))
        return code


class WelcomeForm(SetPasswordForm):  # type: ignore[type-arg]
    """Choose a password: Django's validators (length 12, not common, not like the name)."""
