"""Page geometry, fonts and row layout for the PDF renderer, and the page's PDF ink.

Widths are measured from the fonts' metrics and text is written as PDF operators
directly (`PageInk`): going through reportlab's text objects costs several string
conversions a cell, which is most of the time of a 50,000-line ledger.
"""

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas

from reports.render.text import format_cell
from reports.statement import CellValue, Column, ColumnKind

Color = tuple[float, float, float]

REGULAR, BOLD, ITALIC = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"
FONTS = (REGULAR, BOLD, ITALIC)
BODY_SIZE = 8.0
NOTE_SIZE = 7.0
PAD_X, PAD_Y = 3.0, 2.2

INK: Color = (0.10, 0.10, 0.12)
MUTED: Color = (0.38, 0.40, 0.44)
NAVY: Color = (0.12, 0.22, 0.36)
WHITE: Color = (1.0, 1.0, 1.0)
RULE: Color = (0.55, 0.60, 0.66)
STRIPE: Color = (0.955, 0.965, 0.975)
HEADING_FILL: Color = (0.88, 0.91, 0.95)
SUBTOTAL_FILL: Color = (0.93, 0.93, 0.93)
TOTAL_FILL: Color = (0.80, 0.86, 0.92)
CARRY_FILL: Color = (0.97, 0.95, 0.88)

NUMERIC_KINDS: frozenset[ColumnKind] = frozenset({"amount", "number", "percent"})
# The widest value each kind of column must hold on one line, at the body size.
_WIDEST: dict[ColumnKind, str] = {
    "amount": "-99 999 999 999.99",
    "date": "31/12/2025",
    "percent": "-100.00 %",
    "number": "9 999 999",
    "text": "Wwwwwwww",
}
# A cell is one paragraph: control characters (tabs, line breaks) become spaces.
CELL_SPACES = {code: " " for code in [*range(32), 127]}
# PDF string syntax: backslash and parentheses escaped, bytes past ASCII in octal.
_PDF_ESCAPES = {
    **{code: f"\\{code:03o}" for code in [*range(32), *range(127, 256)]},
    ord("\\"): "\\\\",
    ord("("): "\\(",
    ord(")"): "\\)",
}
# Helvetica's built-in encoding is WinAnsi, that is cp1252: one byte a character.
_WIDTHS = {font: getFont(font).widths for font in FONTS}


@dataclass(frozen=True)
class Look:
    """How a kind of row is set: font, colours and rules."""

    font: str
    size: float
    color: Color = INK
    fill: Color | None = None
    rule_above: float = 0.0
    rule_below: float = 0.0

    @property
    def leading(self) -> float:
        return self.size * 1.22


LOOKS: dict[str, Look] = {
    "normal": Look(REGULAR, BODY_SIZE),
    "heading": Look(BOLD, BODY_SIZE, NAVY, HEADING_FILL),
    "subtotal": Look(BOLD, BODY_SIZE, fill=SUBTOTAL_FILL, rule_above=0.4),
    "total": Look(BOLD, BODY_SIZE + 0.5, fill=TOTAL_FILL, rule_above=0.9, rule_below=0.9),
    "note": Look(ITALIC, NOTE_SIZE, MUTED),
    "carry": Look(ITALIC, BODY_SIZE, INK, CARRY_FILL, rule_above=0.3, rule_below=0.3),
    "section": Look(BOLD, BODY_SIZE + 1, NAVY, rule_below=0.6),
    "head": Look(BOLD, BODY_SIZE, WHITE, NAVY),
}


def _encode(text: str) -> bytes | None:
    """`text` in Helvetica's encoding, None when a character is outside it."""
    if text.isascii():
        return text.encode("ascii")
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        return None


def text_width(text: str, font: str, size: float) -> float:
    raw = _encode(text)
    if raw is None:
        return float(stringWidth(text, font, size))
    return sum(map(_WIDTHS[font].__getitem__, raw)) * size / 1000


