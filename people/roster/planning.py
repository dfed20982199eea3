"""What a roster would change: the plan HR previews and the apply carries out.

The plan is plain JSON (stored with the import). The apply plans again against the database as it
is then; a plan that differs from the stored one means the preview is stale. Every list is sorted,
so the same file against the same database gives the same plan.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ..models import Role, RosterImportMode, Team, User
from .parsing import ParsedRoster, RosterRow, error

# The person's fields a roster manages, by the column that carries them.
FIELD_OF_COLUMN = {
    "name": "display_name",
    "email": "email",
    "team": "team",
    "employment_type": "employment_type",
    "start_date": "employment_start",
    "end_date": "employment_end",
}


@dataclass
class Planned:
    plan: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _current(user: User, name: str) -> Any:
    if name == "team":
        return user.team.name if user.team is not None else None
    if name in ("employment_start", "employment_end"):
        return _iso(getattr(user, name))
    value = getattr(user, name)
    return value if value != "" else None


def _wanted(row: RosterRow, name: str) -> Any:
    return {
        "display_name": row.name,
        "email": row.email or None,
        "team": row.team or None,
        "employment_type": row.employment_type,
        "employment_start": _iso(row.start_date),
        "employment_end": _iso(row.end_date),
    }[name]


def _same(name: str, old: Any, new: Any) -> bool:
    if name in ("email", "team") and old is not None and new is not None:
        return str(old).lower() == str(new).lower()
    return bool(old == new)


def _username_base(email: str) -> str:
    local = email.split("@", 1)[0]
    ascii_only = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9._-]", "", ascii_only)[:140] or "user"


def _label(user: User) -> str:
    return user.employee_id or user.username


def roster_plan(*, parsed: ParsedRoster, mode: str, today: date) -> Planned:
    """Match every row to a person (employee id, else the e-mail of someone without an id yet)
    and say what would change; row errors that need the database are added to the parser's."""
    rows = parsed.rows
    errors = list(parsed.errors)
    columns = parsed.columns
    fields = [FIELD_OF_COLUMN[c] for c in ("name", "email", "team", "employment_type",
                                          "start_date", "end_date") if c in columns]  # fmt: skip
    file_ids = {row.employee_id for row in rows}
    wanted_ids = file_ids | {s for row in rows for s in row.supervisors}
    emails = {row.email for row in rows}
    found = (
        User.objects.select_related("team")
        .annotate(email_key=Lower("email"))
        .filter(Q(employee_id__in=wanted_ids) | Q(email_key__in=emails))
    )
    by_id: dict[str, User] = {}
    by_email: dict[str, list[User]] = defaultdict(list)
    for holder in found:
        if holder.employee_id:
            by_id[holder.employee_id] = holder
        if holder.email:
            by_email[holder.email.lower()].append(holder)
    file_email_of = {row.employee_id: row.email for row in rows}

    user: User | None
    matched: dict[str, User] = {}  # employee id -> existing person
    how: dict[str, str] = {}
    for row in rows:
        user = by_id.get(row.employee_id)
        holders = [u for u in by_email.get(row.email, []) if u.is_active or u.employee_id]
        if user is None:
            with_id = [u for u in holders if u.employee_id]
            without = [u for u in holders if not u.employee_id]
            if with_id:
                errors.append(error(row.line, "email", "email_taken",
                    _("This e-mail belongs to employee %(other)s.") % {"other": with_id[0].employee_id}))  # fmt: skip
                continue
            if len(without) > 1:
                errors.append(error(row.line, "email", "email_ambiguous",
                    _("%(n)d people without an employee id have this e-mail: %(who)s.")
                    % {"n": len(without), "who": ", ".join(sorted(u.username for u in without))}))  # fmt: skip
                continue
            if without:
                matched[row.employee_id], how[row.employee_id] = without[0], "email"
            continue
        matched[row.employee_id], how[row.employee_id] = user, "employee_id"
        for other in holders:
            if other.pk == user.pk or not other.is_active:
                continue
            if other.employee_id and file_email_of.get(other.employee_id, row.email) != row.email:
                continue  # the file gives the other person another e-mail
            errors.append(error(row.line, "email", "email_taken",
                _("This e-mail belongs to %(other)s.") % {"other": _label(other)}))  # fmt: skip
            break

    # Supervisors: someone in the file (not leaving) or an active person with that employee id.
    row_of = {row.employee_id: row for row in rows}
    supervisor_ids: set[str] = set()
    for row in rows:
        for sid in row.supervisors:
            in_file = row_of.get(sid)
            person = matched.get(sid) or by_id.get(sid)
            if in_file is None and person is None:
                errors.append(error(row.line, "supervisors", "unknown_supervisor",
                    _("No one has the employee id %(id)s.") % {"id": sid}))  # fmt: skip
            elif (
                in_file is not None and in_file.end_date is not None and in_file.end_date < today
            ) or (in_file is None and person is not None and not person.is_active):
                errors.append(error(row.line, "supervisors", "supervisor_inactive",
                    _("%(id)s has left and cannot be a supervisor.") % {"id": sid}))  # fmt: skip
            else:
                supervisor_ids.add(sid)
    if mode == RosterImportMode.FULL and not rows and not errors:
        errors.append(error(1, "", "roster_empty",
                            _("A full roster with no one in it would mark everyone as leaving.")))  # fmt: skip
    if errors:
        errors.sort(key=lambda e: (e["row"], e["column"]))
        return Planned(plan={}, errors=errors)

    notes: list[dict[str, Any]] = []
    hr_ids = {
        sid for sid in supervisor_ids
        if (p := matched.get(sid) or by_id.get(sid)) is not None and p.role == Role.HR
    }  # fmt: skip
    for sid in sorted(hr_ids):
        notes.append({"code": "hr_not_leader", "employee_id": sid})
    leaders_by_id = supervisor_ids - hr_ids

    teams = {team.name.lower(): team for team in Team.objects.prefetch_related("leaders")
             .annotate(key=Lower("name")).filter(key__in={r.team.lower() for r in rows if r.team})}  # fmt: skip
    teams_created = sorted(
        {r.team.lower(): r.team for r in rows if r.team and r.team.lower() not in teams}.values()
    )

    taken: set[str] | None = None
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    leaving: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    unchanged = 0
    for row in rows:
        user = matched.get(row.employee_id)
        if user is None:
            if row.end_date is not None and row.end_date < today:
                skipped.append({"row": row.line, "employee_id": row.employee_id, "name": row.name})
                continue
            if taken is None:
                taken = {name.lower() for name in User.objects.values_list("username", flat=True)}
            base = _username_base(row.email)
            username, n = base, 1
            while username in taken:
                n += 1
                username = f"{base}{n}"
            taken.add(username)
            new.append({
                "row": row.line, "employee_id": row.employee_id, "name": row.name,
                "email": row.email, "username": username,
                "team": row.team or None,
                "role": Role.SUPERVISOR if row.employee_id in leaders_by_id else Role.AGENT,
                "employment_type": row.employment_type,
                "employment_start": _iso(row.start_date), "employment_end": _iso(row.end_date),
            })  # fmt: skip
            continue
        changes: dict[str, list[Any]] = {}
        if how[row.employee_id] == "email":
            changes["employee_id"] = [None, row.employee_id]
        for name in fields:
            old, value = _current(user, name), _wanted(row, name)
            if not _same(name, old, value):
                changes[name] = [old, value]
        if row.employee_id in leaders_by_id and user.role == Role.AGENT:
            changes["role"] = [Role.AGENT, Role.SUPERVISOR]
        end = row.end_date if "employment_end" in fields else user.employment_end
        if (
            not user.is_active
            and user.employment_end is not None
            and user.employment_end < today
            and (end is None or end >= today)
        ):
            changes["is_active"] = [False, True]  # their end date moved: they are back
        entry = {"row": row.line, "person": user.pk, "employee_id": row.employee_id,
                 "name": row.name, "changes": changes}  # fmt: skip
        closes_now = user.is_active and end is not None and end < today
        if end is not None and (closes_now or "employment_end" in changes) and user.is_active:
            leaving.append({**entry, "end_date": _iso(end), "closes_now": closes_now,
                            "reason": "end_date"})  # fmt: skip
        elif changes:
            changed.append(entry)
        else:
            unchanged += 1
        if not user.is_active and user.employment_end is None and "is_active" not in changes:
            notes.append({"code": "inactive_kept", "employee_id": row.employee_id})

    # Supervisors named by the file but not in it: made supervisors if they are agents.
    for sid in sorted(leaders_by_id - file_ids):
        person = by_id[sid]
        if person.role == Role.AGENT:
            changed.append({"row": None, "person": person.pk, "employee_id": sid,
                            "name": person.name, "changes": {"role": [Role.AGENT, Role.SUPERVISOR]}})  # fmt: skip

    if mode == RosterImportMode.FULL:
        missing = (
            User.objects.filter(is_active=True, employee_id__isnull=False)
            .exclude(employee_id__in=file_ids)
            .order_by("employee_id")
        )
        for user in missing:
            end = user.employment_end
            if end is not None and end <= today:
                if end < today:
                    leaving.append({"row": None, "person": user.pk, "employee_id": user.employee_id,
                                    "name": user.name, "changes": {}, "end_date": _iso(end),
                                    "closes_now": True, "reason": "not_in_file"})  # fmt: skip
                else:
                    unchanged += 1
                continue
            leaving.append({"row": None, "person": user.pk, "employee_id": user.employee_id,
                            "name": user.name, "end_date": _iso(today), "closes_now": False,
                            "changes": {"employment_end": [_iso(end), _iso(today)]},
                            "reason": "not_in_file"})  # fmt: skip

    leaders: list[dict[str, Any]] = []
    if "supervisors" in columns:
        # A leader matched by e-mail in this file is known by the employee id it gets.
        planned_id = {user.pk: eid for eid, user in matched.items()}
        wanted_leaders: dict[str, set[str]] = defaultdict(set)
        spelling: dict[str, str] = {}
        for row in rows:
            if row.team:
                spelling.setdefault(row.team.lower(), row.team)
                wanted_leaders[row.team.lower()].update(
                    s for s in row.supervisors if s in leaders_by_id
                )
        for key in sorted(spelling):
            team = teams.get(key)
            current = (
                {planned_id.get(u.pk) or _label(u): u for u in team.leaders.all()}
                if team is not None
                else {}
            )
            add = sorted(wanted_leaders[key] - set(current))
            remove = (
                sorted(set(current) - wanted_leaders[key]) if mode == RosterImportMode.FULL else []
            )
            if add or remove:
                leaders.append({"team": team.name if team else spelling[key], "add": add,
                                "remove": [[label, current[label].pk] for label in remove]})  # fmt: skip

    if mode == RosterImportMode.FULL and rows and len(leaving) > len(rows):
        notes.append({"code": "many_leaving", "count": len(leaving)})
    plan = {
        "mode": mode,
        "today": _iso(today),
        "columns": sorted(columns),
        "rows": parsed.total,
        "new": new,
        "changed": sorted(
            changed, key=lambda e: (e["row"] is None, e["row"] or 0, e["employee_id"])
        ),
        "leaving": sorted(
            leaving, key=lambda e: (e["row"] is None, e["row"] or 0, e["employee_id"])
        ),
        "unchanged": unchanged,
        "skipped": skipped,
        "teams_created": teams_created,
        "leaders": leaders,
        "notes": notes,
    }
    return Planned(plan=plan)


def plan_counts(plan: dict[str, Any]) -> dict[str, int]:
    return {
        "new": len(plan.get("new", [])),
        "changed": len(plan.get("changed", [])),
        "leaving": len(plan.get("leaving", [])),
        "unchanged": plan.get("unchanged", 0),
        "skipped": len(plan.get("skipped", [])),
        "teams_created": len(plan.get("teams_created", [])),
    }


def plan_is_empty(plan: dict[str, Any]) -> bool:
    counts = plan_counts(plan)
    return not (counts["new"] or counts["changed"] or counts["leaving"] or plan.get("leaders"))
