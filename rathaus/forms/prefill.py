"""Once-only: answers taken from the signed-in citizen's identity instead of asked again.

A field names what it takes with ``identity_attribute`` (``name``, ``birth_date``, ``address``).
A value whose every source attribute BundID vouched for at ``substantial`` or above (ID card or
ELSTER) counts as verified: shown with a label, read-only unless the field says
``identity_editable``, and recorded in the submission while it is unchanged. Everything else is
only a suggestion the citizen may change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from rathaus.forms.schema import FieldDef, FormDef, StepDef
from rathaus.identity.levels import TrustLevel
from rathaus.identity.session import Attribute

from .fields.base import CleanContext, FieldError
from .fields.builtin import HOUSE_NUMBER, address_in_town
from .fields.registry import field_types

# What a field may take from the identity, and the field type that can hold it.
FIELD_TYPES: Mapping[str, str] = {
    "name": "person_name",
    "birth_date": "date",
    "address": "address",
}

# A house number at the end: after whitespace, or straight after an abbreviating full stop
# ("Hauptstr.5"). Street names may contain numbers themselves ("Straße des 17. Juni 135").
_TRAILING_NUMBER = re.compile(
    rf"^(?P<street>.*?[^\W\d_].*?)(?:\s+|(?<=\.))(?P<number>{HOUSE_NUMBER.pattern})$"
)


def split_street_address(text: str) -> tuple[str, str]:
    """Split BundID's "street and house number" into street and number.

    Only a trailing token that is a house number as the address field accepts it ("17", "3a",
    "12 b", "5-7", "17/1") becomes the number; when in doubt everything stays in the street and
    the number is left for the citizen.
    """
    normalised = " ".join(text.split())
    match = _TRAILING_NUMBER.match(normalised)
    if match is None:
        return normalised, ""
    return match["street"].rstrip(), match["number"]


@dataclass(frozen=True)
class Prefill:
    """What the identity offers for one field, and how far it can be trusted."""

    field_id: str
    attribute: str  # the field's identity_attribute
    value: Any  # in the shape of a stored answer (cleaned when valid)
    level: TrustLevel | None  # the lowest per-attribute level among the values used
    verified: bool  # every part present, vouched for at substantial or above, and valid
    editable: bool  # the service allows changing a verified value

    @property
    def readonly(self) -> bool:
        return self.verified and not self.editable

    @property
    def from_id_card(self) -> bool:
        return self.level is not None and self.level >= TrustLevel.HIGH


def _collect(kind: str, attributes: Mapping[str, Attribute]) -> tuple[Any, list[Attribute], bool]:
    """Return (raw value, attributes used, complete) for one kind of identity value."""

    def get(key: str) -> Attribute | None:
        attribute = attributes.get(key)
        return attribute if attribute is not None and attribute.value.strip() else None

    if kind == "name":
        given, family = get("given_name"), get("family_name")
        used = [item for item in (given, family) if item is not None]
        raw = {"given_names": given.value.strip() if given else "",
               "family_name": family.value.strip() if family else ""}
        return raw, used, len(used) == 2
    if kind == "birth_date":
        birth = get("date_of_birth")
        return (birth.value.strip() if birth else ""), [birth] if birth else [], birth is not None
    if kind == "address":
        street_address, postcode, city = get("street_address"), get("postal_code"), get("city")
        street, number = split_street_address(street_address.value) if street_address else ("", "")
        used = [item for item in (street_address, postcode, city) if item is not None]
        raw = {"street": street, "number": number,
               "postcode": postcode.value.strip() if postcode else "",
               "city": city.value.strip() if city else ""}
        return raw, used, len(used) == 3 and bool(number)
    raise KeyError(kind)


def prefill_for(item: FieldDef, attributes: Mapping[str, Attribute]) -> Prefill | None:
    """Return what the identity offers for ``item``, or None when it offers nothing."""
    kind = item.identity_attribute
    if kind is None or kind not in FIELD_TYPES or not attributes:
        return None
    raw, used, complete = _collect(kind, attributes)
    if not used:
        return None
    ftype = field_types[item.type]
    value: Any = raw
    valid = False
    try:
        value = ftype.clean(item, raw, CleanContext(today=timezone.localdate(),
                                                    check_town=False))
        valid = value is not None
    except (FieldError, KeyError, TypeError, ValueError):
        value = raw
    levels = [attribute.level for attribute in used]
    level = None if any(item is None for item in levels) else min(
        item for item in levels if item is not None)
    verified = complete and valid and all(attribute.verified for attribute in used)
    return Prefill(field_id=item.id, attribute=kind, value=value, level=level,
                   verified=verified, editable=item.identity_editable)


def step_prefills(step: StepDef, attributes: Mapping[str, Attribute]) -> dict[str, Prefill]:
    """Return the prefills of a step's fields (repeated groups take none), by field id."""
    found: dict[str, Prefill] = {}
    if not attributes:
        return found
    for item in step.fields:
        if item.repeat is not None:
            continue
        for candidate in item.fields or [item]:
            prefill = prefill_for(candidate, attributes)
            if prefill is not None:
                found[candidate.id] = prefill
    return found


def same_value(item: FieldDef, raw: Any, value: Any) -> bool:
    """Return whether the raw input means the same answer as ``value`` (as cleaned)."""
    ftype = field_types[item.type]
    try:
        return bool(ftype.clean(item, raw, CleanContext(today=timezone.localdate(),
                                                        check_town=False)) == value)
    except (FieldError, KeyError, TypeError, ValueError, AttributeError):
        return False


def outside_town(form: FormDef,
                 attributes: Mapping[str, Attribute]) -> tuple[FieldDef, Prefill] | None:
    """Return the first ``in_town`` field whose verified, read-only address is outside the town.

    Such an application cannot succeed, and the citizen cannot change the address: it stops
    at once instead of after every step is filled in.
    """
    if not attributes:
        return None
    for step in form.steps:
        for field_id, offered in step_prefills(step, attributes).items():
            item = form.field(field_id)
            if item.in_town and offered.readonly and not address_in_town(offered.value):
                return item, offered
    return None


def verified_answers(form: FormDef, answers: Mapping[str, Any],
                     attributes: Mapping[str, Attribute], *,
                     source: str = "bundid") -> dict[str, dict[str, Any]]:
    """Return {field id: {"attribute", "level", "source"}} for answers still as verified."""
    recorded: dict[str, dict[str, Any]] = {}
    if not attributes:
        return recorded
    for step in form.steps:
        for field_id, prefill in step_prefills(step, attributes).items():
            if prefill.verified and field_id in answers and answers[field_id] == prefill.value:
                recorded[field_id] = {"attribute": prefill.attribute,
                                      "level": int(prefill.level or 0), "source": source}
    return recorded
