"""Rows written in the import's CSV format: the sample file HR downloads from the import page."""

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
