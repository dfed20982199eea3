"""A believable contact centre for demos and first runs: deterministic, written through services."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from people.models import EmploymentType, Language, Role, Team, User

from .errors import BudgetExceededError
from .models import AwardReason, BudgetMode
from .services import (
    award_create,
    award_reason_create,
    budget_period_open,
    budget_policy_set,
    period_start_for,
)

DEMO_PASSWORD = "pojo-demo"
MONTHS_OF_HISTORY = 4

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
    "Kiitos, asiakas kehui sinua erikseen!", "Hienoa työtä eilisessä ruuhkassa.", "Thanks for stepping in!",
    "Loistava ratkaisu hankalaan tapaukseen.", "", "", "Great teamwork this week.", "Kiitos joustosta!",
]  # fmt: skip


def _ascii(name: str) -> str:
    return name.lower().translate(str.maketrans("äöå", "aoa"))


@dataclass
class SeedResult:
    created: bool
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    awards: int = 0


@transaction.atomic
def seed_demo(*, now: datetime | None = None) -> SeedResult:
    """Create the demo contact centre once; a second run only reports the logins."""
    now = now or timezone.now()
    result = SeedResult(created=not User.objects.filter(username="hr").exists())
    logins = [("hr", "HR", "Henna Hakala")]
    for _team, (username, name) in TEAMS:
        logins.append((username, "supervisor", name))
    logins.append(("aino", "agent", "Aino Nieminen"))
    logins.append(("onni", "agent (agency)", "Onni Koskinen"))
    result.logins = logins
    if not result.created:
        return result

    rng = random.Random(2015)
    password = make_password(DEMO_PASSWORD)
    User.objects.create(
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
            supervisor=supervisor, amount=60, mode=BudgetMode.PER_MEMBER, rollover=index == 1
        )

    reasons = list(AwardReason.objects.all())
    month = period_start_for(now)
    starts = []
    for _ in range(MONTHS_OF_HISTORY):
        starts.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    tz = timezone.get_current_timezone()
    for period_start in reversed(starts):
        opened_at = datetime.combine(period_start, time(0, 5), tzinfo=tz)
        for supervisor in supervisors:
            budget_period_open(
                supervisor=supervisor, period_start=period_start, opened_at=opened_at
            )
        events = []
        for supervisor in supervisors:
            for _ in range(rng.randint(14, 20)):
                day = rng.randint(0, 27)
                moment = opened_at + timedelta(
                    days=day, hours=rng.randint(8, 16), minutes=rng.randint(0, 59)
                )
                if moment < now:
                    events.append(
                        (
                            moment,
                            supervisor,
                            rng.choice(members[supervisor.pk]),
                            rng.choice(reasons),
                        )
                    )
        for moment, supervisor, recipient, reason in sorted(events, key=lambda e: (e[0], e[1].pk)):
            points = rng.randrange(reason.suggested_min, reason.suggested_max + 1, 5)
            try:
                award_create(
                    giver=supervisor,
                    recipient=recipient,
                    reason=reason,
                    points=points,
                    message=rng.choice(MESSAGES),
                    created_at=moment,
                )
            except BudgetExceededError:
                continue  # a supervisor who ran out of budget that month simply stops awarding
            result.awards += 1
    return result
