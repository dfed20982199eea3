"""Teams and Slack posts: what the other apps announce (`chat_announce`) and how a post looks in
each service (an Adaptive Card for a Teams workflow webhook, Block Kit for a Slack incoming
webhook).

The emitting app builds a `ChatMessage` with both languages and calls `chat_announce` inside its
own transaction; after the commit one Celery job (`notifications.tasks.chat_fanout`) writes one
`ChatDelivery` per channel that hears the event and queues the posts
(`notifications.tasks.chat_deliver`). The emitter's transaction writes nothing for it and never
waits on a webhook: a broker that is down sends the job to the outbox (`core.jobs`).

An event key starts with its kind (`ChatEvent`: `award:42`, `drawing:7:opened`,
`movers:2026-12-07`); a channel posts each key once, however often it is announced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import formats, timezone, translation

from core.jobs import job_send_on_commit

from .models import ChatChannel, ChatEvent, ChatKind
from .services import notifications_are_muted

CHAT_FANOUT_TASK = "notifications.tasks.chat_fanout"


@dataclass(frozen=True, slots=True)
class ChatFact:
    """One label/value line of a post, in both languages (a value the same in both: give one)."""

    label_fi: str
    label_en: str
    value_fi: str
    value_en: str = ""


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A post in both languages; each channel renders it in its own. `link` is a path on this
    site (`/market/`) or an absolute URL; a path is made absolute with `SITE_URL`."""

    title_fi: str
    title_en: str
    text_fi: str = ""
    text_en: str = ""
    facts: tuple[ChatFact, ...] = field(default_factory=tuple)
    link: str = ""
    link_label_fi: str = "Avaa Pojopörssissä"
    link_label_en: str = "Open in Pojopörssi"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChatMessage:
        facts = tuple(ChatFact(**fact) for fact in data.get("facts", ()))
        return cls(**{**data, "facts": facts})


def chat_when(moment: datetime) -> tuple[str, str]:
    """A moment as local date and time, in Finnish and in English (for a `ChatFact`)."""
    local = timezone.localtime(moment)
    texts = []
    for language in ("fi", "en"):
        with translation.override(language):
            texts.append(formats.date_format(local, "SHORT_DATETIME_FORMAT"))
    return texts[0], texts[1]


def event_kind(event_key: str) -> ChatEvent:
    """The kind an event key starts with; a key of no known kind is a programming error."""
    prefix = event_key.split(":", 1)[0]
    if prefix not in ChatEvent.values or len(event_key) > 120:
        raise ValueError(f"chat event key {event_key!r} must start with one of {ChatEvent.values}")
    return ChatEvent(prefix)


def chat_announce(
    *,
    team_ids: Iterable[int] | None,
    event_key: str,
    message: ChatMessage,
    heard: bool | None = None,
) -> None:
    """Post `message` to the channels of `team_ids` (None: every team's) that hear this kind of
    event, once per channel and `event_key`, after the current transaction commits.

    `heard`, for an award: whether a channel of `team_ids` posts awards, if the caller has read
    it already (`award_listeners_sql`); else it is read here.
    Call it inside the emitter's transaction: a rolled-back award announces nothing. It never
    raises for a chat problem (no channel, a webhook down, the broker down)."""
    kind = event_kind(event_key)
    if notifications_are_muted():
        return
    if kind == ChatEvent.AWARD and team_ids is not None:
        if heard is None:
            heard = _award_listeners(team_ids)
        if not heard:
            return  # no channel hears this team's awards: no job per award (issue 11's hot path)
    job_send_on_commit(
        CHAT_FANOUT_TASK,
        team_ids=sorted(set(team_ids)) if team_ids is not None else None,
        event_key=event_key,
        message=message.to_json(),
    )


def _award_listeners(team_ids: Iterable[int]) -> bool:
    """Whether an active channel of one of `team_ids` posts awards (one indexed read, cheaper than
    the Celery message it saves on installs and teams without chat)."""
    teams = sorted(set(team_ids))
    if not teams:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {award_listeners_sql(', '.join(['%s'] * len(teams)))}",
            teams,
        )
        return bool(cursor.fetchone()[0])


