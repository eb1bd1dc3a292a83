"""Writes of the catalog: publish definitions as new immutable versions, count page views."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from rathaus.core.counters import BufferedCounter
from rathaus.core.text import fold
from rathaus.forms.schema import OfflineNeed as OfflineNeedDef
from rathaus.forms.schema import ServiceDef

from .loader import LoadedCatalog, LoadedService
from .models import (
    Category,
    Department,
    LifeSituation,
    OfflineNeed,
    Origin,
    Service,
    ServiceDailyCount,
    ServiceVersion,
)
from .search import SEARCH_PARTS


@dataclass(frozen=True)
class Provenance:
    """Where a definition being published comes from; stored on its version."""

    origin: Origin
    source_path: str = ""
    published_by: str = ""
    import_bundle: str = ""
    import_town: str = ""
    import_checksum: str = ""


@dataclass(frozen=True)
class Conflict:
    """A file in services/ that differs from a current version published elsewhere."""

    slug: str
    path: str
    number: int
    origin: str
    published_at: datetime | None  # None: saved in the editor, not published yet
    published_by: str
    import_bundle: str
    import_town: str


@dataclass
class PublishReport:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[Conflict] = field(default_factory=list)


def definition_json(spec: ServiceDef) -> dict[str, Any]:
    data: dict[str, Any] = spec.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return data


def definition_checksum(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _folded(parts: list[str]) -> str:
    return " ".join(folded for folded in (fold(part) for part in parts) if folded)


def search_text_for(spec: ServiceDef) -> str:
    """Return the folded title, keywords and summary (with the LeiKa key), as search reads them."""
    return SEARCH_PARTS.join([
        _folded([spec.title.de, spec.title.en]),
        _folded(spec.keywords),
        _folded([spec.summary.de, spec.summary.en, spec.leika or ""]),
    ])


def need_search_text_for(need: OfflineNeedDef) -> str:
    return SEARCH_PARTS.join([_folded([need.title.de, need.title.en]), _folded(need.keywords)])


@transaction.atomic
def publish_catalog(
    *, loaded: LoadedCatalog, take_file: frozenset[str] = frozenset()
) -> PublishReport:
    """Create or update departments, categories and life situations, then publish each service.

    A service whose current version was published in the admin or imported keeps it when its
    file differs, unless its slug is in ``take_file``; the report lists it under ``kept``.
    """
    catalog = loaded.catalog
    for item in catalog.departments:
        defaults = {"name_de": item.name.de, "name_en": item.name.en, "email": item.email}
        if item.notify_email is not None:
            defaults["notify_email"] = item.notify_email
        Department.objects.update_or_create(slug=item.slug, defaults=defaults)
    for position, category in enumerate(catalog.categories):
        Category.objects.update_or_create(
            slug=category.slug,
            defaults={
                "title_de": category.title.de, "title_en": category.title.en,
                "description_de": category.description.de,
                "description_en": category.description.en, "position": position,
            },
        )
    for position, situation in enumerate(catalog.life_situations):
        LifeSituation.objects.update_or_create(
            slug=situation.slug,
            defaults={"title_de": situation.title.de, "title_en": situation.title.en,
                      "position": position},
        )
    if _publish_offline_needs(catalog.offline_needs):
        from .selectors import bump_catalog_generation

        transaction.on_commit(bump_catalog_generation)
    report = PublishReport()
    for service in loaded.services:
        outcome = publish_service(loaded=service, take_file=service.spec.slug in take_file)
        if isinstance(outcome, Conflict):
            report.kept.append(outcome)
        else:
            getattr(report, outcome).append(service.spec.slug)
    return report


def _publish_offline_needs(needs: list[OfflineNeedDef]) -> bool:
    """Make the stored offline needs those of the catalog file; return whether any changed."""
    departments = {item.slug: item for item in Department.objects.all()}
    categories = {item.slug: item for item in Category.objects.all()}
    stored = {item.slug: item for item in OfflineNeed.objects.all()}
    changed = False
    for position, need in enumerate(needs):
        data = need.model_dump(mode="json", by_alias=True, exclude_unset=True)
        fields = {
            "position": position, "definition": data, "checksum": definition_checksum(data),
            "department": departments.get(need.department or ""),
            "category": categories.get(need.category or ""),
            "search_text": need_search_text_for(need),
        }
        row = stored.pop(need.slug, None)
        if row is None:
            OfflineNeed.objects.create(slug=need.slug, **fields)
            changed = True
        elif any(getattr(row, name) != value for name, value in fields.items()):
            OfflineNeed.objects.filter(pk=row.pk).update(**fields)
            changed = True
    if stored:
        OfflineNeed.objects.filter(pk__in=[row.pk for row in stored.values()]).delete()
        changed = True
    return changed


@transaction.atomic
def publish_service(*, loaded: LoadedService, take_file: bool = False) -> str | Conflict:
    """Publish one definition from services/; return the outcome or the conflict that kept it.

    The outcome is 'created', 'new_versions' or 'unchanged'.
    """
    spec = loaded.spec
    checksum = definition_checksum(definition_json(spec))
    current = (
        ServiceVersion.objects.select_for_update()
        .filter(service__slug=spec.slug, service__current_version=F("pk")).first()
    )
    if (current is not None and current.origin != Origin.FILE
            and current.checksum != checksum and not take_file):
        return Conflict(
            slug=spec.slug, path=str(loaded.path.name), number=current.number,
            origin=current.origin, published_at=current.published_at,
            published_by=current.published_by, import_bundle=current.import_bundle,
            import_town=current.import_town,
        )
    pending = (
        ServiceVersion.objects.filter(service__slug=spec.slug, origin=Origin.ADMIN,
                                      published_at__isnull=True)
        .order_by("-number").first()
    )
    if (pending is not None and (current is None or pending.number > current.number)
            and pending.checksum != checksum and not take_file):
        # Changes saved in the editor and not yet published: a new file version would bury them.
        return Conflict(
            slug=spec.slug, path=str(loaded.path.name), number=pending.number,
            origin=pending.origin, published_at=None, published_by=pending.saved_by,
            import_bundle="", import_town="",
        )
    return publish_definition(
        spec=spec, provenance=Provenance(origin=Origin.FILE, source_path=loaded.path.name)
    )


@transaction.atomic
def publish_definition(*, spec: ServiceDef, provenance: Provenance) -> str:
    """Make the definition the service's current version, creating the version if it is new.

    Return 'created', 'new_versions' or 'unchanged'. A definition equal to an earlier version
    makes that version current again (versions are unique by checksum).
    """
    data = definition_json(spec)
    checksum = definition_checksum(data)
    service, created = Service.objects.select_for_update().get_or_create(
        slug=spec.slug, defaults=service_fields(spec)
    )
    service.is_active = True  # a file or an import switches a service back on
    existing = service.versions.filter(checksum=checksum).first()
    if existing is not None and service.current_version_id == existing.pk:
        search_text = search_text_for(spec)
        if service.search_text != search_text:
            # Indexed by an older release of the portal: the definition is the same.
            Service.objects.filter(pk=service.pk).update(search_text=search_text)
        return "unchanged"
    if existing is None:
        existing = ServiceVersion.objects.create(
            service=service, number=next_number(service), definition=data, checksum=checksum,
            origin=provenance.origin, source_path=provenance.source_path,
            saved_by=provenance.published_by,
            published_by=provenance.published_by, import_bundle=provenance.import_bundle,
            import_town=provenance.import_town, import_checksum=provenance.import_checksum,
        )
    make_current(service=service, version=existing, spec=spec, by=provenance.published_by)
    return "created" if created else "new_versions"


def next_number(service: Service) -> int:
    """Return the number the service's next version gets (the service row is locked)."""
    latest = service.versions.order_by("-number").values_list("number", flat=True).first()
    return (latest or 0) + 1


