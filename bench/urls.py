"""The portal's URLs plus the baseline view; only bench.settings points here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from rathaus.urls import handler400, handler403, handler404, handler500
from rathaus.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def bare(request: HttpRequest) -> HttpResponse:
    """Answer through the full middleware stack without touching the database or a template."""
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("_bench/bare", bare, name="bench_bare"), *portal_urlpatterns]
