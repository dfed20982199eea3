"""The clearing rules of drawings, as pure functions (no database), so they can be tested alone.

Sealed-bid auction (uniform price, k items): the k highest bids win; equal bids rank by the time
the current amount was placed (earlier first), then by bid id. Every winner pays the same price:
the highest losing bid, or the reserve when there are no more bids than items. With one item
this is a second-price (Vickrey) auction, where bidding your true value is the best strategy.

Lottery: rank entries by sha256(f"{seed}:{entry_id}") in hexadecimal, ascending; the first k
win. The seed's hash is published when the drawing opens and the seed when it closes, so anyone
can recompute the ranking.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SealedBid:
    key: int
    amount: int
    # Anything ordered: e.g. (placed_at, id). Smaller ranks first among equal amounts.
    order: Hashable


@dataclass(frozen=True)
class AuctionResult:
    winners: tuple[int, ...]
    losers: tuple[int, ...]
    price: int | None  # None when nobody won


def auction_clear(bids: Sequence[SealedBid], k: int, reserve: int) -> AuctionResult:
    """Who wins and the one clearing price they all pay (see the module docstring)."""
    if k < 0 or reserve < 1:
        raise ValueError("k must be >= 0 and the reserve >= 1")
    if any(bid.amount < reserve for bid in bids):
        raise ValueError("every bid must be at least the reserve")
    ranked = sorted(bids, key=lambda bid: (-bid.amount, bid.order, bid.key))
    winners, losers = ranked[:k], ranked[k:]
    if not winners:
        price = None
    elif losers:
        price = max(reserve, losers[0].amount)
    else:
        price = reserve
    return AuctionResult(
        winners=tuple(bid.key for bid in winners),
        losers=tuple(bid.key for bid in losers),
        price=price,
    )


def lottery_ticket(seed: str, entry_id: int) -> str:
    """The entry's draw number: sha256 of "seed:entry_id", hexadecimal."""
    return hashlib.sha256(f"{seed}:{entry_id}".encode()).hexdigest()


def lottery_draw(seed: str, entries: Sequence[int], k: int) -> tuple[list[int], list[int]]:
    """(winners, losers): entries ranked by their ticket ascending; the first k win."""
    ranked = sorted(entries, key=lambda entry: (lottery_ticket(seed, entry), entry))
    return ranked[:k], ranked[k:]


def seed_hash(seed: str) -> str:
    """What is published when the drawing opens: sha256 of the seed, hexadecimal."""
    return hashlib.sha256(seed.encode()).hexdigest()


VERIFY_SNIPPET = """import hashlib
ranked = sorted(ENTRY_IDS, key=lambda e: hashlib.sha256(f"{SEED}:{e}".encode()).hexdigest())
print(hashlib.sha256(SEED.encode()).hexdigest() == SEED_HASH, ranked[:K])"""
"""Three lines of Python anyone can run to check a lottery (names filled in on the page)."""
