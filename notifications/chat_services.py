"""Teams and Slack channels: HR's writes (add, change, delete, test post) and the two steps of a
post (fan an announced event out to its channels' deliveries; one HTTP attempt of a delivery).

Sending happens in Celery (`tasks.chat_fanout`, `tasks.chat_deliver`), never in a request."""

from __future__ import annotations

import ipaddress
import logging
import random
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from core.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from core.jobs import job_send_on_commit
from people.models import Team, User

from .chat import ChatMessage, chat_payload, event_kind
from .models import (
    ChatChannel,
    ChatDelivery,
    ChatDeliveryStatus,
    ChatEvent,
    ChatKind,
    ChatLanguage,
)

logger = logging.getLogger(__name__)

CHAT_DELIVER_TASK = "notifications.tasks.chat_deliver"
USER_AGENT = "Pojoporssi-chat/1"


# --- The webhook URL ----------------------------------------------------------------------------


def _allow_local() -> bool:
    """http:// and private, loopback and link-local addresses: only on the opt-in (a demo on this
    machine, the tests' local receiver). Production posts to public https hosts only."""
    return bool(getattr(settings, "CHAT_WEBHOOK_ALLOW_HTTP", False))


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The addresses `host` resolves to ([] if it does not resolve now)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    found = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        found.append(ipaddress.ip_address(address))
    return found


def webhook_url_problem(url: str) -> str | None:
    """Why `url` may not be posted to (None if it may): not https, credentials in it, or a host
    that is (or resolves to) a private, loopback, link-local or reserved address (SSRF)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return _("This is not a valid URL.")
    allowed = {"https", "http"} if _allow_local() else {"https"}
    if parts.scheme not in allowed or not parts.hostname:
        return _("The webhook URL must start with https://.")
    if parts.username or parts.password:
        return _("The webhook URL must not contain a user name or password.")
    if _allow_local():
        return None
    for address in _addresses(parts.hostname, port):
        if not address.is_global or address.is_multicast:
            return _("The webhook URL points to a private or local network address.")
    return None


def _url_checked(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise InvalidInputError(fields={"webhook_url": [_("This field is required.")]})
    if len(url) > 1000:
        raise InvalidInputError(fields={"webhook_url": [_("At most 1000 characters.")]})
    problem = webhook_url_problem(url)
    if problem:
        raise InvalidInputError(fields={"webhook_url": [problem]})
    return url


# --- HR's writes --------------------------------------------------------------------------------

CHANNEL_FIELDS = (
    "kind",
    "name",
    "language",
    "post_awards",
    "post_drawings",
    "post_movers",
    "active",
)


def _hr(actor: User) -> None:
    if not actor.is_hr:
        raise PermissionDeniedError()


def _validated(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if data.get("kind") not in ChatKind.values:
        errors["kind"] = [_("Microsoft Teams or Slack.")]
    if data.get("language") not in ChatLanguage.values:
        errors["language"] = [_("Finnish or English.")]
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("A name of 1 to 100 characters.")]
    if errors:
        raise InvalidInputError(fields=errors)
    return {**data, "name": name}


def _details(channel: ChatChannel) -> dict[str, Any]:
    """What the audit log keeps of a channel: everything but the secret URL (only its mask)."""
    return {
        "team": channel.team.name,
        **{name: getattr(channel, name) for name in CHANNEL_FIELDS},
        "webhook": channel.webhook_url_masked,
    }


@transaction.atomic
def chat_channel_create(
    *,
    actor: User,
    team: Team,
    kind: str,
    name: str,
    webhook_url: str,
    language: str = ChatLanguage.FI,
    post_awards: bool = True,
    post_drawings: bool = True,
    post_movers: bool = True,
    active: bool = True,
) -> ChatChannel:
    """HR connects a team's Teams or Slack channel."""
    _hr(actor)
    data = _validated(
        {
            "kind": kind,
            "name": name,
            "language": language,
            "post_awards": bool(post_awards),
            "post_drawings": bool(post_drawings),
            "post_movers": bool(post_movers),
            "active": bool(active),
        }
    )
    url = _url_checked(webhook_url)
    channel = ChatChannel.objects.create(team=team, webhook_url=url, **data)
    audit_record(
        actor=actor,
        action=AuditAction.CHAT_CHANNEL_CREATED,
        subject=channel,
        details=_details(channel),
    )
    return channel


