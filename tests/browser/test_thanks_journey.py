"""The thanks journey in a real Chromium, at 375 and 1280 px, in Finnish and in English: agent
Aino thanks Onni from the feed; Sanna, Onni's supervisor, sees the thanks on her team page and
turns it into points in one step; Onni's wallet grows and the thanks says what it became."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ledger.models import Award, Thanks
from ledger.selectors import balance_of
from people.models import User
from tests.browser import test_award_journey as award_journey
from tests.browser.test_award_journey import (
    Cast,
    assert_no_horizontal_scroll,
    menu,
    shot,
    sign_in,
)

pytestmark = pytest.mark.browser

browser = award_journey.browser
new_page = award_journey.new_page
cast = award_journey.cast

TEXT = {
    "fi": {
        "menu": "Päävalikko",
        "thank": "Kiitä kollegaa",
        "whom": "Ketä kiität?",
        "for_what": "Mistä",
        "words": "Kiitoksesi",
        "send": "Lähetä kiitos",
        "sent": "Kiitit: Onni Koskinen.",
        "signout": "Kirjaudu ulos",
        "team": "Oma tiimi",
        "turn": "Muuta pisteiksi",
        "given": "Annoit 40 pistettä: Onni Koskinen",
        "became": "Sanna Virtanen muutti tämän 40 pisteeksi",
        "thanked": "Aino Nieminen kiitti: Onni Koskinen",
    },
    "en": {
        "menu": "Main menu",
        "thank": "Thank a colleague",
        "whom": "Whom do you thank?",
        "for_what": "For what",
        "words": "Your thanks",
        "send": "Send thanks",
        "sent": "You thanked Onni Koskinen.",
        "signout": "Sign out",
        "team": "My team",
        "turn": "Turn into points",
        "given": "You gave 40 points to Onni Koskinen",
        "became": "Turned into 40 points by Sanna Virtanen",
        "thanked": "Aino Nieminen thanked Onni Koskinen",
    },
}


def _sign_out(page, words: dict[str, str]) -> None:
    page.get_by_role("button", name=words["signout"]).click()
    expect(page.locator("#id_username")).to_be_visible()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("language", ["fi", "en"])
def test_a_thanks_becomes_points_in_one_step(
    live_server, cast: Cast, new_page, width: int, language: str
) -> None:
    # given: everyone reads the language under test (the profile decides it at sign-in)
    User.objects.filter(username__in=["sanna", "aino", "onni"]).update(preferred_language=language)
    words = TEXT[language]
    base = live_server.url
    page = new_page({"width": width, "height": 900})
    tag = f"{language}-{width}"
    message = "Kiitos, että tuuraisit minua perjantaina!"

    # Aino thanks Onni, from the recognition feed on her home page.
    sign_in(page, base, "aino")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.get_by_test_id("thank-link").click()
    expect(page.get_by_role("heading", name=words["thank"])).to_be_visible()
    page.get_by_label(words["whom"]).select_option(str(cast.colleague.pk))
    page.get_by_label(words["for_what"]).select_option(str(cast.reason.pk))
    page.get_by_label(words["words"]).fill(message)
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("status")).to_contain_text(words["sent"])
    feed = page.get_by_test_id("thanks-feed")
    expect(feed).to_contain_text(words["thanked"])
    expect(feed).to_contain_text(message)
    assert_no_horizontal_scroll(page)
    shot(page, f"thanks-sent-{tag}")
    thanks = Thanks.objects.get()
    assert (thanks.giver, thanks.recipient) == (cast.agent, cast.colleague)
    assert balance_of(user=cast.colleague) == 0

    # A colleague's reaction, from the same feed (a small form; the page reloads).
    clap = feed.locator("button[data-emoji=clap]")
    clap.click()
    expect(page.get_by_test_id("thanks-feed").locator("button[data-emoji=clap]")).to_have_attribute(
        "aria-pressed", "true"
    )
    _sign_out(page, words)

    # Sanna, Onni's supervisor, sees the thanks on her team page and awards it in one step.
    sign_in(page, base, "sanna")
    menu(page, words["team"], label=words["menu"]).click()
    team_thanks = page.get_by_test_id("team-thanks")
    expect(team_thanks).to_contain_text(message)
    expect(team_thanks.locator("input[name=points]")).to_have_value("40")
    assert_no_horizontal_scroll(page)
    shot(page, f"thanks-team-{tag}")
    team_thanks.get_by_role("button", name=re.compile(words["turn"])).click()
    expect(page.get_by_role("status")).to_contain_text(words["given"])
    expect(page.get_by_test_id("budget-left")).to_have_text("160")
    expect(page.get_by_test_id("team-thanks")).to_have_count(0)  # nothing left to award
    award = Award.objects.get()
    assert (award.thanks, award.recipient, award.points) == (thanks, cast.colleague, 40)
    shot(page, f"thanks-awarded-{tag}")
    _sign_out(page, words)

    # Onni's wallet grew, and the thanks in the feed says what it became, and by whom.
    sign_in(page, base, "onni")
    expect(page.get_by_test_id("balance")).to_have_text("40")
    item = page.get_by_test_id("feed").get_by_test_id("thanks-item")
    expect(item).to_contain_text(message)
    expect(item.get_by_test_id("thanks-awarded")).to_have_text(words["became"])
    assert_no_horizontal_scroll(page)
    shot(page, f"thanks-home-{tag}")
    assert balance_of(user=cast.colleague) == 40
