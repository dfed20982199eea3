"""Bulk writes for the few services that load history in bulk: COPY on PostgreSQL, plain INSERTs
elsewhere.

Generic over models on purpose (it names no app's table): each app's own service decides what it
writes with these, so every table keeps one owner.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Field, Model


def column(model: type[Model], name: str) -> str:
    """The database column of the model's field `name` (`"account"` → `"account_id"`)."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format (called ~10 times per row: kept cheap)."""
    if value is None:
        return "\\N"
    if type(value) is int:
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def rows_copy(model: type[Model], fields: Sequence[str], values: list[tuple[Any, ...]]) -> None:
    """COPY rows into the model's table, bypassing model instances: the ORM's per-object work
    dominated the history import, and COPY is the fastest way in. The database's constraints
    and triggers run as for any insert."""
    if not values:
        return
    columns = ", ".join(connection.ops.quote_name(column(model, f)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor != "postgresql":
        # SQLite (the newcomer's zero-setup mode): plain INSERTs, slower, the same rows.
        adapt = connection.ops.adapt_datetimefield_value
        marks = ", ".join(["%s"] * len(fields))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                [[adapt(v) if isinstance(v, datetime) else v for v in row] for row in values],
            )
        return
    buffer = io.StringIO()
    for row in values:
        buffer.write("\t".join(map(_copy_text, row)))
        buffer.write("\n")
    buffer.seek(0)
    # wrap_database_errors: a refused row raises Django's IntegrityError, as from any query.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # Names from the models' metadata, quoted; the values travel as COPY data.
        cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


def ids_reserve(model: type[Model], count: int) -> list[int]:
    """`count` new primary keys from the table's own sequence (COPY cannot return them)."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # SQLite has one writer at a time: nobody else takes ids after our max.
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            last = cursor.fetchone()[0]
            return list(range(last + 1, last + 1 + count))
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def statistics_refresh(*models: type[Model]) -> None:
    """ANALYZE the models' tables (PostgreSQL; a no-op elsewhere). ANALYZE inside a transaction
    counts its own uncommitted rows: after a bulk load, the planner sees the tables' new size."""
    if connection.vendor != "postgresql" or not models:
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
