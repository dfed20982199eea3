"""Award integrity signals: pure detectors over award rows (no database, no Django models).

Each detector takes plain rows and returns `Finding`s: a kind, the people concerned, the awards
that are the evidence, a score, the parameters of the plain-language reason (rendered in the
reader's language when read, see `insights.integrity_text`) and a stable `key` that identifies
the case across nightly runs (the service turns it into the flag's fingerprint).

1. reciprocal: A awarded B and B awarded A, each at least `reciprocal_min_awards` times within
   `reciprocal_window_days` of each other; circular: cycles of 3–4 people in the award graph,
   every edge at least `cycle_min_awards` awards (cycles that share a person are one ring).
2. supervisor outliers: per giver, points per team member per month and points per award, against
   all givers, as a robust z-score 0.6745·(x − median)/MAD (Iglewicz & Hoaglin; MAD = 0 falls back
   to 1.2533·mean absolute deviation); flagged at z ≥ `outlier_z` *and* ≥ `outlier_min_ratio`×
   the median, among at least `outlier_min_peers` givers. High side only: stinginess is not a
   matter of integrity.
3. bursts: awards to a person in the `burst_hours` before a *target*: the close of a drawing they
   had a live bid in, or their purchase of a big reward (price ≥ `big_reward_points`). Flagged
   when there are ≥ `burst_min_awards` such awards, they add up to ≥ `burst_share` of the bid or
   price, and to ≥ `burst_factor`× what the person earns in a typical window of that length.
4. repeated messages: the same normalised message (lower case, punctuation and extra spaces
   removed; ≥ `repeat_min_chars` characters and 3 words) on ≥ `repeat_min` awards. A stock phrase
   that many givers use for many people (≥ `repeat_common_givers` givers or 30 % of all givers,
   and ≥ 5 recipients) is ignored: it is a reason label, not a copy-paste.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any

RECIPROCAL = "reciprocal"
CIRCULAR = "circular"
OUTLIER = "supervisor_outlier"
BURST = "burst"
REPEATED = "repeated_message"
KINDS = (RECIPROCAL, CIRCULAR, OUTLIER, BURST, REPEATED)

MAX_EVIDENCE = 60  # awards kept as evidence of one flag (the largest, then the latest)
MAX_SUBJECTS = 30  # people named by one flag: the key people first, then others


@dataclass(frozen=True)
class Thresholds:
    lookback_days: int = 730
    reciprocal_min_awards: int = 2
    reciprocal_window_days: int = 90
    cycle_min_awards: int = 2
    outlier_z: float = 3.5
    outlier_min_ratio: float = 1.5
    outlier_min_peers: int = 5
    outlier_min_awards: int = 10
    burst_hours: int = 72
    burst_min_awards: int = 2
    burst_share: float = 0.35
    burst_factor: float = 3.0
    big_reward_points: int = 600
    repeat_min: int = 5
    repeat_min_chars: int = 20
    repeat_common_givers: int = 4

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, Any] | None) -> Thresholds:
        """Defaults, with the given names replaced (unknown names are refused loudly)."""
        if not overrides:
            return cls()
        names = {f.name: f.type for f in fields(cls)}
        unknown = set(overrides) - set(names)
        if unknown:
            raise ValueError(f"unknown integrity thresholds: {sorted(unknown)}")
        base = cls()
        return replace(base, **{k: type(getattr(base, k))(v) for k, v in overrides.items()})


@dataclass(frozen=True, slots=True)
class AwardRow:
    id: int
    giver: int
    recipient: int
    points: int
    message: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Target:
    """A moment a person needed points: a drawing's close (their bid) or a big purchase."""

    kind: str  # "drawing" or "purchase"
    ref: int  # the drawing's or the redemption's id
    person: int
    at: datetime
    amount: int  # the bid, or the price paid
    label: str  # the reward's name


@dataclass
class Finding:
    kind: str
    key: str
    people: list[int]
    awards: list[int]
    score: float
    params: dict[str, Any] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None


def _span(rows: Sequence[AwardRow]) -> tuple[datetime | None, datetime | None]:
    if not rows:
        return None, None
    return min(r.at for r in rows), max(r.at for r in rows)


def _evidence(rows: Iterable[AwardRow]) -> list[int]:
    chosen = sorted(rows, key=lambda r: (-r.points, -r.at.timestamp(), r.id))[:MAX_EVIDENCE]
    return sorted(r.id for r in chosen)


def _finding(
    kind: str, key: str, people: Iterable[int], rows: Sequence[AwardRow], score: float,
    **params: Any,
) -> Finding:  # fmt: skip
    start, end = _span(rows)
    return Finding(
        kind=kind,
        key=key,
        people=list(dict.fromkeys(people))[:MAX_SUBJECTS],  # the key people first
        awards=_evidence(rows),
        score=round(score, 2),
        params=params,
        start=start,
        end=end,
    )


# 1. Reciprocal and circular awarding ------------------------------------------------------------


