"""How the market's transactions read on a points statement (registered with the ledger)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ledger.describers import describer_register
from ledger.models import Transaction, TransactionKind

from .models import Redemption


def _redemption_titles(transactions: list[Transaction]) -> dict[int, str]:
    redemptions = Redemption.objects.filter(debit__in=transactions).select_related("reward")
    return {
        r.debit_id: _("Redemption: %(reward)s") % {"reward": r.reward.name} for r in redemptions
    }


def _refund_titles(transactions: list[Transaction]) -> dict[int, str]:
    by_debit = {t.reverses_id: t.pk for t in transactions if t.reverses_id}
    redemptions = Redemption.objects.filter(debit_id__in=by_debit).select_related("reward")
    return {
        by_debit[r.debit_id]: _("Refund: %(reward)s") % {"reward": r.reward.name}
        for r in redemptions
    }


def register() -> None:
    describer_register(kind=TransactionKind.REDEMPTION, describe=_redemption_titles)
    describer_register(kind=TransactionKind.REVERSAL, describe=_refund_titles)
