"""Who an identity proved by the provider is here: the one write of a single sign-on.

Matching, in this order: the provider's stable subject (`sub`, stored on first match), then the
employee id claim, then a verified e-mail address. A match never creates a second account; an
account already linked to another subject, or two accounts for one address, is refused.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record

from ..errors import (
    SsoAccountClosedError,
    SsoIdentityConflictError,
    SsoRefusedError,
    SsoUnknownPersonError,
)
from ..models import Role, Team, User
from ..services import person_created_audit, person_update

logger = logging.getLogger(__name__)

_ROLE_RANK = (Role.HR, Role.SUPERVISOR, Role.AGENT)


@dataclass(frozen=True)
class SsoIdentity:
    """The claims we use, from the ID token and userinfo together."""

    subject: str
    email: str
    email_verified: bool
    employee_id: str
    name: str
    username_hint: str
    groups: list[str] | None  # None: the provider sent no groups claim (keep the role)
    team_name: str | None  # None: no team claim or mapping applies (keep the team)


def _text(value: Any) -> str:
    return (
        str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    )


def sso_identity_from_claims(claims: dict[str, Any]) -> SsoIdentity:
    """Read the claims of a verified ID token (and userinfo) as configured (OIDC_* settings)."""
    subject = _text(claims.get("sub"))
    if not subject:
        raise SsoRefusedError()
    raw_groups = claims.get(settings.OIDC_GROUPS_CLAIM)
    groups: list[str] | None
    if isinstance(raw_groups, list):
        groups = [_text(group) for group in raw_groups if _text(group)]
    elif isinstance(raw_groups, str):
        groups = [part for part in re.split(r"[,\s]+", raw_groups) if part]
    else:
        groups = None
    team_name: str | None = None
    if settings.OIDC_TEAM_CLAIM:
        raw_team = claims.get(settings.OIDC_TEAM_CLAIM)
        if isinstance(raw_team, list):
            raw_team = raw_team[0] if raw_team else None
        team_name = _text(raw_team) or None
    if team_name is None and settings.OIDC_TEAM_MAP and groups is not None:
        mapped = sorted(settings.OIDC_TEAM_MAP[g] for g in groups if g in settings.OIDC_TEAM_MAP)
        team_name = mapped[0] if mapped else None
    name = _text(claims.get("name")) or " ".join(
        part for part in (_text(claims.get("given_name")), _text(claims.get("family_name"))) if part
    )
    email = _text(claims.get("email")).lower()
    return SsoIdentity(
        subject=subject[:255],
        email=email,
        email_verified=claims.get("email_verified") in (True, "true", "True"),
        employee_id=_text(claims.get(settings.OIDC_EMPLOYEE_ID_CLAIM))[:64],
        name=name[:150],
        username_hint=_text(claims.get("preferred_username")) or email,
        groups=groups,
        team_name=team_name,
    )


def _mapped_role(identity: SsoIdentity) -> str | None:
    """The role the groups claim gives (the highest mapped), agent if it maps none; None when
    there is no mapping or no groups claim (the role is then HR's to set)."""
    if not settings.OIDC_ROLE_MAP or identity.groups is None:
        return None
    roles = {settings.OIDC_ROLE_MAP[g] for g in identity.groups if g in settings.OIDC_ROLE_MAP}
    return next((role for role in _ROLE_RANK if role in roles), Role.AGENT)


def _mapped_team(identity: SsoIdentity) -> Team | None:
    if identity.team_name is None:
        return None
    team = Team.objects.filter(name__iexact=identity.team_name).first()
    if team is None:
        logger.warning("single sign-on: no team named %r here; team kept", identity.team_name)
    return team


def _email_usable(identity: SsoIdentity) -> bool:
    return bool(identity.email) and (
        identity.email_verified or not settings.OIDC_REQUIRE_VERIFIED_EMAIL
    )


def _match(identity: SsoIdentity) -> tuple[User | None, str]:
    """The one account this identity is, and what matched it; refuses ambiguity."""
    people = User.objects.select_for_update()
    user = people.filter(sso_subject=identity.subject).first()
    if user is not None:
        return user, "subject"
    if identity.employee_id:
        user = people.filter(employee_id=identity.employee_id).first()
        if user is not None:
            return user, "employee_id"
    if _email_usable(identity):
        found = list(people.filter(email__iexact=identity.email)[:2])
        if len(found) > 1:
            raise SsoIdentityConflictError()
        if found:
            if identity.employee_id and found[0].employee_id not in (None, identity.employee_id):
                # The address names someone whom HR knows by another employee id.
                raise SsoIdentityConflictError()
            return found[0], "email"
    return None, ""


def _free_username(hint: str, subject: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", hint)[:140] or f"sso-{subject}"[:140]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _create(identity: SsoIdentity) -> User:
    role = _mapped_role(identity) or Role.AGENT
    employee_id = identity.employee_id or None
    if employee_id and User.objects.filter(employee_id=employee_id).exists():
        employee_id = None
    user = User(
        username=_free_username(identity.username_hint, identity.subject),
        display_name=identity.name or identity.username_hint or identity.subject,
        email=identity.email if _email_usable(identity) else "",
        role=role,
        is_staff=role == Role.HR,
        team=_mapped_team(identity),
        employee_id=employee_id,
        sso_subject=identity.subject,
    )
    user.set_unusable_password()  # signs in through the provider only
    user._password_unset = False  # nobody new has tokens to revoke
    user.save()
    person_created_audit(actor=None, person=user)
    return user


@transaction.atomic
def sso_sign_in(*, identity: SsoIdentity) -> User:
    """The account `identity` signs in as: matched (and linked to its subject), or created when
    OIDC_CREATE_USERS is on; role and team follow the claims when mapped. Refusals write nothing."""
    user, matched_by = _match(identity)
    created = False
    if user is None:
        if not settings.OIDC_CREATE_USERS:
            raise SsoUnknownPersonError()
        try:
            with transaction.atomic():
                user = _create(identity)
        except IntegrityError as exc:  # the same person's first sign-in in two tabs at once
            raise SsoIdentityConflictError() from exc
        matched_by, created = "created", True
    if user.sso_subject not in (None, identity.subject):
        raise SsoIdentityConflictError()
    if not user.is_active or (
        user.employment_end is not None and user.employment_end < timezone.localdate()
    ):
        raise SsoAccountClosedError()
    linked = False
    if user.sso_subject is None:
        user.sso_subject = identity.subject
        try:
            with transaction.atomic():
                user.save(update_fields=["sso_subject"])
        except IntegrityError as exc:
            raise SsoIdentityConflictError() from exc
        linked = True
    if not created:
        changes: dict[str, Any] = {}
        role = _mapped_role(identity)
        if role is not None and role != user.role:
            changes["role"] = role
        team = _mapped_team(identity)
        if team is not None and team != user.team:
            changes["team"] = team
        if changes:
            # The provider decides: recorded as the system's change (actor None).
            person_update(person=user, actor=None, **changes)
    audit_record(
        actor=user,
        action=AuditAction.AUTH_SSO_SIGN_IN,
        subject=user,
        subject_label=user.name,
        details={"matched_by": matched_by, "linked": linked, "created": created},
    )
    return user
