"""The thanks API: /api/v1/thanks/ (list, create, detail), react, award, for-my-team."""

from __future__ import annotations

import pytest

from ledger.models import Award, Thanks, ThanksReaction
from ledger.selectors import balance_of
from ledger.services import thanks_award, thanks_suggested_points
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.conftest import fund_budget
from tests.ledger.factories import AwardReasonFactory, make_thanks
from tests.people.factories import SupervisorFactory, TeamFactory

pytestmark = pytest.mark.django_db

THANKS = "/api/v1/thanks/"


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


def test_anyone_thanks_a_colleague_and_everyone_reads_it(api, crew, reason):
    aino, onni, third = crew.agents
    # when
    response = api(aino).post(
        THANKS,
        {"recipient": onni.pk, "reason": reason.code, "message": "Kiitos!"},
        format="json",
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["giver"]["id"] == aino.pk and body["recipient"]["id"] == onni.pk
    assert body["reason"]["code"] == reason.code and body["message"] == "Kiitos!"
    assert body["award"] is None
    assert [r["emoji"] for r in body["reactions"]] == ["clap", "heart", "party", "strong"]
    listed = api(third).get(THANKS).json()
    assert [t["id"] for t in listed["results"]] == [body["id"]]
    assert api(crew.hr).get(f"{THANKS}{body['id']}/").json()["message"] == "Kiitos!"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"recipient": "self", "message": "Minä"}, 400, "thanks_self"),
        ({"recipient": 10**9}, 404, "unknown_person"),
        ({"reason": "no-such-reason"}, 400, "unknown_reason"),
        ({"message": "x" * 281}, 400, "invalid"),
        ({"message": ""}, 400, "invalid"),
        ({"recipient": "1.5"}, 400, "invalid"),
    ],
)
def test_bad_thanks_are_refused_with_a_code_and_write_nothing(
    api, crew, reason, body, status, code
):
    aino, onni, _ = crew.agents
    payload = {"recipient": onni.pk, "reason": reason.code, "message": "Kiitos!", **body}
    if payload["recipient"] == "self":
        payload["recipient"] = aino.pk
    before = db_state()
    response = api(aino).post(THANKS, payload, format="json")
    assert_error(response, status, code)
    assert db_state() == before


def test_an_inactive_colleague_cannot_be_thanked(api, crew, reason):
    gone = crew.agents[1]
    gone.is_active = False
    gone.save()
    before = db_state()
    response = api(crew.agents[0]).post(
        THANKS, {"recipient": gone.pk, "reason": reason.code, "message": "Hei"}, format="json"
    )
    assert_error(response, 409, "recipient_inactive")
    assert db_state() == before


def test_reactions_through_the_api_are_idempotent(api, crew, reason):
    aino, onni, third = crew.agents
    thanks = make_thanks(giver=aino, recipient=onni, reason=reason)
    url = f"{THANKS}{thanks.pk}/react/"
    for _ in range(2):
        response = api(third).post(url, {"emoji": "party"}, format="json")
        assert response.status_code == 200
    party = next(r for r in response.json()["reactions"] if r["emoji"] == "party")
    assert party == {"emoji": "party", "count": 1, "mine": True}
    # another reader sees the count, not as theirs
    other = api(onni).get(f"{THANKS}{thanks.pk}/").json()
    assert next(r for r in other["reactions"] if r["emoji"] == "party")["mine"] is False
    response = api(third).post(url, {"emoji": "party", "on": False}, format="json")
    assert next(r for r in response.json()["reactions"] if r["emoji"] == "party")["count"] == 0
    assert not ThanksReaction.objects.exists()


def test_an_unknown_emoji_is_a_400_and_writes_nothing(api, crew, reason):
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    before = db_state()
    response = api(crew.agents[2]).post(
        f"{THANKS}{thanks.pk}/react/", {"emoji": "poop"}, format="json"
    )
    assert_error(response, 400, "invalid")
    assert db_state() == before


def test_a_supervisor_turns_a_thanks_into_an_award_with_a_retry_safe_key(api, crew, reason):
    aino, onni, _ = crew.agents
    fund_budget(crew.supervisor, 300)
    thanks = make_thanks(giver=aino, recipient=onni, reason=reason)
    url = f"{THANKS}{thanks.pk}/award/"
    client = api(crew.supervisor)
    # when: sent twice with the same key
    first = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # then: one award, the same answer
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json() == first.json()
    assert first.json()["points"] == thanks_suggested_points(reason)
    assert Award.objects.get().thanks == thanks
    assert balance_of(user=onni) == thanks_suggested_points(reason)
    shown = client.get(f"{THANKS}{thanks.pk}/").json()["award"]
    assert shown["points"] == thanks_suggested_points(reason)
    assert shown["giver"]["id"] == crew.supervisor.pk
    # a new key: already turned into points
    before = db_state()
    response = client.post(url, {"points": 10}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert_error(response, 409, "thanks_already_awarded")
    assert db_state() == before


def test_the_supervisor_may_set_the_points_and_message(api, crew, reason):
    fund_budget(crew.supervisor, 300)
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    response = api(crew.supervisor).post(
        f"{THANKS}{thanks.pk}/award/", {"points": 35, "message": "Hyvä!"}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["points"], response.json()["message"]) == (35, "Hyvä!")


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("agent", {}, 403, "not_a_supervisor"),
        ("hr", {}, 403, "not_a_supervisor"),
        ("other_supervisor", {}, 403, "not_in_your_team"),
        ("supervisor", {"points": 0}, 400, "invalid"),
        ("supervisor", {"points": 10**6}, 400, "award_cap_exceeded"),
        ("supervisor", {"points": 250}, 409, "budget_exceeded"),
    ],
)
def test_refused_awards_from_a_thanks_write_nothing(api, crew, reason, who, body, status, code):
    fund_budget(crew.supervisor, 200)
    other = SupervisorFactory()
    TeamFactory().leaders.add(other)
    fund_budget(other, 200)
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    user = {
        "agent": crew.agents[2], "hr": crew.hr, "other_supervisor": other,
        "supervisor": crew.supervisor,
    }[who]  # fmt: skip
    before = db_state()
    response = api(user).post(f"{THANKS}{thanks.pk}/award/", body, format="json")
    assert_error(response, status, code)
    assert db_state() == before


def test_unknown_thanks_is_a_404(api, crew):
    assert_error(api(crew.supervisor).post(f"{THANKS}999999/award/", {}), 404, "not_found")
    assert_error(api(crew.agents[0]).get(f"{THANKS}999999/"), 404, "not_found")


def test_for_my_team_lists_what_the_supervisor_may_still_award(api, crew, reason):
    fund_budget(crew.supervisor, 300)
    aino, onni, third = crew.agents
    awarded = make_thanks(giver=aino, recipient=onni, reason=reason)
    waiting = make_thanks(giver=onni, recipient=third, reason=reason)
    thanks_award(thanks=awarded, giver=crew.supervisor)
    response = api(crew.supervisor).get(f"{THANKS}for-my-team/")
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [waiting.pk]
    assert_error(api(aino).get(f"{THANKS}for-my-team/"), 403, "not_a_supervisor")


def test_an_unpublished_reason_cannot_be_used_by_code(api, crew):
    hidden = AwardReasonFactory(active=False)
    before = db_state()
    response = api(crew.agents[0]).post(
        THANKS, {"recipient": crew.agents[1].pk, "reason": hidden.code, "message": "Hei"}
    )
    assert_error(response, 400, "unknown_reason")
    assert db_state() == before
    assert not Thanks.objects.exists()
