"""The welcome link: sets the first (or a new) password, once, within PASSWORD_RESET_TIMEOUT.

Django's password-reset tokens: a token stops working as soon as the password changes or the
holder signs in, so the link works once.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode


def welcome_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("staff:welcome", kwargs={"uidb64": uid, "token": token})
    return settings.RATHAUS_BASE_URL + path


def user_from_welcome(uidb64: str, token: str) -> User | None:
    """Return the user the link was made for, if it is still valid."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user
