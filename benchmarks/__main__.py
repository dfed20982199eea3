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
    from benchmarks import api_load, api_redemptions, awards, history_import
    from rewards.demo import seed_demo

    old = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
    try:
        awards.run()
        seed_demo()
        api_load.run()
        api_redemptions.run()
        history_import.run()
    finally:
        teardown_databases(old, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
