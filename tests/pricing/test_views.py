"""The pages of pricing: the market's additions (ticker, countdown, sale prices, change since
yesterday, sparklines, the price history) and HR's pricing and sales pages."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pricing.models import ParameterSet, PriceDay, Sale, Tick
from pricing.services import parameters_set, pricing_tick_run, sale_create
from rewards.models import Reward, RewardCategory
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db

MARKET = reverse("market")
PRICING = reverse("hr-pricing")
SALES = reverse("hr-sales")


def signed_in(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def text(response) -> str:
    return response.content.decode()


def rewards(count: int, **kwargs) -> list[Reward]:
    """Rewards on the market since ten days ago (pricing reads the activation log)."""
    return [
        RewardFactory(created_at=timezone.now() - timedelta(days=10), **kwargs)
        for _ in range(count)
    ]


def closes(reward: Reward, *prices: int) -> None:
    """Closing prices of the last len(prices) days before today, oldest first."""
    today = timezone.localdate()
    for back, price in enumerate(reversed(prices), start=1):
        PriceDay.objects.create(
            reward=reward,
            day=today - timedelta(days=back),
            price=price,
            log_price=0.0,
            base_price=reward.base_price,
        )


def priced_history(days: int = 3) -> list[Tick]:
    """A parameter version from `days` days ago and the daily ticks since (with closes)."""
    parameters_set(actor=None, values={}, effective_from=timezone.now() - timedelta(days=days))
    return pricing_tick_run()


def set_price(reward: Reward, price: int) -> Reward:
    Reward.objects.filter(pk=reward.pk).update(current_price=price)
    reward.refresh_from_db()
    return reward


# --- the market list ----------------------------------------------------------------------------


def test_market_shows_movers_countdown_change_and_sparklines() -> None:
    up, down, flat = rewards(3, base_price=100)
    set_price(up, 110)
    closes(up, 96, 100)
    set_price(down, 98)
    closes(down, 100)
    closes(flat, 100, 100)
    page = text(signed_in(AgentFactory()).get(MARKET))

    ticker = page[page.index('data-testid="ticker"') :]
    ticker = ticker[: ticker.index("</ul>")]
    # Largest move first, each with its symbol and signed percentage; the unmoved one is left out.
    assert ticker.index(up.name_en) < ticker.index(down.name_en)
    assert flat.name_en not in ticker
    assert "▲</span> +10 %" in ticker and "▼</span> −2 %" in ticker
    # The countdown: the time left, readable without JavaScript, and the moment as a <time>.
    assert re.search(
        r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d" data-countdown-left>'
        r"\d+ (h|t) \d+ min</time>",
        page,
    ), page[page.index("countdown") :][:600]
    assert "js/countdown.js" in page
    # Each card: the change since yesterday in words for screen readers, and a sparkline.
    assert page.count("since yesterday") >= 3
    assert "unchanged" in page
    assert page.count('class="spark spark--') == 3
    assert 'class="spark spark--up"' in page and 'class="spark spark--flat"' in page
    assert 'class="spark spark--down"' in page  # the price now ends the line


def test_market_without_history_has_no_movers_and_no_change(settings) -> None:
    rewards(2)
    page = text(signed_in(AgentFactory()).get(MARKET))
    assert 'data-testid="ticker"' not in page
    assert 'data-testid="countdown"' in page
    assert "change--" not in page[page.index('data-testid="market"') :]


def test_market_card_shows_the_sale_price_and_affordability_uses_it() -> None:
    on_sale, other = rewards(2, base_price=100)
    hr = HRFactory()
    sale_create(
        actor=hr,
        name="Black week",
        multiplier=Decimal("0.8"),
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1),
        rewards=[on_sale],
    )
    page = text(signed_in(AgentFactory()).get(MARKET))
    card = page[page.index(on_sale.name_en) :]
    card = card[: card.index("</li>")]
    assert '<span class="price price--sale num" data-testid="price">80 ' in card
    assert re.search(r'<s class="price__was num">.*100</s>', card)
    assert "−20 %" in card
    other_card = page[page.index(other.name_en) :]
    other_card = other_card[: other_card.index("</li>")]
    assert "price--sale" not in other_card and "−20 %" not in other_card
    assert "80 pts to go" in card  # what the agent still needs: the sale price


def _market_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MARKET).status_code == 200
    return len(queries)


def test_market_list_queries_do_not_grow_with_the_rewards(django_assert_max_num_queries) -> None:
    hr = HRFactory()
    client = signed_in(AgentFactory())
    first = rewards(3, category=RewardCategory.WELLBEING)
    for reward in first:
        closes(reward, 50, 52)
    sale_create(
        actor=hr,
        name="Wellbeing week",
        multiplier="0.9",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1),
        categories=[RewardCategory.WELLBEING],
    )
    few = _market_queries(client)
    for reward in rewards(20, category=RewardCategory.WELLBEING):
        closes(reward, 50, 49)
    many = _market_queries(client)
    assert many == few
    with django_assert_max_num_queries(few):
        client.get(MARKET)


# --- the detail page ----------------------------------------------------------------------------


def test_detail_shows_the_chart_the_table_and_the_explanation() -> None:
    (reward,) = rewards(1, base_price=120)
    closes(reward, 118, 120, 125)
    set_price(reward, 131)
    client = signed_in(AgentFactory())
    page = text(client.get(reverse("reward-detail", args=[reward.pk])))
    svg = page[page.index('<svg class="chart"') :]
    svg = svg[: svg.index("</svg>") + 6]
    assert 'role="img"' in svg and "<title>" in svg
    assert re.search(r'aria-label="[^"]*(30)[^"]*118[^"]*131[^"]*120', svg), svg[:400]
    assert 'class="chart__band"' in svg and 'class="chart__base"' in svg
    # The data as a table, newest first, today's price included.
    # (after the chart: the header's menu has <details> of its own)
    data = page.index("<details", page.index('<svg class="chart"'))
    table = page[page.index("<tbody", data) : page.index("</details>", data)]
    cells = re.findall(r'<td class="table__num num">(\d+)</td>', table)
    assert cells == ["131", "125", "120", "118"]
    assert 'data-testid="explanation"' in page
    assert '<a href="?days=30" aria-current="page">' in page


@pytest.mark.parametrize(("raw", "shown"), [("90", 90), ("365", 365), ("7", 30), ("x", 30)])
def test_detail_period_links(raw: str, shown: int) -> None:
    (reward,) = rewards(1)
    page = text(
        signed_in(AgentFactory()).get(reverse("reward-detail", args=[reward.pk]), {"days": raw})
    )
    assert f'<a href="?days={shown}" aria-current="page">' in page


def test_detail_shows_the_sale_price() -> None:
    (reward,) = rewards(1, base_price=200)
    sale_create(
        actor=HRFactory(),
        name="All −25",
        multiplier="0.75",
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=2),
        all_rewards=True,
    )
    page = text(signed_in(AgentFactory()).get(reverse("reward-detail", args=[reward.pk])))
    assert 'price--big price--sale num" data-testid="price">150 ' in page
    assert "−25 %" in page


# --- HR pages: who may see them -----------------------------------------------------------------


def _hr_urls() -> list[str]:
    tick = priced_history(2)[0]
    sale = sale_create(
        actor=HRFactory(),
        name="x",
        multiplier="0.5",
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(days=1),
        all_rewards=True,
    )
    return [
        PRICING,
        reverse("hr-pricing-tick", args=[tick.pk]),
        SALES,
        reverse("hr-sale-cancel", args=[sale.pk]),
    ]


@pytest.mark.parametrize("role", [AgentFactory, SupervisorFactory])
def test_hr_pages_are_forbidden_to_others(role) -> None:
    rewards(2)
    client = signed_in(role())
    urls = _hr_urls()
    before = (ParameterSet.objects.count(), Sale.objects.filter(cancelled_at=None).count())
    for url in urls:
        assert client.get(url).status_code in {403, 405}, url
        assert client.post(url, {"action": "save", "s": "3"}).status_code == 403, url
    assert (ParameterSet.objects.count(), Sale.objects.filter(cancelled_at=None).count()) == before


def test_hr_pages_need_sign_in() -> None:
    for url in (PRICING, SALES):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_hr_sees_the_pricing_link_and_others_do_not() -> None:
    rewards(1)
    assert f'href="{PRICING}"' in text(signed_in(HRFactory()).get(MARKET))
    assert f'href="{PRICING}"' not in text(signed_in(AgentFactory()).get(MARKET))


# --- HR: parameters, preview, save, history, tick log -------------------------------------------


def form_values(**changes: object) -> dict[str, str]:
    values = {
        "s": "2",
        "eta": "0.05",
        "lam": "0.1",
        "delta": "0.0953",
        "m_min": "0.5",
        "m_max": "2",
        "tick_seconds": "86400",
        "quote_validity_seconds": "900",
        "note": "",
    }
    return values | {k: str(v) for k, v in changes.items()}


def test_pricing_page_shows_parameters_history_and_tick_log() -> None:
    rewards(3)
    ticks = priced_history(3)
    page = text(signed_in(HRFactory()).get(PRICING))
    assert 'data-testid="current-version"' in page
    assert "±10 %" in page  # δ = ln 1.1 shown as a percentage
    assert "1 day" in page  # the tick period in human units
    assert 'data-testid="versions"' in page
    for tick in ticks:
        assert reverse("hr-pricing-tick", args=[tick.pk]) in page
    assert 'name="action" value="preview"' in page and 'name="action" value="save"' in page
    for name in ("s", "eta", "lam", "delta", "m_min", "m_max", "tick_seconds"):
        assert f'<label for="id_{name}">' in page


def preview_row(page: str, reward: Reward) -> str:
    preview = page[page.index('data-testid="preview"') :]
    row = preview[preview.rindex("<tr", 0, preview.index(reward.name_en)) :]
    return row[: row.index("</tr>")]


def test_preview_shows_next_prices_and_writes_nothing() -> None:
    moved, still = rewards(2, base_price=100)
    priced_history(2)
    # ℓ away from 0 and no demand: the drift λ alone decides the next price of `moved`.
    Reward.objects.filter(pk=moved.pk).update(log_price=0.5, current_price=165)
    before = (ParameterSet.objects.count(), Tick.objects.count(), PriceDay.objects.count())
    prices = list(Reward.objects.order_by("pk").values_list("current_price", "log_price"))
    response = signed_in(HRFactory()).post(PRICING, form_values(lam="0.5") | {"action": "preview"})
    assert response.status_code == 200
    page = text(response)
    # λ = 0.1: ℓ 0.5 → 0.45, 100·e^0.45 = 157; λ = 0.5: the step cap holds Δ to −0.0953,
    # ℓ → 0.4047, 150. Biggest change first; the changed next price is marked.
    row = preview_row(page, moved)
    cells = re.findall(
        r'<td class="table__num num">(?:<span class="diff__mark">.*?</span> )?(\d+)', row
    )
    assert cells == ["0", "165", "157", "150"], row
    assert 'class="diff--changed"' in row
    assert 'class="diff--changed"' not in preview_row(page, still)
    assert page.index(moved.name_en, page.index("preview")) < page.index(
        still.name_en, page.index("preview")
    )
    assert (ParameterSet.objects.count(), Tick.objects.count(), PriceDay.objects.count()) == before
    assert list(Reward.objects.order_by("pk").values_list("current_price", "log_price")) == prices


def test_save_creates_a_version_with_who_and_note() -> None:
    rewards(1)
    priced_history(2)
    hr = HRFactory()
    count = ParameterSet.objects.count()
    response = signed_in(hr).post(
        PRICING, form_values(eta="0.08", note="More reactive") | {"action": "save"}, follow=True
    )
    assert ParameterSet.objects.count() == count + 1
    version = ParameterSet.objects.order_by("-id").first()
    assert version is not None
    assert (version.eta, version.created_by, version.note) == (0.08, hr, "More reactive")
    page = text(response)
    assert re.search(rf"Saved as version {version.pk}\b", page)
    assert "More reactive" in page  # in the version history


@pytest.mark.parametrize(
    ("field", "value"),
    [("s", "-1"), ("m_max", "0.5"), ("lam", "1"), ("tick_seconds", "0"), ("eta", "abc")],
)
def test_invalid_parameters_are_shown_next_to_the_field_and_nothing_is_saved(
    field: str, value: str
) -> None:
    rewards(1)
    count = ParameterSet.objects.count()
    for action in ("preview", "save"):
        response = signed_in(HRFactory()).post(
            PRICING, form_values(**{field: value}) | {"action": action}
        )
        assert response.status_code == 200
        page = text(response)
        assert (
            f'aria-invalid="true" aria-describedby="id_{field}_helptext id_{field}_error"' in page
        )
        assert f'id="id_{field}_error"' in page
        assert 'data-testid="preview"' not in page
    assert ParameterSet.objects.count() == count


def test_tick_detail_lists_lines_with_explanations() -> None:
    busy, quiet = rewards(2, base_price=100)
    tick = priced_history(2)[-1]
    page = text(signed_in(HRFactory()).get(reverse("hr-pricing-tick", args=[tick.pk])))
    lines = page[page.index('data-testid="tick-lines"') :]
    assert busy.name_en in lines and quiet.name_en in lines
    assert lines.count("<tr>") == 1 + 2  # header and one line per reward
    assert "0 people redeemed it" in lines


def test_unknown_tick_is_404() -> None:
    assert signed_in(HRFactory()).get(reverse("hr-pricing-tick", args=[999999])).status_code == 404


# --- HR: sales ----------------------------------------------------------------------------------


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_schedule_a_sale_through_the_page() -> None:
    first, second, _third = rewards(3)
    hr = HRFactory()
    start = timezone.now() + timedelta(days=1)
    response = signed_in(hr).post(
        SALES,
        {
            "name": "Friday treat",
            "discount": "12.5",
            "starts_at": local(start),
            "ends_at": local(start + timedelta(days=2)),
            "rewards": [first.pk, second.pk],
            "categories": [RewardCategory.WELLBEING],
        },
        follow=True,
    )
    sale = Sale.objects.get()
    assert sale.multiplier == Decimal("0.875")
    assert set(sale.rewards.all()) == {first, second}
    assert sale.categories == [RewardCategory.WELLBEING]
    assert sale.created_by == hr
    # The datetime-local input is read in the user's time zone.
    assert local(sale.starts_at) == local(start)
    page = text(response)
    assert "Friday treat" in page[page.index('data-testid="sales-current"') :]
    assert "−12.5 %" in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rewards": [], "all_rewards": ""}, "rewards"),
        ({"ends_at": "START"}, "ends_at"),
        ({"discount": "0"}, "discount"),
        ({"discount": "100"}, "discount"),
        ({"name": ""}, "name"),
        ({"starts_at": "tomorrow"}, "starts_at"),
    ],
)
def test_bad_sale_is_refused_with_messages_and_nothing_is_written(changes, field) -> None:
    (reward,) = rewards(1)
    start = timezone.now() + timedelta(hours=1)
    data = {
        "name": "Bad",
        "discount": "20",
        "starts_at": local(start),
        "ends_at": local(start + timedelta(days=1)),
        "rewards": [reward.pk],
    } | changes
    if data.get("ends_at") == "START":
        data["ends_at"] = data["starts_at"]
    response = signed_in(HRFactory()).post(SALES, data)
    assert response.status_code == 200
    page = text(response)
    assert "alert--error" in page
    assert f'id="id_{field}_error"' in page
    assert Sale.objects.count() == 0


def test_cancel_a_sale_through_the_page_and_twice_is_an_error_not_a_500() -> None:
    rewards(1)
    hr = HRFactory()
    sale = sale_create(
        actor=hr,
        name="Oops",
        multiplier="0.5",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1),
        all_rewards=True,
    )
    client = signed_in(hr)
    url = reverse("hr-sale-cancel", args=[sale.pk])
    assert client.get(url).status_code == 405
    page = text(client.post(url, follow=True))
    sale.refresh_from_db()
    assert sale.cancelled_at is not None
    assert "Oops" in page[page.index('data-testid="sales-past"') :]
    again = client.post(url, follow=True)
    assert again.status_code == 200 and "alert--error" in text(again)
    assert client.post(reverse("hr-sale-cancel", args=[999999]), follow=True).status_code == 200


def test_pricing_page_before_any_version_shows_the_defaults_and_can_save_the_first() -> None:
    rewards(2)
    client = signed_in(HRFactory())
    page = text(client.get(PRICING))
    assert "The defaults: no version has been saved yet." in page
    assert "No tick yet" in page
    preview = client.post(PRICING, form_values(eta="0.1") | {"action": "preview"})
    assert 'data-testid="preview"' in text(preview)
    assert ParameterSet.objects.count() == 0
    client.post(PRICING, form_values(eta="0.1") | {"action": "save"})
    assert list(ParameterSet.objects.values_list("eta", flat=True)) == [0.1]
