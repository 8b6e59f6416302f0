"""The .xlsx part of reading: the zip archive checked part by part before any parser
sees it, and the sheet's XML scanned as a stream.

Every part is inflated as a stream and counted against IMPORT_MAX_UNCOMPRESSED (zip
bombs), XML parts are scanned for `<!DOCTYPE`/`<!ENTITY`, the workbook's index parts go
through defusedxml, and the chosen sheet's XML is scanned for formula cells (never
evaluated), rows hidden by a filter, and the cells furthest from A1 that hold a value:
python-calamine lays a sheet out as a dense grid from A1 to its last value, so one value
in XFD1048576 would ask it for 17 billion cells. Tags are found by literal byte searches
(fast over megabytes of XML), with or without a namespace prefix (`<f>`, `<x:f>`).
"""

import codecs
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ledger.imports.problems import (
    DAMAGED_NOT_UTF8_XML,
    DAMAGED_NOT_ZIP,
    DAMAGED_TOO_LARGE,
    FILE_DAMAGED,
    FILE_ENCRYPTED,
    FILE_MACROS,
    FILE_NO_SHEET,
    FILE_NOT_WHAT_IT_SAYS,
    FILE_ROWS_FORMATTED,
    FILE_TOO_MANY_PARTS,
    FILE_TOO_MANY_ROWS,
    FILE_XML_ENTITIES,
    FILE_ZIP_BOMB,
    SIZE_MORE_THAN,
    count_text,
    file_kind,
    size_text,
)
from ledger.imports.reading.base import (
    MAX_FORMULAS,
    Extent,
    FileRefused,
    Formula,
    column_index,
    max_rows,
    max_uncompressed,
)

MAX_PARTS = 1_000
CHUNK = 1 << 20

MACRO_CONTENT_TYPE = b"macroEnabled"
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# A formula element in a cell: <f>, <f t="shared" .../>, or with a namespace prefix.
# Tags are found by their literal names (fast searches over megabytes of XML), with or
# without a namespace prefix (`<f>`, `<x:f>`): a prefixed name is a tag when a valid
# prefix runs back to its `<`.
FORMULA_TAG = re.compile(rb"<f[\s/>]")
FORMULA_TAG_PREFIXED = re.compile(rb":f[\s/>]")
ROW_TAG = re.compile(rb"<row[\s/>]")
ROW_TAG_PREFIXED = re.compile(rb":row[\s/>]")
PREFIX = re.compile(rb"[A-Za-z_][\w.-]*")
CELL_REF = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
FORMULA_TEXT = re.compile(rb"[^>]*>([^<]{0,120})")
# A cell beyond column Z: rare in a table of 15 columns, so cheap to look for.
# Patterns start with the literal `r="` (no `\b`): the regex engine then skips ahead to
# each occurrence at C speed; an attribute whose name merely ends in r only adds a match.
WIDE_REFERENCE = re.compile(rb'r="([A-Z]{2,3})([0-9]{1,7})"')
ROW_OPENING = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?row\b[^>]*?\br="([0-9]{1,7})"')
HIDDEN_MARKERS = (b'hidden="1"', b'hidden="true"')
# What a row holds when one of its cells has a value: <v>, <is> (inline text), or a cell
# without attributes (python-calamine places it by counting).
VALUE_MARKERS = (b"v>", b"is>", b"<c>")
DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")


@dataclass(frozen=True)
class SheetEntry:
    """A sheet of a workbook as its index lists it."""

    name: str
    hidden: bool
    part: str | None = None  # the zip name of an .xlsx sheet


@dataclass
class Scan:
    """What the stream scan of a sheet found."""

    formulas: list[Formula] = field(default_factory=list)
    more_formulas: int = 0
    rows: int = 0
    hidden_rows: list[int] = field(default_factory=list)
    hidden_count: int = 0
    extent: Extent = field(default_factory=Extent)


def open_archive(
    file_name: str, data: bytes, expected: str = "xlsx"
) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The workbook's zip archive (`expected`: xlsx or ods), checked: what it is, how
    many parts, their declared size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileRefused(FILE_DAMAGED.format(detail=str(error) or DAMAGED_NOT_ZIP)) from None
    _check_what_zip(file_name, {info.filename for info in parts}, expected)
    if len(parts) > MAX_PARTS:
        raise FileRefused(FILE_TOO_MANY_PARTS.format(count=len(parts), limit=MAX_PARTS))
    limit = max_uncompressed()
    declared = sum(info.file_size for info in parts)
    if declared > limit:
        raise FileRefused(FILE_ZIP_BOMB.format(size=size_text(declared), limit=size_text(limit)))
    return archive, parts


