"""Every write to people and teams."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from audit.models import AuditAction
from audit.services import audit_record
from core.errors import ConflictError, InvalidInputError

from .errors import UnknownTokenError
from .models import EmploymentType, Language, Role, Team, User


def _check_choices(**values: Any) -> None:
    choices = {"role": Role, "employment_type": EmploymentType, "preferred_language": Language}
    bad = {
        name: [_("Unknown value.")]
        for name, value in values.items()
        if name in choices and value is not None and value not in choices[name].values
    }
    if bad:
        raise InvalidInputError(fields=bad)


@transaction.atomic
def person_create(
    *,
    username: str,
    display_name: str,
    password: str,
    role: str = Role.AGENT,
    team: Team | None = None,
    employment_type: str = EmploymentType.PERMANENT,
    preferred_language: str = Language.FI,
    email: str = "",
    actor: User | None = None,
) -> User:
    """Add an employee who can sign in with `password`; `actor` (for the audit log) is who did it."""
    _check_choices(
        role=role, employment_type=employment_type, preferred_language=preferred_language
    )
    if User.objects.filter(username__iexact=username).exists():
        raise ConflictError(_("That username is taken."), extra={"field": "username"})
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        team=team,
        employment_type=employment_type,
        preferred_language=preferred_language,
        email=email,
        is_staff=role == Role.HR,  # HR works in the admin
    )
    try:
        validate_password(password, user)
        user.set_password(password)
        user.full_clean()
    except ValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"password": exc.messages}
        raise InvalidInputError(fields=fields) from exc
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same username created concurrently
        raise ConflictError(_("That username is taken."), extra={"field": "username"}) from exc
    person_created_audit(actor=actor, person=user)
    return user


def person_created_audit(*, actor: User | None, person: User, via: str | None = None) -> None:
    """Record that `person` was added (by `person_create` or the admin), in the caller's
    transaction; `via` names the channel when it is not a person's hand (e.g. "scim")."""
    details = {
        "username": person.username,
        "role": person.role,
        "team": person.team.name if person.team is not None else None,
        "employment_type": person.employment_type,
        "is_staff": person.is_staff,
        "is_superuser": person.is_superuser,
    }
    if via:
        details["via"] = via
    audit_record(
        actor=actor,
        action=AuditAction.PEOPLE_CREATED,
        subject=person,
        subject_label=person.name,
        details=details,
    )


_UPDATABLE = {"display_name", "role", "team", "employment_type", "preferred_language", "email"}


# Changes the audit log records; a person's own language choice is not one of them.
_AUDITED = (
    "is_active",
    "role",
    "is_staff",
    "is_superuser",
    "team",
    "email",
    "display_name",
    "employment_type",
    "employee_id",
    "employment_start",
    "employment_end",
)


def _audit_value(person: User, name: str) -> Any:
    if name == "team":
        return person.team.name if person.team is not None else None
    return getattr(person, name)


def person_changes_audit(
    *,
    actor: User | None,
    person: User,
    before: dict[str, Any],
    via: str | None = None,
) -> None:
    """Record what changed in `person` since `before` (from `person_audit_snapshot`), if
    anything the audit log keeps: (de)activation, else a role or access change, else a team
    change, else details. Part of the caller's transaction (a service, or the admin's save)."""
    changes = {
        name: [before[name], _audit_value(person, name)]
        for name in before
        if before[name] != _audit_value(person, name)
    }
    if not changes:
        return
    if "is_active" in changes:
        active = changes["is_active"][1]
        action = AuditAction.PEOPLE_ACTIVATED if active else AuditAction.PEOPLE_DEACTIVATED
    elif {"role", "is_staff", "is_superuser"} & set(changes):
        action = AuditAction.PEOPLE_ROLE_CHANGED
    elif "team" in changes:
        action = AuditAction.PEOPLE_TEAM_CHANGED
    else:
        action = AuditAction.PEOPLE_UPDATED
    audit_record(
        actor=actor,
        action=action,
        subject=person,
        subject_label=person.name,
        details={"changes": changes, "via": via} if via else {"changes": changes},
    )


def person_audit_snapshot(person: User, fields: Sequence[str] = _AUDITED) -> dict[str, Any]:
    return {name: _audit_value(person, name) for name in fields}


@transaction.atomic
def person_update(*, person: User, actor: User | None = None, **changes: Any) -> User:
    """Change someone's details; the username and ledger stay as they are."""
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise InvalidInputError(fields={name: [_("Cannot be changed here.")] for name in unknown})
    _check_choices(**changes)
    before = person_audit_snapshot(person)
    for name, value in changes.items():
        setattr(person, name, value)
    if "role" in changes and not person.is_superuser:
        person.is_staff = person.role == Role.HR
        changes["is_staff"] = person.is_staff
    try:
        person.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise InvalidInputError(fields=exc.message_dict) from exc
    if changes:
        person.save(update_fields=list(changes))
        person_changes_audit(actor=actor, person=person, before=before)
    return person


