"""Reads of the catalog: search, most used, services by category."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import QuerySet, Sum
from django.utils import timezone

from rathaus.core.text import search_terms

from .models import Category, LifeSituation, OfflineNeed, Service
from .search import index_for

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


@dataclass(frozen=True)
class SearchResults:
    services: list[Service] = field(default_factory=list)
    # Needs the town has no online service for yet, with whom to contact instead.
    offline_needs: list[OfflineNeed] = field(default_factory=list)


def search_catalog(*, query: str) -> SearchResults:
    """Find services and offline needs matching every term of the query, best first.

    Two queries whatever the catalog's size (at most some 50 services): the active services
    and the offline needs; matching runs on an index of exactly those rows (catalog.search).
    """
    terms = search_terms(query)
    if not terms:
        return SearchResults()
    services = {item.pk: item for item in active_services().select_related("category")}
    needs = {item.slug: item for item in OfflineNeed.objects.select_related("department")}
    documents: list[tuple[int | str, str]] = [
        (pk, item.search_text) for pk, item in sorted(services.items())
    ] + [(slug, item.search_text) for slug, item in needs.items()]
    hits = index_for(documents).search(terms)
    found = [(hit.score, services[hit.key]) for hit in hits if isinstance(hit.key, int)]
    found.sort(key=lambda pair: (-round(pair[0], 6), pair[1].title))
    return SearchResults(
        services=[item for _score, item in found],
        offline_needs=[needs[hit.key] for hit in hits if isinstance(hit.key, str)],
    )


def most_used_services(*, limit: int = 6, days: int = 30) -> list[Service]:
    since = timezone.localdate() - datetime.timedelta(days=days)
    return list(
        active_services()
        .filter(daily_counts__day__gte=since)
        .annotate(recent_views=Sum("daily_counts__views"))
        .filter(recent_views__gt=0)
        .order_by("-recent_views", "title_de")[:limit]
    )


@dataclass(frozen=True)
class Topic:
    category: Category
    services: list[Service]


def topics() -> list[Topic]:
    """Return the topics that have published services, each with exactly those services.

    A start-page tile names what is there, never what a description once promised.
    """
    grouped: dict[int, Topic] = {}
    for service in active_services().select_related("category").order_by(
            "category__position", "category__slug"):
        topic = grouped.get(service.category_id)
        if topic is None:
            topic = grouped[service.category_id] = Topic(category=service.category, services=[])
        topic.services.append(service)
    for topic in grouped.values():
        topic.services.sort(key=lambda item: item.title.lower())
    return list(grouped.values())


def offline_needs_of(category: Category) -> list[OfflineNeed]:
    return list(OfflineNeed.objects.filter(category=category).select_related("department"))


def life_situations() -> list[LifeSituation]:
    return list(LifeSituation.objects.filter(services__is_active=True).distinct())


def identity_fields_in_use() -> set[str]:
    """Return the identity attributes the fields of the published definitions prefill."""
    names: set[str] = set()
    for service in Service.objects.filter(current_version__isnull=False).select_related(
            "current_version"):
        assert service.current_version is not None
        form = service.current_version.spec.form
        if form is not None:
            names.update(field.identity_attribute for _step, _group, field in form.iter_fields()
                         if field.identity_attribute)
    return names