def workbook_sheets(file_name: str, archive: zipfile.ZipFile) -> tuple[list[SheetEntry], int]:
    """The sheets of the workbook in order (name, hidden, zip part) and the index of the
    active one."""
    types = _parse_small_xml(archive, "[Content_Types].xml")
    for element in types.iter():
        if MACRO_CONTENT_TYPE.decode() in (element.get("ContentType") or ""):
            raise FileRefused(FILE_MACROS.format(name=file_name))
    workbook = _parse_small_xml(archive, "xl/workbook.xml")
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in archive.NameToInfo:
        rels = _parse_small_xml(archive, "xl/_rels/workbook.xml.rels")
        for rel in rels.iter(f"{NS_PKG_REL}Relationship"):
            target = rel.get("Target") or ""
            targets[rel.get("Id") or ""] = (
                target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            )
    sheets = [
        SheetEntry(
            element.get("name") or "",
            (element.get("state") or "visible") != "visible",
            targets.get(element.get(f"{NS_REL}id") or ""),
        )
        for element in workbook.iter(f"{NS_MAIN}sheet")
    ]
    if not sheets:
        raise FileRefused(str(FILE_NO_SHEET))
    view = next(iter(workbook.iter(f"{NS_MAIN}workbookView")), None)
    active = view.get("activeTab") if view is not None else None
    return sheets, int(active) if active and active.isdigit() else 0