@transaction.atomic
def chat_channel_update(
    *, actor: User, channel: ChatChannel, webhook_url: str | None = None, **changes: Any
) -> ChatChannel:
    """HR changes a channel; `webhook_url` None or empty keeps the saved one (it is never shown)."""
    _hr(actor)
    unknown = set(changes) - set(CHANNEL_FIELDS) - {"team"}
    if unknown:
        raise InvalidInputError(fields={name: [_("Unknown field.")] for name in sorted(unknown)})
    locked = ChatChannel.objects.select_for_update().select_related("team").get(pk=channel.pk)
    before = _details(locked)
    data = _validated({**{n: getattr(locked, n) for n in CHANNEL_FIELDS}, **changes})
    for name, value in data.items():
        setattr(locked, name, value)
    if "team" in changes:
        locked.team = changes["team"]
    fields = [*CHANNEL_FIELDS, "team"]
    if webhook_url:
        locked.webhook_url = _url_checked(webhook_url)
        # A new URL starts with a clean slate: the old one's failures are not its own.
        locked.consecutive_failures = 0
        locked.failing_since = None
        locked.last_error = ""
        fields += ["webhook_url", "consecutive_failures", "failing_since", "last_error"]
    locked.save(update_fields=fields)
    after = _details(locked)
    changed = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if webhook_url and "webhook" not in changed:
        changed["webhook"] = [before["webhook"], after["webhook"]]  # same mask, new secret
    audit_record(
        actor=actor,
        action=AuditAction.CHAT_CHANNEL_CHANGED,
        subject=locked,
        details={"changes": changed},
    )
    return locked


@transaction.atomic
def chat_channel_delete(*, actor: User, channel: ChatChannel) -> None:
    """HR disconnects a channel (its delivery log goes with it)."""
    _hr(actor)
    locked = ChatChannel.objects.select_for_update().select_related("team").filter(pk=channel.pk)
    found = locked.first()
    if found is None:
        raise NotFoundError()
    audit_record(
        actor=actor,
        action=AuditAction.CHAT_CHANNEL_DELETED,
        subject=found,
        details=_details(found),
    )
    found.delete()


@transaction.atomic
def chat_channel_test(*, actor: User, channel: ChatChannel) -> ChatDelivery:
    """HR's "send test post": one post to this channel only, after commit, through Celery."""
    _hr(actor)
    message = ChatMessage(
        title_fi="Pojopörssin testiviesti",
        title_en="Pojopörssi test post",
        text_fi=f"Tämä kanava on yhdistetty tiimiin {channel.team.name}. Lähettäjä: {actor.name}.",
        text_en=f"This channel is connected to team {channel.team.name}. Sent by {actor.name}.",
        link="/",
    )
    delivery = ChatDelivery.objects.create(
        channel=channel,
        event_key=f"{ChatEvent.TEST}:{uuid.uuid4().hex}",
        payload=chat_payload(message, kind=channel.kind, language=channel.language),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHAT_TEST_SENT,
        subject=channel,
        details={"team": channel.team.name, "webhook": channel.webhook_url_masked},
    )
    job_send_on_commit(CHAT_DELIVER_TASK, delivery_id=delivery.pk)
    return delivery


# --- Fan-out: one announced event, one delivery per channel -------------------------------------


def chat_fanout(*, team_ids: list[int] | None, event_key: str, message: dict[str, Any]) -> int:
    """Write a delivery for each active channel that hears this event (once per channel and key)
    and queue its post; returns how many were new. A second run for the same key adds none."""
    kind = event_kind(event_key)
    chat_message = ChatMessage.from_json(message)
    channels = ChatChannel.objects.filter(active=True)
    if team_ids is not None:
        channels = channels.filter(team_id__in=team_ids)
    created = 0
    for channel in channels.order_by("pk"):
        if not channel.hears(kind):
            continue
        try:
            with transaction.atomic():
                delivery = ChatDelivery.objects.create(
                    channel=channel,
                    event_key=event_key,
                    payload=chat_payload(
                        chat_message, kind=channel.kind, language=channel.language
                    ),
                )
                # With its row: the post is queued exactly when the delivery is new.
                job_send_on_commit(CHAT_DELIVER_TASK, delivery_id=delivery.pk)
        except IntegrityError:
            continue  # announced before (a redelivered message): posted, or being posted
        created += 1
    return created


