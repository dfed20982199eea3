"""A leaver's points: each policy mode, idempotency, reminders, refusals (PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.utils import translation

from audit.models import AuditAction, AuditEvent
from core.errors import InvalidInputError, PermissionDeniedError
from ledger.models import Account, AccountKind, Entry, Transaction, TransactionKind
from ledger.selectors import leaver_notice_for, ledger_verify, wallet_summary
from ledger.services import account_system, hold_create, hold_void, wallet_for
from notifications.models import Notification, NotificationKind
from rewards.errors import (
    LeaverAlreadySettledError,
    LeaverNoEndDateError,
    LeaverNotEndedError,
)
from rewards.leavers.selectors import leavers_overview, points_at_risk
from rewards.leavers.services import (
    leaver_policy_get,
    leaver_policy_set,
    leaver_settle,
    leavers_daily,
    leavers_due,
    leavers_remind,
)
from rewards.models import LeaverMode, LeaverPolicy, LeaverSettlement, Redemption, RedemptionState
from tests.rewards.factories import RewardFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]

TODAY = date(2027, 2, 1)


def lapsed_total() -> int:
    return sum(account_system(AccountKind.LEAVER_LAPSED).entries.values_list("amount", flat=True))


def leaving(agent, *, end: date):
    agent.employment_end = end
    agent.save(update_fields=["employment_end"])
    return agent


def counts() -> tuple[int, int, int, int, int]:
    return (
        Transaction.objects.count(),
        Entry.objects.count(),
        LeaverSettlement.objects.count(),
        Redemption.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def leaver(crew, fund):
    agent = crew.agents[0]
    fund([agent], 420)
    return leaving(agent, end=date(2027, 1, 31))


def set_policy(crew, mode: str, grace_days: int = 0, reward=None) -> LeaverPolicy:
    return leaver_policy_set(
        actor=crew.hr,
        mode=mode,
        grace_days=grace_days,
        convert_reward_id=reward.pk if reward else None,
    )


# --- Modes ------------------------------------------------------------------------------------


def test_lapse_moves_the_free_balance_to_the_leaver_lapsed_account_the_day_after(crew, leaver):
    set_policy(crew, LeaverMode.LAPSE)

    assert leavers_due(today=date(2027, 1, 31)) == []  # the last working day is still theirs
    run = leavers_daily(today=TODAY)

    assert run.settled == 1
    assert wallet_summary(user=leaver).balance == 0
    assert lapsed_total() == 420
    txn = Transaction.objects.get(kind=TransactionKind.LEAVER_LAPSE)
    assert txn.idempotency_key == f"leaver-lapse:{leaver.pk}:2027-01-31"
    assert txn.actor is None
    settlement = LeaverSettlement.objects.get(person=leaver)
    assert (settlement.mode, settlement.lapsed, settlement.converted) == ("lapse", 420, 0)
    event = AuditEvent.objects.get(action=AuditAction.LEAVER_SETTLED)
    assert event.details["lapsed"] == 420
    assert ledger_verify() == []


def test_keep_waits_for_the_grace_period_then_lapses(crew, leaver):
    set_policy(crew, LeaverMode.KEEP, grace_days=10)

    assert leavers_daily(today=date(2027, 2, 10)).settled == 0
    assert wallet_summary(user=leaver).balance == 420

    assert leavers_daily(today=date(2027, 2, 11)).settled == 1
    assert wallet_summary(user=leaver).balance == 0
    assert lapsed_total() == 420


def test_convert_buys_as_many_as_the_points_cover_and_lapses_the_remainder(crew, leaver):
    gift_card = RewardFactory(base_price=100, stock=10, needs_approval=True)
    set_policy(crew, LeaverMode.CONVERT, reward=gift_card)

    leavers_daily(today=TODAY)

    redemptions = Redemption.objects.filter(employee=leaver, reward=gift_card)
    assert redemptions.count() == 4
    assert {r.state for r in redemptions} == {RedemptionState.PENDING}  # approval as ever
    assert {r.price_paid for r in redemptions} == {100}
    gift_card.refresh_from_db()
    assert gift_card.stock == 6
    assert lapsed_total() == 20
    assert wallet_summary(user=leaver).balance == 0
    settlement = LeaverSettlement.objects.get(person=leaver)
    assert (settlement.converted, settlement.units, settlement.lapsed) == (400, 4, 20)
    assert ledger_verify() == []


def test_convert_to_a_reward_that_is_sold_out_lapses_everything(crew, leaver):
    gift_card = RewardFactory(base_price=100, stock=0)
    set_policy(crew, LeaverMode.CONVERT, reward=gift_card)

    leavers_daily(today=TODAY)

    assert not Redemption.objects.filter(employee=leaver).exists()
    assert lapsed_total() == 420


def test_only_the_free_balance_is_settled_and_held_points_run_their_course(crew, leaver):
    set_policy(crew, LeaverMode.LAPSE)
    hold = hold_create(account=wallet_for(leaver), amount=100, idempotency_key="drawing-bid-1")

    leavers_daily(today=TODAY)

    summary = wallet_summary(user=leaver)
    assert (summary.balance, summary.held) == (100, 100)
    assert LeaverSettlement.objects.get(person=leaver).held_left == 100
    assert lapsed_total() == 320

    # the drawing is lost: the points come back, and HR lapses the rest by hand
    hold_void(hold=hold)
    settlement = leaver_settle(person=leaver, actor=crew.hr, today=TODAY)
    assert (settlement.lapsed, settlement.held_left) == (420, 0)
    assert wallet_summary(user=leaver).balance == 0
    assert lapsed_total() == 420
    assert Transaction.objects.filter(kind=TransactionKind.LEAVER_LAPSE).count() == 2

    with pytest.raises(LeaverAlreadySettledError):
        leaver_settle(person=leaver, actor=crew.hr, today=TODAY)
    assert ledger_verify() == []


def test_a_deactivated_leaver_is_settled_too(crew, leaver):
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    set_policy(crew, LeaverMode.LAPSE)

    assert leavers_daily(today=TODAY).settled == 1
    assert lapsed_total() == 420


# --- Idempotency ------------------------------------------------------------------------------


def test_the_daily_job_run_twice_settles_once(crew, leaver):
    set_policy(crew, LeaverMode.LAPSE)

    first = leavers_daily(today=TODAY)
    before = counts()
    second = leavers_daily(today=TODAY)

    assert (first.settled, second.settled) == (1, 0)
    assert counts() == before
    assert lapsed_total() == 420


def test_a_moved_end_date_is_settled_again_for_the_new_date(crew, leaver, fund):
    set_policy(crew, LeaverMode.LAPSE)
    leavers_daily(today=TODAY)
    # rehired on a new contract: new points, a new last working day
    leaving(leaver, end=date(2027, 6, 30))
    fund([leaver], 50)

    assert leavers_daily(today=date(2027, 7, 1)).settled == 1
    assert LeaverSettlement.objects.filter(person=leaver).count() == 2
    assert lapsed_total() == 470


# --- Refusals ---------------------------------------------------------------------------------


def test_settling_before_the_end_date_is_refused_and_writes_nothing(crew, leaver):
    before = counts()
    with pytest.raises(LeaverNotEndedError) as error:
        leaver_settle(person=leaver, actor=crew.hr, today=date(2027, 1, 31))
    assert (error.value.code, error.value.http_status) == ("leaver_not_ended", 409)
    assert counts() == before


def test_settling_someone_without_an_end_date_is_refused(crew):
    before = counts()
    with pytest.raises(LeaverNoEndDateError) as error:
        leaver_settle(person=crew.agents[1], actor=crew.hr, today=TODAY)
    assert error.value.http_status == 409
    assert counts() == before


def test_only_hr_settles_or_sets_the_policy(crew, leaver):
    before = counts()
    with pytest.raises(PermissionDeniedError):
        leaver_settle(person=leaver, actor=crew.supervisor, today=TODAY)
    with pytest.raises(PermissionDeniedError):
        leaver_policy_set(actor=crew.supervisor, mode="lapse", grace_days=0)
    assert counts() == before


@pytest.mark.parametrize(
    ("mode", "grace", "reward", "field"),
    [
        ("burn", 0, None, "mode"),
        ("keep", -1, None, "grace_days"),
        ("keep", 366, None, "grace_days"),
        ("keep", "30", None, "grace_days"),
        ("convert", 0, None, "convert_reward"),
        ("convert", 0, 999_999, "convert_reward"),
    ],
)
def test_an_invalid_policy_is_refused_with_400_and_nothing_changes(
    crew, mode, grace, reward, field
):
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInputError) as error:
        leaver_policy_set(actor=crew.hr, mode=mode, grace_days=grace, convert_reward_id=reward)
    assert error.value.http_status == 400
    assert field in error.value.fields
    assert not LeaverPolicy.objects.exists()  # the defaults stay, unsaved
    policy = leaver_policy_get()
    assert (policy.mode, policy.grace_days) == ("keep", 30)
    assert AuditEvent.objects.count() == events


def test_a_policy_change_is_audited(crew):
    reward = RewardFactory()
    set_policy(crew, LeaverMode.CONVERT, reward=reward)
    event = AuditEvent.objects.get(action=AuditAction.LEAVER_POLICY_CHANGED)
    assert event.actor == crew.hr
    assert event.details["changes"]["leaver_mode"] == ["keep", "convert"]


# --- Reminders and the notice -----------------------------------------------------------------


@override_settings(LEAVER_REMINDER_DAYS=[30, 7])
def test_reminders_once_per_threshold_and_again_when_the_date_moves(crew, leaver, mailoutbox):
    leaver.email = "leaver@example.com"
    leaver.preferred_language = "fi"
    leaver.save(update_fields=["email", "preferred_language"])

    assert leavers_remind(today=date(2026, 12, 31)) == 0  # 31 days out: not yet
    assert leavers_remind(today=date(2027, 1, 1)) == 1  # 30 days
    assert leavers_remind(today=date(2027, 1, 2)) == 0  # the same threshold: once
    assert leavers_remind(today=date(2027, 1, 24)) == 1  # 7 days
    assert leavers_remind(today=date(2027, 1, 31)) == 0

    notes = Notification.objects.filter(recipient=leaver, kind=NotificationKind.LEAVER_REMINDER)
    assert notes.count() == 2
    assert len(mailoutbox) == 2
    assert "31.1.2027" in mailoutbox[0].body
    assert "420" in mailoutbox[0].body

    leaving(leaver, end=date(2027, 2, 10))  # the date moved: remind again
    assert leavers_remind(today=date(2027, 2, 3)) == 1
    assert notes.count() == 3


@override_settings(LEAVER_REMINDER_DAYS=[30, 7])
def test_first_seen_close_to_the_end_reminds_once_not_twice(crew, leaver):
    assert leavers_remind(today=date(2027, 1, 28)) == 1
    assert leavers_remind(today=date(2027, 1, 29)) == 0


def test_nobody_with_nothing_to_spend_is_reminded(crew):
    agent = leaving(crew.agents[1], end=date(2027, 1, 31))
    assert leavers_remind(today=date(2027, 1, 20)) == 0
    assert not Notification.objects.filter(recipient=agent).exists()


@override_settings(LEAVER_REMINDER_DAYS=[30, 7])
def test_the_notice_text_in_both_languages(crew, leaver):
    notice = leaver_notice_for(user=leaver, today=date(2027, 1, 1))
    assert notice is not None
    with translation.override("fi"):
        assert notice.text == (
            "Viimeinen työpäiväsi on 31.1.2027 — sinulla on 420 pistettä; käytä ne sitä ennen."
        )
    with translation.override("en"):
        assert notice.text == (
            "Your last working day is 31 Jan 2027 — you have 420 points; spend them before then."
        )
    assert leaver_notice_for(user=leaver, today=date(2026, 12, 31)) is None
    assert leaver_notice_for(user=leaver, today=date(2027, 2, 1)) is None


# --- What HR and insights read ----------------------------------------------------------------


def test_points_at_risk_and_the_overview(crew, leaver, fund):
    soon = leaving(crew.agents[1], end=TODAY + timedelta(days=10))
    fund([soon], 80)
    later = leaving(crew.agents[2], end=TODAY + timedelta(days=90))
    fund([later], 50)
    set_policy(crew, LeaverMode.KEEP, grace_days=30)

    risk = points_at_risk(within_days=30, today=TODAY)
    assert (risk.total, risk.people) == (420 + 80, 2)
    assert [row.person for row in risk.rows] == [leaver, soon]

    leavers_daily(today=TODAY + timedelta(days=40))  # the leaver's grace is over
    risk = points_at_risk(within_days=30, today=TODAY + timedelta(days=40))
    assert risk.total == 80 + 0  # `soon` has left and is in grace; `later` is 50 days out

    upcoming, past = leavers_overview(today=TODAY)
    assert [row.person for row in upcoming] == [soon, later]
    assert [row.person for row in past] == [leaver]
    assert past[0].settlement is not None


def test_lapse_accounts_are_system_accounts():
    account = account_system(AccountKind.LEAVER_LAPSED)
    assert account.owner is None and account.balance is None
    assert Account.objects.filter(kind=AccountKind.LEAVER_LAPSED).count() == 1
