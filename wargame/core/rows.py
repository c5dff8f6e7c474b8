"""Hot reads in SQL built once per process from the models, returning model instances.

The ORM compiles a query's SQL again on every call: for the few statements that every save,
message or page view runs, that was most of their CPU (bench/README.md: a locking read of
a turn 0.75 ms through the ORM, 0.12 ms here). A ``Joined`` is one SELECT over several
models; its columns come from the models' fields, its rows are converted as the ORM converts
them (the database backend's converters, then the field's), and each row gives one instance
per model, built with ``Model.from_db`` as the ORM builds them. Fields left out are deferred,
as with ``QuerySet.defer``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Model


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
    converters: list[list]
    optional: bool
    pk: int  # the primary key's place among the columns


@dataclass(frozen=True)
class Joined:
    """``SELECT <every table's columns> <clause>``: the clause names each table as
    ``{ModelName}`` (FROM {Move} m JOIN {Turn} t ON ...) and takes the parameters.

    ``lock``: the aliases whose rows the read locks until the transaction ends (``SELECT ...
    FOR UPDATE OF``), where the database has row locks; SQLite locks the whole database
    for a write anyway, as the ORM's ``select_for_update`` does there.
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
        converted = []
        for converters, value in zip(table.converters, values, strict=False):
            for convert, column in converters:
                value = convert(value, column, connection)
            converted.append(value)
        if table.optional and converted[table.pk] is None:
            instances.append(None)
        else:
            instances.append(table.model.from_db(connection.alias, table.attnames, converted))
    return instances


@cache
def _compiled(query: Joined, vendor: str) -> tuple[str, list[_Columns]]:
    quote = connection.ops.quote_name
    selected, columns = [], []
    for table in query.tables:
        fields = [f for f in table.model._meta.concrete_fields if f.name not in table.leave_out]
        selected += [f"{table.alias}.{quote(f.column)}" for f in fields]
        converters = []
        for f in fields:
            column = f.get_col(table.alias)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            converters.append([(convert, column) for convert in found])
        attnames = [f.attname for f in fields]
        pk = attnames.index(table.model._meta.pk.attname)
        columns.append(_Columns(table.model, attnames, converters, table.optional, pk))
    names = {table.model.__name__: quote(table.model._meta.db_table) for table in query.tables}
    sql = f"SELECT {', '.join(selected)} {query.clause.format(**names)}"
    if query.lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
        if connection.features.has_select_for_update_of:
            sql += f" OF {', '.join(query.lock)}"
    return sql, columns
