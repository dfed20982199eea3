"""Single sign-on end to end, in a real Chromium, against a real OpenID Connect provider run by the
suite (django-oauth-toolkit in a second process on loopback: tests/people/sso_support.py).

Discovery, the authorization code flow with PKCE (the provider requires it), the token and
userinfo endpoints, RS256 ID tokens checked against the provider's JWKS, and RP-initiated logout.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from audit.models import AuditAction, AuditEvent
from people.models import Role, User
from tests.browser import test_award_journey as award_journey
from tests.browser.test_award_journey import DESKTOP, assert_no_horizontal_scroll, shot
from tests.people.factories import AgentFactory, TeamFactory
from tests.people.sso_support import OP_PASSWORD, Provider, oidc_provider, sso_on

pytestmark = pytest.mark.browser

browser = award_journey.browser
new_page = award_journey.new_page
__all__ = ["oidc_provider", "sso_on"]

PHONE_375 = {"width": 375, "height": 812}


def sso_sign_in(page: Page, base_url: str, op_username: str) -> None:
    """From our sign-in page through the provider's own sign-in form, and back."""
    page.goto(f"{base_url}/login/")
    page.get_by_test_id("sso-sign-in").click()
    # At the provider (another origin): its own form.
    expect(page.locator("h1")).to_have_text("Test identity provider")
    page.locator("#id_username").fill(op_username)
    page.locator("#id_password").fill(OP_PASSWORD)
    page.get_by_role("button", name="Sign in at the provider").click()


def provider_user(page: Page, provider: Provider) -> str | None:
    page.goto(f"{provider.url}/test/whoami/")
    return json.loads(page.locator("body").inner_text())["username"]


def test_a_known_person_signs_in_through_the_provider_and_out_of_both(
    live_server, transactional_db, new_page, sso_on: Provider
) -> None:
    # given: Aino is known here by her e-mail address; the provider knows her by its own id
    aino = AgentFactory(
        username="aino",
        display_name="Aino Nieminen",
        email="aino@example.com",
        preferred_language="fi",
    )
    sso_on.person(
        "aino.at.op",
        sub="op-aino-1",
        email="Aino@Example.com",
        email_verified=True,
        name="Aino Nieminen",
    )
    page = new_page(PHONE_375)
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_test_id("sso-sign-in")).to_have_text("Kirjaudu sisään: Testi-IdP")
    assert_no_horizontal_scroll(page)
    shot(page, "sso-login-fi-phone375")

    # when
    sso_sign_in(page, live_server.url, "aino.at.op")

    # then: signed in here as Aino, her account now linked to the provider's subject
    expect(page.locator("h1")).to_contain_text("Hei, Aino")
    aino.refresh_from_db()
    assert aino.sso_subject == "op-aino-1"
    event = AuditEvent.objects.get(action=AuditAction.AUTH_SSO_SIGN_IN)
    assert event.actor_id == aino.pk
    assert event.details["matched_by"] == "email" and event.details["linked"] is True
    assert User.objects.count() == 1  # no second account
    assert provider_user(page, sso_on) == "aino.at.op"

    # when: signing out here
    page.goto(f"{live_server.url}/")
    page.locator("form[action='/logout/'] button").click()

    # then: back on our sign-in page, signed out here and at the provider
    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.locator(".messages, [role=status]").first).to_contain_text("Olet kirjautunut ulos")
    assert provider_user(page, sso_on) is None
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/"))

    # and the next sign-in matches by the stored subject, asking the provider's password again
    sso_sign_in(page, live_server.url, "aino.at.op")
    expect(page.locator("h1")).to_contain_text("Hei, Aino")
    last = AuditEvent.objects.filter(action=AuditAction.AUTH_SSO_SIGN_IN).first()
    assert last.details["matched_by"] == "subject"