def award_listeners_sql(team_ids: str) -> str:
    """SQL that is true when an active channel of the teams `team_ids` (an SQL list or column)
    posts awards: what `_award_listeners` asks, for a caller that folds it into its own read
    (the award's recipient lookup) and passes the answer to `chat_announce` as `heard`."""
    table = connection.ops.quote_name(ChatChannel._meta.db_table)
    return (
        f"EXISTS (SELECT 1 FROM {table} WHERE active AND post_awards "  # noqa: S608
        f"AND team_id IN ({team_ids}))"
    )


# --- Rendering ----------------------------------------------------------------------------------

SLACK_HEADER_MAX = 150  # Block Kit: a header's plain_text
SLACK_SECTION_MAX = 3000  # a section's text
SLACK_FIELD_MAX = 2000  # each of a section's fields
SLACK_FIELDS_MAX = 10  # fields per section


def _pick(message: ChatMessage, language: str) -> dict[str, Any]:
    english = language == "en"
    link = message.link
    if link.startswith("/"):
        link = settings.SITE_URL + link
    return {
        "title": message.title_en if english else message.title_fi,
        "text": message.text_en if english else message.text_fi,
        "facts": [
            (
                fact.label_en if english else fact.label_fi,
                (fact.value_en or fact.value_fi) if english else fact.value_fi,
            )
            for fact in message.facts
        ],
        "link": link,
        "link_label": message.link_label_en if english else message.link_label_fi,
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_escape(text: str) -> str:
    """Slack's mrkdwn control characters (`<!channel>`, `<url|label>`) as plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(message: ChatMessage, *, language: str) -> dict[str, Any]:
    """An incoming webhook's body: `text` (the notification's fallback) and Block Kit `blocks`."""
    m = _pick(message, language)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": _cut(m["title"], SLACK_HEADER_MAX),
                "emoji": True,
            },
        }
    ]
    if m["text"]:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _cut(slack_escape(m["text"]), SLACK_SECTION_MAX),
                },
            }
        )
    facts = m["facts"]
    for start in range(0, len(facts), SLACK_FIELDS_MAX):
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {
                        "type": "mrkdwn",
                        "text": _cut(
                            f"*{slack_escape(label)}*\n{slack_escape(value)}", SLACK_FIELD_MAX
                        ),
                    }
                    for label, value in facts[start : start + SLACK_FIELDS_MAX]
                ],
            }
        )
    if m["link"]:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": _cut(m["link_label"], 75)},
                        "url": m["link"],
                    }
                ],
            }
        )
    fallback = m["title"] + (f": {m['text']}" if m["text"] else "")
    return {"text": _cut(slack_escape(fallback), SLACK_SECTION_MAX), "blocks": blocks}


ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ADAPTIVE_CARD_VERSION = "1.4"  # what Teams renders everywhere (desktop, web, mobile)
ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def teams_payload(message: ChatMessage, *, language: str) -> dict[str, Any]:
    """A Teams workflow webhook's body ("When a Teams webhook request is received"): a message
    with one Adaptive Card attachment. Text blocks are plain (`wrap`), not markdown, where
    people wrote them."""
    m = _pick(message, language)
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": m["title"],
            "size": "Medium",
            "weight": "Bolder",
            "wrap": True,
        }
    ]
    if m["text"]:
        body.append({"type": "TextBlock", "text": m["text"], "wrap": True})
    if m["facts"]:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in m["facts"]],
            }
        )
    card: dict[str, Any] = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if m["link"]:
        card["actions"] = [{"type": "Action.OpenUrl", "title": m["link_label"], "url": m["link"]}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "contentUrl": None, "content": card}
        ],
    }


def chat_payload(message: ChatMessage, *, kind: str, language: str) -> dict[str, Any]:
    if kind == ChatKind.SLACK:
        return slack_payload(message, language=language)
    return teams_payload(message, language=language)
