"""In-app notifications. The text is rendered when read, in the reader's language, from a kind
and its parameters (names arrive in both languages), so switching language switches the bell."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _


class NotificationKind(models.TextChoices):
    AWARD_RECEIVED = "award_received", gettext_lazy("Points received")
    REDEMPTION_APPROVED = "redemption_approved", gettext_lazy("Redemption approved")
    REDEMPTION_REJECTED = "redemption_rejected", gettext_lazy("Redemption rejected")
    REDEMPTION_FULFILLED = "redemption_fulfilled", gettext_lazy("Redemption fulfilled")
    DRAWING_WON = "drawing_won", gettext_lazy("Drawing won")
    DRAWING_LOST = "drawing_lost", gettext_lazy("Drawing lost")
    THANKS_RECEIVED = "thanks_received", gettext_lazy("Thanks from a colleague")
    THANKS_AWARDED = "thanks_awarded", gettext_lazy("Your thanks became points")


def _localized(params: dict[str, Any], name: str) -> str:
    """`params[name_en]` for English readers, else `params[name_fi]` (names come in both)."""
    english = (get_language() or "fi").startswith("en")
    value = params.get(f"{name}_en" if english else f"{name}_fi") or params.get(name) or ""
    return str(value)


def render_title(kind: str, params: dict[str, Any]) -> str:
    """The one-line text of a notification, in the active language."""
    if kind == NotificationKind.AWARD_RECEIVED:
        points = int(params.get("points", 0))
        return ngettext(
            "%(giver)s gave you %(points)d point: %(reason)s",
            "%(giver)s gave you %(points)d points: %(reason)s",
            points,
        ) % {
            "giver": params.get("giver", ""),
            "points": points,
            "reason": _localized(params, "reason"),
        }
    if kind == NotificationKind.THANKS_RECEIVED:
        return _("%(giver)s thanked you: %(reason)s") % {
            "giver": params.get("giver", ""),
            "reason": _localized(params, "reason"),
        }
    if kind == NotificationKind.THANKS_AWARDED:
        points = int(params.get("points", 0))
        return ngettext(
            "%(supervisor)s turned your thanks to %(colleague)s into %(points)d point.",
            "%(supervisor)s turned your thanks to %(colleague)s into %(points)d points.",
            points,
        ) % {
            "supervisor": params.get("supervisor", ""),
            "colleague": params.get("colleague", ""),
            "points": points,
        }
    reward = _localized(params, "reward")
    if kind == NotificationKind.REDEMPTION_APPROVED:
        return _("Your redemption was approved: %(reward)s") % {"reward": reward}
    if kind == NotificationKind.REDEMPTION_REJECTED:
        return _("Your redemption was rejected: %(reward)s. The points were returned.") % {
            "reward": reward
        }
    if kind == NotificationKind.REDEMPTION_FULFILLED:
        return _("Your reward has been handed over: %(reward)s") % {"reward": reward}
    if kind == NotificationKind.DRAWING_WON:
        return _("You won the drawing for %(reward)s, for %(price)d points.") % {
            "reward": reward,
            "price": int(params.get("price", 0)),
        }
    if kind == NotificationKind.DRAWING_LOST:
        return _(
            "The drawing for %(reward)s has closed; you did not win. Your %(points)d held points "
            "are free again."
        ) % {"reward": reward, "points": int(params.get("amount", 0))}
    return str(kind)


def render_detail(kind: str, params: dict[str, Any]) -> str:
    """A second line: the award's message or the reason for a rejection, if any."""
    if kind == NotificationKind.REDEMPTION_REJECTED and params.get("reason"):
        return _("Reason: %(reason)s") % {"reason": params["reason"]}
    if kind in (NotificationKind.AWARD_RECEIVED, NotificationKind.THANKS_RECEIVED) and params.get(
        "message"
    ):
        return str(params["message"])
    return ""


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(gettext_lazy("kind"), max_length=40, choices=NotificationKind.choices)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    dedup_key = models.CharField(max_length=80, null=True, blank=True, unique=True, editable=False)
    """The Celery message that sent it (and the item's index in a batch): a message delivered
    again (a redelivery, the outbox's sweep) finds its notification already there."""

    class Meta:
        verbose_name = gettext_lazy("notification")
        verbose_name_plural = gettext_lazy("notifications")
        ordering = ["-created_at", "-id"]
        indexes: ClassVar[list[Any]] = [
            # The bell: a person's unread count on every page.
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind}"

    @property
    def title(self) -> str:
        return render_title(self.kind, self.params)

    @property
    def detail(self) -> str:
        return render_detail(self.kind, self.params)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
