from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Refuse oversized requests early with a readable page instead of reading them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.RATHAUS_MAX_REQUEST_BYTES:
            limit_mb = settings.RATHAUS_MAX_REQUEST_BYTES // (1024 * 1024)
            return render(
                request,
                "core/error.html",
                {
                    "title": _("The upload is too large"),
                    "message": _(
                        "Together, the files you sent are larger than %(limit)s MB. Please go "
                        "back and choose smaller files. What you entered in earlier steps is saved."
                    )
                    % {"limit": limit_mb},
                },
                status=413,
            )
        return self.get_response(request)


# The methods the site answers; Django's function views would otherwise answer any method as if
# it were GET (a TRACE got the page with 200).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MethodAllowListMiddleware:
    """Answer 405 to TRACE, CONNECT and any unknown method, on every path, before any view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in KNOWN_METHODS:
            response = HttpResponse(_("This method is not allowed."), status=405,
                                    content_type="text/plain; charset=utf-8")
            response["Allow"] = ", ".join(sorted(KNOWN_METHODS))
            return response
        return self.get_response(request)
