"""Schemathesis against our own OpenAPI schema, as every role, on a world with real objects.

Every operation of `/api/v1/schema/` gets a few generated requests as anonymous, an agent, a
supervisor and HR, through the WSGI application in this test's database transaction. The
answers must not be 5xx and must conform to the schema: a documented status code, the
documented content type and the documented body. Each request runs in a savepoint that is
rolled back, so the world stays as built and ids keep hitting real rows.

Signing in uses a session (Django's own login) plus the CSRF cookie and header, so it does not
depend on how API tokens are issued.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_support import isolate_throttle_cache
from tests.security.world import SecurityWorld, build_world, rolled_back_block

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 3
"""Generated cases per role and operation. With the real-id and negative cases below, about
1,200 requests in all: inside the three minutes this test may take on a 2-core machine."""
ANONYMOUS_EXAMPLES = 2
REAL_ID_EXAMPLES = 2
"""More per operation with an id in its path, with the id of a real object (see REAL_IDS)."""
NEGATIVE_EXAMPLES = 3
"""Invalid input (wrong types, missing fields), for the roles that get past the permissions."""
NEGATIVE_ROLES = ("hr",)  # HR gets past every permission check, to the input's validation
ROLES = ("anonymous", "agent", "supervisor", "hr")


def _auth(user: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and cookies of a signed-in session, with the CSRF cookie and header DRF asks of
    a session for writes."""
    if user is None:
        return {}, {}
    client = Client()
    client.force_login(user)
    csrf = get_token(RequestFactory().get("/"))
    return {"X-CSRFToken": csrf}, {
        "sessionid": client.cookies["sessionid"].value,
        "csrftoken": csrf,
    }


def _schema(world: SecurityWorld) -> Any:
    client = Client()
    client.force_login(world.hr)
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200, response.content[:300]
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app = get_wsgi_application()
    return schema


# The world's object for each collection's path parameter: team B's (somebody else's for the
# agent and the supervisor), so ids hit real rows rather than only random numbers.
REAL_IDS = {
    "/api/v1/people/": "agent_b",
    "/api/v1/teams/": "team_b",
    "/api/v1/awards/": "award_b",
    "/api/v1/award-reasons/": "reason",
    "/api/v1/budgets/": "sup_b",
    "/api/v1/ledger/transactions/": "award_b.transaction",
    "/api/v1/rewards/": "reward",
    "/api/v1/redemptions/": "redemption_b",
    "/api/v1/drawings/": "drawing",
    "/api/v1/pricing/ticks/": "tick",
    "/api/v1/pricing/sales/": "sale",
}


def real_path_parameters(operation: Any, world: SecurityWorld) -> dict[str, int] | None:
    """The path parameter of `operation` set to a real object's id, if it has one."""
    path: str = operation.path
    if "{" not in path:
        return None
    prefix, rest = path.split("{", 1)
    name = rest.split("}", 1)[0]
    target = REAL_IDS.get(prefix)
    if target is None:
        return None
    value: Any = world
    for part in target.split("."):
        value = getattr(value, part)
    return {name: value.pk}


def _run(
    operation: Any,
    auth: tuple[dict[str, str], dict[str, str]],
    statuses: Counter[int],
    *,
    examples: int,
    mode: GenerationMode = GenerationMode.POSITIVE,
    path_parameters: dict[str, int] | None = None,
) -> str | None:
    """Up to `examples` generated cases; the first failure's report, or None."""
    problems: list[str] = []
    headers, cookies = auth
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report and go on
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case: Any) -> None:
        with rolled_back_block():
            try:
                response = case.call(headers=headers, cookies=cookies)
                statuses[response.status_code] += 1
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (Exception, BaseExceptionGroup) as exc:
                if not problems:
                    problems.append(f"{operation.label} ({mode.value}): {exc}")
            finally:
                transaction.set_rollback(True)

    try:
        fuzz()
    except Unsatisfiable:
        # Nothing to make invalid (e.g. no parameters and no body): no negative case exists.
        assert mode is GenerationMode.NEGATIVE, operation.label
    return problems[0] if problems else None


TOKEN_ONLY_PATHS = {"/api/v1/auth/logout/"}
"""Signing out an API client needs the token it signs out; the fuzz signs in with a session."""


def test_api_conforms_to_its_schema_for_every_role(
    db: None, postgres: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_throttle_cache(monkeypatch)
    world = build_world()
    schema = _schema(world)
    operations = [result.ok() for result in schema.get_all_operations()]
    # A request through the WSGI handler would close this test's connection when it finishes
    # (Django's test client does the same as this).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    started = time.monotonic()
    failures: list[str] = []
    per_role: dict[str, Counter[int]] = {}
    token_only_401: Counter[str] = Counter()
    try:
        for role in ROLES:
            auth = _auth(world.role(role))
            statuses: Counter[int] = Counter()
            for operation in operations:
                real = real_path_parameters(operation, world)
                anonymous = role == "anonymous"  # refused before anything is read
                runs: list[dict[str, Any]] = [
                    {"examples": ANONYMOUS_EXAMPLES if anonymous else EXAMPLES_PER_OPERATION}
                ]
                if real and not anonymous:
                    runs.append({"examples": REAL_ID_EXAMPLES, "path_parameters": real})
                if role in NEGATIVE_ROLES:
                    runs.append({"examples": NEGATIVE_EXAMPLES, "mode": GenerationMode.NEGATIVE})
                before_401 = statuses[401]
                for run in runs:
                    problem = _run(operation, auth, statuses, **run)
                    if problem:
                        failures.append(f"as {role}: {problem}")
                if operation.path in TOKEN_ONLY_PATHS:  # a session is not a token: 401 is right
                    token_only_401[role] += statuses[401] - before_401
            per_role[role] = statuses
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    elapsed = time.monotonic() - started
    for role, statuses in per_role.items():
        print(
            f"schema fuzz as {role}: {sum(statuses.values())} cases, {dict(sorted(statuses.items()))}"
        )
    print(f"schema fuzz: {len(operations)} operations, {elapsed:.0f} s")
    assert not failures, "\n\n".join(failures)
    # Signed in, the fuzz must reach past authentication; else it proves little.
    assert all(per_role[r][401] == token_only_401[r] for r in ("agent", "supervisor", "hr")), (
        per_role,
        token_only_401,
    )
