"""Money under real concurrency: PostgreSQL, real threads, one connection per thread."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from ledger.errors import AlreadyReversedError
from ledger.models import AccountKind, Award, BudgetPeriod, BudgetPolicy, Entry, Transaction
from ledger.selectors import balance_of, ledger_verify
from ledger.services import award_create, budget_period_open, period_start_for, transaction_reverse
from tests.conftest import fund_budget
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory, TeamFactory
from tests.threads import api_as, run_in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]


def test_20_parallel_awards_from_a_budget_covering_5(reason):
    # given: a budget of 50 and twenty awards of 10 points, all at once
    team = TeamFactory()
    supervisor = SupervisorFactory()
    team.leaders.add(supervisor)
    agents = [AgentFactory(team=team) for _ in range(4)]
    fund_budget(supervisor, 50)
    seen_balances: list[int] = []

    def award(i: int) -> tuple[int, dict[str, Any]]:
        response = api_as(supervisor).post(
            "/api/v1/awards/",
            {"recipient": agents[i % 4].pk, "reason": reason.code, "points": 10},
            format="json",
        )
        seen_balances.append(balance_of(user=supervisor, kind=AccountKind.BUDGET))
        return response.status_code, response.json()

    # when
    results = run_in_threads(20, award)

    # then
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 5, 409: 15}
    assert {body["code"] for status, body in results if status == 409} == {"budget_exceeded"}
    assert balance_of(user=supervisor, kind=AccountKind.BUDGET) == 0
    assert min(seen_balances) >= 0
    assert sum(balance_of(user=a) for a in agents) == 50
    assert Award.objects.count() == 5
    assert ledger_verify() == []


def test_8_threads_x_100_awards_across_overlapping_teams_never_deadlock():
    # given: supervisors whose teams overlap, so awards lock the same wallets in many orders
    reasons = [AwardReasonFactory(suggested_max=50) for _ in range(3)]
    hr = HRFactory()
    team_a, team_b, team_c = TeamFactory(), TeamFactory(), TeamFactory()
    s1, s2, s3, s4 = (SupervisorFactory() for _ in range(4))
    team_a.leaders.add(s1, s2)
    team_b.leaders.add(s2, s3)
    team_c.leaders.add(s3, s4, s1)
    members = {
        team.pk: [AgentFactory(team=team) for _ in range(3)] for team in (team_a, team_b, team_c)
    }
    led = {
        s1.pk: members[team_a.pk] + members[team_c.pk],
        s2.pk: members[team_a.pk] + members[team_b.pk],
        s3.pk: members[team_b.pk] + members[team_c.pk],
        s4.pk: members[team_c.pk],
    }
    supervisors = [s1, s2, s3, s4]
    for supervisor in supervisors:
        fund_budget(supervisor, 100_000)
    errors: list[BaseException] = []
    reversed_ids: list[int] = []

    def work(i: int) -> int:
        rng = random.Random(i)
        done = 0
        for step in range(100):
            try:
                giver = rng.choice(supervisors)
                award = award_create(
                    giver=giver,
                    recipient=rng.choice(led[giver.pk]),
                    reason=rng.choice(reasons),
                    points=rng.randint(1, 50),
                )
                done += 1
                if step % 10 == 0:  # mix in reversals: they lock the same rows the other way round
                    transaction_reverse(original=award.transaction, actor=hr, reason="test")
                    reversed_ids.append(award.pk)
            except BaseException as exc:  # collect everything: a deadlock would surface here
                errors.append(exc)
        return done

    # when
    done = run_in_threads(8, work)

    # then
    assert errors == []
    assert sum(done) == 800
    assert Award.objects.count() == 800
    assert ledger_verify() == []
    live = Award.objects.exclude(pk__in=reversed_ids)
    awarded = {a: 0 for group in members.values() for a in group}
    for award in live.select_related("recipient"):
        awarded[award.recipient] += award.points
    for agent, points in awarded.items():
        assert balance_of(user=agent) == points
    spent = sum(awarded.values())
    assert sum(balance_of(user=s, kind=AccountKind.BUDGET) for s in supervisors) == 400_000 - spent


def test_10_concurrent_requests_with_one_idempotency_key_make_one_transaction(crew, reason):
    # given
    fund_budget(crew.supervisor, 1000)
    transactions_before = Transaction.objects.count()
    key = str(uuid.uuid4())
    body = {
        "recipient": crew.agents[0].pk,
        "reason": reason.code,
        "points": 25,
        "message": "Kiitos!",
    }

    def post(_i: int) -> tuple[int, dict[str, Any]]:
        response = api_as(crew.supervisor).post(
            "/api/v1/awards/", body, format="json", headers={"Idempotency-Key": key}
        )
        return response.status_code, response.json()

    # when
    results = run_in_threads(10, post)

    # then
    assert {status for status, _ in results} == {201}
    assert len({repr(sorted(b.items())) for _, b in results}) == 1, "every answer is the same"
    assert Transaction.objects.count() == transactions_before + 1
    assert Award.objects.count() == 1
    assert balance_of(user=crew.agents[0]) == 25
    later = api_as(crew.supervisor).post(
        "/api/v1/awards/", body, format="json", headers={"Idempotency-Key": key}
    )
    assert later.status_code == 201
    assert later.json() == results[0][1]
    assert Transaction.objects.count() == transactions_before + 1
    assert ledger_verify() == []


def test_two_hr_users_reversing_the_same_award_at_once(crew, reason):
    # given
    fund_budget(crew.supervisor, 100)
    award = award_create(giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=40)
    other_hr = HRFactory()

    def reverse(i: int) -> str:
        try:
            transaction_reverse(
                original=award.transaction, actor=(crew.hr, other_hr)[i % 2], reason="mistake"
            )
        except AlreadyReversedError:
            return "already_reversed"
        return "reversed"

    # when
    outcomes = run_in_threads(6, reverse)

    # then
    assert Counter(outcomes) == {"reversed": 1, "already_reversed": 5}
    assert balance_of(user=crew.agents[0]) == 0
    assert balance_of(user=crew.supervisor, kind=AccountKind.BUDGET) == 100
    assert ledger_verify() == []


def test_opening_a_budget_period_from_many_workers_grants_once(crew):
    # given
    BudgetPolicy.objects.create(supervisor=crew.supervisor, amount=300)
    start = period_start_for()

    # when
    created = run_in_threads(
        6, lambda _i: budget_period_open(supervisor=crew.supervisor, period_start=start)[1]
    )

    # then
    assert created.count(True) == 1
    assert BudgetPeriod.objects.filter(supervisor=crew.supervisor).count() == 1
    assert balance_of(user=crew.supervisor, kind=AccountKind.BUDGET) == 300
    assert Entry.objects.filter(account__owner=crew.supervisor).count() == 1
    assert ledger_verify() == []


def test_each_thread_really_had_its_own_connection():
    """Guard for the helper above: threads that shared a connection would prove nothing."""

    def backend_pid(_i: int) -> int:
        connection.ensure_connection()
        return connection.connection.get_backend_pid()

    assert len(set(run_in_threads(4, backend_pid))) == 4
