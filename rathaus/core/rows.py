"""Model instances from rows of written-out SQL, for the few reads on a hot path.

Building a joined ORM query costs more CPU than PostgreSQL takes to answer it (a draft with its
version and service: 2.4 ms to compile and load, 0.1 ms for the statement itself). Where that
matters, the statement is written out once and the rows are turned into instances here, with the
same value conversions the ORM's compiler applies (so SQLite's text dates and integer booleans
come back as on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


def columns(model: type[Model], *, leave_out: Sequence[str] = ()) -> list[Field[Any, Any]]:
    """Return the model's concrete fields in table order, without those named in ``leave_out``."""
    return [field for field in model._meta.concrete_fields if field.name not in leave_out]


def select_list(fields: Sequence[Field[Any, Any]], alias: str, using: str = "default") -> str:
    """Return ``alias."column", ...`` for the fields, quoted for the database."""
    quote = connections[using].ops.quote_name
    return ", ".join(f"{alias}.{quote(str(field.column))}" for field in fields)


def _converters(fields: Sequence[Field[Any, Any]], using: str) -> list[tuple[Any, list[Converter]]]:
    connection = connections[using]
    found = []
    for field in fields:
        col = field.get_col(field.model._meta.db_table)
        steps = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        found.append((col, steps))
    return found


class RowReader:
    """Turn the part of a row that holds ``fields`` of ``model`` into an instance."""

    def __init__(self, model: type[M], fields: Sequence[Field[Any, Any]]) -> None:
        self.model = model
        self.fields = list(fields)
        self.names = [field.attname for field in self.fields]
        self._by_db: dict[str, list[tuple[Any, list[Converter]]]] = {}

    def read(self, values: Sequence[Any], using: str = "default") -> Any:
        converters = self._by_db.get(using)
        if converters is None:
            converters = self._by_db[using] = _converters(self.fields, using)
        connection = connections[using]
        converted = []
        for value, (col, steps) in zip(values, converters, strict=True):
            for step in steps:
                value = step(value, col, connection)
            converted.append(value)
        # Fields not read are deferred, as with .defer(): loaded on first access.
        return self.model.from_db(using, self.names, converted)