def service_fields(spec: ServiceDef) -> dict[str, Any]:
    """Return the service row's copy of the definition: what lists and search read."""
    return {
        "department": Department.objects.get(slug=spec.department),
        "category": Category.objects.get(slug=spec.category),
        "title_de": spec.title.de, "title_en": spec.title.en,
        "summary_de": spec.summary.de, "summary_en": spec.summary.en,
        "search_text": search_text_for(spec),
    }


def make_current(*, service: Service, version: ServiceVersion, spec: ServiceDef,
                 by: str) -> None:
    """Make a version of the (locked) service its current one; the first time, stamp it.

    Whether the service is switched on (``is_active``, set in the admin) is left as it is.
    """
    if version.published_at is None:
        # The one change a version sees: when and by whom it was first published.
        version.published_at = timezone.now()
        version.published_by = version.published_by or by
        ServiceVersion.objects.filter(pk=version.pk).update(
            published_at=version.published_at, published_by=version.published_by)
    for name, value in service_fields(spec).items():
        setattr(service, name, value)
    service.current_version = version
    service.save()
    service.life_situations.set(LifeSituation.objects.filter(slug__in=spec.life_situations))
    from .selectors import bump_catalog_generation

    transaction.on_commit(bump_catalog_generation)


def _write_views(pending: Counter[int]) -> None:
    """Add the views to today's rows: one short statement per row, in a fixed order.

    Several web processes flush at the same time; changing each row on its own means they never
    wait for each other in a cycle.
    """
    today = timezone.localdate()
    existing = set(Service.objects.filter(pk__in=pending).values_list("pk", flat=True))
    for service_id, views in sorted(pending.items()):
        if service_id not in existing:
            continue
        rows = ServiceDailyCount.objects.filter(service_id=service_id, day=today)
        if rows.update(views=F("views") + views):
            continue
        try:
            with transaction.atomic():
                ServiceDailyCount.objects.create(service_id=service_id, day=today, views=views)
        except IntegrityError:  # another process created today's row first
            rows.update(views=F("views") + views)


# Service page views for "most used": no IP, no cookie, only a number per service and day.
view_counter: BufferedCounter[int] = BufferedCounter(_write_views)


def record_service_view(*, service_id: int) -> None:
    view_counter.add(service_id)
