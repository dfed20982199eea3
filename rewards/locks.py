"""Row locks of the market, in the project's one order: reward, then redemption, then ledger
accounts by primary key (the ledger's `transaction_post` takes those last)."""

from __future__ import annotations

from .models import Redemption, Reward


def reward_lock(*, reward_id: int) -> Reward:
    """Lock one reward row (FOR UPDATE): every purchase and restock of it queues here."""
    return Reward.objects.select_for_update().get(pk=reward_id)


def redemption_lock(*, redemption_id: int) -> Redemption:
    """Lock one redemption row, so its state is read and changed by one transaction at a time."""
    # `of=("self",)`: lock only the redemption, not the joined reward and people.
    return (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("reward", "employee", "debit")
        .get(pk=redemption_id)
    )
