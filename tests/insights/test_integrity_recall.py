"""Recall and false alarms of the integrity scan on synthetic histories with planted cases,
imported through the real history import (as HR would bring in a past) and scanned on PostgreSQL.

Recall = planted cases found / planted; false-alarm rate = flags matching no planted case of their
kind / flags (`tests/insights/synthetic/integrity.py`). `python -m benchmarks integrity` prints the
same table over more seeds."""

from __future__ import annotations

import pytest

from insights.importing import history_import
from insights.importing.formatting import history_csv
from insights.integrity.services import integrity_scan
from insights.models import IntegrityFlag

from .synthetic.integrity import Flagged, evaluate, integrity_history, score_table

pytestmark = pytest.mark.django_db


def flagged() -> list[Flagged]:
    return [
        Flagged(flag.kind, frozenset(p.username.lower() for p in flag.people.all()))
        for flag in IntegrityFlag.objects.prefetch_related("people")
    ]


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_planted_cases_are_found_with_few_false_alarms(postgres, seed):
    rows, planted = integrity_history(seed=seed, teams=20, days=240)
    report = history_import(data=history_csv(rows))
    assert report["ok"] and report["imported"] == len(rows)

    result = integrity_scan()
    assert result is not None

    scores = evaluate(flagged(), planted)
    print(f"\nseed {seed}: {len(rows)} rows\n{score_table(scores)}")
    assert scores["all"].recall >= 0.9
    assert scores["all"].false_alarm_rate <= 0.1
    for kind in ("reciprocal", "circular", "supervisor_outlier", "burst", "repeated_message"):
        assert scores[kind].recall >= 0.5, kind
