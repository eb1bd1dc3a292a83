"""Pages every German public website needs, error pages, and the health checks."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .health import readiness


def legal_page(request: HttpRequest, *, template: str) -> HttpResponse:
    return render(request, template)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {
            "title": _("Your session has expired"),
            "message": _(
                "For your security, the form could not be sent: it was open for too long, or "
                "cookies are blocked in your browser. Please go back, reload the page and send "
                "it again. Answers you saved in earlier steps are kept."
            ),
        },
        status=403,
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {
            "title": _("Page not found"),
            "message": _(
                "There is no page at this address. If you typed it, please check it. "
                "If you followed a link, it may be out of date."
            ),
        },
        status=404,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {
            "title": _("The request could not be processed"),
            "message": _("Please go back and try again."),
        },
        status=400,
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {
            "title": _("Access denied"),
            "message": _("You may not open this page."),
        },
        status=403,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {
            "title": _("Something went wrong on our side"),
            "message": _(
                "We are sorry. The error has been recorded. Please try again in a few minutes."
            ),
        },
        status=500,
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """Answer /favicon.ico, which browsers and feed readers ask for whatever the page links."""
    response = HttpResponseRedirect(static("rathaus/img/favicon.ico"))
    patch_cache_control(response, public=True, max_age=60 * 60 * 24)
    return response


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Nothing else is asked, so that a database outage makes the
    load balancer wait (/readyz), not restart every web process."""
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """Ready to serve: database, cache and task queue reachable, no migration pending.

    Names the checks that failed, never their errors (those are in the log).
    """
    checks = readiness()
    failed = sorted(name for name, passed in checks.items() if not passed)
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    return JsonResponse({"status": "ready"})
