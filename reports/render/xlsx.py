"""Statements as XLSX workbooks, streamed with xlsxwriter's constant-memory mode.

Rows are written as they are read from each section's iterable, and xlsxwriter keeps
one row at a time (the rows go to a temporary file, the workbook is zipped from disk),
so a ledger of a million lines never sits in memory. The sheet: a title block, one
frozen and filtered header row, then each section as a block (its title row, its
rows); totals last. A schedule (the forecast) goes on a sheet of its own, then the annex
(rates used) and the notes on one more.
xlsxwriter replaced openpyxl's write-only mode here (issue 13): a 1,000,000-line general
ledger went from 70-90 s of CPU to about 30, the workbook unchanged for its readers.

Figures stay numbers, written with their exact decimal text, with number formats;
dates are dates; text that a spreadsheet could take for a formula is stored as text
with the quote prefix, so it shows as typed and is never evaluated.
"""

import re
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from xlsxwriter.format import Format
from xlsxwriter.utility import _preserve_whitespace, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple, Worksheet

from reports.render.text import title_lines, word
from reports.statement import CellValue, Column, ColumnKind, Row, Schedule, Statement

AMOUNT_FORMAT = "#,##0.00"
INTEGER_FORMAT = "#,##0"
PERCENT_FORMAT = "0.00%"
TEXT_FORMAT = "@"
DATE_FORMATS = {"en": "yyyy-mm-dd", "fr": "dd/mm/yyyy"}
# What a spreadsheet may read as a formula, a command (formula injection) or an error code.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "#")
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31  # in UTF-16 code units, as Excel counts
# Excel keeps this sheet name for itself (the change history of shared workbooks).
SHEET_NAME_RESERVED = "history"
# Relative column widths are scaled to about this many characters across the sheet.
SHEET_CHARACTERS = {True: 150, False: 100}
_MINIMUM_WIDTH: dict[ColumnKind, int] = {
    "amount": 15,
    "date": 11,
    "percent": 9,
    "number": 10,
    "text": 8,
}
PAPER_A4 = 9
CHARACTER_PIXELS = 7  # the widest digit of the default font (Calibri 11), in pixels
# Excel's serial day numbers count from 1899-12-30 for every date from 1900-03-01 on
# (earlier ones go through xlsxwriter, which knows Excel's 1900 leap-year quirk).
_EXCEL_EPOCH = date(1899, 12, 30).toordinal()
_SERIAL_FROM = date(1900, 3, 1)

NAVY = "#1F3864"
GREY = "#5F6670"
RULE = "#8C99A8"
_FONTS: dict[str, dict[str, Any]] = {
    "normal": {"font_size": 10},
    "heading": {"font_size": 10, "bold": True, "font_color": NAVY},
    "subtotal": {"font_size": 10, "bold": True},
    "total": {"font_size": 10, "bold": True},
    "note": {"font_size": 9, "italic": True, "font_color": GREY},
    "section": {"font_size": 11, "bold": True, "font_color": NAVY},
    "head": {"font_size": 10, "bold": True, "font_color": "#FFFFFF"},
    "title": {"font_size": 14, "bold": True},
    "lab": {"font_size": 11, "bold": True, "font_color": NAVY},
    "fact": {"font_size": 9, "font_color": GREY},
    "lead": {"font_size": 11, "bold": True},
}
_FILLS = {"heading": "#E1E8F2", "subtotal": "#EDEDED", "total": "#CCDBEB", "head": NAVY}
_BORDERS: dict[str, dict[str, Any]] = {
    "subtotal": {"top": 1, "top_color": RULE},
    "total": {"top": 1, "top_color": RULE, "bottom": 1, "bottom_color": RULE},
    "section": {"bottom": 1, "bottom_color": RULE},
}


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def sheet_name(text: str, taken: Iterable[str] = ()) -> str:
    """A valid sheet name from `text`: no []:*?/\\, at most 31 characters (UTF-16 units),
    not blank, no apostrophe at either end, not Excel's own "History", different from the
    names `taken`."""
    name = SHEET_NAME_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", text))
    name = _cut(" ".join(name.split()).strip("'"), SHEET_NAME_LENGTH).strip() or "Sheet"
    used = {t.casefold() for t in taken} | {SHEET_NAME_RESERVED}
    candidate, number = name, 2
    while candidate.casefold() in used:
        suffix = f" ({number})"
        candidate = _cut(name, SHEET_NAME_LENGTH - len(suffix)).rstrip() + suffix
        number += 1
    return candidate


