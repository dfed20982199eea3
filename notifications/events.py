"""What the other apps tell notifications: small frozen facts, built by the emitting app from its
own models and handed to `notifications.services.notify_*`.

Notifications reads these and nothing else of the emitter: no model of `ledger` or `rewards`, no
field name of theirs. Names come in both languages because the text is rendered when read, in the
reader's language. `link` is the page the notification points to, reversed by URL name by the
app that owns that page (`reverse("ledger-history")`), so notifications knows no one's URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal


@dataclass(frozen=True, slots=True)
class AwardReceived:
    """A supervisor gave `points` to the recipient. `at` is the award's time (history is no news)."""

    recipient_id: int
    points: int
    giver_name: str
    reason_fi: str
    reason_en: str
    message: str
    at: datetime
    link: str


@dataclass(frozen=True, slots=True)
class ThanksReceived:
    """A colleague thanked the recipient (no points) for a published reason."""

    recipient_id: int
    giver_name: str
    reason_fi: str
    reason_en: str
    message: str
    at: datetime
    link: str


@dataclass(frozen=True, slots=True)
class ThanksAwarded:
    """A supervisor turned the thanker's thanks to `colleague_name` into `points`."""

    recipient_id: int  # the thanker
    points: int
    supervisor_name: str
    colleague_name: str
    at: datetime
    link: str


RedemptionDecision = Literal["approved", "rejected", "fulfilled"]
"""What an approver did to a redemption; the buyer's own cancellation is no decision."""


@dataclass(frozen=True, slots=True)
class RedemptionDecided:
    """An approver decided the recipient's redemption; `reason` is theirs (for a rejection)."""

    recipient_id: int
    redemption_id: int
    decision: RedemptionDecision
    reward_fi: str
    reward_en: str
    reason: str
    at: datetime
    link: str


@dataclass(frozen=True, slots=True)
class DrawingResult:
    """How one bidder (or lottery entrant) fared: won or not, and the points they had put up."""

    recipient_id: int
    won: bool
    amount: int


@dataclass(frozen=True, slots=True)
class DrawingClosed:
    """A drawing closed at `price` (0 if nobody won), with one result per live bid at the close."""

    drawing_id: int
    reward_fi: str
    reward_en: str
    price: int
    link: str
    results: tuple[DrawingResult, ...]


@dataclass(frozen=True, slots=True)
class LeaverReminder:
    """The recipient's last working day is `end_date`, `days` or fewer away (one of HR's reminder
    thresholds), and they have `points` to spend."""

    recipient_id: int
    end_date: date
    days: int
    points: int
    link: str
