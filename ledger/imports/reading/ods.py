"""The .ods part of reading (LibreOffice, used across the CNRS): the archive checked as
an .xlsx is, and every table of content.xml scanned before python-calamine opens the
file (it parses every table at once). A row or a cell repeated a million times
(`table:number-rows-repeated`) is how LibreOffice writes a formatted column: repeated
rows without values cost nothing, repeated values count as the rows they make."""

import html
import re
from dataclasses import dataclass, field

from ledger.imports.problems import (
    FILE_NOT_WHAT_IT_SAYS,
    FILE_PASSWORD,
    FILE_TOO_MANY_ROWS,
    FILE_ZIP_BOMB,
    column_letter,
    file_kind,
    size_text,
)
from ledger.imports.reading.base import MAX_FORMULAS, FileRefused, Formula, max_rows
from ledger.imports.reading.xlsx import Scan, SheetEntry, open_archive, scan_parts

MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# content.xml is read whole: LibreOffice writes about 300 bytes a row.
MAX_CONTENT = 150_000_000
TABLE = re.compile(rb"<table:table(?=[\s>])([^>]*)>")
TABLE_END = b"</table:table>"
ROW = re.compile(rb"<table:table-row(?=[\s/>])([^>]*?)(/?)>")
ROW_END = b"</table:table-row>"
CELL = re.compile(rb"<table:(?:covered-)?table-cell\b([^>]*?)(/?)>")
ROWS_REPEATED = re.compile(rb'table:number-rows-repeated="([0-9]{1,9})"')
COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated="([0-9]{1,9})"')
NAME = re.compile(rb'table:name="([^"]*)"')
STYLE = re.compile(rb'table:style-name="([^"]*)"')
FORMULA = re.compile(rb'table:formula="([^"]{0,120})')
TABLE_STYLE = re.compile(rb"<style:style\b([^>]*)>(.*?)</style:style>", re.DOTALL)
ACTIVE = re.compile(rb'<config:config-item config:name="ActiveTable" config:type="string">([^<]*)<')


@dataclass
class WorkbookScan:
    sheets: list[SheetEntry]
    active: int
    scans: dict[str, Scan] = field(default_factory=dict)


def scan_workbook(file_name: str, data: bytes) -> WorkbookScan:
    archive, parts = open_archive(file_name, data, "ods")
    mimetype = archive.read("mimetype").strip() if "mimetype" in archive.NameToInfo else b""
    if mimetype != MIMETYPE:
        raise FileRefused(
            FILE_NOT_WHAT_IT_SAYS.format(
                name=file_name,
                expected=file_kind("an .ods spreadsheet"),
                actual=file_kind("an OpenDocument file of another kind"),
            )
        )
    if "META-INF/manifest.xml" in archive.NameToInfo and (
        b"encryption-data" in archive.read("META-INF/manifest.xml")
    ):
        raise FileRefused(FILE_PASSWORD.format(name=file_name))
    scan_parts(archive, parts, None)  # sizes, DTDs, encodings of every part
    info = archive.getinfo("content.xml")
    if info.file_size > MAX_CONTENT:
        raise FileRefused(
            FILE_ZIP_BOMB.format(size=size_text(info.file_size), limit=size_text(MAX_CONTENT))
        )
    content = archive.read("content.xml")
    hidden_styles = _hidden_table_styles(content)
    sheets: list[SheetEntry] = []
    scans: dict[str, Scan] = {}
    for match in TABLE.finditer(content):
        attributes = match.group(1)
        name_match = NAME.search(attributes)
        name = html.unescape(name_match.group(1).decode("utf-8", "replace")) if name_match else ""
        style = STYLE.search(attributes)
        hidden = bool(style and style.group(1) in hidden_styles)
        end = content.find(TABLE_END, match.end())
        scans[name] = _scan_table(content, match.end(), end if end >= 0 else len(content))
        sheets.append(SheetEntry(name, hidden))
    active = 0
    if "settings.xml" in archive.NameToInfo:
        found = ACTIVE.search(archive.read("settings.xml"))
        if found:
            wanted = html.unescape(found.group(1).decode("utf-8", "replace"))
            active = next((i for i, sheet in enumerate(sheets) if sheet.name == wanted), 0)
    return WorkbookScan(sheets, active, scans)


def _hidden_table_styles(content: bytes) -> set[bytes]:
    start = content.find(b"<office:automatic-styles")
    end = content.find(b"</office:automatic-styles>", start)
    hidden: set[bytes] = set()
    if start < 0 or end < 0:
        return hidden
    for match in TABLE_STYLE.finditer(content, start, end):
        attributes, body = match.groups()
        if b'style:family="table"' in attributes and b'table:display="false"' in body:
            name = re.search(rb'style:name="([^"]*)"', attributes)
            if name:
                hidden.add(name.group(1))
    return hidden


def _scan_table(content: bytes, start: int, end: int) -> Scan:
    scan = Scan()
    limit = max_rows() + 1
    row = 0  # rows before this one
    for match in ROW.finditer(content, start, end):
        attributes, closed = match.groups()
        repeated = ROWS_REPEATED.search(attributes)
        count = int(repeated.group(1)) if repeated else 1
        if closed:
            row += count
            continue
        row_end = content.find(ROW_END, match.end(), end)
        if row_end < 0:
            row_end = end
        cells = content[match.end() : row_end]
        if b"office:value-type" in cells or b"<text:" in cells:
            scan.rows += count
            if scan.rows > limit:
                raise FileRefused(FILE_TOO_MANY_ROWS.format(limit=limit - 1))
            width = _width(cells)
            cell = f"Row {row + count}"
            scan.extent.see_row(row + count, cell)
            scan.extent.see_column(width - 1, cell)
            if b"table:visibility=" in attributes and b'"visible"' not in attributes:
                scan.hidden_count += count
                if len(scan.hidden_rows) < 1000:
                    scan.hidden_rows.append(row + 1)
        if b"table:formula=" in cells:
            _formulas(cells, row + 1, scan)
        row += count
    return scan


def _width(cells: bytes) -> int:
    """Columns up to the last cell that may hold a value (one that does not close itself)."""
    column = last = 0
    for match in CELL.finditer(cells):
        attributes, closed = match.groups()
        repeated = COLUMNS_REPEATED.search(attributes) if b"repeated" in attributes else None
        count = int(repeated.group(1)) if repeated else 1
        column += count
        if not closed:
            last = column
    return last


def _formulas(cells: bytes, row: int, scan: Scan) -> None:
    column = 0
    for match in CELL.finditer(cells):
        attributes = match.group(1)
        repeated = COLUMNS_REPEATED.search(attributes) if b"repeated" in attributes else None
        formula = FORMULA.search(attributes)
        if formula:
            if len(scan.formulas) >= MAX_FORMULAS:
                scan.more_formulas += 1
            else:
                text = html.unescape(formula.group(1).decode("utf-8", "replace"))
                text = text.removeprefix("of:")
                scan.formulas.append(
                    Formula(row=row, column=column, cell=f"{column_letter(column)}{row}", text=text)
                )
        column += int(repeated.group(1)) if repeated else 1
