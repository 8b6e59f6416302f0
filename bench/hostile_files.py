"""Hostile-size files for the import (issue 10, item 5), each just under the project's
limits: at most IMPORT_MAX_BYTES (20 MB) as uploaded, IMPORT_MAX_UNCOMPRESSED (200 MB)
once inflated, so that no size check stops them before the reader has to look inside.

Plain functions returning the file's bytes: no database, no Django, nothing written to
disk. `BUILDERS` names them; `bench/import_hostile.py` measures `import_file` on each and
`tests/imports/test_hostile_sizes.py` checks what `read_sheet` makes of them:

    from bench.hostile_files import BUILDERS
    data = BUILDERS["xlsx-xfd-value"].build()

The workbooks are written part by part into the zip, the big parts streamed block by
block, as Excel and LibreOffice write them (shared strings, styled empty cells, rows
formatted without cells, `table:number-rows-repeated`). Every file that holds journal
rows holds `VALID_ROWS` under `JOURNAL_HEADER`: one balanced entry that books into a lab
with the chart of `tests.books` (6064 and 401, journal ACH, March 2025).
"""

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from ledger.imports.columns import export_columns

# The project's defaults (ledger/imports/reading, config/settings.py), restated so that
# this module needs no Django.
MAX_BYTES = 20_000_000
MAX_UNCOMPRESSED = 200_000_000
MAX_ROWS = 500_000
LAST_ROW = 1_048_576  # the last row of an Excel or LibreOffice sheet
LAST_COLUMN = 16_384  # XFD

# The columns a journal sheet holds, as the templates and exports write them.
JOURNAL_HEADER = export_columns("journal")
Row = list[Any]


def journal_row(entry: str, account: str, label: str, debit: Any, credit: Any) -> Row:
    """One journal row in the order of JOURNAL_HEADER (dates written as ISO text)."""
    no_currency_nor_budget = [None] * 4
    return [
        entry,
        "2025-03-14",
        "ACH",
        account,
        label,
        debit,
        credit,
        *no_currency_nor_budget,
        f"INV-{entry}",
        None,
        None,
    ]


VALID_ROWS: list[Row] = [
    journal_row("E1", "6064", "Supplies", 100, None),
    journal_row("E1", "401", "Supplier", None, 100),
]


def column_letter(index: int) -> str:
    """0 -> 'A', 16383 -> 'XFD'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# -- xlsx -------------------------------------------------------------------------------------

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTENT_TYPES = (
    XML_HEAD + b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.styles+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
PACKAGE_RELS = (
    XML_HEAD
    + b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    XML_HEAD
    + f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_R}"><bookViews><workbookView '
    f'activeTab="0"/></bookViews><sheets><sheet name="Journal" sheetId="1" r:id="rId1"/>'
    f"</sheets></workbook>".encode()
)
WORKBOOK_RELS = (
    XML_HEAD
    + b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/styles" Target="styles.xml"/>'
    b'<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
# Style 1: a yellow fill, what "format these cells" leaves on empty cells.
STYLES = XML_HEAD + (
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    b'<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill '
    b'patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor '
    b'rgb="FFFFFF00"/><bgColor indexed="64"/></patternFill></fill></fills><borders '
    b'count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    b'</cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" '
    b'borderId="0" xfId="0"/><xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" '
    b'applyFill="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
    b'builtinId="0"/></cellStyles></styleSheet>'
)


@dataclass(frozen=True)
class StringAt:
    """A text cell pointing at shared string `index`, wherever the table holds it."""

    index: int


class SharedStrings:
    """The workbook's shared-strings table, as Excel writes every text cell."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.references = 0

    def add(self, text: str) -> int:
        return self.index.setdefault(text, len(self.index))

    def ref(self, text: str) -> int:
        self.references += 1
        return self.add(text)

    def blocks(self, extra: Iterable[bytes] = (), extra_count: int = 0) -> Iterator[bytes]:
        """The part's XML; `extra` (XML of `extra_count` more <si>) goes after the strings
        the sheet uses."""
        count = len(self.index) + extra_count
        head = f'<sst xmlns="{NS_MAIN}" count="{self.references}" uniqueCount="{count}">'
        yield XML_HEAD + head.encode()
        yield b"".join(f"<si><t>{escape(text)}</t></si>".encode() for text in self.index)
        yield from extra
        yield b"</sst>"


