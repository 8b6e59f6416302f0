"""Safe reading of an uploaded spreadsheet: .xlsx or .csv bytes -> header and numbered rows.

Hostile files are refused before any parser sees them, quickly and in bounded memory:
size over IMPORT_MAX_BYTES, a content that is not what the name says (magic bytes are
sniffed whatever the extension), macro-enabled or old-format workbooks, zip bombs (every
part is inflated as a stream and counted against IMPORT_MAX_UNCOMPRESSED before
python-calamine parses anything), DTDs and entity declarations (the workbook's index
parts go through defusedxml, and every XML part is scanned for `<!DOCTYPE`/`<!ENTITY`),
and formula cells, which are found in the sheet's XML and never evaluated.
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.conf import settings
from python_calamine import CalamineError, CalamineWorkbook

from ledger.imports.problems import (
    FILE_BINARY,
    FILE_CSV_DAMAGED,
    FILE_DAMAGED,
    FILE_EMPTY,
    FILE_ENCRYPTED,
    FILE_MACROS,
    FILE_NO_HEADER,
    FILE_NO_SHEET,
    FILE_NOT_UTF8,
    FILE_NOT_WHAT_IT_SAYS,
    FILE_OLD_EXCEL,
    FILE_TOO_LARGE,
    FILE_TOO_MANY_PARTS,
    FILE_TOO_MANY_ROWS,
    FILE_UNKNOWN_TYPE,
    FILE_XML_ENTITIES,
    FILE_ZIP_BOMB,
    size_text,
)

DEFAULT_MAX_BYTES = 20_000_000
DEFAULT_MAX_UNCOMPRESSED = 200_000_000
DEFAULT_MAX_ROWS = 500_000
MAX_PARTS = 1_000
MAX_FORMULAS = 20
CHUNK = 1 << 20

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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
DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")


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
    of column `i` is `cells[i - offset]` when present."""

    header_row: int
    headers: list[tuple[int, str]]
    rows: Iterator[tuple[int, list[Any]]]
    offset: int = 0
    row_estimate: int = 0
    formulas: list[Formula] = field(default_factory=list)
    more_formulas: int = 0


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_rows() -> int:
    """The most rows a sheet may hold (setting IMPORT_MAX_ROWS), read at call time."""
    return _setting("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def max_bytes() -> int:
    """The largest file accepted (setting IMPORT_MAX_BYTES), read at call time."""
    return _setting("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def read_sheet(file_name: str, data: bytes) -> Sheet:
    """The first sheet of an .xlsx workbook or a .csv file; FileRefused if hostile."""
    limit = max_bytes()
    if len(data) > limit:
        raise FileRefused(FILE_TOO_LARGE.format(size=size_text(len(data)), limit=size_text(limit)))
    if not data.strip():
        raise FileRefused(FILE_EMPTY)
    suffix = PurePosixPath(file_name.replace("\\", "/")).suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlam", ".xlsb"):
        raise FileRefused(FILE_MACROS.format(name=file_name))
    if suffix not in (".xlsx", ".csv"):
        raise FileRefused(FILE_UNKNOWN_TYPE.format(name=file_name))
    content = _content_kind(data)
    if suffix == ".xlsx":
        if content == "an old-format Excel workbook (.xls)":
            raise FileRefused(FILE_OLD_EXCEL.format(name=file_name))
        if content != "a zip archive":
            raise FileRefused(
                FILE_NOT_WHAT_IT_SAYS.format(
                    name=file_name, expected="an .xlsx workbook", actual=content
                )
            )
        return _read_xlsx(file_name, data)
    if content != "text":
        raise FileRefused(
            FILE_NOT_WHAT_IT_SAYS.format(name=file_name, expected="a .csv file", actual=content)
        )
    return _read_csv(data)


def _content_kind(data: bytes) -> str:
    head = data[:8]
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return "a zip archive"
    if head.startswith(OLE2_MAGIC):
        return "an old-format Excel workbook (.xls)"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "an image"
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh")):
        return "a compressed archive"
    if b"\x00" in data[:65536]:
        return "binary data"
    return "text"


# -- csv ----------------------------------------------------------------------------------


def _read_csv(data: bytes) -> Sheet:
    if b"\x00" in data:
        raise FileRefused(FILE_BINARY)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileRefused(FILE_NOT_UTF8.format(offset=error.start + 1)) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= max(first_line.count(","), 1) else ","
    if first_line.count("\t") > max(first_line.count(";"), first_line.count(",")):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = _csv_rows(reader)
    for number, cells in rows:
        headers = [(i, str(value).strip()) for i, value in enumerate(cells)]
        return Sheet(number, headers, rows, 0, text.count("\n"))
    raise FileRefused(FILE_NO_HEADER)


def _csv_rows(reader: Any) -> Iterator[tuple[int, list[Any]]]:
    number = 0
    try:
        for cells in reader:
            number += 1
            if any(cell.strip() for cell in cells):
                yield number, cells
    except csv.Error as error:
        raise FileRefused(FILE_CSV_DAMAGED.format(detail=f"row {number + 1}: {error}")) from None


# -- xlsx ---------------------------------------------------------------------------------


def _read_xlsx(file_name: str, data: bytes) -> Sheet:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileRefused(FILE_DAMAGED.format(detail=str(error) or "not a zip archive")) from None
    names = {info.filename for info in parts}
    _check_what_zip(file_name, names)
    if len(parts) > MAX_PARTS:
        raise FileRefused(FILE_TOO_MANY_PARTS.format(count=len(parts), limit=MAX_PARTS))
    limit = _setting("IMPORT_MAX_UNCOMPRESSED", DEFAULT_MAX_UNCOMPRESSED)
    declared = sum(info.file_size for info in parts)
    if declared > limit:
        raise FileRefused(FILE_ZIP_BOMB.format(size=size_text(declared), limit=size_text(limit)))
    sheet_part = _first_sheet_part(file_name, archive)
    formulas, more = _scan_parts(archive, parts, sheet_part, limit)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise FileRefused(FILE_NO_SHEET)
        sheet = workbook.get_sheet_by_index(0)
    except CalamineError as error:
        raise FileRefused(FILE_DAMAGED.format(detail=str(error)[:120])) from None
    except Exception as error:  # the Rust reader's other errors (zip, xml) share no base
        if isinstance(error, FileRefused):
            raise
        raise FileRefused(FILE_DAMAGED.format(detail=str(error)[:120])) from None
    start = sheet.start
    offset = start[1] if start else 0
    rows = _xlsx_rows(sheet.iter_rows())
    for number, cells in rows:
        headers = [(offset + i, _header_text(value)) for i, value in enumerate(cells)]
        return Sheet(number, headers, rows, offset, sheet.height, formulas, more)
    raise FileRefused(FILE_NO_HEADER)


def _header_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def _xlsx_rows(rows: Iterator[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    for number, cells in enumerate(rows, start=1):
        for value in cells:
            if value != "" and value is not None:
                yield number, cells
                break


def _check_what_zip(file_name: str, names: set[str]) -> None:
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FileRefused(FILE_MACROS.format(name=file_name))
    if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
        return
    if "word/document.xml" in names:
        actual = "a Word document"
    elif "ppt/presentation.xml" in names:
        actual = "a PowerPoint presentation"
    elif "mimetype" in names or "content.xml" in names:
        actual = "an OpenDocument file"
    elif "xl/workbook.bin" in names:
        actual = "a binary Excel workbook (.xlsb)"
    else:
        actual = "a zip archive of another kind"
    raise FileRefused(
        FILE_NOT_WHAT_IT_SAYS.format(name=file_name, expected="an .xlsx workbook", actual=actual)
    )


def _parse_small_xml(archive: zipfile.ZipFile, name: str) -> Any:
    """Parse one of the workbook's small index parts with defusedxml (no DTD, no entities)."""
    info = archive.getinfo(name)
    if info.file_size > 5_000_000:
        raise FileRefused(FILE_DAMAGED.format(detail=f"{name} is too large"))
    try:
        return SafeET.fromstring(archive.read(name), forbid_dtd=True)
    except DefusedXmlException:
        raise FileRefused(FILE_XML_ENTITIES.format(part=name)) from None
    except RuntimeError:
        raise FileRefused(FILE_ENCRYPTED.format(part=name)) from None
    except (SafeET.ParseError, zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileRefused(FILE_DAMAGED.format(detail=f"{name}: {error}")) from None


def _first_sheet_part(file_name: str, archive: zipfile.ZipFile) -> str | None:
    """The zip name of the workbook's first sheet (None when it cannot be told)."""
    types = _parse_small_xml(archive, "[Content_Types].xml")
    for element in types.iter():
        if MACRO_CONTENT_TYPE.decode() in (element.get("ContentType") or ""):
            raise FileRefused(FILE_MACROS.format(name=file_name))
    workbook = _parse_small_xml(archive, "xl/workbook.xml")
    first = next(iter(workbook.iter(f"{NS_MAIN}sheet")), None)
    if first is None:
        raise FileRefused(FILE_NO_SHEET)
    rel_id = first.get(f"{NS_REL}id")
    if "xl/_rels/workbook.xml.rels" not in archive.NameToInfo:
        return None
    rels = _parse_small_xml(archive, "xl/_rels/workbook.xml.rels")
    for rel in rels.iter(f"{NS_PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target") or ""
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _scan_parts(
    archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo], sheet_part: str | None, limit: int
) -> tuple[list[Formula], int]:
    """Inflate every part as a stream: count the real size against `limit`, refuse DTDs
    in XML parts, and find the formula cells of the first sheet."""
    total = 0
    formulas: list[Formula] = []
    more = 0
    for info in parts:
        is_xml = info.filename.endswith((".xml", ".rels"))
        try:
            with archive.open(info) as stream:
                scan = _XmlScan(info.filename, info.filename == sheet_part, formulas)
                while chunk := stream.read(CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise FileRefused(
                            FILE_ZIP_BOMB.format(
                                size=f"more than {size_text(limit)}", limit=size_text(limit)
                            )
                        )
                    if is_xml:
                        scan.feed(chunk)
                if is_xml:
                    scan.feed(b"", final=True)
                more += scan.more
        except FileRefused:
            raise
        except RuntimeError:  # zipfile's answer to a part that needs a password
            raise FileRefused(FILE_ENCRYPTED.format(part=info.filename)) from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
            detail = f"{info.filename}: {error}"
            raise FileRefused(FILE_DAMAGED.format(detail=detail)) from None
    return formulas, more


class _XmlScan:
    """Byte scans of one XML part, fed chunk by chunk: DTD markers anywhere, and formula
    cells when it is the sheet. A tag cut by a chunk boundary is seen whole: the last
    bytes of each chunk wait for the next one, and 4 kB before them are kept as context
    (to find the cell a formula belongs to)."""

    HOLD = 32

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
            # Rows are counted here, before the sheet is parsed into memory.
            self.rows += len(_tags(window, ROW_TAG, ROW_TAG_PREFIXED, begin, end))
            if self.rows > self.max_rows:
                raise FileRefused(FILE_TOO_MANY_ROWS.format(limit=self.max_rows - 1))
        self.pending = window[end:]
        self.context = window[max(0, end - 4096) : end]


def _check_xml_encoding(name: str, chunk: bytes) -> None:
    # Excel writes UTF-8; a UTF-16 part could hide markup from the byte scans.
    if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in chunk[:512]:
        raise FileRefused(FILE_DAMAGED.format(detail=f"{name} is not UTF-8 XML"))


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
                column=_column_index(letters.decode()),
                cell=(letters + digits).decode(),
                text=("=" + text) if text else "a shared formula",
            )
        )
    return extra


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1
