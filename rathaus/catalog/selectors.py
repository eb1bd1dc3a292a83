"""Reads of the catalog: search, most used, services by category."""

from __future__ import annotations

import datetime
import time

from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from rathaus.core.text import search_terms

from .models import Category, LifeSituation, Service

GENERATION_KEY = "catalog:generation"


def _fresh_generation() -> int:
    # Milliseconds since 1970: a generation that a full cache dropped comes back larger than
    # any it had (each publication adds one), so no page of an older catalog is taken for
    # the current one.
    return time.time_ns() // 1_000_000


def catalog_generation() -> int:
    """Return the catalog's generation, from the cache every web process shares."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        fresh = _fresh_generation()
        cache.add(GENERATION_KEY, fresh, timeout=None)
        value = cache.get(GENERATION_KEY, fresh)
    return int(value)


def bump_catalog_generation() -> None:
    """Make every process's cached pages stale (a definition was published or changed)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, _fresh_generation(), timeout=None)


def active_services() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True, current_version__isnull=False)


def search_services(*, query: str) -> list[Service]:
    """Find services whose folded text contains every folded term ("hund" finds "Hundesteuer")."""
    terms = search_terms(query)
    if not terms:
        return []
    condition = Q()
    for term in terms:
        condition &= Q(search_text__contains=term)
    services = list(active_services().filter(condition).select_related("category"))
    first = terms[0]
    services.sort(key=lambda s: (first not in s.search_text.split(" ", 1)[0], s.title))
    return services


def most_used_services(*, limit: int = 6, days: int = 30) -> list[Service]:
    since = timezone.localdate() - datetime.timedelta(days=days)
    return list(
        active_services()
        .filter(daily_counts__day__gte=since)
        .annotate(recent_views=Sum("daily_counts__views"))
        .filter(recent_views__gt=0)
        .order_by("-recent_views", "title_de")[:limit]
    )


def categories_with_services() -> list[Category]:
    return list(Category.objects.filter(services__is_active=True).distinct())


def life_situations() -> list[LifeSituation]:
    return list(LifeSituation.objects.filter(services__is_active=True).distinct())
