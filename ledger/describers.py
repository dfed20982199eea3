"""How apps above the ledger explain their own transactions on a statement.

The ledger never imports the apps that post into it. An app that does (the market) registers a
function here from its AppConfig.ready(); a statement asks it, once per page, for a title per
transaction ("Redemption: Theatre evening") instead of showing only the transaction's kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .models import Transaction

Describer = Callable[[list[Transaction]], dict[int, str]]
"""Given transactions of one kind, return {transaction id: title} for those it can name."""

_describers: dict[str, list[Describer]] = {}


def describer_register(*, kind: str, describe: Describer) -> None:
    _describers.setdefault(kind, []).append(describe)


def titles_for(transactions: Iterable[Transaction]) -> dict[int, str]:
    """Titles from the registered describers, one batch per transaction kind."""
    by_kind: dict[str, list[Transaction]] = {}
    for txn in transactions:
        if txn.kind in _describers:
            by_kind.setdefault(txn.kind, []).append(txn)
    titles: dict[int, str] = {}
    for kind, batch in by_kind.items():
        for describe in _describers[kind]:
            titles.update(describe(batch))
    return titles
