"""Colleagues' thanks: the services. Anyone thanks anyone but themself; a supervisor of the
thanked person turns one thanks into one award, through `award_create`."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import ApplicationError, InvalidInputError
from ledger.errors import (
    BudgetExceededError,
    NotASupervisorError,
    NotInYourTeamError,
    SelfThanksError,
    ThanksAlreadyAwardedError,
    ThanksRecipientInactiveError,
    UnknownReasonError,
)
from ledger.models import Award, Thanks, ThanksReaction
from ledger.selectors import balance_of, ledger_verify, not_recognised, thanks_for_team
from ledger.services import (
    award_create,
    thanks_award,
    thanks_award_message,
    thanks_create,
    thanks_react,
    thanks_suggested_points,
    transaction_reverse,
)
from notifications.models import Notification, NotificationKind
from people.models import EmploymentType
from tests.api_support import db_state
from tests.conftest import fund_budget
from tests.ledger.factories import AwardReasonFactory, make_thanks
from tests.people.factories import AgentFactory, SupervisorFactory, TeamFactory

pytestmark = pytest.mark.django_db


# --- thanking ---------------------------------------------------------------------------------


def test_a_colleague_thanks_another_and_the_thanked_one_hears_of_it(
    crew, reason, eager_celery, django_capture_on_commit_callbacks
):
    # given
    aino, onni, _ = crew.agents
    # when
    with django_capture_on_commit_callbacks(execute=True):
        thanks = thanks_create(
            giver=aino, recipient=onni, reason=reason, message="  Kiitos tuurauksesta!  "
        )
    # then: no points moved, the words kept (trimmed), the thanked one notified
    assert (thanks.giver, thanks.recipient, thanks.reason) == (aino, onni, reason)
    assert thanks.message == "Kiitos tuurauksesta!"
    assert balance_of(user=onni) == 0
    note = Notification.objects.get(recipient=onni)
    assert note.kind == NotificationKind.THANKS_RECEIVED
    assert note.params["giver"] == aino.name and note.link == "/thanks/"
    assert note.detail == "Kiitos tuurauksesta!"


def test_agents_may_thank_their_supervisor_and_people_of_other_teams(crew, reason):
    outsider = AgentFactory()
    thanks_create(giver=crew.agents[0], recipient=crew.supervisor, reason=reason, message="Kiitos!")
    thanks_create(giver=crew.agents[0], recipient=outsider, reason=reason, message="Kiitos!")
    assert Thanks.objects.count() == 2


def _refused(call, error: type[ApplicationError], code: str) -> ApplicationError:
    before = db_state()
    with pytest.raises(error) as caught:
        call()
    assert caught.value.code == code
    assert db_state() == before
    assert Notification.objects.count() == 0
    return caught.value


def test_thanking_yourself_is_refused_and_writes_nothing(crew, reason):
    aino = crew.agents[0]
    error = _refused(
        lambda: thanks_create(giver=aino, recipient=aino, reason=reason, message="Minä!"),
        SelfThanksError,
        "thanks_self",
    )
    assert error.http_status == 400


def test_thanking_someone_who_has_left_is_refused(crew, reason):
    gone = crew.agents[1]
    gone.is_active = False
    gone.save()
    _refused(
        lambda: thanks_create(giver=crew.agents[0], recipient=gone, reason=reason, message="Hei"),
        ThanksRecipientInactiveError,
        "recipient_inactive",
    )


def test_an_unpublished_reason_is_refused(crew):
    hidden = AwardReasonFactory(active=False)
    _refused(
        lambda: thanks_create(
            giver=crew.agents[0], recipient=crew.agents[1], reason=hidden, message="Kiitos"
        ),
        UnknownReasonError,
        "unknown_reason",
    )


@pytest.mark.parametrize("message", ["", "   ", "x" * 281])
def test_an_empty_or_too_long_message_is_refused(crew, reason, message):
    error = _refused(
        lambda: thanks_create(
            giver=crew.agents[0], recipient=crew.agents[1], reason=reason, message=message
        ),
        InvalidInputError,
        "invalid",
    )
    assert "message" in error.fields


def test_a_message_of_exactly_280_characters_is_accepted(crew, reason):
    thanks = thanks_create(
        giver=crew.agents[0], recipient=crew.agents[1], reason=reason, message="x" * 280
    )
    assert len(thanks.message) == 280


# --- reactions --------------------------------------------------------------------------------


def test_reactions_are_idempotent_both_ways_and_one_per_person_and_emoji(crew, reason):
    aino, onni, third = crew.agents
    thanks = make_thanks(giver=aino, recipient=onni, reason=reason)
    # twice on: one row
    assert thanks_react(thanks=thanks, user=third, emoji="clap") is True
    assert thanks_react(thanks=thanks, user=third, emoji="clap") is True
    assert ThanksReaction.objects.filter(thanks=thanks).count() == 1
    # another emoji, another person: rows of their own
    thanks_react(thanks=thanks, user=third, emoji="heart")
    thanks_react(thanks=thanks, user=onni, emoji="clap")
    assert ThanksReaction.objects.filter(thanks=thanks).count() == 3
    # off twice: gone once, no error the second time
    assert thanks_react(thanks=thanks, user=third, emoji="clap", on=False) is False
    assert thanks_react(thanks=thanks, user=third, emoji="clap", on=False) is False
    assert sorted(ThanksReaction.objects.values_list("user_id", "emoji")) == sorted(
        [(third.pk, "heart"), (onni.pk, "clap")]
    )


def test_an_unknown_emoji_is_refused_and_writes_nothing(crew, reason):
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    before = db_state()
    with pytest.raises(InvalidInputError):
        thanks_react(thanks=thanks, user=crew.agents[2], emoji="poop")
    assert db_state() == before


# --- turning a thanks into an award ----------------------------------------------------------


def test_suggested_points_are_the_middle_of_the_range_rounded_down_to_five():
    assert thanks_suggested_points(AwardReasonFactory(suggested_min=20, suggested_max=60)) == 40
    assert thanks_suggested_points(AwardReasonFactory(suggested_min=10, suggested_max=40)) == 25
    assert thanks_suggested_points(AwardReasonFactory(suggested_min=11, suggested_max=12)) == 11


def test_a_supervisor_turns_a_thanks_into_an_award_in_one_step(
    crew, reason, eager_celery, django_capture_on_commit_callbacks
):
    # given
    aino, onni, _ = crew.agents
    fund_budget(crew.supervisor, 200)
    thanks = make_thanks(giver=aino, recipient=onni, reason=reason, message="Pelastit aamun!")
    Notification.objects.all().delete()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        award = thanks_award(thanks=thanks, giver=crew.supervisor)
    # then: the points, from the budget, for the thanks' reason, linked to the thanks
    suggested = thanks_suggested_points(reason)
    assert (award.recipient, award.reason, award.points) == (onni, reason, suggested)
    assert award.thanks == thanks
    assert award.message == f"Pelastit aamun! — {aino.name}"
    assert award.message == thanks_award_message(thanks)
    assert balance_of(user=onni) == suggested
    assert ledger_verify() == []
    thanks.refresh_from_db()
    assert thanks.award == award
    # both hear: the thanked one of the points, the thanker that their thanks became points
    kinds = dict(Notification.objects.values_list("recipient_id", "kind"))
    assert kinds == {
        onni.pk: NotificationKind.AWARD_RECEIVED,
        aino.pk: NotificationKind.THANKS_AWARDED,
    }
    note = Notification.objects.get(recipient=aino)
    assert note.params == {
        "points": suggested,
        "supervisor": crew.supervisor.name,
        "colleague": onni.name,
    }


def test_the_supervisor_may_choose_the_points(crew, reason):
    fund_budget(crew.supervisor, 200)
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    award = thanks_award(thanks=thanks, giver=crew.supervisor, points=15, message="Hyvä!")
    assert (award.points, award.message) == (15, "Hyvä!")


def test_a_thanks_pays_out_once(crew, reason):
    fund_budget(crew.supervisor, 500)
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    first = thanks_award(thanks=thanks, giver=crew.supervisor)
    error = _refused(
        lambda: thanks_award(thanks=thanks, giver=crew.supervisor),
        ThanksAlreadyAwardedError,
        "thanks_already_awarded",
    )
    assert error.http_status == 409
    assert Award.objects.get() == first


def test_a_supervisor_of_another_team_may_not_award_the_thanks(crew, reason):
    other = SupervisorFactory()
    TeamFactory().leaders.add(other)
    fund_budget(other, 500)
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    _refused(
        lambda: thanks_award(thanks=thanks, giver=other), NotInYourTeamError, "not_in_your_team"
    )


@pytest.mark.parametrize("who", ["agent", "hr"])
def test_agents_and_hr_do_not_award(crew, reason, who):
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    giver = crew.agents[2] if who == "agent" else crew.hr
    _refused(
        lambda: thanks_award(thanks=thanks, giver=giver), NotASupervisorError, "not_a_supervisor"
    )


def test_the_budget_still_decides(crew, reason):
    fund_budget(crew.supervisor, 5)
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    _refused(
        lambda: thanks_award(thanks=thanks, giver=crew.supervisor),
        BudgetExceededError,
        "budget_exceeded",
    )
    assert not Award.objects.exists()


def test_a_thanks_to_the_supervisor_cannot_become_their_own_award(crew, reason):
    fund_budget(crew.supervisor, 500)
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.supervisor, reason=reason)
    with pytest.raises(ApplicationError):
        thanks_award(thanks=thanks, giver=crew.supervisor)
    assert not Award.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_pressing_at_once_award_once(postgres, reason):
    # given: a team with two leaders, both with a budget
    team = TeamFactory()
    first, second = SupervisorFactory(), SupervisorFactory()
    team.leaders.add(first, second)
    aino, onni = AgentFactory(team=team), AgentFactory(team=team)
    fund_budget(first, 500)
    fund_budget(second, 500)
    thanks = make_thanks(giver=aino, recipient=onni, reason=reason)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def press(giver) -> None:
        try:
            barrier.wait()
            thanks_award(thanks=thanks, giver=giver)
            outcomes.append("awarded")
        except ThanksAlreadyAwardedError:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(g,)) for g in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    assert sorted(outcomes) == ["already", "awarded"]
    assert Award.objects.filter(thanks=thanks).count() == 1
    assert balance_of(user=onni) == thanks_suggested_points(reason)
    assert ledger_verify() == []


# --- what the supervisor sees, and who has not been recognised --------------------------------


def test_the_supervisor_sees_thanks_since_their_last_award_to_each_member(crew, reason):
    aino, onni, third = crew.agents
    fund_budget(crew.supervisor, 500)
    now = timezone.now()
    old = make_thanks(giver=aino, recipient=onni, reason=reason, created_at=now - timedelta(days=9))
    award_create(
        giver=crew.supervisor, recipient=onni, reason=reason, points=10,
        created_at=now - timedelta(days=5),
    )  # fmt: skip
    new = make_thanks(
        giver=third, recipient=onni, reason=reason, created_at=now - timedelta(days=1)
    )
    never_awarded = make_thanks(
        giver=onni, recipient=aino, reason=reason, created_at=now - timedelta(days=30)
    )
    outsider = make_thanks(giver=aino, recipient=AgentFactory(), reason=reason)
    to_self = make_thanks(giver=aino, recipient=crew.supervisor, reason=reason)
    # then: onni's thanks since the award, all of aino's; nobody else's, not their own
    seen = list(thanks_for_team(supervisor=crew.supervisor))
    assert seen == [new, never_awarded]
    assert old not in seen and outsider not in seen and to_self not in seen
    # and a thanks turned into points leaves the list
    thanks_award(thanks=new, giver=crew.supervisor)
    assert list(thanks_for_team(supervisor=crew.supervisor)) == [never_awarded]


def test_not_recognised_lists_members_with_neither_award_nor_thanks_lately(crew, reason):
    aino, onni, third = crew.agents
    onni.employment_type = EmploymentType.AGENCY
    onni.save()
    fund_budget(crew.supervisor, 500)
    now = timezone.now()
    since = now - timedelta(weeks=4)
    # aino: an award last week; onni (agency): a thanks long ago; third: a reversed award only
    award_create(
        giver=crew.supervisor, recipient=aino, reason=reason, points=10,
        created_at=now - timedelta(days=7),
    )  # fmt: skip
    make_thanks(giver=aino, recipient=onni, reason=reason, created_at=now - timedelta(days=60))
    reversed_award = award_create(
        giver=crew.supervisor, recipient=third, reason=reason, points=10,
        created_at=now - timedelta(days=2),
    )  # fmt: skip
    transaction_reverse(original=reversed_award.transaction, actor=crew.hr, reason="Väärä henkilö")
    # when
    rows = not_recognised(viewer=crew.supervisor, since=since)
    # then: onni and third, never-recognised first; agency staff just like anyone
    assert [r.person for r in rows] == [third, onni]
    assert rows[0].last_recognised_at is None
    assert rows[1].last_recognised_at == Thanks.objects.get(recipient=onni).created_at
    # HR sees the same team (and any other), a supervisor of another team sees none of them
    assert {r.person for r in not_recognised(viewer=crew.hr, since=since)} >= {third, onni}
    other = SupervisorFactory()
    TeamFactory().leaders.add(other)
    assert not_recognised(viewer=other, since=since) == []
    # a thanks today takes onni off the list
    make_thanks(giver=aino, recipient=onni, reason=reason)
    assert [r.person for r in not_recognised(viewer=crew.supervisor, since=since)] == [third]