def _cut(text: str, units: int) -> str:
    """`text` shortened to at most `units` UTF-16 code units, never inside a character."""
    text = text[:units]
    while _utf16_length(text) > units:
        text = text[:-1]
    return text


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula, a command or an error
    code (#N/A) rather than as text."""
    return text.startswith(FORMULA_STARTS)


def _needs_care(text: str) -> bool:
    """Whether `text`, written as it is, would not end as plain text as typed."""
    return is_formula_like(text) or ILLEGAL_CHARACTERS_RE.search(text) is not None


class StatementSheet(Worksheet):
    """xlsxwriter's worksheet, writing its two commonest cells in one step, and every
    text as plain text.

    A million-line ledger is six million cells, and xlsxwriter's general `_write_cell`
    (a list of attributes, each checked for XML escaping though none ever needs it, the
    cell's kind found by its class name) took a third of the render. A number or an
    inline string (constant-memory mode) is written here as the XML xlsxwriter writes
    for it, with xlsxwriter's own escaping of the text; other cells go through
    xlsxwriter. One difference, on purpose: xlsxwriter writes a string that starts
    with <r> and ends with </r> as rich-text XML, unescaped; statements have no rich
    text, so such a label typed by a user is escaped here like any other, and cannot
    inject XML (a formula, say) into the sheet. tests/reports/test_render_xlsx_sheet.py
    compares both writers' sheets byte for byte, so an xlsxwriter release that writes
    cells otherwise fails it."""

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        kind = cell.__class__
        if kind is CellNumberTuple:
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}"{self._style(row, col, cell.format)}>'
                f"<v>{cell.number:.16G}</v></c>"
            )
        elif kind is CellStringTuple and self.constant_memory:
            text = self._escape_data(self._escape_control_characters(cell.string))
            space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}"{self._style(row, col, cell.format)}'
                f' t="inlineStr"><is><t{space}>{text}</t></is></c>'
            )
        else:
            super()._write_cell(row, col, cell)

    def _style(self, row: int, col: int, cell_format: Format | None) -> str:
        """The cell's style attribute: its own format, else its row's, else its
        column's, as xlsxwriter chooses (the statements set no row or column format)."""
        if cell_format is None:
            row_info = self.row_info.get(row)
            if row_info is not None and row_info.row_format:
                cell_format = row_info.row_format
            else:
                column = self.col_info.get(col)
                cell_format = column.column_format if column is not None else None
        return f' s="{cell_format._get_xf_index()}"' if cell_format is not None else ""


