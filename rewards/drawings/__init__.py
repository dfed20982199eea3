"""Drawings: scarce rewards given out by sealed-bid auction or verifiable lottery, with ledger
holds. `services` holds every write, `clearing` the pure rules, `selectors` the reads; `apis`,
`views` and `forms` are thin."""

from .services import (
    MAX_BID,
    bid_place,
    bid_withdraw,
    drawing_close,
    drawing_create,
    drawing_open,
    drawings_sweep,
)

__all__ = [
    "MAX_BID",
    "bid_place",
    "bid_withdraw",
    "drawing_close",
    "drawing_create",
    "drawing_open",
    "drawings_sweep",
]
