"""Run the benchmarks, each suite in its own throwaway database on the configured PostgreSQL.

python -m benchmarks            # every suite
python -m benchmarks pricing    # only the named suites
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import django


def _market() -> None:
    from benchmarks import api_load, api_redemptions, awards
    from rewards.demo import seed_demo

    awards.run()
    seed_demo()
    api_load.run()
    api_redemptions.run()


def _pricing() -> None:
    from benchmarks import pricing

    pricing.run()


def _drawings() -> None:
    from benchmarks import drawings

    drawings.run()


def _history_import() -> None:
    from benchmarks import history_import

    history_import.run()


def _insights() -> None:
    from benchmarks import insights

    insights.run()


def _integrity() -> None:
    from benchmarks import integrity

    integrity.run()


def _ceiling() -> None:
    from benchmarks import ceiling

    ceiling.run()


def _ceiling_profile() -> None:
    from benchmarks import ceiling_profile

    ceiling_profile.run()


SUITES: dict[str, Callable[[], None]] = {
    "market": _market,
    "pricing": _pricing,
    "drawings": _drawings,
    "history_import": _history_import,
    "insights": _insights,
    "integrity": _integrity,
    "ceiling": _ceiling,
    "ceiling_profile": _ceiling_profile,
}


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pojoporssi.settings")
    # Production settings (DJANGO_ENV unset), with the key the benchmarks' gunicorn gets too.
    os.environ.setdefault("SECRET_KEY", "bench")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        print(
            "benchmarks need PostgreSQL: set DATABASE_URL (make bench starts one)",
            file=sys.stderr,
        )
        return 2
    chosen = argv or list(SUITES)
    unknown = [name for name in chosen if name not in SUITES]
    if unknown:
        print(f"unknown suite(s) {unknown}; choose from {list(SUITES)}", file=sys.stderr)
        return 2
    for name in chosen:
        old = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
        try:
            SUITES[name]()
        finally:
            teardown_databases(old, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
