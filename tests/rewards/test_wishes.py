"""Wishes: the list that replaced the single goal, its projection, its pages and its API; every
refusal writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import InvalidInputError
from ledger.services import hold_create, wallet_for
from pricing.services import sale_create
from rewards import selectors, services
from rewards.drawings import bid_place
from rewards.errors import RewardInactiveError, WishExistsError, WishLimitError
from rewards.models import WISHES_MAX, Reward, Wish
from tests.api_support import assert_error, db_state
from tests.rewards.drawing_support import make_drawing
from tests.rewards.factories import RewardFactory
from tests.rewards.test_views import signed_in, text

pytestmark = pytest.mark.django_db

WISHES = "/api/v1/wishes/"


def wishes_of(agent) -> list[tuple[int, int | None, int]]:
    return list(
        Wish.objects.filter(employee=agent).values_list("reward_id", "target_price", "position")
    )


# --- services -------------------------------------------------------------------------------


def test_wishes_are_kept_in_order_and_can_be_moved(crew):
    agent = crew.agents[0]
    a, b, c = RewardFactory(), RewardFactory(), RewardFactory()
    for reward in (a, b, c):
        services.wish_add(employee=agent, reward=reward)
    assert [r for r, _t, _p in wishes_of(agent)] == [a.pk, b.pk, c.pk]

    services.wish_move(wish=Wish.objects.get(reward=c), position=0)
    assert wishes_of(agent) == [(c.pk, None, 0), (a.pk, None, 1), (b.pk, None, 2)]
    services.wish_move(wish=Wish.objects.get(reward=c), position=99)  # clamped to the end
    assert [r for r, _t, _p in wishes_of(agent)] == [a.pk, b.pk, c.pk]


def test_a_target_set_below_the_price_arms_the_alert_one_at_or_above_does_not(crew):
    agent = crew.agents[0]
    reward = RewardFactory(base_price=100)
    wish = services.wish_add(employee=agent, reward=reward, target_price=80)
    assert (wish.target_price, wish.below_target) == (80, False)
    services.wish_update(wish=wish, target_price=100)
    wish.refresh_from_db()
    assert (wish.target_price, wish.below_target) == (100, True)
    services.wish_update(wish=wish, target_price=None)
    wish.refresh_from_db()
    assert (wish.target_price, wish.below_target) == (None, False)


@pytest.mark.parametrize("target", [0, -5, "abc", 10_000_001, True, 1.5])
def test_a_bad_target_price_is_refused_and_writes_nothing(crew, target):
    agent = crew.agents[0]
    with pytest.raises(InvalidInputError) as error:
        services.wish_add(employee=agent, reward=RewardFactory(), target_price=target)
    assert "target_price" in error.value.fields
    assert not Wish.objects.exists()


def test_the_same_reward_twice_an_inactive_one_and_too_many_are_refused(crew):
    agent = crew.agents[0]
    rewards = [RewardFactory() for _ in range(WISHES_MAX)]
    for reward in rewards:
        services.wish_add(employee=agent, reward=reward)
    before = wishes_of(agent)

    with pytest.raises(WishExistsError):
        services.wish_add(employee=agent, reward=rewards[0])
    with pytest.raises(WishLimitError) as limit:
        services.wish_add(employee=agent, reward=RewardFactory())
    assert limit.value.http_status == 400 and limit.value.code == "wish_limit"
    with pytest.raises(RewardInactiveError):
        services.wish_add(employee=crew.agents[1], reward=RewardFactory(active=False))
    assert wishes_of(agent) == before
    assert not Wish.objects.filter(employee=crew.agents[1]).exists()


# --- projection -------------------------------------------------------------------------------


def test_projection_counts_the_sale_price_and_free_points_and_the_own_hold_on_its_drawing(
    crew, fund
):
    # given: 400 points; 120 held elsewhere, 70 bid on the drawing of one wished reward
    agent = crew.agents[0]
    fund([agent], 400)
    hold_create(account=wallet_for(agent), amount=120, memo="another bid")
    on_sale: Reward = RewardFactory(base_price=300)  # type: ignore[assignment]
    now = timezone.now()
    sale_create(actor=crew.hr, name="Ale", multiplier="0.5", starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=1), rewards=[on_sale])  # fmt: skip
    drawing = make_drawing(price=60, stock=1)
    bid_place(drawing=drawing, employee=agent, amount=70)
    plain = RewardFactory(base_price=500)
    for reward in (on_sale, drawing.reward, plain):
        services.wish_add(employee=agent, reward=reward)

    # when
    progress = {p.wish.reward_id: p for p in selectors.wish_progress_list(user=agent)}

    # then: free = 400 - 120 - 70 = 210
    sale = progress[on_sale.pk]
    assert (sale.price, sale.on_sale, sale.balance, sale.remaining) == (150, True, 210, 0)
    assert sale.reached and sale.projected_date == timezone.localdate()
    held = progress[drawing.reward_id]  # its own 70 held points count towards it
    assert (held.price, held.balance, held.remaining, held.reached) == (60, 280, 0, True)
    big = progress[plain.pk]
    assert (big.price, big.on_sale, big.balance, big.remaining) == (500, False, 210, 290)
    assert big.percent == 42 and big.projected_date is not None  # 400 points in 90 days


def test_the_wish_page_costs_the_same_queries_for_2_or_12_wishes(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    client = signed_in(agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("wishes")).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        services.wish_add(employee=agent, reward=RewardFactory())
    few = queries()
    for _ in range(10):
        services.wish_add(employee=agent, reward=RewardFactory())
    assert queries() == few


# --- pages ------------------------------------------------------------------------------------


def test_add_with_a_target_change_it_reorder_and_remove_on_the_pages(crew, fund):
    agent = crew.agents[0]
    fund([agent], 50)
    spa = RewardFactory(name_fi="Kylpylä", name_en="Spa", base_price=200)
    cinema = RewardFactory(name_fi="Elokuvat", name_en="Cinema", base_price=40)
    client = signed_in(agent)

    client.post(reverse("wish-add", args=[spa.pk]), {"target_price": "150"})
    client.post(reverse("wish-add", args=[cinema.pk]), {"target_price": ""})
    assert wishes_of(agent) == [(spa.pk, 150, 0), (cinema.pk, None, 1)]
    detail = text(client.get(reverse("reward-detail", args=[spa.pk])))
    assert "Toivelistallasi" in detail and 'value="150"' in detail

    page = text(client.get(reverse("wishes")))
    assert "Kylpylä" in page and "Elokuvat" in page
    assert "150 pistettä puuttuu" in page  # 200 - 50
    assert "Pisteesi riittävät" in page  # the cinema: 40 ≤ 50

    spa_wish = Wish.objects.get(reward=spa)
    client.post(reverse("wish-update", args=[spa_wish.pk]), {"target_price": "120"})
    client.post(reverse("wish-move", args=[spa_wish.pk]), {"direction": "down"})
    assert wishes_of(agent) == [(cinema.pk, None, 0), (spa.pk, 120, 1)]

    client.post(reverse("wish-remove", args=[spa_wish.pk]))
    assert wishes_of(agent) == [(cinema.pk, None, 0)]


def test_a_bad_target_on_the_page_is_a_message_and_writes_nothing(crew):
    agent = crew.agents[0]
    reward = RewardFactory()
    client = signed_in(agent)
    response = client.post(
        reverse("wish-add", args=[reward.pk]), {"target_price": "-3"}, follow=True
    )
    assert response.status_code == 200
    assert not Wish.objects.exists()
    wish = services.wish_add(employee=agent, reward=reward, target_price=10)
    response = client.post(
        reverse("wish-update", args=[wish.pk]), {"target_price": "x"}, follow=True
    )
    assert response.status_code == 200
    assert wishes_of(agent) == [(reward.pk, 10, 0)]


def test_someone_elses_wish_is_a_404_on_the_pages(crew):
    owner, other = crew.agents[0], crew.agents[1]
    wish = services.wish_add(employee=owner, reward=RewardFactory(), target_price=10)
    client = signed_in(other)
    for name in ("wish-update", "wish-move", "wish-remove"):
        assert client.post(reverse(name, args=[wish.pk]), {"target_price": "5"}).status_code == 404
    assert wishes_of(owner) == [(wish.reward_id, 10, 0)]


# --- API --------------------------------------------------------------------------------------


def test_wishes_api_create_list_update_delete(api, crew, fund):
    agent = crew.agents[0]
    fund([agent], 30)
    first, second = RewardFactory(base_price=120), RewardFactory(base_price=20)
    client = api(agent)
    assert client.get(WISHES).json() == []

    created = client.post(WISHES, {"reward": first.pk, "target_price": 100}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["reward"]["id"] == first.pk and body["target_price"] == 100
    assert (body["balance"], body["price"], body["remaining"], body["percent"]) == (30, 120, 90, 25)
    assert body["target_reached"] is False and body["position"] == 0
    client.post(WISHES, {"reward": second.pk}, format="json")

    listed = client.get(WISHES).json()
    assert [w["reward"]["id"] for w in listed] == [first.pk, second.pk]
    assert listed[1]["reached"] is True and listed[1]["target_price"] is None

    url = f"{WISHES}{body['id']}/"
    patched = client.patch(url, {"target_price": 130, "position": 1}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["target_reached"] is True and patched.json()["position"] == 1
    assert client.get(url).json()["target_price"] == 130
    assert client.patch(url, {"target_price": None}, format="json").json()["target_price"] is None

    assert client.delete(url).status_code == 204
    assert [w["reward"]["id"] for w in client.get(WISHES).json()] == [second.pk]
    # the old goal route reads the first wish
    assert client.get("/api/v1/goal/").json()["reward"]["id"] == second.pk


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [({}, 400, "invalid"), ({"reward": "1"}, 400, "invalid"),
     ({"reward": "own", "target_price": 0}, 400, "invalid"),
     ({"reward": "own", "target_price": "5"}, 400, "invalid"),
     ({"reward": 999_999}, 404, "unknown_reward"), ({"reward": "inactive"}, 404, "unknown_reward"),
     ({"reward": "wished"}, 409, "wish_exists")],
    ids=repr,
)  # fmt: skip
def test_a_bad_wish_is_refused_and_writes_nothing(api, crew, body, status, code):
    agent = crew.agents[0]
    own, inactive, wished = RewardFactory(), RewardFactory(active=False), RewardFactory()
    services.wish_add(employee=agent, reward=wished)
    body = {k: {"own": own.pk, "inactive": inactive.pk, "wished": wished.pk}.get(v, v)
            if k == "reward" else v for k, v in body.items()}  # fmt: skip
    before = db_state()
    assert_error(api(agent).post(WISHES, body, format="json"), status, code)
    assert db_state() == before


def test_the_21st_wish_is_a_400_and_writes_nothing(api, crew):
    agent = crew.agents[0]
    for _ in range(WISHES_MAX):
        services.wish_add(employee=agent, reward=RewardFactory())
    extra = RewardFactory()
    before = db_state()
    assert_error(api(agent).post(WISHES, {"reward": extra.pk}, format="json"), 400, "wish_limit")
    assert db_state() == before


def test_someone_elses_wish_is_a_404_in_the_api(api, crew):
    wish = services.wish_add(employee=crew.agents[0], reward=RewardFactory(), target_price=10)
    before = db_state()
    for client in (api(crew.agents[1]), api(crew.hr)):
        url = f"{WISHES}{wish.pk}/"
        assert_error(client.get(url), 404, "unknown_wish")
        assert_error(client.patch(url, {"target_price": 5}, format="json"), 404, "unknown_wish")
        assert_error(client.delete(url), 404, "unknown_wish")
    assert db_state() == before


def test_a_bad_update_is_refused_and_writes_nothing(api, crew):
    agent = crew.agents[0]
    wish = services.wish_add(employee=agent, reward=RewardFactory(), target_price=10)
    url = f"{WISHES}{wish.pk}/"
    before = db_state()
    for body in ({"target_price": -1}, {"target_price": 1.5}, {"position": -1}, {"position": "a"}):
        assert_error(api(agent).patch(url, body, format="json"), 400, "invalid")
    assert db_state() == before


def test_signed_out_is_401(api):
    assert_error(api().get(WISHES), 401, "not_authenticated")
