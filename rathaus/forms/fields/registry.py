from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from rathaus.core.registry import Registry

if TYPE_CHECKING:
    from .base import FieldType

field_types: Registry[FieldType] = Registry("field type")

FT = TypeVar("FT", bound="type[FieldType]")


def register(cls: FT) -> FT:
    """Register one instance of a field type class under its key."""
    field_types.register(cls.key)(cls())
    return cls


def _load_builtin() -> None:
    from . import builtin  # noqa: F401


_load_builtin()