def test_groups_claim_sets_role_and_first_sign_in_creates_the_account_when_allowed(
    live_server, transactional_db, new_page, sso_on: Provider, settings
) -> None:
    settings.OIDC_CREATE_USERS = True
    settings.OIDC_TEAM_MAP = {"pojo-team-north": "Pohjoinen"}
    team = TeamFactory(name="Pohjoinen")
    sso_on.person(
        "hanna.op",
        sub="op-hanna",
        email="hanna@example.com",
        email_verified=True,
        name="Hanna HR",
        preferred_username="hanna",
        groups=["pojo-hr", "pojo-team-north"],
        employee_id="E-77",
    )
    page = new_page(DESKTOP)

    sso_sign_in(page, live_server.url, "hanna.op")

    expect(page.locator("h1")).to_contain_text("Hei, Hanna")
    hanna = User.objects.get(sso_subject="op-hanna")
    assert (hanna.username, hanna.role, hanna.is_staff, hanna.team, hanna.employee_id) == (
        "hanna",
        Role.HR,
        True,
        team,
        "E-77",
    )
    assert not hanna.has_usable_password()
    assert AuditEvent.objects.filter(
        action=AuditAction.PEOPLE_CREATED, subject_id=str(hanna.pk)
    ).exists()

    # when: the provider moves her to the supervisors' group, and she signs in again
    page.locator("form[action='/logout/'] button").click()
    expect(page).to_have_url(f"{live_server.url}/login/")
    sso_on.person(
        "hanna.op",
        sub="op-hanna",
        email="hanna@example.com",
        email_verified=True,
        name="Hanna HR",
        groups=["pojo-supervisors"],
    )
    sso_sign_in(page, live_server.url, "hanna.op")
    expect(page.locator("h1")).to_contain_text("Hei, Hanna")

    # then: her role follows, recorded in the audit log as the system's change
    hanna.refresh_from_db()
    assert hanna.role == Role.SUPERVISOR and not hanna.is_staff
    change = AuditEvent.objects.get(
        action=AuditAction.PEOPLE_ROLE_CHANGED, subject_id=str(hanna.pk)
    )
    assert change.actor_id is None
    assert change.details["changes"]["role"] == [Role.HR, Role.SUPERVISOR]
    assert User.objects.count() == 1


def test_an_unknown_person_is_refused_when_accounts_are_not_created(
    live_server, transactional_db, new_page, sso_on: Provider
) -> None:
    sso_on.person(
        "stranger.op", sub="op-stranger", email="stranger@example.com", email_verified=True
    )
    page = new_page(PHONE_375)

    sso_sign_in(page, live_server.url, "stranger.op")

    refused = page.get_by_test_id("sso-refused")
    expect(refused).to_have_attribute("data-code", "sso_unknown_person")
    expect(refused).to_contain_text("ei ole liitetty")
    assert_no_horizontal_scroll(page)
    shot(page, "sso-refused-fi-phone375")
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_a_person_who_has_left_is_refused(
    live_server, transactional_db, new_page, sso_on: Provider
) -> None:
    # given: one deactivated, one whose last working day is past (the daily job has not run)
    AgentFactory(username="gone", email="gone@example.com", is_active=False)
    AgentFactory(
        username="leaver",
        employee_id="E-9",
        email="",
        employment_end=timezone.localdate() - timedelta(days=1),
    )
    sso_on.person("gone.op", sub="op-gone", email="gone@example.com", email_verified=True)
    sso_on.person("leaver.op", sub="op-leaver", employee_id="E-9")
    for op_username in ("gone.op", "leaver.op"):
        page = new_page(DESKTOP)  # a browser of their own: not signed in at the provider
        sso_sign_in(page, live_server.url, op_username)
        expect(page.get_by_test_id("sso-refused")).to_have_attribute(
            "data-code", "sso_account_closed"
        )
    assert not User.objects.filter(sso_subject__isnull=False).exists()
    assert not AuditEvent.objects.exists()
