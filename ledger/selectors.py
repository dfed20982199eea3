"""Reads of the ledger: balances, statements, the recognition feed, and the invariant check."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from notifications.models import leaver_reminder_text
from people.models import Role, User
from people.selectors import leaders_excluded, team_members_of

from .models import (
    REACTION_ICONS,
    Account,
    AccountKind,
    Award,
    BudgetPeriod,
    BudgetPolicy,
    Entry,
    HoldState,
    Thanks,
    ThanksEmoji,
    ThanksReaction,
    Transaction,
)


def balance_of(*, user: User, kind: str = AccountKind.WALLET) -> int:
    account = Account.objects.filter(owner=user, kind=kind).only("balance").first()
    return int(account.balance or 0) if account else 0


@dataclass(frozen=True)
class WalletSummary:
    balance: int
    held: int

    @property
    def available(self) -> int:
        return self.balance - self.held


def wallet_summary(*, user: User, kind: str = AccountKind.WALLET) -> WalletSummary:
    """Balance, held (pending holds) and available (= balance - held) of the user's wallet."""
    row = Account.objects.filter(owner=user, kind=kind).values_list("balance", "held").first()
    if row is None:
        return WalletSummary(balance=0, held=0)
    return WalletSummary(balance=int(row[0] or 0), held=int(row[1] or 0))


def entries_of(*, user: User, kind: str = AccountKind.WALLET) -> QuerySet[Entry]:
    """The user's statement, newest first, with the transaction and any award behind each line."""
    return (
        Entry.objects.filter(account__owner=user, account__kind=kind)
        .select_related(
            "transaction",
            "transaction__award__reason",
            "transaction__award__giver",
            "transaction__reverses",
            "transaction__actor",
        )
        .order_by("-transaction__created_at", "-transaction_id")
    )


def award_recipients_for(*, giver: User) -> QuerySet[User]:
    """Whom `giver` may award (the pickers offer only these): their teams' active members, less
    team leaders and HR unless the giver is HR (`services.awards.recipient_is_awardable`)."""
    members = team_members_of(supervisor=giver)
    if giver.is_hr:
        return members
    return leaders_excluded(members).exclude(role=Role.HR).exclude(is_superuser=True)


def recognition_feed() -> QuerySet[Award]:
    """Every award, newest first: transparency is the point of the scheme."""
    return Award.objects.select_related(
        "giver", "recipient", "recipient__team", "reason", "transaction__reversed_by"
    ).order_by("-created_at", "-id")


@dataclass(frozen=True)
class BudgetSummary:
    supervisor: User
    policy: BudgetPolicy | None
    left: int
    current_period: BudgetPeriod | None


def budget_summary(*, supervisor: User) -> BudgetSummary:
    policy = BudgetPolicy.objects.filter(supervisor=supervisor).first()
    period = BudgetPeriod.objects.filter(supervisor=supervisor).order_by("-period_start").first()
    return BudgetSummary(
        supervisor=supervisor,
        policy=policy,
        left=balance_of(user=supervisor, kind=AccountKind.BUDGET),
        current_period=period,
    )