def xlsx_row(number: int, values: Sequence[Any], strings: SharedStrings, first: int = 0) -> bytes:
    """`<row>` of the values (None: no cell), the first one in column `first`."""
    cells = []
    for i, value in enumerate(values, start=first):
        if value is None:
            continue
        ref = f"{column_letter(i)}{number}"
        if isinstance(value, StringAt):
            strings.references += 1
            cells.append(f'<c r="{ref}" t="s"><v>{value.index}</v></c>')
        elif isinstance(value, str):
            cells.append(f'<c r="{ref}" t="s"><v>{strings.ref(value)}</v></c>')
        else:
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'.encode()


def sheet_blocks(dimension: str, rows: Iterable[bytes]) -> Iterator[bytes]:
    yield (
        XML_HEAD
        + (
            f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}"><dimension ref="{dimension}"/>'
            f'<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><sheetData>'
        ).encode()
    )
    yield from rows
    yield (
        b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
        b'header="0.3" footer="0.3"/></worksheet>'
    )


def xlsx_file(sheet: Iterable[bytes], strings: Iterable[bytes], level: int = 6) -> bytes:
    """A workbook of one sheet named Journal: its XML (`sheet`) and its shared strings
    (`strings`) streamed into the zip block by block."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        _stream(archive, "xl/sharedStrings.xml", strings)
        _stream(archive, "xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def _stream(archive: zipfile.ZipFile, name: str, blocks: Iterable[bytes]) -> None:
    with archive.open(name, "w") as part:
        for block in blocks:
            part.write(block)


def _journal_rows(strings: SharedStrings, rows: Sequence[Row] = VALID_ROWS) -> list[bytes]:
    """The header in row 1 and `rows` below it."""
    return [
        xlsx_row(number, values, strings)
        for number, values in enumerate([JOURNAL_HEADER, *rows], start=1)
    ]


def _numbered_blocks(row: Callable[[bytes], bytes], first: int, last: int) -> Iterator[bytes]:
    """`row(number)` for every row number from `first` to `last`, generated a thousand
    rows at a time: the rows of a block differ only in their number, so a block is a
    template whose thousands are replaced (C speed: 1,048,576 rows in ~0.1 s)."""
    low = min(last, max(first, 1000) - 1)
    if first <= low:
        yield b"".join(row(b"%d" % n) for n in range(first, low + 1))
    template = b"".join(row(b"\x00%03d" % n) for n in range(1000))
    thousand = max(first, 1000) // 1000
    while thousand * 1000 <= last:
        start = thousand * 1000
        if start < first or start + 999 > last:
            yield b"".join(
                row(b"%d" % n) for n in range(max(start, first), min(start + 999, last) + 1)
            )
        else:
            yield template.replace(b"\x00", b"%d" % thousand)
        thousand += 1


def inflated_size(data: bytes) -> int | None:
    """The declared size of a zip's parts once inflated (None: not a zip)."""
    if not data.startswith(b"PK"):
        return None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


# -- the xlsx files -----------------------------------------------------------------------------


def xlsx_xfd_value(lying_dimension: bool = False) -> bytes:
    """The header and two valid rows, and one value in the sheet's last cell, XFD1048576
    (python-calamine would lay out 16,384 x 1,048,576 cells: 549 GB). Excel then declares
    the dimension A1:XFD1048576; `lying_dimension` declares A1:N3 instead, so that only
    the cells themselves tell where the values are."""
    strings = SharedStrings()
    rows = _journal_rows(strings)
    rows.append(
        f'<row r="{LAST_ROW}" spans="{LAST_COLUMN}:{LAST_COLUMN}"><c r="XFD{LAST_ROW}" '
        f't="s"><v>{strings.ref("far away")}</v></c></row>'.encode()
    )
    dimension = "A1:N3" if lying_dimension else f"A1:XFD{LAST_ROW}"
    return xlsx_file(sheet_blocks(dimension, rows), strings.blocks())


