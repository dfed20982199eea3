"""A leaver's points under real concurrency: PostgreSQL, real threads, one connection each."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import ApplicationError
from ledger.models import AccountKind, Transaction, TransactionKind
from ledger.selectors import ledger_verify, wallet_summary
from ledger.services import account_system
from rewards import services
from rewards.leavers.services import leaver_policy_set, leaver_settle, leavers_settle_due
from rewards.models import LeaverMode, LeaverSettlement, Redemption
from tests.rewards.factories import RewardFactory
from tests.threads import run_in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]

END = date(2027, 1, 31)
TODAY = date(2027, 2, 1)


def total(kind: str) -> int:
    return sum(account_system(kind).entries.values_list("amount", flat=True))


@pytest.fixture
def leaver(crew, fund):
    agent = crew.agents[0]
    fund([agent], 420)
    agent.employment_end = END
    agent.save(update_fields=["employment_end"])
    return agent


@pytest.mark.parametrize("mode", [LeaverMode.LAPSE, LeaverMode.CONVERT])
@pytest.mark.parametrize("round_", [1, 2, 3])
def test_a_purchase_by_the_leaver_while_the_job_settles_creates_or_loses_no_point(
    crew, leaver, mode, round_
):
    # given: the leaver holds a quote for a 300-point reward; HR's policy lapses or converts
    reward = RewardFactory(base_price=300, stock=5)
    gift_card = RewardFactory(base_price=100, stock=10)
    leaver_policy_set(
        actor=crew.hr,
        mode=mode,
        grace_days=0,
        convert_reward_id=gift_card.pk if mode == LeaverMode.CONVERT else None,
    )
    quote = services.quote_create(employee=leaver, reward=reward)
    sink_before = total(AccountKind.REDEMPTIONS)

    # when: the purchase and the settlement race
    def work(i: int) -> str:
        try:
            if i == 0:
                services.redemption_create(employee=leaver, quote=quote)
            else:
                leaver_settle(person=leaver, actor=None, today=TODAY)
        except ApplicationError as exc:
            return exc.code
        return "ok"

    outcomes = run_in_threads(2, work)

    # then: one order or the other, never both spending the same points
    assert outcomes[1] == "ok"
    bought = Redemption.objects.filter(employee=leaver, reward=reward).count()
    assert (outcomes[0], bought) in {("ok", 1), ("insufficient_points", 0)}
    settlement = LeaverSettlement.objects.get(person=leaver)
    spent = total(AccountKind.REDEMPTIONS) - sink_before
    assert spent == 300 * bought + settlement.converted
    assert settlement.lapsed == total(AccountKind.LEAVER_LAPSED)
    assert spent + settlement.lapsed == 420
    assert wallet_summary(user=leaver).balance == 0
    assert ledger_verify() == []


def test_two_workers_settling_at_once_settle_once(crew, leaver):
    leaver_policy_set(actor=crew.hr, mode=LeaverMode.LAPSE, grace_days=0)

    settled = run_in_threads(3, lambda i: leavers_settle_due(today=TODAY))

    assert sum(settled) == 1
    assert LeaverSettlement.objects.filter(person=leaver).count() == 1
    assert Transaction.objects.filter(kind=TransactionKind.LEAVER_LAPSE).count() == 1
    assert total(AccountKind.LEAVER_LAPSED) == 420
    assert ledger_verify() == []
