"""The points ledger: double entry, append-only, balances that never go below zero.

Invariants, each held by the database on PostgreSQL and by the code everywhere:
- the entries of a transaction sum to zero (deferred constraint trigger, checked at commit);
- entries and transactions are never updated or deleted (triggers; corrections are reversals);
- a wallet or budget balance is never negative (CHECK constraint on the cached balance);
- held points (pending holds) are never negative and never exceed the balance: available =
  balance - held >= 0 (CHECK constraints), and `held` equals the sum of the account's pending holds;
- a cached balance equals the sum of its account's entries (kept in the same DB transaction).
`manage.py ledger_verify` checks all of them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    WALLET = "wallet", _("Wallet")
    BUDGET = "budget", _("Supervisor budget")
    ISSUANCE = "issuance", _("Issuance (system)")
    REDEMPTIONS = "redemptions", _("Redemptions sink (system)")
    LAPSED = "lapsed", _("Lapsed budget (system)")
    LEGACY_ISSUANCE = "legacy_issuance", _("Legacy issuance (system, imported history)")
    LEAVER_LAPSED = "leaver_lapsed", _("Leavers' lapsed points (system)")


OWNED_KINDS = (AccountKind.WALLET, AccountKind.BUDGET)
SYSTEM_KINDS = (
    AccountKind.ISSUANCE,
    AccountKind.REDEMPTIONS,
    AccountKind.LAPSED,
    # Where awards imported from the old system come from (insights' history import): kept apart
    # from today's issuance so that the economy can tell inherited points from new ones.
    AccountKind.LEGACY_ISSUANCE,
    # Where a leaver's unspent points go after the last working day (rewards' leaver policy):
    # apart from lapsed budgets, so that the economy can tell forfeited wages-in-kind from
    # unused supervisor allowances.
    AccountKind.LEAVER_LAPSED,
)


class Account(models.Model):
    """A wallet or budget (owned, cached balance >= 0) or a system account (no cached balance).

    System accounts keep no cached balance on purpose: every award period and every redemption
    touches one of them, and a cached balance there would make one hot row that serialises them
    all. Their balance is the sum of their entries.
    """

    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
    )
    balance = models.BigIntegerField(null=True, blank=True)
    held = models.BigIntegerField(
        default=0, help_text=_("Points reserved by pending holds; available = balance - held.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["owner", "kind"],
                condition=Q(owner__isnull=False),
                name="account_one_per_owner_kind",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(owner__isnull=True), name="account_one_system_per_kind"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=OWNED_KINDS, owner__isnull=False, balance__gte=0)
                    | Q(kind__in=SYSTEM_KINDS, owner__isnull=True, balance__isnull=True)
                ),
                name="account_owned_nonnegative_system_uncached",
            ),
            models.CheckConstraint(condition=Q(held__gte=0), name="account_held_nonnegative"),
            # As firm as the balance: nothing can spend held points, available never below 0.
            models.CheckConstraint(
                condition=Q(balance__isnull=True, held=0) | Q(balance__gte=models.F("held")),
                name="account_spendable_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        if self.owner_id:
            return f"{self.get_kind_display()}: {self.owner}"
        return str(self.get_kind_display())

    @property
    def available(self) -> int:
        return int(self.balance or 0) - int(self.held)


class TransactionKind(models.TextChoices):
    AWARD = "award", _("Award")
    BUDGET_GRANT = "budget_grant", _("Budget grant")
    BUDGET_LAPSE = "budget_lapse", _("Budget lapse")
    REVERSAL = "reversal", _("Reversal")
    REDEMPTION = "redemption", _("Redemption")
    REFUND = "refund", _("Refund")
    LEAVER_LAPSE = "leaver_lapse", _("Leaver's points lapsed")


class AppendOnlyQuerySet(models.QuerySet):
    """The code refuses what the database triggers refuse: no update, no delete."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError(f"{self.model.__name__} rows are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self.model.__name__} rows are append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{type(self).__name__} rows are append-only")


