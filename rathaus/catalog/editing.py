"""Writes and reads of the service editor: validate, save a version, publish it, compare two.

Saving and publishing are separate steps (docs/decisions/0035-service-editor.md): a saved
version waits until someone publishes it; citizens only ever see the current one.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from pydantic import ValidationError

from rathaus.forms.schema import ServiceDef

from .export import definition_yaml
from .loader import INNER_PATH, catalog_reference_errors, location_text
from .models import Category, Department, LifeSituation, Origin, Service, ServiceVersion
from .services import definition_checksum, definition_json, make_current, next_number


@dataclass(frozen=True)
class Problem:
    """One reason a definition is refused: where in it (``form.fees[0].amount``), and why.

    ``kind`` is pydantic's error type (or ``value_error`` for the schema's own checks, or
    ``unknown_reference`` for a slug the catalog does not know); ``message`` is the schema's
    English text, for the editor to translate what it knows.
    """

    location: str
    kind: str
    message: str
    context: tuple[tuple[str, Any], ...] = ()


class StaleBase(Exception):
    """Someone saved a newer version since the editor opened the one being changed."""

    def __init__(self, latest: ServiceVersion) -> None:
        super().__init__(f"version {latest.number} was saved meanwhile")
        self.latest = latest


def validate_definition(data: Any) -> tuple[ServiceDef | None, list[Problem]]:
    """Validate a definition as `load_services --check` does a file; return it or the problems."""
    try:
        spec = ServiceDef.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            location = location_text(error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            inner = INNER_PATH.match(message)
            if inner:  # checks across the form name the place inside it first
                location = f"{location}.{inner['path']}" if location else inner["path"]
                message = inner["message"]
            context = tuple(sorted((str(key), value)
                                   for key, value in (error.get("ctx") or {}).items()))
            problems.append(Problem(location, error["type"], message, context))
        return None, problems
    known = catalog_reference_errors(
        spec, departments=set(Department.objects.values_list("slug", flat=True)),
        categories=set(Category.objects.values_list("slug", flat=True)),
        situations=set(LifeSituation.objects.values_list("slug", flat=True)))
    if known:
        return None, [Problem(location, "unknown_reference", message)
                      for location, message in known]
    return spec, []


def editing_base(service: Service) -> ServiceVersion | None:
    """Return the version the editor changes: the one saved last."""
    return service.versions.order_by("-number").first()


@transaction.atomic
def save_version(*, service: Service, spec: ServiceDef, by: str,
                 base_number: int) -> tuple[ServiceVersion, bool]:
    """Save the definition as the service's next version, not published yet.

    Return the version and whether it is new: a definition equal to an earlier version is that
    version. Raise StaleBase when a version newer than ``base_number`` was saved meanwhile.
    """
    locked = Service.objects.select_for_update().get(pk=service.pk)
    if spec.slug != locked.slug:
        raise ValueError(f"the definition is for {spec.slug!r}, not {locked.slug!r}")
    latest = editing_base(locked)
    if latest is not None and latest.number != base_number:
        raise StaleBase(latest)
    data = definition_json(spec)
    checksum = definition_checksum(data)
    existing = locked.versions.filter(checksum=checksum).first()
    if existing is not None:
        return existing, False
    version = ServiceVersion.objects.create(
        service=locked, number=next_number(locked), definition=data, checksum=checksum,
        origin=Origin.ADMIN, saved_by=by, published_at=None,
    )
    return version, True


@transaction.atomic
def publish_version(*, version: ServiceVersion, by: str) -> bool:
    """Make a saved version the current one; return False if it already was."""
    service = Service.objects.select_for_update().get(pk=version.service_id)
    if service.current_version_id == version.pk:
        return False
    version.refresh_from_db()
    make_current(service=service, version=version, spec=version.spec, by=by)
    return True


@dataclass(frozen=True)
class DiffLine:
    """One line of a comparison: ``kind`` is "+" (added), "-" (removed), " " or "@" (a hunk)."""

    kind: str
    text: str


def version_diff(old: ServiceVersion | None, new: ServiceVersion) -> list[DiffLine]:
    """Compare the YAML files of two versions (as export_services writes them), line by line."""
    before = definition_yaml(old).splitlines() if old is not None else []
    after = definition_yaml(new).splitlines()
    lines = []
    for line in difflib.unified_diff(before, after, lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        lines.append(DiffLine(line[0] if line[0] in "+-@" else " ", line[1:]
                              if not line.startswith("@@") else line))
    return lines
