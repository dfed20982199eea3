"""An IDOR walk: every URL pattern that takes an object id, asked for somebody else's object by
every role, with every method it answers.

The patterns come from Django's resolver, so a new endpoint is walked the day it is added; one
that is missing from RULES below fails the test, asking its author to say who may use it. Every
refused request is checked to have written nothing (a snapshot of the money tables and the
market's state). Each request runs in a savepoint that is rolled back, so no request's effect
changes what the next one sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from people.models import Team
from tests.api_support import isolate_throttle_cache
from tests.security.world import SecurityWorld, build_world, money_state, rolled_back_block

# --- The rules --------------------------------------------------------------------------------

OK = "ok"
"""Allowed: any answer but 401/403/404, a redirect to a sign-in page, or a 5xx. (Writes with an
empty body may well answer 400 or 409: that is the request's content, not a refusal.)"""
DENY = "deny"
"""Refused: 403 or 404 (an API answers in its JSON error shape), and nothing written."""
NOOP = "noop"
"""An HTML form whose refusal is a message on the next page: a redirect, and nothing written."""
NOT_FOUND = "not-found"
"""404 for a reason other than access (e.g. no insights computed yet), nothing written."""
STAFF = "staff"
"""The admin let a staff member in: anything but its sign-in page or a 5xx (the admin itself
may still answer 403 for a model that refuses deletes, or 404 for a bad id)."""

BEARER = "bearer"
"""SCIM's provisioning API (/scim/v2/): only its own bearer token gets in, so every session and
the anonymous caller alike get 401 in SCIM's error shape, and nothing is written."""

ROLES = ("agent", "supervisor", "hr")


@dataclass(frozen=True)
class Rule:
    """Who may do what to which object: `kwargs` names the world's object for each URL
    parameter; `methods` maps a method to the outcome for (agent, supervisor, HR). The agent and
    the supervisor belong to team A; every object belongs to team B (or to nobody)."""

    kwargs: dict[str, str]
    methods: dict[str, tuple[str, str, str]] = field(default_factory=dict)


EVERYONE = (OK, OK, OK)
HR_ONLY = (DENY, DENY, OK)
NOBODY_ELSE = (DENY, DENY, DENY)

RULES: dict[str, Rule] = {
    # --- API: people and teams
    "person-detail": Rule({"pk": "agent_b"}, {"GET": HR_ONLY, "PATCH": HR_ONLY}),
    "person-deactivate": Rule({"pk": "agent_b"}, {"POST": HR_ONLY}),
    "team-detail": Rule({"pk": "team_b"}, {"GET": EVERYONE, "PATCH": HR_ONLY}),
    # --- API: ledger (the recognition feed is public; budgets are the supervisor's and HR's)
    "award-detail": Rule({"pk": "award_b"}, {"GET": EVERYONE}),
    "award-reason-detail": Rule({"pk": "reason"}, {"GET": EVERYONE, "PATCH": HR_ONLY}),
    "budget-detail": Rule({"supervisor": "sup_b"}, {"GET": HR_ONLY}),
    "transaction-reverse": Rule({"pk": "award_b.transaction"}, {"POST": HR_ONLY}),
    # Thanks are public and anyone reacts (with their own reaction); only team B's supervisor may
    # turn thanks_b into points (HR does not award).
    "thanks-detail": Rule({"pk": "thanks_b"}, {"GET": EVERYONE}),
    "thanks-react": Rule({"pk": "thanks_b"}, {"POST": EVERYONE}),
    "thanks-award": Rule({"pk": "thanks_b"}, {"POST": NOBODY_ELSE}),
    # --- API: the market
    "reward-detail": Rule({"pk": "reward"}, {"GET": EVERYONE, "PATCH": HR_ONLY}),
    "reward-restock": Rule({"pk": "reward"}, {"POST": HR_ONLY}),
    "reward-deactivate": Rule({"pk": "reward"}, {"POST": HR_ONLY}),
    "reward-activate": Rule({"pk": "reward_hidden"}, {"POST": HR_ONLY}),
    "reward-quote": Rule({"pk": "reward"}, {"POST": EVERYONE}),
    "redemption-detail": Rule({"pk": "redemption_b"}, {"GET": HR_ONLY}),
    # A wish is its owner's alone, HR included (a 404 for everyone else).
    "wish-detail": Rule(
        {"pk": "wish_b"}, {"GET": NOBODY_ELSE, "PATCH": NOBODY_ELSE, "DELETE": NOBODY_ELSE}
    ),
    # Only the buyer cancels; HR sees it but it is not theirs to withdraw.
    "redemption-cancel": Rule({"pk": "redemption_b"}, {"POST": NOBODY_ELSE}),
    # Approvers: team B's supervisor (not team A's) and HR.
    "redemption-approve": Rule({"pk": "redemption_b"}, {"POST": HR_ONLY}),
    "redemption-reject": Rule({"pk": "redemption_b"}, {"POST": HR_ONLY}),
    "redemption-fulfil": Rule({"pk": "redemption_b"}, {"POST": HR_ONLY}),
    # Drawings are public; a bid acts on the caller's own bid, never on agent_b's.
    "drawing-detail": Rule({"pk": "drawing"}, {"GET": EVERYONE}),
    "drawing-bid": Rule({"pk": "drawing"}, {"POST": EVERYONE, "DELETE": NOBODY_ELSE}),
    "drawing-entry": Rule({"pk": "drawing"}, {"POST": EVERYONE, "DELETE": NOBODY_ELSE}),
    "drawing-close": Rule({"pk": "drawing"}, {"POST": HR_ONLY}),
    "drawing-results": Rule({"pk": "drawing"}, {"GET": EVERYONE}),
    # --- API: pricing (the tick log and price history are public; sales are HR's)
    "api-pricing-tick": Rule({"pk": "tick"}, {"GET": EVERYONE}),
    "api-pricing-tick-lines": Rule({"pk": "tick"}, {"GET": EVERYONE}),
    "api-pricing-sale": Rule({"pk": "sale"}, {"GET": HR_ONLY, "DELETE": HR_ONLY}),
    "api-reward-price-history": Rule({"pk": "reward"}, {"GET": EVERYONE}),
    "api-reward-price-ticks": Rule({"pk": "reward"}, {"GET": EVERYONE}),
    # --- HTML pages and forms
    "reward-detail-page": Rule({"pk": "reward"}, {"GET": EVERYONE}),
    "hr-pricing-tick": Rule({"pk": "tick"}, {"GET": HR_ONLY}),
    "hr-sale-cancel": Rule({"pk": "sale"}, {"POST": HR_ONLY}),
    # agent_b has no last working day: HR's attempt is refused with a message (nothing written).
    "hr-leaver-settle": Rule({"pk": "agent_b"}, {"POST": HR_ONLY}),
    "api-leaver-settle": Rule({"pk": "agent_b"}, {"POST": HR_ONLY}),
    "quote-create": Rule({"pk": "reward"}, {"POST": EVERYONE}),
    "wish-add": Rule({"pk": "reward"}, {"POST": EVERYONE}),
    "wish-update": Rule({"pk": "wish_b"}, {"POST": NOBODY_ELSE}),
    "wish-move": Rule({"pk": "wish_b"}, {"POST": NOBODY_ELSE}),
    "wish-remove": Rule({"pk": "wish_b"}, {"POST": NOBODY_ELSE}),
    "thanks-react-page": Rule({"pk": "thanks_b"}, {"POST": EVERYONE}),
    # Not team A's supervisor's to award, nor anyone else's here: the refusal is a message.
    "thanks-award-page": Rule({"pk": "thanks_b"}, {"POST": (NOOP, NOOP, NOOP)}),
    # agent_b's quote and receipt are agent_b's alone, HR included.
    "redemption-confirm": Rule({"pk": "quote_b"}, {"GET": NOBODY_ELSE, "POST": NOBODY_ELSE}),
    "redemption-receipt": Rule({"pk": "redemption_b"}, {"GET": NOBODY_ELSE}),
    "redemption-cancel-page": Rule({"pk": "redemption_b"}, {"POST": NOBODY_ELSE}),
    # Team A's supervisor is an approver, but not of team B: the refusal is a message.
    "redemption-decide": Rule(
        {"pk": "redemption_b", "decision": "=approve"}, {"POST": (DENY, NOOP, OK)}
    ),
    "drawing-detail-page": Rule({"pk": "drawing"}, {"GET": EVERYONE}),
    "drawing-bid-page": Rule({"pk": "drawing"}, {"POST": EVERYONE}),
    # Withdrawing with no bid of one's own is a message; agent_b's bid stays.
    "drawing-withdraw": Rule({"pk": "drawing"}, {"POST": (NOOP, NOOP, NOOP)}),
    # --- API tokens: each person's own; someone else's id is unknown to everyone, HR included.
    "api-token-revoke": Rule({"token_id": "token_b"}, {"DELETE": NOBODY_ELSE}),
    "api-token-revoke-page": Rule({"token_id": "token_b"}, {"POST": (NOOP, NOOP, NOOP)}),
    # --- Password reset: public by design, the one-time token in the URL is the credential (a
    # forged or someone else's link is refused: tests/people/test_password_reset.py).
    "password-reset-confirm": Rule({"uidb64": "=MQ", "token": "=forged-token"}, {}),
    # --- The audit log is HR's to read, nobody's to write.
    "audit-event-detail": Rule({"pk": "audit_event"}, {"GET": HR_ONLY}),
    # --- Award integrity flags: HR's alone to read and review (API and pages).
    "integrity-flag-detail": Rule({"pk": "integrity_flag"}, {"GET": HR_ONLY}),
    "integrity-flag-dismiss": Rule({"pk": "integrity_flag"}, {"POST": HR_ONLY}),
    "integrity-flag-reverse": Rule({"pk": "integrity_flag"}, {"POST": HR_ONLY}),
    "integrity-flag": Rule({"pk": "integrity_flag"}, {"GET": HR_ONLY}),
    "integrity-flag-dismiss-page": Rule({"pk": "integrity_flag"}, {"POST": HR_ONLY}),
    "integrity-flag-reverse-page": Rule({"pk": "integrity_flag"}, {"POST": HR_ONLY}),
    # --- Roster sync: HR's alone (the apply of another HR person's upload is HR's to make).
    "api-roster-import": Rule({"pk": "roster_import"}, {"GET": HR_ONLY}),
    "api-roster-import-apply": Rule({"pk": "roster_import"}, {"POST": HR_ONLY}),
    "hr-roster-detail": Rule({"pk": "roster_import"}, {"GET": HR_ONLY}),
    "hr-roster-apply": Rule({"pk": "roster_import"}, {"POST": HR_ONLY}),
    # --- HR's catalogue pages; pictures are for anyone signed in (an unknown one is a 404).
    "hr-reward-edit": Rule({"pk": "reward"}, {"GET": HR_ONLY, "POST": HR_ONLY}),
    "reward-picture": Rule(
        {"name": "=" + "0" * 32 + ".webp"}, {"GET": (NOT_FOUND, NOT_FOUND, NOT_FOUND)}
    ),
    "reward-picture-small": Rule(
        {"size": "=small", "name": "=" + "0" * 32 + ".webp"},
        {"GET": (NOT_FOUND, NOT_FOUND, NOT_FOUND)},
    ),
    # --- HR's Teams and Slack channels: HR's alone (the webhook URL is a secret).
    "chat-channel-detail": Rule(
        {"pk": "chat_channel"}, {"GET": HR_ONLY, "PATCH": HR_ONLY, "DELETE": HR_ONLY}
    ),
    "chat-channel-test": Rule({"pk": "chat_channel"}, {"POST": HR_ONLY}),
    "hr-chat-edit": Rule({"pk": "chat_channel"}, {"GET": HR_ONLY, "POST": HR_ONLY}),
    "hr-chat-test": Rule({"pk": "chat_channel"}, {"POST": HR_ONLY}),
    "hr-chat-delete": Rule({"pk": "chat_channel"}, {"POST": HR_ONLY}),
    # No insights have been computed in this world: HR gets past the check, then a 404.
    "insights-export": Rule({"slug": "=segments"}, {"GET": (DENY, DENY, NOT_FOUND)}),
    # --- SCIM provisioning: the identity provider's token only (tests/people/test_scim_*).
    "scim:users": Rule(
        {"uuid": "agent_b"},
        {m: (BEARER,) * 3 for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    ),
    "scim:groups": Rule(
        {"uuid": "team_b"},
        {m: (BEARER,) * 3 for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    ),
    "scim:resource-types": Rule({"uuid": "=User"}, {"GET": (BEARER,) * 3}),
    "scim:schemas": Rule(
        {"uuid": "=urn:ietf:params:scim:schemas:core:2.0:User"}, {"GET": (BEARER,) * 3}
    ),
}
"""Keyed by URL name; HTML pages whose name an API route also uses get a `-page` suffix."""

ADMIN_NAMESPACE = "admin"
"""The admin is one family: staff only (HR are staff). Everyone else is sent to its sign-in page
with GET and POST alike; HR may read every page (GET only: an admin POST would really delete)."""

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")

# --- Walking the resolver ---------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # with its namespace, e.g. "admin:rewards_reward_change"
    namespace: str
    route: str
    params: tuple[str, ...]
    callback: Any
    api: bool


def _params(pattern: URLPattern | URLResolver) -> list[str]:
    p = pattern.pattern
    converters = getattr(p, "converters", None)
    if converters:
        return list(converters)
    regex = getattr(p, "regex", None)
    return list(regex.groupindex) if regex is not None else []


def _walk(
    resolver: URLResolver, prefix: str = "", namespace: str = "", params: tuple[str, ...] = ()
) -> Iterator[Route]:
    for pattern in resolver.url_patterns:
        here = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        found = (*params, *_params(pattern))
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(pattern, here, inner, found)
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield Route(
                name=name or f"<unnamed {here}>",
                namespace=namespace,
                route=here,
                params=found,
                callback=pattern.callback,
                api=here.startswith("api/"),
            )


def object_routes() -> list[Route]:
    """Every URL pattern that takes a parameter (an id, a slug, ...), API and HTML."""
    return [r for r in _walk(get_resolver()) if r.params]


def rule_key(route: Route, api_names: set[str]) -> str:
    """The route's name, with `-page` for an HTML page named like an API route."""
    return f"{route.name}-page" if not route.api and route.name in api_names else route.name


def api_methods(route: Route) -> set[str]:
    """The methods a DRF view answers on this route (viewset action map or APIView handlers)."""
    actions = getattr(route.callback, "actions", None)
    if actions is not None:
        # DRF adds "head" to the map on a view's first request: GET covers it.
        return {m.upper() for m in actions if m not in ("head", "options")}
    view_class = getattr(route.callback, "view_class", None) or getattr(route.callback, "cls", None)
    assert view_class is not None, route
    return {
        m.upper()
        for m in view_class.http_method_names
        if m not in ("options", "head", "trace") and hasattr(view_class, m)
    }


# --- Asking -----------------------------------------------------------------------------------


def _resolve_object(world: SecurityWorld, path: str) -> Any:
    if path.startswith("="):
        return path[1:]
    value: Any = world
    for part in path.split("."):
        value = getattr(value, part)
    return value.pk


def _admin_kwargs(route: Route, world: SecurityWorld) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    model_admin = getattr(route.callback, "model_admin", None)
    for param in route.params:
        if param == "object_id":
            first = model_admin.model.objects.order_by("pk").first() if model_admin else None
            kwargs[param] = str(first.pk) if first is not None else "1"
        elif param == "app_label":
            kwargs[param] = "rewards"
        elif param == "content_type_id":
            kwargs[param] = 1
        else:
            kwargs[param] = "x"
    return kwargs


def _url(route: Route, kwargs: dict[str, Any]) -> str:
    """Fill in the route itself: some HTML pages share their name with an API route, so
    `reverse()` by name could pick the wrong one."""
    path = route.route
    for key, value in kwargs.items():
        path = re.sub(rf"\(\?P<{key}>[^)]*\)|<(\w+:)?{key}>", str(value), path)
    # An optional part holding a filled-in id (SCIM's `Users(?:/(?P<uuid>...))?`): keep it.
    path = re.sub(r"\(\?:([^()]*)\)\?", r"\1", path)
    return "/" + path


def _client(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _send(client: Client, method: str, url: str, api: bool) -> Any:
    if api:
        return client.generic(method, url, data="{}", content_type="application/json")
    return getattr(client, method.lower())(url)


def _login_redirect(response: Any, admin: bool) -> bool:
    where = response.get("Location", "") if response.status_code == 302 else ""
    return where.startswith("/admin/login/" if admin else "/login/")


def _check(outcome: str, response: Any, route: Route, admin: bool) -> str | None:
    """None if `response` is `outcome`, else what is wrong with it."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if outcome == BEARER or (outcome == "anonymous" and route.route.startswith("scim/")):
        if status != 401 or response.json().get("status") != "401":
            return f"expected SCIM's 401, got {status}"
        return None
    if outcome == OK:
        refused = status in (401, 403, 404) or _login_redirect(response, admin)
        return f"refused with {status}" if refused else None
    if outcome == DENY:
        if status not in (403, 404):
            return f"expected 403/404, got {status}"
        if route.api and "code" not in response.json():
            return "a refusal without the API's error shape"
        return None
    if outcome == NOOP:
        return None if status in (302, 403, 404) else f"expected a redirect, got {status}"
    if outcome == STAFF:
        return f"sent to sign in ({status})" if _login_redirect(response, admin) else None
    if outcome == NOT_FOUND:
        return None if status == 404 else f"expected 404, got {status}"
    if outcome == "anonymous":
        ok = status in (401, 403) if route.api and not admin else _login_redirect(response, admin)
        return None if ok else f"anonymous got {status} {response.get('Location', '')}"
    raise AssertionError(outcome)


def _writes_so_far() -> int:
    """Rows inserted, updated or deleted so far in this (test) transaction, in every table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
            "FROM pg_stat_xact_user_tables"
        )
        return int(cursor.fetchone()[0])


def test_every_object_endpoint_refuses_other_peoples_objects(
    db: None, postgres: None, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    isolate_throttle_cache(monkeypatch)
    settings.SCIM_TOKEN_SHA256 = "0" * 64  # SCIM switched on (no token of anyone here matches)
    settings.SCIM_AUTH_FAILURES_PER_MINUTE = 100_000  # every refusal here is a wrong token
    world = build_world()
    routes = object_routes()
    api_names = {r.name for r in routes if r.api}

    unclassified = sorted(
        f"{r.name}  (/{r.route})"
        for r in routes
        if r.namespace != ADMIN_NAMESPACE and rule_key(r, api_names) not in RULES
    )
    assert not unclassified, (
        "These URL patterns take an object id but nobody has said who may use them. Add each to "
        "RULES in tests/security/test_idor_walk.py (which object to ask for, and the outcome per "
        "role for every method):\n  " + "\n  ".join(unclassified)
    )
    stale = sorted(set(RULES) - {rule_key(r, api_names) for r in routes})
    assert not stale, f"RULES names URL patterns that no longer exist: {stale}"

    clients = {role: _client(world.role(role)) for role in ("anonymous", *ROLES)}
    # Every request is rolled back, so the state before each one is this one.
    before = money_state()
    with transaction.atomic():  # the write counter sees a rolled-back write: else prove nothing
        writes = _writes_so_far()
        Team.objects.filter(pk=world.team_b.pk).update(name="Renamed")
        assert _writes_so_far() > writes
        transaction.set_rollback(True)
    failures: list[str] = []
    asked = 0
    for route in routes:
        admin = route.namespace == ADMIN_NAMESPACE
        if admin:
            kwargs = _admin_kwargs(route, world)
            plan: dict[str, tuple[str, str, str]] = {
                "GET": (DENY, DENY, STAFF),
                "POST": (DENY, DENY, "skip"),
            }
        else:
            rule = RULES[rule_key(route, api_names)]
            assert set(rule.kwargs) == set(route.params), (route.name, route.params)
            kwargs = {k: _resolve_object(world, v) for k, v in rule.kwargs.items()}
            plan = rule.methods
            if route.api:
                answered = api_methods(route)
                if answered != set(plan):
                    failures.append(
                        f"{route.name}: answers {sorted(answered)} but RULES lists "
                        f"{sorted(plan)}; classify every method"
                    )
        url = _url(route, kwargs)
        for method, outcomes in plan.items():
            for role, outcome in (("anonymous", "anonymous"), *zip(ROLES, outcomes, strict=True)):
                if outcome == "skip":
                    continue
                if admin and outcome == DENY:
                    outcome = "anonymous"  # the admin sends non-staff to its sign-in page
                writes = _writes_so_far()
                with rolled_back_block():
                    response = _send(clients[role], method, url, route.api)
                    problem = _check(outcome, response, route, admin)
                    # The full snapshot only when PostgreSQL saw a row change at all.
                    wrote = _writes_so_far() != writes and money_state() != before
                    if problem is None and outcome != OK and wrote:
                        problem = "a refused request wrote to the database"
                    transaction.set_rollback(True)
                asked += 1
                if problem:
                    failures.append(f"{method} {url} as {role}: {problem}")
    print(f"IDOR walk: {len(routes)} routes with parameters, {asked} requests")
    assert not failures, "\n".join(failures)
