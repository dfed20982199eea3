import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ledger.demo import DEMO_PASSWORD
from pricing.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Create a believable demo contact centre with a year of awards, redemptions and daily "
        "repricing "
        "(idempotent: a second run changes nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even outside development (DJANGO_ENV=development); it creates a superuser "
            "whose password is published in the README.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEVELOPMENT and not options["force"]:
            raise CommandError(
                "seed_demo creates people, a superuser among them, whose password "
                f"({DEMO_PASSWORD}) is published: it runs only with DJANGO_ENV=development. "
                "To seed this installation anyway (a staging copy), add --force."
            )
        started = time.monotonic()
        result = seed_demo()
        took = time.monotonic() - started
        if result.created:
            states = ", ".join(f"{n} {state}" for state, n in result.states.items())
            personas = ", ".join(f"{n} {name}" for name, n in result.personas.items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data created in {took:.1f} s: {result.awards} awards, "
                    f"{result.rewards} rewards, {result.redemptions} redemptions ({states}); "
                    f"{result.per_agent_per_year} redemptions per agent in the year; "
                    f"agents: {personas}."
                )
            )
        elif result.rewards:
            self.stdout.write(f"Demo people already present; added the {result.rewards} rewards.")
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, name in result.logins:
            self.stdout.write(f"  {username:<8} {role:<16} {name}")
