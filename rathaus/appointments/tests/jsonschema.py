"""A small JSON Schema (2020-12) validator for the keywords our OpenAPI schema uses, for tests.

The ``jsonschema`` package is not a dependency; this covers what django-ninja and pydantic
generate here and refuses any other keyword, so that a constraint added to the schema is never
silently ignored by the conformance test.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

ANNOTATIONS = {"title", "description", "default", "examples", "deprecated", "readOnly",
               "writeOnly", "$schema"}
TYPES: dict[str, Any] = {"string": str, "object": dict, "array": list, "boolean": bool,
                         "null": type(None)}


def _format_ok(value: str, name: str) -> bool:
    try:
        if name == "date":
            dt.date.fromisoformat(value)
            return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))
        if name == "date-time":
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return "T" in value
        if name == "email":
            validate_email(value)
            return True
    except (ValueError, ValidationError):
        return False
    raise AssertionError(f"format {name!r} not known to the test validator")


def _type_ok(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, TYPES[name])


def errors(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$") -> list[str]:
    """Return what is wrong with ``value`` under ``schema`` (``$ref`` resolved in ``root``)."""
    found: list[str] = []
    for key, rule in schema.items():
        if key in ANNOTATIONS:
            continue
        if key == "$ref":
            target: Any = root
            for part in rule.removeprefix("#/").split("/"):
                target = target[part]
            found += errors(value, target, root, at)
        elif key == "type":
            if not any(_type_ok(value, name) for name in ([rule] if isinstance(rule, str)
                                                          else rule)):
                found.append(f"{at}: not of type {rule}")
        elif key == "enum":
            if value not in rule:
                found.append(f"{at}: not one of {rule}")
        elif key == "const":
            if value != rule:
                found.append(f"{at}: not {rule!r}")
        elif key == "anyOf":
            if all(errors(value, option, root, at) for option in rule):
                found.append(f"{at}: matches none of anyOf")
        elif key == "allOf":
            for option in rule:
                found += errors(value, option, root, at)
        elif key in ("minLength", "maxLength", "pattern", "format"):
            if not isinstance(value, str):
                continue
            if key == "minLength" and len(value) < rule:
                found.append(f"{at}: shorter than {rule}")
            elif key == "maxLength" and len(value) > rule:
                found.append(f"{at}: longer than {rule}")
            elif key == "pattern" and not re.search(rule.replace("$", r"\Z"), value):
                found.append(f"{at}: does not match {rule}")
            elif key == "format" and not _format_ok(value, rule):
                found.append(f"{at}: not a {rule}")
        elif key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if not _type_ok(value, "number"):
                continue
            if ((key == "minimum" and value < rule) or (key == "maximum" and value > rule)
                    or (key == "exclusiveMinimum" and value <= rule)
                    or (key == "exclusiveMaximum" and value >= rule)):
                found.append(f"{at}: outside {key} {rule}")
        elif key == "required":
            if isinstance(value, dict):
                found += [f"{at}.{name}: missing" for name in rule if name not in value]
        elif key == "properties":
            if isinstance(value, dict):
                for name, sub in rule.items():
                    if name in value:
                        found += errors(value[name], sub, root, f"{at}.{name}")
        elif key == "additionalProperties":
            if isinstance(value, dict):
                extra = set(value) - set(schema.get("properties", {}))
                for name in sorted(extra):
                    if rule is False:
                        found.append(f"{at}.{name}: not allowed")
                    elif isinstance(rule, dict):
                        found += errors(value[name], rule, root, f"{at}.{name}")
        elif key == "items":
            if isinstance(value, list):
                for index, item in enumerate(value):
                    found += errors(item, rule, root, f"{at}[{index}]")
        else:
            raise AssertionError(f"keyword {key!r} not known to the test validator")
    return found
