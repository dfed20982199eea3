"""Sealed bids stay sealed in the Django admin: the Hold and Account pages show another
person's held amount and memo only once the drawing closed (HR and superusers included)."""

from __future__ import annotations

import pytest
from django.test import Client

from ledger.models import Account, AccountKind, Hold, HoldState
from rewards.drawings import bid_place, drawing_close
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory
from tests.rewards.conftest import fund_wallets
from tests.rewards.drawing_support import make_drawing, make_due

pytestmark = pytest.mark.django_db

BIDS = (137, 149)  # distinctive numbers: not ids, counts or balances on the pages


def admin_client(user) -> Client:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def open_drawing(reason):
    bidders = [AgentFactory(), AgentFactory()]
    fund_wallets(reason=reason, agents=bidders, points=300)
    drawing = make_drawing(stock=1, price=50)
    for bidder, amount in zip(bidders, BIDS, strict=True):
        bid_place(drawing=drawing, employee=bidder, amount=amount)
    # a raised bid leaves a voided hold behind with the old amount: sealed as well
    bid_place(drawing=drawing, employee=bidders[0], amount=BIDS[0] + 30)
    return drawing, bidders


def pages(client: Client, bidders) -> list[str]:
    holds = list(Hold.objects.all())
    wallets = [Account.objects.get(owner=b, kind=AccountKind.WALLET) for b in bidders]
    urls = ["/admin/ledger/hold/", "/admin/ledger/account/"]
    urls += [f"/admin/ledger/hold/{h.pk}/change/" for h in holds]
    urls += [f"/admin/ledger/account/{w.pk}/change/" for w in wallets]
    out = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        out.append(response.content.decode())
    return out


@pytest.mark.parametrize(
    "viewer", [HRFactory, lambda: SupervisorFactory(is_superuser=True)], ids=["hr", "superuser"]
)
def test_held_amounts_and_memos_are_sealed_while_the_drawing_is_open(open_drawing, viewer):
    drawing, bidders = open_drawing
    client = admin_client(viewer())
    texts = pages(client, bidders)
    memo = f"drawing {drawing.pk}:"
    for text in texts:
        for amount in (*BIDS, BIDS[0] + 30):
            assert f">{amount}<" not in text
        assert memo not in text
    assert any("sealed" in text or "sinetöity" in text for text in texts)
    # nor can a search on the memo tell who bid
    found = client.get("/admin/ledger/hold/", {"q": f"drawing {drawing.pk}"}).content.decode()
    assert bidders[0].username not in found


def test_after_the_close_the_winning_hold_shows(open_drawing):
    drawing, _bidders = open_drawing
    make_due(drawing)
    drawing_close(drawing=drawing)
    won = Hold.objects.get(state=HoldState.POSTED)
    client = admin_client(HRFactory())
    text = client.get(f"/admin/ledger/hold/{won.pk}/change/").content.decode()
    assert f">{won.amount}<" in text
    assert f"drawing {drawing.pk}:" in text


def test_the_bidder_sees_their_own_hold(open_drawing):
    _drawing, bidders = open_drawing
    bidder = bidders[1]  # staff, as an HR person who bids would be
    client = admin_client(bidder)
    bidder.role = "hr"
    bidder.save(update_fields=["role"])
    pending = Hold.objects.get(account__owner=bidder, state=HoldState.PENDING)
    text = client.get(f"/admin/ledger/hold/{pending.pk}/change/").content.decode()
    assert f">{BIDS[1]}<" in text


def test_the_bid_page_does_not_rank_open_bids(open_drawing):
    # Bid's model ordering is by amount: the admin list must not use it while bids are sealed.
    _drawing, bidders = open_drawing
    client = admin_client(HRFactory())
    text = client.get("/admin/rewards/bid/").content.decode()
    first, second = (text.index(f">{b.display_name}<") for b in bidders)
    # the higher bid (bidders[0], raised to 167) came first: newest first puts it second
    assert second < first
    for amount in (*BIDS, BIDS[0] + 30):
        assert f">{amount}<" not in text
