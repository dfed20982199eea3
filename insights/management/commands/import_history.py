"""`manage.py import_history FILE.csv`: the same import as HR's upload page, from a shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.importing import ImportFileError, ImportRejectedError, history_import


class Command(BaseCommand):
    help = "Import awards and redemptions from the old system's CSV (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="UTF-8 CSV with a header row")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            report = history_import(data=data)
        except ImportFileError as exc:
            raise CommandError(exc.message) from exc
        except ImportRejectedError as exc:
            self._print(exc.report, as_json=options["json"])
            raise CommandError(
                f"{path}: {len(exc.report['errors']) + exc.report['errors_omitted']} errors; "
                "nothing was imported"
            ) from exc
        self._print(report, as_json=options["json"])

    def _print(self, report: dict[str, Any], *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        created = report["created"]
        self.stdout.write(
            f"rows {report['rows']}, imported {report['imported']}, skipped {report['skipped']}; "
            f"created {created['people']} people, {created['teams']} teams, "
            f"{created['rewards']} rewards"
        )
        for error in report["errors"]:
            self.stderr.write(
                f"line {error['row']}, {error['column'] or '(row)'}: {error['message']} "
                f"[{error['code']}]"
            )
        if report["errors_omitted"]:
            self.stderr.write(f"... and {report['errors_omitted']} more errors")
