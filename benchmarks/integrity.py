"""Award integrity signals: recall and false alarms on synthetic histories with planted cases
(`tests/insights/synthetic/integrity.py`), each imported through the real history import and
scanned by the production scan, in a transaction rolled back afterwards. Prints the table per kind
and over all seeds, and how long the import and the scan took.

`python -m benchmarks integrity` (SEEDS=n for more or fewer seeds; default 10).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict


def run() -> None:
    from django.db import transaction

    from insights.importing import history_import
    from insights.importing.formatting import history_csv
    from insights.integrity.services import integrity_scan
    from insights.models import IntegrityFlag
    from tests.insights.synthetic.integrity import (
        Flagged,
        Score,
        evaluate,
        integrity_history,
        score_table,
    )

    seeds = int(os.environ.get("SEEDS", "10"))
    total: dict[str, Score] = defaultdict(Score)
    for seed in range(1, seeds + 1):
        rows, planted = integrity_history(seed=seed, teams=20, days=300)
        with transaction.atomic():
            started = time.perf_counter()
            history_import(data=history_csv(rows))
            imported = time.perf_counter()
            integrity_scan()
            scanned = time.perf_counter()
            flags = [
                Flagged(f.kind, frozenset(p.username.lower() for p in f.people.all()))
                for f in IntegrityFlag.objects.prefetch_related("people")
            ]
            transaction.set_rollback(True)
        scores = evaluate(flags, planted)
        for kind, s in scores.items():
            for name in ("planted", "found", "flags", "false_alarms"):
                setattr(total[kind], name, getattr(total[kind], name) + getattr(s, name))
        print(
            f"seed {seed}: {len(rows):,} rows, import {imported - started:.1f} s, "
            f"scan {scanned - imported:.2f} s, recall {scores['all'].recall:.2f}, "
            f"false alarms {scores['all'].false_alarms}/{scores['all'].flags}"
        )
    print(f"\nall {seeds} seeds:\n{score_table(total)}")