@transaction.atomic
def person_deactivate(*, person: User, actor: User | None = None, via: str | None = None) -> User:
    """Someone leaves: they can no longer sign in or receive awards; their ledger stays."""
    if person.is_active:
        led = sorted(team.name for team in person.led_teams.all())
        person.is_active = False
        person.save(update_fields=["is_active"])
        person.led_teams.clear()
        api_tokens_revoke_all(user=person)
        audit_record(
            actor=actor,
            action=AuditAction.PEOPLE_DEACTIVATED,
            subject=person,
            subject_label=person.name,
            details={
                "changes": {"is_active": [True, False], "leaders": [led, []]},
                **({"via": via} if via else {}),
            },
        )
    return person


@transaction.atomic
def person_reactivate(*, person: User, actor: User | None = None, via: str | None = None) -> User:
    """Someone comes back: they may sign in again (by SSO, or a password HR sets); the teams
    they led are not given back."""
    if not person.is_active:
        person.is_active = True
        person.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action=AuditAction.PEOPLE_ACTIVATED,
            subject=person,
            subject_label=person.name,
            details={"changes": {"is_active": [False, True]}, **({"via": via} if via else {})},
        )
    return person


@transaction.atomic
def leavers_close(*, today: date | None = None) -> list[User]:
    """Close the account of everyone whose last working day is over (`employment_end` before
    today): no sign-in, API tokens revoked, the ledger untouched. Idempotent (the daily job)."""
    today = today or timezone.localdate()
    leavers = list(
        User.objects.select_for_update()
        .filter(is_active=True, employment_end__lt=today)
        .order_by("pk")
    )
    for person in leavers:
        person_deactivate(person=person, actor=None)
    return leavers


def _leader_names(team: Team) -> list[str]:
    return sorted(leader.name for leader in team.leaders.all())


def team_audit_snapshot(team: Team) -> dict[str, Any]:
    return {"name": team.name, "leaders": _leader_names(team)}


def team_changes_audit(
    *, actor: User | None, team: Team, before: dict[str, Any] | None, via: str | None = None
) -> None:
    """Record a team's creation (`before` None) or what changed in its name and supervisors."""
    after = team_audit_snapshot(team)
    if before is None:
        action = AuditAction.TEAM_CREATED
        changes = {"leaders": [[], after["leaders"]]} if after["leaders"] else {}
    else:
        action = AuditAction.TEAM_CHANGED
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if not changes:
            return
    audit_record(
        actor=actor,
        action=action,
        subject=team,
        subject_label=team.name,
        details={**({"changes": changes} if changes else {}), **({"via": via} if via else {})},
    )


# --- API tokens (django-rest-knox: only a SHA-512 digest of each token is stored) -----------


@dataclass(frozen=True)
class IssuedToken:
    token: AuthToken
    key: str  # the secret: shown once, never stored


@transaction.atomic
def api_token_create(*, user: User) -> IssuedToken:
    """A new API token for someone who has just proved who they are; valid API_TOKEN_TTL_HOURS."""
    # Expired tokens are swept here rather than on every request (people.authentication).
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    token, key = AuthToken.objects.create(user=user)
    audit_record(
        actor=user,
        action=AuditAction.AUTH_TOKEN_CREATED,
        subject=user,
        subject_label=user.name,
        details={
            "token": token.token_key,
            "expiry": token.expiry.isoformat() if token.expiry else None,
        },
    )
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, user: User, token_id: str) -> None:
    """Revoke one of `user`'s own tokens, named by its public id (the key's first characters)."""
    deleted, _rows = AuthToken.objects.filter(user=user, token_key=token_id).delete()
    if not deleted:
        raise UnknownTokenError()


def api_token_revoke_current(*, token: AuthToken) -> None:
    """Sign out the API client that holds `token`."""
    token.delete()


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every API token of `user` (sign-out everywhere, a new password, leaving)."""
    deleted, _rows = AuthToken.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def team_delete_audited(*, team: Team, actor: User | None, via: str | None = None) -> None:
    """Delete a team (the admin's way; a team with members cannot go), recording it first."""
    before = team_audit_snapshot(team)
    audit_record(
        actor=actor,
        action=AuditAction.TEAM_CHANGED,
        subject=team,
        subject_label=team.name,
        details={
            "deleted": True,
            "changes": {"name": [before["name"], None], "leaders": [before["leaders"], []]},
            **({"via": via} if via else {}),
        },
    )
    team.delete()


@transaction.atomic
def team_create(
    *,
    name: str,
    leaders: list[User] | None = None,
    actor: User | None = None,
    via: str | None = None,
) -> Team:
    if Team.objects.filter(name__iexact=name).exists():
        raise ConflictError(_("A team with that name exists."), extra={"field": "name"})
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name)
    except IntegrityError as exc:  # the same name created concurrently
        raise ConflictError(_("A team with that name exists."), extra={"field": "name"}) from exc
    if leaders:
        team_set_leaders(team=team, leaders=leaders)
    team_changes_audit(actor=actor, team=team, before=None, via=via)
    return team


