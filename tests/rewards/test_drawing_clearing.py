"""The clearing rules, as pure functions: properties (Hypothesis) and brute force on small cases."""

from __future__ import annotations

import hashlib
import itertools
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rewards.drawings.clearing import (
    VERIFY_SNIPPET,
    SealedBid,
    auction_clear,
    lottery_draw,
    lottery_ticket,
    seed_hash,
)

RESERVE = 10


@st.composite
def auctions(draw: st.DrawFn) -> tuple[list[SealedBid], int, int]:
    reserve = draw(st.integers(min_value=1, max_value=50))
    amounts = draw(st.lists(st.integers(min_value=reserve, max_value=reserve + 30), max_size=12))
    orders = draw(st.permutations(range(len(amounts))))
    bids = [
        SealedBid(key=i + 1, amount=a, order=o)
        for i, (a, o) in enumerate(zip(amounts, orders, strict=True))
    ]
    k = draw(st.integers(min_value=0, max_value=8))
    return bids, k, reserve


@settings(max_examples=400, deadline=None)
@given(auctions())
def test_auction_clearing_properties(case):
    bids, k, reserve = case
    result = auction_clear(bids, k, reserve)
    by_key = {bid.key: bid for bid in bids}

    # exactly min(k, bidders) win; everyone is either a winner or a loser
    assert len(result.winners) == min(k, len(bids))
    assert sorted(result.winners + result.losers) == sorted(by_key)
    if not result.winners:
        assert result.price is None
        return
    price = result.price
    assert price is not None
    # one price for all, at most every winning bid, at least every losing bid and the reserve
    assert all(by_key[w].amount >= price for w in result.winners)
    assert all(by_key[loser].amount <= price for loser in result.losers)
    assert price >= reserve
    # the price is the highest losing bid, or the reserve with no more bids than items
    if result.losers:
        assert price == max(by_key[loser].amount for loser in result.losers)
    else:
        assert price == reserve
    # points charged = winners x clearing price
    charged = sum(price for _ in result.winners)
    assert charged == len(result.winners) * price
    # equal bids: the earlier one wins
    for w in result.winners:
        for loser in result.losers:
            a, b = by_key[w], by_key[loser]
            assert a.amount > b.amount or (a.amount == b.amount and a.order < b.order)


def utility(value: int, bid: int, others: list[int], reserve: int) -> int:
    """The single-item payoff of bidding `bid` with true value `value` (ties go against us:
    our bid is placed last, the worst case for a deviation)."""
    bids = [SealedBid(key=i + 2, amount=a, order=i) for i, a in enumerate(others)]
    bids.append(SealedBid(key=1, amount=bid, order=len(others)))
    result = auction_clear(bids, 1, reserve)
    if result.winners == (1,):
        assert result.price is not None
        return value - result.price
    return 0


@pytest.mark.parametrize("others_count", [0, 1, 2, 3])
def test_single_item_truthful_bidding_is_best_brute_force(others_count):
    reserve = 3
    values = range(reserve, 9)
    for others in itertools.product(values, repeat=others_count):
        for value in values:
            truthful = utility(value, value, list(others), reserve)
            for deviation in values:
                assert utility(value, deviation, list(others), reserve) <= truthful, (
                    value,
                    deviation,
                    others,
                )


@settings(max_examples=300, deadline=None)
@given(
    value=st.integers(min_value=RESERVE, max_value=60),
    deviation=st.integers(min_value=RESERVE, max_value=60),
    others=st.lists(st.integers(min_value=RESERVE, max_value=60), max_size=6),
)
def test_single_item_no_gain_from_misreporting(value, deviation, others):
    assert utility(value, deviation, others, RESERVE) <= utility(value, value, others, RESERVE)


def test_ties_earlier_bid_wins_and_pays_the_tie():
    bids = [
        SealedBid(key=1, amount=20, order=2),
        SealedBid(key=2, amount=20, order=1),
        SealedBid(key=3, amount=15, order=0),
    ]
    result = auction_clear(bids, 1, RESERVE)
    assert result.winners == (2,)
    assert result.price == 20


def test_fewer_bids_than_items_pay_the_reserve():
    bids = [SealedBid(key=1, amount=40, order=0), SealedBid(key=2, amount=12, order=1)]
    result = auction_clear(bids, 3, RESERVE)
    assert set(result.winners) == {1, 2}
    assert result.price == RESERVE


def test_bids_below_the_reserve_are_a_programming_error():
    with pytest.raises(ValueError):
        auction_clear([SealedBid(key=1, amount=RESERVE - 1, order=0)], 1, RESERVE)


@settings(max_examples=100, deadline=None)
@given(
    entries=st.lists(st.integers(min_value=1, max_value=10**9), unique=True, max_size=30),
    k=st.integers(min_value=0, max_value=10),
)
def test_lottery_draw_recomputes_from_the_published_seed(entries, k):
    seed = secrets.token_hex(32)
    winners, losers = lottery_draw(seed, entries, k)
    assert len(winners) == min(k, len(entries))
    assert sorted(winners + losers) == sorted(entries)
    # what the page tells people to run
    published_hash = seed_hash(seed)
    namespace = {"ENTRY_IDS": entries, "SEED": seed, "SEED_HASH": published_hash, "K": k}
    ranked = sorted(entries, key=lambda e: hashlib.sha256(f"{seed}:{e}".encode()).hexdigest())
    assert ranked[:k] == winners
    exec(VERIFY_SNIPPET.replace("print(", "result = ("), namespace)
    assert namespace["result"] == (True, winners)


def test_lottery_ticket_is_sha256_of_seed_and_entry():
    assert lottery_ticket("abc", 7) == hashlib.sha256(b"abc:7").hexdigest()
