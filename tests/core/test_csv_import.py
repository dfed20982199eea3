"""`core.csv_import.csv_records`: the row loop the roster and the history import share."""

from __future__ import annotations

import csv
import io

from django.utils import translation

from core.csv_import import cells, csv_records


def records(text: str, width: int = 2):
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = next(reader)
    errors: list = []
    rows = list(csv_records(reader, width=width, errors=errors))
    return header, rows, errors


def test_rows_are_named_by_their_first_line_and_blank_lines_are_not_rows():
    _, rows, errors = records('a,b\n1,"two\nlines"\n\n3,4\n')
    assert rows == [(2, ["1", "two\nlines"]), (5, ["3", "4"])]
    assert errors == []


def test_a_row_wider_than_the_header_is_reported_and_comes_as_none():
    with translation.override("en"):
        _, rows, errors = records("a,b\n1,2,3\n1,2,\n")
    assert rows == [(2, None), (3, ["1", "2", ""])]  # an empty extra value is no extra value
    assert errors == [
        {"row": 2, "column": "", "code": "malformed",
         "message": "More values than the header has columns."}
    ]  # fmt: skip


def test_a_csv_syntax_error_is_reported_and_ends_the_rows():
    _, rows, errors = records('a,b\n1,2\n3,"4"x\n5,6\n')
    assert rows == [(2, ["1", "2"])]
    assert [e["code"] for e in errors] == ["malformed"] and errors[0]["row"] == 3


def test_cells_reads_a_column_by_name_stripped_and_empty_when_missing():
    get = cells({"a": 0, "b": 1}, [" x ", "y"])
    assert (get("a"), get("b"), get("c")) == ("x", "y", "")
    assert cells({"a": 0, "b": 5}, ["x"])("b") == ""
