"""`manage.py integrity_scan`: scan the awards for integrity signals now, in this process."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand

from insights.integrity.services import integrity_scan
from insights.models import IntegrityFlag, IntegrityStatus


class Command(BaseCommand):
    help = "Scan the awards for integrity signals (what the nightly job does) and list open flags."

    def handle(self, *args: Any, **options: Any) -> None:
        result = integrity_scan()
        if result is None:
            self.stdout.write("Another scan is running; nothing done.")
            return
        self.stdout.write(
            f"{result.found} findings: {result.created} new flags, {result.refreshed} refreshed, "
            f"{result.kept_closed} reviewed before with no new evidence."
        )
        open_flags = Counter(
            IntegrityFlag.objects.filter(status=IntegrityStatus.OPEN).values_list("kind", flat=True)
        )
        for kind, count in sorted(open_flags.items()):
            self.stdout.write(f"  open {kind}: {count}")
