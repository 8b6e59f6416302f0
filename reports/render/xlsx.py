"""Statements as XLSX workbooks, streamed with openpyxl's write-only mode.

Rows are written as they are read from each section's iterable, so a ledger of a
million lines never sits in memory. The sheet: a title block, one frozen and filtered
header row, then each section as a block (its title row, its rows); totals last. The
annex (rates used) and the notes go on a second sheet.

Figures stay numbers, written with their exact decimal text, with number formats;
text that a spreadsheet could take for a formula is stored as text with the quote
prefix, so it shows as typed and is never evaluated.
"""

import functools
import re
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from reports.render.text import title_lines, word
from reports.statement import CellValue, Column, ColumnKind, Row, Statement

AMOUNT_FORMAT = "#,##0.00"
INTEGER_FORMAT = "#,##0"
PERCENT_FORMAT = "0.00%"
DATE_FORMATS = {"en": "yyyy-mm-dd", "fr": "dd/mm/yyyy"}
# What a spreadsheet may read as a formula, a command (formula injection) or an error code.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "#")
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31
# Relative column widths are scaled to about this many characters across the sheet.
SHEET_CHARACTERS = {True: 150, False: 100}
_MINIMUM_WIDTH: dict[ColumnKind, int] = {
    "amount": 15,
    "date": 11,
    "percent": 9,
    "number": 10,
    "text": 8,
}

NAVY = "1F3864"
_THIN = Side(style="thin", color="8C99A8")
_FONTS = {
    "normal": Font(name="Calibri", size=10),
    "heading": Font(name="Calibri", size=10, bold=True, color=NAVY),
    "subtotal": Font(name="Calibri", size=10, bold=True),
    "total": Font(name="Calibri", size=10, bold=True),
    "note": Font(name="Calibri", size=9, italic=True, color="5F6670"),
    "section": Font(name="Calibri", size=11, bold=True, color=NAVY),
    "head": Font(name="Calibri", size=10, bold=True, color="FFFFFF"),
    "title": Font(name="Calibri", size=14, bold=True),
    "lab": Font(name="Calibri", size=11, bold=True, color=NAVY),
    "fact": Font(name="Calibri", size=9, color="5F6670"),
}
_FILLS = {
    "heading": PatternFill("solid", fgColor="E1E8F2"),
    "subtotal": PatternFill("solid", fgColor="EDEDED"),
    "total": PatternFill("solid", fgColor="CCDBEB"),
    "head": PatternFill("solid", fgColor=NAVY),
}
_BORDERS = {
    "subtotal": Border(top=_THIN),
    "total": Border(top=_THIN, bottom=_THIN),
    "section": Border(bottom=_THIN),
}


def _cell(
    sheet: WriteOnlyWorksheet, value: CellValue = None, style_array: StyleArray | None = None
) -> Cell:
    """A cell for `sheet.append` (openpyxl places it: row and column are provisional)."""
    return Cell(sheet, row=1, column=1, value=value, style_array=style_array)


