"""Hot reads in SQL built once per process from the models, returning model instances.

The ORM compiles a query's SQL again on every call: for the few statements that every save,
message or poll runs, that was most of their CPU (bench/HISTORY.md, "What the profiles
showed", 2026-12-05: a locking read of a turn 0.75 ms through the ORM, 0.12 ms here). A
``Joined`` is one SELECT over several models; its columns come from the models' fields, its
rows are converted as the ORM converts them (the database backend's converters, then the
field's), and each row gives one instance per model, built with ``Model.from_db`` as the ORM
builds them. Fields left out are deferred, as with ``QuerySet.defer``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model

Converters = list[tuple[Any, Any]]


def converters(field: Field, alias: str) -> Converters:
    """What the ORM applies to a column of ``field`` read from the table ``alias``."""
    column = field.get_col(alias)
    found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    return [(convert, column) for convert in found]


def converted(value: Any, column_converters: Converters) -> Any:
    for convert, column in column_converters:
        value = convert(value, column, connection)
    return value


def attach(instance: Model, relation: str, related: Model | None) -> None:
    """Set a foreign key's object read in the same row, as ``select_related`` does: only
    its cache, and only if it is the row the key names. A row read again after waiting for
    a lock (PostgreSQL's re-check) can pair the locked row's new key with the joined row
    it saw before; that object is left to be read when asked for."""
    field = instance._meta.get_field(relation)
    key = getattr(instance, field.attname)
    if (related.pk if related is not None else None) == key:
        field.set_cached_value(instance, related)


@dataclass(frozen=True)
class Table:
    """A model's table in the read. ``optional``: joined with LEFT JOIN, so that its
    instance is None when the row has none (its primary key is NULL)."""

    model: type[Model]
    alias: str
    leave_out: tuple[str, ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class _Columns:
    model: type[Model]
    attnames: list[str]
    converters: list[Converters]
    optional: bool
    pk: int  # the primary key's place among the columns


@dataclass(frozen=True)
class Joined:
    """``SELECT <every table's columns> <clause>``: the clause names each table by its alias
    in braces (``FROM {m} m JOIN {t} t ON ...``) and takes the parameters.

    ``lock``: the aliases whose rows the read locks until the transaction ends (``SELECT ...
    FOR UPDATE OF``), where the database has row locks. SQLite has none: a write there
    locks the whole database, and the ORM's ``select_for_update`` does nothing either.
    """

    tables: tuple[Table, ...]
    clause: str
    lock: tuple[str, ...] = ()

    def one(self, params: Sequence) -> list[Model | None] | None:
        """The first row's instances, one per table in order; None without a row."""
        rows = self._rows(params, first=True)
        return rows[0] if rows else None

    def all(self, params: Sequence) -> list[list[Model | None]]:
        """Every row's instances, one per table in order."""
        return self._rows(params, first=False)

    def _rows(self, params: Sequence, *, first: bool) -> list[list[Model | None]]:
        sql, columns = _compiled(self, connection.vendor)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = [cursor.fetchone()] if first else cursor.fetchall()
        return [_instances(row, columns) for row in found if row is not None]


def _instances(row: Sequence, columns: list[_Columns]) -> list[Model | None]:
    values = iter(row)
    instances = []
    for table in columns:
        read = [converted(value, c) for c, value in zip(table.converters, values, strict=False)]
        if table.optional and read[table.pk] is None:
            instances.append(None)
        else:
            instances.append(table.model.from_db(connection.alias, table.attnames, read))
    return instances


@cache
def _compiled(query: Joined, vendor: str) -> tuple[str, list[_Columns]]:
    """The SQL and the columns' converters, once per process (``vendor``: per database)."""
    quote = connection.ops.quote_name
    selected, columns = [], []
    for table in query.tables:
        fields = [f for f in table.model._meta.concrete_fields if f.name not in table.leave_out]
        selected += [f"{table.alias}.{quote(f.column)}" for f in fields]
        attnames = [f.attname for f in fields]
        columns.append(
            _Columns(
                table.model,
                attnames,
                [converters(f, table.alias) for f in fields],
                table.optional,
                attnames.index(table.model._meta.pk.attname),
            )
        )
    names = {table.alias: quote(table.model._meta.db_table) for table in query.tables}
    sql = f"SELECT {', '.join(selected)} {query.clause.format(**names)}"
    if query.lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
        if connection.features.has_select_for_update_of:
            sql += f" OF {', '.join(query.lock)}"
    return sql, columns
