"""A deterministic, realistic history in the import's CSV format, for benchmarks and tests
(`insights.importing.formatting.history_csv` writes it as a file).

Teams of agents under one supervisor each; supervisors award points on working days for
contact-centre reasons; employees spend them the way the original Pojopörssi saw people do:
binge redeemers buy something as soon as their points suffice, goal savers save for one big
reward, steady redeemers buy now and then, and some never redeem. The defaults (5,000 employees,
two years) give about half a million rows, about a million ledger entries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from insights.importing.parsing import COLUMNS

HELSINKI = ZoneInfo("Europe/Helsinki")

REWARDS: tuple[tuple[str, int], ...] = (
    ("Lounaslahjakortti", 80),
    ("Elokuvaliput kahdelle", 120),
    ("Kahvila-aamiainen tiimille", 160),
    ("Pojopörssi-huppari", 250),
    ("Hieronta", 300),
    ("Teatteri-ilta", 450),
    ("Kylpyläpäivä", 900),
    ("Aalto-maljakko", 1_200),
    ("Jouluaaton vuoronvaihto", 1_500),
    ("Ylimääräinen vapaapäivä", 1_800),
    ("Viikonloppu mökillä", 3_000),
)
CHEAP = [r for r in REWARDS if r[1] <= 300]
BIG = [r for r in REWARDS if r[1] >= 900]
REASONS = (
    "Palvelutaso yli tavoitteen",
    "Erinomainen asiakaspalaute",
    "Ratkaisu ensimmäisellä yhteydenotolla",
    "Chatin vasteaika alle minuutin",
    "Autoit kollegaa",
    "Otit vaikean vuoron",
    "NPS-kiitos asiakkaalta",
    "",
)
POINTS = (10, 15, 20, 25, 30, 40, 50, 75, 100)
POINT_WEIGHTS = (14, 10, 18, 14, 12, 12, 10, 6, 4)
FIRST = ("Aino", "Eero", "Helmi", "Ilkka", "Juho", "Kaisa", "Laura", "Mikko", "Noora", "Otto",
         "Pia", "Riku", "Saara", "Tuomas", "Ulla", "Veera", "Aleksi", "Emma", "Jari", "Sanna")  # fmt: skip
LAST = ("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
        "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Saarinen", "Salminen", "Lind")  # fmt: skip
KINDS = ("binge", "goal", "steady", "dormant")
KIND_WEIGHTS = (30, 25, 35, 10)


@dataclass
class _Person:
    username: str
    name: str
    team: str
    employment_type: str
    supervisor: str
    kind: str
    rate: float  # awards per working day
    balance: int = 0
    last_redemption: datetime | None = None
    target: int = 0


def _people(rnd: random.Random, employees: int, team_size: int, prefix: str) -> list[_Person]:
    people = []
    for i in range(employees):
        team = i // team_size
        people.append(
            _Person(
                username=f"{prefix}emp{i:05d}",
                name=f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                team=f"{prefix.upper()}Tiimi {team + 1:03d}",
                employment_type="agency" if rnd.random() < 0.25 else "permanent",
                supervisor=f"{prefix}sup{team:03d}",
                kind=rnd.choices(KINDS, KIND_WEIGHTS)[0],
                rate=0.18 * rnd.uniform(0.5, 1.5),
            )
        )
    return people


def _purchase(rnd: random.Random, person: _Person) -> tuple[str, int] | None:
    """What the person buys now, by their habit (None: keep saving)."""
    if person.kind == "binge":
        affordable = [r for r in CHEAP if r[1] <= person.balance]
        return rnd.choice(affordable) if affordable else None
    if person.kind == "goal":
        if not person.target:
            person.target = rnd.choice(BIG)[1]
        if person.balance < person.target:
            return None
        bought = next(r for r in BIG if r[1] == person.target)
        person.target = 0
        return bought
    if person.kind == "steady":
        if not person.target:
            person.target = rnd.randint(200, 700)
        if person.balance < person.target:
            return None
        person.target = 0
        return max((r for r in REWARDS if r[1] <= person.balance), key=lambda r: r[1])
    return None


def synthetic_history(
    *,
    employees: int = 5_000,
    days: int = 730,
    seed: int = 2017,
    prefix: str = "h",
    team_size: int = 15,
    end: datetime | None = None,
) -> list[dict[str, str]]:
    """Rows (dicts keyed by the CSV's columns), sorted by time; every balance stays >= 0."""
    rnd = random.Random(seed)
    end = (end or datetime.now(HELSINKI)).astimezone(HELSINKI)
    first_day = (end - timedelta(days=days)).date()
    people = _people(rnd, employees, team_size, prefix)
    events: list[tuple[datetime, int, dict[str, str]]] = []

    def add(at: datetime, person: _Person, **values: str) -> None:
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            id=f"{prefix}-{len(events) + 1}",
            timestamp=at.isoformat(timespec="seconds"),
            employee=person.username,
            employee_name=person.name,
            team=person.team,
            employment_type=person.employment_type,
            **values,
        )
        events.append((at, len(events), row))

    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for person in people:
            if rnd.random() >= person.rate:
                continue
            minute = rnd.randint(8 * 60, 17 * 60)
            at = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=HELSINKI)
            if at >= end:
                continue
            points = rnd.choices(POINTS, POINT_WEIGHTS)[0]
            person.balance += points
            add(at, person, event="award", points=str(points), supervisor=person.supervisor,
                reason=rnd.choice(REASONS))  # fmt: skip
            bought = _purchase(rnd, person)
            if bought is None:
                continue
            delay = timedelta(minutes=rnd.randint(5, 120) if person.kind == "binge" else
                              rnd.randint(60, 3 * 24 * 60))  # fmt: skip
            when = at + delay
            if person.last_redemption is not None:
                when = max(when, person.last_redemption + timedelta(minutes=1))
            if when >= end:
                continue
            person.balance -= bought[1]
            person.last_redemption = when
            add(when, person, event="redemption", points=str(bought[1]), reward=bought[0])
    events.sort(key=lambda e: (e[0], e[1]))
    return [row for _at, _n, row in events]
