"""Every write of the roster sync: store a preview, apply it (all or nothing)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record

from ..errors import (
    RosterAlreadyAppliedError,
    RosterInvalidError,
    RosterPreviewStaleError,
)
from ..models import Role, RosterImport, RosterImportMode, RosterImportStatus, Team, User
from ..services import (
    person_audit_snapshot,
    person_changes_audit,
    person_created_audit,
    person_deactivate,
    team_audit_snapshot,
    team_changes_audit,
)
from .parsing import parse
from .planning import plan_counts, roster_plan

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
ROSTER_LOCK_KEY = 0x726F7374  # one roster apply at a time ("rost")


@dataclass(frozen=True)
class RosterCheck:
    plan: dict[str, Any]
    sha256: str


def roster_check(
    *, data: bytes, mode: str = RosterImportMode.PARTIAL, today: date | None = None
) -> RosterCheck:
    """Parse and plan `data` against the database now; writes nothing. Raises `RosterFileError`
    for a file that cannot be read and `RosterInvalidError` (every row error) for bad rows."""
    if mode not in RosterImportMode.values:
        mode = RosterImportMode.PARTIAL
    planned = roster_plan(parsed=parse(data), mode=mode, today=today or timezone.localdate())
    if planned.errors:
        raise RosterInvalidError(planned.errors)
    return RosterCheck(plan=planned.plan, sha256=hashlib.sha256(data).hexdigest())


@transaction.atomic
def roster_preview_create(
    *,
    data: bytes,
    mode: str = RosterImportMode.PARTIAL,
    filename: str = "",
    actor: User | None = None,
    today: date | None = None,
) -> RosterImport:
    """Check the roster and store what it would change (nothing about people changes yet)."""
    check = roster_check(data=data, mode=mode, today=today)
    return RosterImport.objects.create(
        created_by=actor,
        filename=filename[:255],
        sha256=check.sha256,
        data=data,
        mode=check.plan["mode"],
        plan=check.plan,
    )


def _team_of(name: str | None, teams: dict[str, Team]) -> Team | None:
    return teams[name.lower()] if name else None


def _value(field: str, value: Any, teams: dict[str, Team]) -> Any:
    if field == "team":
        return _team_of(value, teams)
    if field in ("employment_start", "employment_end"):
        return date.fromisoformat(value) if value else None
    if field == "email":
        return value or ""
    return value


def roster_import_apply(
    *, roster_import: RosterImport, actor: User | None = None, today: date | None = None
) -> RosterImport:
    """Carry out a previewed roster: plan it again against the database as it is now and refuse
    (`RosterPreviewStaleError`) unless that is the plan HR saw; a second apply of the same import
    is refused (`RosterAlreadyAppliedError`). Everything is one transaction."""
    try:
        return _apply(roster_import=roster_import, actor=actor, today=today)
    except IntegrityError as exc:
        # A username, employee id or team name taken by someone else's write meanwhile.
        raise RosterPreviewStaleError() from exc


@transaction.atomic
def _apply(*, roster_import: RosterImport, actor: User | None, today: date | None) -> RosterImport:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROSTER_LOCK_KEY])
    locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if locked.status == RosterImportStatus.APPLIED:
        raise RosterAlreadyAppliedError()
    try:
        check = roster_check(data=bytes(locked.data), mode=locked.mode, today=today)
    except RosterInvalidError as exc:
        raise RosterPreviewStaleError(extra={"rows": exc.rows}) from exc
    plan = check.plan
    if plan != locked.plan:
        raise RosterPreviewStaleError()

    # Lock order: the people to change, by primary key, before anything is written.
    pks = sorted({e["person"] for e in plan["changed"] + plan["leaving"]})
    people = {u.pk: u for u in User.objects.select_for_update().filter(pk__in=pks).order_by("pk")}

    names = {e["team"] for e in plan["new"] if e["team"]}
    names |= {e["changes"]["team"][1] for e in plan["changed"] + plan["leaving"]
              if e["changes"].get("team", [None, None])[1]}  # fmt: skip
    names |= {item["team"] for item in plan["leaders"]}
    teams: dict[str, Team] = {t.key: t for t in Team.objects.annotate(key=Lower("name")).filter(
        key__in={n.lower() for n in names})}  # fmt: skip
    for name in plan["teams_created"]:
        team = Team.objects.create(name=name)
        team_changes_audit(actor=actor, team=team, before=None)
        teams[name.lower()] = team

    by_employee_id: dict[str, User] = {}
    for entry in plan["new"]:
        person = User(
            username=entry["username"],
            display_name=entry["name"],
            email=entry["email"],
            role=entry["role"],
            employment_type=entry["employment_type"],
            team=_team_of(entry["team"], teams),
            employee_id=entry["employee_id"],
            employment_start=_value("employment_start", entry["employment_start"], teams),
            employment_end=_value("employment_end", entry["employment_end"], teams),
            password=make_password(None),  # signs in by SSO or a password reset
        )
        person.save()
        person_created_audit(actor=actor, person=person)
        by_employee_id[entry["employee_id"]] = person

    for entry in plan["changed"] + plan["leaving"]:
        person = people[entry["person"]]
        if not entry["changes"]:
            continue
        before = person_audit_snapshot(person)
        for field, (_old, new) in entry["changes"].items():
            setattr(person, field, _value(field, new, teams))
        person.save(update_fields=list(entry["changes"]))
        person_changes_audit(actor=actor, person=person, before=before)

    for item in plan["leaders"]:
        team = teams[item["team"].lower()]
        before = team_audit_snapshot(team)
        add = [by_employee_id.get(eid) or User.objects.get(employee_id=eid) for eid in item["add"]]
        assert all(p.role == Role.SUPERVISOR and p.is_active for p in add), item
        team.leaders.add(*add)
        team.leaders.remove(*[pk for _label, pk in item["remove"]])
        team_changes_audit(actor=actor, team=team, before=before)

    for entry in plan["leaving"]:
        if entry["closes_now"]:
            person_deactivate(person=people[entry["person"]], actor=actor)

    locked.status = RosterImportStatus.APPLIED
    locked.applied_at = timezone.now()
    locked.applied_by = actor
    locked.save(update_fields=["status", "applied_at", "applied_by"])
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT_ROSTER,
        subject=locked,
        subject_label=locked.filename or f"#{locked.pk}",
        details={**plan_counts(plan), "mode": plan["mode"], "sha256": locked.sha256},
    )
    return locked
