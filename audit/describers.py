"""Each event in plain language, in the reader's language, from its stable code and details.

The log stores codes and raw values (so it reads the same whatever the language of the person who
acted); this module turns them into a sentence when someone reads it. Apps above register the
labels of their choice fields (a role "hr" reads "HR") from `AppConfig.ready()`, since the audit
app imports none of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AuditAction, AuditEvent

_choice_labels: dict[str, type[models.Choices]] = {}


def value_labels_register(*, field: str, choices: type[models.Choices]) -> None:
    """Show the values of `field` in the details with `choices`' labels."""
    _choice_labels[field] = choices


FIELD_LABELS = {
    "role": gettext_lazy("role"),
    "team": gettext_lazy("team"),
    "is_active": gettext_lazy("active"),
    "is_staff": gettext_lazy("admin access"),
    "is_superuser": gettext_lazy("superuser"),
    "email": gettext_lazy("e-mail"),
    "display_name": gettext_lazy("name"),
    "employment_type": gettext_lazy("employment"),
    "amount": gettext_lazy("amount"),
    "mode": gettext_lazy("mode"),
    "rollover": gettext_lazy("rollover"),
    "active": gettext_lazy("active"),
    "name": gettext_lazy("name"),
    "leaders": gettext_lazy("supervisors"),
    "employee_id": gettext_lazy("employee id"),
    "employment_start": gettext_lazy("first working day"),
    "employment_end": gettext_lazy("last working day"),
    "leaver_mode": gettext_lazy("leaver policy"),
    "grace_days": gettext_lazy("grace period (days)"),
    "convert_reward": gettext_lazy("reward to convert to"),
    "kind": gettext_lazy("service"),
    "language": gettext_lazy("language"),
    "post_awards": gettext_lazy("new awards"),
    "post_drawings": gettext_lazy("drawings"),
    "post_movers": gettext_lazy("market movers"),
    "webhook": gettext_lazy("webhook URL"),
}


def _value(field: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(field, item) for item in value)
    choices = _choice_labels.get(field)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return str(value)


