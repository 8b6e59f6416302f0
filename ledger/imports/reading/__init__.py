"""Safe reading of an uploaded spreadsheet: .xlsx, .ods, .xls or .csv bytes -> the sheet
to import, its header row and its numbered rows, or a refusal that says why.

Hostile files are refused before any parser sees them, quickly and in bounded memory:
size over IMPORT_MAX_BYTES, a content that is not what the name says (magic bytes are
sniffed whatever the extension), macros, passwords, zip bombs, XML entities, formula
cells (found in the file, never evaluated), and sheets whose values lie so far from A1
that the parser's grid would not fit in memory. Then the sheet to read is chosen (never
a hidden one), the header row found below any title rows, and the notes say what was
read (sheet, header row, encoding, rows hidden by a filter).
"""

import codecs
import io
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from ledger.imports.columns import KIND_COLUMNS, normalized
from ledger.imports.problems import (
    BLANK_ROWS,
    FILE_ALL_HIDDEN,
    FILE_DAMAGED,
    FILE_EMPTY,
    FILE_MACROS,
    FILE_NO_HEADER,
    FILE_NOT_WHAT_IT_SAYS,
    FILE_OLD_EXCEL,
    FILE_PASSWORD,
    FILE_TOO_FAR,
    FILE_TOO_LARGE,
    FILE_TOO_MANY_ROWS,
    FILE_UNKNOWN_TYPE,
    HEADER_BELOW,
    HIDDEN_ROWS,
    HIDDEN_SHEETS,
    OTHER_SHEETS,
    READ_CSV,
    READ_SHEET,
    count_text,
    file_kind,
    rows_text,
    shown,
    size_text,
)
from ledger.imports.reading import ods, text, xls, xlsx
from ledger.imports.reading.base import (
    HEADER_SEARCH_ROWS,
    MAX_CELLS,
    MAX_FORMULAS,
    Extent,
    FileRefused,
    Formula,
    Sheet,
    max_bytes,
    max_rows,
)
from ledger.imports.reading.xlsx import Scan, SheetEntry, _XmlScan

__all__ = [
    "MAX_FORMULAS",
    "FileRefused",
    "Formula",
    "Sheet",
    "_XmlScan",
    "max_bytes",
    "max_rows",
    "read_sheet",
]

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream that holds an Office document encrypted with a password (in an OLE2 file).
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam", ".xlsb", ".ots")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
# Sheet names that say what they hold, by kind (compared accents, case and spaces aside).
SHEET_NAMES = {
    "journal": (
        "journal",
        "journaux",
        "journal entries",
        "entries",
        "ecritures",
        "ecritures comptables",
        "saisie",
    ),
    "accounts": ("accounts", "chart of accounts", "comptes", "plan comptable", "plan de comptes"),
    "rates": ("rates", "exchange rates", "taux", "taux de change", "taux de chancellerie"),
    "budget": ("budget", "budgets", "budget lines", "lignes budgetaires"),
}


def read_sheet(file_name: str, data: bytes, kind: str | None = None) -> Sheet:
    """The sheet of `kind` (journal, accounts, rates, budget) in an .xlsx, .ods or .xls
    workbook, or a .csv file; FileRefused if hostile or unreadable."""
    limit = max_bytes()
    if len(data) > limit:
        raise FileRefused(FILE_TOO_LARGE.format(size=size_text(len(data)), limit=size_text(limit)))
    if not data.strip():
        raise FileRefused(str(FILE_EMPTY))
    suffix = PurePosixPath(file_name.replace("\\", "/")).suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise FileRefused(FILE_MACROS.format(name=file_name))
    content = _content_kind(data)
    if suffix in (".xlsx", ".ods"):
        expected = suffix[1:]
        if content == "an Office file of the old format":
            if ENCRYPTED_PACKAGE in data:
                raise FileRefused(FILE_PASSWORD.format(name=file_name))
            if expected == "xlsx":
                raise FileRefused(FILE_OLD_EXCEL.format(name=file_name))
        if content != "a zip archive":
            raise _not_what_it_says(file_name, xlsx.EXPECTED[expected], content)
        return _workbook(file_name, data, kind, expected)
    if suffix == ".xls":
        if content != "an Office file of the old format":
            raise _not_what_it_says(file_name, "an .xls workbook", content)
        if ENCRYPTED_PACKAGE in data:
            raise FileRefused(FILE_PASSWORD.format(name=file_name))
        return _workbook(file_name, data, kind, "xls")
    if suffix in TEXT_SUFFIXES:
        if content not in ("text", "UTF-16 text"):
            raise _not_what_it_says(file_name, "a .csv file", content)
        sheet, separator, encoding = text.read_text(data)
        sheet = _with_header(sheet, kind)
        sheet.notes.insert(
            0, READ_CSV.format(separator=separator, encoding=encoding, row=sheet.header_row)
        )
        return sheet
    raise FileRefused(FILE_UNKNOWN_TYPE.format(name=file_name))


