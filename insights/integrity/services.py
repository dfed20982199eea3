"""Writes of the integrity signals: the scan that keeps the flags, and HR's review of a flag."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from core.errors import InvalidInputError, PermissionDeniedError
from core.jobs import job_send_on_commit
from ledger.models import Transaction
from ledger.services import transaction_reverse
from people.models import User

from ..analysis.integrity import Finding, Thresholds, integrity_analyse
from ..models import IntegrityFlag, IntegrityStatus
from .errors import FlagReviewedError, UnknownFlagError
from .selectors import integrity_awards, integrity_targets, team_sizes_of_leaders

logger = logging.getLogger(__name__)

_LOCK_KEY = 0x1_5B_0002  # pg advisory lock id: one scan at a time
MAX_NOTE = 2000


@dataclass
class ScanResult:
    found: int = 0
    created: int = 0
    refreshed: int = 0
    kept_closed: int = 0  # reviewed cases found again with no new evidence


def thresholds_current() -> Thresholds:
    return Thresholds.with_overrides(getattr(settings, "INTEGRITY_THRESHOLDS", None))


def fingerprint_of(finding: Finding) -> str:
    return hashlib.sha256(f"{finding.kind}:{finding.key}".encode()).hexdigest()


def _data_end() -> datetime:
    """Now, or the last ledger activity if earlier (an imported history judged as of its end)."""
    now = timezone.now()
    last = Transaction.objects.aggregate(last=Max("created_at"))["last"]
    return min(now, last) if last else now


def _try_lock() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _apply(flag: IntegrityFlag, finding: Finding, now: datetime) -> None:
    flag.score = finding.score
    flag.params = finding.params
    flag.window_start = finding.start
    flag.window_end = finding.end
    flag.refreshed_at = now


@transaction.atomic
def integrity_scan(
    *, as_of: datetime | None = None, thresholds: Thresholds | None = None
) -> ScanResult | None:
    """Run every detector over the awards of the lookback and keep the flags: a new case becomes
    an open flag, an open one is refreshed (never duplicated), and a reviewed one comes back only
    with awards that were not its evidence before. None if another scan is running."""
    if not _try_lock():
        return None
    t = thresholds or thresholds_current()
    # The lookback ends at the last ledger activity (an imported history is judged as of its own
    # end); targets and awards are read up to now, so a drawing that closed after the last
    # posting still counts.
    start = (as_of or _data_end()) - timedelta(days=t.lookback_days)
    end = as_of or timezone.now()
    findings = integrity_analyse(
        rows=integrity_awards(start=start, end=end),
        targets=integrity_targets(start=start, end=end, big_points=t.big_reward_points),
        members=team_sizes_of_leaders(),
        thresholds=t,
        lookback_hours=t.lookback_days * 24.0,
    )
    result = ScanResult(found=len(findings))
    by_fp: dict[str, list[IntegrityFlag]] = {}
    prints = [fingerprint_of(f) for f in findings]
    for flag in IntegrityFlag.objects.filter(fingerprint__in=prints).prefetch_related("awards"):
        by_fp.setdefault(flag.fingerprint, []).append(flag)
    now = timezone.now()
    for finding, fp in zip(findings, prints, strict=True):
        flags = by_fp.get(fp, [])
        open_flag = next((f for f in flags if f.status == IntegrityStatus.OPEN), None)
        if open_flag is not None:
            _apply(open_flag, finding, now)
            open_flag.save(
                update_fields=["score", "params", "window_start", "window_end", "refreshed_at"]
            )
            open_flag.awards.set(finding.awards)
            open_flag.people.set(finding.people)
            result.refreshed += 1
            continue
        reviewed = {a.pk for f in flags for a in f.awards.all()}
        if flags and set(finding.awards) <= reviewed:
            result.kept_closed += 1
            continue
        flag = IntegrityFlag(kind=finding.kind, fingerprint=fp, detected_at=now)
        _apply(flag, finding, now)
        flag.save()
        flag.awards.set(finding.awards)
        flag.people.set(finding.people)
        result.created += 1
    logger.info(
        "integrity scan: %d findings, %d new flags, %d refreshed, %d reviewed before",
        result.found, result.created, result.refreshed, result.kept_closed,
    )  # fmt: skip
    return result


def integrity_scan_request() -> None:
    """Queue a scan after the current transaction commits (by task name: no import cycle)."""
    job_send_on_commit("insights.tasks.integrity_scan")


def _flag_for_review(*, flag_id: int, actor: User) -> IntegrityFlag:
    if not getattr(actor, "is_hr", False):
        raise PermissionDeniedError(_("Only HR reviews integrity flags."))
    flag = IntegrityFlag.objects.select_for_update().filter(pk=flag_id).first()
    if flag is None:
        raise UnknownFlagError()
    if flag.status != IntegrityStatus.OPEN:
        raise FlagReviewedError(extra={"status": flag.status})
    return flag


def _note_clean(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise InvalidInputError(
            _("Write a note: why this is fine, or why the awards are reversed."),
            fields={"note": [_("This field is required.")]},
        )
    if len(note) > MAX_NOTE:
        raise InvalidInputError(fields={"note": [_("At most %(n)d characters.") % {"n": MAX_NOTE}]})
    return note


def _close(flag: IntegrityFlag, *, actor: User, status: str, note: str) -> None:
    flag.status = status
    flag.reviewer = actor
    flag.review_note = note
    flag.reviewed_at = timezone.now()
    flag.save(update_fields=["status", "reviewer", "review_note", "reviewed_at"])


def _audit(flag: IntegrityFlag, *, actor: User, action: str, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject=flag,
        subject_label=f"#{flag.pk} {flag.get_kind_display()}",
        details={"kind": flag.kind, "note": flag.review_note[:500], **details},
    )


@transaction.atomic
def integrity_flag_dismiss(*, flag_id: int, actor: User, note: str) -> IntegrityFlag:
    """HR found nothing wrong: close the flag with a note (required), in the audit trail."""
    note = _note_clean(note)
    flag = _flag_for_review(flag_id=flag_id, actor=actor)
    _close(flag, actor=actor, status=IntegrityStatus.DISMISSED, note=note)
    _audit(flag, actor=actor, action=AuditAction.INTEGRITY_FLAG_DISMISSED)
    return flag


@transaction.atomic
def integrity_flag_reverse(
    *, flag_id: int, actor: User, award_ids: Sequence[int], note: str
) -> IntegrityFlag:
    """Reverse the chosen evidence awards through the ledger's usual reversal, and close the flag.
    All or nothing: any refusal of the ledger (`already_reversed`, `insufficient_points` when the
    points were spent, ...) leaves every award and the flag as they were.

    Lock order: the flag row, then the ledger's accounts (inside `transaction_reverse`)."""
    note = _note_clean(note)
    chosen = sorted({int(pk) for pk in award_ids})
    if not chosen:
        raise InvalidInputError(
            _("Choose at least one award to reverse."),
            fields={"award_ids": [_("Choose at least one award to reverse.")]},
        )
    flag = _flag_for_review(flag_id=flag_id, actor=actor)
    awards = {a.pk: a for a in flag.awards.select_related("transaction").filter(pk__in=chosen)}
    unknown = [pk for pk in chosen if pk not in awards]
    if unknown:
        raise InvalidInputError(
            _("Only the awards this flag names can be reversed here."),
            fields={"award_ids": [_("Not evidence of this flag: %(ids)s") % {"ids": unknown}]},
        )
    reversals = []
    for pk in chosen:
        reversal = transaction_reverse(
            original=awards[pk].transaction,
            actor=actor,
            reason=(_("Integrity flag #%(flag)s: %(note)s") % {"flag": flag.pk, "note": note})[
                :500
            ],
        )
        reversals.append(reversal.pk)
    _close(flag, actor=actor, status=IntegrityStatus.REVERSED, note=note)
    _audit(
        flag,
        actor=actor,
        action=AuditAction.INTEGRITY_FLAG_REVERSED,
        awards=chosen,
        reversals=reversals,
        points=sum(awards[pk].points for pk in chosen),
    )
    return flag
