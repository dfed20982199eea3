"""Redemptions through the HTTP API: quote + confirm by many agents at once, and a last-item race."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter

from ledger.models import AwardReason
from ledger.selectors import balance_of, ledger_verify
from ledger.services import award_create
from people.models import Role, User
from people.selectors import team_members_of
from people.services import api_token_create
from rewards.models import Redemption, Reward
from rewards.services import reward_create

from ._http import call, gunicorn, summary
from .api_load import fund_supervisors

REDEMPTIONS_PER_AGENT = 20
FUNDS = 500  # the per-award cap; plenty for 21 redemptions at 1 point


def _fund_agents(points: int) -> list[User]:
    reason = AwardReason.objects.first()
    assert reason is not None
    agents = []
    for sup in fund_supervisors():
        for member in team_members_of(supervisor=sup):
            award_create(giver=sup, recipient=member, reason=reason, points=points)
            agents.append(member)
    return agents


def _race(
    port: int,
    agents: list[User],
    tokens: dict[int, str],
    reward: Reward,
    repeat: int,
    statuses: Counter[str],
) -> None:
    """Every agent quotes and confirms `repeat` times, all starting at once."""
    path = f"/api/v1/rewards/{reward.pk}/"
    lock = threading.Lock()
    latencies: list[float] = []
    barrier = threading.Barrier(len(agents))

    def agent(user: User, repeat: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        token = tokens[user.pk]
        barrier.wait()
        for _ in range(repeat):
            status, data, took = call(conn, "POST", f"{path}quote/", token, {})
            if status == 201:
                quote = json.loads(data)["id"]
                status, data, took2 = call(
                    conn, "POST", "/api/v1/redemptions/", token, {"quote": quote}, str(uuid.uuid4())
                )
                took += took2
            code = json.loads(data).get("code", "") if status >= 400 else "ok"
            with lock:
                statuses[code] += 1
                latencies.append(took)
        conn.close()

    threads = [threading.Thread(target=agent, args=(a, repeat)) for a in agents]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    print(f"  {summary(latencies, wall)} (a quote + confirm pair counted as one request)")


def run() -> None:
    agents = _fund_agents(points=FUNDS)
    tokens = {a.pk: api_token_create(user=a).key for a in agents}
    sup = User.objects.filter(role=Role.SUPERVISOR).first()
    assert sup is not None
    cheap = reward_create(name_fi="Kahvi", name_en="Coffee", category="other", base_price=1)
    last = reward_create(
        name_fi="Viimeinen", name_en="Last one", category="other", base_price=1, stock=1
    )
    before = Redemption.objects.count()
    balances_before = {a.pk: balance_of(user=a) for a in agents}

    with gunicorn() as port:
        print(
            f"== redemptions through the HTTP API (gunicorn x4, PostgreSQL, {len(agents)} agents at once) =="
        )
        statuses: Counter[str] = Counter()
        _race(port, agents, tokens, cheap, REDEMPTIONS_PER_AGENT, statuses)
        print(f"  unlimited stock: {dict(statuses)}")
        race: Counter[str] = Counter()
        _race(port, agents, tokens, last, 1, race)
        last.refresh_from_db()
        print(f"  last item (stock 1), every agent at once: {dict(race)}; stock left {last.stock}")

    made = Redemption.objects.count() - before
    spent = sum(balances_before[a.pk] - balance_of(user=a) for a in agents)
    print(
        f"  redemptions written {made}; points taken {spent} (= redemptions x 1 point); "
        f"ledger_verify problems: {len(ledger_verify())}"
    )
