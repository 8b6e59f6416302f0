"""What every format hands to the planners: a sheet (its header and numbered rows) or a
refusal, and the limits that bound the cost of reading any file."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

DEFAULT_MAX_BYTES = 20_000_000
DEFAULT_MAX_UNCOMPRESSED = 200_000_000
DEFAULT_MAX_ROWS = 500_000
# The most cells a sheet may span from A1 to its furthest value: python-calamine lays a
# sheet out as a dense grid of 32-byte cells (8 million cells: 256 MB at most).
MAX_CELLS = 8_000_000
# A kind of sheet has at most 15 columns; a few hundred more are reported, not read.
MAX_COLUMNS = 16_384
MAX_FORMULAS = 20
# Rows above the header that may hold a title, a date or blank lines.
HEADER_SEARCH_ROWS = 20


class FileRefused(Exception):
    """The file is refused as a whole; the message says why, in the accountant's words."""


@dataclass(frozen=True)
class Formula:
    row: int
    column: int
    cell: str
    text: str


@dataclass
class Sheet:
    """A header and the rows below it. Columns are 0-based indexes (A = 0); a row's cell
    of column `i` is `cells[i - offset]` when present.

    `notes` say what was read (sheet, header row, encoding, hidden rows); `decimal_hint`
    is the decimal mark the file's kind suggests ("," for a semicolon CSV of French
    Excel, "." for a comma CSV), None when the kind says nothing."""

    header_row: int
    headers: list[tuple[int, str]]
    rows: Iterator[tuple[int, list[Any]]]
    offset: int = 0
    row_estimate: int = 0
    formulas: list[Formula] = field(default_factory=list)
    more_formulas: int = 0
    notes: list[str] = field(default_factory=list)
    decimal_hint: str | None = None


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_rows() -> int:
    """The most rows a sheet may hold (setting IMPORT_MAX_ROWS), read at call time."""
    return setting("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def max_bytes() -> int:
    """The largest file accepted (setting IMPORT_MAX_BYTES), read at call time."""
    return setting("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_uncompressed() -> int:
    """The most a workbook may inflate to (setting IMPORT_MAX_UNCOMPRESSED)."""
    return setting("IMPORT_MAX_UNCOMPRESSED", DEFAULT_MAX_UNCOMPRESSED)


def column_index(letters: str) -> int:
    """'A' -> 0, 'AB' -> 27."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


@dataclass
class Extent:
    """The furthest cell holding a value seen by a pre-scan: (row, column) 1-based for
    the row, 0-based for the column, and the cell's name."""

    rows: int = 0
    columns: int = 0
    row_cell: str = ""
    column_cell: str = ""

    def see_row(self, row: int, cell: str) -> None:
        """`cell`: 'Cell XFD1048576', or 'Row 1048576' when the column is not known."""
        if row > self.rows or (row == self.rows and self.row_cell.startswith("Row")):
            self.rows, self.row_cell = row, cell

    def see_column(self, column: int, cell: str) -> None:
        if column + 1 > self.columns:
            self.columns, self.column_cell = column + 1, cell
