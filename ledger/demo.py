"""A believable contact centre for demos and first runs: deterministic, written through services.

The people, the award criteria and a year of awards. The market's catalogue and redemption history
are layered on top by `rewards.demo` (the ledger never imports the market); `seed_demo` here is
the ledger-only part, kept for the benchmarks.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from notifications.services import notifications_muted
from people.models import EmploymentType, Language, Role, Team, User

from .errors import BudgetExceededError
from .models import Award, AwardReason, BudgetMode, Thanks, ThanksEmoji
from .services import (
    award_create,
    award_reason_create,
    budget_period_open,
    budget_policy_set,
    period_start_for,
    thanks_create,
    thanks_react,
)

DEMO_PASSWORD = "pojo-demo"
MONTHS_OF_HISTORY = 12
# A supervisor's monthly allowance per team member, and how many awards they hand out a month:
# about 30 awards of 35-40 points for ten people, so an agent earns roughly 50-150 points a month.
BUDGET_PER_MEMBER = 120
AWARDS_PER_MONTH = (26, 34)

# From the contact-centre KPIs in docs/origin.md: the natural reasons for an award.
REASONS = [
    ("customer-feedback", "Erinomainen asiakaspalaute", "Excellent customer feedback",
     "Asiakas kiitti erikseen tai antoi täydet pisteet.", "A customer thanked you by name or gave top marks.", 20, 60),
    ("first-contact-resolution", "Ratkaisu ensimmäisellä yhteydenotolla", "First-contact resolution",
     "Asia hoitui kerralla kuntoon ilman uutta yhteydenottoa.", "Solved at first contact, no call-back needed.", 10, 40),
    ("fast-chat", "Nopea chat-vastaus", "Fast chat answers",
     "Chat-vastausaika selvästi alle minuutin tavoitteen.", "Chat first responses well under the one-minute target.", 10, 30),
    ("service-level", "Palvelutaso kohdallaan", "Service level met",
     "80 % puheluista vastattu 20 sekunnissa koko vuoron ajan.", "80% of calls answered within 20 s all shift long.", 15, 40),
    ("nps-csat", "Korkea NPS / asiakastyytyväisyys", "High NPS / customer satisfaction",
     "Suositteluindeksi tai tyytyväisyys tiimin kärkeä.", "NPS or satisfaction at the top of the team.", 20, 60),
    ("helping-colleague", "Kollegan auttaminen", "Helping a colleague",
     "Perehdytit, tuuraisit tai autoit hankalassa tapauksessa.", "Coached, stood in, or helped with a hard case.", 10, 40),
    ("hard-shift", "Hankalan vuoron hoitaminen", "Covering a hard shift",
     "Otit vastaan ilta-, viikonloppu- tai pyhävuoron.", "Took an evening, weekend or holiday shift.", 20, 80),
    ("voice-of-customer", "Asiakkaan ääni -palkinto", "Voice of the customer award",
     "Asiakaspalautteesta nostettu erityismaininta.", "A special mention raised from customer feedback.", 40, 100),
    ("team-initiative", "Itseohjautuva tiimityö", "Self-directed teamwork",
     "Kehitit tiimin tapaa toimia omasta aloitteestasi.", "Improved how the team works on your own initiative.", 20, 60),
]  # fmt: skip

TEAMS = [
    ("Puhelinpalvelu", ("sanna", "Sanna Virtanen")),
    ("Chat ja some", ("mikko", "Mikko Korhonen")),
    ("Sähköposti ja laskutus", ("laura", "Laura Mäkinen")),
]
FIRST = [
    "Aino", "Eetu", "Helmi", "Juho", "Venla", "Onni", "Emma", "Leevi", "Sofia", "Elias",
    "Ilona", "Väinö", "Kerttu", "Oskari", "Lumi", "Akseli", "Siiri", "Eino", "Iida", "Niilo",
    "Aada", "Toivo", "Olivia", "Veeti", "Pihla", "Lauri", "Enni", "Aapo", "Minea", "Joona",
]  # fmt: skip
LAST = [
    "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen", "Järvinen", "Lehtonen",
    "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen",
    "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen", "Karjalainen", "Jokinen", "Mattila",
    "Savolainen", "Lahtinen", "Ahonen", "Leinonen", "Hiltunen", "Kallio",
]  # fmt: skip
AGENCY_EVERY = 4  # every fourth agent comes through a staffing agency
MESSAGES = [
    # Finnish, as the supervisors of a Finnish contact centre write them.
    "Kiitos, asiakas kehui sinua erikseen!", "Hienoa työtä eilisessä ruuhkassa.", "Kiitos, että hyppäsit apuun!",
    "Loistava ratkaisu hankalaan tapaukseen.", "", "", "Upeaa tiimityötä tällä viikolla.", "Kiitos joustosta!",
]  # fmt: skip


THANKS_MESSAGES = [
    # What colleagues say to each other on the floor.
    "Kiitos, että tuuraisit minua perjantaina!", "Autoit minut hankalan laskun läpi, kiitos!",
    "Kiitos vinkistä, asiakas oli tosi tyytyväinen.", "Pelastit ruuhkaisen aamuvuoron!",
    "Kiitos kärsivällisestä perehdytyksestä.", "Hienosti hoidettu vaikea puhelu, opin paljon.",
]  # fmt: skip
THANKS_COUNT = 14
"""Thanks between colleagues in the last three weeks, so the feed and the supervisors' lists have
something to show; some of them newer than the supervisor's last award."""


