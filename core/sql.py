"""Hot-path reads in hand-written SQL, for the money writes (issue 11's profile).

On the award, quote and redemption paths most of a request's CPU went into the ORM *building*
its queries (annotations with `Exists`/`Subquery`, `Case` orderings): milliseconds per query, where
PostgreSQL answers in a fraction of one. The few reads those paths make every time are written
here as SQL once; the rows still become model instances (`Model.from_db`, as `raw()` makes
them), so callers see the same objects. Writes and every invariant stay where they were (the database's constraints
and triggers, the services' locks).

SQL here is standard (runs on PostgreSQL and on the newcomer's SQLite); table names come from the
models' metadata; values are always parameters, and datetimes go through
`connection.ops.adapt_datetimefield_value` as the ORM would send them.
"""

from __future__ import annotations

import functools
import hashlib
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models
from django.db.models import DEFERRED

M = TypeVar("M", bound=models.Model)


def execute(cursor: Any, query: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
    """`cursor.execute(query, params)`; on PostgreSQL as a prepared statement of the connection.

    PostgreSQL spent more time parsing and planning the hot paths' statements than running them
    (issue 11's profile: 0.45 ms to plan the award's recipient read, 0.14 ms to run it). The
    first use on a connection sends `PREPARE` (which outlives a rolled-back transaction), every
    use `EXECUTE` with the values. Statements prepared here must name their columns (`columns`),
    never `*`: a prepared `SELECT *` fails once a migration adds a column to its table.
    `SQL_PREPARED_STATEMENTS = False` turns it off (a pooler in transaction mode, such as
    PgBouncer's, cannot keep a session's prepared statements)."""
    if connection.vendor != "postgresql" or not settings.SQL_PREPARED_STATEMENTS:
        cursor.execute(query, params)
        return
    name, text, count = _prepared(query)
    raw = cursor.connection  # the driver's connection: a new one has nothing prepared
    names = _prepared_on.get(raw)
    if names is None:
        names = _prepared_on[raw] = set()
    if name not in names:
        cursor.execute(f"PREPARE {name} AS {text}")
        names.add(name)
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}",
                   params)  # fmt: skip


_prepared_on: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
PREPARED: dict[str, str] = {}
"""{prepared statement name: its SQL}: what an `EXECUTE name` ran (tests, logs)."""


@functools.lru_cache(maxsize=512)
def _prepared(query: str) -> tuple[str, str, int]:
    """(name, the query with $1, $2… for its %s placeholders, how many)."""
    parts, count, i = [], 0, 0
    while i < len(query):
        if query.startswith("%s", i):
            count += 1
            parts.append(f"${count}")
            i += 2
        elif query.startswith("%%", i):
            parts.append("%")
            i += 2
        else:
            parts.append(query[i])
            i += 1
    name = "pojo_" + hashlib.sha1(query.encode(), usedforsecurity=False).hexdigest()[:20]
    PREPARED[name] = query
    return name, "".join(parts), count


def columns(model: type[models.Model], alias: str = "") -> str:
    """The model's columns as a select list (`alias.` before each), in place of `*`."""
    return _columns(connection.vendor, model, alias)


@functools.cache
def _columns(vendor: str, model: type[models.Model], alias: str) -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(
        f"{prefix}{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields
    )


def table(model: type[models.Model]) -> str:
    """The model's table name, quoted for this database."""
    return _table(connection.vendor, model)