def _not_what_it_says(file_name: str, expected: str, actual: str) -> FileRefused:
    return FileRefused(
        FILE_NOT_WHAT_IT_SAYS.format(
            name=file_name, expected=file_kind(expected), actual=file_kind(actual)
        )
    )


def _content_kind(data: bytes) -> str:
    head = data[:8]
    if head.startswith(ZIP_MAGIC):
        return "a zip archive"
    if head.startswith(OLE2_MAGIC):
        return "an Office file of the old format"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "an image"
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh")):
        return "a compressed archive"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16 text"
    if b"\x00" in data[:65536]:
        return "binary data"
    return "text"


# -- workbooks ------------------------------------------------------------------------------


def _workbook(file_name: str, data: bytes, kind: str | None, fmt: str) -> Sheet:
    """Check the workbook in its own format, choose the sheet, then let python-calamine
    read it (only once the values are known to lie within bounds)."""
    if fmt == "xlsx":
        archive, parts = xlsx.open_archive(file_name, data, "xlsx")
        sheets, active = xlsx.workbook_sheets(file_name, archive)
        chosen, notes = choose_sheet(sheets, active, kind)
        scan = xlsx.scan_parts(archive, parts, chosen.part)
    else:
        # The .ods and .xls readers parse every sheet when the file is opened: all are checked.
        found = (
            ods.scan_workbook(file_name, data)
            if fmt == "ods"
            else xls.scan_workbook(data, file_name)
        )
        sheets, active = found.sheets, found.active
        for name, each in found.scans.items():
            check_extent(each, name)
        chosen, notes = choose_sheet(sheets, active, kind)
        scan = found.scans.get(chosen.name, Scan())
    check_extent(scan, chosen.name)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_name(chosen.name)
    except CalamineError as error:
        if "password" in str(error).lower() or type(error).__name__ == "PasswordError":
            raise FileRefused(FILE_PASSWORD.format(name=file_name)) from None
        raise FileRefused(FILE_DAMAGED.format(detail=str(error)[:120])) from None
    except Exception as error:  # the Rust reader's other errors (zip, xml) share no base
        if isinstance(error, FileRefused):
            raise
        if "password" in str(error).lower():
            raise FileRefused(FILE_PASSWORD.format(name=file_name)) from None
        raise FileRefused(FILE_DAMAGED.format(detail=str(error)[:120])) from None
    if sheet.height > max_rows() + HEADER_SEARCH_ROWS + 1:
        raise FileRefused(FILE_TOO_MANY_ROWS.format(limit=max_rows()))
    start = sheet.start
    offset = start[1] if start else 0
    result = Sheet(
        0,
        [],
        _numbered(sheet.iter_rows()),
        offset,
        sheet.height,
        scan.formulas,
        scan.more_formulas,
        notes,
    )
    result = _with_header(result, kind)
    result.notes.insert(0, READ_SHEET.format(sheet=shown(chosen.name), row=result.header_row))
    if scan.hidden_count:
        result.notes.append(
            HIDDEN_ROWS.format(count=scan.hidden_count, rows=rows_text(scan.hidden_rows))
        )
    return result


