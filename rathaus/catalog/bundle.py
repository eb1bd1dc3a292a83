"""Read another town's bundle, check it, and plan and apply its import ("Einer für Alle").

A bundle is untrusted input: every entry is read with a size limit, names are matched against
the few a bundle may hold, and every definition must have the checksum the manifest gives it.
Nothing is written before the whole bundle and the plan are sound. Its notice templates and text
blocks are parts the notices and cases apps read and write (hooks.bundle_parts, decision 0038).
"""

from __future__ import annotations

import copy
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from django.db import transaction
from pydantic import ValidationError

from rathaus.forms.schema import CatalogDef, ServiceDef

from .export import (
    BUNDLE_FORMAT,
    CATALOG_ENTRY,
    MANIFEST,
    READABLE_FORMAT_VERSIONS,
    SCHEMA_VERSION,
    part_entry,
    sha256,
)
from .hooks import IMPORT_ACTOR, PartItem, PartPlan, PartTarget, bundle_parts
from .loader import validate_catalog_data, validate_service_data
from .models import Category, Department, LifeSituation, Origin, Service, ServiceVersion
from .services import Provenance, definition_checksum, definition_json, publish_definition

MAX_ENTRIES = 500
MAX_ENTRY_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 40 * 1024 * 1024
SERVICE_ENTRY = re.compile(r"^services/(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.yaml$")
PART_ENTRY = re.compile(r"^parts/(?P<name>[a-z0-9]+(?:-[a-z0-9]+)*)\.yaml$")
# What --keep-local may name, and which keys of a definition (paths as diff_paths gives them)
# stay ours. Contacts are not in definitions: they are the departments' e-mail addresses.
KEEP_LOCAL: dict[str, set[str]] = {"fees": {"fees", "form.fees"}, "contacts": set()}


class BundleInvalid(Exception):
    """The bundle cannot be imported; the message says why, for the person running it."""


@dataclass(frozen=True)
class BundleService:
    slug: str
    number: int
    checksum: str
    leika: str | None
    department: str
    spec: ServiceDef

    @property
    def fim(self) -> dict[str, str]:
        return self.spec.fim.model_dump(exclude_none=True) if self.spec.fim else {}


@dataclass(frozen=True)
class Bundle:
    name: str
    town: str
    exported_at: str
    catalog: CatalogDef
    services: list[BundleService]
    # By part ("notices", "text-blocks"): the items of the bundle's services.
    parts: dict[str, list[PartItem]] = field(default_factory=dict)


def _read_entries(path: Path) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BundleInvalid(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise BundleInvalid(f"{path}: not a zip file ({error})") from None
    entries: dict[str, bytes] = {}
    total = 0
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise BundleInvalid(f"{path}: more than {MAX_ENTRIES} entries")
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            if name != MANIFEST and name != CATALOG_ENTRY and not SERVICE_ENTRY.match(name) \
                    and not PART_ENTRY.match(name):
                raise BundleInvalid(f"{path}: unexpected entry {name!r} (a bundle holds only "
                                    f"{MANIFEST}, {CATALOG_ENTRY}, services/<slug>.yaml and "
                                    "parts/<part>.yaml)")
            if name in entries:
                raise BundleInvalid(f"{path}: the entry {name!r} appears twice")
            try:
                # Read one byte past the limit instead of trusting the sizes the zip claims.
                with archive.open(info) as entry:
                    content = entry.read(MAX_ENTRY_BYTES + 1)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError,
                    NotImplementedError) as error:
                raise BundleInvalid(f"{path}: the entry {name!r} cannot be read ({error})") \
                    from None
            if len(content) > MAX_ENTRY_BYTES:
                raise BundleInvalid(f"{path}: the entry {name!r} unpacks to more than "
                                    f"{MAX_ENTRY_BYTES // (1024 * 1024)} MB")
            total += len(content)
            if total > MAX_TOTAL_BYTES:
                raise BundleInvalid(f"{path}: unpacks to more than "
                                    f"{MAX_TOTAL_BYTES // (1024 * 1024)} MB")
            entries[name] = content
    return entries


def _text(entries: dict[str, bytes], name: str, bundle: Path) -> str:
    if name not in entries:
        raise BundleInvalid(f"{bundle}: {name} is missing")
    try:
        return entries[name].decode("utf-8")
    except UnicodeDecodeError:
        raise BundleInvalid(f"{bundle}: {name} is not UTF-8 text") from None


def _yaml(text: str, name: str, bundle: Path) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise BundleInvalid(f"{bundle}: {name} is not valid YAML: "
                            f"{getattr(error, 'problem', None) or error}") from None


