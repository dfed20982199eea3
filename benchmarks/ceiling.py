"""The ceiling: how close the money writes come to what PostgreSQL and DRF can do at all.

One run, one table: pgbench's TPC-B-like TPS (8 clients) on the same server; a bare DRF endpoint
that takes one row lock, inserts one row and updates the locked row in a transaction (mounted
only in this benchmark's server, `benchmarks/ceiling_urls.py`); then the project's quote,
redemption and award endpoints, each with p50/p99 and its share of the bare endpoint.

The app runs as production runs it: gunicorn with 4 sync workers, DEBUG off, persistent
connections (CONN_MAX_AGE=60). The load comes from wrk (Debian's `wrk`; `make bench` installs it
when run as root) with `benchmarks/wrk/ceiling.lua`: 16 connections, a realistic spread (40
agents in 8 teams, 40 rewards, each supervisor awarding from their own budget, one fresh quote
per redemption). wrk and pgbench are pinned to the last CPU (taskset) so that, on a machine with
more than two cores, they do not eat the cores they measure; on two cores they share one.

Every request signs in with a session (cookie + CSRF header), the bare endpoint included, so the
shares compare the endpoints' own work whatever token scheme the API uses.

The endpoints are measured in CEILING_ROUNDS rounds (default 3); every endpoint run sits between
two runs of the bare endpoint and its share is of the mean of those two (this machine's speed
drifts by up to 2x from minute to minute). The table shows each endpoint's median run, and every
run's share.

Environment: CEILING_SECONDS (default 10) per endpoint, CEILING_ROUNDS (3),
CEILING_CONNECTIONS (16).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.crypto import get_random_string

from ledger.models import Award, BudgetPolicy
from ledger.selectors import ledger_verify
from ledger.services import award_create, award_reason_create, budget_period_open, period_start_for
from people.models import Role, Team, User
from rewards.models import Quote, Redemption
from rewards.services import reward_create

from ._http import BENCH_SECRET_KEY, ROOT, gunicorn
from .ceiling_urls import bare_tables_create

TEAMS = 8
AGENTS_PER_TEAM = 5
REWARDS = 40
SECONDS = int(os.environ.get("CEILING_SECONDS", "10"))
ROUNDS = int(os.environ.get("CEILING_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", os.environ.get("CEILING_CONNECTIONS", "16")))
WRK_THREADS = 2
QUOTES = 20_000  # more than the redemptions a run can make: each buys once
LUA = ROOT / "benchmarks" / "wrk" / "ceiling.lua"


@dataclass
class Row:
    what: str
    rate: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    non_2xx: int = 0


def _pin() -> list[str]:
    """taskset to the last CPU, for the load generators, when taskset exists."""
    cpus = os.cpu_count() or 1
    if cpus < 2 or not shutil.which("taskset"):
        return []
    return ["taskset", "-c", str(cpus - 1)]


def _pg_tool(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts[-3])
    if found:
        return str(found[-1])
    tool = shutil.which(name)
    if tool is None:
        raise SystemExit(f"{name} not found: install Debian's postgresql package")
    return tool


def _pgbench() -> float:
    """TPC-B-like TPS with 8 clients on a scratch database of the same server."""
    s = connection.settings_dict
    name = f"{s['NAME']}_pgbench"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "PGPASSWORD": str(s["PASSWORD"])}
    where = ["-h", str(s["HOST"]), "-p", str(s["PORT"]), "-U", str(s["USER"])]
    tool = _pg_tool("pgbench")
    try:
        subprocess.run(
            [tool, "-i", "-q", "-s", "8", *where, name], env=env, check=True, capture_output=True
        )
        out = subprocess.run(
            [*_pin(), tool, "-n", "-c", "8", "-j", "2", "-T", str(SECONDS), *where, name],
            env=env, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    match = re.search(r"tps = ([0-9.]+)", out)
    assert match, out
    return float(match.group(1))


def _people() -> tuple[list[User], list[User], dict[int, list[User]]]:
    """8 teams of 5 agents, each led by its own supervisor; nobody can sign in with a password."""
    unusable = make_password(None)
    supervisors, agents, members = [], [], {}
    for t in range(TEAMS):
        team = Team.objects.create(name=f"Ceiling {t}")
        sup = User.objects.create(
            username=f"ceiling-sup-{t}",
            display_name=f"Sup {t}",
            role=Role.SUPERVISOR,
            password=unusable,
        )
        team.leaders.add(sup)
        team_agents = User.objects.bulk_create(
            User(
                username=f"ceiling-agent-{t}-{i}",
                display_name=f"Agent {t}.{i}",
                role=Role.AGENT,
                team=team,
                password=unusable,
            )
            for i in range(AGENTS_PER_TEAM)
        )
        supervisors.append(sup)
        agents.extend(team_agents)
        members[sup.pk] = team_agents
    return supervisors, agents, members


def _budgets_and_wallets(supervisors: list[User], members: dict[int, list[User]]) -> Any:
    reason = award_reason_create(
        code="ceiling", name_fi="Mittaus", name_en="Ceiling", suggested_min=1, suggested_max=500
    )
    for sup in supervisors:
        BudgetPolicy.objects.create(supervisor=sup, amount=10_000_000, mode="flat", rollover=True)
        budget_period_open(supervisor=sup, period_start=period_start_for())
        for agent in members[sup.pk]:
            for _ in range(2):
                award_create(giver=sup, recipient=agent, reason=reason, points=500)
    return reason


def _sessions(users: list[User]) -> dict[int, tuple[str, str]]:
    """{user id: (Cookie header, CSRF token)}: a signed-in session and a CSRF secret each,
    signed with the benchmark server's SECRET_KEY (`_http.gunicorn`)."""
    with override_settings(SECRET_KEY=BENCH_SECRET_KEY):
        return {user.pk: _session(user) for user in users}


