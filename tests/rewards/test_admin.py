"""HR runs the catalogue in the Django admin; redemptions there are read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from rewards import services
from rewards.models import Reward
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    user.is_staff = True  # HR people are staff (people.services); the factory leaves it off
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def test_hr_lists_filters_and_searches_rewards(crew):
    RewardFactory(name_fi="Kylpylä", category="wellbeing")
    RewardFactory(name_fi="Huppari", category="design_goods", active=False)
    client = admin_client(crew.hr)
    page = client.get("/admin/rewards/reward/?category__exact=wellbeing")
    assert page.status_code == 200
    assert "Kylpylä" in page.content.decode() and "Huppari" not in page.content.decode()
    assert "Huppari" in client.get("/admin/rewards/reward/?q=hupp").content.decode()


def test_bulk_deactivate_and_activate(crew):
    rewards = [RewardFactory() for _ in range(3)]
    client = admin_client(crew.hr)
    ids = [str(r.pk) for r in rewards[:2]]
    response = client.post(
        "/admin/rewards/reward/", {"action": "deactivate", "_selected_action": ids}
    )
    assert response.status_code == 302
    assert sorted(Reward.objects.filter(active=False).values_list("pk", flat=True)) == [
        r.pk for r in rewards[:2]
    ]
    client.post("/admin/rewards/reward/", {"action": "activate", "_selected_action": ids})
    assert Reward.objects.filter(active=False).count() == 0


def test_adding_a_reward_in_the_admin_goes_through_the_service(crew):
    client = admin_client(crew.hr)
    response = client.post(
        "/admin/rewards/reward/add/",
        {
            "name_fi": "Aalto-maljakko",
            "name_en": "Aalto vase",
            "description_fi": "",
            "description_en": "",
            "category": "design_goods",
            "icon": "vase",
            "base_price": "250",
            "stock": "5",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    reward = Reward.objects.get(name_en="Aalto vase")
    assert (reward.base_price, reward.current_price, reward.stock) == (250, 250, 5)

    client.post(
        f"/admin/rewards/reward/{reward.pk}/change/",
        {
            "name_fi": "Aalto-maljakko",
            "name_en": "Aalto vase",
            "description_fi": "",
            "description_en": "",
            "category": "design_goods",
            "icon": "vase",
            "base_price": "300",
            "stock": "4",
            "active": "on",
        },
    )
    reward.refresh_from_db()
    assert (reward.base_price, reward.current_price, reward.stock) == (300, 300, 4)


def test_redemptions_are_read_only_in_the_admin(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(base_price=10)
    redemption = services.redemption_create(
        employee=agent, quote=services.quote_create(employee=agent, reward=reward)
    )
    client = admin_client(crew.hr)
    assert client.get("/admin/rewards/redemption/").status_code == 200
    assert client.get(f"/admin/rewards/redemption/{redemption.pk}/change/").status_code == 200
    assert client.get("/admin/rewards/redemption/add/").status_code == 403
    client.post(f"/admin/rewards/redemption/{redemption.pk}/delete/", {"post": "yes"})
    assert redemption.__class__.objects.filter(pk=redemption.pk).exists()


def test_quotes_and_wishes_are_listed_read_only(crew):
    reward = RewardFactory()
    services.quote_create(employee=crew.agents[0], reward=reward)
    services.goal_set(employee=crew.agents[0], reward=reward)
    client = admin_client(crew.hr)
    for model in ("quote", "wish"):
        assert client.get(f"/admin/rewards/{model}/").status_code == 200
        assert client.get(f"/admin/rewards/{model}/add/").status_code == 403