def choose_sheet(
    sheets: list[SheetEntry], active: int, kind: str | None
) -> tuple[SheetEntry, list[str]]:
    """The visible sheet named like the kind, else the active one if visible, else the
    first visible one; hidden sheets are never read, and the notes say so."""
    visible = [sheet for sheet in sheets if not sheet.hidden]
    hidden = [sheet.name for sheet in sheets if sheet.hidden]
    if not visible:
        raise FileRefused(FILE_ALL_HIDDEN.format(names=_names(hidden)))
    wanted = {normalized(name) for name in SHEET_NAMES.get(kind or "", ())}
    named = [sheet for sheet in visible if normalized(sheet.name) in wanted]
    if named:
        chosen = named[0]
    elif 0 <= active < len(sheets) and not sheets[active].hidden:
        chosen = sheets[active]
    else:
        chosen = visible[0]
    notes = []
    others = [sheet.name for sheet in visible if sheet is not chosen]
    if others:
        notes.append(OTHER_SHEETS.format(names=_names(others)))
    if hidden:
        notes.append(HIDDEN_SHEETS.format(names=_names(hidden)))
    return chosen, notes


def _names(names: list[str]) -> str:
    listed = ", ".join(f"'{shown(name, 40)}'" for name in names[:10])
    return listed + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def check_extent(scan: Scan, sheet_name: str) -> None:
    """Refuse a sheet whose values lie so far from A1 that the reader's grid would not
    fit: rows past the limit, or more cells than MAX_CELLS."""
    extent: Extent = scan.extent
    limit = max_rows() + HEADER_SEARCH_ROWS + 1
    rows = max(extent.rows, scan.rows)
    columns = max(extent.columns, 26)
    if extent.rows > limit or rows * columns > MAX_CELLS:
        cell = (
            extent.row_cell if extent.rows > limit or not extent.column_cell else extent.column_cell
        )
        raise FileRefused(
            FILE_TOO_FAR.format(
                cell=cell,
                columns=count_text(columns),
                rows=count_text(rows),
                limit=count_text(MAX_CELLS),
            )
        )


def _numbered(rows: Iterator[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    for number, cells in enumerate(rows, start=1):
        for value in cells:
            if value != "" and value is not None:
                yield number, cells
                break


# -- the header row ---------------------------------------------------------------------------


def _with_header(sheet: Sheet, kind: str | None) -> Sheet:
    """Find the header: the first row naming at least two columns of `kind` among the
    first rows (titles and blank rows above it are skipped, and a note says so); else
    the first row that is not blank."""
    names = (
        {normalized(n) for c in KIND_COLUMNS[kind] for n in (c.name, *c.aliases)}
        if kind in KIND_COLUMNS
        else set()
    )
    rows = sheet.rows
    seen: list[tuple[int, list[Any]]] = []
    header: tuple[int, list[Any]] | None = None
    for number, cells in rows:
        known = sum(1 for value in cells if normalized(_header_text(value)) in names)
        if known >= 2 or not names:
            header = (number, cells)
            break
        seen.append((number, cells))
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    skipped = [number for number, _ in seen]
    if header is None:
        if not seen:
            raise FileRefused(str(FILE_NO_HEADER))
        # No row names the columns: the first one is the header, and its problems say why.
        header, skipped = seen[0], []
        rows = _chain(seen[1:], rows)
    number, cells = header
    sheet.header_row = number
    sheet.headers = [(sheet.offset + i, _header_text(value)) for i, value in enumerate(cells)]
    sheet.rows = rows
    if number > 1:
        sheet.notes.append(
            HEADER_BELOW.format(row=number, skipped=rows_text(skipped) if skipped else BLANK_ROWS)
        )
    return sheet


def _chain(
    ahead: list[tuple[int, list[Any]]], rows: Iterator[tuple[int, list[Any]]]
) -> Iterator[tuple[int, list[Any]]]:
    """The rows read ahead while looking for the header, then the rest."""
    yield from ahead
    yield from rows


def _header_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""
