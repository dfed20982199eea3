"""Validators every app shares."""

from __future__ import annotations

from typing import TypeGuard


def is_whole_number(
    value: object, *, low: int | None = None, high: int | None = None
) -> TypeGuard[int]:
    """True for a real `int` within `[low, high]` (either bound optional).

    Points and counts are money-like: `True`, `"10"` and `10.0` are refused rather than quietly
    converted, so a client bug cannot slip through as a silent conversion.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    if low is not None and value < low:
        return False
    return high is None or value <= high
