from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ledger.models import Account, Entry, Hold, HoldState, Transaction
from ledger.selectors import ledger_verify


class Command(BaseCommand):
    help = "Check every ledger invariant; exits non-zero with a report if any fails."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = ledger_verify()
        counts = (
            f"{Transaction.objects.count()} transactions, {Entry.objects.count()} entries, "
            f"{Account.objects.count()} accounts, {Hold.objects.count()} holds "
            f"({Hold.objects.filter(state=HoldState.PENDING).count()} pending)"
        )
        if problems:
            for problem in problems:
                self.stderr.write(f"- {problem}")
            raise CommandError(f"ledger_verify: {len(problems)} problem(s) in {counts}")
        self.stdout.write(
            self.style.SUCCESS(f"ledger_verify: OK ({counts}); every invariant holds")
        )
