"""The real-world corpus: spreadsheets made by the programs accountants use.

    .venv/bin/python -m tests.imports.realworld.make_realworld

rewrites every file of tests/imports/realworld/files/ from the cases of `cases.py` (one
`Case` a file: its name, kind, how it is made, and what it must book or why it is
refused). It needs LibreOffice (`soffice`, Debian's libreoffice-calc-nogui; the files
were made with LibreOffice 7.4.7.2). The files are committed: the tests only read them.

How the files are made
----------------------

* ``lo-*``: written by **LibreOffice headless** (`soffice --headless --convert-to`), run
  with a user profile per locale whose registrymodifications.xcu sets
  /org.openoffice.Setup/L10N `ooSetupSystemLocale` and `ooLocale` (fr-FR, en-US, en-GB,
  de-DE, de-CH). LibreOffice opens a source and saves it:

  - the source is most often an .xlsx written by openpyxl holding what the accountant
    typed: text, real date cells (number format 14, "the locale's short date", or an
    explicit format) and numbers (format ``#,##0.00``, or General); LibreOffice applies
    its own locale to the formats when it loads the file, as it does for a workbook
    received from a colleague;
  - or ("typed" files) a plain CSV imported with LibreOffice's CSV filter in the
    profile's locale with "detect special numbers" on: exactly what LibreOffice makes
    of values typed in a cell (dates get the locale's default date format, amounts the
    General format);

  and saves it with the filter of the target: ``xlsx:Calc MS Excel 2007 XML``,
  ``ods:calc8``, ``xls:MS Excel 97``, or
  ``csv:Text - txt - csv (StarCalc):SEP,34,76,1,,LANG,false,true,true`` (separator,
  double quote, UTF-8, ..., language id, quote all text off, detect special numbers,
  "save cell contents as shown" on: numbers and dates are written as displayed).

* ``excel-*``: CSV and text files written byte for byte the way Excel writes them (there
  is no Excel here): "CSV (Comma delimited)" of an English Excel (Windows-1252, comma,
  CRLF, values as displayed, quoted only when they hold the separator: ``"1,500.00"``);
  "CSV (séparateur: point-virgule)" of a French Excel (Windows-1252, ``;``, decimal
  comma, the Windows grouping space U+00A0 which Windows-1252 writes as byte A0);
  "CSV UTF-8" (UTF-8 with BOM; a French Windows 11 groups with U+202F); "Unicode text"
  (UTF-16LE with BOM, tab-separated, CRLF, cells holding a comma quoted); plus the
  variants accountants meet: a ``sep=;`` first line, plain spaces typed as grouping,
  German and Swiss grouping, currency symbols, Excel serial numbers left in a date column.

* ``script-*``: CSV UTF-8 as a script or a bank export writes it (no BOM, LF): ISO
  date-times in the date column.

* ``openpyxl-*``: what LibreOffice cannot make from a command line: hidden sheets, every
  sheet hidden (the workbook part is edited after saving: Excel and openpyxl refuse to
  save it), rows hidden by an autofilter, a title row and a blank row above the header,
  formula noise (``1166.3000000000002``) kept in the numeric cells of an .xlsx (Excel
  writes 17 significant digits; LibreOffice writes 15 into .xlsx and .ods, so only its
  .xls keeps the noise), amounts stored as text.

* ``journal-template*``: the journal template as the import page hands it out
  (ledger.imports.templates.template_workbook), as downloaded and once more after a
  round trip through LibreOffice (fr-FR, saved as .ods).

What LibreOffice 7.4 really writes (checked on the produced bytes)
------------------------------------------------------------------

* fr-FR: amounts formatted ``#,##0.00`` come out ``1 500,00`` with a no-break space
  U+00A0 (bytes C2 A0), not the narrow U+202F of recent CLDR data; short dates
  (format 14) ``14/03/2025``; a date typed in a cell gets the default ``JJ/MM/AA``:
  ``14/03/25`` (two-digit year); General numbers ``25000,5``.
* en-US: ``"1,500.00"`` (quoted: it holds the separator), format-14 dates ``3/14/2025``,
  typed dates ``03/14/25``.
* en-GB: ``"1,500.00"``, ``14/03/2025``.
* de-DE: ``1.500,00`` and ``25.000``; dates ``14.03.2025``. de-CH and fr-CH: ``1'500.00``
  (ASCII apostrophe), dates ``14.03.2025``. The German and Swiss files format their date
  cells YYYY-MM-DD, so that only their amounts are foreign.
* The language id of the CSV filter options changes nothing on export: the numbers are
  written in the locale of the profile (and of the cell formats).
* Without "save as shown" (9th token false), numbers are written raw (``1500``) but dates
  still as ``MM/DD/YYYY`` in en-US.
* LibreOffice 7.4 cannot write a BOM in CSV (the option came in 7.6): the ``*-bom.csv``
  files get the three bytes EF BB BF added by this script, as LibreOffice 7.6+ and Excel's
  "CSV UTF-8" write them. Its CSV lines end with LF, not CRLF.
* An .ods written by LibreOffice declares formatted empty rows down to row 1,048,576
  (``table:number-rows-repeated="1048573"``); hidden sheets stay hidden, rows hidden by
  an autofilter are written ``table:visibility="filter"``.
* Saving an .xlsx, LibreOffice replaces format 14 by the locale's pattern
  (``dd/mm/yyyy`` in fr-FR).
* ``1166.3000000000002`` read from a source cell is kept as the double it is, but
  written with 15 significant digits into .xlsx and .ods (``1166.3``); an .xls keeps the
  8-byte double, noise included (lo-fr-formula-noise.xls).
* Values typed in General format are written as typed (``1500``, ``1234,56``); a
  number typed as ``1.5E+3`` stays in scientific notation (``1,50E+03``), which is why
  the "typed" sources write plain digits.
* Date-time cells formatted ``YYYY-MM-DD HH:MM:SS`` come out ``2025-03-20 09:30:00``.
* openpyxl writes floats with 16 significant digits (``%.16g``): the 17-digit values
  Excel writes (``1166.3000000000002``) are put into the sheet's XML by `exact_floats`.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

if __name__ == "__main__" and __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

FILES = Path(__file__).resolve().parent / "files"
MAX_FILE_BYTES = 50_000

# Windows language ids of the locales, as the CSV filter options want them.
LANGUAGE_IDS = {"fr-FR": 1036, "en-US": 1033, "en-GB": 2057, "de-DE": 1031, "de-CH": 2055}
SEPARATOR_CODES = {",": 44, ";": 59, "\t": 9}
TARGETS = {
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "ods": "ods:calc8",
    "xls": "xls:MS Excel 97",
}
PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>{locale}</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>{locale}</value></prop></item>
</oor:items>
"""  # noqa: E501


