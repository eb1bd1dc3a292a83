"""The contract every field type fulfils: read raw input, clean it, show it again."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from rathaus.core.templatetags.rathaus import localized

if TYPE_CHECKING:
    from rathaus.forms.schema import FieldDef

Raw = Any
Value = Any


class FieldError(Exception):
    """Input that cannot be accepted; `part` names the sub-input (e.g. the postcode) it concerns."""

    def __init__(self, message: str, part: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.part = part


class UploadStore(Protocol):
    def store(self, *, field: FieldDef, uploaded: UploadedFile[bytes]) -> dict[str, Any]: ...

    def existing(self, *, field: FieldDef, upload_id: str) -> dict[str, Any] | None: ...


@dataclass
class CleanContext:
    today: datetime.date
    uploads: UploadStore | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Whether an `in_town` address must lie in the town; off where only the shape of a value
    # matters (is a BundID value valid, is a posted value the verified one).
    check_town: bool = True


@dataclass(frozen=True)
class PartSpec:
    """One text input of a composite field (the postcode of an address)."""

    key: str
    label: Any
    autocomplete: str = ""
    width: str = ""
    inputmode: str = ""


class FieldType:
    key: ClassVar[str]
    template: ClassVar[str]
    # Parts of a composite input (address: street, number, ...); the first receives focus.
    parts: ClassVar[tuple[str, ...]] = ()
    part_specs: ClassVar[tuple[PartSpec, ...]] = ()
    has_value: ClassVar[bool] = True

    def read(
        self,
        field: FieldDef,
        data: QueryDict,
        files: MultiValueDict[str, UploadedFile[bytes]],
        name: str,
    ) -> Raw:
        if self.parts:
            return {part: data.get(f"{name}-{part}", "").strip() for part in self.parts}
        return data.get(name, "").strip()

    def is_empty(self, raw: Raw) -> bool:
        if isinstance(raw, dict):
            return not any(str(value).strip() for value in raw.values() if value is not None)
        if isinstance(raw, list):
            return not raw
        return raw in (None, "")

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        return raw

    def to_raw(self, field: FieldDef, value: Value) -> Raw:
        if self.parts:
            return dict(value or {})
        return "" if value is None else str(value)

    def display(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        return "" if value is None else str(value)

    def display_masked(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        """Show the value in a document that travels (the receipt): without what it must not."""
        return self.display(field, value, language)

    def input_id(self, name: str) -> str:
        return f"{name}-{self.parts[0]}" if self.parts else name

    def required_message(self, field: FieldDef) -> str:
        return _("Enter “%(label)s”.") % {"label": localized(field.label)}
