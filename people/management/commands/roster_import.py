"""`manage.py roster_import FILE.csv [--apply] [--full]`: the roster sync of HR's page, from a
shell. Without --apply it prints what the file would change and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from people.errors import RosterFileError, RosterInvalidError, RosterPreviewStaleError
from people.models import RosterImportMode
from people.roster.formatting import plan_text
from people.roster.services import roster_check, roster_import_apply, roster_preview_create


class Command(BaseCommand):
    help = "Preview (and with --apply, apply) a roster CSV from the HR system."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="UTF-8 CSV with a header row")
        parser.add_argument("--apply", action="store_true", help="apply it (else preview only)")
        parser.add_argument(
            "--full",
            action="store_true",
            help="the file is everyone: people with an employee id not in it are leaving today",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        mode = RosterImportMode.FULL if options["full"] else RosterImportMode.PARTIAL
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            if options["apply"]:
                roster_import = roster_preview_create(data=data, mode=mode, filename=path.name)
                roster_import = roster_import_apply(roster_import=roster_import)
                plan = roster_import.plan
            else:
                plan = roster_check(data=data, mode=mode).plan
        except RosterFileError as exc:
            raise CommandError(exc.message) from exc
        except (RosterInvalidError, RosterPreviewStaleError) as exc:
            for error in exc.extra.get("rows", []):
                self.stderr.write(
                    f"line {error['row']}, {error['column'] or '(row)'}: {error['message']} "
                    f"[{error['code']}]"
                )
            raise CommandError(f"{path}: {exc.message}") from exc
        for line in plan_text(plan):
            self.stdout.write(line)
        self.stdout.write("applied" if options["apply"] else "preview only: nothing was changed")
