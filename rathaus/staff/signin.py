"""The two steps of a staff sign-in, kept in the session between password and code.

Django's ``login()`` happens only once the second factor is checked: until then the browser
is signed out in every respect, and no page can be reached with the password alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import django_otp
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.http import HttpRequest
from django_otp.models import Device

from rathaus.audit.models import Action
from rathaus.audit.services import record

from . import lockout

PENDING = "rathaus.staff.pending"
LAST_SEEN = "rathaus.staff.last_seen"
BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class Pending:
    """A user whose password was right, waiting for the second factor."""

    user: User
    next_url: str


def begin(request: HttpRequest, *, user: User, next_url: str) -> None:
    """Remember the user whose password was right, in a new session key."""
    request.session.cycle_key()
    request.session[PENDING] = {"user": user.pk, "hash": user.get_session_auth_hash(),
                                "since": time.time(), "next": next_url}


def pending(request: HttpRequest) -> Pending | None:
    """Return the user waiting for their second factor, unless too much time has passed."""
    state = request.session.get(PENDING)
    if not isinstance(state, dict):
        return None
    if time.time() - float(state.get("since", 0)) > settings.RATHAUS_STAFF_SIGNIN_MINUTES * 60:
        cancel(request)
        return None
    user = User.objects.filter(pk=int(state.get("user") or 0), is_active=True).first()
    if user is None or user.get_session_auth_hash() != state.get("hash"):
        cancel(request)
        return None
    return Pending(user=user, next_url=str(state.get("next") or ""))


def cancel(request: HttpRequest) -> None:
    request.session.pop(PENDING, None)


def complete(request: HttpRequest, *, user: User, device: Device, how: str) -> None:
    """Sign ``user`` in, verified by ``device``: the session now opens staff pages."""
    login(request, user, backend=BACKEND)
    django_otp.login(request, device)
    cancel(request)
    # A staff session ends with the browser, and after inactivity (middleware.py).
    request.session.set_expiry(0)
    request.session[LAST_SEEN] = time.time()
    lockout.clear(user.get_username())
    record(action=Action.SIGNIN, request=request, actor=user, message=how)