# Seven styled columns by 1,048,573 rows: 196.6 MB of sheet XML, 15.7 MB compressed.
FORMATTED_COLUMNS = 7


def xlsx_formatted_cells(columns: int = FORMATTED_COLUMNS, last_row: int = LAST_ROW) -> bytes:
    """The header and two valid rows, then styled empty cells in columns A to G of every
    row down to 1,048,576 (`<c r="A9" s="1"/>`), as a range formatted (filled yellow)
    down to the end of the sheet is saved: no value below row 3, but a million rows and
    7 million cells, just under the inflation limit."""
    strings = SharedStrings()
    head = _journal_rows(strings)
    letters = [column_letter(i).encode() for i in range(columns)]
    spans = b"1:%d" % columns

    def row(number: bytes) -> bytes:
        cells = b"".join(b'<c r="%s%s" s="1"/>' % (letter, number) for letter in letters)
        return b'<row r="%s" spans="%s">%s</row>' % (number, spans, cells)

    blocks = [*head, *_numbered_blocks(row, len(head) + 1, last_row)]
    dimension = f"A1:{column_letter(max(columns, len(JOURNAL_HEADER)) - 1)}{last_row}"
    # Level 5: level 1 leaves 21.6 MB (over the upload limit), level 6 takes 3x longer.
    return xlsx_file(sheet_blocks(dimension, blocks), strings.blocks(), level=5)


def xlsx_formatted_rows(last_row: int = LAST_ROW) -> bytes:
    """The header and two valid rows, then every row down to 1,048,576 formatted as a
    whole row, with no cell (`<row r="9" s="1" customFormat="1"/>`), as Excel saves rows
    selected by their headers and filled."""
    strings = SharedStrings()
    head = _journal_rows(strings)

    def row(number: bytes) -> bytes:
        return b'<row r="%s" s="1" customFormat="1"/>' % number

    blocks = [*head, *_numbered_blocks(row, len(head) + 1, last_row)]
    return xlsx_file(sheet_blocks("A1:N3", blocks), strings.blocks())


def xlsx_declared_dimension() -> bytes:
    """The header and two valid rows, but a declared dimension of A1:XFD1048576 (a
    reader that sizes its grid from the declaration allocates 549 GB)."""
    strings = SharedStrings()
    rows = _journal_rows(strings)
    return xlsx_file(sheet_blocks(f"A1:XFD{LAST_ROW}", rows), strings.blocks())


WIDE_EXTRA_COLUMNS = 2_000
WIDE_ENTRIES = 5


def wide_rows() -> list[Row]:
    """The 10 journal rows of `xlsx_wide` (5 balanced entries), without the extra cells."""
    rows = []
    for n in range(1, WIDE_ENTRIES + 1):
        amount = 100 * n
        rows.append(journal_row(f"W{n}", "6064", f"Supplies {n}", amount, None))
        rows.append(journal_row(f"W{n}", "401", f"Supplier {n}", None, amount))
    return rows


def wide_extra_header(column: int) -> str:
    """The name of extra column `column` (0-based, counted from the first extra one)."""
    return f"extra {column + 1}"


def xlsx_wide(extra: int = WIDE_EXTRA_COLUMNS) -> bytes:
    """The journal header plus 2,000 more named columns (O to BXX), and 10 valid journal
    rows whose extra cells all hold a number: 2,014 columns by 11 rows."""
    strings = SharedStrings()
    header = JOURNAL_HEADER + [wide_extra_header(i) for i in range(extra)]
    rows = [xlsx_row(1, header, strings)]
    for number, values in enumerate(wide_rows(), start=2):
        filler = [number * 10_000 + i for i in range(extra)]
        rows.append(xlsx_row(number, values + filler, strings))
    dimension = f"A1:{column_letter(len(header) - 1)}{len(rows)}"
    return xlsx_file(sheet_blocks(dimension, rows), strings.blocks())