@functools.cache
def _table(vendor: str, model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def moment(value: datetime) -> Any:
    """A datetime as the ORM sends it to this database."""
    return connection.ops.adapt_datetimefield_value(value)


def first(model: type[M], sql: str, params: list[Any] | tuple[Any, ...]) -> M | None:
    """The first row of `sql` as a `model` instance (extra columns become attributes), or None."""
    found = rows(model, sql, params)
    return found[0] if found else None


def rows(model: type[M], sql: str, params: list[Any] | tuple[Any, ...]) -> list[M]:
    """Every row of `sql` as `model` instances (extra columns become attributes).

    What `Model.objects.raw` does (the same instances: `from_db`, the fields' converters, columns
    the model lacks as attributes), minus its per-query setup: the mapping from a result's
    columns to the model's fields is worked out once per model and column list."""
    with connection.cursor() as cursor:
        execute(cursor, sql, params)
        columns = tuple(c[0] for c in cursor.description)
        data = cursor.fetchall()
    if not data:
        return []
    plan = _plan(model, columns)
    alias = connection.alias
    found = []
    for row in data:
        values = list(row)
        for pos, converters, col in plan.converters:
            value = values[pos]
            for converter in converters:
                value = converter(value, col, connection)
            values[pos] = value
        instance = model.from_db(
            alias, plan.attnames, [DEFERRED if p is None else values[p] for p in plan.positions]
        )
        for name, pos in plan.extras:
            setattr(instance, name, values[pos])
        found.append(instance)
    return found


@dataclass(frozen=True)
class _Plan:
    attnames: list[str]  # every concrete field, in the model's order (what `from_db` expects)
    positions: list[int | None]  # each field's column in the result (None: not selected)
    extras: list[tuple[str, int]]  # columns that are no field: set as attributes
    converters: list[tuple[int, list[Any], Any]]  # (column, its converters, the field's Col)


_plans: dict[tuple[str, type[models.Model], tuple[str, ...]], _Plan] = {}


def _plan(model: type[models.Model], columns: tuple[str, ...]) -> _Plan:
    key = (connection.vendor, model, columns)
    plan = _plans.get(key)
    if plan is None:
        index = {column: pos for pos, column in enumerate(columns)}
        fields = model._meta.concrete_fields
        if model._meta.pk.column not in index:
            raise ValueError(f"the query must select {model.__name__}'s primary key")
        known = {f.column for f in fields}
        converters = []
        for field in fields:
            if field.column in index:
                col = field.get_col(model._meta.db_table)
                found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if found:
                    converters.append((index[field.column], found, col))
        plan = _Plan(
            attnames=[f.attname for f in fields],
            positions=[index.get(f.column) for f in fields],
            extras=[(c, pos) for c, pos in index.items() if c not in known],
            converters=converters,
        )
        _plans[key] = plan
    return plan


def joined_columns(model: type[models.Model], alias: str, prefix: str) -> str:
    """The select list of a row of `model` joined as `alias`, each column renamed `prefix` +
    column; `joined` turns them back into an instance (a second model read in one statement)."""
    return _joined_columns(connection.vendor, model, alias, prefix)


@functools.cache
def _joined_columns(vendor: str, model: type[models.Model], alias: str, prefix: str) -> str:
    return ", ".join(
        f"{alias}.{connection.ops.quote_name(f.column)} AS {prefix}{f.column}"
        for f in model._meta.concrete_fields
    )


def joined(owner: models.Model, model: type[M], prefix: str) -> M | None:
    """The `model` instance whose columns `joined_columns` selected next to `owner`'s row (they
    are removed from `owner`), or None if the join found no row."""
    fields = model._meta.concrete_fields
    read = owner.__dict__
    values = [read.pop(f"{prefix}{f.column}") for f in fields]
    if values[fields.index(model._meta.pk)] is None:
        return None
    for pos, converters, col in _plan(model, tuple(f.column for f in fields)).converters:
        for converter in converters:
            values[pos] = converter(values[pos], col, connection)
    return model.from_db(connection.alias, [f.attname for f in fields], values)


@functools.cache
def _insert_sql(vendor: str, model: type[models.Model], columns: tuple[str, ...]) -> str:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {table(model)} ({quoted}) VALUES ({placeholders})"  # noqa: S608


def insert_values(instance: models.Model) -> tuple[tuple[str, ...], list[Any]]:
    """The columns and values an INSERT of the new `instance` sends (its primary key and the
    fields left to their `db_default` are the database's)."""
    given = [
        (f, f.pre_save(instance, add=True))
        for f in instance._meta.concrete_fields
        if not f.primary_key
    ]
    # A field left to its `db_default` holds an expression: the database fills it in.
    kept = [(f, value) for f, value in given if not hasattr(value, "resolve_expression")]
    return tuple(f.column for f, _ in kept), [f.get_db_prep_save(v, connection) for f, v in kept]


def insert(instance: M) -> M:
    """INSERT `instance` (a new row; its primary key is the database's) in one statement and set
    its primary key: what `Model.objects.create` sends, without building the query through the
    ORM each time. No model signals are sent: use it only for models no receiver listens to
    (none of the money paths' models has one)."""
    meta = instance._meta
    columns, values = insert_values(instance)
    query = _insert_sql(connection.vendor, type(instance), columns)
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            execute(
                cursor, f"{query} RETURNING {connection.ops.quote_name(meta.pk.column)}", values
            )
            instance.pk = cursor.fetchone()[0]
        else:
            cursor.execute(query, values)
            instance.pk = cursor.lastrowid
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance
