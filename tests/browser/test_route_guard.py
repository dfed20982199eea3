"""A guard over every HTML page: each role opens every page it can reach, on a 375 px phone and a
1280 px screen, in Finnish and in English, in a real Chromium, and the test fails on

- horizontal overflow (the page scrolls sideways),
- a console error or an uncaught exception,
- a failed request (the page itself not 200, a sub-resource failing or answering >= 400),
- a missing Finnish translation: while a Finnish page renders, every gettext call whose message
  has no entry in the Finnish catalogue is recorded (templates and Python alike), and the page's
  h1 and menu must not read the same in Finnish as in English,
- an axe-core violation of the WCAG 2.0/2.1 A and AA rules (axe is vendored in vendor/axe.min.js).

The pages come from Django's URL resolver, so a new route is covered the day it is added: a route
that is neither in PAGES (with the roles that reach it and how to fill its ids) nor in SKIPPED
(with the reason) fails the guard. Set GUARD_SHOTS=1 to save a screenshot of every page in
test-artifacts/guard/ (GUARD_SHOTS=full: whole pages), and GUARD_PAGES=market,home,
GUARD_ROLES=hr or GUARD_WIDTHS=375 to walk only those while working on a page.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from django.utils.translation import trans_real
from playwright.sync_api import Browser, Page, expect

from insights.integrity.services import integrity_scan
from insights.models import IntegrityFlag, IntegrityKind, IntegrityStatus
from insights.services import insights_recompute
from ledger.models import Award
from ledger.selectors import wallet_summary
from notifications.models import ChatChannel
from people.models import RosterImport, User
from people.roster.services import roster_preview_create
from pricing.demo import seed_demo
from pricing.models import Sale, Tick
from rewards.drawings.services import bid_place, drawing_close, drawing_create
from rewards.models import Drawing, DrawingRule, Quote, Redemption, Reward, Wish
from rewards.services import quote_create, redemption_create, wish_add
from tests.browser import test_award_journey as award_journey
from tests.browser.test_award_journey import ARTIFACTS
from tests.people.factories import HRFactory
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.browser

browser = award_journey.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WIDTHS = (375, 1280)
LANGUAGES = ("en", "fi")  # English first: the Finnish page is compared with it
ROLES = ("hr", "sanna", "aino", "onni")  # HR, a supervisor, an agent, an agency agent
EVERYONE = frozenset(ROLES)
LEADERS = frozenset({"hr", "sanna"})
SUPERVISORS = frozenset({"sanna"})
HR = frozenset({"hr"})
AGENTS = frozenset({"aino", "onni"})


@dataclass
class Demo:
    users: dict[str, User]
    reward: Reward
    quotes: dict[str, Quote]
    redemptions: dict[str, Redemption]
    drawing: Drawing  # open: its bid form
    lottery: Drawing  # drawn: its results
    tick: Tick
    names: set[str] = field(default_factory=set)
    flag: Any = None  # an open integrity flag (insights.models.IntegrityFlag)


@dataclass(frozen=True)
class PageSpec:
    roles: frozenset[str]
    # The path's ids for a role: one set, or a list of them to open the page once per set.
    kwargs: Callable[[Demo, str], dict[str, Any] | list[dict[str, Any]]] = lambda demo, role: {}


def _chat_channel(demo: Demo) -> ChatChannel:
    """A Slack channel that is failing, so the Teams and Slack pages show their whole state."""
    team = demo.users["aino"].team
    assert team is not None
    channel, _ = ChatChannel.objects.get_or_create(
        team=team,
        kind="slack",
        name="#pojo-demo",
        defaults={
            "webhook_url": "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX",
            "consecutive_failures": 2,
            "failing_since": timezone.now(),
            "last_error": "HTTP 404: no_service",
        },
    )
    return channel


# Every GET HTML page, by URL name: who opens it in the guard and how its ids are filled.
PAGES: dict[str, PageSpec] = {
    "home": PageSpec(EVERYONE),
    "ledger-history": PageSpec(EVERYONE),
    "team": PageSpec(SUPERVISORS),
    "market": PageSpec(EVERYONE),
    "reward-detail": PageSpec(EVERYONE, lambda demo, role: {"pk": demo.reward.pk}),
    "redemption-confirm": PageSpec(EVERYONE, lambda demo, role: {"pk": demo.quotes[role].pk}),
    "redemptions": PageSpec(EVERYONE),
    "redemption-receipt": PageSpec(AGENTS, lambda demo, role: {"pk": demo.redemptions[role].pk}),
    "approvals": PageSpec(LEADERS),
    "hr-redemptions": PageSpec(HR),
    "drawings": PageSpec(EVERYONE),
    "drawing-detail": PageSpec(
        EVERYONE, lambda demo, role: [{"pk": demo.drawing.pk}, {"pk": demo.lottery.pk}]
    ),
    "hr-drawings": PageSpec(HR),
    "hr-rewards": PageSpec(HR),
    "hr-reward-create": PageSpec(HR),
    "hr-reward-edit": PageSpec(HR, lambda demo, role: {"pk": demo.reward.pk}),
    "hr-pricing": PageSpec(HR),
    "hr-pricing-tick": PageSpec(HR, lambda demo, role: {"pk": demo.tick.pk}),
    "hr-sales": PageSpec(HR),
    "notifications": PageSpec(EVERYONE),
    "wishes": PageSpec(EVERYONE),
    "insights-dashboard": PageSpec(HR),
    "insights-people": PageSpec(HR),
    "history-import": PageSpec(HR),
    "api-tokens-page": PageSpec(EVERYONE),
    "audit-log": PageSpec(HR),
    "integrity-flags": PageSpec(HR),
    "integrity-flag": PageSpec(HR, lambda demo, role: {"pk": demo.flag.pk}),
    "hr-roster": PageSpec(HR),
    "hr-roster-detail": PageSpec(HR, lambda demo, role: {"pk": _roster_preview(demo).pk}),
    "hr-leavers": PageSpec(HR),
    "hr-chat": PageSpec(HR),
    "hr-chat-edit": PageSpec(HR, lambda demo, role: {"pk": _chat_channel(demo).pk}),
    "thanks": PageSpec(EVERYONE),
    "not-recognised": PageSpec(LEADERS),
}
ANONYMOUS_PAGES = ("login", "password-reset", "password-reset-sent", "password-reset-complete")

# Routes the guard does not open, each with the reason. Whole trees by prefix, then by name.
SKIPPED_PREFIXES = {
    "api/v1/": "the JSON API (covered by the API tests)",
    "admin/": "Django's admin (its own markup, not ours)",
    "i18n/": "Django's set_language: POST only",
    "jsi18n/": "a JavaScript catalogue, loaded by the pages themselves",
    "healthz": "a health probe, plain text",
    "scim/v2/": "SCIM provisioning, JSON for an identity provider (tests/people/test_scim_*)",
}
SKIPPED = {
    "logout": "POST only",
    "language-set": "POST only",
    "notifications-read": "POST only",
    "quote-create": "POST only",
    "wish-add": "POST only",
    "wish-update": "POST only",
    "wish-move": "POST only",
    "wish-remove": "POST only",
    "redemption-cancel": "POST only",
    "redemption-decide": "POST only",
    "drawing-bid": "POST only",
    "drawing-withdraw": "POST only",
    "hr-sale-cancel": "POST only",
    "hr-leaver-settle": "POST only",
    "insights-recompute": "POST only",
    "insights-export": "a CSV download",
    "api-token-revoke-page": "POST only",
    "api-tokens-revoke-all": "POST only",
    "sso-start": "a redirect to the identity provider (404 unless OIDC_CLIENT_ID is set); "
    "tests/browser/test_sso_journey.py",
    "sso-callback": "the identity provider's way back (needs its code); "
    "tests/browser/test_sso_journey.py",
    "password-reset-confirm": "needs the one-time link of an e-mail; "
    "tests/people/test_password_reset.py",
    "thanks-react-page": "POST only",
    "thanks-award-page": "POST only",
    "history-import-sample": "a CSV download",
    "integrity-flag-dismiss": "POST only",
    "integrity-flag-reverse": "POST only",
    "hr-roster-apply": "POST only",
    "hr-roster-template": "a CSV download",
    "hr-chat-test": "POST only",
    "hr-chat-delete": "POST only",
    "reward-picture": "a reward's picture (WebP), loaded by the pages that show it",
    "reward-picture-small": "a reward's picture (WebP), loaded by the pages that show it",
}

# Violations known and not yet fixed: (url name or "*", check, what is matched) -> why it is left.
# Keep this short; every entry is listed in the report of the branch that added it.
ALLOWED: dict[tuple[str, str, str], str] = {}

# axe-core runs on every page in all four combinations of language and width. It is about half of
# the guard's time; GUARD_AXE=half runs it only in Finnish on the phone and in English on the wide
# screen (each page and width still checked once) when a slow machine needs the time.
AXE_HALF = {("fi", 375), ("en", 1280)}

# Texts that read the same in both languages on purpose.
SAME_IN_BOTH = {"Pojopörssi", "HR", "FI", "EN", "OK", "CSV"}


def _routes() -> Iterator[tuple[str, str | None]]:
    """(path pattern, url name) of every route the resolver knows."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, str | None]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.name

    yield from walk(get_resolver().url_patterns, "")


def _classify() -> tuple[list[str], list[str]]:
    """The url names to open, and a message per route the guard does not know."""
    to_open: list[str] = []
    unknown: list[str] = []
    for route, name in _routes():
        if any(route.startswith(prefix) for prefix in SKIPPED_PREFIXES):
            continue
        if name in PAGES or name in ANONYMOUS_PAGES:
            to_open.append(name)
        elif name not in SKIPPED:
            unknown.append(
                f"route {route!r} (name {name!r}) is new to the route guard: add it to PAGES in "
                "tests/browser/test_route_guard.py with the roles that reach it, or to SKIPPED "
                "with the reason"
            )
    return to_open, unknown


def test_every_route_is_classified() -> None:
    _, unknown = _classify()
    assert unknown == []
    stale = (set(PAGES) | set(SKIPPED) | set(ANONYMOUS_PAGES)) - {n for _, n in _routes()}
    assert not stale, f"no such routes any more, remove them from the guard: {sorted(stale)}"


# --- Missing Finnish translations, caught where they happen: in gettext ----------------------


class MissingTranslations:
    """Records every message looked up while Finnish is active that the Finnish catalogue lacks."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self._lock = threading.Lock()
        self._catalog = trans_real.translation("fi")._catalog

    def _check(self, key: object, shown: str) -> None:
        if translation.get_language() == "fi" and shown.strip() and key not in self._catalog:
            with self._lock:
                self.found.append(shown)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        trans = translation._trans
        sep = trans_real.CONTEXT_SEPARATOR
        real = {
            name: getattr(trans_real, name)
            for name in ("gettext", "ngettext", "pgettext", "npgettext")
        }

        def gettext(message: str) -> str:
            self._check(message.replace("\r\n", "\n").replace("\r", "\n"), message)
            return real["gettext"](message)

        def ngettext(singular: str, plural: str, number: int) -> str:
            self._check((singular, 0), singular)
            return real["ngettext"](singular, plural, number)

        def pgettext(context: str, message: str) -> str:
            self._check(f"{context}{sep}{message}", message)
            return real["pgettext"](context, message)

        def npgettext(context: str, singular: str, plural: str, number: int) -> str:
            self._check((f"{context}{sep}{singular}", 0), singular)
            return real["npgettext"](context, singular, plural, number)

        for name, function in (
            ("gettext", gettext),
            ("ngettext", ngettext),
            ("pgettext", pgettext),
            ("npgettext", npgettext),
        ):
            monkeypatch.setattr(trans, name, function, raising=False)

    def take(self) -> list[str]:
        with self._lock:
            found, self.found = self.found, []
        return sorted(set(found))


def test_the_translation_check_catches_a_missing_finnish_string(monkeypatch) -> None:
    from django.template import Context, Template

    missing = MissingTranslations()
    missing.install(monkeypatch)
    template = Template(
        '{% load i18n %}{% translate "Home" %} {% translate "No such string, never translated" %}'
        "{% blocktranslate count n=2 %}{{ n }} zebra{% plural %}{{ n }} zebras{% endblocktranslate %}"
    )
    with translation.override("fi"):
        template.render(Context())
    with translation.override("en"):
        Template('{% load i18n %}{% translate "Also missing in Finnish" %}').render(Context())
    # Flagged: exactly the Finnish look-ups that have no translation ("Home" has one).
    assert missing.take() == ["%(n)s zebra", "No such string, never translated"]


# --- The demo the guard walks through --------------------------------------------------------


def _demo() -> Demo:
    seed_demo(months=2)
    insights_recompute()
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    assert set(users) == set(ROLES), f"the demo has no {set(ROLES) - set(users)}"
    reward = Reward.objects.filter(active=True).order_by("current_price", "pk").first()
    assert reward is not None
    quotes = {role: quote_create(employee=users[role], reward=reward) for role in ROLES}
    # A receipt is its owner's alone: each agent gets one (HR and the supervisor have no points
    # in the demo, so no receipt of theirs to open).
    treat = RewardFactory(name_fi="Suklaalevy", name_en="A bar of chocolate", base_price=1)
    redemptions: dict[str, Redemption] = {}
    for role in ROLES:
        own = Redemption.objects.filter(employee=users[role]).order_by("-pk").first()
        if own is None and wallet_summary(user=users[role]).available >= 1:
            own = redemption_create(
                employee=users[role], quote=quote_create(employee=users[role], reward=treat)
            )
        if own is not None:
            redemptions[role] = own
    assert set(redemptions) >= AGENTS, "the agents need a receipt to open"
    # Everyone's wish list has something on it: one wish with a target price, one without.
    for role in ROLES:
        for wished, target in ((reward, reward.current_price + 5), (treat, None)):
            if not Wish.objects.filter(employee=users[role], reward=wished).exists():
                wish_add(employee=users[role], reward=wished, target_price=target)
    # A lottery that has been drawn, so the drawings' result columns have something to show.
    now = timezone.now()
    drawn = RewardFactory(
        name_fi="Leffaliput kahdelle", name_en="Cinema tickets for two", base_price=5, stock=2
    )
    lottery = drawing_create(
        actor=users["hr"],
        reward=drawn,
        rule=DrawingRule.LOTTERY,
        opens_at=now,
        closes_at=now + timedelta(seconds=2),
        schedule=False,
    )
    bid_place(drawing=lottery, employee=users["aino"])
    Drawing.objects.filter(pk=lottery.pk).update(
        opens_at=now - timedelta(minutes=2), closes_at=now - timedelta(seconds=1)
    )
    drawing_close(drawing=lottery)
    drawing = Drawing.objects.exclude(pk=lottery.pk).order_by("-pk").first() or lottery
    tick = Tick.objects.order_by("-pk").first()
    assert tick is not None and Sale.objects.exists()
    names = set(User.objects.values_list("display_name", flat=True))
    return Demo(
        users, reward, quotes, redemptions, drawing, lottery, tick, names, _integrity_flag()
    )


def _integrity_flag() -> IntegrityFlag:
    """An open integrity flag to review: the demo's own, or one made from its latest awards."""
    integrity_scan()
    flag = IntegrityFlag.objects.filter(status=IntegrityStatus.OPEN).first()
    if flag is None:
        awards = list(Award.objects.order_by("-pk")[:6])
        flag = IntegrityFlag.objects.create(
            kind=IntegrityKind.REPEATED_MESSAGE,
            fingerprint="route-guard",
            score=len(awards),
            params={"text": "Kiitos hienosta työstä tällä viikolla!", "repeats": len(awards),
                    "givers": 1, "recipients": len(awards)},
        )  # fmt: skip
        flag.awards.set(awards)
        flag.people.set({a.giver_id for a in awards} | {a.recipient_id for a in awards})
    return flag


def _roster_preview(demo: Demo) -> RosterImport:
    """A stored roster preview with a joiner, a mover, a leaver and a new team (made once)."""
    found = RosterImport.objects.order_by("pk").first()
    if found is not None:
        return found
    users = demo.users
    team = users["aino"].team.name if users["aino"].team else ""
    soon = (timezone.localdate() + timedelta(days=7)).isoformat()
    rows = [
        "employee_id,name,email,team,supervisors,employment_type,start_date,end_date",
        f"E2001,{users['sanna'].display_name},sanna@example.com,,,permanent,2019-08-12,",
        f"E1001,{users['aino'].display_name},aino@example.com,Uusi tiimi,E2001,agency,,",
        f"E1002,{users['onni'].display_name},onni@example.com,{team},E2001,agency,,{soon}",
        f"E1003,Ville-Valtteri Väisänen-Korhonen,ville.vaisanen@example.com,{team},E2001,"
        "permanent,2026-01-05,",
    ]
    return roster_preview_create(data="\n".join(rows).encode(), filename="roster.csv")


# --- The walk ------------------------------------------------------------------------------

OVERFLOW_JS = """
() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const culprits = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      const inner = [...el.children].some((c) => c.getBoundingClientRect().right > width + 1);
      if (!inner) {
        const cls = el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "";
        culprits.push(`${el.tagName.toLowerCase()}${cls} (right edge ${Math.round(box.right)})`);
      }
    }
    if (culprits.length >= 4) break;
  }
  return `${document.documentElement.scrollWidth}px wide in ${width}px: ${culprits.join(", ")}`;
}
"""


@functools.cache
def _axe_source() -> str:
    """axe-core, evaluated into the page through the browser's protocol: no <script> element,
    so a strict Content-Security-Policy neither blocks it nor has to be bypassed."""
    return AXE.read_text()


AXE_JS = """
async () => {
  const result = await axe.run(document, {
    preload: false,
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " | " + (n.failureSummary || "").split("\\n").slice(1, 2).join("")),
  }));
}
"""

UI_TEXTS_JS = """
() => [...document.querySelectorAll("h1, .mainnav a, .mainnav summary")]
  .map((el) => el.innerText.replace(/\\s+/g, " ").trim()).filter(Boolean)
"""


@dataclass
class Walk:
    base: str
    demo: Demo
    missing: MissingTranslations
    problems: list[str] = field(default_factory=list)
    english: dict[tuple[str, int, str, int], set[str]] = field(default_factory=dict)
    visits: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def report(self, name: str, check: str, what: str, where: str) -> None:
        if any(n in (name, "*") and c == check and m in what for (n, c, m) in ALLOWED):
            return
        self.problems.append(f"{where}: {check}: {what}")

    def timed(self, step: str, started: float) -> None:
        self.seconds[step] = self.seconds.get(step, 0.0) + time.monotonic() - started


class Tab:
    """One page of a context, reused for every URL; what its listeners saw since `clear()`."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.failed: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught {e}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _request_failed(self, request: Any) -> None:
        # Leaving a page cancels what it was still loading; only this page's own loads count.
        if request.failure != "net::ERR_ABORTED":
            self.failed.append(f"{request.url} ({request.failure})")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed.append(f"{response.url} answered {response.status}")

    def clear(self) -> None:
        self.errors, self.failed = [], []


def _session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _visit(
    walk: Walk, tab: Tab, name: str, url: str, where: str, lang: str, key: Any, *, axe: bool
) -> None:
    page = tab.page
    walk.missing.take()
    tab.clear()
    started = time.monotonic()
    response = page.goto(url, wait_until="load")
    walk.timed("load", started)
    walk.visits += 1
    if response is None or response.status != 200:
        walk.report(name, "status", str(response and response.status), where)
        return
    if os.environ.get("GUARD_SHOTS"):
        (ARTIFACTS / "guard").mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / "guard" / f"{where.replace(' ', '-')}.png"),
            full_page=os.environ["GUARD_SHOTS"] == "full",
        )
    started = time.monotonic()
    overflow = page.evaluate(OVERFLOW_JS)
    if overflow:
        walk.report(name, "overflow", overflow, where)
    texts = set(page.evaluate(UI_TEXTS_JS))
    walk.timed("checks", started)
    if axe:
        started = time.monotonic()
        page.evaluate(_axe_source())
        for violation in page.evaluate(AXE_JS):
            walk.report(
                name, "axe", f"{violation['id']} ({violation['help']}): {violation['nodes']}", where
            )
        walk.timed("axe", started)
    if lang == "en":
        walk.english[key] = texts
    else:
        for message in walk.missing.take():
            walk.report(name, "untranslated", repr(message), where)
        same = (texts & walk.english.get(key, set())) - SAME_IN_BOTH
        for text in sorted(same):
            if not any(person in text for person in walk.demo.names):
                walk.report(name, "untranslated", f"{text!r} reads the same in English", where)
    for error in tab.errors:
        walk.report(name, "console", error, where)
    for failure in tab.failed:
        walk.report(name, "request", failure, where)


@pytest.fixture
def walk(live_server, transactional_db, monkeypatch) -> Walk:
    demo = _demo()
    missing = MissingTranslations()
    missing.install(monkeypatch)
    return Walk(base=live_server.url, demo=demo, missing=missing)


def _only(variable: str) -> set[str] | None:
    """A developer's shortcut: GUARD_PAGES=market,home or GUARD_ROLES=hr walk only those."""
    value = os.environ.get(variable, "")
    return {part.strip() for part in value.split(",") if part.strip()} or None


def test_every_page_fits_works_and_is_accessible_in_both_languages(
    walk: Walk, browser: Browser
) -> None:
    started = time.monotonic()
    to_open, unknown = _classify()
    walk.problems.extend(unknown)
    only_pages, only_roles = _only("GUARD_PAGES"), _only("GUARD_ROLES")
    widths = [int(w) for w in _only("GUARD_WIDTHS") or WIDTHS]
    for width in sorted(widths):
        for role in ("", *ROLES):  # "": signed out
            if only_roles and role not in only_roles:
                continue
            for lang in LANGUAGES:
                axe = os.environ.get("GUARD_AXE") != "half" or (lang, width) in AXE_HALF
                # One context per role, language and width. The page's Content-Security-Policy
                # stays on: a script or style it blocks is a console error the guard reports.
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, locale="fi-FI"
                )
                context.set_default_timeout(30_000)
                cookies = [{"name": "django_language", "value": lang, "url": walk.base}]
                if role:
                    user = walk.demo.users[role]
                    cookies.append(
                        {"name": "sessionid", "value": _session_cookie(user), "url": walk.base}
                    )
                context.add_cookies(cookies)
                tab = Tab(context.new_page())
                for name in ANONYMOUS_PAGES if not role else to_open:
                    spec = PAGES.get(name)
                    if only_pages and name not in only_pages:
                        continue
                    if role and (spec is None or role not in spec.roles):
                        continue
                    ids = spec.kwargs(walk.demo, role) if role and spec else {}
                    for n, kwargs in enumerate(ids if isinstance(ids, list) else [ids]):
                        url = walk.base + reverse(name, kwargs=kwargs)
                        where = f"{width} {lang} {role or 'anonymous'} {name}"
                        where += f" #{n + 1}" if n else ""
                        key = (name, width, role, n)
                        _visit(walk, tab, name, url, where, lang, key, axe=axe)
                context.close()
    took = time.monotonic() - started
    timing = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in walk.seconds.items())
    summary = f"{walk.visits} pages in {took:.0f} s ({timing})"
    print(summary)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "route-guard.txt").write_text(summary + "\n" + "\n".join(walk.problems) + "\n")
    if not (only_pages or only_roles or _only("GUARD_WIDTHS")):
        assert walk.visits > 150, f"the guard opened only {walk.visits} pages"
    if walk.problems:
        pytest.fail(
            f"{summary}; {len(walk.problems)} problems:\n" + "\n".join(walk.problems),
            pytrace=False,
        )