# 4,900,000 distinct strings of 23 characters (`<si><t>Supplies, label 0001234</t></si>`,
# 39 bytes each): 191 MB of shared strings, 12.3 MB compressed.
SHARED_STRINGS = 4_900_000


def filler_text(index: int) -> str:
    """The text of the shared string `index` of the filler (0-based)."""
    return f"Supplies, label {index:07d}"


def shared_strings_rows(count: int = SHARED_STRINGS) -> list[Row]:
    """The journal rows of `xlsx_shared_strings`: VALID_ROWS, labelled with the last two
    strings of the table."""
    rows = [list(row) for row in VALID_ROWS]
    rows[0][4] = filler_text(count - 2)
    rows[1][4] = filler_text(count - 1)
    return rows


def xlsx_shared_strings(count: int = SHARED_STRINGS) -> bytes:
    """The header and two valid rows whose labels are the last two of a shared-strings
    table of 4.9 million distinct strings (191 MB inflated, just under the limit with the
    other parts; 12.3 MB compressed): the rows point at the end of a table that a reader
    loads whole before the first cell."""
    assert count % 10_000 == 0
    label = JOURNAL_HEADER.index("label")
    rows = shared_strings_rows(count)
    strings = SharedStrings()
    # Every string of the sheet but the two labels first, then the filler, which ends
    # with the two labels.
    for values in [JOURNAL_HEADER, *rows]:
        for i, value in enumerate(values):
            if isinstance(value, str) and (values is JOURNAL_HEADER or i != label):
                strings.add(value)
    base = len(strings.index)
    for row, position in zip(rows, (count - 2, count - 1), strict=True):
        row[label] = StringAt(base + position)
    sheet = [
        xlsx_row(number, values, strings)
        for number, values in enumerate([JOURNAL_HEADER, *rows], start=1)
    ]

    def filler() -> Iterator[bytes]:
        template = b"".join(b"<si><t>Supplies, label \x00%04d</t></si>" % n for n in range(10_000))
        for high in range(count // 10_000):
            yield template.replace(b"\x00", b"%03d" % high)

    return xlsx_file(sheet_blocks("A1:N3", sheet), strings.blocks(filler(), count), level=1)


# -- ods ----------------------------------------------------------------------------------------

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
ODS_MANIFEST = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:'
    b'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry '
    b'manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.'
    b'oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
    b'manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" '
    b'manifest:media-type="text/xml"/></manifest:manifest>'
)
ODS_NAMESPACES = (
    b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    b'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    b'office:version="1.3"'
)
ODS_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles '
    + ODS_NAMESPACES
    + b"><office:styles/></office:document-styles>"
)
ODS_CONTENT_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
    + ODS_NAMESPACES
    + b'><office:automatic-styles><style:style style:name="co1" style:family="table-column">'
    b'<style:table-column-properties style:column-width="2.258cm"/></style:style>'
    b'<style:style style:name="ro1" style:family="table-row"><style:table-row-properties '
    b'style:row-height="0.452cm" fo:break-before="auto" style:use-optimal-row-height="true"/>'
    b'</style:style><style:style style:name="ta1" style:family="table"><style:table-'
    b'properties table:display="true" style:writing-mode="lr-tb"/></style:style><style:style '
    b'style:name="ce1" style:family="table-cell" style:parent-style-name="Default">'
    b'<style:table-cell-properties fo:background-color="#ffff00"/></style:style>'
    b"</office:automatic-styles><office:body><office:spreadsheet>"
    b'<table:table table:name="Journal" table:style-name="ta1"><table:table-column '
    b'table:style-name="co1" table:number-columns-repeated="14" '
    b'table:default-cell-style-name="Default"/>'
)
ODS_CONTENT_TAIL = b"</table:table></office:spreadsheet></office:body></office:document-content>"


