"""One small market with work pending for each periodic job: closed pricing windows to price,
budget periods to open, a drawing due to close. Built through the real services; `check_*` say
whether each piece of work was applied exactly once."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from ledger.models import AccountKind, AwardReason, BudgetPeriod, BudgetPolicy
from ledger.selectors import balance_of, wallet_summary
from ledger.services import period_start_for
from people.models import User
from pricing.engine import grid_floor
from pricing.models import Tick, TickLine
from pricing.services import parameters_set
from rewards.drawings import bid_place
from rewards.models import Drawing, DrawingState, Redemption, Reward
from rewards.services import quote_create, redemption_create, reward_create
from tests.people.factories import AgentFactory, SupervisorFactory, TeamFactory
from tests.rewards.conftest import fund_wallets
from tests.rewards.drawing_support import make_drawing, make_due

WALLET = 1_000


@dataclass
class Market:
    tick_seconds: int
    start: datetime
    rewards: list[Reward]
    supervisors: list[User]
    drawing: Drawing
    bidders: list[User]
    bids: dict[int, int]


def build_market(
    *, reason: AwardReason, windows: int = 120, rewards: int = 10, supervisors: int = 30,
    bidders: int = 12, tick_seconds: int = 60,
) -> Market:  # fmt: skip
    now = timezone.now()
    start = grid_floor(now - timedelta(seconds=windows * tick_seconds), tick_seconds)
    team = TeamFactory()
    agents = [AgentFactory(team=team) for _ in range(bidders)]
    fund_wallets(reason=reason, agents=agents, points=WALLET)
    parameters_set(actor=None, values={"tick_seconds": tick_seconds}, effective_from=start)
    catalogue = [
        reward_create(name_fi=f"Vika {n}", name_en=f"Fault {n}", base_price=20 + 5 * n,
                      at=start - timedelta(hours=1))
        for n in range(rewards)
    ]  # fmt: skip
    # Demand spread over the windows, so the ticks move prices.
    for n, agent in enumerate(agents[:6]):
        moment = start + timedelta(seconds=(n * 7 + 3) * tick_seconds + 5)
        reward = catalogue[n % len(catalogue)]
        quote = quote_create(employee=agent, reward=reward, at=moment)
        redemption_create(employee=agent, quote=quote, at=moment)

    bosses = []
    for n in range(supervisors):
        boss = SupervisorFactory()
        BudgetPolicy.objects.create(supervisor=boss, amount=100 + n)
        bosses.append(boss)

    drawing = make_drawing(rule="auction", stock=3, price=20)
    bids = {}
    for n, agent in enumerate(agents):
        bids[agent.pk] = 30 + 3 * n
        bid_place(drawing=drawing, employee=agent, amount=bids[agent.pk])
    make_due(drawing)
    return Market(tick_seconds, start, catalogue, bosses, drawing, agents, bids)


def windows_closed(market: Market, at: datetime | None = None) -> int:
    moment = at or timezone.now()
    return int((moment - market.start).total_seconds() // market.tick_seconds)


def pricing_done(market: Market, windows: int) -> bool:
    return Tick.objects.count() >= windows


def check_pricing(market: Market, windows: int) -> None:
    """The windows from the start are priced once each, back to back, every reward in each."""
    ticks = list(Tick.objects.order_by("window_start").values_list("window_start", "window_end"))
    assert len(ticks) >= windows
    assert ticks[0][0] == market.start
    for (_, end), (start, _) in itertools.pairwise(ticks):
        assert start == end, "windows must follow each other with no gap and no overlap"
    for start, end in ticks:
        assert end - start == timedelta(seconds=market.tick_seconds)
    lines = TickLine.objects.filter(reward__in=market.rewards).count()
    assert lines == len(ticks) * len(market.rewards)


def budgets_done(market: Market) -> bool:
    period = period_start_for()
    return BudgetPeriod.objects.filter(
        supervisor__in=market.supervisors, period_start=period
    ).count() == len(market.supervisors)


def check_budgets(market: Market) -> None:
    """Each supervisor's period was opened once and granted once."""
    period = period_start_for()
    for n, boss in enumerate(market.supervisors):
        assert BudgetPeriod.objects.filter(supervisor=boss).count() == 1
        assert BudgetPeriod.objects.filter(supervisor=boss, period_start=period).exists()
        assert balance_of(user=boss, kind=AccountKind.BUDGET) == 100 + n


def drawing_done(market: Market) -> bool:
    return Drawing.objects.get(pk=market.drawing.pk).state == DrawingState.CLOSED


def check_drawing(market: Market) -> None:
    """Closed once: three winners paid the clearing price once; everyone else's points are free."""
    drawing = Drawing.objects.get(pk=market.drawing.pk)
    assert drawing.state == DrawingState.CLOSED
    winners = list(
        Redemption.objects.filter(reward=drawing.reward).values_list("employee_id", "price_paid")
    )
    assert len(winners) == 3, winners
    assert len({employee for employee, _ in winners}) == 3
    price = winners[0][1]
    assert {paid for _, paid in winners} == {price}
    winning = {employee for employee, _ in winners}
    assert winning == set(sorted(market.bids, key=market.bids.__getitem__)[-3:])
    for agent in market.bidders:
        wallet = wallet_summary(user=agent)
        assert wallet.held == 0, agent
        spent = WALLET - wallet.balance
        bought_before = Redemption.objects.filter(employee=agent).exclude(reward=drawing.reward)
        spent -= sum(r.price_paid for r in bought_before)
        assert spent == (price if agent.pk in winning else 0), (agent.pk, spent)