def _ascii(name: str) -> str:
    return name.lower().translate(str.maketrans("äöå", "aoa"))


@dataclass
class SeedResult:
    created: bool
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    awards: int = 0


@dataclass
class DemoWorld:
    """What `seed_people` made: the people the history is written for."""

    hr: User
    supervisors: list[User]
    members: dict[int, list[User]]  # supervisor pk -> the agents of their team
    reasons: list[AwardReason]

    @property
    def agents(self) -> list[User]:
        return [agent for supervisor in self.supervisors for agent in self.members[supervisor.pk]]

    def supervisor_of(self, agent: User) -> User:
        return next(s for s in self.supervisors if agent in self.members[s.pk])


def demo_logins() -> list[tuple[str, str, str]]:
    logins = [("hr", "HR", "Henna Hakala")]
    for _team, (username, name) in TEAMS:
        logins.append((username, "supervisor", name))
    logins.append(("aino", "agent", "Aino Nieminen"))
    logins.append(("onni", "agent (agency)", "Onni Koskinen"))
    return logins


def demo_exists() -> bool:
    return User.objects.filter(username="hr").exists()


def seed_people() -> DemoWorld:
    """HR, the award criteria, three teams of ten agents and their supervisors' budget policies."""
    password = make_password(DEMO_PASSWORD)
    hr = User.objects.create(
        username="hr", display_name="Henna Hakala", role=Role.HR, password=password,
        is_staff=True, is_superuser=True, email="hr@example.com",
    )  # fmt: skip
    for position, (code, name_fi, name_en, desc_fi, desc_en, lo, hi) in enumerate(REASONS):
        award_reason_create(
            code=code, name_fi=name_fi, name_en=name_en, description_fi=desc_fi,
            description_en=desc_en, suggested_min=lo, suggested_max=hi, position=position,
        )  # fmt: skip

    supervisors: list[User] = []
    members: dict[int, list[User]] = {}
    for index, (team_name, (username, name)) in enumerate(TEAMS):
        team = Team.objects.create(name=team_name)
        supervisor = User.objects.create(
            username=username, display_name=name, role=Role.SUPERVISOR, password=password, team=team,
            preferred_language=Language.FI, email=f"{username}@example.com",
        )  # fmt: skip
        team.leaders.add(supervisor)
        supervisors.append(supervisor)
        members[supervisor.pk] = []
        for i in range(10):
            n = index * 10 + i
            first, last = FIRST[n], LAST[n]
            members[supervisor.pk].append(
                User.objects.create(
                    username=_ascii(first),
                    display_name=f"{first} {last}",
                    role=Role.AGENT,
                    password=password,
                    team=team,
                    email=f"{_ascii(first)}@example.com",
                    employment_type=EmploymentType.AGENCY
                    if n % AGENCY_EVERY == 1
                    else EmploymentType.PERMANENT,
                    preferred_language=Language.EN if n % 7 == 3 else Language.FI,
                )
            )
        budget_policy_set(
            supervisor=supervisor,
            amount=BUDGET_PER_MEMBER,
            mode=BudgetMode.PER_MEMBER,
            rollover=index == 1,
        )
    return DemoWorld(
        hr=hr,
        supervisors=supervisors,
        members=members,
        reasons=list(AwardReason.objects.all()),
    )


