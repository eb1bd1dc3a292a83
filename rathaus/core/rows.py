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


def _concrete(field: object) -> Field[Any, Any]:
    assert isinstance(field, Field), f"{field} is not a column"
    return field


class ConditionalUpdate:
    """``UPDATE table SET a = %s, ... WHERE pk = %s AND guard = %s``, written out once.

    The optimistic write of a hot path (a form step): the ORM's ``filter().update()`` costs
    about 0.4 ms of CPU to compile, the statement itself a fraction of it. Values go through
    each field's ``get_db_prep_save`` (JSON, dates), so what is stored is what ``.update()``
    stores. Returns whether a row was changed (0 when the guard no longer matched).
    """

    def __init__(self, model: type[Model], set_fields: Sequence[str], guard: str) -> None:
        meta = model._meta
        self.table = str(meta.db_table)
        self.sets = [_concrete(meta.get_field(name)) for name in set_fields]
        self.pk = meta.pk
        self.guard = _concrete(meta.get_field(guard))
        self._sql: dict[str, str] = {}

    def _statement(self, using: str) -> str:
        sql = self._sql.get(using)
        if sql is None:
            quote = connections[using].ops.quote_name
            assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in self.sets)
            assert self.pk is not None
            sql = self._sql[using] = (
                f"UPDATE {quote(self.table)} SET {assignments} "  # noqa: S608 (names from meta)
                f"WHERE {quote(str(self.pk.column))} = %s AND {quote(str(self.guard.column))} = %s")
        return sql

    def run(self, pk: Any, guard: Any, values: Sequence[Any], using: str = "default") -> bool:
        connection = connections[using]
        assert self.pk is not None
        params = [field.get_db_prep_save(value, connection)
                  for field, value in zip(self.sets, values, strict=True)]
        params += [self.pk.get_db_prep_value(pk, connection),
                   self.guard.get_db_prep_value(guard, connection)]
        with connection.cursor() as cursor:
            cursor.execute(self._statement(using), params)
            return bool(cursor.rowcount)
