"""The placeholders of a notice template: a fixed vocabulary, substituted with escaping.

Staff write plain text. Nothing of it is ever parsed as a Django template: a placeholder is a
name in single braces, replaced by its value escaped for HTML; anything else in braces is
refused when the template is saved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

# The names every template may use, whatever the service.
VOCABULARY = (
    "reference", "applicant_name", "applicant_address", "service", "decision",
    "decision_date", "clerk", "department", "fee", "justification", "authority",
    "authority_address", "court_name", "court_address",
)
ANSWERS = "answers."
_BRACES = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")


def allowed_names(field_ids: Iterable[str]) -> frozenset[str]:
    """Return the vocabulary plus ``answers.<id>`` for the given form field ids."""
    return frozenset(VOCABULARY) | {f"{ANSWERS}{field_id}" for field_id in field_ids}


def form_field_ids(definition: Any) -> list[str]:
    """Return the ids of a service definition's fields that hold an answer, in form order."""
    form = getattr(definition, "form", None)
    if form is None:
        return []
    return [field.id for step in form.steps for field in step.fields
            if field.type not in ("info",)]


def placeholders_in(text: str) -> list[str]:
    return [match.group(1) for match in _BRACES.finditer(text)]


def check_text(text: str, allowed: frozenset[str]) -> None:
    """Raise ValidationError naming each unknown placeholder or stray brace in ``text``."""
    problems: list[ValidationError] = []
    unknown = [name for name in placeholders_in(text) if name not in allowed]
    for name in dict.fromkeys(unknown):
        if name.startswith(("%", "{")) or name.endswith(("%", "}")) or not _NAME.match(name):
            problems.append(ValidationError(
                _("“{%(name)s}” is not a placeholder: only names such as {reference} are "
                  "allowed, no template code."), code="template_code", params={"name": name}))
        else:
            problems.append(ValidationError(
                _("Unknown placeholder {%(name)s}."), code="unknown_placeholder",
                params={"name": name}))
    rest = _BRACES.sub("", text)
    if "{" in rest or "}" in rest:
        problems.append(ValidationError(
            _("A brace without its partner: write placeholders as {reference}."),
            code="stray_brace"))
    if problems:
        raise ValidationError(problems)


def substitute(text: str, values: Mapping[str, str]) -> SafeString:
    """Return ``text`` escaped for HTML with each known placeholder replaced by its escaped value.

    A name without a value (an answer the form no longer asks for) becomes empty.
    """
    parts: list[str] = []
    position = 0
    for match in _BRACES.finditer(text):
        parts.append(escape(text[position:match.start()]))
        name = match.group(1)
        # Template code (refused on saving) stays visible as text, never run.
        parts.append(escape(values.get(name, "") if _NAME.match(name) else match.group(0)))
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # every part escaped above


def paragraphs(text: str, values: Mapping[str, str]) -> list[SafeString]:
    """Split ``text`` at blank lines and substitute each paragraph; single newlines become <br>."""
    result = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        if block.strip():
            html = substitute(block.strip(), values)
            result.append(mark_safe(html.replace("\n", "<br>\n")))
    return result