def ledger_verify() -> list[str]:
    """Check every ledger invariant; returns a list of readable problems (empty when all hold)."""
    problems: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.id, COALESCE(SUM(e.amount), 0), COUNT(e.id)
            FROM ledger_transaction t LEFT JOIN ledger_entry e ON e.transaction_id = t.id
            GROUP BY t.id
            HAVING COALESCE(SUM(e.amount), 0) <> 0 OR COUNT(e.id) < 2
            ORDER BY t.id
            """
        )
        for txn_id, total, count in cursor.fetchall():
            problems.append(
                f"transaction {txn_id}: {count} entries summing to {total} (must be ≥2 summing to 0)"
            )
        cursor.execute(
            """
            SELECT a.id, a.kind, a.owner_id, a.balance, COALESCE(SUM(e.amount), 0)
            FROM ledger_account a LEFT JOIN ledger_entry e ON e.account_id = a.id
            WHERE a.balance IS NOT NULL
            GROUP BY a.id, a.kind, a.owner_id, a.balance
            HAVING a.balance <> COALESCE(SUM(e.amount), 0)
            ORDER BY a.id
            """
        )
        for account_id, kind, owner_id, cached, actual in cursor.fetchall():
            problems.append(
                f"account {account_id} ({kind}, owner {owner_id}): cached balance {cached} "
                f"but entries sum to {actual}"
            )
        cursor.execute(
            """
            SELECT a.id, a.kind, a.owner_id, a.held, COALESCE(SUM(h.amount), 0)
            FROM ledger_account a
            LEFT JOIN ledger_hold h ON h.account_id = a.id AND h.state = %s
            GROUP BY a.id, a.kind, a.owner_id, a.held
            HAVING a.held <> COALESCE(SUM(h.amount), 0)
            ORDER BY a.id
            """,
            [HoldState.PENDING],
        )
        for account_id, kind, owner_id, cached, actual in cursor.fetchall():
            problems.append(
                f"account {account_id} ({kind}, owner {owner_id}): held {cached} "
                f"but its pending holds sum to {actual}"
            )
        cursor.execute(
            """
            SELECT h.id, h.posted_amount, COALESCE(SUM(e.amount), 0)
            FROM ledger_hold h LEFT JOIN ledger_entry e
              ON e.transaction_id = h.posting_id AND e.account_id = h.account_id
            WHERE h.state = %s
            GROUP BY h.id, h.posted_amount
            HAVING COALESCE(SUM(e.amount), 0) <> -h.posted_amount
            ORDER BY h.id
            """,
            [HoldState.POSTED],
        )
        for hold_id, posted, actual in cursor.fetchall():
            problems.append(
                f"hold {hold_id}: posted {posted} but its posting debits the account {-actual}"
            )
    for account in Account.objects.filter(held__lt=0):
        problems.append(f"account {account.pk} ({account.kind}): negative held {account.held}")
    for account in Account.objects.filter(
        kind__in=[AccountKind.WALLET, AccountKind.BUDGET], balance__lt=F("held")
    ):
        problems.append(
            f"account {account.pk} ({account.kind}, owner {account.owner_id}): held "
            f"{account.held} exceeds the balance {account.balance}"
        )
    for account in Account.objects.filter(
        kind__in=[AccountKind.WALLET, AccountKind.BUDGET], balance__lt=0
    ):
        problems.append(
            f"account {account.pk} ({account.kind}, owner {account.owner_id}): negative balance {account.balance}"
        )
    for account in Account.objects.filter(
        kind__in=[AccountKind.WALLET, AccountKind.BUDGET], balance__isnull=True
    ):
        problems.append(
            f"account {account.pk} ({account.kind}): owned account without a cached balance"
        )
    total = Entry.objects.aggregate(total=Sum("amount"))["total"] or 0
    if total != 0:
        problems.append(f"all entries together sum to {total} (must be 0)")
    return problems


def wallet_balances_of(*, users: Iterable[User]) -> dict[int, int]:
    """Wallet balance per user id, in one query (no wallet yet means 0)."""
    rows = Account.objects.filter(owner__in=list(users), kind=AccountKind.WALLET)
    return {
        owner_id: int(balance or 0) for owner_id, balance in rows.values_list("owner_id", "balance")
    }


def statement_totals(*, user: User, kind: str = AccountKind.WALLET) -> tuple[int, int]:
    """(points received, points spent) over the whole life of the account."""
    totals = Entry.objects.filter(account__owner=user, account__kind=kind).aggregate(
        received=Sum("amount", filter=Q(amount__gt=0)),
        spent=Sum("amount", filter=Q(amount__lt=0)),
    )
    return int(totals["received"] or 0), -int(totals["spent"] or 0)


def transaction_keys_existing(*, keys: Sequence[str]) -> set[str]:
    """Which of these idempotency keys a transaction already carries (its unique index answers)."""
    done: set[str] = set()
    size = 20_000 if connection.vendor == "postgresql" else 900  # SQLite's variable limit
    for start in range(0, len(keys), size):
        batch = keys[start : start + size]
        if connection.vendor == "postgresql":
            # One array parameter: 20,000 IN-list placeholders cost more to plan than to run.
            table = connection.ops.quote_name(Transaction._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT idempotency_key FROM {table} WHERE idempotency_key = ANY(%s)",  # noqa: S608
                    [list(batch)],
                )
                done.update(key for (key,) in cursor.fetchall())
        else:
            done.update(
                Transaction.objects.filter(idempotency_key__in=batch).values_list(
                    "idempotency_key", flat=True
                )
            )
    return done


def wallet_history_of(*, owner_ids: Iterable[int]) -> dict[int, list[tuple[datetime, int]]]:
    """Every wallet entry of these people, by owner id, as (transaction time, amount)."""
    history: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    entries = Entry.objects.filter(
        account__kind=AccountKind.WALLET, account__owner_id__in=list(owner_ids)
    ).values_list("account__owner_id", "transaction__created_at", "amount")
    for owner_id, at, amount in entries.iterator(chunk_size=10_000):
        history[owner_id].append((at, amount))
    return history


@dataclass(frozen=True)
class LeaverNotice:
    """What the wallet and market pages tell a person whose last working day is near."""

    end_date: date
    points: int
    days_left: int

    @property
    def text(self) -> str:
        return leaver_reminder_text(end_date=self.end_date, points=self.points)


def leaver_notice_for(*, user: User, today: date | None = None) -> LeaverNotice | None:
    """The notice "your last working day is … — spend your points", from the largest of
    `LEAVER_REMINDER_DAYS` before the end date up to and including that day; else None."""
    end = getattr(user, "employment_end", None)
    if end is None or not settings.LEAVER_REMINDER_DAYS:
        return None
    today = today or timezone.localdate()
    days_left = (end - today).days
    if days_left < 0 or days_left > max(settings.LEAVER_REMINDER_DAYS):
        return None
    return LeaverNotice(
        end_date=end, points=wallet_summary(user=user).available, days_left=days_left
    )


# --- Colleagues' thanks and "not recognised lately" -------------------------------------------


def thanks_feed() -> QuerySet[Thanks]:
    """Every thanks, newest first, with who, why, and the award it became (if it did)."""
    return Thanks.objects.select_related(
        "giver", "recipient", "recipient__team", "reason", "award__giver"
    ).order_by("-created_at", "-id")


@dataclass(frozen=True)
class ReactionCount:
    emoji: str
    icon: str
    label: str
    count: int
    mine: bool


def thanks_reactions(*, thanks: Sequence[Thanks], user: User) -> dict[int, list[ReactionCount]]:
    """Per thanks id: every offered reaction with its count and whether `user` gave it. One query
    for the whole page."""
    rows = (
        ThanksReaction.objects.filter(thanks_id__in=[t.pk for t in thanks])
        .values("thanks_id", "emoji")
        .annotate(n=Count("id"), mine=Count("id", filter=Q(user_id=user.pk)))
        .order_by()
    )
    counts = {(row["thanks_id"], row["emoji"]): (row["n"], row["mine"] > 0) for row in rows}
    return {
        t.pk: [
            ReactionCount(
                emoji=str(emoji.value),
                icon=REACTION_ICONS[emoji],
                label=str(emoji.label),
                count=counts.get((t.pk, emoji.value), (0, False))[0],
                mine=counts.get((t.pk, emoji.value), (0, False))[1],
            )
            for emoji in ThanksEmoji
        ]
        for t in thanks
    }


def thanks_for_team(*, supervisor: User) -> QuerySet[Thanks]:
    """Thanks that the members `supervisor` may award received since the supervisor's last award
    to each of them (all of them if none), not yet turned into points; newest first."""
    last_award = (
        Award.objects.filter(giver=supervisor, recipient=OuterRef("recipient_id"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return (
        thanks_feed()
        .filter(recipient__in=award_recipients_for(giver=supervisor), award__isnull=True)
        .annotate(last_award_at=Subquery(last_award))
        .filter(Q(last_award_at__isnull=True) | Q(created_at__gt=F("last_award_at")))
    )


@dataclass(frozen=True)
class QuietMember:
    """A team member with no award and no thanks received since `since`."""

    person: User
    last_award_at: datetime | None
    last_thanks_at: datetime | None

    @property
    def last_recognised_at(self) -> datetime | None:
        dates = [d for d in (self.last_award_at, self.last_thanks_at) if d is not None]
        return max(dates) if dates else None


def not_recognised(*, viewer: User, since: datetime) -> list[QuietMember]:
    """Members of the viewer's teams (every team for HR) with no award (reversed ones do not
    count) and no thanks received since `since`, by team, the longest unrecognised first. Agency
    staff are treated exactly as permanent staff. One query, whatever the teams' size."""
    if viewer.is_hr:
        members = (
            leaders_excluded(
                User.objects.filter(is_active=True, team__isnull=False).select_related("team")
            )
            .exclude(role=Role.HR)
            .exclude(is_superuser=True)
        )
    else:
        members = award_recipients_for(giver=viewer)
    awards = Award.objects.filter(
        recipient=OuterRef("pk"), transaction__reversed_by__isnull=True
    ).order_by("-created_at")
    thanks = Thanks.objects.filter(recipient=OuterRef("pk")).order_by("-created_at")
    people = (
        members.annotate(
            last_award_at=Subquery(awards.values("created_at")[:1]),
            last_thanks_at=Subquery(thanks.values("created_at")[:1]),
        )
        .filter(Q(last_award_at__isnull=True) | Q(last_award_at__lt=since))
        .filter(Q(last_thanks_at__isnull=True) | Q(last_thanks_at__lt=since))
        .order_by()
    )
    rows = [
        QuietMember(person=p, last_award_at=p.last_award_at, last_thanks_at=p.last_thanks_at)
        for p in people
    ]
    # By team; within it the never recognised first, then the longest ago.
    rows.sort(
        key=lambda r: (
            r.person.team.name if r.person.team else "",
            r.last_recognised_at is not None,
            r.last_recognised_at or since,
            r.person.name,
        )
    )
    return rows
