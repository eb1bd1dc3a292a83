"""Write published service definitions as YAML in the form of services/, alone or in a bundle."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from rathaus.forms.schema import ServiceDef

from .hooks import bundle_parts
from .models import Service, ServiceVersion
from .services import definition_json

STR_TAG = "tag:yaml.org,2002:str"


class _Dumper(yaml.SafeDumper):
    """Block style; multi-line texts as literal blocks; strings that look like numbers quoted."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar(STR_TAG, value, style="|")
    resolved = dumper.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if resolved != STR_TAG:
        return dumper.represent_scalar(STR_TAG, value, style='"')  # "12.00", a LeiKa key
    return dumper.represent_scalar(STR_TAG, value)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    text: str = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                          default_flow_style=False, width=100)
    return text


# The top-level keys in the order every shipped file follows (the form last: it is the longest).
KEY_ORDER = [
    "slug", "leika", "fim", "title", "summary", "description", "department", "category",
    "life_situations", "keywords", "kind", "trust_level", "trust_reason", "who_may_apply",
    "documents", "fees", "processing_time", "legal_basis", "channels", "link_out",
    "appointment_calendar", "appointment_note", "retention_days", "payment", "workflow", "form",
]


def definition_yaml(version: ServiceVersion) -> str:
    """Return the version's definition as a services/ file: its key order, block style, no tags."""
    # The stored JSON may have lost the key order (PostgreSQL's jsonb sorts keys): the schema
    # gives it back inside, KEY_ORDER at the top (keys it does not know, in the schema's order).
    data = definition_json(ServiceDef.model_validate(version.definition))
    rank = {key: index for index, key in enumerate(KEY_ORDER)}
    ordered = dict(sorted(data.items(), key=lambda item: rank.get(item[0], len(rank))))
    return dump_yaml(ordered)


class ExportError(Exception):
    pass


def published_versions(slugs: list[str]) -> list[ServiceVersion]:
    """Return the current versions of the named services, or of all, ordered by slug."""
    services = Service.objects.filter(current_version__isnull=False).select_related(
        "current_version", "current_version__service", "department")
    if slugs:
        services = services.filter(slug__in=slugs)
        missing = sorted(set(slugs) - {service.slug for service in services})
        if missing:
            raise ExportError(f"no published service named {', '.join(missing)}")
    versions = []
    for service in services.order_by("slug"):
        assert service.current_version is not None
        versions.append(service.current_version)
    return versions


BUNDLE_FORMAT = "rathaus-service-bundle"
# 2: the bundle may carry parts/<part>.yaml (notice templates, text blocks; decision 0038).
BUNDLE_FORMAT_VERSION = 2
READABLE_FORMAT_VERSIONS = (1, 2)
# The version of the definition schema (rathaus.forms.schema): raised when a definition valid
# for this release may not be read the same way by an older one.
SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
CATALOG_ENTRY = "services/_catalog.yaml"


def part_entry(name: str) -> str:
    return f"parts/{name}.yaml"


@dataclass(frozen=True)
class BundleInfo:
    town: str
    exported_at: datetime


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _catalog_part(versions: list[ServiceVersion]) -> dict[str, Any]:
    """Return the departments, categories and life situations the services refer to."""
    from .models import Category, Department, LifeSituation

    specs = [version.spec for version in versions]
    departments = Department.objects.filter(slug__in={spec.department for spec in specs})
    categories = Category.objects.filter(slug__in={spec.category for spec in specs})
    situations = LifeSituation.objects.filter(
        slug__in={slug for spec in specs for slug in spec.life_situations})
    return {
        "departments": [
            {"slug": item.slug, "name": {"de": item.name_de, "en": item.name_en},
             "email": item.email}
            for item in departments.order_by("slug")
        ],
        "categories": [
            {"slug": item.slug, "title": {"de": item.title_de, "en": item.title_en},
             "description": {"de": item.description_de or item.title_de,
                             "en": item.description_en or item.title_en}}
            for item in categories
        ],
        "life_situations": [
            {"slug": item.slug, "title": {"de": item.title_de, "en": item.title_en}}
            for item in situations
        ],
    }


def bundle_bytes(versions: list[ServiceVersion], *, info: BundleInfo) -> bytes:
    """Return a zip of manifest.json, services/_catalog.yaml, services/<slug>.yaml and the
    parts/<part>.yaml the registered bundle parts give for these services."""
    catalog_text = dump_yaml(_catalog_part(versions))
    entries: list[dict[str, Any]] = []
    files: dict[str, str] = {CATALOG_ENTRY: catalog_text}
    for version in versions:
        spec = version.spec
        entry: dict[str, Any] = {
            "slug": spec.slug, "version": version.number, "checksum": version.checksum,
            "file": f"services/{spec.slug}.yaml", "department": spec.department,
            "leika": spec.leika,
        }
        if spec.fim is not None:
            entry["fim"] = spec.fim.model_dump(mode="json", exclude_none=True)
        entries.append(entry)
        files[entry["file"]] = definition_yaml(version)
    parts: dict[str, Any] = {}
    slugs = [version.spec.slug for version in versions]
    for name in sorted(bundle_parts):
        items = bundle_parts[name].export(services=slugs)
        if not items:
            continue
        parts[name] = {"file": part_entry(name), "items": [
            {"key": item.key, "service": item.service, "checksum": item.checksum}
            for item in items]}
        files[part_entry(name)] = dump_yaml([
            {"key": item.key, "service": item.service, "data": item.data} for item in items])
    manifest = {
        "format": BUNDLE_FORMAT, "format_version": BUNDLE_FORMAT_VERSION,
        "schema_version": SCHEMA_VERSION, "town": info.town,
        "exported_at": info.exported_at.isoformat(timespec="seconds"),
        "catalog": {"file": CATALOG_ENTRY, "sha256": sha256(catalog_text)},
        "services": entries,
        "parts": parts,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()
