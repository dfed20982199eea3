"""Rebuild every ℓ from the redemption log and the parameter versions; compare with what is stored."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pricing.replay import pricing_replay


class Command(BaseCommand):
    help = (
        "Replay every pricing tick from the redemption log and the parameter versions. "
        "Exits non-zero and lists the differences if any stored ℓ or price disagrees."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = pricing_replay()
        summary = (
            f"{report.ticks} ticks, {report.lines} tick lines and {report.rewards} rewards replayed"
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"{summary}: every ℓ and price agrees."))
            return
        for line in report.differences:
            self.stdout.write(line)
        if report.more:
            self.stdout.write(f"... and {report.more} more differences")
        raise CommandError(f"{summary}: {len(report.differences) + report.more} difference(s).")