def _session(user: User) -> tuple[str, str]:
    client = Client()
    client.force_login(user)
    csrf = get_random_string(32)
    return f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}", csrf


def _lua(entries: list[dict[str, str]], directory: Path, name: str) -> Path:
    path = directory / f"{name}.lua"
    lines = ["return {"]
    for e in entries:
        lines.append(
            "{"
            + ", ".join(f"{k} = {json.dumps(v, ensure_ascii=True)}" for k, v in e.items())
            + "},"
        )
    lines.append("}")
    path.write_text("\n".join(lines))
    return path


def _wrk(port: int, data: Path, seconds: int) -> dict[str, int]:
    env = {
        **os.environ,
        "CEILING_DATA": str(data),
        "CEILING_THREADS": str(WRK_THREADS),
        "CEILING_RUN": get_random_string(8),
    }
    out = subprocess.run(
        [*_pin(), "wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(LUA), f"http://127.0.0.1:{port}"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    line = next((ln for ln in out.splitlines() if ln.startswith("CEILING ")), None)
    assert line, out
    return {k: int(v) for k, v in (item.split("=") for item in line.split()[1:])}


def _wait_ready(port: int) -> None:
    """gunicorn's master listens before its workers have booted: wait for answers."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("the benchmark server did not answer /healthz within 180 s")


def _measure(what: str, port: int, data: Path, warm: Path | None = None) -> Row:
    _wrk(port, warm or data, 3)  # warm up the workers (imports, connections, caches)
    r = _wrk(port, data, SECONDS)
    return Row(
        what=what,
        rate=r["requests"] / (r["duration_us"] / 1e6),
        p50_ms=r["p50_us"] / 1000,
        p99_ms=r["p99_us"] / 1000,
        non_2xx=r["non2xx"] + r["socket_errors"],
    )


BARE = "bare DRF locked write"
QUOTE = "POST /api/v1/rewards/{id}/quote/"
REDEEM = "POST /api/v1/redemptions/"
AWARD = "POST /api/v1/awards/"


@dataclass
class Run:
    """One endpoint's run with the bare endpoint's runs just before and after it."""

    row: Row
    bare_before: Row
    bare_after: Row

    @property
    def share(self) -> float:
        return self.row.rate / ((self.bare_before.rate + self.bare_after.rate) / 2)


def _report(
    pgbench: float, bares: list[Row], runs: dict[str, list[Run]], *, agents: int, supervisors: int
) -> None:
    """One line per endpoint: the median run's rate, p50, p99 and share of the bare endpoint,
    and every run's share, so the spread is in plain sight."""
    print(
        f"== ceiling: gunicorn x4 sync, PostgreSQL, wrk -c{CONNECTIONS} for {SECONDS} s each, "
        f"{ROUNDS} rounds, {agents} agents, {supervisors} supervisors, {REWARDS} rewards, "
        f"{os.cpu_count()} CPUs =="
    )
    print(
        f"  {'what':<34} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'share':>6} "
        f"{'non-2xx':>8}  every run"
    )
    print(f"  {'pgbench TPC-B-like, 8 clients (TPS)':<34} {pgbench:>7.0f}")
    print(
        f"  {BARE:<34} {statistics.median(b.rate for b in bares):>7.0f} "
        f"{statistics.median(b.p50_ms or 0 for b in bares):>7.1f} "
        f"{statistics.median(b.p99_ms or 0 for b in bares):>7.1f} {1:>6.0%} "
        f"{sum(b.non_2xx for b in bares):>8}  req/s " + " ".join(f"{b.rate:.0f}" for b in bares)
    )
    for what, mine in runs.items():
        middle = sorted(mine, key=lambda run: run.share)[len(mine) // 2]  # the median run
        row = middle.row
        print(
            f"  {what:<34} {row.rate:>7.0f} {row.p50_ms or 0:>7.1f} {row.p99_ms or 0:>7.1f} "
            f"{middle.share:>6.0%} {sum(r.row.non_2xx for r in mine):>8}  "
            + " ".join(f"{run.share:.0%}" for run in mine)
        )


def run() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk (make bench installs it as root)")
    rng = random.Random(11)
    supervisors, agents, members = _people()
    _budgets_and_wallets(supervisors, members)
    rewards = [
        reward_create(name_fi=f"Palkinto {i}", name_en=f"Reward {i}", base_price=1)
        for i in range(REWARDS)
    ]
    bare_tables_create()
    sessions = _sessions(supervisors + agents)
    now = timezone.now()
    quotes = Quote.objects.bulk_create(
        Quote(
            employee=agents[i % len(agents)],
            reward=rewards[rng.randrange(REWARDS)],
            price=1,
            created_at=now,
            expires_at=now + timedelta(hours=2),
        )
        for i in range(QUOTES)
    )

    def entry(user_id: int, path: str, body: dict[str, Any]) -> dict[str, str]:
        cookie, csrf = sessions[user_id]
        return {"path": path, "body": json.dumps(body), "cookie": cookie, "csrf": csrf}

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        bare = _lua([entry(a.pk, "/bench/bare/", {}) for a in agents], d, "bare")
        pairs = [(a, r) for a in agents for r in rewards]
        rng.shuffle(pairs)
        quote = _lua([entry(a.pk, f"/api/v1/rewards/{r.pk}/quote/", {}) for a, r in pairs], d, "q")
        per_round = QUOTES // ROUNDS
        buys = []
        for r in range(ROUNDS):
            mine = quotes[r * per_round : (r + 1) * per_round]
            buy = [entry(q.employee_id, "/api/v1/redemptions/", {"quote": q.pk}) for q in mine]
            cut = len(buy) // 10
            buys.append((_lua(buy[:cut], d, f"bw{r}"), _lua(buy[cut:], d, f"b{r}")))
        award_pairs = [(s, m) for s in supervisors for m in members[s.pk]]
        rng.shuffle(award_pairs)
        award = _lua(
            [
                entry(
                    s.pk, "/api/v1/awards/", {"recipient": m.pk, "reason": "ceiling", "points": 1}
                )
                for s, m in award_pairs
            ],
            d,
            "a",
        )
        pgbench = _pgbench()
        bares: list[Row] = []
        runs: dict[str, list[Run]] = {QUOTE: [], REDEEM: [], AWARD: []}
        with gunicorn(workers=4, settings_module="benchmarks.ceiling_settings") as port:
            _wait_ready(port)
            bares.append(_measure(BARE, port, bare))
            for r in range(ROUNDS):
                # Each endpoint between two runs of the bare endpoint: this machine's speed
                # drifts by up to 2x from minute to minute, and a share is only fair against
                # the bare runs either side of it.
                for what, data, warm_data in (
                    (QUOTE, quote, None),
                    (REDEEM, buys[r][1], buys[r][0]),
                    (AWARD, award, None),
                ):
                    row = _measure(what, port, data, warm=warm_data)
                    bares.append(_measure(BARE, port, bare))
                    runs[what].append(Run(row, bares[-2], bares[-1]))
    _report(pgbench, bares, runs, agents=len(agents), supervisors=len(supervisors))
    print(
        f"  written: {Redemption.objects.count()} redemptions, {Award.objects.count()} awards; "
        f"ledger_verify problems: {len(ledger_verify())}"
    )
