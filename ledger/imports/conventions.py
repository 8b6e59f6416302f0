"""How a file writes its amounts and dates, decided for the whole file, never cell by cell.

Amounts typed as text ("1,500", "25.000", "1 234,56") are read with the decimal mark of
the file: the mark its unambiguous cells use ("1,234.56" has a decimal point, "1234,5" a
decimal comma), else the one its kind suggests (a semicolon CSV comes from French Excel).
A cell that could be read both ways ("1,500": 1500 or 1.5) waits for that decision; a
cell written with the other mark is a problem, never a guess. Babel's strict parser
checks each reading (grouping by threes, one decimal mark).

Slash dates are read day first (DD/MM/YYYY) unless the user says month first; a date
that is only valid the other way round ("12/31/2025") refuses the file, naming its row.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from babel.numbers import NumberFormatError, parse_decimal

from ledger.imports.cells import CellError, date_reading
from ledger.imports.problems import (
    AMOUNT_AMBIGUOUS,
    AMOUNT_CURRENCY,
    AMOUNT_CURRENCY_HINT,
    AMOUNT_OTHER_MARK,
    AMOUNT_READ_DECIMALS,
    AMOUNT_SYMBOL,
    DATE_DAY_FIRST,
    DATE_MONTH_FIRST,
    DATE_SERIAL,
    DATES_DAY_FIRST,
    DATES_MONTH_FIRST,
    DECIMAL_MARK,
    DECIMAL_MARK_FROM_CELL,
    DECIMAL_MARK_FROM_SEPARATOR,
    MARK_COMMA,
    MARK_POINT,
    NEGATIVE,
    NOT_A_DATE,
    NOT_AN_AMOUNT,
    SEPARATED_BY_COMMAS,
    SEPARATED_BY_SEMICOLONS,
    TOO_MANY_DECIMALS,
    Problem,
    shown,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

POINT, COMMA = ".", ","
MARK_NAMES = {POINT: MARK_POINT, COMMA: MARK_COMMA}
# Babel locales whose numbers are written 1,234.56 and 1.234,56.
LOCALES = {POINT: "en", COMMA: "de"}
SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " "})
GROUPING = re.compile(r"[ '’]")
NUMBER = re.compile(r"[0-9][0-9 '’.,]*")
PLAIN = re.compile(r"[0-9]+")
SYMBOLS = {"€": "EUR", "S$": "SGD", "US$": "USD", "£": "GBP", "¥": "JPY", "$": ""}
CURRENCY = re.compile(r"^(S\$|US\$|[€£¥$]|[A-Z]{3})\s*|\s*(S\$|US\$|[€£¥$]|[A-Z]{3})$")
ORDERS = ("auto", "dmy", "mdy")

ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T][0-9:.]*(?:Z|[+-][0-9:]+)?)?")
SLASH_DATE = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})(?: [0-9:.]+)?")
SERIAL = re.compile(r"[0-9]{5}(?:\.[0-9]+)?")
EXCEL_EPOCH = date(1899, 12, 30)
FIRST_YEAR, LAST_YEAR = 1990, 2100


@dataclass(frozen=True)
class Written:
    """A text amount and what it reads as with a decimal point and with a decimal comma
    (None when it is not a number that way)."""

    row: int
    column: str
    text: str
    point: Decimal | None
    comma: Decimal | None
    places: int


@dataclass
class Resolution:
    """What the decision on the decimal mark changes: amounts to set, rows in error."""

    values: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    bad_rows: set[int] = field(default_factory=set)


class Amounts:
    """The amounts of one file: read now when their reading does not depend on the
    decimal mark, decided at the end (`resolve`) when it does."""

    def __init__(self, hint: str | None) -> None:
        self.hint = hint
        self.marked: dict[str, list[tuple[int, str, str]]] = {POINT: [], COMMA: []}
        self.waiting: list[Written] = []

    def text(
        self,
        written: str,
        row: int,
        column: str,
        *,
        places: int = 2,
        currency: str = "",
        negative: "StrOrPromise" = NEGATIVE,
        other_column: str = "",
    ) -> Decimal:
        """The amount typed in a text cell (provisional when it waits for the file's
        decimal mark); CellError when it cannot be an amount of this column."""
        if PLAIN.fullmatch(written):
            return Decimal(written)
        number, is_negative, symbol = _strip(written)
        if symbol is not None:
            _check_currency(written, symbol, currency, column)
        if not NUMBER.fullmatch(number):
            raise CellError(NOT_AN_AMOUNT, value=shown(written))
        point, comma = _reading(number, POINT), _reading(number, COMMA)
        if point is None and comma is None:
            raise CellError(NOT_AN_AMOUNT, value=shown(written))
        if is_negative:
            raise CellError(negative, value=shown(written), other=other_column)
        if point is not None and comma is not None:
            if point == comma:
                return point
            self.waiting.append(Written(row, column, written, point, comma, places))
            provisional = point if self.hint != COMMA else comma
            return provisional
        mark = POINT if point is not None else COMMA
        value = point if point is not None else comma
        assert value is not None
        self.marked[mark].append((row, column, written))
        _check_places(value, written, places)
        return value

    def seen_point(self, row: int, column: str, written: str) -> None:
        """A cell read on the fast path ("1234.56"): evidence of a decimal point."""
        self.marked[POINT].append((row, column, written))

    def mark(self) -> str | None:
        points, commas = len(self.marked[POINT]), len(self.marked[COMMA])
        if points and commas:
            if points == commas:
                return self.hint or POINT
            return POINT if points > commas else COMMA
        if points:
            return POINT
        if commas:
            return COMMA
        return self.hint

    def resolve(self) -> tuple[Resolution, list[Problem], list[str]]:
        """Decide the file's decimal mark: the amounts that waited for it, the cells
        written with the other mark (problems), and a note."""
        resolution = Resolution()
        problems: list[Problem] = []
        notes: list[str] = []
        mark = self.mark()
        if mark is not None:
            other = COMMA if mark == POINT else POINT
            example = self.marked[mark][0] if self.marked[mark] else None
            for row, column, written in self.marked[other]:
                problems.append(
                    Problem(
                        AMOUNT_OTHER_MARK.format(
                            row=row,
                            column=column,
                            value=shown(written),
                            mark=MARK_NAMES[other],
                            file_mark=MARK_NAMES[mark],
                            example=shown(example[2]) if example else "",
                            example_row=example[0] if example else "",
                        ),
                        row,
                        column,
                    )
                )
                resolution.bad_rows.add(row)
        for cell in self.waiting:
            problem = self._decide(cell, mark, resolution)
            if problem is not None:
                problems.append(Problem(problem, cell.row, cell.column))
                resolution.bad_rows.add(cell.row)
        decided = [cell for cell in self.waiting if cell.row not in resolution.bad_rows]
        if decided and mark is not None:
            first = decided[0]
            reading = first.point if mark == POINT else first.comma
            notes.append(
                DECIMAL_MARK.format(
                    mark=MARK_NAMES[mark],
                    why=self._why(mark),
                    example=shown(first.text),
                    row=first.row,
                    reading=_shown_amount(reading),
                )
            )
        return resolution, problems, notes

    def _decide(self, cell: Written, mark: str | None, resolution: Resolution) -> str | None:
        if mark is None:
            return AMOUNT_AMBIGUOUS.format(
                row=cell.row,
                column=cell.column,
                value=shown(cell.text),
                as_point=_shown_amount(cell.point),
                as_comma=_shown_amount(cell.comma),
            )
        value, other = (cell.point, cell.comma) if mark == POINT else (cell.comma, cell.point)
        assert value is not None
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -cell.places:
            return AMOUNT_READ_DECIMALS.format(
                row=cell.row,
                column=cell.column,
                value=shown(cell.text),
                reading=value.normalize(),
                mark=MARK_NAMES[mark],
                places=cell.places,
                other=_shown_amount(other),
            )
        resolution.values[(cell.row, cell.column)] = value
        return None

    def _why(self, mark: str) -> str:
        if self.marked[mark]:
            row, _, written = self.marked[mark][0]
            return DECIMAL_MARK_FROM_CELL.format(example=shown(written), row=row)
        return DECIMAL_MARK_FROM_SEPARATOR.format(
            separator=SEPARATED_BY_SEMICOLONS if mark == COMMA else SEPARATED_BY_COMMAS
        )


def _strip(written: str) -> tuple[str, bool, str | None]:
    """(the number, negative, the currency symbol or code next to it)."""
    text = written.translate(SPACES).strip()
    negative = False
    symbol: str | None = None
    for _ in range(2):
        if text.startswith("(") and text.endswith(")"):
            text, negative = text[1:-1].strip(), True
        if text.startswith(("-", "−")):
            text, negative = text[1:].strip(), True
        elif text.endswith(("-", "−")):
            text, negative = text[:-1].strip(), True
        elif text.startswith("+"):
            text = text[1:].strip()
        found = CURRENCY.search(text)
        if found and symbol is None:
            symbol = found.group(1) or found.group(2)
            text = (text[: found.start()] + text[found.end() :]).strip()
    return text, negative, symbol


def _check_currency(written: str, symbol: str, currency: str, column: str) -> None:
    code = SYMBOLS.get(symbol, symbol)
    if not code:
        raise CellError(AMOUNT_SYMBOL, value=shown(written), symbol=symbol)
    if currency and code != currency:
        hint = AMOUNT_CURRENCY_HINT.format(code=code) if column in ("debit", "credit") else ""
        raise CellError(
            AMOUNT_CURRENCY, value=shown(written), written=code, expected=currency, hint=hint
        )


def _reading(number: str, mark: str) -> Decimal | None:
    group = COMMA if mark == POINT else POINT
    try:
        return parse_decimal(GROUPING.sub(group, number), locale=LOCALES[mark], strict=True)
    except (NumberFormatError, ValueError, ArithmeticError):
        return None


def _check_places(value: Decimal, written: str, places: int) -> None:
    if value != round(value, places):
        raise CellError(TOO_MANY_DECIMALS, value=shown(written), places=places)


def _shown_amount(value: Decimal | None) -> str:
    if value is None:
        return "nothing"
    return f"{value:,.2f}" if value == round(value, 2) else f"{value.normalize():,f}"


class Dates:
    """The dates of one file: Excel dates and serial numbers, YYYY-MM-DD (with a time or
    not), and slash dates day first (or month first when the user says so)."""

    def __init__(self, order: str = "auto") -> None:
        if order not in ORDERS:
            raise ValueError(f"date order {order!r}: one of {', '.join(ORDERS)}")
        self.order = order
        self.example: tuple[int, str, date] | None = None

    def read(self, value: object, row: int) -> tuple[date | None, str]:
        """(the date, as written) of a cell; CellError when it is not a date."""
        if isinstance(value, datetime):
            return value.date(), f"{value:%Y-%m-%d}"
        if isinstance(value, date):
            return value, f"{value:%Y-%m-%d}"
        if isinstance(value, bool):
            raise CellError(NOT_A_DATE, value=shown(value))
        if isinstance(value, int | float):
            return _serial(float(value), shown(value)), shown(value)
        if value is None:
            return None, ""
        written = str(value).strip()
        if not written:
            return None, ""
        return self._text(written, row), written

    def _text(self, written: str, row: int) -> date:
        match = ISO_DATE.fullmatch(written)
        if match:
            return _date(int(match[1]), int(match[2]), int(match[3]), written)
        if SERIAL.fullmatch(written):
            return _serial(float(written), written)
        match = SLASH_DATE.fullmatch(written)
        if not match:
            raise CellError(NOT_A_DATE, value=shown(written))
        first, separator, second, year_text = match[1], match[2], match[3], match[4]
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        day_first = _valid(year, int(second), int(first))
        month_first = _valid(year, int(first), int(second))
        if separator == "." or self.order != "mdy":
            if day_first is None:
                if month_first is not None and separator != ".":
                    raise CellError(
                        DATE_MONTH_FIRST, value=shown(written), reading=date_reading(month_first)
                    )
                raise CellError(NOT_A_DATE, value=shown(written))
            found = day_first
        else:
            if month_first is None:
                if day_first is not None:
                    raise CellError(
                        DATE_DAY_FIRST, value=shown(written), reading=date_reading(day_first)
                    )
                raise CellError(NOT_A_DATE, value=shown(written))
            found = month_first
        if (
            self.example is None
            and separator != "."
            and (self.order == "mdy" or (month_first is not None and first != second))
        ):
            self.example = (row, written, found)
        return found

    def notes(self) -> list[str]:
        if self.example is None:
            return []
        row, written, found = self.example
        template = DATES_MONTH_FIRST if self.order == "mdy" else DATES_DAY_FIRST
        return [template.format(example=shown(written), row=row, reading=date_reading(found))]


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date(year: int, month: int, day: int, written: str) -> date:
    found = _valid(year, month, day)
    if found is None:
        raise CellError(NOT_A_DATE, value=shown(written))
    return found


def _serial(number: float, written: str) -> date:
    """An Excel serial date (days since 1899-12-30; a time of day is a fraction)."""
    try:
        found = EXCEL_EPOCH + timedelta(days=int(number))
    except (OverflowError, ValueError):
        raise CellError(NOT_A_DATE, value=written) from None
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise CellError(
            DATE_SERIAL,
            value=written,
            reading=date_reading(found),
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )
    return found
