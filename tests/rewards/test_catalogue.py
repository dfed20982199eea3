"""The one catalogue listing (`rewards.selectors.reward_catalogue`) that the market page and the
API both use: filters, search in both languages, orderings, refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from core.errors import InvalidInputError
from rewards import selectors
from rewards.models import RewardCategory
from tests.people.factories import AgentFactory, HRFactory
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    return {
        "spa": RewardFactory(
            name_fi="Kylpylä", name_en="Spa day", category=RewardCategory.WELLBEING, base_price=300
        ),
        "mug": RewardFactory(
            name_fi="Muumimuki", name_en="Moomin mug", description_en="A mug for tea", base_price=40
        ),
        "book": RewardFactory(name_fi="E-kirja", name_en="E-book", base_price=40),
        "gone": RewardFactory(name_fi="Vanha", name_en="Old", active=False, base_price=10),
    }


def names(qs) -> list[str]:
    return [reward.name_en for reward in qs]


def test_an_agent_sees_the_active_catalogue_by_name_in_their_language(shelf):
    agent = AgentFactory()
    with translation.override("fi"):  # E-kirja, Kylpylä, Muumimuki
        assert names(selectors.reward_catalogue(user=agent)) == ["E-book", "Spa day", "Moomin mug"]
    with translation.override("en"):
        assert names(selectors.reward_catalogue(user=agent, ordering="-name")) == [
            "Spa day",
            "Moomin mug",
            "E-book",
        ]


def test_names_sort_as_a_finnish_reader_expects_whatever_their_case(db):
    # given: lower- and upper-case initials, and the letters that come after z in Finnish
    for name in ["Öljyvärit", "iittala-kulho", "Theatre evening", "Ämpäri", "Zumba", "Åland trip"]:
        RewardFactory(name_fi=name, name_en=name)
    agent = AgentFactory()
    expected = ["iittala-kulho", "Theatre evening", "Zumba", "Åland trip", "Ämpäri", "Öljyvärit"]
    for language in ("fi", "en"):
        with translation.override(language):
            assert names(selectors.reward_catalogue(user=agent)) == expected
            assert names(selectors.reward_catalogue(user=agent, ordering="-name")) == expected[::-1]


def test_hr_sees_inactive_rewards_too(shelf):
    assert "Old" in names(selectors.reward_catalogue(user=HRFactory()))


def test_filters_by_category_and_searches_names_and_descriptions_in_both_languages(shelf):
    agent = AgentFactory()
    assert names(selectors.reward_catalogue(user=agent, category=RewardCategory.WELLBEING)) == [
        "Spa day"
    ]
    assert names(selectors.reward_catalogue(user=agent, search="kylpy")) == ["Spa day"]
    assert names(selectors.reward_catalogue(user=agent, search="  TEA ")) == ["Moomin mug"]


def test_equal_prices_tie_break_by_name_then_id(shelf):
    agent = AgentFactory()
    with translation.override("en"):
        assert names(selectors.reward_catalogue(user=agent, ordering="price")) == [
            "E-book",
            "Moomin mug",
            "Spa day",
        ]
        assert names(selectors.reward_catalogue(user=agent, ordering="-price")) == [
            "Spa day",
            "E-book",
            "Moomin mug",
        ]


@pytest.mark.parametrize(
    ("given", "field"), [({"category": "yachts"}, "category"), ({"ordering": "cost"}, "ordering")]
)
def test_an_unknown_category_or_ordering_is_refused_with_the_field_named(shelf, given, field):
    with pytest.raises(InvalidInputError) as refused:
        selectors.reward_catalogue(user=AgentFactory(), **given)
    assert list(refused.value.fields) == [field]


@pytest.mark.parametrize("sort", ["name", "price", "-price", "-popularity", "newest"])
def test_the_market_page_and_the_api_list_the_same_rewards_in_the_same_order(
    shelf, api, client, sort
):
    agent = AgentFactory()
    client.force_login(agent)
    page = client.get(reverse("market"), {"sort": sort, "q": "", "category": ""})
    on_page = [card["reward"].pk for card in page.context["cards"]]
    listed = api(agent).get("/api/v1/rewards/", {"ordering": sort}).json()["results"]
    assert on_page == [reward["id"] for reward in listed]
    assert len(on_page) == 3
