"""The .xls part of reading (Excel 97-2003, BIFF8): the OLE2 container opened with
olefile, then the workbook stream's records walked before python-calamine parses it:
sheet names and visibility, the active sheet, a password (FILEPASS), macros, formula
cells, and the furthest cells holding values (BIFF8 allows 65,536 x 256 cells)."""

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass

import olefile

from ledger.imports.problems import (
    DAMAGED_NO_STREAM,
    FILE_DAMAGED,
    FILE_MACROS,
    FILE_PASSWORD,
    column_letter,
)
from ledger.imports.reading.base import MAX_FORMULAS, FileRefused, Formula
from ledger.imports.reading.ods import WorkbookScan
from ledger.imports.reading.xlsx import Scan, SheetEntry

BOF, EOF, BOUNDSHEET, FILEPASS, WINDOW1 = 0x0809, 0x000A, 0x0085, 0x002F, 0x003D
FORMULA = 0x0006
# Records of a cell holding a value: row and column are their first two 16-bit fields.
VALUE_CELLS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, 0x0205, FORMULA}
MULRK = 0x00BD
ROW_RECORD = 0x0208


@dataclass(frozen=True)
class _Sheet:
    name: str
    hidden: bool
    offset: int
    worksheet: bool


def scan_workbook(data: bytes, file_name: str = "") -> WorkbookScan:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        names = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
        if any(name.startswith(("_VBA_PROJECT", "Macros")) for name in names):
            raise FileRefused(FILE_MACROS.format(name=file_name))
        stream = "Workbook" if ole.exists("Workbook") else "Book"
        if not ole.exists(stream):
            raise FileRefused(FILE_DAMAGED.format(detail=DAMAGED_NO_STREAM))
        book = ole.openstream(stream).read()
    except FileRefused:
        raise
    except Exception as error:  # olefile's errors share no base class
        raise FileRefused(FILE_DAMAGED.format(detail=str(error)[:120])) from None
    sheets, active = _globals(book, file_name)
    scans = {sheet.name: _scan_sheet(book, sheet.offset) for sheet in sheets if sheet.worksheet}
    entries = [SheetEntry(sheet.name, sheet.hidden) for sheet in sheets if sheet.worksheet]
    listed = [sheet.name for sheet in sheets]
    active_name = listed[active] if 0 <= active < len(listed) else ""
    index = next((i for i, entry in enumerate(entries) if entry.name == active_name), 0)
    return WorkbookScan(entries, index, scans)


def _records(book: bytes, start: int) -> Iterator[tuple[int, bytes]]:
    position = start
    size = len(book)
    while position + 4 <= size:
        kind, length = struct.unpack_from("<HH", book, position)
        body = book[position + 4 : position + 4 + length]
        yield kind, body
        position += 4 + length


def _globals(book: bytes, file_name: str) -> tuple[list[_Sheet], int]:
    sheets: list[_Sheet] = []
    active = 0
    for kind, body in _records(book, 0):
        if kind == FILEPASS:
            raise FileRefused(FILE_PASSWORD.format(name=file_name))
        if kind == WINDOW1 and len(body) >= 12:
            active = struct.unpack_from("<H", body, 10)[0]
        elif kind == BOUNDSHEET and len(body) >= 8:
            offset, state, sheet_type, length, high = struct.unpack_from("<IBBBB", body, 0)
            raw = body[8 : 8 + length * (2 if high & 1 else 1)]
            name = raw.decode("utf-16-le" if high & 1 else "latin-1", "replace")
            if sheet_type == 6:  # a Visual Basic module
                raise FileRefused(FILE_MACROS.format(name=file_name))
            sheets.append(_Sheet(name, (state & 3) != 0, offset, sheet_type == 0))
        elif kind == EOF:
            break
    return sheets, active


def _scan_sheet(book: bytes, offset: int) -> Scan:
    scan = Scan()
    rows: set[int] = set()
    for kind, body in _records(book, offset):
        if kind == EOF:
            break
        if kind in VALUE_CELLS and len(body) >= 4:
            row, column = struct.unpack_from("<HH", body, 0)
        elif kind == MULRK and len(body) >= 6:
            row = struct.unpack_from("<H", body, 0)[0]
            column = struct.unpack_from("<H", body, len(body) - 2)[0]
        elif kind == ROW_RECORD and len(body) >= 16:
            # fDyZero (0x20) of the row's flags: a row hidden by hand or by a filter.
            number, flags = struct.unpack_from("<H", body, 0)[0], body[12]
            if flags & 0x20:
                scan.hidden_count += 1
                if len(scan.hidden_rows) < 1000:
                    scan.hidden_rows.append(number + 1)
            continue
        else:
            continue
        cell = f"{column_letter(column)}{row + 1}"
        rows.add(row)
        scan.extent.see_row(row + 1, f"Cell {cell}")
        scan.extent.see_column(column, f"Cell {cell}")
        if kind == FORMULA:
            if len(scan.formulas) < MAX_FORMULAS:
                scan.formulas.append(Formula(row + 1, column, cell, "a formula"))
            else:
                scan.more_formulas += 1
    scan.rows = len(rows)
    return scan
