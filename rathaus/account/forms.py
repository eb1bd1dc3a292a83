"""What citizens type in Mein Rathaus, validated; nothing here writes."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from rathaus.identity.levels import TrustLevel

EMAIL_ERROR = _("Enter an e-mail address in the form name@example.de.")


class EmailSignInForm(forms.Form):
    email = forms.EmailField(max_length=254, error_messages={
        "required": EMAIL_ERROR, "invalid": EMAIL_ERROR, "max_length": EMAIL_ERROR})


def safe_next(request: HttpRequest, value: str | None) -> str:
    """Return ``value`` when it is a path on this site, else an empty string."""
    if not value or len(value) > 500 or not value.startswith("/"):
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return ""
    return value


def requested_level(value: str | None) -> TrustLevel:
    """Return the trust level named by ``?level=`` (basic, substantial, high); basic otherwise."""
    try:
        level = TrustLevel.from_name(value or "basic")
    except KeyError:
        return TrustLevel.BASIC
    return max(level, TrustLevel.BASIC)
