"""One row per sensitive action. Rows are only ever inserted: PostgreSQL refuses the rest."""

from __future__ import annotations

from typing import Any, ClassVar

import pgtrigger
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """Stable codes: the API returns them and filters by them; never rename one."""

    LEDGER_REVERSAL = "ledger.reversal", _("Transaction reversed")
    BUDGET_POLICY_CHANGED = "budget.policy_changed", _("Budget policy changed")
    BUDGET_PERIOD_OPENED = "budget.period_opened", _("Budget period opened")
    PRICING_PARAMETERS_SAVED = "pricing.parameters_saved", _("Pricing parameters saved")
    PRICING_SALE_CREATED = "pricing.sale_created", _("Sale created")
    PRICING_SALE_CANCELLED = "pricing.sale_cancelled", _("Sale cancelled")
    IMPORT_HISTORY = "import.history", _("History imported")
    IMPORT_PEOPLE = "import.people", _("People imported")
    IMPORT_ROSTER = "import.roster", _("Roster applied")
    PEOPLE_CREATED = "people.created", _("Person added")
    PEOPLE_ROLE_CHANGED = "people.role_changed", _("Role or access changed")
    PEOPLE_TEAM_CHANGED = "people.team_changed", _("Team membership changed")
    PEOPLE_UPDATED = "people.updated", _("Person's details changed")
    PEOPLE_DEACTIVATED = "people.deactivated", _("Person deactivated")
    PEOPLE_ACTIVATED = "people.activated", _("Person reactivated")
    TEAM_CREATED = "team.created", _("Team created")
    TEAM_CHANGED = "team.changed", _("Team or its supervisors changed")
    DRAWING_CREATED = "drawing.created", _("Drawing created")
    DRAWING_CLOSED = "drawing.closed", _("Drawing closed")
    AUTH_TOKEN_CREATED = "auth.token_created", _("API token created")
    INTEGRITY_FLAG_DISMISSED = "integrity.flag_dismissed", _("Integrity flag dismissed")
    INTEGRITY_FLAG_REVERSED = "integrity.flag_reversed", _("Integrity flag: awards reversed")
    AUTH_SSO_SIGN_IN = "auth.sso_sign_in", _("Signed in through single sign-on")
    AUTH_PASSWORD_RESET = "auth.password_reset", _("Password reset by e-mail")
    LEAVER_POLICY_CHANGED = "leaver.policy_changed", _("Leaver policy changed")
    LEAVER_SETTLED = "leaver.settled", _("Leaver's points settled")
    CHAT_CHANNEL_CREATED = "chat.channel_created", _("Teams or Slack channel connected")
    CHAT_CHANNEL_CHANGED = "chat.channel_changed", _("Teams or Slack channel changed")
    CHAT_CHANNEL_DELETED = "chat.channel_deleted", _("Teams or Slack channel disconnected")
    CHAT_TEST_SENT = "chat.test_sent", _("Test post sent to a channel")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        help_text=_("Empty for the system (scheduled jobs, commands)."),
    )
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    # What it was done to, as "app_label.model" and primary key: the log outlives any schema.
    subject_type = models.CharField(_("subject type"), max_length=60, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=40, blank=True)
    subject_label = models.CharField(_("subject"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["action", "-at"], name="audit_action_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
        ]
        triggers: ClassVar[list[Any]] = [
            pgtrigger.Protect(
                name="audit_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            # pgtrigger's Protect covers rows only; TRUNCATE needs a statement-level trigger.
            pgtrigger.Trigger(
                name="audit_event_no_truncate",
                operation=pgtrigger.Truncate,
                when=pgtrigger.Before,
                level=pgtrigger.Statement,
                func="RAISE EXCEPTION 'pgtrigger: Cannot truncate % table', TG_TABLE_NAME;",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject_type}:{self.subject_id}"