def csv_filter(separator: str, locale: str, *, as_shown: bool = True) -> str:
    """LibreOffice's CSV filter options: separator, '"', UTF-8, from line 1, language,
    quote all text off, detect special numbers on, save cell contents as shown."""
    shown = "true" if as_shown else "false"
    return f"{SEPARATOR_CODES[separator]},34,76,1,,{LANGUAGE_IDS[locale]},false,true,{shown}"


class Office:
    """LibreOffice headless, one user profile per locale, in a scratch directory."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.count = 0
        binary = shutil.which("soffice") or shutil.which("libreoffice")
        if binary is None:
            raise SystemExit("soffice not found: apt-get install libreoffice-calc-nogui")
        self.binary = binary

    def profile(self, locale: str) -> Path:
        directory = self.scratch / f"profile-{locale}"
        settings = directory / "user" / "registrymodifications.xcu"
        if not settings.exists():
            settings.parent.mkdir(parents=True)
            settings.write_text(PROFILE.format(locale=locale), encoding="utf-8")
        return directory

    def source(self, name: str, data: bytes) -> Path:
        """A source file the accountant's LibreOffice opens."""
        self.count += 1
        path = self.scratch / f"src{self.count}" / name
        path.parent.mkdir()
        path.write_bytes(data)
        return path

    def convert(self, source: Path, locale: str, target: str, *, infilter: str = "") -> bytes:
        """`source` opened and saved by LibreOffice in `locale`; `target` is an extension
        of TARGETS or a full --convert-to argument ('csv:...')."""
        self.count += 1
        out = self.scratch / f"out{self.count}"
        argument = TARGETS.get(target, target)
        command = [
            self.binary,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={self.profile(locale).as_uri()}",
        ]
        if infilter:
            command.append(f"--infilter={infilter}")
        command += ["--convert-to", argument, "--outdir", str(out), str(source)]
        subprocess.run(command, check=True, capture_output=True, timeout=180)
        extension = argument.split(":", 1)[0]
        produced = out / f"{source.stem}.{extension}"
        if not produced.exists():
            raise RuntimeError(f"LibreOffice wrote nothing for {' '.join(command)}")
        return produced.read_bytes()

    def save_as(self, workbook: bytes, locale: str, target: str, name: str = "journal") -> bytes:
        """An openpyxl workbook opened in LibreOffice (`locale`) and saved as `target`."""
        return self.convert(self.source(f"{name}.xlsx", workbook), locale, target)

    def typed(self, text: str, locale: str, separator: str, target: str) -> bytes:
        """Values typed in LibreOffice: a CSV imported in `locale` (dates and numbers
        recognised as the locale writes them), then saved as `target`."""
        source = self.source("typed.csv", text.encode("utf-8"))
        return self.convert(source, locale, target, infilter=_csv_import(separator, locale))


