"""The portal's URLs plus the baseline view; only bench.settings points here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from rathaus.catalog.views import search_page
from rathaus.core.access import verified_required
from rathaus.urls import handler400, handler403, handler404, handler500
from rathaus.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def bare(request: HttpRequest) -> HttpResponse:
    """Answer through the full middleware stack without touching the database or a template."""
    return HttpResponse(b"ok\n", content_type="text/plain")


@verified_required()
def staff_bare(request: HttpRequest) -> HttpResponse:
    """What every staff page pays before its own work: the session, the user, the second
    factor's device, the idle check; no template."""
    return HttpResponse(b"ok\n", content_type="text/plain")


@verified_required()
def staff_layout(request: HttpRequest) -> HttpResponse:
    """The same, with the staff layout around an empty page (header, navigation, footer)."""
    return render(request, "staff/base.html", {})


def search_uncached(request: HttpRequest) -> HttpResponse:
    """The search results page as the portal renders it, never answered from the page cache."""
    return search_page(request, request.GET.get("q", "").strip()[:200], cached=False)


urlpatterns = [
    path("_bench/bare", bare, name="bench_bare"),
    path("de/_bench/search-uncached", search_uncached),
    path("de/_bench/staff-bare", staff_bare),
    path("de/_bench/staff-layout", staff_layout),
    *portal_urlpatterns,
]
