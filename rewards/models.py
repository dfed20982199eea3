"""The reward market: catalogue, price quotes, redemptions and wishes (watched rewards).

Invariants held by the database:
- prices are positive and stock is never negative (CHECK constraints; stock NULL = unlimited);
- a redemption's debit is one ledger transaction, and its refund at most one (one-to-one);
- a quote is used at most once (`used_at` is set by a conditional UPDATE).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _in_english() -> bool:
    return (get_language() or "fi").startswith("en")


class RewardCategory(models.TextChoices):
    EXPERIENCE = "experience", _("Experience")
    WELLBEING = "wellbeing", _("Wellbeing")
    DESIGN_GOODS = "design_goods", _("Design & goods")
    TIME_OFF = "time_off", _("Time off & shifts")
    OTHER = "other", _("Other")


class Reward(models.Model):
    """Something an employee can buy with points."""

    name_fi = models.CharField(_("name (Finnish)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_fi = models.TextField(_("description (Finnish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    category = models.CharField(
        _("category"), max_length=20, choices=RewardCategory.choices, default=RewardCategory.OTHER
    )
    icon = models.SlugField(
        _("icon"), max_length=50, blank=True, help_text=_("A vendored icon's name.")
    )
    base_price = models.PositiveIntegerField(_("base price"))
    current_price = models.PositiveIntegerField(
        _("current price"), help_text=_("What people pay now; pricing moves it.")
    )
    log_price = models.FloatField(
        _("log-price ℓ"),
        default=0.0,
        help_text=_("ℓ = ln(price / base price), kept exactly; the price is rounded from it."),
    )
    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("Empty means unlimited.")
    )
    needs_approval = models.BooleanField(_("needs approval"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    picture = models.CharField(
        _("picture"),
        max_length=100,
        blank=True,
        help_text=_("The stored picture's name (content-addressed, see rewards.pictures)."),
    )
    options = models.JSONField(
        _("options"),
        default=list,
        blank=True,
        help_text=_(
            'What a buyer picks: [{"name_fi": "Koko", "name_en": "Size", "choices": ["S", "M"]}].'
        ),
    )
    approver_note = models.TextField(
        _("note to the approver"),
        blank=True,
        help_text=_("Shown to whoever approves or hands over a redemption of this reward."),
    )

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["name_fi", "id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=Q(base_price__gte=1, current_price__gte=1), name="reward_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0), name="reward_stock_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if _in_english() else self.name_fi

    @property
    def description(self) -> str:
        return self.description_en if _in_english() else self.description_fi

    @property
    def options_shown(self) -> list[dict[str, Any]]:
        """The options with their name in the reader's language."""
        key = "name_en" if _in_english() else "name_fi"
        return [{"name": o[key], "choices": o["choices"]} for o in self.options]


class RewardActivation(models.Model):
    """Append-only log of a reward going on and off the market (pricing asks which rewards
    were active in a window; the `active` flag alone only knows about now)."""

    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="activations")
    active = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reward activation")
        verbose_name_plural = _("reward activations")
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["reward", "at"], name="reward_activation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reward_id} {'on' if self.active else 'off'} @ {self.at:%Y-%m-%d %H:%M}"


class Quote(models.Model):
    """A price promise to one employee for one reward, valid until `expires_at`; used once."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quotes"
    )
    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="quotes")
    price = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=Q(price__gte=1), name="quote_price_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.reward_id} @ {self.price}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class RedemptionState(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


REFUNDED_STATES = (RedemptionState.CANCELLED, RedemptionState.REJECTED)


class Redemption(models.Model):
    """An employee bought a reward: the points left their wallet in `debit`."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="redemptions"
    )
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    quote = models.OneToOneField(
        Quote, on_delete=models.PROTECT, null=True, blank=True, related_name="redemption"
    )
    price_paid = models.PositiveIntegerField()
    state = models.CharField(max_length=20, choices=RedemptionState.choices, db_index=True)
    debit = models.OneToOneField(
        "ledger.Transaction", on_delete=models.PROTECT, related_name="redemption"
    )
    refund = models.OneToOneField(
        "ledger.Transaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunded_redemption",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redemptions_decided",
    )
    reason = models.TextField(blank=True)
    options = models.JSONField(
        default=list,
        db_default=[],  # rows written by COPY (the history import) have no options
        blank=True,
        help_text=_('The buyer\'s picks: [{"name_fi": "Koko", "name_en": "Size", "value": "M"}].'),
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text=_("When it could no longer be cancelled by its owner: it counts as demand then."),
    )

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=Q(price_paid__gte=1), name="redemption_price_positive"
            ),
            models.CheckConstraint(
                condition=(
                    Q(state__in=REFUNDED_STATES, refund__isnull=False)
                    | (~Q(state__in=REFUNDED_STATES) & Q(refund__isnull=True))
                ),
                name="redemption_refunded_iff_cancelled_or_rejected",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.employee} — {self.reward} ({self.get_state_display()})"

    @property
    def options_shown(self) -> str:
        """The buyer's picks in the reader's language: "Size: M, Colour: red"."""
        key = "name_en" if _in_english() else "name_fi"
        return ", ".join(f"{o[key]}: {o['value']}" for o in self.options)


