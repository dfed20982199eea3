from typing import Any

from django.core.management.base import BaseCommand

from ledger.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create a believable demo contact centre (idempotent: a second run changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_demo()
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(f"Demo data created ({result.awards} awards of history).")
            )
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, name in result.logins:
            self.stdout.write(f"  {username:<8} {role:<16} {name}")
