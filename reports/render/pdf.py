"""Statements as PDF, drawn straight on a reportlab canvas.

Rows are read once from each section's iterable and drawn as they come: no platypus
Table (splitting one big table is quadratic in its rows) and no list of all rows, so a
general ledger of 50,000 lines renders in seconds. Text is written as text, never parsed
as markup, so a label such as "<b>R&D</b>" is printed as typed.

Only reportlab's built-in Helvetica is used (it covers Latin-1: accents and the
no-break space of French figures); characters outside it print as a box.
"""

import contextlib
import functools
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from reports.render.pdf_layout import (
    BODY_SIZE,
    BOLD,
    CELL_SPACES,
    INK,
    LOOKS,
    MUTED,
    NAVY,
    PAD_X,
    PAD_Y,
    REGULAR,
    RULE,
    STRIPE,
    Cell,
    Color,
    Line,
    PageInk,
    Table,
    layout_columns,
    text_width,
    wrap,
)
from reports.render.text import period_text, title_lines, word
from reports.statement import CellValue, Row, Schedule, Section, Statement

MARGIN = 14 * mm
FOOTER_HEIGHT = 9 * mm
PAGE_TOTAL_FORM = "pageTotal"


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Page streams deflated only, not also ASCII85-encoded (reportlab's default, made
    for 7-bit channels): a quarter smaller, and without reportlab's optional C
    accelerator the encoding alone takes half the time of a long ledger. Either
    setting gives a valid PDF, so a concurrent render seeing this one's is harmless."""
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


class _Carry:
    """Running totals of a section's amount columns, for the foot and head of pages:
    sums over its normal rows, or the last value of a running balance."""

    def __init__(self, table: Table):
        self.table = table
        self.figures: list[Decimal | None] = [None] * len(table.boxes)

    def add(self, row: Row) -> None:
        figures, normal = self.figures, row.style == "normal"
        for index, (box, value) in enumerate(zip(self.table.boxes, row.cells, strict=False)):
            if box.kind != "amount" or not isinstance(value, Decimal | int):
                continue
            previous = figures[index]
            if box.running:  # any row with a balance (an opening row too) sets it
                figures[index] = Decimal(value)
            elif normal:  # subtotals and notes would count lines twice
                figures[index] = Decimal(value) if previous is None else previous + value

    def line(self, label: str) -> Line:
        cells: list[CellValue] = list(self.figures)
        if self.table.boxes[0].kind != "amount":
            cells[0] = label
        return self.table.line(cells, "carry")


