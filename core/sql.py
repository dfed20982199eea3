"""Hot-path reads in hand-written SQL, for the money writes (issue 11's profile).

On the award, quote and redemption paths most of a request's CPU went into the ORM *building*
its queries (annotations with `Exists`/`Subquery`, `Case` orderings): milliseconds per query, where
PostgreSQL answers in a fraction of one. The few reads those paths make every time are written
here as SQL once; the rows still become model instances (`Model.objects.raw`), so callers see
the same objects. Writes and every invariant stay where they were (the database's constraints
and triggers, the services' locks).

SQL here is standard (runs on PostgreSQL and on the newcomer's SQLite); table names come from the
models' metadata; values are always parameters, and datetimes go through
`connection.ops.adapt_datetimefield_value` as the ORM would send them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def table(model: type[models.Model]) -> str:
    """The model's table name, quoted for this database."""
    return connection.ops.quote_name(model._meta.db_table)


def moment(value: datetime) -> Any:
    """A datetime as the ORM sends it to this database."""
    return connection.ops.adapt_datetimefield_value(value)


def first(model: type[M], sql: str, params: list[Any] | tuple[Any, ...]) -> M | None:
    """The first row of `sql` as a `model` instance (extra columns become attributes), or None."""
    return next(iter(model._default_manager.raw(sql, params)), None)


def rows(model: type[M], sql: str, params: list[Any] | tuple[Any, ...]) -> list[M]:
    """Every row of `sql` as `model` instances (extra columns become attributes)."""
    return list(model._default_manager.raw(sql, params))


def insert(instance: M) -> M:
    """INSERT `instance` (a new row; its primary key is the database's) in one statement and set
    its primary key: what `Model.objects.create` sends, without building the query through the
    ORM each time. No model signals are sent: use it only for models no receiver listens to
    (none of the money paths' models has one)."""
    meta = instance._meta
    given = [(f, f.pre_save(instance, add=True)) for f in meta.concrete_fields if not f.primary_key]
    # A field left to its `db_default` holds an expression: the database fills it in.
    fields = [f for f, value in given if not hasattr(value, "resolve_expression")]
    values = [
        f.get_db_prep_save(value, connection)
        for f, value in given
        if not hasattr(value, "resolve_expression")
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    pk = connection.ops.quote_name(meta.pk.column)
    query = f"INSERT INTO {table(type(instance))} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(f"{query} RETURNING {pk}", values)
            instance.pk = cursor.fetchone()[0]
        else:
            cursor.execute(query, values)
            instance.pk = cursor.lastrowid
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance
