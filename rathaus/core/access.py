"""Who may open staff pages: signed in with a verified second factor, then by role.

In core so that every app with staff pages (appointments, staff) can guard them; it needs only
Django and the URL name "staff:login".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.cache import never_cache

View = Callable[..., HttpResponseBase]


def is_verified(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Return whether ``user`` signed in with password and second factor in this session."""
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and check is not None and check())


def to_login(request: HttpRequest) -> HttpResponse:
    """Send the visitor to the staff sign-in, coming back here afterwards."""
    return redirect_to_login(request.get_full_path(), reverse("staff:login"))


def verified_required(*, permission: str | None = None,
                      allowed: Callable[[Any], bool] | None = None) -> Callable[[View], View]:
    """Let in verified staff with ``permission`` (or passing ``allowed``); others sign in or 403.

    A password alone is not enough: a session without a verified second factor is sent to the
    sign-in, like a signed-out one.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        @never_cache
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not is_verified(request.user):
                return to_login(request)
            if permission is not None and not request.user.has_perm(permission):
                raise PermissionDenied
            if allowed is not None and not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
