"""The demo market: a catalogue in the spirit of the original and a year of people using it.

Everything is written through the real services (`quote_create`, `redemption_create` and the
transitions, backdated with their `at` keyword), interleaved in time with the ledger's award
history, so every balance was covered at the moment of every purchase and `ledger_verify` is
clean. Deterministic: the same `now` gives the same data.

Personas, from the original's observations (docs/origin.md):
- binge redeemers (about a third) buy something the moment their points suffice;
- goal savers (about a quarter) pick a big reward as their goal and save for months;
- the rest are steady: now and then a mid-priced treat when they have a comfortable margin.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from ledger.demo import (
    MONTHS_OF_HISTORY,
    DemoWorld,
    award_history,
    demo_exists,
    demo_logins,
    newcomers_join,
    seed_people,
    thanks_history,
)
from ledger.models import Award
from notifications.services import notifications_muted
from people.models import User

from .drawings import drawing_create
from .models import DrawingRule, Redemption, RedemptionState, Reward, RewardCategory
from .services import (
    quote_create,
    redemption_approve,
    redemption_cancel,
    redemption_create,
    redemption_fulfil,
    redemption_reject,
    reward_create,
    reward_restock,
    wish_add,
)

E, W, D, T, OT = (
    RewardCategory.EXPERIENCE,
    RewardCategory.WELLBEING,
    RewardCategory.DESIGN_GOODS,
    RewardCategory.TIME_OFF,
    RewardCategory.OTHER,
)
CHRISTMAS_SWAP = "Swap away your Christmas Eve shift"
DEMO_DRAWING_OPEN_FOR = timedelta(days=10)

# (name_fi, name_en, description_fi, description_en, category, price, stock, needs_approval)
CATALOGUE: list[tuple[str, str, str, str, str, int, int | None, bool]] = [
    # cheap treats, 40-120
    ("E-kirja valintasi mukaan", "An e-book of your choice",
     "Mikä tahansa e-kirja kotimaisesta kirjakaupasta.", "Any e-book from a Finnish online bookshop.",
     OT, 40, None, False),
    ("Lahjoitus hyväntekeväisyyteen", "A donation to charity",
     "Lahjoitamme 20 euroa valitsemallesi järjestölle.", "We give 20 euros to a charity you choose.",
     OT, 50, None, False),
    ("Lounasseteli", "Lunch voucher",
     "Lounas talon piikkiin lähiravintolassa.", "Lunch on the house at a restaurant nearby.",
     OT, 50, None, False),
    ("Kahvit ja pullat koko tiimille", "Coffee and buns for the whole team",
     "Tarjoat tiimillesi kahvit ja korvapuustit, me maksamme.",
     "You treat your team to coffee and cinnamon buns; we pay.", OT, 60, None, False),
    ("Muumimuki", "Moomin mug",
     "Arabian Muumimuki, kuosi omasta valinnasta.", "An Arabia Moomin mug in the design you pick.",
     D, 70, None, False),
    ("Elokuvaliput kahdelle", "Cinema tickets for two",
     "Kaksi lippua mihin tahansa näytökseen.", "Two tickets to any screening.", E, 90, None, False),
    ("Suklaarasia", "A box of chocolates",
     "Fazerin konvehtirasia, aina yhtä hyvä.", "A box of Fazer chocolates, as good as ever.",
     OT, 45, None, False),
    ("Kauneudenhoitotuokio", "Pampering treatment",
     "Kasvohoito, manikyyri tai jalkahoito.", "A facial, a manicure or a pedicure.",
     W, 120, None, False),
    # mid, 150-400
    ("Valitse vuorosi ensi viikolla", "Choose your shifts next week",
     "Saat toivoa ensi viikon vuorot ensimmäisenä. Esihenkilö vahvistaa.",
     "You pick next week's shifts first. Your supervisor confirms.", T, 150, None, True),
    ("Firman huppari", "Company hoodie",
     "Pehmeä Pojopörssi-huppari, koot XS-3XL.", "A soft Pojopörssi hoodie, sizes XS-3XL.",
     D, 180, None, False),
    ("Kuntosalin kuukausikortti", "Gym pass for a month",
     "Kuukauden kortti lähimmälle kuntosalille.", "A month's pass to the nearest gym.",
     W, 200, None, False),
    ("Fiskars-puutarhasakset", "Fiskars garden shears",
     "Suomalaiset klassikkosakset, jotka kestävät vuosikymmeniä.",
     "The Finnish classic shears that last for decades.", D, 200, None, False),
    ("Hieronta", "Massage",
     "Tunnin klassinen hieronta.", "An hour of classic massage.", W, 220, None, False),
    ("iittala Aino Aalto -lasit", "iittala Aino Aalto glasses",
     "Neljän lasin setti, suunnittelija Aino Aalto.", "A set of four glasses designed by Aino Aalto.",
     D, 240, 12, False),
    ("Marimekko-kassi", "Marimekko bag",
     "Unikko-kuosinen kangaskassi.", "A canvas bag in the Unikko print.", D, 260, 10, False),
    ("Saunailta tiimille", "Sauna evening for the team",
     "Tilauksen saunailta koko tiimille, iltapala mukaan.",
     "A booked sauna evening for your whole team, with supper.", E, 280, 6, False),
    ("Teatteri-ilta", "Theatre evening",
     "Kaksi lippua kaupunginteatteriin.", "Two tickets to the city theatre.", E, 300, None, False),
    ("Konserttiliput", "Concert tickets",
     "Kaksi lippua valitsemaasi konserttiin.", "Two tickets to a concert of your choice.",
     E, 320, None, False),
    ("Kylpylähoito", "Spa treatment",
     "Puolen päivän hemmottelu kylpylässä.", "Half a day of pampering at a spa.", W, 350, None, False),
    ("Kokkikurssi", "Cooking class",
     "Illan kokkikurssi kahdelle.", "An evening's cooking class for two.", E, 380, 8, False),
    # big goals, 600-1200
    ("Vaihda jouluaaton vuoro pois", CHRISTMAS_SWAP,
     "Jouluaatto vapaaksi: joku muu ottaa vuorosi. Vain kolme vapaata paikkaa; esihenkilö sopii "
     "vuorojärjestelyt.",
     "Christmas Eve off: someone else takes your shift. Only three places; your supervisor "
     "arranges the rota.", T, 600, 3, True),
    ("iittala Taika -astiasto", "iittala Taika dinner set",
     "Kuuden hengen Taika-astiasto.", "A Taika dinner set for six.", D, 650, None, False),
    ("Ylimääräinen vapaapäivä", "An extra day off",
     "Palkallinen vapaapäivä, ajankohta sovitaan esihenkilön kanssa.",
     "A paid day off, on a date agreed with your supervisor.", T, 700, None, True),
    ("Aalto-maljakko", "Aalto vase",
     "Alvar Aallon Savoy-maljakko, suomalaisen muotoilun klassikko.",
     "Alvar Aalto's Savoy vase, a classic of Finnish design.", D, 900, 5, False),
    ("Helkama Jopo -pyörä", "Helkama Jopo bicycle",
     "Suomalainen klassikkopyörä, värin saa valita.", "The Finnish classic bike, in your colour.",
     D, 1100, 2, False),
    ("Kylpyläviikonloppu kahdelle", "Spa weekend for two",
     "Kaksi yötä kylpylähotellissa puolihoidolla.", "Two nights at a spa hotel, half board.",
     W, 1200, 4, False),
]  # fmt: skip

CHEAP, BIG = 120, 600  # price bands: cheap up to 120, big from 600
BINGE, SAVER, STEADY = "binge", "saver", "steady"
REJECT_REASONS = [
    "Vuorolista on jo lukittu, kokeile ensi viikolla.",
    "Ei onnistu sesonkiviikolla, pahoittelut! Pisteet palautettu.",
    "Too many people off that day; let's find another date.",
]


@dataclass
class MarketSeedResult:
    created: bool
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    awards: int = 0
    rewards: int = 0
    redemptions: int = 0
    states: dict[str, int] = field(default_factory=dict)
    personas: dict[str, int] = field(default_factory=dict)
    per_agent_per_year: float = 0.0


def catalogue_create(*, at: datetime | None = None) -> list[Reward]:
    """Add the demo catalogue through the catalogue service (on the market from `at`)."""
    rewards = []
    for name_fi, name_en, desc_fi, desc_en, category, price, stock, approval in CATALOGUE:
        reward = reward_create(
            name_fi=name_fi, name_en=name_en, description_fi=desc_fi, description_en=desc_en,
            category=category, base_price=price, stock=stock, needs_approval=approval, at=at,
        )  # fmt: skip
        rewards.append(reward)
    return rewards


def assign_personas(usernames: list[str]) -> dict[str, str]:
    """Who is who, deterministically: a third binge redeemers, a quarter goal savers."""
    order = sorted(usernames)
    random.Random(1517).shuffle(order)
    binge, savers = round(len(order) / 3), round(len(order) / 4)
    return {
        name: BINGE if i < binge else SAVER if i < binge + savers else STEADY
        for i, name in enumerate(order)
    }


@dataclass
class Shopper:
    agent: User
    supervisor: User
    persona: str
    balance: int = 0
    free_from: datetime | None = None  # their next purchase is not stamped before this
    want: Reward | None = None  # what they buy next (a saver's goal)
    margin: int = 0  # what a steady shopper keeps in the wallet after a purchase
    last_award: datetime | None = None


class Market:
    """Plays the people's side of the market, one award at a time."""

    def __init__(
        self,
        world: DemoWorld,
        rewards: list[Reward],
        *,
        now: datetime,
        clock: Callable[[datetime], bool] | None = None,
    ) -> None:
        self.rng = random.Random(2017)
        self.now = now
        self.clock = clock
        self.rewards = rewards
        self.stock = {r.pk: r.stock for r in rewards}
        agents = sorted(world.agents, key=lambda a: a.username)
        persona = assign_personas([a.username for a in agents])
        self.shoppers = {
            a.pk: Shopper(
                agent=a,
                supervisor=world.supervisor_of(a),
                persona=persona[a.username],
                margin=self.rng.randrange(30, 160, 10),
            )
            for a in agents
        }
        self.redemptions: list[Redemption] = []

    def _available(self, reward: Reward, moment: datetime) -> bool:
        stock = self.stock[reward.pk]
        # The Christmas Eve swap sells in December, for that Christmas.
        return (stock is None or stock > 0) and (
            reward.name_en != CHRISTMAS_SWAP or moment.month == 12
        )

    def _choose(self, moment: datetime, low: int, high: int) -> Reward | None:
        """Something priced `low`-`high` that can be bought at `moment`."""
        choice = [
            r for r in self.rewards if low <= r.current_price <= high and self._available(r, moment)
        ]
        return self.rng.choice(choice) if choice else None

    def _wish(self, shopper: Shopper, moment: datetime) -> Reward | None:
        if shopper.persona == BINGE:
            return self._choose(moment, 40, 220)  # whatever catches the eye, mostly cheap
        if shopper.persona == SAVER:
            return self._choose(moment, BIG, 10_000)  # a big goal
        if moment.month == 12 and self.rng.random() < 0.5:
            return self._choose(moment, BIG, BIG)  # Christmas Eve off, if one is left
        return self._choose(moment, 90, 400)

    def after_award(self, award: Award) -> None:
        if self.clock is not None and self.clock(award.created_at):
            # The market repriced up to this moment: shoppers see today's prices. Every event the
            # generator writes from here on is stamped at or after it, so no priced window moves.
            fresh = Reward.objects.in_bulk([r.pk for r in self.rewards])
            for reward in self.rewards:
                reward.current_price = fresh[reward.pk].current_price
        shopper = self.shoppers.get(award.recipient_id)
        if shopper is None:
            return
        shopper.balance += award.points
        moment = shopper.last_award = award.created_at
        if shopper.want is None or not self._available(shopper.want, moment):
            shopper.want = self._wish(shopper, moment)
        want = shopper.want
        if want is None:
            return
        if shopper.persona == BINGE:
            # The moment the points suffice: buy it, within the hour.
            if shopper.balance >= want.current_price:
                self._buy(shopper, want, moment, minutes=(3, 60))
        elif shopper.persona == SAVER:
            if shopper.balance >= want.current_price:
                self._buy(shopper, want, moment, minutes=(30, 60 * 24))
            elif self.rng.random() < 0.06:
                # A small treat now and then, never from the goal's points.
                spare = shopper.balance - want.current_price
                treat = self._choose(moment, 40, CHEAP)
                if treat is not None and treat.current_price <= spare:
                    self._buy(shopper, treat, moment, minutes=(60, 60 * 48), keep_want=True)
        elif shopper.balance >= want.current_price + shopper.margin and self.rng.random() < 0.5:
            self._buy(shopper, want, moment, minutes=(60, 60 * 72))

    def _buy(
        self,
        shopper: Shopper,
        reward: Reward,
        after: datetime,
        *,
        minutes: tuple[int, int],
        keep_want: bool = False,
    ) -> None:
        """Quote and redeem at a moment after `after`, then decide what happens to it."""
        moment = after + timedelta(minutes=self.rng.randint(*minutes))
        if shopper.free_from and moment < shopper.free_from:
            moment = shopper.free_from + timedelta(minutes=self.rng.randint(5, 60))
        if moment >= self.now - timedelta(minutes=10):
            return
        quote = quote_create(employee=shopper.agent, reward=reward, at=moment)
        redemption = redemption_create(
            employee=shopper.agent, quote=quote, at=moment + timedelta(minutes=2)
        )
        shopper.balance -= redemption.price_paid
        stock = self.stock[reward.pk]
        if stock is not None:
            self.stock[reward.pk] = stock - 1
        self.redemptions.append(redemption)
        shopper.free_from = self._aftermath(shopper, redemption, moment + timedelta(minutes=2))
        if not keep_want:
            shopper.want = None

    def _aftermath(self, shopper: Shopper, redemption: Redemption, at: datetime) -> datetime:
        """Approve, fulfil, reject or cancel it, at believable moments before now. Returns the
        moment from which the shopper's balance is final again (after any refund)."""
        supervisor, roll = shopper.supervisor, self.rng.random()
        if redemption.state == RedemptionState.PENDING:
            if roll < 0.2:
                cancel_at = at + timedelta(hours=self.rng.randint(1, 20))
                if cancel_at < self.now:
                    redemption_cancel(employee=shopper.agent, redemption=redemption, at=cancel_at)
                    return self._refunded(shopper, redemption, cancel_at)
                return at
            decide_at = at + timedelta(hours=self.rng.randint(2, 40))
            if decide_at >= self.now:
                return at  # still in the approval queue
            if roll < 0.4:
                reason = self.rng.choice(REJECT_REASONS)
                redemption_reject(
                    approver=supervisor, redemption=redemption, reason=reason, at=decide_at
                )
                return self._refunded(shopper, redemption, decide_at)
            redemption = redemption_approve(
                approver=supervisor, redemption=redemption, at=decide_at
            )
            at = decide_at
        fulfil_at = at + timedelta(days=self.rng.randint(1, 10), hours=self.rng.randint(0, 8))
        if fulfil_at < self.now:
            redemption_fulfil(approver=supervisor, redemption=redemption, at=fulfil_at)
        return at

    def _refunded(self, shopper: Shopper, redemption: Redemption, at: datetime) -> datetime:
        shopper.balance += redemption.price_paid
        stock = self.stock[redemption.reward_id]
        if stock is not None:
            self.stock[redemption.reward_id] = stock + 1
        return at

    def finish(self) -> None:
        """Savers keep their goal as their first wish, with a price alert 10 % below today's
        price (home shows it; "My wishes" has the alert), and each supervisor finds a request for
        next week's shifts from this morning in the approval queue."""
        for shopper in self.shoppers.values():
            if shopper.persona == SAVER and shopper.want is not None:
                target = max(1, shopper.want.current_price * 9 // 10)
                wish_add(employee=shopper.agent, reward=shopper.want, target_price=target)
        shifts = next(r for r in self.rewards if r.name_en == "Choose your shifts next week")
        queued: set[int] = set()
        for shopper in self.shoppers.values():
            if shopper.supervisor.pk in queued or shopper.balance < shifts.current_price:
                continue
            moment = self.now - timedelta(hours=self.rng.randint(2, 6))
            earlier = [t for t in (shopper.free_from, shopper.last_award) if t is not None]
            if any(moment <= t for t in earlier):
                continue
            quote = quote_create(employee=shopper.agent, reward=shifts, at=moment)
            self.redemptions.append(
                redemption_create(
                    employee=shopper.agent, quote=quote, at=moment + timedelta(minutes=1)
                )
            )
            queued.add(shopper.supervisor.pk)
        if len(queued) > 2 and not any(
            r.state == RedemptionState.CANCELLED for r in self.redemptions
        ):
            # Someone changed their mind an hour later (the history had no cancellation left).
            first = self.redemptions[-len(queued)]
            redemption_cancel(
                employee=first.employee, redemption=first, at=first.created_at + timedelta(hours=1)
            )


def seed_demo(
    *,
    now: datetime | None = None,
    months: int = MONTHS_OF_HISTORY,
    clock: Callable[[datetime], bool] | None = None,
) -> MarketSeedResult:
    """The whole demo, once: people, a year of awards, the catalogue and a year of redemptions.

    A second run changes nothing; on a demo seeded before the market existed it adds only the
    catalogue (inventing a purchase history there would contradict the balances people have).
    History sends no notifications: nobody wants a year of e-mails at once.

    `clock(moment)` is called before each award of the history, in time order; the pricing demo
    reprices the market there and returns whether prices changed."""
    with notifications_muted(), transaction.atomic():
        result = _seed(now=now, months=months, clock=clock)
        _analyze()
        return result


def _analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load of thousands of rows.

    Without them the planner believes the new tables are empty and joins them in nested loops:
    reading the year of history then takes minutes instead of milliseconds. Inside the seed's
    transaction ANALYZE also counts its own not yet committed rows (which is what a test sees).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE ledger_entry, ledger_transaction, ledger_account, ledger_award, people_user, "
                "rewards_redemption, rewards_reward"
            )