def _when(value: Any) -> str:
    """An ISO timestamp from the details, as a local date and time in the reader's format."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value) if value else "–"
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def _changes(details: dict[str, Any]) -> str:
    parts = []
    for field, pair in (details.get("changes") or {}).items():
        label = str(FIELD_LABELS.get(field, field))
        if isinstance(pair, list) and len(pair) == 2:
            parts.append(f"{label}: {_value(field, pair[0])} → {_value(field, pair[1])}")
    return "; ".join(parts)


def _with_changes(sentence: str, details: dict[str, Any]) -> str:
    changes = _changes(details)
    return f"{sentence} ({changes})" if changes else sentence


def audit_describe(event: AuditEvent) -> str:
    """One sentence saying what happened, in the active language."""
    d: dict[str, Any] = event.details or {}
    subject = event.subject_label or "–"
    match event.action:
        case AuditAction.LEDGER_REVERSAL:
            return _(
                "Reversed transaction #%(original)s (%(amount)s pts moved back) with "
                "transaction #%(reversal)s. Reason: %(reason)s"
            ) % {
                "original": d.get("original"),
                "amount": d.get("amount"),
                "reversal": d.get("reversal"),
                "reason": d.get("reason") or "–",
            }
        case AuditAction.BUDGET_POLICY_CHANGED:
            return _with_changes(_("Budget policy of %(who)s saved") % {"who": subject}, d)
        case AuditAction.BUDGET_PERIOD_OPENED:
            return _(
                "Budget period %(period)s opened for %(who)s: %(granted)s pts granted, "
                "%(lapsed)s pts of unused budget lapsed"
            ) % {
                "period": d.get("period_start"),
                "who": subject,
                "granted": d.get("granted", 0),
                "lapsed": d.get("lapsed", 0),
            }
        case AuditAction.PRICING_PARAMETERS_SAVED:
            return _with_changes(
                _("Pricing parameters version #%(id)s saved, in effect from %(start)s")
                % {"id": event.subject_id, "start": _when(d.get("effective_from"))},
                d,
            )
        case AuditAction.PRICING_SALE_CREATED:
            return _(
                "Sale “%(name)s” created: prices × %(multiplier)s from %(starts)s to %(ends)s"
            ) % {
                "name": subject,
                "multiplier": d.get("multiplier"),
                "starts": _when(d.get("starts_at")),
                "ends": _when(d.get("ends_at")),
            }
        case AuditAction.PRICING_SALE_CANCELLED:
            return _("Sale “%(name)s” ended early") % {"name": subject}
        case AuditAction.IMPORT_HISTORY:
            return _(
                "History imported: %(imported)s rows written, %(skipped)s rows skipped as "
                "imported before"
            ) % {"imported": d.get("imported", 0), "skipped": d.get("skipped", 0)}
        case AuditAction.IMPORT_PEOPLE:
            return _("%(people)s people and %(teams)s teams added by an import") % {
                "people": d.get("people", 0),
                "teams": d.get("teams_created", 0),
            }
        case AuditAction.IMPORT_ROSTER:
            return _(
                "Roster applied: %(new)s joiners, %(changed)s people changed, %(leaving)s "
                "leaving, %(unchanged)s unchanged"
            ) % {
                "new": d.get("new", 0),
                "changed": d.get("changed", 0),
                "leaving": d.get("leaving", 0),
                "unchanged": d.get("unchanged", 0),
            }
        case AuditAction.PEOPLE_CREATED:
            return _("%(who)s added as %(role)s") % {
                "who": subject,
                "role": _value("role", d.get("role")),
            }
        case (
            AuditAction.PEOPLE_ROLE_CHANGED
            | AuditAction.PEOPLE_TEAM_CHANGED
            | AuditAction.PEOPLE_UPDATED
            | AuditAction.PEOPLE_ACTIVATED
        ):
            return _with_changes(_("Details of %(who)s changed") % {"who": subject}, d)
        case AuditAction.PEOPLE_DEACTIVATED:
            return _("%(who)s deactivated: can no longer sign in") % {"who": subject}
        case AuditAction.TEAM_CREATED:
            return _with_changes(_("Team %(team)s created") % {"team": subject}, d)
        case AuditAction.TEAM_CHANGED:
            if d.get("leaders_added"):
                return _("%(count)s supervisors made team leaders by an import") % {
                    "count": len(d["leaders_added"])
                }
            return _with_changes(_("Team %(team)s changed") % {"team": subject}, d)
        case AuditAction.DRAWING_CREATED:
            return _("Drawing of %(reward)s created: opens %(opens)s, closes %(closes)s") % {
                "reward": subject,
                "opens": _when(d.get("opens_at")),
                "closes": _when(d.get("closes_at")),
            }
        case AuditAction.DRAWING_CLOSED:
            return _(
                "Drawing of %(reward)s closed: %(winners)s winners of %(bidders)s bidders, "
                "price %(price)s pts"
            ) % {
                "reward": subject,
                "winners": d.get("winners", 0),
                "bidders": d.get("bidders", 0),
                "price": d.get("price") if d.get("price") is not None else "–",
            }
        case AuditAction.INTEGRITY_FLAG_DISMISSED:
            return _("Integrity flag %(flag)s dismissed. Note: %(note)s") % {
                "flag": subject,
                "note": d.get("note") or "–",
            }
        case AuditAction.INTEGRITY_FLAG_REVERSED:
            return _(
                "Integrity flag %(flag)s closed by reversing %(count)s awards (%(points)s pts). "
                "Note: %(note)s"
            ) % {
                "flag": subject,
                "count": len(d.get("awards") or []),
                "points": d.get("points", 0),
                "note": d.get("note") or "–",
            }
        case AuditAction.AUTH_TOKEN_CREATED:
            return _("API token created for %(who)s") % {"who": subject}
        case AuditAction.AUTH_SSO_SIGN_IN:
            if d.get("created"):
                return _(
                    "%(who)s signed in through single sign-on for the first time (account created)"
                ) % {"who": subject}
            if d.get("linked"):
                return _("%(who)s signed in through single sign-on (account linked by %(by)s)") % {
                    "who": subject,
                    "by": d.get("matched_by", ""),
                }
            return _("%(who)s signed in through single sign-on") % {"who": subject}
        case AuditAction.AUTH_PASSWORD_RESET:
            return _("%(who)s set a new password through an e-mailed link") % {"who": subject}
        case AuditAction.LEAVER_POLICY_CHANGED:
            return _with_changes(_("Policy for leavers' points saved"), d)
        case AuditAction.LEAVER_SETTLED:
            return _(
                "Points of %(who)s settled after the last working day %(end)s (%(mode)s): "
                "%(lapsed)s pts lapsed, %(converted)s pts converted to %(units)s rewards"
            ) % {
                "who": subject,
                "end": d.get("end_date") or "–",
                "mode": _value("leaver_mode", d.get("leaver_mode")),
                "lapsed": d.get("lapsed", 0),
                "converted": d.get("converted", 0),
                "units": d.get("units", 0),
            }
        case AuditAction.CHAT_CHANNEL_CREATED:
            return _("Chat channel %(channel)s connected to team %(team)s") % {
                "channel": subject,
                "team": d.get("team") or "–",
            }
        case AuditAction.CHAT_CHANNEL_CHANGED:
            return _with_changes(_("Chat channel %(channel)s changed") % {"channel": subject}, d)
        case AuditAction.CHAT_CHANNEL_DELETED:
            return _("Chat channel %(channel)s of team %(team)s disconnected") % {
                "channel": subject,
                "team": d.get("team") or "–",
            }
        case AuditAction.CHAT_TEST_SENT:
            return _("Test post sent to chat channel %(channel)s") % {"channel": subject}
    return str(event.action)
