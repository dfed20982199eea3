"""History import on PostgreSQL: 100,000 rows (the issue's bar: under a minute), then the issue's
5,000 employees and two years of history (about a million ledger entries), a re-import of it
(imports nothing), and ledger_verify over the result.

Run with the other benchmarks (`python -m benchmarks`) or alone:
`python -m benchmarks.history_import [--small]` (its own throwaway database).
"""

from __future__ import annotations

import os
import sys
import time

SMALL_EMPLOYEES = 945  # about 100,000 rows over two years
FULL_EMPLOYEES = 5_000


def _one(label: str, *, employees: int, prefix: str, seed: int) -> None:
    from django.db import connection, transaction

    from insights.importing import history_import
    from insights.importing.formatting import history_csv
    from insights.importing.parsing import parse
    from ledger.models import Entry
    from tests.insights.synthetic.history import synthetic_history

    started = time.perf_counter()
    rows = synthetic_history(employees=employees, days=730, seed=seed, prefix=prefix)
    data = history_csv(rows)
    generated = time.perf_counter() - started
    redemptions = sum(1 for row in rows if row["event"] == "redemption")
    print(
        f"{label}: {len(rows):,} rows ({redemptions:,} redemptions), {employees:,} employees, "
        f"{len(data) / 1e6:.1f} MB CSV, generated in {generated:.1f} s"
    )
    entries_before = Entry.objects.count()
    started = time.perf_counter()
    parse(data)
    parsing = time.perf_counter() - started
    started = time.perf_counter()
    # An outer transaction only to time the commit (the deferred ledger triggers) apart.
    with transaction.atomic():
        report = history_import(data=data)
        inside = time.perf_counter() - started
    took = time.perf_counter() - started
    entries = Entry.objects.count() - entries_before
    assert report["ok"] and report["imported"] == len(rows), report
    print(
        f"  import          {took:8.1f} s  {len(rows) / took:>9,.0f} rows/s  "
        f"{entries:,} ledger entries written; created {report['created']}\n"
        f"    of which: parsing and row checks ~{parsing:.1f} s, checks against the ledger and "
        f"bulk writes ~{inside - parsing:.1f} s, commit (deferred triggers) {took - inside:.1f} s"
    )
    started = time.perf_counter()
    again = history_import(data=data)
    took = time.perf_counter() - started
    assert again["imported"] == 0 and again["skipped"] == len(rows), again
    print(f"  re-import       {took:8.1f} s  (imported 0, skipped {again['skipped']:,})")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def run(*, small_only: bool = False) -> None:
    from ledger.models import Entry
    from ledger.selectors import ledger_verify

    _one("history import, ~100k rows", employees=SMALL_EMPLOYEES, prefix="hs", seed=1)
    if not small_only:
        _one("history import, 5,000 employees × 2 years", employees=FULL_EMPLOYEES, prefix="hf",
             seed=2)  # fmt: skip
    started = time.perf_counter()
    problems = ledger_verify()
    took = time.perf_counter() - started
    print(
        f"  ledger_verify   {took:8.1f} s  over {Entry.objects.count():,} entries: "
        f"{'clean' if not problems else problems[:3]}"
    )


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pojoporssi.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        print("benchmarks need PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 2
    old = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
    try:
        run(small_only="--small" in sys.argv)
    finally:
        teardown_databases(old, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
