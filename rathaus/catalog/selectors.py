"""Reads of the catalog: search, most used, services by category."""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from rathaus.core.text import search_terms

from .models import Category, LifeSituation, Service

GENERATION_KEY = "catalog:generation"


def catalog_generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def bump_catalog_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


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