# --- The menus themselves --------------------------------------------------------------------


@pytest.mark.parametrize(("width", "opener"), [(1280, "HR"), (375, "More")])
def test_the_menu_that_holds_the_current_page_is_marked_and_opens_accessibly(
    live_server, transactional_db, browser: Browser, width: int, opener: str
) -> None:
    hr = HRFactory(username="henna", preferred_language="en")
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [
            {"name": "sessionid", "value": _session_cookie(hr), "url": live_server.url},
            {"name": "django_language", "value": "en", "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/hr/insights/")
    nav = page.get_by_role("navigation", name="Main menu")
    summary = nav.locator("summary:visible")
    expect(summary).to_have_count(1)
    expect(summary).to_contain_text(opener)
    expect(summary).to_have_class(re.compile(r"\bis-current\b"))  # the section is marked
    insights = nav.get_by_role("link", name="Insights")
    expect(insights).to_have_count(0)  # closed: out of the way
    summary.click()
    expect(insights).to_be_visible()
    expect(insights).to_have_attribute("aria-current", "page")
    assert page.evaluate(OVERFLOW_JS) is None
    page.evaluate(_axe_source())
    assert page.evaluate(AXE_JS) == []
    page.keyboard.press("Escape")  # static/js/nav.js closes it and gives focus back
    expect(insights).to_have_count(0)
    expect(summary).to_be_focused()
    summary.click()
    page.locator("footer").click()  # a click elsewhere closes it too
    expect(insights).to_have_count(0)
    context.close()