class Transaction(AppendOnlyModel):
    """A set of entries summing to zero: who, when, why, and an idempotency key."""

    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    memo = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_transactions",
        help_text=_("Who did it; empty for the system (scheduled jobs)."),
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    # One-to-one: a transaction is reversed at most once, and the database says so.
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-created_at", "-id"]
        triggers: ClassVar[list[Any]] = [
            pgtrigger.Protect(
                name="transaction_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            pgtrigger.Trigger(
                name="transaction_has_entries",
                operation=pgtrigger.Insert,
                when=pgtrigger.After,
                level=pgtrigger.Row,
                timing=pgtrigger.Deferred,
                func="""
                IF (SELECT COUNT(*) FROM ledger_entry WHERE transaction_id = NEW.id) < 2 THEN
                    RAISE EXCEPTION 'ledger transaction % has fewer than two entries', NEW.id
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"


class Entry(AppendOnlyModel):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["-transaction_id", "id"]
        indexes: ClassVar[list[Any]] = [models.Index(fields=["account", "-transaction"])]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_nonzero"),
        ]
        triggers: ClassVar[list[Any]] = [
            pgtrigger.Protect(
                name="entry_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            pgtrigger.Trigger(
                name="entry_transaction_balances",
                operation=pgtrigger.Insert,
                when=pgtrigger.After,
                level=pgtrigger.Row,
                timing=pgtrigger.Deferred,
                func="""
                IF (SELECT COALESCE(SUM(amount), 0) FROM ledger_entry
                    WHERE transaction_id = NEW.transaction_id) <> 0 THEN
                    RAISE EXCEPTION 'ledger transaction % does not sum to zero', NEW.transaction_id
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.account}"


class IdempotencyRecord(models.Model):
    """The first answer to a request made with an `Idempotency-Key`, replayed on a retry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=100, help_text="Which endpoint the key was used on.")
    request_hash = models.CharField(max_length=64)
    # Empty only inside the transaction that is still computing the first answer.
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_one_per_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class BudgetMode(models.TextChoices):
    FLAT = "flat", _("Flat amount per period")
    PER_MEMBER = "per_member", _("Amount per team member per period")


class BudgetPolicy(models.Model):
    """HR's allowance for one supervisor. A period is a calendar month."""

    supervisor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="budget_policy"
    )
    amount = models.PositiveIntegerField(_("amount"))
    mode = models.CharField(
        _("mode"), max_length=20, choices=BudgetMode.choices, default=BudgetMode.FLAT
    )
    rollover = models.BooleanField(
        _("roll over unused points"),
        default=False,
        help_text=_("If off, what is unused at the end of a period lapses."),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("budget policy")
        verbose_name_plural = _("budget policies")

    def __str__(self) -> str:
        return f"{self.supervisor}: {self.amount} ({self.get_mode_display()})"


class BudgetPeriod(models.Model):
    """One opened period of one supervisor's budget; unique, so a period is granted once."""

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="budget_periods"
    )
    period_start = models.DateField()
    granted = models.PositiveIntegerField()
    lapsed = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("budget period")
        verbose_name_plural = _("budget periods")
        ordering = ["-period_start"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["supervisor", "period_start"], name="budget_period_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} {self.period_start:%Y-%m}"


class AwardReason(models.Model):
    """One of HR's published award criteria, with a suggested point range."""

    code = models.SlugField(max_length=50, unique=True)
    name_fi = models.CharField(_("name (Finnish)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_fi = models.TextField(_("description (Finnish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    suggested_min = models.PositiveIntegerField(_("suggested minimum"))
    suggested_max = models.PositiveIntegerField(_("suggested maximum"))
    active = models.BooleanField(_("published"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("award reason")
        verbose_name_plural = _("award reasons")
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=Q(suggested_min__gte=1, suggested_max__gte=models.F("suggested_min")),
                name="award_reason_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The admin's form too: a suggested range above the per-award cap would suggest awards
        # that the award service refuses.
        cap = settings.AWARD_MAX_POINTS
        if self.suggested_max is not None and self.suggested_max > cap:
            raise ValidationError(
                {
                    "suggested_max": _("At most %(cap)d: no single award may give more.")
                    % {"cap": cap}
                }
            )

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "fi").startswith("en") else self.name_fi

    @property
    def description(self) -> str:
        from django.utils.translation import get_language

        lang = get_language() or "fi"
        return self.description_en if lang.startswith("en") else self.description_fi


class Thanks(models.Model):
    """A colleague's thanks: no points, a published reason and a short message. A supervisor of
    the recipient may turn it into an award (`Award.thanks`), at most once."""

    MESSAGE_MAX = 280

    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="thanks_given"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="thanks_received"
    )
    reason = models.ForeignKey(AwardReason, on_delete=models.PROTECT, related_name="thanks")
    message = models.CharField(max_length=MESSAGE_MAX)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("thanks")
        verbose_name_plural = _("thanks")
        ordering = ["-created_at", "-id"]
        indexes: ClassVar[list[Any]] = [
            # "Not recognised lately" and the supervisor's list read the latest per recipient.
            models.Index(fields=["recipient", "-created_at"], name="thanks_recipient_recent"),
        ]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=~Q(giver=models.F("recipient")), name="thanks_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.giver} → {self.recipient}: {self.message[:40]}"


class ThanksEmoji(models.TextChoices):
    """The small fixed set of reactions; the label is what a screen reader says."""

    CLAP = "clap", _("Well done")
    HEART = "heart", _("Love it")
    PARTY = "party", _("Celebrate")
    STRONG = "strong", _("Star work")


# Drawn as the project's own SVG icons (templates/includes/icon.html), not as emoji characters:
# an emoji needs a colour-emoji font, which many work machines (and headless browsers) lack.
REACTION_ICONS = {
    ThanksEmoji.CLAP: "thumb",
    ThanksEmoji.HEART: "heart",
    ThanksEmoji.PARTY: "spark",
    ThanksEmoji.STRONG: "star",
}


class ThanksReaction(models.Model):
    thanks = models.ForeignKey(Thanks, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=10, choices=ThanksEmoji.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["thanks", "user", "emoji"], name="thanks_reaction_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.emoji} #{self.thanks_id}"


class Award(models.Model):
    """Points from a supervisor's budget to a team member's wallet, for a published reason."""

    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="awards_given"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="awards_received"
    )
    reason = models.ForeignKey(AwardReason, on_delete=models.PROTECT, related_name="awards")
    points = models.PositiveIntegerField()
    message = models.CharField(max_length=500, blank=True)
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="award")
    # The colleague's thanks this award was turned from; one-to-one: a thanks pays out once.
    thanks = models.OneToOneField(
        Thanks, on_delete=models.PROTECT, null=True, blank=True, related_name="award"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-created_at", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=Q(points__gte=1), name="award_points_positive"),
            models.CheckConstraint(
                condition=~Q(giver=models.F("recipient")), name="award_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.giver} → {self.recipient}: {self.points}"


class HoldState(models.TextChoices):
    PENDING = "pending", _("Pending")
    POSTED = "posted", _("Posted")
    VOIDED = "voided", _("Voided")


class Hold(models.Model):
    """Points reserved in a wallet (two-phase, like a pending transfer): later posted, in full or
    for less, or voided, exactly once. While pending, `amount` counts in the account's `held`."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    amount = models.BigIntegerField()
    state = models.CharField(
        max_length=10, choices=HoldState.choices, default=HoldState.PENDING, db_index=True
    )
    posted_amount = models.BigIntegerField(null=True, blank=True)
    posting = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="hold"
    )
    memo = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-created_at", "-id"]
        indexes: ClassVar[list[Any]] = [
            # ledger_verify and the wallet sum pending holds per account.
            models.Index(fields=["account", "state"], name="hold_account_state_idx"),
        ]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=Q(amount__gte=1), name="hold_amount_positive"),
            models.CheckConstraint(
                condition=(
                    Q(
                        state=HoldState.PENDING,
                        posting__isnull=True,
                        posted_amount__isnull=True,
                        closed_at__isnull=True,
                    )
                    | Q(
                        state=HoldState.POSTED,
                        posting__isnull=False,
                        posted_amount__gte=1,
                        posted_amount__lte=models.F("amount"),
                        closed_at__isnull=False,
                    )
                    | Q(
                        state=HoldState.VOIDED,
                        posting__isnull=True,
                        posted_amount__isnull=True,
                        closed_at__isnull=False,
                    )
                ),
                name="hold_state_matches_posting",
            ),
        ]

    def __str__(self) -> str:
        return f"hold #{self.pk} {self.amount} on {self.account_id} ({self.state})"