def award_history(
    world: DemoWorld, *, now: datetime, months: int = MONTHS_OF_HISTORY
) -> Iterator[Award]:
    """Open `months` budget periods up to now's and award from them in time order, yielding each
    award as it is written (so a caller can interleave what people do with their points).

    The awards depend only on `now` and their own random generator, never on the caller."""
    rng = random.Random(2015)
    month = period_start_for(now)
    starts = []
    for _ in range(months):
        starts.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    tz = timezone.get_current_timezone()
    for period_start in reversed(starts):
        opened_at = datetime.combine(period_start, time(0, 5), tzinfo=tz)
        for supervisor in world.supervisors:
            budget_period_open(
                supervisor=supervisor, period_start=period_start, opened_at=opened_at
            )
        events = []
        for supervisor in world.supervisors:
            for _ in range(rng.randint(*AWARDS_PER_MONTH)):
                day = rng.randint(0, 27)
                moment = opened_at + timedelta(
                    days=day, hours=rng.randint(8, 16), minutes=rng.randint(0, 59)
                )
                if moment < now:
                    events.append(
                        (
                            moment,
                            supervisor,
                            rng.choice(world.members[supervisor.pk]),
                            rng.choice(world.reasons),
                        )
                    )
        for moment, supervisor, recipient, reason in sorted(events, key=lambda e: (e[0], e[1].pk)):
            # Within the cap whatever HR has published (a reason saved before the cap was lowered).
            high = min(reason.suggested_max, settings.AWARD_MAX_POINTS)
            points = rng.randrange(min(reason.suggested_min, high), high + 1, 5)
            try:
                award = award_create(
                    giver=supervisor,
                    recipient=recipient,
                    reason=reason,
                    points=points,
                    message=rng.choice(MESSAGES),
                    created_at=moment,
                )
            except BudgetExceededError:
                continue  # a supervisor who ran out of budget that month simply stops awarding
            yield award


def thanks_history(world: DemoWorld, *, now: datetime) -> list[Thanks]:
    """A few weeks of thanks between colleagues of a team, with reactions; deterministic."""
    rng = random.Random(2016)
    made: list[Thanks] = []
    for n in range(THANKS_COUNT):
        supervisor = world.supervisors[n % len(world.supervisors)]
        giver, recipient = rng.sample(world.members[supervisor.pk], 2)
        # Spread over three weeks, the last few within the past day.
        moment = now - timedelta(hours=2 + (THANKS_COUNT - n) ** 2 * 2.5)
        thanks = thanks_create(
            giver=giver,
            recipient=recipient,
            reason=rng.choice(world.reasons),
            message=rng.choice(THANKS_MESSAGES),
            created_at=moment,
        )
        for reactor in rng.sample(world.members[supervisor.pk], rng.randint(0, 3)):
            thanks_react(thanks=thanks, user=reactor, emoji=rng.choice(list(ThanksEmoji.values)))
        made.append(thanks)
    return made


NEWCOMERS = [
    # (username, name, the team's supervisor's index, employment type)
    ("ella", "Ella Virta", 0, EmploymentType.PERMANENT),
    ("rasmus", "Rasmus Aalto", 1, EmploymentType.AGENCY),
]
NEWCOMERS_JOINED_WEEKS_AGO = 6


def newcomers_join(world: DemoWorld, *, now: datetime) -> list[User]:
    """Two agents who joined six weeks ago and whom nobody has recognised yet: what "not
    recognised lately" is for. Written after the history, which they are no part of."""
    password = make_password(DEMO_PASSWORD)
    joined = []
    for username, name, index, employment in NEWCOMERS:
        supervisor = world.supervisors[index]
        joined.append(
            User.objects.create(
                username=username,
                display_name=name,
                role=Role.AGENT,
                password=password,
                team_id=supervisor.team_id,
                email=f"{username}@example.com",
                employment_type=employment,
                preferred_language=Language.FI,
                employment_start=(now - timedelta(weeks=NEWCOMERS_JOINED_WEEKS_AGO)).date(),
            )
        )
    return joined


def seed_demo(*, now: datetime | None = None, months: int = MONTHS_OF_HISTORY) -> SeedResult:
    """The ledger's part of the demo, once: people, criteria and a year of awards, without
    notifications. (The full demo, with the market, is `rewards.demo.seed_demo`.)"""
    with notifications_muted(), transaction.atomic():
        return _seed(now=now, months=months)


def _seed(*, now: datetime | None, months: int) -> SeedResult:
    result = SeedResult(created=not demo_exists(), logins=demo_logins())
    if not result.created:
        return result
    world = seed_people()
    now = now or timezone.now()
    for _award in award_history(world, now=now, months=months):
        result.awards += 1
    thanks_history(world, now=now)
    newcomers_join(world, now=now)
    return result
