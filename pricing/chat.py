"""The daily "market movers" post to every team's Teams and Slack channels."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.chat import ChatFact, ChatMessage, chat_announce

from . import selectors

MOVERS_EACH_WAY = 3


def _fact(mover: selectors.Mover) -> ChatFact:
    reward = mover.reward
    arrow = "▲" if mover.change > 0 else "▼"
    sign = "+" if mover.change > 0 else "−"
    change = f"{abs(mover.change):.1f}"
    return ChatFact(
        reward.name_fi,
        reward.name_en,
        f"{arrow} {sign}{change.replace('.', ',')} % ({mover.before} → {reward.current_price} p)",
        f"{arrow} {sign}{change}% ({mover.before} → {reward.current_price} pts)",
    )


def chat_movers_post(*, day: date | None = None) -> int:
    """Announce today's top risers and fallers since yesterday's close, once per day (the event
    key is the date: a second beat or a redelivery posts nothing twice). Returns how many
    movers were in it; a day without moves is not announced."""
    today = day or timezone.localdate()
    movers = selectors.top_movers(limit=10_000)
    risers = sorted((m for m in movers if m.change > 0), key=lambda m: (-m.change, m.reward.pk))
    fallers = sorted((m for m in movers if m.change < 0), key=lambda m: (m.change, m.reward.pk))
    picked = risers[:MOVERS_EACH_WAY] + fallers[:MOVERS_EACH_WAY]
    if not picked:
        return 0
    with transaction.atomic():
        chat_announce(
            team_ids=None,
            event_key=f"movers:{today.isoformat()}",
            message=ChatMessage(
                title_fi=f"📈 Markkinoiden liikkujat {today.day}.{today.month}.{today.year}",
                title_en=f"📈 Market movers {today.isoformat()}",
                text_fi="Suurimmat hinnanmuutokset eilisestä.",
                text_en="The biggest price changes since yesterday.",
                facts=tuple(_fact(m) for m in picked),
                link=reverse("market"),
            ),
        )
    return len(picked)