class _SheetWriter:
    """Writes the rows of one sheet in order, sharing one format per look.

    Cells go through xlsxwriter's undecorated `_write_*` methods: positions are always
    numbers here, and the public ones' argument conversion cost a tenth of a large
    ledger's render."""

    def __init__(self, workbook: xlsxwriter.Workbook, sheet: StatementSheet, language: str):
        self.workbook = workbook
        self.sheet = sheet
        self.row = 0  # the next row written (0-based)
        self.date_format = DATE_FORMATS.get(language, DATE_FORMATS["en"])
        self._formats: dict[tuple[str, str, bool], Format] = {}
        self._amount = self.format("normal", AMOUNT_FORMAT)
        self._date = self.format("normal", self.date_format)

    def format(self, look: str, number_format: str = "General", quoted: bool = False) -> Format:
        key = (look, number_format, quoted)
        found = self._formats.get(key)
        if found is None:
            font = _FONTS.get(look, _FONTS["normal"])
            properties: dict[str, Any] = {"font_name": "Calibri", **font}
            if look in _FILLS:
                properties.update(pattern=1, bg_color=_FILLS[look])
            properties.update(_BORDERS.get(look, {}))
            if look == "head":
                properties.update(valign="vcenter", text_wrap=True)
            if number_format != "General":
                properties["num_format"] = number_format
            if quoted:
                properties["quote_prefix"] = True
            found = self._formats[key] = self.workbook.add_format(properties)
        return found

    def skip(self) -> None:
        """An empty row."""
        self.row += 1

    def texts(self, texts: Iterable[str], look: str) -> None:
        """A row of text cells (a title line, the column headings)."""
        for column, text in enumerate(texts):
            self.text(column, text, look)
        self.row += 1

    def text(self, column: int, value: str, look: str) -> None:
        """A text cell, shown as typed: never a formula, an error code or a number."""
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        look_format = self.format(look, TEXT_FORMAT, is_formula_like(text))
        self.sheet._write_string(self.row, column, text, look_format)

    def cells(self, row: Row, kinds: Sequence[ColumnKind]) -> None:
        """One row of the statement, in the look of its style."""
        values, look = row.cells, row.style
        if look == "normal":
            self._normal(values, kinds)
        else:
            if len(values) < len(kinds):  # fill the whole band
                values = (*values, *[None] * (len(kinds) - len(values)))
            for column, (value, kind) in enumerate(zip(values, kinds, strict=False)):
                self.value(column, value, kind, look)
        self.row += 1

    def _normal(self, values: Sequence[CellValue], kinds: Sequence[ColumnKind]) -> None:
        """`value` for each cell of a plain row, with the common cases of a long ledger
        first (the loop a million-line ledger spends its time in)."""
        sheet, row, amount = self.sheet, self.row, self._amount
        for column, (value, kind) in enumerate(zip(values, kinds, strict=False)):
            if value is None:
                continue
            if type(value) is Decimal and kind == "amount":
                if value.is_finite():
                    sheet._write_number(row, column, value, amount)
            elif type(value) is str and value and not _needs_care(value):
                sheet._write_string(row, column, value)  # the default look, as typed
            elif type(value) is date and value >= _SERIAL_FROM:
                sheet._write_number(row, column, value.toordinal() - _EXCEL_EPOCH, self._date)
            else:
                self.value(column, value, kind, "normal")

    def value(self, column: int, value: CellValue, kind: ColumnKind, look: str) -> None:
        if value is None or value == "":
            if look != "normal":
                self.sheet._write_blank(self.row, column, None, self.format(look))
            return
        if isinstance(value, str):
            if look == "normal" and not _needs_care(value):
                self.sheet._write_string(self.row, column, value)
            else:
                self.text(column, value, look)
            return
        if isinstance(value, date):
            self._date_cell(column, value, self.format(look, self.date_format))
            return
        self.number(column, value, self.format(look, _number_format(value, kind)))

    def _date_cell(self, column: int, value: date, date_format: Format) -> None:
        if isinstance(value, datetime):  # Excel has no time zones: the local time shown
            self.sheet._write_datetime(self.row, column, value.replace(tzinfo=None), date_format)
        elif value >= _SERIAL_FROM:
            serial = value.toordinal() - _EXCEL_EPOCH
            self.sheet._write_number(self.row, column, serial, date_format)
        else:
            self.sheet._write_datetime(self.row, column, value, date_format)

    def number(self, column: int, value: Decimal | int, number_format: Format) -> None:
        """A number cell holding the exact decimal text of `value`: xlsxwriter writes a
        Decimal with its own formatting (`{:.16G}`), so -0.07 stays -0.07, where a
        float would have become -0.07000000000000001."""
        if isinstance(value, bool):
            value = int(value)
        elif isinstance(value, Decimal) and not value.is_finite():
            return
        self.sheet._write_number(self.row, column, value, number_format)


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


def _title_block(writer: _SheetWriter, statement: Statement) -> None:
    lab_line, unit_line, title, facts = title_lines(statement)
    writer.texts([title], "title")
    writer.texts([lab_line], "lab")
    if unit_line:
        writer.texts([unit_line], "fact")
    writer.texts([facts], "fact")
    writer.skip()


def _set_page(sheet: Worksheet, landscape: bool, header_row: int | None) -> None:
    """A4 pages one sheet wide, the header row (0-based) repeated at the top of each."""
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_paper(PAPER_A4)
    sheet.fit_to_pages(1, 0)
    # The margins the statements have always printed with (Excel's former defaults).
    sheet.set_margins(left=0.75, right=0.75, top=1, bottom=1)
    sheet.set_header(margin=0.5)
    sheet.set_footer(margin=0.5)
    if header_row is not None:
        sheet.repeat_rows(header_row)