def _seed(
    *, now: datetime | None, months: int, clock: Callable[[datetime], bool] | None
) -> MarketSeedResult:
    now = now or timezone.now()
    result = MarketSeedResult(created=not demo_exists(), logins=demo_logins())
    if not result.created:
        if not Reward.objects.exists():
            result.rewards = len(catalogue_create())
        return result
    world = seed_people()
    # On the market since before the history begins, so every day of it is priced.
    rewards = catalogue_create(at=now - timedelta(days=31 * months + 1))
    result.rewards = len(rewards)
    market = Market(world, rewards, now=now, clock=clock)
    for award in award_history(world, now=now, months=months):
        result.awards += 1
        market.after_award(award)
    market.finish()
    thanks_history(world, now=now)
    newcomers_join(world, now=now)
    swap = Reward.objects.get(name_en=CHRISTMAS_SWAP)
    if swap.stock is not None and swap.stock < 3:
        # HR puts this Christmas's three places back on the market.
        reward_restock(reward=swap, quantity=3 - swap.stock)
    # This Christmas the three places go to the highest sealed bids: a drawing open from today.
    moment = max(now, timezone.now())
    drawing_create(
        actor=world.hr,
        reward=swap,
        rule=DrawingRule.AUCTION,
        opens_at=moment,
        closes_at=moment + DEMO_DRAWING_OPEN_FOR,
        schedule=False,  # history sends nothing; the beat sweeper closes it
    )
    _leavers_seed(world, today=timezone.localdate(moment))
    result.redemptions = len(market.redemptions)
    result.states = dict(Counter(Redemption.objects.values_list("state", flat=True)).most_common())
    result.personas = dict(Counter(s.persona for s in market.shoppers.values()))
    per_agent = result.redemptions / max(1, len(market.shoppers))
    result.per_agent_per_year = round(per_agent * 12 / months, 1)
    return result


def _leavers_seed(world: DemoWorld, *, today: date) -> None:
    """Contract ends (rewards.leavers): Onni's agency contract ends in three weeks, so his wallet
    and the market remind him to spend his points; one more leaves in six weeks and one left last
    week (her points wait for the daily job, or HR's "settle now", on the leavers page)."""
    others = [a for a in world.agents if a.username not in {"aino", "onni"}]
    ends = {"onni": today + timedelta(days=20)}
    ends[others[4].username] = today + timedelta(days=45)
    ends[others[11].username] = today - timedelta(days=7)
    for username, end in ends.items():
        User.objects.filter(username=username).update(employment_end=end)