# --- One attempt of a post ----------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """What one attempt came to: `retry_in` seconds until the next try, or None when done."""

    status: str
    retry_in: float | None = None


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _Permanent(Exception):
    pass


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) in seconds; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - (now or timezone.now())).total_seconds())


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Exponential back-off with jitter after `attempts` failed tries (1, 2, ...): base·2^(n-1),
    drawn from its upper half so that many failing posts do not retry in step; at least what
    the service asked for (Retry-After); never more than CHAT_RETRY_MAX_SECONDS."""
    base = float(settings.CHAT_RETRY_BASE_SECONDS)
    delay = base * 2 ** max(0, attempts - 1)
    delay = random.uniform(delay / 2, delay)  # jitter, not a secret
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, float(settings.CHAT_RETRY_MAX_SECONDS))


def _post(url: str, payload: dict[str, Any]) -> None:
    """One POST; returns on 2xx, raises `_Retryable` or `_Permanent` otherwise."""
    problem = webhook_url_problem(url)  # again: DNS may have changed since the URL was saved
    if problem:
        raise _Permanent(problem)
    try:
        response = httpx.post(
            url,
            json=payload,
            timeout=float(settings.CHAT_WEBHOOK_TIMEOUT_SECONDS),
            follow_redirects=False,  # a redirect could lead anywhere, a private address too
            headers={"User-Agent": USER_AGENT},
        )
    except httpx.TransportError as exc:  # connection refused, DNS, timeouts
        raise _Retryable(f"{exc.__class__.__name__}: {exc}") from exc
    if 200 <= response.status_code < 300:
        return
    summary = f"HTTP {response.status_code}: {response.text[:200]}".strip()
    if response.status_code == 429:
        raise _Retryable(summary, retry_after_seconds(response.headers.get("Retry-After")))
    if response.status_code >= 500 or response.status_code == 408:
        raise _Retryable(summary, retry_after_seconds(response.headers.get("Retry-After")))
    raise _Permanent(summary)


def _channel_ok(channel_id: int, now: datetime) -> None:
    ChatChannel.objects.filter(pk=channel_id).update(
        last_success_at=now, consecutive_failures=0, failing_since=None, last_error=""
    )


def _channel_failed(channel_id: int, error: str, now: datetime) -> None:
    ChatChannel.objects.filter(pk=channel_id, failing_since__isnull=True).update(failing_since=now)
    ChatChannel.objects.filter(pk=channel_id).update(
        last_error=error[:300],
        last_error_at=now,
        consecutive_failures=F("consecutive_failures") + 1,
    )


def chat_delivery_attempt(*, delivery_id: int) -> Attempt:
    """Try to post a delivery once. The row stays locked during the POST (a few seconds at most):
    a second copy of the message waits, then finds it sent and posts nothing."""
    with transaction.atomic():
        delivery = (
            ChatDelivery.objects.select_for_update(of=("self",))
            .select_related("channel")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return Attempt(status="gone")  # the channel was deleted meanwhile
        if delivery.status in (ChatDeliveryStatus.SENT, ChatDeliveryStatus.FAILED):
            return Attempt(status=delivery.status)
        channel = delivery.channel
        if not channel.active:
            return Attempt(status="inactive")  # kept pending: reactivating does not resend
        delivery.attempts += 1
        now = timezone.now()
        try:
            _post(channel.webhook_url, delivery.payload)
        except _Retryable as exc:
            error = str(exc)[:300]
            _channel_failed(channel.pk, error, now)
            delivery.last_error = error
            if delivery.attempts >= settings.CHAT_MAX_ATTEMPTS:
                delivery.status = ChatDeliveryStatus.FAILED
                delivery.save(update_fields=["attempts", "last_error", "status"])
                logger.warning("chat post %s failed for good: %s", delivery.pk, error)
                return Attempt(status=delivery.status)
            delivery.status = ChatDeliveryStatus.RETRYING
            delivery.save(update_fields=["attempts", "last_error", "status"])
            return Attempt(
                status=delivery.status,
                retry_in=backoff_seconds(delivery.attempts, exc.retry_after),
            )
        except _Permanent as exc:
            error = str(exc)[:300]
            _channel_failed(channel.pk, error, now)
            delivery.status = ChatDeliveryStatus.FAILED
            delivery.last_error = error
            delivery.save(update_fields=["attempts", "last_error", "status"])
            logger.warning("chat post %s refused: %s", delivery.pk, error)
            return Attempt(status=delivery.status)
        delivery.status = ChatDeliveryStatus.SENT
        delivery.sent_at = now
        delivery.last_error = ""
        delivery.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        _channel_ok(channel.pk, now)
        return Attempt(status=delivery.status)