class _Document:
    """The canvas, the page being drawn and the table whose heads repeat on each page."""

    def __init__(self, statement: Statement, buffer: io.BytesIO):
        self.statement = statement
        self.language = statement.language
        pagesize = landscape(A4) if statement.landscape else A4
        self.width, self.height = pagesize
        self.left, self.right = MARGIN, self.width - MARGIN
        self.bottom = MARGIN + FOOTER_HEIGHT
        self.canvas = Canvas(buffer, pagesize=pagesize, pageCompression=1)
        self.canvas.setTitle(statement.title)
        self.canvas.setAuthor(f"{statement.lab.code} — {statement.lab.name}")
        self.canvas.setSubject(f"{statement.title}, {period_text(statement)}")
        self.canvas.setCreator("IRL Ledger")
        self.canvas.setKeywords([f"{k}={v}" for k, v in statement.parameters.items()])
        self.ink = PageInk(self.canvas)
        self.page = 0
        self.y = 0.0
        self.fresh = True  # no body row yet on this page
        self.table: Table | None = None

    # Pages ------------------------------------------------------------------------

    def new_page(self) -> None:
        if self.page:
            self._finish_page()
        self.page += 1
        self.y = self.height - MARGIN
        if self.page == 1:
            self._title_block()
        else:
            self._running_head()
        self.fresh = True
        if self.table is not None:
            self.draw(self.table.heads)

    def close(self) -> None:
        """Finish the last page, then write the page total every footer refers to."""
        if not self.page:
            self.new_page()
        self._finish_page()
        canvas = self.canvas
        canvas.beginForm(PAGE_TOTAL_FORM)
        canvas.setFont(REGULAR, 7)
        canvas.setFillColorRGB(*MUTED)
        canvas.drawString(0, 0, str(self.page))
        canvas.endForm()
        with _binary_streams():
            canvas.save()

    def _finish_page(self) -> None:
        self._footer()
        self.ink.flush()
        # "Page 3 of " ends where the total starts. The total is a form written once
        # all pages are known, so the document is drawn in one pass over the rows.
        canvas = self.canvas
        canvas.saveState()
        canvas.translate(self._page_total_x, MARGIN)
        canvas.doForm(PAGE_TOTAL_FORM)
        canvas.restoreState()
        canvas.showPage()

    @property
    def _page_total_x(self) -> float:
        return self.right - text_width("888", REGULAR, 7)

    def _title_block(self) -> None:
        lab_line, unit_line, title, facts = title_lines(self.statement)
        self._paragraph(lab_line, BOLD, 11, NAVY)
        if unit_line:
            self._paragraph(unit_line, REGULAR, 8, MUTED)
        self.y -= 6
        self._paragraph(title, BOLD, 16, INK)
        self.y -= 1
        self._paragraph(facts, REGULAR, 8.5, INK)
        self.y -= 5
        self._rule(self.y, 1.2, NAVY)
        self.y -= 8

    def _running_head(self) -> None:
        statement = self.statement
        self.y -= 8
        put = self.ink.put
        put(f"{statement.lab.code} — {statement.title}", self.left, self.y, BOLD, 8, NAVY)
        right = f"{period_text(statement)} · {statement.currency}"
        put(right, self.right - text_width(right, REGULAR, 8), self.y, REGULAR, 8, MUTED)
        self.y -= 4
        self._rule(self.y, 0.6, NAVY)
        self.y -= 6

    def _footer(self) -> None:
        statement = self.statement
        self._rule(MARGIN + 9, 0.4, RULE)
        parts = (statement.lab.code, statement.lab.unit_number, statement.title)
        left = " · ".join(part for part in parts if part)
        self.ink.put(left, self.left, MARGIN, REGULAR, 7, MUTED)
        words = word(self.language, "page").format(page=self.page)
        x = self._page_total_x - text_width(words, REGULAR, 7)
        self.ink.put(words, x, MARGIN, REGULAR, 7, MUTED)

    # Drawing ------------------------------------------------------------------------

    def room(self) -> float:
        return self.y - self.bottom

    def _rule(self, y: float, weight: float, color: Color) -> None:
        self.ink.rule(self.left, self.right, y, weight, color)

    def _paragraph(self, text: str, font: str, size: float, color: Color) -> None:
        for line in wrap(text, font, size, self.right - self.left):
            self.y -= size * 1.2
            self.ink.put(line, self.left, self.y, font, size, color)

    def paragraph(self, text: str, font: str, size: float, color: Color, indent: float = 0) -> None:
        """Free text over the page width, breaking pages as needed."""
        for line in wrap(text, font, size, self.right - self.left - indent):
            if self.room() < size * 1.25:
                self.new_page()
            self.y -= size * 1.25
            self.ink.put(line, self.left + indent, self.y, font, size, color)

    def draw(self, line: Line) -> None:
        """Draw `line` at the cursor (the caller has checked it fits)."""
        look, top, ink = line.look, self.y, self.ink
        height = line.height
        bottom = top - height
        fill = STRIPE if line.stripe and look.fill is None else look.fill
        if fill is not None:
            ink.fill(self.left, bottom, self.right - self.left, height, fill)
        if look.rule_above:
            self._rule(top, look.rule_above, RULE)
        if look.rule_below:
            self._rule(bottom, look.rule_below, RULE)
        first_baseline = top - PAD_Y - look.size * 0.78
        font, color, leading, put = look.font, look.color, look.leading, ink.put
        for cell in line.cells:
            baseline = first_baseline
            for x, text in cell.runs:
                put(text, x, baseline, font, cell.size, color)
                baseline -= leading
        self.y = bottom

    def place(
        self,
        line: Line,
        reserve: float,
        page_break: Callable[[], None],
        drawn: Callable[[], None] | None = None,
    ) -> None:
        """Draw a body row, breaking the page first if it does not fit above `reserve`;
        a row taller than a whole page is split across pages. `drawn` is called once
        the row's first line, the one with its figures, is on the page."""
        while line.height > self.room() - reserve:
            if not self.fresh:
                page_break()
                continue
            fits = int((self.room() - reserve - 2 * PAD_Y) // line.look.leading)
            if fits < 1:  # the heads alone fill the page: draw over the margin
                break
            head, line = line.split(fits)
            self.draw(head)
            if drawn is not None:
                drawn()
                drawn = None
            page_break()
        self.draw(line)
        self.fresh = False
        if drawn is not None:
            drawn()

    def section_title(self, title: str) -> Line:
        look = LOOKS["section"]
        width = self.right - self.left - 2 * PAD_X
        lines = wrap(title.translate(CELL_SPACES), look.font, look.size, width)
        cell = Cell([(self.left + PAD_X, line) for line in lines], look.size)
        return Line([cell], look, len(lines))


class _PageBreak:
    """Ends the page and starts the next, with the carried-forward rows of a section."""

    def __init__(self, document: "_Document", section: str = "", carry: _Carry | None = None):
        self.document = document
        self.section = section
        self.carry = carry

    def __call__(self) -> None:
        document, carry = self.document, self.carry
        language = document.language
        if carry is not None:
            document.draw(carry.line(word(language, "carried_forward")))
        document.new_page()
        if self.section:
            continued = f"{self.section} {word(language, 'continued')}"
            document.draw(document.section_title(continued))
        if carry is not None:
            document.draw(carry.line(word(language, "brought_forward")))


def _peek(rows: Iterable[Row]) -> tuple[Row | None, Iterator[Row]]:
    iterator = iter(rows)
    return next(iterator, None), iterator


def _draw_section(
    document: _Document, table: Table, section: Section, carried: bool = True
) -> None:
    """The section's title and rows; with `carried`, the running totals of its amount
    columns carried from page to page."""
    first, rest = _peek(section.rows)
    carry = _Carry(table) if carried and table.has_amounts else None
    reserve = carry.line("").height if carry is not None else 0.0
    title = document.section_title(section.title) if section.title else None
    first_line = table.line(first.cells, first.style) if first is not None else None
    # Keep the title with the first row: never a title alone at the foot of a page.
    needed = (title.height if title else 0) + (first_line.height if first_line else 0)
    if not document.fresh and needed + reserve > document.room():
        document.new_page()
    if title is not None:
        document.draw(title)
    if first is None or first_line is None:
        return
    page_break = _PageBreak(document, section.title, carry)
    rows = itertools.chain([(first, first_line)], ((row, None) for row in rest))
    stripe = False
    for row, laid in rows:
        line = laid or table.line(row.cells, row.style, stripe=stripe and row.style == "normal")
        stripe = not stripe if row.style == "normal" else False
        added = functools.partial(carry.add, row) if carry is not None else None
        document.place(line, reserve, page_break, added)


def render_pdf(statement: Statement) -> bytes:
    """The statement as a PDF document: title block, sections, totals, schedules, notes,
    annex."""
    buffer = io.BytesIO()
    document = _Document(statement, buffer)
    width = document.right - document.left
    table = Table(
        statement.columns,
        layout_columns(statement.columns, document.left, width),
        statement.language,
    )
    document.table = table
    document.new_page()
    for section in statement.sections:
        _draw_section(document, table, section)
    _draw_rows(document, table, statement.totals)
    document.table = None
    for schedule in statement.schedules:
        _draw_schedule(document, schedule)
    _draw_notes(document, statement)
    _draw_annex(document, statement)
    document.close()
    return buffer.getvalue()


def _draw_rows(document: _Document, table: Table, rows: Iterable[Row]) -> None:
    page_break = _PageBreak(document)
    for row in rows:
        document.place(table.line(row.cells, row.style), 0.0, page_break)


def _draw_schedule(document: _Document, schedule: Schedule) -> None:
    """A schedule over the page width: its title, its lead in bold, its table (heads
    repeated on each page it runs over; nothing carried: its rows are not summed), its
    notes."""
    _free_heading(document, schedule.title, keep_with=60)
    for text in schedule.lead:
        document.paragraph(text, BOLD, BODY_SIZE + 1, INK)
        document.y -= 2
    if schedule.columns and schedule.sections:
        document.y -= 2
        boxes = layout_columns(schedule.columns, document.left, document.right - document.left)
        table = Table(schedule.columns, boxes, document.language)
        if document.room() < table.heads.height + 30:
            document.new_page()  # draws the previous table's heads, if any: there is none
        document.table = table
        document.draw(table.heads)
        document.fresh = True
        for section in schedule.sections:
            _draw_section(document, table, section, carried=False)
        document.table = None
    for note in schedule.notes:
        document.y -= 3
        document.paragraph(note, REGULAR, BODY_SIZE, MUTED)


def _draw_notes(document: _Document, statement: Statement) -> None:
    if not statement.notes:
        return
    _free_heading(document, word(statement.language, "notes"))
    for number, note in enumerate(statement.notes, 1):
        document.paragraph(f"{number}. {note}", REGULAR, BODY_SIZE, INK)
        document.y -= 2


def _draw_annex(document: _Document, statement: Statement) -> None:
    if not statement.annex_rows and not statement.annex_title:
        return
    title = statement.annex_title or word(statement.language, "annex")
    _free_heading(document, title, keep_with=40)
    if not statement.annex_columns:
        return
    # A short table of rates reads better at its natural width than spread over the page.
    full = document.right - document.left
    width = min(full, max(full / 2, sum(c.width for c in statement.annex_columns) * 8.0))
    boxes = layout_columns(statement.annex_columns, document.left, width)
    table = Table(statement.annex_columns, boxes, statement.language)
    heads = table.heads
    if document.room() < heads.height + 20:
        document.new_page()
    document.table = table
    document.draw(heads)
    document.fresh = True
    _draw_rows(document, table, statement.annex_rows)
    document.table = None


def _free_heading(document: _Document, text: str, keep_with: float = 20) -> None:
    document.y -= 10
    if document.room() < 30 + keep_with:
        document.new_page()
    document.paragraph(text, BOLD, 10, NAVY)
    document.y -= 4
