"""Rows written in the import's CSV format: the sample file HR downloads from the import page.

Not an export of stored data, so not through `core.csv_export`: it writes the importer's own
input format (the sample's rows are constants; tests and benchmarks feed its output back to the
importer), and a `'` added to a cell would change what the importer reads."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from .parsing import COLUMNS


def history_csv(rows: Iterable[Mapping[str, str]]) -> bytes:
    """The rows (dicts keyed by the CSV's columns) as the import's UTF-8 CSV, header first."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