def _best_window(
    ab: list[AwardRow], ba: list[AwardRow], window: timedelta
) -> tuple[int, list[AwardRow]]:
    """The window (of the given length, starting at some award) where the weaker direction has the
    most awards: (that count, the awards both ways in it)."""
    both = sorted([(r.at, 0, r) for r in ab] + [(r.at, 1, r) for r in ba], key=lambda e: e[0])
    best: tuple[int, list[AwardRow]] = (0, [])
    j = 0
    for i in range(len(both)):
        while j < len(both) and both[j][0] - both[i][0] <= window:
            j += 1
        inside = both[i:j]
        counts = [sum(1 for e in inside if e[1] == d) for d in (0, 1)]
        if min(counts) > best[0]:
            best = (min(counts), [e[2] for e in inside])
    return best


def reciprocal_find(rows: Sequence[AwardRow], t: Thresholds) -> list[Finding]:
    by_pair: dict[tuple[int, int], list[AwardRow]] = defaultdict(list)
    for r in rows:
        by_pair[(r.giver, r.recipient)].append(r)
    out = []
    for (a, b), ab in sorted(by_pair.items()):
        if a > b or (b, a) not in by_pair:
            continue
        ba = by_pair[(b, a)]
        if min(len(ab), len(ba)) < t.reciprocal_min_awards:
            continue
        count, inside = _best_window(ab, ba, timedelta(days=t.reciprocal_window_days))
        if count < t.reciprocal_min_awards:
            continue
        pts_ab = sum(r.points for r in inside if r.giver == a)
        pts_ba = sum(r.points for r in inside if r.giver == b)
        out.append(
            _finding(
                RECIPROCAL, f"{a}-{b}", (a, b), inside, float(min(pts_ab, pts_ba)),
                a=a, b=b, awards_ab=sum(1 for r in inside if r.giver == a),
                awards_ba=sum(1 for r in inside if r.giver == b), points_ab=pts_ab,
                points_ba=pts_ba, days=t.reciprocal_window_days,
            )
        )  # fmt: skip
    return out


def _cycles(
    edges: Mapping[int, set[int]], lengths: tuple[int, ...] = (3, 4)
) -> set[tuple[int, ...]]:
    """Simple directed cycles of the given lengths, each once (rotated to start at its least
    node). Only nodes that both give and receive can be on a cycle: the graph is pruned to them."""
    receivers = {v for targets in edges.values() for v in targets}
    nodes = {n for n in edges if n in receivers}
    graph = {n: {v for v in edges[n] if v in nodes} for n in nodes}
    longest = max(lengths)
    found: set[tuple[int, ...]] = set()
    for start in sorted(nodes):
        stack: list[tuple[int, tuple[int, ...]]] = [(start, (start,))]
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start and len(path) in lengths:
                    found.add(path)
                elif nxt > start and nxt not in path and len(path) < longest:
                    stack.append((nxt, (*path, nxt)))
    return found


def circular_find(rows: Sequence[AwardRow], t: Thresholds) -> list[Finding]:
    by_edge: dict[tuple[int, int], list[AwardRow]] = defaultdict(list)
    for r in rows:
        by_edge[(r.giver, r.recipient)].append(r)
    edges: dict[int, set[int]] = defaultdict(set)
    for (a, b), items in by_edge.items():
        if len(items) >= t.cycle_min_awards:
            edges[a].add(b)
    cycles = sorted(_cycles(edges))
    # Cycles that share a person are one ring (union-find over people).
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for cycle in cycles:
        for node in cycle[1:]:
            parent[root(node)] = root(cycle[0])
    rings: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for cycle in cycles:
        rings[root(cycle[0])].append(cycle)
    out = []
    for ring_cycles in rings.values():
        people = sorted({n for c in ring_cycles for n in c})
        ring_edges = {(c[i], c[(i + 1) % len(c)]) for c in ring_cycles for i in range(len(c))}
        evidence = [r for e in sorted(ring_edges) for r in by_edge[e]]
        weakest = min(len(by_edge[e]) for e in ring_edges)
        points = sum(r.points for r in evidence)
        out.append(
            _finding(
                CIRCULAR, "-".join(map(str, people)), people, evidence,
                float(weakest * len(people)), ring=people, cycles=len(ring_cycles),
                length=min(len(c) for c in ring_cycles), awards=len(evidence), points=points,
                weakest=weakest,
            )
        )  # fmt: skip
    return out


# 2. Supervisor outliers -------------------------------------------------------------------------


def robust_z(values: Mapping[int, float]) -> tuple[dict[int, float], float, float]:
    """0.6745·(x − median)/MAD per key, with the median and the scale used."""
    xs = list(values.values())
    med = statistics.median(xs)
    mad = statistics.median(abs(x - med) for x in xs)
    if mad > 0:
        scale = mad / 0.6745
    else:
        mean_ad = statistics.fmean(abs(x - med) for x in xs)
        scale = 1.2533 * mean_ad
    if scale <= 0:
        return dict.fromkeys(values, 0.0), med, 0.0
    return {k: (x - med) / scale for k, x in values.items()}, med, scale


