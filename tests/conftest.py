"""Shared fixtures. The suite runs on PostgreSQL (scripts/test.sh starts one when none is given)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.db import connection
from rest_framework.test import APIClient

from ledger.models import BudgetPolicy
from ledger.services import budget_period_open, period_start_for
from people.models import Team, User
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory, TeamFactory


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return (
        f"database: {settings.DATABASES['default']['ENGINE']}; broker: {settings.CELERY_BROKER_URL}"
    )


@pytest.fixture(autouse=True, scope="session")
def audit_truncate_allowed_for_flush() -> Iterator[None]:
    """The audit log refuses TRUNCATE, and a `transaction=True` test empties the database with
    one when it ends (Django's flush): that trigger, and only it, stands aside for the flush."""
    import pgtrigger
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def teardown(self: TransactionTestCase) -> None:
        with pgtrigger.ignore("audit.AuditEvent:audit_event_no_truncate"):
            original(self)

    TransactionTestCase._fixture_teardown = teardown
    yield
    TransactionTestCase._fixture_teardown = original


@pytest.fixture
def postgres() -> None:
    """Tests of locking and triggers prove nothing on SQLite: refuse to run them there."""
    if connection.vendor != "postgresql":
        pytest.fail(
            "this test needs PostgreSQL: run it through scripts/test.sh or set DATABASE_URL"
        )


@dataclass
class Crew:
    team: Team
    supervisor: User
    agents: list[User]
    hr: User


def fund_budget(supervisor: User, amount: int) -> None:
    """Give `supervisor` a budget of `amount` for the current period, through the real service."""
    BudgetPolicy.objects.update_or_create(supervisor=supervisor, defaults={"amount": amount})
    budget_period_open(supervisor=supervisor, period_start=period_start_for())


@pytest.fixture
def crew(db: None) -> Crew:
    team = TeamFactory()
    supervisor = SupervisorFactory()
    team.leaders.add(supervisor)
    agents = [AgentFactory(team=team) for _ in range(3)]
    return Crew(team=team, supervisor=supervisor, agents=agents, hr=HRFactory())


@pytest.fixture
def reason(db: None):
    return AwardReasonFactory(code="customer-feedback", suggested_min=10, suggested_max=100)


@pytest.fixture
def api() -> Callable[[User | None], APIClient]:
    def make(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture(autouse=True)
def plain_static_files(settings) -> None:
    """The tests run with production settings, whose static storage serves the hashed names
    that `collectstatic` writes to a manifest; the tests read the files where they are."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """PBKDF2 is slow on purpose; tests sign in a lot."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def eager_celery(settings):
    """Run Celery tasks inline in this test only (notifications are delivered for real).

    The Celery app reads Django's settings once, so its own configuration is switched as well."""
    from pojoporssi.celery import app as celery_app

    # Read first: the first read loads Django's settings into the app's configuration.
    before = celery_app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def fresh_sign_in_failures(settings) -> None:
    """django-axes counts failed sign-ins in the cache (Redis here) for the cool-off; every test
    starts with none, or one test's failures would lock the next test's sign-ins out."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches[settings.AXES_CACHE]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=cache.make_key("axes-*")))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
