"""Every write to the ledger goes through these functions."""

from .accounts import account_system, budget_account_for, wallet_for
from .awards import award_create, award_reason_create, award_reason_update, award_recipient
from .budgets import budget_period_open, budget_periods_open, budget_policy_set, period_start_for
from .bulk import BulkAward, BulkLeg, BulkPosting, transactions_post_bulk, wallets_ensure
from .holds import HoldClosedError, hold_create, hold_post, hold_void, holds_void
from .idempotency import idempotent_call
from .postings import Leg, transaction_post, transaction_refund, transaction_reverse
from .thanks import (
    thanks_award,
    thanks_award_message,
    thanks_create,
    thanks_react,
    thanks_suggested_points,
)

__all__ = [
    "BulkAward",
    "BulkLeg",
    "BulkPosting",
    "HoldClosedError",
    "Leg",
    "account_system",
    "award_create",
    "award_reason_create",
    "award_reason_update",
    "award_recipient",
    "budget_account_for",
    "budget_period_open",
    "budget_periods_open",
    "budget_policy_set",
    "hold_create",
    "hold_post",
    "hold_void",
    "holds_void",
    "idempotent_call",
    "period_start_for",
    "thanks_award",
    "thanks_award_message",
    "thanks_create",
    "thanks_react",
    "thanks_suggested_points",
    "transaction_post",
    "transaction_refund",
    "transaction_reverse",
    "transactions_post_bulk",
    "wallet_for",
    "wallets_ensure",
]
