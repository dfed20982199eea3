"""`rewards.services.redemption_purchase`: buying once per idempotency key, and the one re-quote
rule that the confirm page and the API share."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ledger.selectors import balance_of, ledger_verify
from rewards import services
from rewards.errors import NotYourQuoteError, OutOfStockError, PriceChangedError
from rewards.models import Quote, Redemption, Reward
from tests.api_support import db_state
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db


def purchase(agent, quote_id: int, key: str = "k-1"):
    return services.redemption_purchase(
        employee=agent,
        quote_id=quote_id,
        idempotency_key=key,
        scope="test.purchase",
        answer=lambda redemption: {"redemption": redemption.pk, "paid": redemption.price_paid},
    )


def test_a_repeat_with_the_same_key_replays_the_first_answer_and_buys_once(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    quote = services.quote_create(employee=agent, reward=RewardFactory(base_price=60))

    first = purchase(agent, quote.pk)
    again = purchase(agent, quote.pk)

    assert first == again == (201, {"redemption": first[1]["redemption"], "paid": 60})
    assert Redemption.objects.count() == 1
    assert balance_of(user=agent) == 40


def test_a_risen_price_after_expiry_refuses_and_hands_back_a_fresh_quote_that_outlives_it(
    crew, fund
):
    # given: an expired quote at 60, and the price has risen to 80 since
    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(base_price=60)
    quote = services.quote_create(employee=agent, reward=reward)
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    Reward.objects.filter(pk=reward.pk).update(current_price=80)
    before = db_state()

    # when
    with pytest.raises(PriceChangedError) as refused:
        purchase(agent, quote.pk)

    # then: nothing was bought, the old quote is unused, and a fresh one at 80 is stored
    fresh = refused.value.fresh_quote
    assert fresh is not None and fresh.pk != quote.pk
    assert Quote.objects.get(pk=fresh.pk).price == 80
    assert Quote.objects.get(pk=quote.pk).used_at is None
    after = db_state()
    assert after.pop("quotes") == [*before.pop("quotes"), (fresh.pk, agent.pk, 80, None)]
    assert after == before

    # and the fresh quote buys
    assert purchase(agent, fresh.pk, key="k-2")[1]["paid"] == 80
    assert ledger_verify() == []


def test_someone_elses_quote_is_refused_and_writes_nothing(crew, fund):
    owner, other = crew.agents[0], crew.agents[1]
    fund([owner, other], 100)
    quote = services.quote_create(employee=owner, reward=RewardFactory(base_price=60))
    before = db_state()
    with pytest.raises(NotYourQuoteError):
        purchase(other, quote.pk)
    assert db_state() == before


def test_the_shared_redemption_write_refuses_the_last_item_twice(crew, fund):
    # given: one item, bought; the reward row still says one (as a caller without the lock would)
    agent = crew.agents[0]
    fund([agent], 200)
    reward = RewardFactory(base_price=50, stock=1)
    bought = services.redemption_create(
        employee=agent, quote=services.quote_create(employee=agent, reward=reward)
    )
    assert bought.reward.stock == 1  # the in-memory row; the database says 0
    # when / then: the conditional decrement in the database has the last word
    with pytest.raises(OutOfStockError):
        services.redemption_record(
            employee=agent,
            reward=bought.reward,
            quote=None,
            price=50,
            debit=bought.debit,
            now=timezone.now(),
        )
    assert Redemption.objects.count() == 1
