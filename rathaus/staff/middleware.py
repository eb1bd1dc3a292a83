from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from rathaus.audit.models import Action
from rathaus.audit.services import record

from .signin import LAST_SEEN

# Writing the session on every request would cost a write per page; half a minute of slack does not.
TOUCH_AFTER_SECONDS = 30


class StaffIdleTimeoutMiddleware:
    """Sign staff out after RATHAUS_STAFF_IDLE_MINUTES without a request.

    Only sessions of a completed staff sign-in carry the time of the last request; citizens'
    sessions are left alone. The staff page asked for then sends the visitor to the sign-in,
    which shows why.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session to look into: leave it unread, so that public pages stay without
            # "Vary: Cookie" and without a session lookup.
            return self.get_response(request)
        last_seen = request.session.get(LAST_SEEN)
        if last_seen is not None:
            now = time.time()
            idle = now - float(last_seen)
            if idle > settings.RATHAUS_STAFF_IDLE_MINUTES * 60:
                record(action=Action.IDLE_TIMEOUT, request=request,
                       message=f"idle for {int(idle // 60)} minutes")
                logout(request)
                messages.warning(request, _(
                    "You were signed out because you were inactive for more than %(minutes)s "
                    "minutes. Please sign in again.")
                    % {"minutes": settings.RATHAUS_STAFF_IDLE_MINUTES})
            elif idle > TOUCH_AFTER_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