WISHES_MAX = 20
"""How many rewards one person may wish for (and watch) at once."""


class Wish(models.Model):
    """A reward a person wishes for: watched for price drops, sales and drawings, and projected
    against their points. With a target price it is also a price alert.

    `below_target` is the last price seen by the alert pass (at or below the target?): an alert
    fires when it turns true, once per crossing, and `price_alerts` numbers the crossings (the
    notification's dedup key), so a job run again finds nothing new to say."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishes"
    )
    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="wishes")
    target_price = models.PositiveIntegerField(_("target price"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    below_target = models.BooleanField(default=False, editable=False)
    price_alerts = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("wish")
        verbose_name_plural = _("wishes")
        ordering = ["employee", "position", "id"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["employee", "reward"], name="wish_unique_per_person"),
            models.CheckConstraint(
                condition=Q(target_price__isnull=True) | Q(target_price__gte=1),
                name="wish_target_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} → {self.reward}"


# --- Drawings: scarce rewards by sealed-bid auction or lottery ------------------------------------


class DrawingRule(models.TextChoices):
    AUCTION = "auction", _("Sealed-bid auction")
    LOTTERY = "lottery", _("Lottery")


class DrawingState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


LIVE_DRAWING_STATES = (DrawingState.SCHEDULED, DrawingState.OPEN)


class Drawing(models.Model):
    """A limited-stock reward given out by auction or lottery between `opens_at` and `closes_at`.

    The reserve and k (items) are fixed when the drawing opens: the reward's price then (or the
    HR floor if higher) and its stock then. The lottery's seed is drawn at creation and kept
    secret until the close; its sha256 is public from the start."""

    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="drawings")
    rule = models.CharField(_("rule"), max_length=10, choices=DrawingRule.choices)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"), db_index=True)
    floor = models.PositiveIntegerField(_("floor"), null=True, blank=True)
    reserve = models.PositiveIntegerField(_("reserve"), null=True, blank=True)
    k = models.PositiveIntegerField(_("items"), null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=DrawingState.choices, default=DrawingState.SCHEDULED, db_index=True
    )
    seed = models.CharField(max_length=64)
    seed_hash = models.CharField(max_length=64)
    clearing_price = models.PositiveIntegerField(null=True, blank=True)
    bidders = models.PositiveIntegerField(
        default=0, help_text=_("Live bids or entries at the close.")
    )
    winners = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="drawings_created"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("drawing")
        verbose_name_plural = _("drawings")
        ordering = ["-closes_at", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="drawing_closes_after_open"
            ),
            models.CheckConstraint(
                condition=Q(floor__isnull=True) | Q(floor__gte=1), name="drawing_floor_positive"
            ),
            models.CheckConstraint(
                condition=(
                    Q(state=DrawingState.SCHEDULED, reserve__isnull=True, closed_at__isnull=True)
                    | Q(state=DrawingState.OPEN, reserve__gte=1, k__isnull=False)
                    & Q(closed_at__isnull=True)
                    | Q(state=DrawingState.CLOSED, reserve__gte=1, closed_at__isnull=False)
                ),
                name="drawing_state_consistent",
            ),
            # The stock belongs to one drawing at a time.
            models.UniqueConstraint(
                fields=["reward"],
                condition=Q(state__in=LIVE_DRAWING_STATES),
                name="drawing_one_live_per_reward",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_rule_display()}: {self.reward}"

    @property
    def is_auction(self) -> bool:
        return self.rule == DrawingRule.AUCTION


class BidResult(models.TextChoices):
    NONE = "", _("Not decided")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Bid(models.Model):
    """One employee's bid (auction) or entry (lottery) in a drawing; its points are held.

    One row per person and drawing: changing the amount replaces the hold and restamps
    `placed_at` (ties go to the earlier `placed_at`); withdrawing voids the hold."""

    drawing = models.ForeignKey(Drawing, on_delete=models.PROTECT, related_name="bids")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bids"
    )
    amount = models.PositiveIntegerField()
    hold = models.OneToOneField(
        "ledger.Hold", on_delete=models.PROTECT, related_name="bid", null=True, blank=True
    )
    placed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    withdrawn = models.BooleanField(default=False)
    result = models.CharField(max_length=4, choices=BidResult.choices, default="", blank=True)
    redemption = models.OneToOneField(
        Redemption, on_delete=models.PROTECT, null=True, blank=True, related_name="bid"
    )

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["drawing", "-amount", "placed_at", "id"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["drawing", "employee"], name="bid_one_per_person"),
            models.CheckConstraint(condition=Q(amount__gte=1), name="bid_amount_positive"),
            models.CheckConstraint(
                condition=Q(withdrawn=True, hold__isnull=True) | Q(withdrawn=False),
                name="bid_withdrawn_without_hold",
            ),
            models.CheckConstraint(
                condition=Q(result=BidResult.WON, redemption__isnull=False)
                | (~Q(result=BidResult.WON) & Q(redemption__isnull=True)),
                name="bid_won_iff_redemption",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.amount} in drawing {self.drawing_id}"


class LeaverMode(models.TextChoices):
    KEEP = "keep", _("Keep the points for a grace period, then lapse them")
    CONVERT = "convert", _("Convert the points to a chosen reward, lapse the remainder")
    LAPSE = "lapse", _("Lapse the points after the last working day")


class LeaverPolicy(models.Model):
    """HR's one policy for a leaver's unspent points (a singleton, pk 1; changes are audited).

    Applies to everybody with a last working day (`User.employment_end`), agency and permanent
    alike. Settled by `leaver_settle` the day after the end date (`keep`: after the grace days)."""

    mode = models.CharField(
        _("what happens to a leaver's points"),
        max_length=10,
        choices=LeaverMode.choices,
        default=LeaverMode.KEEP,
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"),
        default=30,
        help_text=_("Days after the last working day that the points are kept (mode 'keep')."),
    )
    convert_reward = models.ForeignKey(
        Reward,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reward to convert to"),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("leaver policy")
        verbose_name_plural = _("leaver policies")
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=Q(pk=1), name="leaver_policy_singleton"),
            models.CheckConstraint(
                condition=~Q(mode="convert") | Q(convert_reward__isnull=False),
                name="leaver_policy_convert_has_reward",
            ),
            models.CheckConstraint(
                condition=Q(grace_days__lte=365), name="leaver_policy_grace_at_most_a_year"
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_mode_display())


class LeaverSettlement(models.Model):
    """What became of one leaver's points for one last working day: written once (unique per
    person and end date), in the same database transaction as its ledger postings."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leaver_settlements"
    )
    end_date = models.DateField()
    mode = models.CharField(max_length=10, choices=LeaverMode.choices)
    lapsed = models.PositiveIntegerField(default=0)
    converted = models.PositiveIntegerField(default=0, help_text="Points paid for rewards.")
    reward = models.ForeignKey(
        Reward, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    units = models.PositiveIntegerField(default=0, help_text="How many of the reward were bought.")
    held_left = models.PositiveIntegerField(
        default=0, help_text="Points still held by open drawings when settled (left to run)."
    )
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="HR who settled it by hand; empty for the daily job.",
    )
    settled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("leaver settlement")
        verbose_name_plural = _("leaver settlements")
        ordering = ["-end_date", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["person", "end_date"], name="leaver_settlement_once_per_end_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.end_date}: {self.mode}"
