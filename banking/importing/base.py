"""What every statement reader returns, and the amount and date readers they share."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from banking.exceptions import ROW_PROBLEM, ROW_PROBLEM_NO_COLUMN

# A file holds at most this many transactions (a year of a busy account is ~20,000).
MAX_LINES = 100_000
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10**13)


@dataclass(frozen=True)
class ParsedLine:
    """One transaction as the file gives it; money in is positive."""

    row: int  # the CSV line, or the entry / transaction number in an XML or OFX file
    booking_date: date
    value_date: date | None
    amount: Decimal
    description: str
    reference: str = ""
    transaction_id: str = ""


@dataclass(frozen=True)
class Problem:
    """Why a file is refused: where (row, column or field) and what."""

    row: int | None
    column: str
    problem: str

    def __str__(self) -> str:
        if self.row is None:
            return self.problem
        if not self.column:
            return str(ROW_PROBLEM_NO_COLUMN.format(row=self.row, problem=self.problem))
        return str(ROW_PROBLEM.format(row=self.row, column=self.column, problem=self.problem))


@dataclass
class ParsedStatement:
    format: str
    lines: list[ParsedLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    period_start: date | None = None
    period_end: date | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    statement_ref: str = ""
    account_number: str = ""
    currency: str = ""
    # Lines read but left out (zero amounts, pending entries), said in the preview.
    left_out: int = 0
    # The row of the last transaction read (a CSV's continuation lines follow it).
    last_row: int = 0

    def problem(self, row: int | None, column: str, problem: str) -> None:
        self.problems.append(Problem(row, column, str(problem)))

    def refuse(self, problem: str) -> "ParsedStatement":
        self.problem(None, "", problem)
        return self


@dataclass(frozen=True)
class CsvMapping:
    """How one bank's CSV export is read (saved on the bank account)."""

    date_column: str
    date_format: str = "%d/%m/%Y"
    value_date_column: str = ""
    amount_column: str = ""
    debit_column: str = ""  # withdrawals: money out
    credit_column: str = ""  # deposits: money in
    description_columns: tuple[str, ...] = ()
    reference_column: str = ""
    decimal_separator: str = "."
    delimiter: str = ","
    skip_rows: int = 0


_SPACES = re.compile(r"[\s\u00a0\u202f']+")
# Whole units (thousands grouped by threes, or not grouped), then up to two decimals.
_GROUPED_POINT = re.compile(r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{1,2}))?")
_GROUPED_COMMA = re.compile(r"(?P<whole>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<cents>\d{1,2}))?")
_CURRENCY = re.compile(r"^(?:[A-Z]{3}|S?\$|€)\s*|\s*(?:[A-Z]{3}|S?\$|€)$")


def parse_amount(text: str, decimal_separator: str = ".") -> Decimal | None:
    """An amount as banks write it: thousands separators, a leading or trailing minus,
    parentheses, a trailing CR/DR, a currency code or sign; None if it is none."""
    value = text.strip()
    if not value:
        return None
    sign = 1
    upper = value.upper()
    if upper.endswith(("CR", "DR")):
        sign = -1 if upper.endswith("DR") else 1
        value = value[:-2].strip()
    if value.startswith("(") and value.endswith(")"):
        sign, value = -sign, value[1:-1].strip()
    value = _CURRENCY.sub("", value).strip()
    if value.endswith("-"):
        sign, value = -sign, value[:-1].strip()
    if value.startswith(("-", "+")):
        if value[0] == "-":
            sign = -sign
        value = value[1:].strip()
    value = _SPACES.sub("", value)
    shape = _GROUPED_COMMA if decimal_separator == "," else _GROUPED_POINT
    match = shape.fullmatch(value)
    if match is None:
        return None
    whole = re.sub(r"[.,]", "", match["whole"])
    try:
        amount = Decimal(f"{whole}.{match['cents'] or '0'}")
    except InvalidOperation:
        return None
    if amount >= MAX_AMOUNT:
        return None
    return (sign * amount).quantize(CENT)


def parse_date(text: str, date_format: str) -> date | None:
    """`text` read with `date_format` (strptime codes); None if it is not such a date."""
    value = " ".join(text.split())
    if not value:
        return None
    try:
        return datetime.strptime(value, date_format).date()
    except ValueError:
        # Some banks write the month's name in capitals (31 MAR 2025).
        if "%b" in date_format:
            try:
                return datetime.strptime(value.title(), date_format).date()
            except ValueError:
                return None
        return None


def date_format_text(date_format: str) -> str:
    """A strptime format as a person writes it: %d/%m/%Y -> DD/MM/YYYY."""
    return (
        date_format.replace("%d", "DD")
        .replace("%m", "MM")
        .replace("%Y", "YYYY")
        .replace("%y", "YY")
        .replace("%b", "Mon")
    )


def clean_text(text: str, limit: int) -> str:
    """Whitespace folded, control characters dropped, cut at `limit` characters."""
    folded = " ".join("".join(c for c in text if c.isprintable() or c.isspace()).split())
    return folded[:limit]