@transaction.atomic
def team_update(
    *,
    team: Team,
    name: str | None = None,
    leaders: list[User] | None = None,
    actor: User | None = None,
    via: str | None = None,
) -> Team:
    before = team_audit_snapshot(team)
    if name is not None and name != team.name:
        if Team.objects.filter(name__iexact=name).exclude(pk=team.pk).exists():
            raise ConflictError(_("A team with that name exists."), extra={"field": "name"})
        team.name = name
        team.save(update_fields=["name"])
    if leaders is not None:
        team_set_leaders(team=team, leaders=leaders)
    team_changes_audit(actor=actor, team=team, before=before, via=via)
    return team


def team_set_leaders(*, team: Team, leaders: list[User]) -> None:
    not_supervisors = [p.username for p in leaders if p.role != Role.SUPERVISOR or not p.is_active]
    if not_supervisors:
        raise InvalidInputError(
            fields={"leaders": [_("Not an active supervisor: %s") % ", ".join(not_supervisors)]}
        )
    team.leaders.set(leaders)


BULK_BATCH = 5_000  # rows per INSERT of a bulk import


@dataclass(frozen=True, slots=True)
class ImportedPerson:
    """Someone from another system's history, new here."""

    username: str
    display_name: str
    role: str
    employment_type: str
    team: str = ""  # a team's name, matched case-insensitively; created if no team has it


@dataclass(frozen=True)
class PeopleImported:
    people: list[User]  # in the order given
    teams_created: int


@transaction.atomic
def people_import(*, people: Sequence[ImportedPerson], actor: User | None = None) -> PeopleImported:
    """Add people in bulk, with the teams they need; they cannot sign in until HR sets a password
    (or SSO signs them in). A taken username (or a team name created meanwhile) raises
    IntegrityError: the caller tells its user to try again."""
    for person in people:
        _check_choices(role=person.role, employment_type=person.employment_type)
    # By lower-cased name; the last spelling seen names a team created here.
    names = {person.team.lower(): person.team for person in people if person.team}
    found = Team.objects.annotate(key=Lower("name")).filter(key__in=set(names))
    teams: dict[str, Team] = {team.key: team for team in found}
    missing = [name for key, name in names.items() if key not in teams]
    for team in Team.objects.bulk_create([Team(name=name) for name in missing]):
        teams[team.name.lower()] = team
    created = User.objects.bulk_create(
        [
            User(
                username=person.username,
                display_name=person.display_name,
                role=person.role,
                employment_type=person.employment_type,
                team=teams.get(person.team.lower()) if person.team else None,
                password=make_password(None),  # unusable
            )
            for person in people
        ],
        batch_size=BULK_BATCH,
    )
    if created:
        roles = sorted({person.role for person in people})
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT_PEOPLE,
            details={
                "people": len(created),
                "teams_created": len(missing),
                "roles": {role: sum(p.role == role for p in people) for role in roles},
                "usernames": [person.username for person in people][:50],
            },
        )
    return PeopleImported(people=created, teams_created=len(missing))


@transaction.atomic
def team_leaders_add(*, leads: Iterable[tuple[User, Team]], actor: User | None = None) -> None:
    """Make each supervisor a leader of the paired team too (the team's other leaders stay)."""
    pairs = {(user, team) for user, team in leads}
    not_supervisors = sorted(
        {u.username for u, _team in pairs if u.role != Role.SUPERVISOR or not u.is_active}
    )
    if not_supervisors:
        raise InvalidInputError(
            fields={"leaders": [_("Not an active supervisor: %s") % ", ".join(not_supervisors)]}
        )
    Team.leaders.through.objects.bulk_create(
        [
            Team.leaders.through(user_id=user_id, team_id=team_id)
            for user_id, team_id in sorted((user.pk, team.pk) for user, team in pairs)
        ],
        ignore_conflicts=True,
    )
    if pairs:
        audit_record(
            actor=actor,
            action=AuditAction.TEAM_CHANGED,
            details={
                "leaders_added": sorted([user.pk, team.pk] for user, team in pairs)[:100],
            },
        )


# --- Provisioning by an identity provider (SCIM 2.0: people/scim/) ---------------------------