def scan_parts(
    archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo], sheet_part: str | None
) -> Scan:
    """Inflate every part as a stream: count the real size against the limit, refuse DTDs
    in XML parts, and scan the chosen sheet (formulas, hidden rows, furthest values)."""
    limit = max_uncompressed()
    total = 0
    scan = Scan()
    for info in parts:
        is_xml = info.filename.endswith((".xml", ".rels"))
        try:
            with archive.open(info) as stream:
                xml = _XmlScan(info.filename, info.filename == sheet_part, scan.formulas)
                while chunk := stream.read(CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise FileRefused(
                            FILE_ZIP_BOMB.format(
                                size=SIZE_MORE_THAN.format(size=size_text(limit)),
                                limit=size_text(limit),
                            )
                        )
                    if is_xml:
                        xml.feed(chunk)
                if is_xml:
                    xml.feed(b"", final=True)
                scan.more_formulas += xml.more
                if xml.is_sheet:
                    scan.rows = xml.rows
                    scan.hidden_rows = xml.hidden_rows
                    scan.hidden_count = xml.hidden_count
                    scan.extent = xml.extent
        except FileRefused:
            raise
        except RuntimeError:  # zipfile's answer to a part that needs a password
            raise FileRefused(FILE_ENCRYPTED.format(part=info.filename)) from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
            detail = f"{info.filename}: {error}"
            raise FileRefused(FILE_DAMAGED.format(detail=detail)) from None
    return scan


EXPECTED = {"xlsx": "an .xlsx workbook", "ods": "an .ods spreadsheet"}


def _check_what_zip(file_name: str, names: set[str], expected: str) -> None:
    if any(name.lower().endswith("vbaproject.bin") or name.startswith("Basic/") for name in names):
        raise FileRefused(FILE_MACROS.format(name=file_name))
    if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
        actual = "xlsx"
    elif "content.xml" in names and "mimetype" in names:
        actual = "ods"
    elif "word/document.xml" in names:
        actual = "a Word document"
    elif "ppt/presentation.xml" in names:
        actual = "a PowerPoint presentation"
    elif "xl/workbook.bin" in names:
        actual = "a binary Excel workbook (.xlsb)"
    else:
        actual = "a zip archive of another kind"
    if actual != expected:
        raise FileRefused(
            FILE_NOT_WHAT_IT_SAYS.format(
                name=file_name,
                expected=file_kind(EXPECTED[expected]),
                actual=file_kind(EXPECTED.get(actual, actual)),
            )
        )


def _parse_small_xml(archive: zipfile.ZipFile, name: str) -> Any:
    """Parse one of the workbook's small index parts with defusedxml (no DTD, no entities)."""
    info = archive.getinfo(name)
    if info.file_size > 5_000_000:
        raise FileRefused(FILE_DAMAGED.format(detail=DAMAGED_TOO_LARGE.format(name=name)))
    try:
        return SafeET.fromstring(archive.read(name), forbid_dtd=True)
    except DefusedXmlException:
        raise FileRefused(FILE_XML_ENTITIES.format(part=name)) from None
    except RuntimeError:
        raise FileRefused(FILE_ENCRYPTED.format(part=name)) from None
    except (SafeET.ParseError, zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileRefused(FILE_DAMAGED.format(detail=f"{name}: {error}")) from None


class _XmlScan:
    """Byte scans of one XML part, fed chunk by chunk: DTD markers anywhere, and formula
    cells when it is the sheet. A tag cut by a chunk boundary is seen whole: the last
    bytes of each chunk wait for the next one, and 4 kB before them are kept as context
    (to find the cell a formula belongs to)."""

    # Bytes held back for the next chunk: any tag starting before them ends within them.
    HOLD = 4096

    def __init__(self, name: str, is_sheet: bool, formulas: list[Formula]) -> None:
        self.name = name
        self.is_sheet = is_sheet
        self.formulas = formulas
        self.more = 0
        self.context = b""
        self.pending = b""
        self.started = False
        self.rows = 0
        self.max_rows = max_rows() + 1  # and the header
        self.hidden_rows: list[int] = []
        self.hidden_count = 0
        self.extent = Extent()
        self.far = _far_reference(self.max_rows)
        self.open_row: tuple[int, str] | None = None
        self.row_tags = 0
        self.max_row_tags = self.max_rows + 1_000

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if not self.started and chunk:
            _check_xml_encoding(self.name, chunk)
            self.started = True
        window = self.context + self.pending + chunk
        if any(marker in window for marker in DTD_MARKERS):
            raise FileRefused(FILE_XML_ENTITIES.format(part=self.name))
        begin = len(self.context)
        end = len(window) if final else max(begin, len(window) - self.HOLD)
        if self.is_sheet:
            self.more += _formulas(window, begin, end, self.formulas)
            # Rows holding values are counted here, before the sheet is parsed into memory
            # (a row formatted but empty, or of styled empty cells, holds none).
            for _, tag_end in _tags(window, ROW_TAG, ROW_TAG_PREFIXED, begin, end):
                self.row_tags += 1
                if _holds_value(window, tag_end - 1, row=True) is not False:
                    self.rows += 1
            if self.row_tags > self.max_row_tags:
                # Rows formatted far below the table cost the reader as much as real ones.
                raise FileRefused(FILE_ROWS_FORMATTED.format(limit=count_text(self.max_row_tags)))
            if self.rows > self.max_rows:
                raise FileRefused(FILE_TOO_MANY_ROWS.format(limit=self.max_rows - 1))
            self._extent(window, begin, end)
            if final and self.open_row is not None:  # a row never closed: count it
                self.extent.see_row(*self.open_row)
            self._hidden(window, begin, end)
        self.pending = window[end:]
        self.context = window[max(0, end - 4096) : end]

    def _extent(self, window: bytes, begin: int, end: int) -> None:
        """The furthest rows and columns of the cells that may hold a value: references
        past the row limit or beyond column Z are few, so only they are looked at. A cell
        is empty when its tag closes itself; a row when its tag does, or when its content
        holds no value. What cannot be told within the window counts as a value."""
        if self.open_row is not None:
            # A far row whose end was past the last window: its content goes on here.
            row_end = window.find(b"row>", begin)
            stop = row_end if row_end >= 0 else len(window)
            if any(window.find(marker, begin, stop) >= 0 for marker in VALUE_MARKERS):
                self.extent.see_row(*self.open_row)
                self.open_row = None
            elif row_end >= 0:
                self.open_row = None
        # A match starting before `end` is whole in the window (HOLD bytes follow it).
        for match in self.far.finditer(window, begin):
            if match.start() >= end:
                break
            letters, number = match.group(1).decode(), match.group(2).decode()
            where = f"Cell {letters}{number}" if letters else f"Row {number}"
            holds = _holds_value(window, match.end(), row=not letters)
            if holds is None:
                self.open_row = (int(number), where)
            elif holds:
                self.extent.see_row(int(number), where)
        for match in WIDE_REFERENCE.finditer(window, begin):
            if match.start() >= end:
                break
            if _holds_value(window, match.end(), row=False):
                letters = match.group(1).decode()
                self.extent.see_column(
                    column_index(letters), f"Cell {letters}{match.group(2).decode()}"
                )

    def _hidden(self, window: bytes, begin: int, end: int) -> None:
        """Rows hidden by a filter (or by hand): <row r="7" hidden="1">."""
        for marker in HIDDEN_MARKERS:
            at = window.find(marker, begin, end)
            while at >= 0:
                opening = window.rfind(b"<", 0, at)
                tag = ROW_OPENING.match(window, opening) if opening >= 0 else None
                if tag is not None:
                    self.hidden_count += 1
                    if len(self.hidden_rows) < 1000:
                        self.hidden_rows.append(int(tag.group(1)))
                at = window.find(marker, at + len(marker), end)


def _far_reference(max_rows: int) -> re.Pattern[bytes]:
    """An `r` attribute (of a row, or of a cell with its column letters) whose row
    number may pass `max_rows`: numbers of more digits, or as many from its first
    digit up (a superset; the caller compares)."""
    digits = str(max_rows)
    # Longer numbers first, so that a prefix of one is never taken for the whole.
    # A tag that closes itself (a styled empty cell, a formatted row) holds nothing: the
    # pattern skips it at C speed; a tag running past the window's end (longer than HOLD)
    # still matches, and counts as a value.
    pattern = rb'r="([A-Z]{0,3})((?:[1-9][0-9]{%d,}|[%s-9][0-9]{%d}))"(?:[^>]*[^/>])?(?:>|\Z)' % (
        len(digits),
        digits[0].encode(),
        len(digits) - 1,
    )
    return re.compile(pattern)


def _holds_value(window: bytes, after: int, row: bool) -> bool | None:
    """Whether the tag ending after `after` (a cell, or a row with its content) may hold
    a value; None for a row without a value so far whose end is past the window."""
    close = window.find(b">", after)
    if close < 0:
        return True
    if window[close - 1] == 0x2F:  # a tag that closes itself holds nothing
        return False
    if not row:
        return True
    row_end = window.find(b"row>", close)
    stop = row_end if row_end >= 0 else len(window)
    for marker in VALUE_MARKERS:
        if window.find(marker, close, stop) >= 0:
            return True
    return False if row_end >= 0 else None


def _check_xml_encoding(name: str, chunk: bytes) -> None:
    # Excel writes UTF-8; a UTF-16 part could hide markup from the byte scans.
    if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in chunk[:512]:
        raise FileRefused(FILE_DAMAGED.format(detail=DAMAGED_NOT_UTF8_XML.format(name=name)))


def _tags(
    window: bytes, plain: re.Pattern[bytes], prefixed: re.Pattern[bytes], begin: int, end: int
) -> list[tuple[int, int]]:
    """(start, end) of the tags whose name starts in window[begin:end] (the name may
    run past `end`), in order; start is the tag's `<`."""
    found = []
    for match in plain.finditer(window, begin):
        if match.start() >= end:
            break
        found.append((match.start(), match.end()))
    for match in prefixed.finditer(window, begin):
        if match.start() >= end:
            break
        opening = window.rfind(b"<", 0, match.start())
        # No `<` in the 4 kB kept before: an absurd prefix, taken as a tag (refused).
        if opening < 0 or PREFIX.fullmatch(window, opening + 1, match.start()):
            found.append((max(opening, 0), match.end()))
    return sorted(found) if len(found) > 1 else found


def _formulas(window: bytes, begin: int, end: int, found: list[Formula]) -> int:
    """Record the formula cells whose tag starts in window[begin:end]; return how many
    were past MAX_FORMULAS."""
    extra = 0
    for start, tag_end in _tags(window, FORMULA_TAG, FORMULA_TAG_PREFIXED, begin, end):
        if len(found) >= MAX_FORMULAS:
            extra += 1
            continue
        cells = list(CELL_REF.finditer(window, max(0, start - 2048), start))
        letters, digits = (cells[-1].group(1), cells[-1].group(2)) if cells else (b"", b"0")
        body = FORMULA_TEXT.match(window, tag_end - 1)
        text = body.group(1).decode("utf-8", "replace") if body and body.group(1) else ""
        found.append(
            Formula(
                row=int(digits),
                column=column_index(letters.decode()),
                cell=(letters + digits).decode(),
                text=("=" + text) if text else "a shared formula",
            )
        )
    return extra
