"""POST /api/v1/awards/ and the recognition feed: who may award whom, bad input, idempotency."""

from __future__ import annotations

import pytest

from ledger.models import Award, Entry, IdempotencyRecord, Transaction, TransactionKind
from ledger.selectors import balance_of, ledger_verify
from ledger.services import award_create
from people.models import EmploymentType
from people.services import person_deactivate
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.conftest import fund_budget
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import AgentFactory, SupervisorFactory, TeamFactory

pytestmark = pytest.mark.django_db

AWARDS = "/api/v1/awards/"


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


@pytest.fixture
def funded(crew, reason):
    """The crew's supervisor with 200 points to award."""
    fund_budget(crew.supervisor, 200)
    return crew


def award_body(to, why, **overrides):
    body = {"recipient": to.pk, "reason": why.code, "points": 20, "message": "Kiitos!"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def post_award(client, body, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(AWARDS, body, format="json", **headers)


# --- the happy path ---------------------------------------------------------------------------


def test_supervisor_awards_points_to_a_team_member(api, funded, reason):
    agent = funded.agents[0]
    # when
    response = post_award(api(funded.supervisor), award_body(agent, reason, points=30))
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    award = Award.objects.get()
    assert body["id"] == award.pk
    assert body["giver"] == {
        "id": funded.supervisor.pk,
        "username": funded.supervisor.username,
        "display_name": funded.supervisor.display_name,
    }
    assert body["recipient"]["id"] == agent.pk
    assert body["team"] == {"id": funded.team.pk, "name": funded.team.name}
    assert body["reason"]["code"] == reason.code
    assert body["points"] == 30
    assert body["message"] == "Kiitos!"
    assert body["transaction"] == award.transaction_id
    assert body["reversed"] is False
    assert balance_of(user=agent) == 30
    assert balance_of(user=funded.supervisor, kind="budget") == 170
    assert award.transaction.kind == TransactionKind.AWARD
    assert award.transaction.actor == funded.supervisor
    assert sorted(award.transaction.entries.values_list("amount", flat=True)) == [-30, 30]
    assert ledger_verify() == []


def test_message_is_optional(api, funded, reason):
    response = post_award(api(funded.supervisor), award_body(funded.agents[0], reason, message=...))

    assert response.status_code == 201
    assert response.json()["message"] == ""


def test_award_up_to_the_whole_budget_and_the_cap(api, crew, reason, settings):
    fund_budget(crew.supervisor, settings.AWARD_MAX_POINTS)

    response = post_award(
        api(crew.supervisor), award_body(crew.agents[0], reason, points=settings.AWARD_MAX_POINTS)
    )

    assert response.status_code == 201
    assert balance_of(user=crew.supervisor, kind="budget") == 0


def test_an_agency_agent_receives_awards_like_anyone(api, funded, reason):
    agency = AgentFactory(team=funded.team, employment_type=EmploymentType.AGENCY)

    response = post_award(api(funded.supervisor), award_body(agency, reason))

    assert response.status_code == 201
    assert balance_of(user=agency) == 20


def test_supervisor_of_two_teams_awards_members_of_both(api, funded, reason):
    second = TeamFactory()
    second.leaders.add(funded.supervisor)
    member = AgentFactory(team=second)

    assert post_award(api(funded.supervisor), award_body(member, reason)).status_code == 201
    assert (
        post_award(api(funded.supervisor), award_body(funded.agents[0], reason)).status_code == 201
    )
    assert Award.objects.count() == 2


def test_a_team_leader_in_a_team_led_by_another_supervisor_is_awarded_only_by_hr(
    api, funded, reason
):
    # a supervisor who leads a team and is also a member (with a wallet) of a team someone else
    # leads: awarding each other would turn budgets into wallets, so only HR may award them
    lead = SupervisorFactory()
    fund_budget(lead, 50)
    upper = TeamFactory()
    upper.leaders.add(lead)
    funded.supervisor.team = upper
    funded.supervisor.save(update_fields=["team"])
    before = db_state()

    refused = post_award(api(lead), award_body(funded.supervisor, reason, points=10))

    assert_error(refused, 403, "recipient_not_awardable")
    assert db_state() == before

    hr_lead = SupervisorFactory(is_superuser=True)  # User.is_hr
    fund_budget(hr_lead, 50)
    upper.leaders.add(hr_lead)
    response = post_award(api(hr_lead), award_body(funded.supervisor, reason, points=10))

    assert response.status_code == 201
    assert balance_of(user=funded.supervisor) == 10


# --- bad input --------------------------------------------------------------------------------

BAD_POINTS = [0, -1, 1.5, 10.0, "10", None, 2**63, 2**63 - 1, -(2**63), True, False, [10], {"n": 1}]


@pytest.mark.parametrize("points", BAD_POINTS, ids=repr)
def test_points_that_are_not_a_positive_json_integer_are_a_400(api, funded, reason, points):
    before = db_state()

    response = post_award(
        api(funded.supervisor), award_body(funded.agents[0], reason, points=points), key="k-1"
    )

    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == ["points"]
    assert db_state() == before


@pytest.mark.parametrize("missing", ["recipient", "reason", "points"])
def test_a_missing_field_is_a_400_naming_it(api, funded, reason, missing):
    before = db_state()

    body = award_body(funded.agents[0], reason, **{missing: ...})
    response = post_award(api(funded.supervisor), body, key="k-1")

    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == [missing]
    assert db_state() == before


def test_an_empty_body_is_a_400_naming_every_required_field(api, funded):
    before = db_state()

    response = post_award(api(funded.supervisor), {})

    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"recipient", "reason", "points"}
    assert db_state() == before


@pytest.mark.parametrize(
    ("recipient", "status", "code"),
    [
        (999999, 404, "unknown_person"),
        (2**63, 400, "invalid"),
        (2**64, 400, "invalid"),
        ("abc", 400, "invalid"),
        (str(1), 400, "invalid"),
        (0, 400, "invalid"),
        (-1, 400, "invalid"),
        (None, 400, "invalid"),
        (True, 400, "invalid"),
        (1.5, 400, "invalid"),
    ],
    ids=repr,
)
def test_award_to_an_unknown_or_malformed_recipient_is_refused(
    api, funded, reason, recipient, status, code
):
    before = db_state()

    response = post_award(
        api(funded.supervisor), award_body(funded.agents[0], reason, recipient=recipient), key="k-1"
    )

    error = assert_error(response, status, code)
    if code == "invalid":
        assert list(error["fields"]) == ["recipient"]
    else:
        assert error["extra"] == {"field": "recipient"}
    assert db_state() == before


@pytest.mark.parametrize(
    ("reason_code", "status", "code"),
    [
        ("no-such-reason", 400, "unknown_reason"),
        ("unpublished", 400, "unknown_reason"),
        ("not a slug!", 400, "invalid"),
        ("", 400, "invalid"),
        (None, 400, "invalid"),
        ("x" * 51, 400, "invalid"),
        ({"code": "customer-feedback"}, 400, "invalid"),
    ],
    ids=repr,
)
def test_award_with_an_unknown_or_malformed_reason_is_refused(
    api, funded, reason, reason_code, status, code
):
    AwardReasonFactory(code="unpublished", active=False)
    before = db_state()

    response = post_award(
        api(funded.supervisor), award_body(funded.agents[0], reason, reason=reason_code), key="k-1"
    )

    error = assert_error(response, status, code)
    if code == "invalid":
        assert list(error["fields"]) == ["reason"]
    assert db_state() == before


@pytest.mark.parametrize("message", ["x" * 501, None, ["a"], {"a": 1}], ids=repr)
def test_a_bad_message_is_a_400(api, funded, reason, message):
    before = db_state()

    response = post_award(
        api(funded.supervisor), award_body(funded.agents[0], reason, message=message), key="k-1"
    )

    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == ["message"]
    assert db_state() == before


def test_a_message_of_exactly_500_characters_is_fine(api, funded, reason):
    response = post_award(
        api(funded.supervisor), award_body(funded.agents[0], reason, message="ä" * 500)
    )

    assert response.status_code == 201
    assert Award.objects.get().message == "ä" * 500


def test_the_message_is_trimmed_before_its_length_is_checked(api, funded, reason):
    response = post_award(
        api(funded.supervisor), award_body(funded.agents[0], reason, message=f"  {'x' * 500} \n")
    )

    assert response.status_code == 201
    assert Award.objects.get().message == "x" * 500


def test_points_over_the_single_award_cap_are_a_400(api, crew, reason, settings):
    fund_budget(crew.supervisor, settings.AWARD_MAX_POINTS * 2)
    before = db_state()

    response = post_award(
        api(crew.supervisor),
        award_body(crew.agents[0], reason, points=settings.AWARD_MAX_POINTS + 1),
        key="k-1",
    )

    error = assert_error(response, 400, "award_cap_exceeded")
    assert error["extra"] == {"cap": settings.AWARD_MAX_POINTS}
    assert db_state() == before


@pytest.mark.parametrize(
    "body",
    [[{"recipient": 1, "reason": "customer-feedback", "points": 10}], [], "a string", 10, True],
    ids=["list", "empty-list", "string", "number", "boolean"],
)
def test_a_body_that_is_not_a_json_object_is_a_400(api, funded, body):
    before = db_state()

    response = post_award(api(funded.supervisor), body, key="k-1")

    error = assert_error(response, 400, "invalid")
    assert "non_field_errors" in error["fields"]
    assert db_state() == before


@pytest.mark.parametrize(
    "raw", ['{"recipient": 1, "points": 10', "{'points': 10}", "\x00", "[1,", "NaN"], ids=repr
)
def test_malformed_json_is_a_400_malformed_request(api, funded, raw):
    before = db_state()

    response = api(funded.supervisor).post(
        AWARDS, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert_error(response, 400, "malformed_request")
    assert db_state() == before


@pytest.mark.parametrize(
    ("raw", "fields"),
    [("", {"recipient", "reason", "points"}), ("null", {"non_field_errors"})],
    ids=["empty", "null"],
)
def test_an_empty_or_null_json_body_is_a_400(api, funded, raw, fields):
    before = db_state()

    response = api(funded.supervisor).post(
        AWARDS, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == fields
    assert db_state() == before


def test_a_form_encoded_award_is_refused_because_points_arrive_as_text(api, funded, reason):
    before = db_state()

    response = api(funded.supervisor).post(
        AWARDS,
        {"recipient": funded.agents[0].pk, "reason": reason.code, "points": 10},
        format="multipart",
    )

    error = assert_error(response, 400, "invalid")
    assert {"recipient", "points"} <= set(error["fields"])
    assert db_state() == before


# --- who may award whom -----------------------------------------------------------------------


def test_an_agent_cannot_award(api, funded, reason):
    before = db_state()

    response = post_award(api(funded.agents[0]), award_body(funded.agents[1], reason), key="k-1")

    assert_error(response, 403, "not_a_supervisor")
    assert db_state() == before


def test_hr_cannot_award(api, funded, reason):
    before = db_state()

    response = post_award(api(funded.hr), award_body(funded.agents[0], reason), key="k-1")

    assert_error(response, 403, "not_a_supervisor")
    assert db_state() == before


def test_a_supervisor_cannot_award_themself(api, funded, reason):
    # even as a member of the very team they lead
    funded.supervisor.team = funded.team
    funded.supervisor.save(update_fields=["team"])
    before = db_state()

    response = post_award(api(funded.supervisor), award_body(funded.supervisor, reason), key="k-1")

    assert_error(response, 403, "self_award")
    assert db_state() == before


@pytest.mark.parametrize("who", ["other_team", "no_team", "other_supervisor", "hr"])
def test_a_supervisor_cannot_award_outside_their_teams(api, funded, reason, who):
    recipient = {
        "other_team": lambda: AgentFactory(team=TeamFactory()),
        "no_team": lambda: AgentFactory(team=None),
        "other_supervisor": lambda: SupervisorFactory(),
        "hr": lambda: funded.hr,
    }[who]()
    before = db_state()

    response = post_award(api(funded.supervisor), award_body(recipient, reason), key="k-1")

    assert_error(response, 403, "not_in_your_team")
    assert db_state() == before


def test_a_supervisor_removed_as_leader_can_no_longer_award_that_team(api, funded, reason):
    funded.team.leaders.remove(funded.supervisor)
    before = db_state()

    response = post_award(api(funded.supervisor), award_body(funded.agents[0], reason))

    assert_error(response, 403, "not_in_your_team")
    assert db_state() == before


def test_someone_who_left_cannot_receive_awards(api, funded, reason):
    person_deactivate(person=funded.agents[0])
    before = db_state()

    response = post_award(api(funded.supervisor), award_body(funded.agents[0], reason), key="k-1")

    assert_error(response, 409, "recipient_inactive")
    assert db_state() == before


def test_an_award_beyond_the_budget_is_a_409_budget_exceeded(api, funded, reason):
    # given: 200 in the budget, 190 already given
    for agent in funded.agents[:2]:
        award_create(giver=funded.supervisor, recipient=agent, reason=reason, points=95)
    before = db_state()
    # when
    response = post_award(
        api(funded.supervisor), award_body(funded.agents[2], reason, points=11), key="k-1"
    )
    # then
    error = assert_error(response, 409, "budget_exceeded")
    assert error["extra"] == {"balance": 10, "required": 11}
    assert db_state() == before


def test_a_supervisor_without_any_budget_gets_budget_exceeded(api, crew, reason):
    before = db_state()

    response = post_award(api(crew.supervisor), award_body(crew.agents[0], reason), key="k-1")

    assert_error(response, 409, "budget_exceeded")
    assert db_state() == before


# --- Idempotency-Key --------------------------------------------------------------------------


def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(api, funded, reason):
    client = api(funded.supervisor)
    body = award_body(funded.agents[0], reason, points=25)
    # when
    first = post_award(client, body, key="award-1")
    second = post_award(client, body, key="award-1")
    # then
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Award.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert Transaction.objects.filter(kind=TransactionKind.AWARD).count() == 1
    assert balance_of(user=funded.agents[0]) == 25
    assert balance_of(user=funded.supervisor, kind="budget") == 175


def test_a_retry_with_the_same_values_in_another_order_is_the_same_request(api, funded, reason):
    client = api(funded.supervisor)
    agent = funded.agents[0]
    first = client.post(
        AWARDS,
        f'{{"recipient": {agent.pk}, "reason": "{reason.code}", "points": 5}}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    second = client.post(
        AWARDS,
        f'{{ "points":5,"reason":"{reason.code}","recipient":{agent.pk}, "message": "" }}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Award.objects.count() == 1


def test_a_replay_moves_nothing_even_when_the_budget_is_gone(api, funded, reason):
    client = api(funded.supervisor)
    body = award_body(funded.agents[0], reason, points=200)
    first = post_award(client, body, key="all-of-it")
    before = db_state()

    second = post_award(client, body, key="all-of-it")

    assert second.status_code == 201
    assert second.json() == first.json()
    assert db_state() == before


@pytest.mark.parametrize(
    "change",
    [{"points": 26}, {"message": "other"}, {"recipient": "other"}, {"reason": "other"}],
    ids=["points", "message", "recipient", "reason"],
)
def test_the_same_key_with_another_body_is_a_409_and_writes_nothing(api, funded, reason, change):
    client = api(funded.supervisor)
    other_reason = AwardReasonFactory(code="teamwork")
    post_award(client, award_body(funded.agents[0], reason, points=25), key="award-1")
    before = db_state()
    if change.get("recipient") == "other":
        change = {"recipient": funded.agents[1].pk}
    if change.get("reason") == "other":
        change = {"reason": other_reason.code}

    response = post_award(
        client, award_body(funded.agents[0], reason, **{"points": 25, **change}), key="award-1"
    )

    assert_error(response, 409, "idempotency_key_reused")
    assert db_state() == before


def test_a_key_longer_than_255_characters_is_a_400_and_writes_nothing(api, funded, reason):
    before = db_state()

    response = post_award(
        api(funded.supervisor), award_body(funded.agents[0], reason), key="k" * 256
    )

    error = assert_error(response, 400, "invalid")
    assert "Idempotency-Key" in error["fields"]
    assert db_state() == before


def test_a_key_of_exactly_255_characters_is_accepted_and_replayed(api, funded, reason):
    client = api(funded.supervisor)
    body = award_body(funded.agents[0], reason)

    first = post_award(client, body, key="k" * 255)
    second = post_award(client, body, key="k" * 255)

    assert first.status_code == 201, first.content
    assert second.json() == first.json()
    assert Award.objects.count() == 1
    assert ledger_verify() == []


@pytest.mark.parametrize("key", ["", "   "], ids=["empty", "blank"])
def test_a_blank_key_is_a_400_and_writes_nothing(api, funded, reason, key):
    before = db_state()

    response = post_award(api(funded.supervisor), award_body(funded.agents[0], reason), key=key)

    assert_error(response, 400, "invalid")
    assert db_state() == before


def test_a_refusal_is_not_remembered_so_a_retry_after_funding_succeeds(api, crew, reason):
    # given: no budget yet
    client = api(crew.supervisor)
    body = award_body(crew.agents[0], reason, points=40)
    refused = post_award(client, body, key="after-funding")
    assert_error(refused, 409, "budget_exceeded")
    assert not IdempotencyRecord.objects.exists()
    # when: HR funds the budget and the client retries with the same key
    fund_budget(crew.supervisor, 100)
    retried = post_award(client, body, key="after-funding")
    # then
    assert retried.status_code == 201
    assert balance_of(user=crew.agents[0]) == 40
    assert IdempotencyRecord.objects.count() == 1
    # and from now on the key replays the success
    assert post_award(client, body, key="after-funding").json() == retried.json()
    assert Award.objects.count() == 1


def test_a_permission_refusal_is_not_remembered_either(api, funded, reason):
    # given: a member of another team, refused
    outsider = AgentFactory(team=TeamFactory())
    client = api(funded.supervisor)
    body = award_body(outsider, reason)
    assert_error(post_award(client, body, key="k"), 403, "not_in_your_team")
    # when: they join the supervisor's team and the client retries
    outsider.team = funded.team
    outsider.save(update_fields=["team"])
    response = post_award(client, body, key="k")
    # then
    assert response.status_code == 201


def test_a_validation_refusal_does_not_use_up_the_key(api, funded, reason):
    client = api(funded.supervisor)
    assert_error(
        post_award(client, award_body(funded.agents[0], reason, points=0), key="k"), 400, "invalid"
    )

    response = post_award(client, award_body(funded.agents[0], reason, points=5), key="k")

    assert response.status_code == 201


def test_keys_belong_to_their_user(api, funded, reason):
    # given: two supervisors of the same team who happen to pick the same key
    other = SupervisorFactory()
    funded.team.leaders.add(other)
    fund_budget(other, 100)
    body = award_body(funded.agents[0], reason, points=10)
    # when
    first = post_award(api(funded.supervisor), body, key="same")
    second = post_award(api(other), body, key="same")
    # then: two awards, one from each
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert balance_of(user=funded.agents[0]) == 20


def test_without_a_key_every_post_is_a_new_award(api, funded, reason):
    client = api(funded.supervisor)
    body = award_body(funded.agents[0], reason, points=10)

    assert post_award(client, body).status_code == 201
    assert post_award(client, body).status_code == 201

    assert Award.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


# --- the recognition feed ---------------------------------------------------------------------


def test_everyone_reads_the_feed_newest_first(api, funded, reason):
    # given
    first = award_create(
        giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=10
    )
    second = award_create(
        giver=funded.supervisor,
        recipient=funded.agents[1],
        reason=reason,
        points=20,
        message="Hyvä!",
    )
    outsider = AgentFactory(team=TeamFactory(), employment_type=EmploymentType.AGENCY)
    # when
    for reader in [outsider, funded.agents[2], funded.hr, funded.supervisor]:
        response = api(reader).get(AWARDS)
        # then
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 2
        assert [a["id"] for a in body["results"]] == [second.pk, first.pk]
        assert body["results"][0]["message"] == "Hyvä!"
        assert body["results"][0]["reason"] == {"code": reason.code, "name": reason.name}


def test_the_feed_is_paginated(api, funded, reason):
    for _ in range(3):
        award_create(giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=1)

    body = api(funded.agents[1]).get(AWARDS, {"page_size": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]
    assert_error(api(funded.agents[1]).get(AWARDS, {"page": 99}), 404, "not_found")


def test_one_award_is_readable_by_anyone(api, funded, reason):
    award = award_create(
        giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=10
    )
    outsider = AgentFactory(team=TeamFactory())

    response = api(outsider).get(f"{AWARDS}{award.pk}/")

    assert response.status_code == 200
    assert response.json()["points"] == 10


def test_the_feed_answers_in_the_same_shape_for_agency_and_permanent_staff(api, funded, reason):
    award_create(giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=10)
    agency = AgentFactory(team=funded.team, employment_type=EmploymentType.AGENCY)

    assert api(agency).get(AWARDS).json() == api(funded.agents[1]).get(AWARDS).json()


def test_awards_cannot_be_changed_or_deleted_through_the_api(api, funded, reason):
    award = award_create(
        giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=10
    )
    before = db_state()

    for method in ["put", "patch", "delete"]:
        response = getattr(api(funded.hr), method)(
            f"{AWARDS}{award.pk}/", {"points": 1}, format="json"
        )
        assert_error(response, 405, "method_not_allowed")

    assert db_state() == before
    assert Entry.objects.count() == before["entries"]


# --- the answer built directly (the hot path) equals the serializer's ----------------------------


@pytest.mark.parametrize("language", ["fi", "en"])
@pytest.mark.parametrize("with_team", [True, False])
def test_the_award_answer_is_what_the_award_serializer_gives(
    api, funded, reason, language, with_team
):
    from django.utils import translation

    from ledger.apis import AwardSerializer, award_created_body

    agent = funded.agents[0]
    response = post_award(api(funded.supervisor), award_body(agent, reason), key="same-answer")
    assert response.status_code == 201, response.json()
    award = Award.objects.select_related("giver", "recipient__team", "reason", "transaction").get()
    if not with_team:  # the serializer's `team: null` branch
        award.recipient.team = None
    with translation.override(language):
        assert award_created_body(award) == AwardSerializer(award).data
    if with_team:  # and the API answered exactly that
        assert response.json() == dict(AwardSerializer(award).data)
