"""Every CSV the project writes goes through here, so that no cell runs as a spreadsheet formula.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and
LibreOffice (CSV injection): a team called `=HYPERLINK(...)` would run on HR's machine when HR
opens the export. Such a text cell gets a leading `'` (OWASP's advice), which the spreadsheet
shows as text.

Numbers stay numbers: a value that is an `int`, `float` or `Decimal` is written as it is, a
negative one included, so numeric columns still sum. A text cell that is exactly a plain number
(`-12`, `+3.5`, `-7 %`) is left alone as well: a spreadsheet reads it as that number, and a
number cannot carry a formula.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?: ?%)?")


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


def csv_cell(value: Any) -> Any:
    """`value` made safe for a spreadsheet: text that would start a formula gets a leading `'`."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_row(row: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in row]


class SafeCsvWriter:
    """`csv.writer` whose every cell goes through `csv_cell`."""

    def __init__(self, out: _Writable, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(csv_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeCsvDictWriter:
    """`csv.DictWriter` whose every cell goes through `csv_cell` (the header too)."""

    def __init__(self, out: _Writable, fieldnames: Sequence[str], **kwargs: Any) -> None:
        self.fieldnames = list(fieldnames)
        self._writer = csv.DictWriter(out, fieldnames=self.fieldnames, **kwargs)

    def writeheader(self) -> Any:
        return self._writer.writerow({name: csv_cell(name) for name in self.fieldnames})

    def writerow(self, row: Mapping[str, Any]) -> Any:
        return self._writer.writerow({key: csv_cell(value) for key, value in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)
