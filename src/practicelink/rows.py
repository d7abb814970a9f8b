"""Plain multi-row INSERTs for the few places that write thousands of rows at once (a first
sync's mirror, links and events).

`bulk_create` builds a model instance per row and converts every field of every row (about
0.1 ms a row: two thirds of a first sync of 2,000 staff). Here the caller prepares each value
once (`db_value`, for what is the same in every row) or per row only where it varies, and the
rows go to the database in one `executemany` on a bare cursor. Nothing else differs: the same
table, the same constraints (a duplicate still raises `IntegrityError`), the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model


def db_value(model: type[Model], field: str, value: Any) -> Any:
    """`value` as the database takes it for `model.field` (a datetime in UTC text on SQLite,
    JSON encoded, a related object's key...)."""
    return _field(model, field).get_db_prep_save(value, connection)


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT `rows` (values already prepared, in the order of `fields`) into `model`'s table;
    returns how many. Defaults and `auto_now` are not applied: give every column."""
    rows = list(rows)
    if rows:
        with _one_commit(), connection.cursor() as cursor:
            cursor.executemany(_insert(model, fields, 1), rows)
    return len(rows)


def insert_rows_returning(
    model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[Any]:
    """As `insert_rows`, returning the new rows' primary keys in the order of `rows` (from
    multi-row INSERT ... RETURNING, in order on PostgreSQL and SQLite as `bulk_create` relies
    on too)."""
    rows = list(rows)
    pks: list[Any] = []
    pk = _column(model, "pk")
    with _one_commit(), connection.cursor() as cursor:
        for start in range(0, len(rows), RETURNING_BATCH):
            chunk = rows[start : start + RETURNING_BATCH]
            sql = f"{_insert(model, fields, len(chunk))} RETURNING {pk}"
            cursor.execute(sql, [value for row in chunk for value in row])
            pks += [found for (found,) in cursor.fetchall()]
    return pks


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    assert isinstance(field, Field), f"{model.__name__}.{name} is not a column"
    return field


def _column(model: type[Model], name: str) -> str:
    column = _field(model, name).column
    assert column is not None
    return connection.ops.quote_name(column)


def _one_commit() -> transaction.Atomic:
    """One transaction for all the rows, not one commit per row (autocommit), and no
    savepoint inside a caller's transaction: a failed INSERT fails that transaction anyway."""
    return transaction.atomic(savepoint=False)


RETURNING_BATCH = 500
"""Rows per INSERT ... RETURNING (SQLite takes at most 32,766 values in one statement)."""


def _insert(model: type[Model], fields: Sequence[str], rows: int) -> str:
    """INSERT INTO the model's table, with placeholders for `rows` rows of `fields`."""
    meta, quote = model._meta, connection.ops.quote_name
    columns = ", ".join(_column(model, name) for name in fields)
    values = ", ".join([f"({', '.join(['%s'] * len(fields))})"] * rows)
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values}"  # noqa: S608 (names: the model's)