# French puts a space before : ; ? ! » and after «: the line never breaks there (a
# no-break space binds the sign to its word). Lines break at the other spaces only.
_BOUND = re.compile(r" (?=[:;?!»])|(?<=«) ")
_BREAKS = re.compile(r"[ \t\r\f\v]+")
NO_BREAK_SPACE = "\u00a0"


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` in lines no wider than `width`; a word too long is broken, never cut."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        paragraph = _BOUND.sub(NO_BREAK_SPACE, paragraph)
        for token in (t for t in _BREAKS.split(paragraph) if t):
            candidate = f"{current} {token}" if current else token
            if text_width(candidate, font, size) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while len(token) > 1 and text_width(token, font, size) > width:
                cut = 1
                while cut < len(token) and text_width(token[: cut + 1], font, size) <= width:
                    cut += 1
                lines.append(token[:cut])
                token = token[cut:]
            current = token
        lines.append(current)
    return lines


@dataclass(frozen=True)
class Box:
    """Where a column sits on the page."""

    x: float
    width: float
    kind: ColumnKind
    running: bool = False

    @property
    def right(self) -> float:
        return self.x + self.width


def layout_columns(columns: Sequence[Column], left: float, width: float) -> tuple[Box, ...]:
    """Columns scaled to `width` by their relative widths; figures and dates get at least
    the room of their widest value, text columns share what is left."""
    if not columns:
        return ()
    total = sum(max(c.width, 1) for c in columns)
    share = [max(c.width, 1) / total * width for c in columns]
    widths = [
        s
        if c.kind == "text"
        else max(s, text_width(_WIDEST[c.kind], REGULAR, BODY_SIZE) + 2 * PAD_X)
        for c, s in zip(columns, share, strict=True)
    ]
    text_share = sum(s for c, s in zip(columns, share, strict=True) if c.kind == "text")
    if text_share:
        fixed = sum(w for c, w in zip(columns, widths, strict=True) if c.kind != "text")
        room = max(width - fixed, 0.0)
        widths = [
            s / text_share * room if c.kind == "text" else w
            for c, w, s in zip(columns, widths, share, strict=True)
        ]
    scale = min(width / sum(widths), 1.0)  # figures alone wider than the page: shrink all
    boxes, x = [], left
    for column, w in zip(columns, widths, strict=True):
        boxes.append(Box(x, w * scale, column.kind, column.running))
        x += w * scale
    return tuple(boxes)


class Cell:
    """The lines of one cell, each with the x where it starts."""

    __slots__ = ("runs", "size")

    def __init__(self, runs: Sequence[tuple[float, str]], size: float):
        self.runs = tuple(runs)
        self.size = size


class Line:
    """A row laid out, ready to draw."""

    __slots__ = ("cells", "line_count", "look", "stripe")

    def __init__(self, cells: Sequence[Cell], look: Look, line_count: int, stripe: bool = False):
        self.cells = tuple(cells)
        self.look = look
        self.line_count = line_count
        self.stripe = stripe

    @property
    def height(self) -> float:
        return self.line_count * self.look.leading + 2 * PAD_Y

    def split(self, lines: int) -> tuple["Line", "Line"]:
        """The first `lines` lines of every cell, and the rest."""
        head = [Cell(c.runs[:lines], c.size) for c in self.cells]
        rest = [Cell(c.runs[lines:], c.size) for c in self.cells]
        return (
            Line(head, self.look, lines, self.stripe),
            Line(rest, self.look, self.line_count - lines, self.stripe),
        )


def _runs(lines: Sequence[str], x: float, right: float, align_right: bool, look: Look) -> Cell:
    if not align_right:
        return Cell([(x + PAD_X, line) for line in lines], look.size)
    return Cell(
        [(right - PAD_X - text_width(line, look.font, look.size), line) for line in lines],
        look.size,
    )


class Table:
    """Lays out rows of cell values for one set of columns."""

    def __init__(self, columns: Sequence[Column], boxes: Sequence[Box], language: str):
        self.columns = tuple(columns)
        self.boxes = tuple(boxes)
        self.language = language
        self.has_amounts = any(b.kind == "amount" for b in self.boxes)

    def line(self, cells: Sequence[CellValue], style: str, stripe: bool = False) -> Line:
        look = LOOKS[style]
        laid: list[Cell] = []
        boxes, count, given = self.boxes, len(self.boxes), len(cells)
        index, lines = 0, 1
        while index < count:
            value = cells[index] if index < given else None
            if value is None or value == "":
                index += 1
                continue
            box = boxes[index]
            end = index + 1
            if style != "normal" and isinstance(value, str):
                # A label in a heading or total row runs over the empty cells after it.
                while end < count and (end >= given or cells[end] is None or cells[end] == ""):
                    end += 1
            cell = self._cell(value, box, boxes[end - 1].right, look, spans=end > index + 1)
            lines = max(lines, len(cell.runs))
            laid.append(cell)
            index = end
        return Line(laid, look, lines, stripe)

    def _cell(self, value: CellValue, box: Box, right: float, look: Look, spans: bool) -> Cell:
        text = format_cell(value, box.kind, self.language)
        inner = right - box.x - 2 * PAD_X
        font, size = look.font, look.size
        if isinstance(value, str):
            text = text.translate(CELL_SPACES)
            width = text_width(text, font, size)
            if width > inner:
                return _runs(wrap(text, font, size, inner), box.x, right, False, look)
            if box.kind in NUMERIC_KINDS and not spans:
                return Cell([(right - PAD_X - width, text)], size)
            return Cell([(box.x + PAD_X, text)], size)
        width = text_width(text, font, size)
        if width > inner:  # a figure is never wrapped: it is set smaller
            size = max(size * inner / width, 4.0)
            width = inner
        if box.kind in NUMERIC_KINDS:
            return Cell([(right - PAD_X - width, text)], size)
        return Cell([(box.x + PAD_X, text)], size)

    @functools.cached_property
    def heads(self) -> Line:
        """The column heads, drawn at the top of every page the table runs over."""
        look = LOOKS["head"]
        laid = []
        for column, box in zip(self.columns, self.boxes, strict=True):
            lines = wrap(column.heading, look.font, look.size, box.width - 2 * PAD_X)
            laid.append(_runs(lines, box.x, box.right, box.kind in NUMERIC_KINDS, look))
        return Line(laid, look, max((len(c.runs) for c in laid), default=1))


def _rgb(color: Color) -> str:
    return f"{color[0]:.3f} {color[1]:.3f} {color[2]:.3f}"


class PageInk:
    """The PDF operators of the page being drawn: fills and rules under the text."""

    def __init__(self, canvas: Canvas):
        self.canvas = canvas
        # Registering the fonts with the document gives their resource names (/F1...).
        self.names = {font: canvas._doc.getInternalFontName(font) for font in FONTS}
        self.graphics: list[str] = []
        self.text: list[str] = []
        self.state: tuple[str, float, Color] | None = None

    def put(self, text: str, x: float, y: float, font: str, size: float, color: Color) -> None:
        raw = _encode(text)
        if raw is None:  # outside Latin-1: reportlab substitutes what it can
            self._put_by_reportlab(text, x, y, font, size, color)
            return
        if (font, size, color) != self.state:
            self.text.append(f"{self.names[font]} {size:.2f} Tf {_rgb(color)} rg")
            self.state = (font, size, color)
        if raw.isascii() and not (b"(" in raw or b")" in raw or b"\\" in raw):
            literal = raw.decode("ascii")
        else:
            literal = raw.decode("latin-1").translate(_PDF_ESCAPES)
        self.text.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm ({literal}) Tj")

    def _put_by_reportlab(
        self, text: str, x: float, y: float, font: str, size: float, color: Color
    ) -> None:
        label = self.canvas.beginText(x, y)
        label.setFont(font, size)
        label.setFillColorRGB(*color)
        label.textOut(text)
        self.text.extend(("ET", label.getCode(), "BT"))
        self.state = None

    def fill(self, x: float, y: float, width: float, height: float, color: Color) -> None:
        self.graphics.append(f"{_rgb(color)} rg {x:.2f} {y:.2f} {width:.2f} {height:.2f} re f")

    def rule(self, x1: float, x2: float, y: float, weight: float, color: Color) -> None:
        self.graphics.append(
            f"{weight:.2f} w {_rgb(color)} RG {x1:.2f} {y:.2f} m {x2:.2f} {y:.2f} l S"
        )

    def flush(self) -> None:
        """Write the page's operators to the canvas, each block in its own graphics state."""
        if self.graphics:
            self.canvas.addLiteral("q\n" + "\n".join(self.graphics) + "\nQ")
        if self.text:
            self.canvas.addLiteral("q BT\n" + "\n".join(self.text) + "\nET Q")
        self.graphics, self.text, self.state = [], [], None
