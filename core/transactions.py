"""One database transaction per request on the money paths, without savepoints.

A service is `@atomic`: called on its own it opens its transaction (or, inside someone else's, a
savepoint, so a caller may catch its refusal and carry on). Inside `whole_transaction()` every
error rolls back the whole request anyway, so the services' blocks join the one transaction
without a SAVEPOINT / RELEASE pair each: the hot paths (an award, a redemption through the API)
send BEGIN, their work and COMMIT, nothing else.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from django.db import transaction

_whole: ContextVar[bool] = ContextVar("whole_transaction", default=False)

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def whole_transaction() -> Iterator[None]:
    """The outermost transaction of a request: an error anywhere inside rolls all of it back."""
    with transaction.atomic(durable=True):
        token = _whole.set(True)
        try:
            yield
        finally:
            _whole.reset(token)


def in_whole_transaction() -> bool:
    return _whole.get()


def atomic(func: Callable[P, R]) -> Callable[P, R]:
    """`transaction.atomic` for a service, with no savepoint inside `whole_transaction()`."""

    @functools.wraps(func)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(savepoint=not _whole.get()):
            return func(*args, **kwargs)

    return inner


def savepoint_unless_whole() -> Any:
    """A nested block that needs its own rollback only when a caller may carry on after it."""
    return transaction.atomic(savepoint=not _whole.get())
