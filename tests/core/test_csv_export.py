"""CSV exports escape cells that a spreadsheet would run as a formula (CSV injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from core.csv_export import SafeCsvDictWriter, SafeCsvWriter, csv_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Aino Virtanen", "Aino Virtanen"),
        ("a=b", "a=b"),
        ("", ""),
        # plain numbers written as text stay numbers: they cannot carry a formula
        ("-12", "-12"),
        ("+3.5", "+3.5"),
        ("-7 %", "-7 %"),
        # numbers stay numeric, negative ones included
        (-40, -40),
        (2.5, 2.5),
        (Decimal("-1.5"), Decimal("-1.5")),
        (None, None),
    ],
)
def test_csv_cell(value, written):
    assert csv_cell(value) == written


def test_the_writers_escape_every_cell():
    out = io.StringIO()
    SafeCsvWriter(out).writerows([["=1+1", -5, "ok"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'=1+1", "-5", "ok"]]
    out = io.StringIO()
    writer = SafeCsvDictWriter(out, fieldnames=["a", "b"], lineterminator="\n")
    writer.writeheader()
    writer.writerow({"a": "@x", "b": 3})
    assert out.getvalue() == "a,b\n'@x,3\n"
