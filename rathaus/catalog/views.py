"""Citizen-facing catalog pages: start page with search, categories, service pages."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.translation import get_language

from rathaus.forms.schema import ServiceDef
from rathaus.identity.levels import TrustLevel, satisfies, session_trust_level
from rathaus.identity.session import is_signed_in

from . import hooks, selectors
from .models import Category, LifeSituation, OfflineNeed, Service
from .services import record_service_view

T = TypeVar("T")


def _cached_page(request: HttpRequest, key: str, build: Callable[[], T]) -> T:
    """Cache a rendered page per language and catalog generation, for a short time.

    A signed-in citizen's page has a personal header (Mein Rathaus, the sign-out form with its
    CSRF token): it is rendered afresh and never read from or written to the shared cache.
    """
    seconds = settings.RATHAUS_PAGE_CACHE_SECONDS
    if seconds <= 0 or is_signed_in(request):
        return build()
    full_key = f"page:{selectors.catalog_generation()}:{get_language()}:{key}"
    page: T | None = cache.get(full_key)
    if page is None:
        page = build()
        cache.set(full_key, page, seconds)
    return page


def search_page(request: HttpRequest, query: str, *, cached: bool = True) -> HttpResponse:
    """Render the results for a query; the same query is answered from the page cache.

    Keyed by the query as typed (it is shown in the search field again), hashed so that any
    text makes a valid key; the catalog generation in the key retires it on every publish.
    """
    def build() -> str:
        found = selectors.search_catalog(query=query)
        return render_to_string("catalog/search.html", {
            "query": query, "results": found.services, "offline_needs": found.offline_needs,
            "calendars": _active_calendars(found.offline_needs),
        }, request=request)

    if not cached:
        return HttpResponse(build())
    digest = hashlib.blake2b(query.encode(), digest_size=16).hexdigest()
    return HttpResponse(_cached_page(request, f"search:{digest}", build))


def home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    if query:
        return search_page(request, query)

    def build() -> str:
        return render_to_string(
            "catalog/home.html",
            {
                "topics": selectors.topics(),
                "life_situations": selectors.life_situations(),
                "most_used": selectors.most_used_services(),
            },
            request=request,
        )

    return HttpResponse(_cached_page(request, "home", build))


def all_services(request: HttpRequest) -> HttpResponse:
    services = list(selectors.active_services().select_related("category"))
    services.sort(key=lambda service: service.title.lower())
    return render(request, "catalog/all_services.html", {"services": services})


def category(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(Category, slug=slug)
    services = selectors.active_services().filter(category=item)
    needs = selectors.offline_needs_of(item)
    return render(request, "catalog/category.html", {
        "category": item, "services": services, "offline_needs": needs,
        "calendars": _active_calendars(needs),
    })


def _active_calendars(needs: list[OfflineNeed]) -> set[str]:
    """Return the slugs of the active calendars these needs name (a query only if any does)."""
    slugs = {slug for need in needs if (slug := need.spec.appointment_calendar) is not None}
    if not slugs:
        return set()
    return hooks.bookable_calendars.call(slugs)


def life_situation(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(LifeSituation, slug=slug)
    services = selectors.active_services().filter(life_situations=item)
    return render(request, "catalog/life_situation.html",
                  {"situation": item, "services": services})


def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    def build() -> tuple[int, str]:
        service = get_object_or_404(
            selectors.active_services().select_related("current_version", "department"),
            slug=slug,
        )
        assert service.current_version is not None
        spec = service.current_version.spec
        required = spec.required_trust_level
        html = render_to_string(
            "catalog/service_detail.html",
            {"service": service, "spec": spec, "required_level": required,
             # Only an own form asks for the sign-in here; a link-out service's sign-in
             # happens at the other authority, whose page the entry explains.
             "needs_sign_in": required > TrustLevel.NONE and "form" in spec.channels,
             "calendar": _appointment_calendar(spec)},
            request=request,
        )
        return service.pk, html

    # Keyed by slug so a cached page costs no query (the lookup and the decoding of the
    # definition were most of this view's time in bench/); publishing bumps the generation.
    service_id, html = _cached_page(request, f"service:{slug}", build)
    record_service_view(service_id=service_id)
    return HttpResponse(html)


def _appointment_calendar(spec: ServiceDef) -> str | None:
    """Return the slug of the active calendar the service books, if it names one.

    One query if it names one, else none.
    """
    slug = spec.appointment_calendar
    if slug is None or slug not in hooks.bookable_calendars.call({slug}):
        return None
    return slug


def trust_gate(
    request: HttpRequest, service: Service, spec: ServiceDef | None = None, *,
    at_least: TrustLevel = TrustLevel.NONE, kept: bool = False, owned: bool = False,
) -> HttpResponse | None:
    """Return the page explaining the sign-in a service needs, or None when the session has it.

    `spec` is the version being answered (a draft's); by default the service's current one.
    `at_least` raises the requirement (a signed-in citizen's draft needs a sign-in); `kept`
    says the answers just posted were kept for after the sign-in; `owned` that the draft
    belongs to a citizen account. The page offers the step-up back to this very address.
    """
    if spec is None:
        assert service.current_version is not None
        spec = service.current_version.spec
    required = max(spec.required_trust_level, at_least)
    achieved = session_trust_level(request)
    if satisfies(achieved=achieved, required=required):
        return None
    return render(
        request,
        "catalog/sign_in_required.html",
        {"service": service, "spec": spec, "required_level": required,
         "current_level": achieved, "next_url": request.get_full_path(), "kept": kept,
         "owned": owned},
        status=403,
    )