def outlier_find(
    rows: Sequence[AwardRow], members: Mapping[int, int], t: Thresholds
) -> list[Finding]:
    """`members`: per giver, how many people their teams have (0 or absent: those they awarded)."""
    by_giver: dict[int, list[AwardRow]] = defaultdict(list)
    for r in rows:
        by_giver[r.giver].append(r)
    givers = {g: items for g, items in by_giver.items() if len(items) >= t.outlier_min_awards}
    if len(givers) < t.outlier_min_peers:
        return []
    per_member: dict[int, float] = {}
    per_award: dict[int, float] = {}
    team_size: dict[int, int] = {}
    for g, items in givers.items():
        total = sum(r.points for r in items)
        first, last = _span(items)
        assert first is not None and last is not None
        months = max(1.0, (last - first).days / 30.44)
        team_size[g] = members.get(g) or len({r.recipient for r in items})
        per_member[g] = total / team_size[g] / months
        per_award[g] = total / len(items)
    z_member, med_member, _ = robust_z(per_member)
    z_award, med_award, _ = robust_z(per_award)
    out = []
    for g, items in sorted(givers.items()):
        hits = []
        for metric, z, value, med in (
            ("per_member", z_member[g], per_member[g], med_member),
            ("per_award", z_award[g], per_award[g], med_award),
        ):
            ratio = value / med if med > 0 else math.inf
            if z >= t.outlier_z and ratio >= t.outlier_min_ratio:
                hits.append((metric, z, value, med, ratio))
        if not hits:
            continue
        recipients = {r.recipient for r in items}
        params: dict[str, Any] = {
            "giver": g,
            "peers": len(givers),
            "team_size": team_size[g],
            "metrics": [
                {"metric": m, "z": round(z, 1), "value": round(v, 1), "median": round(md, 1),
                 "ratio": round(ra, 1)}
                for m, z, v, md, ra in hits
            ],
        }  # fmt: skip
        out.append(
            _finding(OUTLIER, str(g), [g, *sorted(recipients)], items, max(h[1] for h in hits),
                     **params)
        )  # fmt: skip
    return out


# 3. Bursts before a drawing closes or a big purchase ---------------------------------------------


def burst_find(
    rows: Sequence[AwardRow], targets: Sequence[Target], t: Thresholds, *, lookback_hours: float
) -> list[Finding]:
    window = timedelta(hours=t.burst_hours)
    received: dict[int, list[AwardRow]] = defaultdict(list)
    for r in rows:
        received[r.recipient].append(r)
    for items in received.values():
        items.sort(key=lambda r: r.at)
    out = []
    for target in targets:
        if target.kind == "purchase" and target.amount < t.big_reward_points:
            continue
        items = received.get(target.person, [])
        inside = [r for r in items if target.at - window <= r.at < target.at]
        if len(inside) < t.burst_min_awards:
            continue
        points = sum(r.points for r in inside)
        typical = sum(r.points for r in items) * t.burst_hours / max(lookback_hours, t.burst_hours)
        if points < t.burst_share * target.amount or points < t.burst_factor * typical:
            continue
        givers = sorted({r.giver for r in inside})
        out.append(
            _finding(
                BURST, f"{target.kind}:{target.ref}:{target.person}", [target.person, *givers],
                inside, points / max(typical, 1.0), person=target.person, target=target.kind,
                ref=target.ref, reward=target.label, amount=target.amount, at=target.at.isoformat(),
                awards=len(inside), points=points, hours=t.burst_hours,
                typical=round(typical, 1), share=round(points / target.amount, 2),
            )
        )  # fmt: skip
    return out


# 4. Repeated messages ---------------------------------------------------------------------------

_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


def message_normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


def repeated_find(rows: Sequence[AwardRow], t: Thresholds) -> list[Finding]:
    by_text: dict[str, list[AwardRow]] = defaultdict(list)
    for r in rows:
        norm = message_normalise(r.message)
        if len(norm) >= t.repeat_min_chars and len(norm.split()) >= 3:
            by_text[norm].append(r)
    all_givers = len({r.giver for r in rows})
    common = max(2, min(t.repeat_common_givers, math.ceil(0.3 * all_givers)))
    out = []
    for norm, items in sorted(by_text.items()):
        if len(items) < t.repeat_min:
            continue
        givers = sorted({r.giver for r in items})
        recipients = sorted({r.recipient for r in items})
        if len(givers) >= common and len(recipients) >= 5:
            continue  # a stock phrase, the way many people say the reason
        out.append(
            _finding(
                REPEATED, f"{norm}|{'-'.join(map(str, givers))}", [*givers, *recipients], items,
                float(len(items)), text=items[0].message[:200], repeats=len(items),
                givers=len(givers), recipients=len(recipients),
            )
        )  # fmt: skip
    return out


def integrity_analyse(
    *,
    rows: Sequence[AwardRow],
    targets: Sequence[Target],
    members: Mapping[int, int],
    thresholds: Thresholds,
    lookback_hours: float,
) -> list[Finding]:
    """Every finding of every detector, in a stable order."""
    return [
        *reciprocal_find(rows, thresholds),
        *circular_find(rows, thresholds),
        *outlier_find(rows, members, thresholds),
        *burst_find(rows, targets, thresholds, lookback_hours=lookback_hours),
        *repeated_find(rows, thresholds),
    ]