def _csv_import(separator: str, locale: str) -> str:
    return (
        "Text - txt - csv (StarCalc):"
        f"{SEPARATOR_CODES[separator]},34,76,1,,{LANGUAGE_IDS[locale]},false,true"
    )


# -- workbooks written by openpyxl ------------------------------------------------------------

DATE_FORMAT_14 = "mm-dd-yy"  # openpyxl's name of built-in format 14, the locale's short date
AMOUNT_FORMAT = "#,##0.00"


@dataclass
class SheetSpec:
    """One worksheet: rows of typed values, number formats by column (0-based), and
    what is hidden."""

    title: str
    rows: Sequence[Sequence[Any]]
    formats: dict[int, str] = field(default_factory=dict)
    hidden: bool = False
    hidden_rows: Sequence[int] = ()  # 1-based row numbers
    autofilter: bool = False
    widths: int = 14
    cell_formats: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column)


def workbook(*sheets: SheetSpec, active: int = 0) -> bytes:
    """An .xlsx workbook of `sheets`; `active` is the index of the selected sheet."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for spec in sheets:
        sheet = book.create_sheet(spec.title)
        for values in spec.rows:
            sheet.append([_cell_value(value) for value in values])
        for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row):
            for cell in row:
                number_format = spec.cell_formats.get(
                    (cell.row, cell.column - 1), spec.formats.get(cell.column - 1)
                )
                if number_format and isinstance(cell.value, (int, float, date, datetime)):
                    cell.number_format = number_format
        for number in spec.hidden_rows:
            sheet.row_dimensions[number].hidden = True
        if spec.autofilter and sheet.max_row > 1:
            sheet.auto_filter.ref = sheet.dimensions
        for index in range(1, sheet.max_column + 1):
            sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = spec.widths
        if spec.hidden:
            sheet.sheet_state = "hidden"
    book.active = active
    for index, sheet in enumerate(book.worksheets):
        sheet.sheet_view.tabSelected = index == active
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def every_sheet_hidden(data: bytes) -> bytes:
    """The workbook with its visible sheets hidden too (xl/workbook.xml edited: Excel and
    openpyxl refuse to save a workbook without a visible sheet, but such files exist)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                text = content.decode("utf-8")
                text = text.replace('state="visible"', 'state="hidden"')
                text = re.sub(r"<sheet (?![^>]*state=)", '<sheet state="hidden" ', text)
                content = text.encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()


