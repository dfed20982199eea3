"""Run every benchmark against a throwaway database on the configured server (PostgreSQL)."""

from __future__ import annotations

import os
import sys

import django


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pojoporssi.settings")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        print(
            "benchmarks need PostgreSQL: set DATABASE_URL (scripts/bench.sh starts one)",
            file=sys.stderr,
        )
        return 2
    from benchmarks import api_load, api_redemptions, awards
    from benchmarks import insights as insights_bench
    from rewards.demo import seed_demo

    # `python -m benchmarks insights` runs one benchmark; no argument runs them all.
    only = set(sys.argv[1:])
    old = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
    try:
        if not only or "awards" in only:
            awards.run()
        if not only or only & {"api_load", "api_redemptions"}:
            seed_demo()
        if not only or "api_load" in only:
            api_load.run()
        if not only or "api_redemptions" in only:
            api_redemptions.run()
        if not only or "insights" in only:
            insights_bench.run()
    finally:
        teardown_databases(old, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
