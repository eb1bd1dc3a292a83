"""Read and validate service definitions from YAML, with errors a service editor can act on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from rathaus.forms.schema import CatalogDef, ServiceDef

CATALOG_FILE = "_catalog.yaml"
INNER_PATH = re.compile(
    r"^(?P<path>[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): (?P<message>.+)$", re.S
)


@dataclass(frozen=True)
class DefinitionError:
    path: str
    location: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: {self.location}" if self.location else self.path
        return f"{where}: {self.message}"


class CatalogInvalid(Exception):
    def __init__(self, errors: list[DefinitionError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


@dataclass(frozen=True)
class LoadedService:
    spec: ServiceDef
    data: dict[str, Any]
    path: Path


@dataclass(frozen=True)
class LoadedCatalog:
    catalog: CatalogDef
    services: list[LoadedService]


def location_text(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _read_yaml(path: Path) -> tuple[Any, list[DefinitionError]]:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [DefinitionError(str(path), where, f"not valid YAML: {problem}")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [DefinitionError(str(path), "", f"cannot be read: {exc}")]


def _validate(
    model: type[BaseModel], data: Any, path: Path
) -> tuple[BaseModel | None, list[DefinitionError]]:
    if not isinstance(data, dict):
        return None, [DefinitionError(str(path), "", "must be a mapping of keys to values")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False):
            location = location_text(error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            # Checks across a whole form report the place inside it first ("steps[0].id: ...").
            inner = INNER_PATH.match(message)
            if inner:
                location = f"{location}.{inner['path']}" if location else inner["path"]
                message = inner["message"]
            errors.append(DefinitionError(str(path), location, message))
        return None, errors


def validate_service_file(path: Path) -> tuple[LoadedService | None, list[DefinitionError]]:
    data, errors = _read_yaml(path)
    if errors:
        return None, errors
    return validate_service_data(data, path)


def validate_catalog_data(data: Any, path: Path) -> tuple[CatalogDef | None, list[DefinitionError]]:
    """Validate a parsed _catalog.yaml (read from somewhere other than a directory)."""
    parsed, errors = _validate(CatalogDef, data, path)
    return (parsed if isinstance(parsed, CatalogDef) else None), errors


def validate_service_data(
    data: Any, path: Path
) -> tuple[LoadedService | None, list[DefinitionError]]:
    """Validate a parsed definition that claims to be the file at ``path``."""
    spec, errors = _validate(ServiceDef, data, path)
    if spec is None:
        return None, errors
    assert isinstance(spec, ServiceDef)
    if path.stem != spec.slug:
        return None, [
            DefinitionError(str(path), "slug", f"must match the file name ({path.stem!r})")
        ]
    return LoadedService(spec=spec, data=data, path=path), []


def catalog_reference_errors(
    spec: ServiceDef, *, departments: set[str], categories: set[str], situations: set[str]
) -> list[tuple[str, str]]:
    """Return (location, message) for every department, category or life situation unknown."""
    errors = []
    if spec.department not in departments:
        errors.append(("department", f"unknown department {spec.department!r}"))
    if spec.category not in categories:
        errors.append(("category", f"unknown category {spec.category!r}"))
    for index, slug in enumerate(spec.life_situations):
        if slug not in situations:
            errors.append((f"life_situations[{index}]", f"unknown life situation {slug!r}"))
    return errors


def load_directory(directory: Path) -> LoadedCatalog:
    """Validate every definition in the directory; raise CatalogInvalid listing all errors."""
    errors: list[DefinitionError] = []
    catalog_path = directory / CATALOG_FILE
    data, read_errors = _read_yaml(catalog_path)
    errors += read_errors
    catalog = None
    if not read_errors:
        parsed, catalog_errors = _validate(CatalogDef, data, catalog_path)
        errors += catalog_errors
        catalog = parsed if isinstance(parsed, CatalogDef) else None

    services: list[LoadedService] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith("_"):  # _catalog.yaml, _calendars.yaml: not services
            continue
        loaded, service_errors = validate_service_file(path)
        errors += service_errors
        if loaded is not None:
            services.append(loaded)

    if catalog is not None:
        departments = {item.slug for item in catalog.departments}
        categories = {item.slug for item in catalog.categories}
        situations = {item.slug for item in catalog.life_situations}
        for loaded in services:
            errors += [
                DefinitionError(str(loaded.path), location, message)
                for location, message in catalog_reference_errors(
                    loaded.spec, departments=departments, categories=categories,
                    situations=situations)
            ]
        online = {loaded.spec.slug for loaded in services}
        for index, need in enumerate(catalog.offline_needs):
            where = f"offline_needs[{index}]"
            if need.slug in online:
                errors.append(DefinitionError(
                    str(catalog_path), f"{where}.slug",
                    f"{need.slug!r} is a service now: remove it from the offline needs"))
            if need.department is not None and need.department not in departments:
                errors.append(DefinitionError(str(catalog_path), f"{where}.department",
                                              f"unknown department {need.department!r}"))
            if need.category is not None and need.category not in categories:
                errors.append(DefinitionError(str(catalog_path), f"{where}.category",
                                              f"unknown category {need.category!r}"))
    if errors or catalog is None:
        raise CatalogInvalid(errors)
    return LoadedCatalog(catalog=catalog, services=services)