def ods_cell(value: Any) -> bytes:
    if value is None:
        return b"<table:table-cell/>"
    if isinstance(value, str):
        text = escape(value).encode()
        return (
            b'<table:table-cell office:value-type="string"><text:p>%s</text:p>'
            b"</table:table-cell>" % text
        )
    return (
        b'<table:table-cell office:value-type="float" office:value="%s"><text:p>%s</text:p>'
        b"</table:table-cell>" % (str(value).encode(), str(value).encode())
    )


def ods_row(values: Sequence[Any]) -> bytes:
    while values and values[-1] is None:
        values = values[:-1]
    cells = b"".join(ods_cell(value) for value in values)
    return b'<table:table-row table:style-name="ro1">%s</table:table-row>' % cells


def ods_file(rows: Iterable[bytes]) -> bytes:
    """A LibreOffice spreadsheet of one sheet named Journal holding `rows` (XML)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        archive.writestr("styles.xml", ODS_STYLES)
        _stream(archive, "content.xml", [ODS_CONTENT_HEAD, *rows, ODS_CONTENT_TAIL])
    return out.getvalue()


def _ods_journal_rows() -> list[bytes]:
    return [ods_row(values) for values in [JOURNAL_HEADER, *VALID_ROWS]]


ODS_REPEATED = 1_048_000


def ods_repeated_value() -> bytes:
    """The header and two valid rows, then one row holding a value in column A, repeated
    1,048,000 times by `table:number-rows-repeated` (a few hundred bytes that stand for a
    million rows with values)."""
    repeated = (
        b'<table:table-row table:style-name="ro1" table:number-rows-repeated="%d">'
        b'<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
        b"</table:table-row>" % ODS_REPEATED
    )
    return ods_file([*_ods_journal_rows(), repeated])


def ods_styled_rows() -> bytes:
    """The header and two valid rows, then an empty row whose 16,384 cells are styled,
    repeated down to row 1,048,576, as LibreOffice saves a sheet formatted to its end."""
    repeated = (
        b'<table:table-row table:style-name="ro1" table:number-rows-repeated="%d">'
        b'<table:table-cell table:style-name="ce1" table:number-columns-repeated="%d"/>'
        b"</table:table-row>" % (LAST_ROW - 3, LAST_COLUMN)
    )
    return ods_file([*_ods_journal_rows(), repeated])


def ods_far_value() -> bytes:
    """The header and two valid rows, empty styled rows, and one value in the last cell
    of the sheet (XFD1048576), the .ods form of `xlsx_xfd_value`."""
    empty = (
        b'<table:table-row table:style-name="ro1" table:number-rows-repeated="%d">'
        b'<table:table-cell table:style-name="ce1" table:number-columns-repeated="%d"/>'
        b"</table:table-row>" % (LAST_ROW - 4, LAST_COLUMN)
    )
    far = (
        b'<table:table-row table:style-name="ro1"><table:table-cell '
        b'table:number-columns-repeated="%d"/><table:table-cell office:value-type="string">'
        b"<text:p>far away</text:p></table:table-cell></table:table-row>" % (LAST_COLUMN - 1)
    )
    return ods_file([*_ods_journal_rows(), empty, far])


def ods_repeated_block() -> bytes:
    """The header and two valid rows, then one number repeated over the 16,384 columns
    of a row and that row over the 1,048,573 rows left: 17 billion cells with values in
    under a kilobyte."""
    block = (
        b'<table:table-row table:style-name="ro1" table:number-rows-repeated="%d">'
        b'<table:table-cell office:value-type="float" office:value="1" '
        b'table:number-columns-repeated="%d"><text:p>1</text:p></table:table-cell>'
        b"</table:table-row>" % (LAST_ROW - 3, LAST_COLUMN)
    )
    return ods_file([*_ods_journal_rows(), block])


# -- csv ----------------------------------------------------------------------------------------

CSV_SIZE = 15_000_000


def csv_one_line(size: int = CSV_SIZE) -> bytes:
    """15 MB on one line: the journal header's names, then comma-separated numbers, and
    no newline anywhere (2 million fields in one row)."""
    head = ",".join(JOURNAL_HEADER).encode()
    template = b"".join(b",\x00%04d" % n for n in range(10_000))
    blocks = [head]
    length = len(head)
    while length < size:
        blocks.append(template.replace(b"\x00", b"%03d" % (len(blocks) - 1)))
        length += len(blocks[-1])
    return b"".join(blocks)[:size]


def csv_quoted_field(size: int = CSV_SIZE) -> bytes:
    """The journal header, then one row whose label is a quoted field of 15 MB made of
    short lines (a cap on the length of a line of the file does not see it), then a
    valid closing row."""
    head = ",".join(JOURNAL_HEADER).encode() + b"\r\n"
    opening = b'E1,2025-03-14,ACH,6064,"'
    closing = b'",100,,,,,,INV-E1,,\r\nE1,2025-03-14,ACH,401,Supplier,,100,,,,,INV-E1,,\r\n'
    line = b"Supplies bought for the lab, a line of a very long description in one cell.\r\n"
    room = size - len(head) - len(opening) - len(closing)
    body = line * (room // len(line)) + b"x" * (room % len(line))
    return head + opening + body + closing


# -- the list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostileFile:
    name: str
    file_name: str
    what: str
    build: Callable[[], bytes]


def _files() -> list[HostileFile]:
    return [
        HostileFile(
            "xlsx-xfd-value",
            "far-value.xlsx",
            "2 valid rows and a value in XFD1048576 (dimension A1:XFD1048576)",
            xlsx_xfd_value,
        ),
        HostileFile(
            "xlsx-xfd-lying-dimension",
            "far-value-small-dimension.xlsx",
            "the same, its dimension declared A1:N3",
            lambda: xlsx_xfd_value(lying_dimension=True),
        ),
        HostileFile(
            "xlsx-declared-dimension",
            "declared-dimension.xlsx",
            "dimension A1:XFD1048576 declared, 3 small rows",
            xlsx_declared_dimension,
        ),
        HostileFile(
            "xlsx-formatted-cells",
            "formatted-cells.xlsx",
            "2 valid rows, styled empty cells A:G down to row 1,048,576 (197 MB XML)",
            xlsx_formatted_cells,
        ),
        HostileFile(
            "xlsx-formatted-rows",
            "formatted-rows.xlsx",
            "2 valid rows, rows formatted without cells down to row 1,048,576",
            xlsx_formatted_rows,
        ),
        HostileFile(
            "xlsx-wide",
            "wide.xlsx",
            "journal header + 2,000 named columns, 10 valid rows with all cells filled",
            xlsx_wide,
        ),
        HostileFile(
            "xlsx-shared-strings",
            "shared-strings.xlsx",
            "2 valid rows labelled from the end of 4.9M shared strings (191 MB)",
            xlsx_shared_strings,
        ),
        HostileFile(
            "ods-repeated-value",
            "repeated-value.ods",
            "2 valid rows, a row with a value repeated 1,048,000 times",
            ods_repeated_value,
        ),
        HostileFile(
            "ods-styled-rows",
            "styled-rows.ods",
            "2 valid rows, an empty styled row (16,384 cells) repeated to row 1,048,576",
            ods_styled_rows,
        ),
        HostileFile(
            "ods-far-value",
            "far-value.ods",
            "2 valid rows and a value in XFD1048576, empty styled rows between",
            ods_far_value,
        ),
        HostileFile(
            "ods-repeated-block",
            "repeated-block.ods",
            "2 valid rows, then a number repeated over 16,384 columns x 1,048,573 rows",
            ods_repeated_block,
        ),
        HostileFile(
            "csv-one-line",
            "one-line.csv",
            "15 MB on one line: the header, then 2 million comma-separated values",
            csv_one_line,
        ),
        HostileFile(
            "csv-quoted-field",
            "quoted-field.csv",
            "the header and a row whose label is a 15 MB quoted field of short lines",
            csv_quoted_field,
        ),
    ]


BUILDERS: dict[str, HostileFile] = {file.name: file for file in _files()}
