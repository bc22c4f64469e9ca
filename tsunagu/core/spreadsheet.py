"""Cells for CSV and xlsx exports, safe to open in a spreadsheet (数式インジェクション対策).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read as
a formula by Excel or LibreOffice. ``safe_cell`` prefixes such text with an apostrophe, so it is
shown as typed and never evaluated. Numbers, dates and empty cells are left as they are (a
negative amount stays a number). Every export writes its rows through ``safe_row``/``csv_writer``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]


class _SafeWriter:
    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str]) -> _SafeWriter:
    """A ``csv.writer`` (CRLF line ends) whose every cell goes through ``safe_cell``."""
    return _SafeWriter(out)