def exact_floats(
    data: bytes, values: dict[str, float], part: str = "xl/worksheets/sheet1.xml"
) -> bytes:
    """The workbook with the cells `values` (reference -> float) holding the float's
    shortest exact repr, as Excel writes it (17 significant digits when needed):
    openpyxl writes floats with '%.16g', which turns 1166.3000000000002 into 1166.3."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                text = content.decode("utf-8")
                for reference, value in values.items():
                    cell = re.compile(rf'(<c r="{reference}"[^>]*><v>)[^<]*(</v>)')
                    text, count = cell.subn(rf"\g<1>{value!r}\g<2>", text)
                    if count != 1:
                        raise ValueError(f"no numeric cell {reference} in {part}")
                content = text.encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()


# -- text files as Excel writes them --------------------------------------------------------------


def delimited(rows: Sequence[Sequence[Any]], delimiter: str, *, newline: str = "\r\n") -> str:
    """Rows as Excel writes a delimited file: values as displayed, a value quoted only
    when it holds the separator, a quote or a line break."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow(["" if value is None else str(value) for value in row])
    return out.getvalue()


def excel_csv(
    rows: Sequence[Sequence[Any]],
    *,
    delimiter: str = ",",
    encoding: str = "cp1252",
    bom: bool = False,
    sep_line: bool = False,
) -> bytes:
    """Excel's "CSV (Comma delimited)" / "CSV (séparateur: point-virgule)" (Windows-1252)
    or "CSV UTF-8" (encoding utf-8, bom=True); `sep_line` puts Excel's `sep=;` hint first."""
    text = delimited(rows, delimiter)
    if sep_line:
        text = f"sep={delimiter}\r\n" + text
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def unicode_text(rows: Sequence[Sequence[Any]]) -> bytes:
    """Excel's "Unicode text": UTF-16LE with its BOM, tab-separated, CRLF; a cell holding
    a comma, a quote, a tab or a line break is quoted (quotes doubled)."""

    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        if any(mark in text for mark in ',"\t\r\n'):
            return '"' + text.replace('"', '""') + '"'
        return text

    text = "".join("\t".join(cell(value) for value in row) + "\r\n" for row in rows)
    return ("\ufeff" + text).encode("utf-16-le")


# -- numbers and dates as each program displays them -----------------------------------------------

NBSP, NNBSP = "\u00a0", "\u202f"


def grouped(amount: Decimal | str, group: str, decimal: str, places: int = 2) -> str:
    """1500 -> '1 500,00' (group ' ', decimal ','); places 0 -> '1 500'."""
    value = Decimal(amount)
    text = f"{value:,.{places}f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def fr(amount: Decimal | str, group: str = NBSP, places: int = 2) -> str:
    return grouped(amount, group, ",", places)


def en(amount: Decimal | str, places: int = 2) -> str:
    return grouped(amount, ",", ".", places)


def day_first(on: date) -> str:
    return f"{on:%d/%m/%Y}"


def month_first(on: date) -> str:
    """Excel en-US: 3/14/2025."""
    return f"{on.month}/{on.day}/{on.year}"


def excel_serial(on: date) -> str:
    return str((on - date(1899, 12, 30)).days)


# -- writing the corpus --------------------------------------------------------------------------


Maker = Callable[[Office], bytes]


def write(directory: Path = FILES, names: Sequence[str] = ()) -> list[tuple[str, int]]:
    """Write the file of every case (or of the cases `names`) into `directory`; files of
    no case are removed when the whole corpus is written."""
    from tests.imports.realworld.cases import CASES

    directory.mkdir(parents=True, exist_ok=True)
    chosen = [case for case in CASES if not names or case.name in names]
    written = []
    with tempfile.TemporaryDirectory(prefix="realworld-") as scratch:
        office = Office(Path(scratch))
        for case in chosen:
            data = case.make(office)
            if len(data) > MAX_FILE_BYTES:
                raise SystemExit(f"{case.name} is {len(data)} bytes (at most {MAX_FILE_BYTES})")
            (directory / case.name).write_bytes(data)
            written.append((case.name, len(data)))
    if not names:
        known = {case.name for case in CASES}
        for path in directory.iterdir():
            if path.is_file() and path.name not in known:
                path.unlink()
    return written


def main(argv: Sequence[str]) -> None:
    for name, size in write(FILES, argv):
        print(f"{size:>7}  {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