def _manifest(entries: dict[str, bytes], bundle: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(_text(entries, MANIFEST, bundle))
    except json.JSONDecodeError as error:
        raise BundleInvalid(f"{bundle}: {MANIFEST} is not valid JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise BundleInvalid(f"{bundle}: not a Rathaus service bundle ({MANIFEST} does not say "
                            f"format {BUNDLE_FORMAT!r})")
    if manifest.get("format_version") not in READABLE_FORMAT_VERSIONS:
        raise BundleInvalid(f"{bundle}: bundle format version {manifest.get('format_version')!r} "
                            "is not supported; this Rathaus reads versions "
                            f"{', '.join(str(number) for number in READABLE_FORMAT_VERSIONS)}")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise BundleInvalid(
            f"{bundle}: the definitions are written for schema version "
            f"{manifest.get('schema_version')!r}; this Rathaus reads version {SCHEMA_VERSION} "
            "(update Rathaus, or ask the exporting town for a bundle of a matching release)")
    services = manifest.get("services")
    if not isinstance(services, list) or not services:
        raise BundleInvalid(f"{bundle}: {MANIFEST} lists no services")
    for index, item in enumerate(services):
        if not (isinstance(item, dict) and isinstance(item.get("slug"), str)
                and isinstance(item.get("checksum"), str)
                and isinstance(item.get("version"), int)):
            raise BundleInvalid(f"{bundle}: {MANIFEST}: services[{index}] needs slug, version "
                                "and checksum")
    catalog = manifest.get("catalog")
    if not isinstance(catalog, dict) or not isinstance(catalog.get("sha256"), str):
        raise BundleInvalid(f"{bundle}: {MANIFEST} gives no checksum of {CATALOG_ENTRY}")
    parts = manifest.setdefault("parts", {})
    if not isinstance(parts, dict):
        raise BundleInvalid(f"{bundle}: {MANIFEST}: parts is not a mapping")
    for name, part in parts.items():
        if not (isinstance(part, dict) and isinstance(part.get("items"), list) and all(
                isinstance(item, dict) and all(isinstance(item.get(key), str)
                                               for key in ("key", "service", "checksum"))
                for item in part["items"])):
            raise BundleInvalid(f"{bundle}: {MANIFEST}: parts.{name} needs items with key, "
                                "service and checksum")
    return manifest


def _read_parts(entries: dict[str, bytes], manifest: dict[str, Any], services: set[str],
                bundle: Path) -> dict[str, list[PartItem]]:
    """Read parts/<part>.yaml of the manifest; every item must have the checksum it gives."""
    parts: dict[str, list[PartItem]] = {}
    for name, listed in manifest["parts"].items():
        if name not in bundle_parts:
            raise BundleInvalid(f"{bundle}: {MANIFEST} lists the part {name!r}, which this "
                                f"Rathaus does not know (known: {', '.join(bundle_parts.keys())})")
        entry = part_entry(name)
        data = _yaml(_text(entries, entry, bundle), entry, bundle)
        if not isinstance(data, list) or not all(
                isinstance(item, dict) and isinstance(item.get("key"), str)
                and isinstance(item.get("service"), str) and isinstance(item.get("data"), dict)
                for item in data):
            raise BundleInvalid(f"{bundle}: {entry} is not a list of items with key, service "
                                "and data")
        expected = {item["key"]: item for item in listed["items"]}
        found = [item["key"] for item in data]
        if sorted(found) != sorted(expected) or len(set(found)) != len(found):
            raise BundleInvalid(f"{bundle}: {entry} does not hold the items the manifest lists")
        items = []
        for item in data:
            key, service = item["key"], item["service"]
            if service != expected[key]["service"] or service not in services:
                raise BundleInvalid(f"{bundle}: {entry}: {key} belongs to no service of the "
                                    "bundle")
            try:
                checksum = bundle_parts[name].checksum(item["data"])
            except ValueError as error:
                raise BundleInvalid(f"{bundle}: {entry}: {key}: {error}") from None
            if checksum != expected[key]["checksum"]:
                raise BundleInvalid(f"{bundle}: {entry}: {key} does not match its checksum in "
                                    "the manifest (changed after export?)")
            items.append(PartItem(key=key, service=service, data=item["data"],
                                  checksum=checksum))
        parts[name] = items
    return parts


def read_bundle(path: Path) -> Bundle:
    """Read and check the whole bundle; raise BundleInvalid with the first problem found."""
    entries = _read_entries(path)
    manifest = _manifest(entries, path)
    catalog_text = _text(entries, CATALOG_ENTRY, path)
    if sha256(catalog_text) != manifest["catalog"]["sha256"]:
        raise BundleInvalid(f"{path}: {CATALOG_ENTRY} does not match the checksum in the "
                            "manifest (changed after export?)")
    catalog, errors = validate_catalog_data(_yaml(catalog_text, CATALOG_ENTRY, path),
                                            Path(CATALOG_ENTRY))
    if catalog is None:
        raise BundleInvalid(f"{path}: " + "; ".join(str(error) for error in errors))
    known = {
        "department": {item.slug for item in catalog.departments},
        "category": {item.slug for item in catalog.categories},
        "life situation": {item.slug for item in catalog.life_situations},
    }
    listed = {f"services/{item['slug']}.yaml" for item in manifest["services"]}
    listed |= {part_entry(name) for name in manifest["parts"]}
    unlisted = sorted(set(entries) - listed - {MANIFEST, CATALOG_ENTRY})
    if unlisted:
        raise BundleInvalid(f"{path}: {', '.join(unlisted)} not listed in the manifest")
    services = []
    for item in manifest["services"]:
        name = f"services/{item['slug']}.yaml"
        loaded, errors = validate_service_data(_yaml(_text(entries, name, path), name, path),
                                               Path(name))
        if loaded is None:
            raise BundleInvalid(f"{path}: " + "; ".join(str(error) for error in errors))
        spec = loaded.spec
        for kind, slugs in (("department", [spec.department]), ("category", [spec.category]),
                            ("life situation", spec.life_situations)):
            for slug in slugs:
                if slug not in known[kind]:
                    raise BundleInvalid(f"{path}: {name}: the {kind} {slug!r} is not in "
                                        f"{CATALOG_ENTRY}")
        if definition_checksum(definition_json(spec)) != item["checksum"]:
            raise BundleInvalid(f"{path}: {name} does not match its checksum in the manifest "
                                "(changed after export?)")
        services.append(BundleService(
            slug=loaded.spec.slug, number=item["version"], checksum=item["checksum"],
            leika=loaded.spec.leika, department=loaded.spec.department, spec=loaded.spec))
    parts = _read_parts(entries, manifest, {item.slug for item in services}, path)
    return Bundle(name=path.name, town=str(manifest.get("town", "")),
                  exported_at=str(manifest.get("exported_at", "")), catalog=catalog,
                  services=services, parts=parts)


def diff_paths(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Return the keys that differ, the form's keys one by one ('form.steps', 'form.fees')."""
    paths = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        if key == "form" and isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            paths += [f"form.{inner}" for inner in diff_paths(old[key], new[key])]
        else:
            paths.append(key)
    return paths


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_change(old: dict[str, Any], new: dict[str, Any], path: str) -> str:
    """Return one line for a changed key: the German text before and after, or 'changed'."""
    def get(data: Any) -> Any:
        for part in path.split("."):
            data = data.get(part) if isinstance(data, dict) else None
        return data

    before, after = get(old), get(new)
    if isinstance(before, dict) and isinstance(after, dict) and "de" in before and "de" in after:
        before, after = before["de"], after["de"]
    if before is None or after is None or isinstance(before, (dict, list)):
        return f"{path}: " + ("added" if before is None else "removed" if after is None
                              else "changed")
    return f"{path}: {_short(before)} -> {_short(after)}"


Action = Literal["create", "change", "unchanged", "refused"]


@dataclass
class ServicePlan:
    slug: str
    action: Action
    version: int  # the exporting town's version number
    changes: list[str] = field(default_factory=list)
    reason: str = ""
    invalid: bool = False  # the plan cannot be carried out: an error, not a decision
    spec: ServiceDef | None = None
    original_checksum: str = ""
    leika: str | None = None
    fim: dict[str, str] = field(default_factory=dict)


@dataclass
class DepartmentPlan:
    theirs: str
    ours: str
    action: Literal["mapped", "existing", "create"]


@dataclass(frozen=True)
class PartItemPlan:
    part: str  # "notices", "text-blocks"
    item: PartItem
    target: PartTarget
    plan: PartPlan

    @property
    def name(self) -> str:
        """What --force-template takes: "notices:hund-anmelden/granted"."""
        return f"{self.part}:{self.item.key}"


@dataclass
class ImportPlan:
    bundle: Bundle
    services: list[ServicePlan]
    departments: list[DepartmentPlan]
    errors: list[str]
    parts: list[PartItemPlan] = field(default_factory=list)

    @property
    def unmapped(self) -> list[str]:
        return [item.theirs for item in self.departments if item.action == "create"]


def _local_change(service: Service, current: ServiceVersion, kept: set[str]) -> str:
    """Say how the current version was changed here since the last import, or return ''."""
    last_import = service.versions.filter(origin=Origin.IMPORT).order_by("-number").first()
    by = f" by {current.published_by}" if current.published_by else ""
    if last_import is None:
        if current.origin != Origin.ADMIN:
            return ""  # from our own file only: the import is a new version like any other
        return (f"version {current.number} was published in the admin{by} and the service was "
                f"never imported before; kept it; run with --force-service {service.slug} to "
                "take the bundle's version")
    if last_import.pk == current.pk:
        return ""
    changed = [path for path in diff_paths(last_import.definition, current.definition)
               if path not in kept]
    if not changed:
        return ""  # only what --keep-local keeps ours anyway
    where = "in the admin" if current.origin == Origin.ADMIN else f"from {current.source_path}"
    return (f"version {current.number} was published {where}{by} since the last import "
            f"(changed: {', '.join(changed)}); kept it; run with --force-service "
            f"{service.slug} to take the bundle's version")


def plan_import(
    *, bundle: Bundle, department_map: dict[str, str], keep_local: set[str],
    only: set[str], force: set[str], force_parts: frozenset[str] = frozenset(),
) -> ImportPlan:
    """Work out what importing the bundle would do, changing nothing."""
    errors = [f"--keep-local: unknown part {part!r} (known: {', '.join(sorted(KEEP_LOCAL))})"
              for part in sorted(keep_local - set(KEEP_LOCAL))]
    in_bundle = {item.slug for item in bundle.services}
    errors += [f"--service {slug}: not in the bundle" for slug in sorted(only - in_bundle)]
    errors += [f"--force-service {slug}: not in the bundle" for slug in sorted(force - in_bundle)]
    chosen = [item for item in bundle.services if not only or item.slug in only]
    theirs = {item.department for item in chosen}
    errors += [f"--map-department {slug}=...: the bundle's services use no department {slug!r}"
               for slug in sorted(set(department_map) - theirs)]
    ours = set(Department.objects.values_list("slug", flat=True))
    departments = []
    for slug in sorted(theirs):
        if slug in department_map:
            target = department_map[slug]
            if target not in ours:
                errors.append(f"--map-department {slug}={target}: there is no department "
                              f"{target!r} here")
            departments.append(DepartmentPlan(slug, target, "mapped"))
        else:
            departments.append(DepartmentPlan(slug, slug, "existing" if slug in ours
                                              else "create"))
    kept = set().union(*(KEEP_LOCAL.get(part, set()) for part in keep_local))
    services = [_plan_service(item, department_map, keep_local, kept, force) for item in chosen]
    errors += [f"{plan.slug}: {plan.reason}" for plan in services if plan.invalid]
    parts = _plan_parts(bundle, services, force_parts)
    known = {item.name for item in parts}
    errors += [f"--force-template {name}: not in the bundle (or not of the services imported)"
               for name in sorted(force_parts - known)]
    errors += [f"{item.part} {item.item.key}: {item.plan.error}" for item in parts
               if item.plan.error]
    return ImportPlan(bundle=bundle, services=services, departments=departments, errors=errors,
                      parts=parts)


def _plan_parts(bundle: Bundle, services: list[ServicePlan],
                force_parts: frozenset[str]) -> list[PartItemPlan]:
    """Plan the templates of the services that will be here, on the definition then current."""
    targets: dict[str, PartTarget] = {}
    for plan in services:
        spec = plan.spec
        if plan.action == "refused":  # ours stays current
            current = Service.objects.filter(slug=plan.slug).select_related(
                "current_version").first()
            version = current.current_version if current is not None else None
            spec = version.spec if version is not None and not plan.invalid else None
        if spec is not None:
            targets[plan.slug] = PartTarget(service=plan.slug, department=spec.department,
                                            spec=spec)
    planned = []
    for name, items in bundle.parts.items():
        part = bundle_parts[name]
        for item in items:
            target = targets.get(item.service)
            if target is None:
                continue
            planned.append(PartItemPlan(name, item, target, part.plan(
                item=item, target=target, force=f"{name}:{item.key}" in force_parts)))
    return planned


def _plan_service(item: BundleService, department_map: dict[str, str], keep_local: set[str],
                  kept: set[str], force: set[str]) -> ServicePlan:
    data = copy.deepcopy(definition_json(item.spec))
    data["department"] = department_map.get(item.department, item.department)
    service = Service.objects.filter(slug=item.slug).select_related("current_version").first()
    current = service.current_version if service is not None else None
    if current is not None and "fees" in keep_local:
        ours = current.definition
        data["fees"] = ours["fees"]
        if "form" in data:
            data["form"].pop("fees", None)
            if "fees" in ours.get("form", {}):
                data["form"]["fees"] = ours["form"]["fees"]
    try:
        spec = ServiceDef.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        return ServicePlan(item.slug, "refused", item.number, invalid=True,
                           reason="with our fees the bundle's definition is not valid: "
                                  f"{first['msg']}")
    plan = ServicePlan(item.slug, "create", item.number, spec=spec,
                       original_checksum=item.checksum, leika=item.leika, fim=item.fim)
    if service is None or current is None:
        return plan
    new = definition_json(spec)
    if definition_checksum(new) == current.checksum:
        plan.action = "unchanged"
        return plan
    plan.action = "change"
    plan.changes = [describe_change(current.definition, new, path)
                    for path in diff_paths(current.definition, new)]
    if item.slug not in force:
        reason = _local_change(service, current, kept)
        if reason:
            plan.action, plan.reason = "refused", reason
    return plan


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[ServicePlan] = field(default_factory=list)
    # The templates and text blocks, by what was done with them.
    parts: dict[str, list[PartItemPlan]] = field(default_factory=dict)


class ImportRefused(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@transaction.atomic
def import_bundle(
    *, bundle: Bundle, department_map: dict[str, str], keep_local: set[str],
    only: set[str], force: set[str], force_parts: frozenset[str] = frozenset(),
) -> ImportReport:
    """Import the planned services as new versions with provenance 'import', all or nothing.

    The write lives beside its plan (not in services.py, which this module builds on); the
    versions themselves are published by services.publish_definition.
    """
    # Lock the services the bundle names, so that the plan holds until the import is written.
    list(Service.objects.select_for_update().filter(
        slug__in=[item.slug for item in bundle.services]).values_list("pk", flat=True))
    plan = plan_import(bundle=bundle, department_map=department_map, keep_local=keep_local,
                       only=only, force=force, force_parts=force_parts)
    if plan.errors:
        raise ImportRefused(plan.errors)
    _import_catalog_part(plan, keep_contacts="contacts" in keep_local)
    report = ImportReport()
    for item in plan.services:
        if item.action == "refused":
            report.refused.append(item)
            continue
        if item.action == "unchanged":
            report.unchanged.append(item.slug)
            continue
        assert item.spec is not None
        publish_definition(spec=item.spec, provenance=Provenance(
            origin=Origin.IMPORT, source_path=f"services/{item.slug}.yaml",
            import_bundle=bundle.name, import_town=bundle.town,
            import_checksum=item.original_checksum))
        (report.created if item.action == "create" else report.changed).append(item.slug)
    actor_label = f"{IMPORT_ACTOR}{bundle.name} ({bundle.town})"[:150]
    for part in plan.parts:
        if part.plan.action in {"create", "change"}:
            bundle_parts[part.part].apply(item=part.item, target=part.target,
                                          actor_label=actor_label)
        report.parts.setdefault(part.plan.action, []).append(part)
    return report


def _import_catalog_part(plan: ImportPlan, *, keep_contacts: bool) -> None:
    """Create the departments, topics and life situations the services need and we lack."""
    catalog = plan.bundle.catalog
    theirs = {item.slug: item for item in catalog.departments}
    for department in plan.departments:
        source = theirs.get(department.theirs)
        if department.action == "mapped" or source is None:
            continue
        if department.action == "create":
            Department.objects.create(slug=source.slug, name_de=source.name.de,
                                      name_en=source.name.en, email=source.email)
        elif not keep_contacts:
            Department.objects.filter(slug=source.slug).update(email=source.email)
    needed = [item.spec for item in plan.services if item.spec is not None
              and item.action in {"create", "change"}]
    categories = {spec.category for spec in needed}
    situations = {slug for spec in needed for slug in spec.life_situations}
    last = Category.objects.count()
    for category in catalog.categories:
        if category.slug in categories:
            Category.objects.get_or_create(slug=category.slug, defaults={
                "title_de": category.title.de, "title_en": category.title.en,
                "description_de": category.description.de,
                "description_en": category.description.en, "position": last})
    last = LifeSituation.objects.count()
    for situation in catalog.life_situations:
        if situation.slug in situations:
            LifeSituation.objects.get_or_create(slug=situation.slug, defaults={
                "title_de": situation.title.de, "title_en": situation.title.en,
                "position": last})
