"""`manage.py insights_recompute`: recompute HR insights now, in this process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from insights.services import insights_recompute


class Command(BaseCommand):
    help = "Recompute segments, the points economy and fairness (what the nightly job does)."

    def handle(self, *args: Any, **options: Any) -> None:
        run = insights_recompute()
        if run is None:
            self.stdout.write("Another recomputation is running; nothing done.")
            return
        self.stdout.write(
            f"Insights recomputed as of {run.as_of:%Y-%m-%d %H:%M}: {run.people} people, "
            f"{run.duration_ms / 1000:.1f} s."
        )
