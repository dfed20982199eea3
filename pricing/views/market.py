"""The market's catalogue pages with their prices: the list with the movers ticker and each
reward's detail with its price chart and explanation.

They compose the market (`rewards`) with pricing's reads, so they live here, above both: the
market itself never imports pricing.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ledger.selectors import wallet_summary
from people.models import User
from rewards import selectors as market_selectors
from rewards.forms import MarketFilterForm, WishForm
from rewards.models import LIVE_DRAWING_STATES, Reward, Wish

from .. import market as pricing
from ..selectors import price_explanation


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


def _change_percent(reward: Reward) -> float:
    return round((reward.current_price - reward.base_price) * 100 / reward.base_price, 1)


def _wished_reward_ids(user: User) -> set[int]:
    return set(Wish.objects.filter(employee=user).values_list("reward_id", flat=True))


@login_required
def reward_list_view(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = MarketFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    search = (data.get("q") or "").strip()
    qs = market_selectors.reward_catalogue(
        user=me,
        category=data.get("category") or "",
        search=search,
        ordering=data.get("sort") or "name",
    ).filter(active=True)
    rewards = list(pricing.with_pricing(qs))
    balance = wallet_summary(user=me).available  # held points cannot be spent
    priced = pricing.cards_pricing(rewards)
    cards = [
        {
            "reward": r,
            "pricing": priced[r.pk],
            "affordable": priced[r.pk].pay <= balance,
            "missing": max(0, priced[r.pk].pay - balance),
        }
        for r in rewards
    ]
    context = {
        "form": form,
        "cards": cards,
        "balance": balance,
        "wished_ids": _wished_reward_ids(me),
        "filtered": bool(data.get("category") or search),
        "movers": pricing.ticker(),
        "countdown": pricing.countdown(),
    }
    return render(request, "rewards/market.html", context)


@login_required
def reward_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    reward = get_object_or_404(
        pricing.with_pricing(
            market_selectors.with_popularity(market_selectors.rewards_for(user=me))
        ),
        pk=pk,
    )
    balance = wallet_summary(user=me).available  # held points cannot be spent
    priced = pricing.cards_pricing([reward])[reward.pk]
    days = pricing.days_from(request.GET.get("days"))
    context = {
        "drawing": reward.drawings.filter(state__in=LIVE_DRAWING_STATES).first(),
        "reward": reward,
        "pricing": priced,
        "vs_base": _change_percent(reward),
        "balance": balance,
        "missing": max(0, priced.pay - balance),
        "wish": Wish.objects.filter(employee=me, reward=reward).first(),
        "wish_form": WishForm(),
        "history": pricing.history(reward=reward, days=days),
        "history_days": pricing.HISTORY_DAYS,
        "explanation": price_explanation(reward=reward),
    }
    return render(request, "rewards/detail.html", context)
