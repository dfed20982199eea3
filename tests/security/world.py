"""A small company with real objects of every kind, for the security walks.

Two teams: team A (supervisor `sup_a`, agents `agent_a` and `agent_a2`) and team B (supervisor
`sup_b`, agent `agent_b`), and HR. The people who make requests are `agent_a`, `sup_a` and `hr`;
every object of the walk belongs to team B (or to no one), so for the agent and the supervisor
it is always somebody else's. Everything is made through the real services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from insights.models import IntegrityFlag, IntegrityKind
from ledger.models import Award, AwardReason, Entry, Hold, Thanks
from ledger.services import award_create, award_reason_create, thanks_create
from notifications.models import ChatChannel, ChatDelivery, Notification
from people.models import Role, Team, User
from people.roster.services import roster_preview_create
from people.services import api_token_create, person_create, team_create
from pricing.models import Sale, Tick
from pricing.services import parameters_set, pricing_tick_run, sale_create
from rewards.drawings import bid_place, drawing_create
from rewards.models import Bid, Drawing, Quote, Redemption, Reward, Wish
from rewards.services import quote_create, redemption_create, reward_create, wish_add
from tests.api_support import db_state
from tests.conftest import fund_budget

PASSWORD = "correct-horse-battery"


@dataclass
class SecurityWorld:
    team_a: Team
    team_b: Team
    sup_a: User
    sup_b: User
    agent_a: User
    agent_a2: User
    agent_b: User
    hr: User
    reason: AwardReason
    award_b: Award
    thanks_b: Thanks  # sup_b thanks agent_b: team B's, for everyone who asks
    reward: Reward
    reward_hidden: Reward
    quote_b: Quote
    redemption_b: Redemption
    drawing: Drawing
    bid_b: Bid
    wish_b: Wish
    tick: Tick
    sale: Sale
    token_b: Any  # agent_b's API token, by its public id (`.pk` is the id the URLs take)
    audit_event: Any
    integrity_flag: Any = None  # an open flag on award_b (insights.models.IntegrityFlag)
    roster_import: Any = None  # a stored roster preview (HR's), not applied
    chat_channel: Any = None  # team B's Slack channel (HR's Teams and Slack pages)

    def role(self, name: str) -> User | None:
        return {"anonymous": None, "agent": self.agent_a, "supervisor": self.sup_a, "hr": self.hr}[
            name
        ]


def build_world() -> SecurityWorld:
    def person(username: str, role: str, team: Team | None = None) -> User:
        return person_create(
            username=username, display_name=username, password=PASSWORD, role=role, team=team
        )

    team_a = team_create(name="Team A", leaders=None)
    team_b = team_create(name="Team B", leaders=None)
    sup_a = person("sup_a", Role.SUPERVISOR)
    sup_b = person("sup_b", Role.SUPERVISOR)
    team_a.leaders.add(sup_a)
    team_b.leaders.add(sup_b)
    agent_a = person("agent_a", Role.AGENT, team_a)
    agent_a2 = person("agent_a2", Role.AGENT, team_a)
    agent_b = person("agent_b", Role.AGENT, team_b)
    hr = person("hr", Role.HR)  # staff, as HR people are

    reason = award_reason_create(
        code="customer-feedback",
        name_fi="Asiakaspalaute",
        name_en="Customer feedback",
        suggested_min=10,
        suggested_max=100,
    )
    fund_budget(sup_a, 1000)
    fund_budget(sup_b, 1000)
    for agent in (agent_a, agent_a2):
        award_create(giver=sup_a, recipient=agent, reason=reason, points=300)
    award_b = award_create(giver=sup_b, recipient=agent_b, reason=reason, points=400)
    thanks_b = thanks_create(giver=sup_b, recipient=agent_b, reason=reason, message="Kiitos!")

    # The pricing clock started three days ago: two closed windows become two ticks.
    start = timezone.now() - timedelta(days=3)
    parameters_set(actor=hr, values={"tick_seconds": 86_400}, effective_from=start)
    reward = reward_create(
        name_fi="Elokuvaliput", name_en="Cinema tickets", base_price=50, needs_approval=True
    )
    reward_hidden = reward_create(name_fi="Piilotettu", name_en="Hidden", base_price=40)
    reward_hidden.active = False
    reward_hidden.save(update_fields=["active"])
    scarce = reward_create(name_fi="Konsertti", name_en="Concert", base_price=60, stock=2)

    quote_b = quote_create(employee=agent_b, reward=reward)
    redemption_b = redemption_create(
        employee=agent_b, quote=quote_create(employee=agent_b, reward=reward)
    )
    ticks = pricing_tick_run(limit=1)

    now = timezone.now()
    drawing = drawing_create(
        actor=hr,
        reward=scarce,
        rule="auction",
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=2),
        floor=None,
    )
    bid_b = bid_place(drawing=drawing, employee=agent_b, amount=70)
    sale = sale_create(
        actor=hr,
        name="Spring",
        multiplier="0.8",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=2),
        rewards=[reward],
    )
    flag = IntegrityFlag.objects.create(
        kind=IntegrityKind.REPEATED_MESSAGE, fingerprint="world", params={"repeats": 1}
    )
    flag.awards.set([award_b])
    flag.people.set([sup_b, agent_b])
    return SecurityWorld(
        team_a=team_a,
        team_b=team_b,
        sup_a=sup_a,
        sup_b=sup_b,
        agent_a=agent_a,
        agent_a2=agent_a2,
        agent_b=agent_b,
        hr=hr,
        reason=reason,
        award_b=award_b,
        thanks_b=thanks_b,
        reward=reward,
        reward_hidden=reward_hidden,
        quote_b=quote_b,
        redemption_b=redemption_b,
        drawing=drawing,
        bid_b=bid_b,
        wish_b=wish_add(employee=agent_b, reward=reward, target_price=30),
        tick=ticks[0],
        sale=sale,
        token_b=SimpleNamespace(pk=api_token_create(user=agent_b).token.token_key),
        audit_event=AuditEvent.objects.order_by("pk").first(),
        integrity_flag=flag,
        roster_import=roster_preview_create(
            data=b"employee_id,name,email,team,supervisors\n"
            b"B1,agent_b,agent_b@example.com,Team B,\nB9,Newcomer,new@example.com,Team B,\n",
            actor=hr,
        ),
        chat_channel=ChatChannel.objects.create(
            team=team_b, kind="slack", name="#team-b", webhook_url="https://8.8.8.8/hook-b"
        ),
    )


def money_state() -> dict[str, Any]:
    """What a refused request must leave as it was: the API snapshot plus the market's drawings,
    holds, sales, wishes and notifications."""
    return {
        **db_state(),
        "entries_sum": sorted(Entry.objects.values_list("account_id", "amount")),
        "holds": sorted(Hold.objects.values_list("id", "state", "amount")),
        "drawings": sorted(Drawing.objects.values_list("id", "state", "closes_at")),
        "bids": sorted(Bid.objects.values_list("id", "employee_id", "amount", "withdrawn")),
        "sales": sorted(Sale.objects.values_list("id", "cancelled_at")),
        "wishes_all": sorted(Wish.objects.values_list("employee_id", "reward_id", "target_price")),
        "notifications": sorted(Notification.objects.values_list("id", "read_at")),
        "ticks": Tick.objects.count(),
        "chat_channels": sorted(
            ChatChannel.objects.values_list("id", "team_id", "name", "webhook_url", "active")
        ),
        "chat_deliveries": ChatDelivery.objects.count(),
    }


def rolled_back_block() -> Any:
    """An atomic block to roll a request back in. Marked as a test's own block, as Django's
    TestCase marks its blocks, so that the money paths' durable transaction (one per request,
    `core.transactions.whole_transaction`) may run inside it instead of refusing to."""
    block = transaction.atomic()
    block._from_testcase = True
    return block
