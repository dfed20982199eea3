"""The award journey in a real Chromium: a supervisor gives points, the agent sees them.

Needs a Chromium binary (Debian: `apt-get install chromium`); set PLAYWRIGHT_CHROMIUM_EXECUTABLE
if it lives elsewhere than /usr/bin/chromium. Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from ledger.models import Award, AwardReason
from ledger.selectors import balance_of
from ledger.services import award_create
from people.models import EmploymentType, User
from tests.conftest import fund_budget
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import PASSWORD, AgentFactory, SupervisorFactory, TeamFactory

# Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise refuse
# to run here ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM!r}. Install it (Debian: apt-get install chromium) "
            "or set PLAYWRIGHT_CHROMIUM_EXECUTABLE to the path of a Chromium binary.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


CSP_LISTENER_JS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportCspViolation(
    `${document.location.pathname}: Refused to load ${e.blockedURI || "inline"} ` +
    `(${e.violatedDirective}) at ${e.sourceFile}:${e.lineNumber}: ${e.sample}`
  );
});
"""


@pytest.fixture
def new_page(browser: Browser) -> Iterator:
    """Pages in fresh browser contexts. Every page the test visits is also checked against the
    Content Security Policy: a "Refused to ..." console error (an inline script or style, a
    resource from elsewhere) fails the test."""
    contexts: list[BrowserContext] = []
    refused: list[str] = []

    def make(viewport: dict[str, int]) -> Page:
        # A Finnish browser; after sign-in the person's own profile decides the language.
        context = browser.new_context(viewport=viewport, locale="fi-FI")
        context.set_default_timeout(10_000)
        contexts.append(context)
        # Chromium reports a violation as a console error ("Refused to apply inline style ...")
        # and as a `securitypolicyviolation` event; the event is the one Playwright always sees.
        context.expose_function("reportCspViolation", lambda text: refused.append(text))
        context.add_init_script(CSP_LISTENER_JS)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                refused.append(f"{page.url}: {message.text}")
                if message.type == "error" and "Refused to" in message.text
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert not refused, "Content Security Policy violations:\n" + "\n".join(refused)


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot, after the page passes the basic accessibility checks."""
    assert_accessible_basics(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_no_horizontal_scroll(page: Page) -> None:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"{page.url}: {scroll_width}px wide in {inner_width}px"


# Cheap checks that catch the usual accessibility slips on every page the journey visits;
# colour contrast is settled in the palette (static/css/base.css), not here.
A11Y_PROBLEMS_JS = """
() => {
  const problems = [];
  const lang = document.documentElement.lang;
  if (!["fi", "en"].includes(lang)) problems.push(`html lang is ${JSON.stringify(lang)}`);
  if (document.querySelectorAll("h1").length !== 1) problems.push("not exactly one h1");
  if (!document.querySelector("a.skip-link[href='#main']")) problems.push("no skip link");
  if (!document.title.trim()) problems.push("no title");
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!el.labels.length && !el.getAttribute("aria-label")) problems.push(`unlabelled ${el.name}`);
  }
  for (const el of document.querySelectorAll("img")) {
    if (!el.hasAttribute("alt")) problems.push(`img without alt: ${el.src}`);
  }
  for (const el of document.querySelectorAll("button, a[href]")) {
    // textContent too: a link inside a closed menu (<details>) has no innerText until it opens.
    const name = (el.innerText || el.textContent || el.getAttribute("aria-label") || "").trim();
    if (!name) problems.push(`${el.tagName.toLowerCase()} without a name: ${el.outerHTML.slice(0, 80)}`);
  }
  const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dupes.length) problems.push(`duplicate ids: ${dupes}`);
  return problems;
}
"""


def assert_accessible_basics(page: Page) -> None:
    problems = page.evaluate(A11Y_PROBLEMS_JS)
    assert problems == [], f"{page.url}: {problems}"


def menu(page: Page, name: str, *, label: str = "Päävalikko"):
    """A link of the main menu in the header, opening the menu ("HR", or "Lisää" on a phone)
    that holds it when it is not on the bar itself."""
    nav = page.get_by_role("navigation", name=label)
    link = nav.get_by_role("link", name=name)
    if link.count() == 0:
        for summary in nav.locator("details:not([open]) > summary").all():
            if summary.is_visible():
                summary.click()
                if link.count():
                    break
                summary.click()
    return link


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(re.compile(r"^(Hei|Hi), "))


@dataclass
class Cast:
    supervisor: User
    agent: User
    colleague: User
    reason: AwardReason


@pytest.fixture
def cast(transactional_db: None) -> Cast:
    team = TeamFactory(name="Puhelinpalvelu")
    supervisor = SupervisorFactory(
        username="sanna", display_name="Sanna Virtanen", preferred_language="fi"
    )
    team.leaders.add(supervisor)
    # Aino reads English: signing in must switch the pages to English for her.
    agent = AgentFactory(
        username="aino", display_name="Aino Nieminen", team=team, preferred_language="en"
    )
    colleague = AgentFactory(
        username="onni",
        display_name="Onni Koskinen",
        team=team,
        employment_type=EmploymentType.AGENCY,
    )
    reason = AwardReasonFactory(
        code="customer-feedback",
        name_fi="Erinomainen asiakaspalaute",
        name_en="Excellent customer feedback",
        description_fi="Asiakas kiitti erikseen tai antoi täydet pisteet.",
        description_en="A customer thanked you by name or gave top marks.",
        suggested_min=20,
        suggested_max=60,
        position=1,
    )
    AwardReasonFactory(
        code="helping-colleague",
        name_fi="Kollegan auttaminen",
        name_en="Helping a colleague",
        suggested_min=10,
        suggested_max=40,
        position=2,
    )
    fund_budget(supervisor, 200)
    return Cast(supervisor=supervisor, agent=agent, colleague=colleague, reason=reason)


def test_supervisor_awards_and_the_agent_sees_it(live_server, cast: Cast, new_page) -> None:
    base = live_server.url
    page = new_page(DESKTOP)

    # The supervisor signs in through the real form, in Finnish.
    page.goto(f"{base}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    shot(page, "login-fi-desktop")
    sign_in(page, base, "sanna")
    expect(page.locator("html")).to_have_attribute("lang", "fi")

    # My team: the award form.
    menu(page, "Oma tiimi").click()
    expect(page.get_by_role("heading", name="Oma tiimi", level=1)).to_be_visible()
    expect(page.get_by_test_id("budget-left")).to_have_text("200")
    shot(page, "team-fi-desktop")

    page.get_by_label("Kenelle").select_option(str(cast.agent.pk))
    page.get_by_label("Miksi").select_option(str(cast.reason.pk))
    # the suggested range appears as soon as a reason is picked (progressive enhancement)
    expect(page.locator("#id_points_helptext")).to_have_text("Suositus tälle perusteelle: 20–60 p")

    # Too many points for the budget: a clear message on the page, nothing given.
    page.get_by_label("Pisteet").fill("300")
    page.get_by_role("button", name="Anna pisteitä").click()
    errors = page.locator("#award-errors")
    expect(errors).to_contain_text("Palkitsemisbudjetissasi ei ole tarpeeksi pisteitä jäljellä.")
    expect(errors).to_be_focused()
    expect(page.get_by_label("Kenelle")).to_have_value(str(cast.agent.pk))
    shot(page, "team-error-fi-desktop")
    assert Award.objects.count() == 0

    # A fitting amount, with a message.
    page.get_by_label("Pisteet").fill("30")
    page.get_by_label("Viesti (vapaaehtoinen)").fill("Kiitos, asiakas kehui sinua erikseen!")
    page.get_by_role("button", name="Anna pisteitä").click()
    expect(page.get_by_role("status")).to_contain_text("Annoit 30 pistettä: Aino Nieminen")
    expect(page.get_by_test_id("budget-left")).to_have_text("170")
    shot(page, "team-success-fi-desktop")
    assert balance_of(user=cast.agent) == 30

    # Sign out.
    page.get_by_role("button", name="Kirjaudu ulos").click()
    expect(page).to_have_url(f"{base}/login/")
    expect(page.get_by_text("Olet kirjautunut ulos.")).to_be_visible()

    # The agent signs in (in English, from her profile) and sees the points, why, and from whom.
    sign_in(page, base, "aino")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Aino Nieminen!")
    expect(page.get_by_test_id("balance")).to_have_text("30")
    expect(page.get_by_test_id("header-balance")).to_have_text("30")
    recent = page.get_by_test_id("recent-lines")
    expect(recent).to_contain_text("Excellent customer feedback")
    expect(recent).to_contain_text("Kiitos, asiakas kehui sinua erikseen!")
    expect(recent).to_contain_text("+30 pts")
    feed = page.get_by_test_id("feed")
    expect(feed).to_contain_text("Aino Nieminen")
    expect(feed).to_contain_text("Excellent customer feedback")
    expect(feed).to_contain_text("Kiitos, asiakas kehui sinua erikseen!")
    expect(feed).to_contain_text("Awarded by Sanna Virtanen")
    shot(page, "home-en-desktop")

    # She switches to Finnish: the same page, and her profile remembers it.
    page.get_by_role("button", name=re.compile("^FI")).click()
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Aino Nieminen!")
    expect(page.get_by_test_id("recent-lines")).to_contain_text("Erinomainen asiakaspalaute")
    expect(page.get_by_test_id("feed")).to_contain_text("Palkitsija: Sanna Virtanen")
    shot(page, "home-fi-desktop")
    cast.agent.refresh_from_db()
    assert cast.agent.preferred_language == "fi"

    menu(page, "Pistehistoria").click()
    expect(page.get_by_test_id("statement-balance")).to_contain_text("30")
    shot(page, "history-fi-desktop")


@pytest.mark.parametrize("width", [390, 360])
def test_agent_home_fits_a_phone(live_server, cast: Cast, new_page, width: int) -> None:
    # given: an award already made
    award_create(
        giver=cast.supervisor,
        recipient=cast.agent,
        reason=cast.reason,
        points=45,
        message="Hienoa työtä eilisessä ruuhkassa.",
    )
    base = live_server.url
    page = new_page({**PHONE, "width": width})
    tag = f"phone{width}"

    page.goto(f"{base}/login/")
    assert_no_horizontal_scroll(page)
    shot(page, f"login-fi-{tag}")
    sign_in(page, base, "aino")

    # when / then: home, in English (her profile) and in Finnish, fits the width
    expect(page.get_by_test_id("balance")).to_have_text("45")
    expect(page.get_by_test_id("recent-lines")).to_contain_text("Excellent customer feedback")
    assert_no_horizontal_scroll(page)
    shot(page, f"home-en-{tag}")

    page.get_by_role("button", name=re.compile("^FI")).click()
    expect(page.get_by_test_id("recent-lines")).to_contain_text("Erinomainen asiakaspalaute")
    assert_no_horizontal_scroll(page)
    shot(page, f"home-fi-{tag}")

    menu(page, "Pistehistoria").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pistehistoria")
    assert_no_horizontal_scroll(page)
    shot(page, f"history-fi-{tag}")

    # the supervisor's team page fits too
    page.get_by_role("button", name="Kirjaudu ulos").click()
    sign_in(page, base, "sanna")
    menu(page, "Oma tiimi").click()
    expect(page.get_by_test_id("members")).to_contain_text("Onni Koskinen")
    assert_no_horizontal_scroll(page)
    shot(page, f"team-{tag}")


def test_keyboard_users_can_skip_to_the_content(live_server, cast: Cast, new_page) -> None:
    page = new_page(DESKTOP)
    sign_in(page, live_server.url, "sanna")
    # the first Tab reaches the skip link, which is visible when focused
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Siirry sisältöön")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