SCIM = "scim"  # the audit trail's `via` for every change an identity provider makes

# What an identity provider may set on a person; role and employment type stay HR's.
SCIM_FIELDS = (
    "username",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "employee_id",
    "sso_subject",
    "preferred_language",
)
_SCIM_AUDITED = (*_AUDITED, "username", "first_name", "last_name", "employee_id", "sso_subject")
_SCIM_UNIQUE = {
    "username": _("That username is taken."),
    "employee_id": _("Someone else has that employee id."),
    "sso_subject": _("Someone else has that external id."),
}


def _scim_check(fields: dict[str, Any], person: User | None) -> None:
    unknown = set(fields) - set(SCIM_FIELDS)
    if unknown:
        raise InvalidInputError(fields={name: [_("Cannot be changed here.")] for name in unknown})
    _check_choices(preferred_language=fields.get("preferred_language"))
    others = User.objects.exclude(pk=person.pk) if person is not None else User.objects.all()
    for name, message in _SCIM_UNIQUE.items():
        value = fields.get(name)
        if not value:
            continue
        lookup = {f"{name}__iexact" if name == "username" else name: value}
        if others.filter(**lookup).exists():
            raise ConflictError(message, extra={"field": name})


def _scim_save(person: User, update_fields: list[str] | None) -> None:
    try:
        person.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as exc:
        raise InvalidInputError(fields=exc.message_dict) from exc
    try:
        with transaction.atomic():
            person.save(update_fields=update_fields)
    except IntegrityError as exc:  # a unique value taken concurrently
        raise ConflictError(_("That username or id is taken."), extra={"field": "unique"}) from exc


@transaction.atomic
def person_scim_create(*, active: bool = True, actor: User | None = None, **fields: Any) -> User:
    """Add someone an identity provider provisions (fields from SCIM_FIELDS): an agent with no
    password, who signs in by single sign-on (or a password HR sets later)."""
    _scim_check(fields, person=None)
    fields.setdefault("display_name", fields.get("username", ""))
    person = User(**fields, role=Role.AGENT, is_active=active, password=make_password(None))
    _scim_save(person, update_fields=None)
    person_created_audit(actor=actor, person=person, via=SCIM)
    return person


@transaction.atomic
def person_scim_update(
    *, person: User, active: bool | None = None, actor: User | None = None, **changes: Any
) -> User:
    """Change what an identity provider knows of `person`; `active` False deactivates them as
    `person_deactivate` does (tokens revoked, ledger kept), True lets them back."""
    person = User.objects.select_for_update().get(pk=person.pk)
    _scim_check(changes, person=person)
    changes = {name: value for name, value in changes.items() if getattr(person, name) != value}
    if active is True:
        person_reactivate(person=person, actor=actor, via=SCIM)
    if changes:
        before = person_audit_snapshot(person, _SCIM_AUDITED)
        for name, value in changes.items():
            setattr(person, name, value)
        _scim_save(person, update_fields=list(changes))
        person_changes_audit(actor=actor, person=person, before=before, via=SCIM)
    if active is False:
        person_deactivate(person=person, actor=actor, via=SCIM)
    return person


@transaction.atomic
def team_members_change(
    *,
    team: Team,
    add: Iterable[User] = (),
    remove: Iterable[User] = (),
    exactly: Iterable[User] | None = None,
    actor: User | None = None,
    via: str | None = None,
) -> None:
    """Put people into `team` (out of the team they were in: one team each) and take people out
    of it (they are then in no team); `exactly` makes the members just those people."""
    # Lock order: the team, then people by primary key (as every people write here).
    Team.objects.select_for_update().filter(pk=team.pk).get()
    adding = {person.pk for person in (exactly if exactly is not None else add)}
    if exactly is not None:
        removing = set(team.members.values_list("pk", flat=True)) - adding
    else:
        removing = {person.pk for person in remove} - adding
    people = User.objects.select_for_update().filter(pk__in=adding | removing).order_by("pk")
    for person in people:
        target = team if person.pk in adding else None
        if person.pk not in adding and person.team_id != team.pk:
            continue  # not a member: nothing to take out
        if person.team_id == (target.pk if target is not None else None):
            continue
        before = person_audit_snapshot(person)
        person.team = target
        person.save(update_fields=["team"])
        person_changes_audit(actor=actor, person=person, before=before, via=via)


@transaction.atomic
def team_scim_delete(*, team: Team, actor: User | None = None) -> None:
    """An identity provider deletes a group: its members are left in no team (their ledgers and
    awards stay), its supervisors lead it no more, and the team goes."""
    team_members_change(team=team, exactly=[], actor=actor, via=SCIM)
    team_delete_audited(team=team, actor=actor, via=SCIM)