def sheet_name(text: str, taken: Iterable[str] = ()) -> str:
    """A valid sheet name from `text`: no []:*?/\\, at most 31 characters, not blank,
    no apostrophe at either end, different from the names `taken`."""
    name = SHEET_NAME_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", text))
    name = " ".join(name.split()).strip("'")[:SHEET_NAME_LENGTH].strip() or "Sheet"
    used = {t.casefold() for t in taken}
    candidate, number = name, 2
    while candidate.casefold() in used:
        suffix = f" ({number})"
        candidate = name[: SHEET_NAME_LENGTH - len(suffix)].rstrip() + suffix
        number += 1
    return candidate


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula, a command or an error
    code (#N/A) rather than as text."""
    return text.startswith(FORMULA_STARTS)


def _needs_care(text: str) -> bool:
    """Whether `text`, handed to openpyxl as it is, would not end as plain text."""
    return is_formula_like(text) or ILLEGAL_CHARACTERS_RE.search(text) is not None


class _Cells:
    """Makes the cells of one sheet, sharing one style array per look."""

    def __init__(self, sheet: WriteOnlyWorksheet, language: str):
        self.sheet = sheet
        self.language = language
        self._styles: dict[tuple[str, str, bool], StyleArray] = {}

    def style(self, look: str, number_format: str = "General", quoted: bool = False) -> StyleArray:
        key = (look, number_format, quoted)
        style = self._styles.get(key)
        if style is None:
            model = _cell(self.sheet)
            model.font = _FONTS.get(look, _FONTS["normal"])
            if look in _FILLS:
                model.fill = _FILLS[look]
            if look in _BORDERS:
                model.border = _BORDERS[look]
            if look == "head":
                model.alignment = Alignment(vertical="center", wrap_text=True)
            model.number_format = number_format
            model.quotePrefix = quoted
            style = self._styles[key] = model._style
        return style

    def text(self, value: str, look: str) -> Cell:
        """A text cell, shown as typed: never a formula, an error code or a number."""
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = _cell(self.sheet, style_array=self.style(look, "@", is_formula_like(text)))
        cell.value = text
        cell.data_type = "s"
        return cell

    def value(self, value: CellValue, kind: ColumnKind, look: str) -> Cell | str | None:
        if value is None or value == "":
            return _cell(self.sheet, style_array=self.style(look)) if look != "normal" else None
        if isinstance(value, str):
            if look == "normal" and not _needs_care(value):
                return value  # the writer's own cell: a plain cell object costs more
            return self.text(value, look)
        if isinstance(value, datetime):  # Excel has no time zones: the local time shown
            value = value.replace(tzinfo=None)
        if isinstance(value, date):
            return _cell(self.sheet, value=value, style_array=self.style(look, self.date_format))
        return self.number(value, self.style(look, _number_format(value, kind)))

    def number(self, value: Decimal | int, style: StyleArray) -> Cell | None:
        """A number cell holding the exact decimal text of `value`: openpyxl writes a
        Decimal through a float ('%.16g': -0.07 becomes -0.07000000000000001)."""
        if isinstance(value, Decimal) and not value.is_finite():
            return None
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        cell = _cell(self.sheet, value=text, style_array=style)
        cell.data_type = "n"
        return cell

    @property
    def date_format(self) -> str:
        return DATE_FORMATS.get(self.language, DATE_FORMATS["en"])

    def row(self, row: Row, kinds: Sequence[ColumnKind]) -> list[Cell | str | None]:
        values, look = row.cells, row.style
        if look == "normal":
            return [self._normal(value, kind) for value, kind in zip(values, kinds, strict=False)]
        if len(values) < len(kinds):  # fill the whole band
            values = (*values, *[None] * (len(kinds) - len(values)))
        return [self.value(value, kind, look) for value, kind in zip(values, kinds, strict=False)]

    def _normal(self, value: CellValue, kind: ColumnKind) -> Cell | str | None:
        """`value(value, kind, "normal")`, with the common cases of a long ledger first."""
        if value is None:
            return None
        if type(value) is Decimal and kind == "amount":
            return self.number(value, self._amount)
        if type(value) is str and value and not _needs_care(value):
            return value
        if type(value) is date:
            return _cell(self.sheet, value=value, style_array=self._date)
        return self.value(value, kind, "normal")

    @functools.cached_property
    def _amount(self) -> StyleArray:
        return self.style("normal", AMOUNT_FORMAT)

    @functools.cached_property
    def _date(self) -> StyleArray:
        return self.style("normal", self.date_format)


def _number_format(value: int | Decimal, kind: ColumnKind) -> str:
    if kind == "amount":
        return AMOUNT_FORMAT
    if kind == "percent":
        return PERCENT_FORMAT
    if kind != "number":
        return "General"  # an entry number in a text column, say
    if isinstance(value, int):
        return INTEGER_FORMAT
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{INTEGER_FORMAT}.{'0' * places}" if places else INTEGER_FORMAT


def column_widths(columns: Sequence[Column], landscape: bool) -> list[float]:
    """Sheet widths in characters: the relative widths scaled to the sheet, never
    narrower than the heading or than the kind's widest usual value."""
    total = sum(max(c.width, 1) for c in columns) or 1
    scale = SHEET_CHARACTERS[landscape] / total
    return [
        round(min(max(c.width * scale, len(c.heading) + 3, _MINIMUM_WIDTH[c.kind]), 80), 1)
        for c in columns
    ]


def _title_block(cells: _Cells, statement: Statement) -> list[list[Cell | None]]:
    lab_line, unit_line, title, facts = title_lines(statement)
    rows: list[list[Cell | None]] = [
        [cells.text(title, "title")],
        [cells.text(lab_line, "lab")],
    ]
    if unit_line:
        rows.append([cells.text(unit_line, "fact")])
    rows.append([cells.text(facts, "fact")])
    rows.append([])
    return rows


def _set_page(sheet: WriteOnlyWorksheet, landscape: bool, header_row: int | None) -> None:
    """A4 pages one sheet wide, the header row repeated at the top of each."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row is not None:
        sheet.print_title_rows = f"{header_row}:{header_row}"


def _body_sheet(workbook: Workbook, statement: Statement) -> None:
    sheet = workbook.create_sheet(sheet_name(statement.title or statement.kind))
    cells = _Cells(sheet, statement.language)
    columns = statement.columns
    for index, width in enumerate(column_widths(columns, statement.landscape), 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    title = _title_block(cells, statement)
    header_row = len(title) + 1
    # Freeze panes, widths and page setup are written with the sheet's head: set first.
    sheet.freeze_panes = f"A{header_row + 1}"
    _set_page(sheet, statement.landscape, header_row)
    for cells_of_row in title:
        sheet.append(cells_of_row)
    sheet.append([cells.text(c.heading, "head") for c in columns])
    last_row = header_row
    kinds = [c.kind for c in columns]
    for section in statement.sections:
        if section.title:
            sheet.append([cells.text(section.title, "section")])
            last_row += 1
        for row in section.rows:
            sheet.append(cells.row(row, kinds))
            last_row += 1
    for row in statement.totals:
        sheet.append(cells.row(row, kinds))
        last_row += 1
    if columns:
        last_column = get_column_letter(len(columns))
        sheet.auto_filter.ref = f"A{header_row}:{last_column}{max(last_row, header_row + 1)}"


def _annex_sheet(workbook: Workbook, statement: Statement) -> None:
    has_annex = bool(statement.annex_rows or statement.annex_title)
    if not has_annex and not statement.notes:
        return
    language = statement.language
    title = statement.annex_title or word(language, "annex" if has_annex else "notes")
    sheet = workbook.create_sheet(sheet_name(title, workbook.sheetnames))
    cells = _Cells(sheet, language)
    columns = statement.annex_columns
    widths = column_widths(columns, False) if columns else [60.0]
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    _set_page(sheet, False, 3 if columns else None)
    sheet.append([cells.text(title, "title")])
    if has_annex and columns:
        sheet.append([])
        sheet.append([cells.text(c.heading, "head") for c in columns])
        kinds = [c.kind for c in columns]
        for row in statement.annex_rows:
            sheet.append(cells.row(row, kinds))
    if statement.notes:
        sheet.append([])
        sheet.append([cells.text(word(language, "notes"), "section")])
        for number, note in enumerate(statement.notes, 1):
            sheet.append([cells.text(f"{number}. {note}", "normal")])


def render_xlsx(statement: Statement) -> bytes:
    """The statement as an XLSX workbook: the statement sheet, then annex and notes."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = statement.title
    workbook.properties.creator = "IRL Ledger"
    workbook.properties.subject = f"{statement.lab.code} {statement.kind}"
    workbook.properties.keywords = " ".join(f"{k}={v}" for k, v in statement.parameters.items())
    _body_sheet(workbook, statement)
    _annex_sheet(workbook, statement)
    # The zip is written to disk, not to memory, while a large ledger streams through.
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        return file.read()
