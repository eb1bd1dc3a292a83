"""Reads of the catalog: search, most used, services by category."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet, Sum
from django.utils import timezone

from rathaus.core.text import search_terms

from .models import Category, LifeSituation, OfflineNeed, Service, _pick
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
class ListedService:
    """What a list of search results shows of a service: its link, title and summary."""

    pk: int
    slug: str
    title_de: str
    title_en: str
    summary_de: str
    summary_en: str

    @property
    def title(self) -> str:
        return _pick(self.title_de, self.title_en)

    @property
    def summary(self) -> str:
        return _pick(self.summary_de, self.summary_en)


@dataclass(frozen=True)
class SearchResults:
    services: list[ListedService] = field(default_factory=list)
    # Needs the town has no online service for yet, with whom to contact instead.
    offline_needs: list[OfflineNeed] = field(default_factory=list)


@dataclass(frozen=True)
class _Searchable:
    generation: int
    read_at: float
    # (key, search text): a service's pk or an offline need's slug.
    documents: list[tuple[int | str, str]]
    services: dict[int, ListedService]


_searchable: _Searchable | None = None


def _read_searchable() -> _Searchable:
    """Return the active services and offline needs as search matches and lists them.

    Two queries. With the page cache on, each process keeps what it read for the catalog
    generation it read it in, at most RATHAUS_PAGE_CACHE_SECONDS: publishing (or switching a
    service off in the admin) bumps the generation, so the next search in every process reads
    afresh, and a change made behind the catalog's back is seen as soon as on cached pages.
    """
    global _searchable
    seconds = settings.RATHAUS_PAGE_CACHE_SECONDS
    generation = catalog_generation() if seconds > 0 else 0
    kept = _searchable
    if (kept is not None and seconds > 0 and kept.generation == generation
            and time.monotonic() - kept.read_at < seconds):
        return kept
    services: dict[int, ListedService] = {}
    documents: list[tuple[int | str, str]] = []
    rows = active_services().order_by("pk").values_list(
        "pk", "slug", "title_de", "title_en", "summary_de", "summary_en", "search_text")
    for pk, slug, title_de, title_en, summary_de, summary_en, search_text in rows:
        services[pk] = ListedService(pk, slug, title_de, title_en, summary_de, summary_en)
        documents.append((pk, search_text))
    documents.extend(
        OfflineNeed.objects.order_by("position", "slug").values_list("slug", "search_text"))
    fresh = _Searchable(generation, time.monotonic(), documents, services)
    if seconds > 0:
        _searchable = fresh
    return fresh


def search_catalog(*, query: str) -> SearchResults:
    """Find services and offline needs matching every term of the query, best first.

    The matching runs on an index of the search texts of the active services and offline
    needs (catalog.search, read by _read_searchable); the needs found, if any, are read with
    their departments (one more query).
    """
    terms = search_terms(query)
    if not terms:
        return SearchResults()
    searchable = _read_searchable()
    hits = index_for(searchable.documents).search(terms)
    found = [(hit.score, searchable.services[hit.key]) for hit in hits
             if isinstance(hit.key, int)]
    found.sort(key=lambda pair: (-round(pair[0], 6), pair[1].title))
    need_slugs = [hit.key for hit in hits if isinstance(hit.key, str)]
    needs = {
        item.slug: item
        for item in OfflineNeed.objects.filter(slug__in=need_slugs).select_related("department")
    } if need_slugs else {}
    return SearchResults(
        services=[item for _score, item in found],
        offline_needs=[needs[slug] for slug in need_slugs if slug in needs],
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
