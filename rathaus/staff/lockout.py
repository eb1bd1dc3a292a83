"""Lock-out after repeated failures, counted per user name by django-axes.

Failed passwords reach axes through Django's ``user_login_failed`` signal, sent by
``authenticate()``; a failed second-factor code is reported the same way, so both count towards
the one limit (``RATHAUS_STAFF_LOCKOUT_FAILURES`` within ``RATHAUS_STAFF_LOCKOUT_MINUTES``).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.signals import user_locked_out
from axes.utils import reset
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest

from rathaus.audit.models import Action
from rathaus.audit.services import record


def is_locked(request: HttpRequest, username: str) -> bool:
    """Return whether ``username`` is locked out now."""
    return bool(AxesProxyHandler.is_locked(request, {"username": username}))


def count_failed_code(request: HttpRequest, username: str) -> None:
    """Count a wrong second-factor code like a wrong password."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def locked_by_this_request(request: HttpRequest) -> bool:
    """Return whether the failure just counted reached the limit."""
    return bool(getattr(request, "axes_locked_out", False))


def clear(username: str) -> int:
    """Forget the failures of ``username``: after a complete sign-in, or to unlock by hand."""
    return int(reset(username=username))


def _audit_lockout(sender: Any, request: HttpRequest | None = None, username: str = "",
                   **kwargs: Any) -> None:
    record(action=Action.LOCKED_OUT, request=request, actor_label=username or "")


def connect_audit() -> None:
    # A receiver, because axes decides when the limit is reached and only tells by this signal.
    user_locked_out.connect(_audit_lockout, dispatch_uid="rathaus.staff.audit_lockout")
