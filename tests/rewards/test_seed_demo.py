"""`seed_demo`: the catalogue, a year of awards and redemptions by persona, once and the same."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from io import StringIO
from statistics import mean
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from ledger.demo import NEWCOMERS
from ledger.models import AccountKind, Award, AwardReason, BudgetPeriod, Entry, Transaction
from ledger.selectors import balance_of, ledger_verify
from people.models import EmploymentType, Role, Team, User
from pricing.models import Tick
from pricing.replay import pricing_replay
from rewards.demo import BINGE, CHRISTMAS_SWAP, SAVER, STEADY, assign_personas, seed_demo
from rewards.models import Redemption, RedemptionState, Reward, RewardCategory, Wish

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development(settings) -> None:
    """The command runs where scripts/run.sh runs it: DJANGO_ENV=development."""
    settings.DEVELOPMENT = True


def running_balances() -> dict[str, list[int]]:
    """Each agent's wallet balance after every entry, in the order of the entries' moments."""
    entries = (
        Entry.objects.filter(account__kind=AccountKind.WALLET)
        .order_by("transaction__created_at", "transaction_id")
        .values_list("account__owner__username", "amount")
    )
    balance: dict[str, int] = defaultdict(int)
    series: dict[str, list[int]] = defaultdict(list)
    for username, amount in entries:
        balance[username] += amount
        series[username].append(balance[username])
    return series


def test_seed_demo_builds_a_year_of_market_history_once():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    assert "hr" in printed and "pojo-demo" in printed and "redemptions per agent" in printed

    # The people and the ledger, as before.
    assert Team.objects.count() == 3
    assert User.objects.filter(role=Role.SUPERVISOR).count() == 3
    agents = list(User.objects.filter(role=Role.AGENT))
    assert len(agents) == 30 + 2  # ten a team with a year of history; two joined six weeks ago
    newcomers = {username for username, *_ in NEWCOMERS}
    agents = [a for a in agents if a.username not in newcomers]  # the market's shoppers
    assert sum(a.employment_type == EmploymentType.AGENCY for a in agents) >= 5
    assert User.objects.filter(role=Role.HR, is_superuser=True).count() == 1
    assert BudgetPeriod.objects.count() == 3 * 12
    first_award = Award.objects.order_by("created_at").first()
    assert first_award is not None
    assert first_award.created_at < datetime.now(UTC) - timedelta(days=300), "a year of awards"

    # The catalogue: about 25 rewards in every category, from the original.
    rewards = Reward.objects.all()
    assert 22 <= rewards.count() <= 30
    assert set(rewards.values_list("category", flat=True)) == set(RewardCategory.values)
    names = " ".join(rewards.values_list("name_en", flat=True))
    for word in ("Spa", "Theatre", "Aalto vase", "hoodie", "Moomin", "Marimekko", "Fiskars"):
        assert word in names
    swap = Reward.objects.get(name_en=CHRISTMAS_SWAP)
    assert swap.name_fi == "Vaihda jouluaaton vuoro pois"
    assert (swap.category, swap.stock, swap.needs_approval) == (RewardCategory.TIME_OFF, 3, True)
    drawing = swap.drawings.get()  # this Christmas's places go by sealed-bid auction
    assert (drawing.rule, drawing.state, drawing.k) == ("auction", "open", 3)
    assert rewards.filter(stock__isnull=False).count() >= 5
    assert all(40 <= r.base_price <= 1200 for r in rewards)
    # A year of daily repricing moved prices, inside the band, and the replay agrees.
    assert all(r.base_price / 2 <= r.current_price <= r.base_price * 2 for r in rewards)
    assert any(r.current_price != r.base_price for r in rewards)
    assert Tick.objects.count() >= 365 and pricing_replay().ok

    # A year of redemptions: about six per person, in every state.
    redemptions = Redemption.objects.all()
    per_agent = redemptions.count() / len(agents)
    assert 4 <= per_agent <= 8
    first = redemptions.order_by("created_at").first()
    assert first is not None and first.created_at < datetime.now(UTC) - timedelta(days=270)
    states = set(redemptions.values_list("state", flat=True))
    assert states == set(RedemptionState.values), states
    assert redemptions.filter(reward__needs_approval=True, state="fulfilled").exists()
    pending = redemptions.filter(state=RedemptionState.PENDING)
    assert pending.count() >= 2, "the supervisors have something in their approval queue"
    refunded = redemptions.filter(state__in=["cancelled", "rejected"]).select_related("refund")
    for redemption in refunded:
        assert redemption.refund is not None
        assert redemption.refund.created_at > redemption.created_at
    assert all(r.updated_at >= r.created_at for r in redemptions)

    # Personas show in the data.
    persona = assign_personas([a.username for a in agents])
    assert sum(p == BINGE for p in persona.values()) == 10
    assert sum(p == SAVER for p in persona.values()) == 8
    count: dict[str, int] = defaultdict(int)
    for username in redemptions.values_list("employee__username", flat=True):
        count[username] += 1
    by_persona = {
        kind: [count[name] for name, p in persona.items() if p == kind]
        for kind in (BINGE, SAVER, STEADY)
    }
    assert mean(by_persona[BINGE]) > mean(by_persona[STEADY]) > mean(by_persona[SAVER])
    series = running_balances()
    binge_kept = mean(mean(series[n]) for n, p in persona.items() if p == BINGE)
    saver_peak = mean(max(series[n]) for n, p in persona.items() if p == SAVER)
    assert binge_kept < saver_peak / 2
    big_buys = redemptions.filter(price_paid__gte=600, employee__username__in=list(persona))
    assert {persona[u] for u in big_buys.values_list("employee__username", flat=True)} >= {SAVER}
    assert Wish.objects.filter(employee__username__in=[n for n, p in persona.items() if p == SAVER])

    # Every purchase was covered when it was made, and the ledger agrees with itself.
    assert all(value >= 0 for values in series.values() for value in values)
    for agent in agents:
        assert balance_of(user=agent) == (series[agent.username] or [0])[-1]
    assert ledger_verify() == []

    counts = (
        User.objects.count(),
        Transaction.objects.count(),
        Reward.objects.count(),
        Redemption.objects.count(),
    )
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert counts == (
        User.objects.count(),
        Transaction.objects.count(),
        Reward.objects.count(),
        Redemption.objects.count(),
    )


def test_seed_demo_is_deterministic():
    class Rollback(Exception):
        pass

    def seed_and_read() -> tuple[list[tuple[Any, ...]], ...]:
        try:
            with transaction.atomic():
                result = seed_demo(now=NOW, months=3)
                assert result.created and result.redemptions > 20
                awards = list(
                    Award.objects.order_by("created_at", "id").values_list(
                        "giver__username", "recipient__username", "points", "reason__code"
                    )
                )
                fields = ("employee__username", "reward__name_en", "price_paid", "state")
                redemptions = list(
                    Redemption.objects.order_by("created_at", "id").values_list(
                        *fields, "created_at", "updated_at"
                    )
                )
                raise Rollback
        except Rollback:
            return awards, redemptions

    first = seed_and_read()
    assert User.objects.count() == 0, "the first run was rolled back"
    assert first == seed_and_read()
    assert max(r[4] for r in first[1]) < NOW


def test_seed_demo_sends_no_notifications_for_history(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        result = seed_demo(now=NOW, months=2)
    assert result.awards > 50 and result.redemptions > 0
    assert callbacks == []


def test_seed_demo_adds_only_the_catalogue_to_an_older_demo():
    from ledger.demo import seed_demo as seed_ledger_demo

    seed_ledger_demo(now=NOW, months=1)
    transactions = Transaction.objects.count()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "added the" in out.getvalue()
    assert Reward.objects.count() >= 22
    assert Transaction.objects.count() == transactions
    assert not Redemption.objects.exists()


def test_seed_demo_stays_within_the_award_cap_whatever_reasons_exist(settings):
    # given: a reason saved with a range above today's cap (the database allows it; only the
    # services and the admin refuse it now)
    AwardReason.objects.create(
        code="heroics", name_fi="Sankariteko", name_en="Heroics", suggested_min=400,
        suggested_max=900,
    )  # fmt: skip
    settings.AWARD_MAX_POINTS = 450

    # when
    result = seed_demo(now=NOW, months=2)

    # then: it ran through, and no award went above the cap
    assert result.created
    assert Award.objects.filter(reason__code="heroics").exists()
    assert not Award.objects.filter(points__gt=450).exists()
