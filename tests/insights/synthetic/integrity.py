"""Synthetic histories with planted integrity cases (known ground truth), in the import's format.

Normal awarding: ~20 teams of 10–15 agents, each under its own supervisor (`history.
synthetic_history` per team: awards on working days for the usual reasons, binge redeemers,
goal savers, steady and dormant people), supervisors more or less generous (points × 1–1.5).
Planted on top, each case only *adds* awards or a purchase covered by them, so every balance stays
valid and the file imports:

- reciprocal: two supervisors who award each other, and two agents of different teams who do;
- circular: rings of 3 and of 4 agents of different teams, each step 2–4 awards;
- supervisor outliers: one supervisor who gives 2.5–4× the points per award, one who awards
  2.5–4× as often;
- bursts: agents who receive 3–5 awards worth 40–110 % of a big reward's price in the 2 days
  before they buy it (the rest from their balance);
- repeated messages: a supervisor who pastes one long message on 6–9 awards, and two givers
  who put the same message on awards to one person.

`evaluate` matches flags to the planted cases: a flag matches a case of its kind whose key people
(the pair, the ring, the supervisor, the burst's recipient, the message's givers) are all among
the flag's people. Recall = planted cases with a matching flag / planted cases; false-alarm
rate = flags matching no planted case of their kind / flags.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from insights.importing.parsing import COLUMNS

from .history import BIG, HELSINKI, synthetic_history

KINDS = ("reciprocal", "circular", "supervisor_outlier", "burst", "repeated_message")


@dataclass(frozen=True)
class Planted:
    kind: str
    people: frozenset[str]  # the key people, by username (lower case)
    note: str


@dataclass
class Flagged:
    kind: str
    people: frozenset[str]


def _row(at: datetime, **values: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(timestamp=at.isoformat(timespec="seconds"), **values)
    return row


def integrity_history(
    *,
    seed: int,
    teams: int = 20,
    days: int = 300,
    end: datetime | None = None,
    prefix: str = "g",
    outlier_factor: tuple[float, float] = (2.5, 4.0),
) -> tuple[list[dict[str, str]], list[Planted]]:
    """Rows sorted by time, and the planted cases."""
    rnd = random.Random(seed)
    end = (end or datetime.now(HELSINKI) - timedelta(days=1)).astimezone(HELSINKI)
    rows: list[dict[str, str]] = []
    members: dict[str, list[dict[str, str]]] = {}  # supervisor -> one row per member (details)
    for team in range(teams):
        size = rnd.randint(10, 15)
        tprefix = f"{prefix}{team:02d}"
        team_rows = synthetic_history(
            employees=size, days=days, seed=seed * 1000 + team, prefix=tprefix, team_size=size,
            end=end,
        )  # fmt: skip
        generosity = rnd.uniform(1.0, 1.5)
        for row in team_rows:
            if row["event"] == "award":
                row["points"] = str(max(1, round(int(row["points"]) * generosity)))
        rows += team_rows
        supervisor = f"{tprefix}sup000"
        people: dict[str, dict[str, str]] = {}
        for row in team_rows:
            people.setdefault(row["employee"], row)
        members[supervisor] = list(people.values())
    planted: list[Planted] = []
    supervisors = sorted(members)
    rnd.shuffle(supervisors)
    first = (end - timedelta(days=days)).astimezone(HELSINKI)
    n = 0

    def moment(lo: float = 0.1, hi: float = 0.9) -> datetime:
        return first + timedelta(seconds=rnd.uniform(lo, hi) * days * 86_400)

    def award(at: datetime, giver: str, to: dict[str, str], points: int, reason: str) -> None:
        nonlocal n
        n += 1
        rows.append(
            _row(
                at, id=f"{prefix}-plant-{n}", event="award", employee=to["employee"],
                employee_name=to["employee_name"], team=to["team"],
                employment_type=to["employment_type"], points=str(points), supervisor=giver,
                reason=reason,
            )
        )  # fmt: skip

    def person(username: str) -> dict[str, str]:
        for team in members.values():
            for row in team:
                if row["employee"] == username:
                    return row
        # a supervisor as a recipient: give them a row of their own
        return {"employee": username, "employee_name": username.upper(),
                "team": "Esihenkilöt", "employment_type": "permanent"}  # fmt: skip

    def agent_of(sup: str) -> dict[str, str]:
        return rnd.choice(members[sup])

    reasons = ("Kiitos avusta", "Hyvä työ", "Tuuraus")
    # Reciprocal: two supervisors, then two agents of different teams.
    pairs = [
        (person(supervisors[0]), person(supervisors[1])),
        (agent_of(supervisors[2]), agent_of(supervisors[3])),
    ]
    for x, y in pairs:
        start = moment(0.1, 0.7)
        for _ in range(rnd.randint(2, 4)):
            award(start + timedelta(days=rnd.uniform(0, 40)), x["employee"], y,
                  rnd.choice((50, 75, 100)), rnd.choice(reasons))  # fmt: skip
            award(start + timedelta(days=rnd.uniform(0, 40)), y["employee"], x,
                  rnd.choice((50, 75, 100)), rnd.choice(reasons))  # fmt: skip
        planted.append(Planted("reciprocal", frozenset({x["employee"], y["employee"]}), "pair"))
    # Circular: rings of 3 and 4 agents of different teams.
    for size, sups in ((3, supervisors[4:7]), (4, supervisors[7:11])):
        ring = [agent_of(s) for s in sups]
        start = moment(0.1, 0.7)
        for i, giver in enumerate(ring):
            to = ring[(i + 1) % size]
            for _ in range(rnd.randint(2, 4)):
                award(start + timedelta(days=rnd.uniform(0, 60)), giver["employee"], to,
                      rnd.choice((40, 60, 80, 100)), rnd.choice(reasons))  # fmt: skip
        planted.append(
            Planted("circular", frozenset(r["employee"] for r in ring), f"ring of {size}")
        )
    # Supervisor outliers: 4x points per award; 4x as many awards.
    big_giver, busy_giver = supervisors[11], supervisors[12]
    bigger, busier = rnd.uniform(*outlier_factor), rnd.uniform(*outlier_factor)
    for row in rows:
        if row["event"] == "award" and row["supervisor"] == big_giver:
            row["points"] = str(min(500, round(int(row["points"]) * bigger)))
    for row in list(rows):
        if row["event"] == "award" and row["supervisor"] == busy_giver:
            at = datetime.fromisoformat(row["timestamp"])
            extras = int(busier - 1) + (rnd.random() < (busier - 1) % 1)
            for extra in range(extras):
                award(at + timedelta(hours=extra + 1), busy_giver, person(row["employee"]),
                      int(row["points"]), row["reason"])  # fmt: skip
    planted.append(
        Planted("supervisor_outlier", frozenset({big_giver}), f"{bigger:.1f}x per award")
    )
    planted.append(
        Planted("supervisor_outlier", frozenset({busy_giver}), f"{busier:.1f}x as often")
    )

    # Bursts before a big purchase: 3–5 awards in the two days before it, covering 40–110 % of
    # its price (the rest from the person's balance, where it suffices now and later).
    def slack(username: str, at: datetime) -> int:
        """The least balance the person has from `at` on (before this plant)."""
        events = sorted(
            (datetime.fromisoformat(r["timestamp"]),
             int(r["points"]) * (1 if r["event"] == "award" else -1))
            for r in rows if r["employee"] == username
        )  # fmt: skip
        balance, least = 0, None
        for when, amount in events:
            if when >= at and least is None:
                least = balance
            balance += amount
            if least is not None:
                least = min(least, balance)
        return balance if least is None else least

    for sup in supervisors[13:16]:
        name, price = rnd.choice(BIG)
        share = rnd.uniform(0.4, 1.1)
        for _try in range(60):
            who = agent_of(sup)
            at = moment(0.3, 0.95)
            if slack(who["employee"], at) >= price * (1 - share) + 5:
                break
        else:
            share = 1.1
        count = rnd.randint(3, 5)
        each = max(1, round(price * share / count))
        for _k in range(count):
            award(at - timedelta(hours=rnd.uniform(2, 46)), sup, who, min(500, each),
                  rnd.choice(reasons))  # fmt: skip
            if each > 500:
                award(at - timedelta(hours=rnd.uniform(2, 46)), sup, who, each - 500, "")
        n_row = _row(
            at, id=f"{prefix}-plant-buy-{sup}", event="redemption", employee=who["employee"],
            employee_name=who["employee_name"], team=who["team"],
            employment_type=who["employment_type"], points=str(price), reward=name,
        )  # fmt: skip
        rows.append(n_row)
        planted.append(
            Planted("burst", frozenset({who["employee"]}), f"{name} {price}, {share:.0%} funded")
        )
    # Repeated messages: one supervisor pastes; two givers share a text for one person.
    paster = supervisors[16]
    text = "Kiitos hienosta työstä tällä viikolla, jatka samaan malliin!"
    for _ in range(rnd.randint(6, 9)):
        award(moment(), paster, agent_of(paster), rnd.choice((20, 30, 40)), text)
    planted.append(Planted("repeated_message", frozenset({paster}), "one giver"))
    g1, g2 = supervisors[17], supervisors[18]
    target = agent_of(g1)
    shared = "Loistava suoritus kampanjassa, ansaitset tämän bonuksen"
    for sharer in (g1, g2, g1, g2, g1, g2):
        award(moment(), sharer, target, rnd.choice((50, 60)), shared)
    planted.append(Planted("repeated_message", frozenset({g1, g2}), "two givers"))
    rows.sort(key=lambda r: (r["timestamp"], r["id"]))
    return rows, planted


@dataclass
class Score:
    planted: int = 0
    found: int = 0
    flags: int = 0
    false_alarms: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.flags if self.flags else 0.0


def evaluate(flags: Iterable[Flagged], planted: Iterable[Planted]) -> dict[str, Score]:
    """Per kind (and "all"): planted, found, flags, false alarms."""
    flags = list(flags)
    planted = list(planted)
    scores: dict[str, Score] = defaultdict(Score)
    for case in planted:
        hit = any(f.kind == case.kind and case.people <= f.people for f in flags)
        for key in (case.kind, "all"):
            scores[key].planted += 1
            scores[key].found += hit
    for flag in flags:
        ok = any(c.kind == flag.kind and c.people <= flag.people for c in planted)
        for key in (flag.kind, "all"):
            scores[key].flags += 1
            scores[key].false_alarms += not ok
    return dict(scores)


def score_table(scores: Mapping[str, Score]) -> str:
    lines = [f"{'kind':<20} {'planted':>7} {'found':>6} {'recall':>7} {'flags':>6} "
             f"{'false':>6} {'false rate':>10}"]  # fmt: skip
    for kind in (*KINDS, "all"):
        s = scores.get(kind, Score())
        lines.append(
            f"{kind:<20} {s.planted:>7} {s.found:>6} {s.recall:>7.2f} {s.flags:>6} "
            f"{s.false_alarms:>6} {s.false_alarm_rate:>10.2f}"
        )
    return "\n".join(lines)
