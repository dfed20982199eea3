"""In-app notifications. The text is rendered when read, in the reader's language, from a kind
and its parameters (names arrive in both languages), so switching language switches the bell."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _


class NotificationKind(models.TextChoices):
    AWARD_RECEIVED = "award_received", gettext_lazy("Points received")
    REDEMPTION_APPROVED = "redemption_approved", gettext_lazy("Redemption approved")
    REDEMPTION_REJECTED = "redemption_rejected", gettext_lazy("Redemption rejected")
    REDEMPTION_FULFILLED = "redemption_fulfilled", gettext_lazy("Redemption fulfilled")
    DRAWING_WON = "drawing_won", gettext_lazy("Drawing won")
    DRAWING_LOST = "drawing_lost", gettext_lazy("Drawing lost")
    WISH_PRICE_TARGET = "wish_price_target", gettext_lazy("Price alert")
    WISH_SALE_STARTED = "wish_sale_started", gettext_lazy("Sale on a wished reward")
    WISH_DRAWING_OPENED = "wish_drawing_opened", gettext_lazy("Drawing opened on a wished reward")
    LEAVER_REMINDER = "leaver_reminder", gettext_lazy("Last working day near")
    THANKS_RECEIVED = "thanks_received", gettext_lazy("Thanks from a colleague")
    THANKS_AWARDED = "thanks_awarded", gettext_lazy("Your thanks became points")


def _localized(params: dict[str, Any], name: str) -> str:
    """`params[name_en]` for English readers, else `params[name_fi]` (names come in both)."""
    english = (get_language() or "fi").startswith("en")
    value = params.get(f"{name}_en" if english else f"{name}_fi") or params.get(name) or ""
    return str(value)


def leaver_reminder_text(*, end_date: date | str, points: int) -> str:
    """ "Your last working day is 31.1.2027 — you have 420 points; spend them before then", in the
    active language (the notification, its e-mail and the notice on the wallet and market pages)."""
    day = date.fromisoformat(end_date) if isinstance(end_date, str) else end_date
    return ngettext(
        "Your last working day is %(date)s — you have %(points)d point; spend it before then.",
        "Your last working day is %(date)s — you have %(points)d points; spend them before then.",
        points,
    ) % {"date": formats.date_format(day, "SHORT_DATE_FORMAT"), "points": points}


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
    if kind == NotificationKind.LEAVER_REMINDER:
        return leaver_reminder_text(
            end_date=str(params.get("end_date", "")), points=int(params.get("points", 0))
        )
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
    if kind == NotificationKind.WISH_PRICE_TARGET:
        return _(
            "Price alert: %(reward)s now costs %(price)d points, at or below your target of "
            "%(target)d."
        ) % {
            "reward": reward,
            "price": int(params.get("price", 0)),
            "target": int(params.get("target", 0)),
        }
    if kind == NotificationKind.WISH_SALE_STARTED:
        return _("A sale started on %(reward)s, one of your wishes: now %(price)d points.") % {
            "reward": reward,
            "price": int(params.get("price", 0)),
        }
    if kind == NotificationKind.WISH_DRAWING_OPENED:
        return _("A drawing opened for %(reward)s, one of your wishes: bid or enter now.") % {
            "reward": reward
        }
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


# --- Teams and Slack channels (chat.py builds the posts, tasks.py sends them) -------------------


class ChatKind(models.TextChoices):
    TEAMS = "teams", gettext_lazy("Microsoft Teams (workflow webhook)")
    SLACK = "slack", gettext_lazy("Slack (incoming webhook)")


class ChatLanguage(models.TextChoices):
    FI = "fi", "suomi"
    EN = "en", "English"


class ChatEvent(models.TextChoices):
    """What a channel may hear; an event key starts with one of these (`award:42`)."""

    AWARD = "award", gettext_lazy("New awards")
    DRAWING = "drawing", gettext_lazy("Drawings opening and closing")
    MOVERS = "movers", gettext_lazy("Daily market movers")
    TEST = "test", gettext_lazy("Test post")


class ChatChannel(models.Model):
    """A team's Teams or Slack channel, reached by its webhook URL.

    The URL is a secret (whoever has it can post to the channel): pages and the admin show it
    masked (`webhook_url_masked`), never in full after it is saved."""

    team = models.ForeignKey(
        "people.Team",
        on_delete=models.CASCADE,
        related_name="chat_channels",
        verbose_name=gettext_lazy("team"),
    )
    kind = models.CharField(gettext_lazy("service"), max_length=10, choices=ChatKind.choices)
    name = models.CharField(
        gettext_lazy("channel name"),
        max_length=100,
        help_text=gettext_lazy("For your own reference, e.g. #team-north."),
    )
    webhook_url = models.CharField(gettext_lazy("webhook URL"), max_length=1000)
    language = models.CharField(
        gettext_lazy("language of the posts"),
        max_length=2,
        choices=ChatLanguage.choices,
        default=ChatLanguage.FI,
    )
    post_awards = models.BooleanField(gettext_lazy("new awards"), default=True)
    post_drawings = models.BooleanField(gettext_lazy("drawings opening and closing"), default=True)
    post_movers = models.BooleanField(gettext_lazy("daily market movers"), default=True)
    active = models.BooleanField(gettext_lazy("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("chat channel")
        verbose_name_plural = gettext_lazy("chat channels")
        ordering = ["team__name", "kind", "name", "id"]

    def __str__(self) -> str:
        return f"{self.team} · {self.get_kind_display()} · {self.name}"

    @property
    def webhook_url_masked(self) -> str:
        """Scheme and host, and the last four characters: enough to tell two URLs apart."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.webhook_url)
        tail = self.webhook_url[-4:] if len(self.webhook_url) > 12 else ""
        return f"{parts.scheme}://{parts.hostname or ''}/…{tail}"

    def hears(self, event: str) -> bool:
        return event == ChatEvent.TEST or {
            ChatEvent.AWARD: self.post_awards,
            ChatEvent.DRAWING: self.post_drawings,
            ChatEvent.MOVERS: self.post_movers,
        }.get(ChatEvent(event), False)

    @property
    def is_failing(self) -> bool:
        return self.consecutive_failures > 0


class ChatDeliveryStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Waiting")
    RETRYING = "retrying", gettext_lazy("Retrying")
    SENT = "sent", gettext_lazy("Sent")
    FAILED = "failed", gettext_lazy("Failed")


class ChatDelivery(models.Model):
    """One post to one channel. Unique per (channel, event key): an event announced again (a
    redelivered message, the outbox's sweep, a second beat) finds its delivery already there."""

    channel = models.ForeignKey(ChatChannel, on_delete=models.CASCADE, related_name="deliveries")
    event_key = models.CharField(max_length=120)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=ChatDeliveryStatus.choices, default=ChatDeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["channel", "event_key"], name="chat_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.event_key} ({self.status})"
