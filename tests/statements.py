"""Counting the SQL statements a request sends to PostgreSQL, transaction control included.

An execute wrapper sees every statement that goes through a cursor: queries, and the
SAVEPOINT / RELEASE SAVEPOINT of nested atomic blocks. BEGIN and COMMIT are not cursor
statements (psycopg sends BEGIN on the first statement after autocommit is switched off, and
COMMIT through `connection.commit()`), so `statements()` adds them by watching the connection.

Under pytest-django's `db` fixture the test itself runs in a transaction; then a service's
outermost `transaction.atomic` is a SAVEPOINT + RELEASE pair, which stands in for the BEGIN +
COMMIT it sends in production: the count is the same either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection

from core import sql as core_sql

# What the API's authentication costs per request, counted apart so that a budget does not
# depend on which token scheme is in use: DRF's authtoken is one SELECT (token joined to user),
# django-rest-knox is one or two (the token by prefix, then the user). The budgets below assume
# the dearer case.
AUTH_STATEMENTS = 2


@dataclass
class Statements:
    sql: list[str] = field(default_factory=list)
    in_test_transaction: bool = False

    @property
    def count(self) -> int:
        return len(self.sql)

    @property
    def savepoints(self) -> int:
        """SAVEPOINT statements of nested atomic blocks (not counting, inside a test's
        transaction, the outermost pair that stands for BEGIN/COMMIT)."""
        made = sum(1 for s in self.sql if s.startswith("SAVEPOINT"))
        return max(0, made - 1) if self.in_test_transaction else made

    def __str__(self) -> str:
        return f"{self.count} statements:\n" + "\n".join(f"  {s[:160]}" for s in self.sql)


def _readable(sql: str) -> str:
    """A prepared statement's run (`core.sql.execute`) as the SQL it runs, marked; else `sql`."""
    if sql.startswith("EXECUTE "):
        name = sql.split()[1]
        if name in core_sql.PREPARED:
            return f"EXECUTE {core_sql.PREPARED[name]}"
    return sql


@contextmanager
def statements() -> Iterator[Statements]:
    """Record every statement sent inside the block, BEGIN and COMMIT/ROLLBACK included."""
    found = Statements(in_test_transaction=connection.in_atomic_block)
    real_commit, real_rollback = connection._commit, connection._rollback
    real_set_autocommit = connection._set_autocommit

    def set_autocommit(autocommit: bool) -> None:
        if not autocommit:
            found.sql.append("BEGIN")
        real_set_autocommit(autocommit)

    def commit() -> None:
        found.sql.append("COMMIT")
        real_commit()

    def rollback() -> None:
        found.sql.append("ROLLBACK")
        real_rollback()

    connection._set_autocommit = set_autocommit
    connection._commit = commit
    connection._rollback = rollback

    def record(execute, sql, params, many, context):
        found.sql.append(_readable(sql))
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(record):
            yield found
    finally:
        connection._set_autocommit = real_set_autocommit
        connection._commit = real_commit
        connection._rollback = real_rollback