def _set_widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    """Columns drawn as wide as the statements' workbooks always drew them: the widths
    stored as they are, which Excel draws at its own rule's pixels (Calibri 11: 7 pixels
    a character). xlsxwriter's `set_column` adds Excel's cell padding: given the pixels,
    it stores the width that draws them."""
    for index, width in enumerate(widths):
        pixels = int((256 * width + 128 // CHARACTER_PIXELS) / 256 * CHARACTER_PIXELS)
        sheet.set_column_pixels(index, index, pixels)


def _body_sheet(workbook: xlsxwriter.Workbook, statement: Statement) -> str:
    name = sheet_name(statement.title or statement.kind)
    sheet = workbook.add_worksheet(name, worksheet_class=StatementSheet)
    writer = _SheetWriter(workbook, sheet, statement.language)
    columns = statement.columns
    _set_widths(sheet, column_widths(columns, statement.landscape))
    _title_block(writer, statement)
    header_row = writer.row  # 0-based: the rows below it scroll, it stays
    sheet.freeze_panes(header_row + 1, 0)
    _set_page(sheet, statement.landscape, header_row)
    writer.texts([c.heading for c in columns], "head")
    kinds = [c.kind for c in columns]
    for section in statement.sections:
        if section.title:
            writer.texts([section.title], "section")
        for row in section.rows:
            writer.cells(row, kinds)
    for row in statement.totals:
        writer.cells(row, kinds)
    if columns:
        last_row = max(writer.row - 1, header_row + 1)
        sheet.autofilter(header_row, 0, last_row, len(columns) - 1)
    return name


def _schedule_sheet(
    workbook: xlsxwriter.Workbook, statement: Statement, schedule: Schedule, taken: list[str]
) -> str:
    """A schedule on a sheet of its own: its title under the lab and the statement's
    title, its lead, its table (header row frozen), then its notes."""
    name = sheet_name(schedule.short_title or schedule.title, taken)
    sheet = workbook.add_worksheet(name, worksheet_class=StatementSheet)
    writer = _SheetWriter(workbook, sheet, statement.language)
    columns = schedule.columns
    _set_widths(sheet, column_widths(columns, statement.landscape) if columns else [60.0])
    lab_line, _unit_line, title, _facts = title_lines(statement)
    writer.texts([schedule.title], "title")
    writer.texts([lab_line], "lab")
    writer.texts([title], "fact")
    writer.skip()
    for text in schedule.lead:
        writer.texts([text], "lead")
    if schedule.lead:
        writer.skip()
    header_row = writer.row if columns else None
    _set_page(sheet, statement.landscape, header_row)
    if columns:
        sheet.freeze_panes(writer.row + 1, 0)
        writer.texts([c.heading for c in columns], "head")
        kinds = [c.kind for c in columns]
        for section in schedule.sections:
            if section.title:
                writer.texts([section.title], "section")
            for row in section.rows:
                writer.cells(row, kinds)
    if schedule.notes:
        writer.skip()
        for note in schedule.notes:
            writer.texts([note], "normal")
    return name


def _annex_sheet(workbook: xlsxwriter.Workbook, statement: Statement, taken: list[str]) -> None:
    has_annex = bool(statement.annex_rows or statement.annex_title)
    if not has_annex and not statement.notes:
        return
    language = statement.language
    title = statement.annex_title or word(language, "annex" if has_annex else "notes")
    sheet = workbook.add_worksheet(sheet_name(title, taken), worksheet_class=StatementSheet)
    writer = _SheetWriter(workbook, sheet, language)
    columns = statement.annex_columns
    _set_widths(sheet, column_widths(columns, False) if columns else [60.0])
    _set_page(sheet, False, 2 if columns else None)
    writer.texts([title], "title")
    if has_annex and columns:
        writer.skip()
        writer.texts([c.heading for c in columns], "head")
        kinds = [c.kind for c in columns]
        for row in statement.annex_rows:
            writer.cells(row, kinds)
    if statement.notes:
        writer.skip()
        writer.texts([word(language, "notes")], "section")
        for number, note in enumerate(statement.notes, 1):
            writer.texts([f"{number}. {note}"], "normal")


def write_xlsx(statement: Statement, file: IO[bytes]) -> None:
    """Write the statement as an XLSX workbook to `file` (binary, open for writing):
    the statement sheet, its schedules, then annex and notes."""
    # xlsxwriter's files (the rows, the parts before zipping) go into a directory of our
    # own, removed whatever happens: a render that fails leaves nothing in /tmp.
    with tempfile.TemporaryDirectory(prefix="statement-xlsx-") as scratch:
        _write_workbook(statement, file, scratch)


def _write_workbook(statement: Statement, file: IO[bytes], scratch: str) -> None:
    workbook = xlsxwriter.Workbook(file, {"constant_memory": True, "tmpdir": scratch})
    workbook.use_zip64()  # a ledger's sheet may pass 4 GB before compression
    workbook.set_properties(
        {
            "title": statement.title,
            "author": "IRL Ledger",
            "subject": f"{statement.lab.code} {statement.kind}",
            "keywords": " ".join(f"{k}={v}" for k, v in statement.parameters.items()),
        }
    )
    # Closed only when complete: a statement that failed half-way is not written out.
    taken = [_body_sheet(workbook, statement)]
    for schedule in statement.schedules:
        taken.append(_schedule_sheet(workbook, statement, schedule, taken))
    _annex_sheet(workbook, statement, taken)
    workbook.close()


def render_xlsx(statement: Statement) -> bytes:
    """The statement as an XLSX workbook: the statement sheet, its schedules, then annex
    and notes."""
    # The zip is written to disk, not to memory, while a large ledger streams through.
    with tempfile.TemporaryFile() as file:
        write_xlsx(statement, file)
        file.seek(0)
        return file.read()
