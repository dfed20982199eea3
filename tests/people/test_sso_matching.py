"""Who a single sign-on identity is here (people.sso.services): the matching rules, the
refusals (which write nothing), the role and team mapping, and just-in-time accounts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from people.errors import (
    SsoAccountClosedError,
    SsoIdentityConflictError,
    SsoRefusedError,
    SsoUnknownPersonError,
)
from people.models import Role, User
from people.sso.services import sso_identity_from_claims, sso_sign_in
from tests.people.factories import AgentFactory, SupervisorFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sso_settings(settings: Any) -> Any:
    settings.SSO_ENABLED = True
    settings.OIDC_CREATE_USERS = False
    settings.OIDC_ROLE_MAP = {"pojo-hr": "hr", "pojo-supervisors": "supervisor"}
    settings.OIDC_TEAM_MAP = {}
    settings.OIDC_TEAM_CLAIM = ""
    settings.OIDC_REQUIRE_VERIFIED_EMAIL = True
    return settings


def sign_in(**claims: Any) -> User:
    return sso_sign_in(identity=sso_identity_from_claims(claims))


def snapshot() -> tuple[Any, ...]:
    return (
        list(User.objects.order_by("pk").values_list("pk", "sso_subject", "role", "team_id")),
        AuditEvent.objects.count(),
    )


def test_matches_by_stored_subject_first() -> None:
    aino = AgentFactory(email="aino@example.com")
    User.objects.filter(pk=aino.pk).update(sso_subject="sub-1")
    other = AgentFactory(email="other@example.com")

    # the e-mail claim names someone else: the subject decides
    user = sign_in(sub="sub-1", email="other@example.com", email_verified=True)

    assert user == aino
    assert User.objects.get(pk=other.pk).sso_subject is None
    event = AuditEvent.objects.get(action=AuditAction.AUTH_SSO_SIGN_IN)
    assert event.details == {"matched_by": "subject", "linked": False, "created": False}


def test_then_by_employee_id_then_by_verified_email_and_links_the_subject() -> None:
    by_id = AgentFactory(employee_id="E-1", email="")
    by_email = AgentFactory(email="Mikko@Example.com")

    assert sign_in(sub="s-id", employee_id="E-1") == by_id
    assert sign_in(sub="s-mail", email="mikko@example.com", email_verified=True) == by_email

    assert User.objects.get(pk=by_id.pk).sso_subject == "s-id"
    assert User.objects.get(pk=by_email.pk).sso_subject == "s-mail"
    assert [e.details["matched_by"] for e in AuditEvent.objects.order_by("pk")] == [
        "employee_id",
        "email",
    ]


def test_the_employee_id_claim_name_is_configurable(settings) -> None:
    settings.OIDC_EMPLOYEE_ID_CLAIM = "employeeNumber"
    person = AgentFactory(employee_id="77", email="")

    assert sign_in(sub="s", employeeNumber=77) == person


def test_an_unverified_email_matches_nobody_unless_allowed(settings) -> None:
    AgentFactory(email="aino@example.com")
    before = snapshot()

    with pytest.raises(SsoUnknownPersonError):
        sign_in(sub="s", email="aino@example.com")
    assert snapshot() == before

    settings.OIDC_REQUIRE_VERIFIED_EMAIL = False
    assert sign_in(sub="s", email="aino@example.com").email == "aino@example.com"


@pytest.mark.parametrize(
    "setup, claims, error",
    [
        # an account already linked to another subject at the provider
        (
            lambda: User.objects.filter(pk=AgentFactory(email="a@example.com").pk).update(
                sso_subject="someone-else"
            ),
            {"sub": "new", "email": "a@example.com", "email_verified": True},
            SsoIdentityConflictError,
        ),
        # two accounts for one address
        (
            lambda: (
                AgentFactory(email="twin@example.com"),
                AgentFactory(email="TWIN@example.com"),
            ),
            {"sub": "new", "email": "twin@example.com", "email_verified": True},
            SsoIdentityConflictError,
        ),
        # the address names someone HR knows by another employee id
        (
            lambda: AgentFactory(email="b@example.com", employee_id="E-1"),
            {"sub": "new", "email": "b@example.com", "email_verified": True, "employee_id": "E-2"},
            SsoIdentityConflictError,
        ),
        (
            lambda: AgentFactory(email="gone@example.com", is_active=False),
            {"sub": "new", "email": "gone@example.com", "email_verified": True},
            SsoAccountClosedError,
        ),
        (
            lambda: AgentFactory(
                employee_id="E-5", employment_end=timezone.localdate() - timedelta(days=1)
            ),
            {"sub": "new", "employee_id": "E-5"},
            SsoAccountClosedError,
        ),
        (lambda: None, {"sub": "", "email": "x@example.com"}, SsoRefusedError),
        (lambda: None, {"sub": "nobody", "email": "x@example.com"}, SsoUnknownPersonError),
    ],
    ids=[
        "linked-elsewhere",
        "two-accounts",
        "other-employee-id",
        "inactive",
        "left",
        "no-sub",
        "unknown",
    ],
)
def test_refusals_write_nothing(setup, claims, error) -> None:
    setup()
    before = snapshot()

    with pytest.raises(error) as refused:
        sign_in(**claims)

    assert refused.value.http_status == 403
    assert snapshot() == before


def test_the_last_working_day_itself_still_signs_in() -> None:
    person = AgentFactory(employee_id="E-6", employment_end=timezone.localdate())

    assert sign_in(sub="s", employee_id="E-6") == person


def test_groups_claim_sets_the_highest_mapped_role_and_the_change_is_audited() -> None:
    person = AgentFactory(employee_id="E-1")

    user = sign_in(sub="s", employee_id="E-1", groups=["staff", "pojo-supervisors", "pojo-hr"])

    assert (user.role, user.is_staff) == (Role.HR, True)
    change = AuditEvent.objects.get(action=AuditAction.PEOPLE_ROLE_CHANGED)
    assert change.subject_id == str(person.pk) and change.actor_id is None

    # no mapped group any more: an agent again
    user = sign_in(sub="s", groups=["staff"])
    assert (user.role, user.is_staff) == (Role.AGENT, False)


def test_without_a_groups_claim_or_a_role_map_the_role_stays(settings) -> None:
    person = SupervisorFactory(employee_id="E-1")

    assert sign_in(sub="s", employee_id="E-1").role == Role.SUPERVISOR
    settings.OIDC_ROLE_MAP = {}
    assert sign_in(sub="s", groups=["pojo-hr"]).role == Role.SUPERVISOR
    assert not AuditEvent.objects.filter(action=AuditAction.PEOPLE_ROLE_CHANGED).exists()
    assert User.objects.get(pk=person.pk).role == Role.SUPERVISOR


def test_team_from_a_claim_or_a_group_map_and_an_unknown_team_is_kept(settings) -> None:
    north, south = TeamFactory(name="Pohjoinen"), TeamFactory(name="Etelä")
    person = AgentFactory(employee_id="E-1", team=north)

    settings.OIDC_TEAM_CLAIM = "department"
    assert sign_in(sub="s", employee_id="E-1", department="etelä").team == south
    assert sign_in(sub="s", department="No such team").team == south

    settings.OIDC_TEAM_CLAIM = ""
    settings.OIDC_TEAM_MAP = {"grp-north": "Pohjoinen"}
    assert sign_in(sub="s", groups=["grp-north"]).team == north
    changes = AuditEvent.objects.filter(
        action=AuditAction.PEOPLE_TEAM_CHANGED, subject_id=str(person.pk)
    )
    assert changes.count() == 2


def test_just_in_time_account_when_allowed(settings) -> None:
    settings.OIDC_CREATE_USERS = True
    AgentFactory(username="onni")  # the preferred username is taken

    user = sign_in(
        sub="s-new",
        preferred_username="onni",
        email="Onni@Example.com",
        email_verified=True,
        given_name="Onni",
        family_name="Ojala",
        groups=["pojo-supervisors"],
    )

    assert (user.username, user.display_name, user.email, user.role, user.sso_subject) == (
        "onni-2",
        "Onni Ojala",
        "onni@example.com",
        Role.SUPERVISOR,
        "s-new",
    )
    assert not user.has_usable_password()
    assert AuditEvent.objects.filter(action=AuditAction.PEOPLE_CREATED).count() == 1
    event = AuditEvent.objects.get(action=AuditAction.AUTH_SSO_SIGN_IN)
    assert event.details["created"] is True
    # the second sign-in is the same account
    assert sign_in(sub="s-new", preferred_username="onni") == user
    assert User.objects.filter(sso_subject="s-new").count() == 1
