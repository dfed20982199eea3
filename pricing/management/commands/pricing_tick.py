"""Price every window that has closed, exactly as the beat job does."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from pricing.services import pricing_tick_run
from pricing.windows import versions_all, window_next


class Command(BaseCommand):
    help = "Apply every pricing window that is due now (the same code path as the Celery task)."

    def handle(self, *args: Any, **options: Any) -> None:
        ticks = pricing_tick_run()
        for tick in ticks:
            self.stdout.write(
                f"tick {tick.pk}: {tick.window_start.isoformat()} – {tick.window_end.isoformat()} "
                f"(parameters v{tick.parameters_id}, {tick.rewards_count} rewards, "
                f"{tick.demand_total} demand)"
            )
        window = window_next(versions_all())
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(ticks)} window(s) priced. The next window closes at "
                f"{timezone.localtime(window.end).isoformat()}."
            )
        )
