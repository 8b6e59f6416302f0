"""CSV exports as Singapore banks write them: a few lines about the account above the
column headings, dates as DD/MM/YYYY or 31 Mar 2025, thousands separators, and money out
and money in in two columns (or one signed amount), read with the bank account's saved
mapping. Rows without a date (blank lines, totals, notes at the end) are not
transactions and are passed over; a row with a date that does not read, or without an
amount, is a problem."""

import csv
import io
from dataclasses import replace
from decimal import Decimal

from banking.exceptions import (
    BAD_AMOUNT,
    BAD_DATE,
    BOTH_AMOUNTS,
    COLUMN_MISSING,
    HEADER_NOT_FOUND,
    NO_AMOUNT,
    NOT_TEXT,
    TOO_MANY_LINES,
)
from banking.importing.base import (
    MAX_LINES,
    CsvMapping,
    ParsedLine,
    ParsedStatement,
    clean_text,
    date_format_text,
    parse_amount,
    parse_date,
)

HEADER_SEARCH_ROWS = 50
MAX_FIELD = 10_000


def decode(data: bytes) -> str | None:
    """The file's text: UTF-8 (with or without BOM), else Windows-1252 as Excel saves it;
    None for binary content."""
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _header_index(rows: list[list[str]], mapping: CsvMapping) -> int | None:
    """The index of the heading row: after `skip_rows` lines if given, else the first of
    the first rows naming the date column."""
    if mapping.skip_rows:
        return mapping.skip_rows if mapping.skip_rows < len(rows) else None
    wanted = _key(mapping.date_column)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if wanted in (_key(cell) for cell in row):
            return index
    return None


def read_csv(data: bytes, mapping: CsvMapping) -> ParsedStatement:
    """The transactions of a CSV export read with `mapping`."""
    parsed = ParsedStatement(format="csv")
    text = decode(data)
    if text is None:
        return parsed.refuse(str(NOT_TEXT))
    csv.field_size_limit(MAX_FIELD)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter))
    except csv.Error as error:
        return parsed.refuse(str(error))
    header_at = _header_index(rows, mapping)
    if header_at is None:
        return parsed.refuse(str(HEADER_NOT_FOUND.format(column=mapping.date_column)))
    header = [_key(cell) for cell in rows[header_at]]
    columns = _columns(parsed, header, rows[header_at], mapping)
    if columns is None:
        return parsed
    for index in range(header_at + 1, len(rows)):
        _read_row(parsed, index + 1, rows[index], columns, mapping)
        if len(parsed.lines) > MAX_LINES:
            parsed.lines.clear()
            too_many = TOO_MANY_LINES.format(count=f"> {MAX_LINES}", limit=MAX_LINES)
            return parsed.refuse(str(too_many))
    if parsed.lines:
        parsed.period_start = min(line.booking_date for line in parsed.lines)
        parsed.period_end = max(line.booking_date for line in parsed.lines)
    return parsed


def _columns(
    parsed: ParsedStatement, header: list[str], shown: list[str], mapping: CsvMapping
) -> dict[str, list[int]] | None:
    """Each mapped role -> the indexes of its columns; None (with problems) if one is
    missing from the heading row."""
    roles: dict[str, list[str]] = {
        "date": [mapping.date_column],
        "value_date": [mapping.value_date_column] if mapping.value_date_column else [],
        "amount": [mapping.amount_column] if mapping.amount_column else [],
        "debit": [mapping.debit_column] if mapping.debit_column else [],
        "credit": [mapping.credit_column] if mapping.credit_column else [],
        "description": [c for c in mapping.description_columns if c],
        "reference": [mapping.reference_column] if mapping.reference_column else [],
    }
    found: dict[str, list[int]] = {}
    missing = False
    names = ", ".join(f"“{c.strip()}”" for c in shown if c.strip())
    for role, wanted in roles.items():
        found[role] = []
        for name in wanted:
            if _key(name) not in header:
                parsed.refuse(str(COLUMN_MISSING.format(column=name, columns=names)))
                missing = True
            else:
                found[role].append(header.index(_key(name)))
    return None if missing else found


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def _read_row(
    parsed: ParsedStatement,
    number: int,
    row: list[str],
    columns: dict[str, list[int]],
    mapping: CsvMapping,
) -> None:
    date_text = _cell(row, columns["date"][0])
    if not any(c.isdigit() for c in date_text):
        # A blank line, a total, a note: not a transaction. A line holding only text
        # under the description continues the description of the line above (OCBC).
        _continue_description(parsed, number, row, columns)
        return
    # Every problem of the row is said, each naming its column: the date, the value
    # date, the amounts.
    problems = len(parsed.problems)
    booking = parse_date(date_text, mapping.date_format)
    if booking is None:
        fmt = date_format_text(mapping.date_format)
        parsed.problem(
            number, mapping.date_column, str(BAD_DATE.format(value=date_text, format=fmt))
        )
    value_date = None
    if columns["value_date"]:
        value_text = _cell(row, columns["value_date"][0])
        value_date = parse_date(value_text, mapping.date_format) if value_text else None
        if value_text and value_date is None:
            fmt = date_format_text(mapping.date_format)
            parsed.problem(
                number,
                mapping.value_date_column,
                str(BAD_DATE.format(value=value_text, format=fmt)),
            )
    amount = _amount(parsed, number, row, columns, mapping)
    if amount is None or booking is None or len(parsed.problems) > problems:
        return
    if amount == 0:
        parsed.left_out += 1
        return
    description = " ".join(text for text in (_cell(row, i) for i in columns["description"]) if text)
    reference = _cell(row, columns["reference"][0]) if columns["reference"] else ""
    parsed.lines.append(
        ParsedLine(
            row=number,
            booking_date=booking,
            value_date=value_date,
            amount=amount,
            description=clean_text(description, 500),
            reference=clean_text(reference, 140),
        )
    )
    parsed.last_row = number


def _continue_description(
    parsed: ParsedStatement, number: int, row: list[str], columns: dict[str, list[int]]
) -> None:
    amounts = [_cell(row, i) for role in ("amount", "debit", "credit") for i in columns[role]]
    more = " ".join(text for text in (_cell(row, i) for i in columns["description"]) if text)
    if any(amounts) or not more or not parsed.lines or parsed.last_row != number - 1:
        return
    last = parsed.lines[-1]
    parsed.lines[-1] = replace(last, description=clean_text(f"{last.description} {more}", 500))
    parsed.last_row = number


def _amount(
    parsed: ParsedStatement,
    number: int,
    row: list[str],
    columns: dict[str, list[int]],
    mapping: CsvMapping,
) -> Decimal | None:
    separator = mapping.decimal_separator
    if columns["amount"]:
        text = _cell(row, columns["amount"][0])
        if not text:
            parsed.problem(number, mapping.amount_column, str(NO_AMOUNT))
            return None
        amount = parse_amount(text, separator)
        if amount is None:
            parsed.problem(number, mapping.amount_column, str(BAD_AMOUNT.format(value=text)))
        return amount
    debit_text = _cell(row, columns["debit"][0])
    credit_text = _cell(row, columns["credit"][0])
    debit = parse_amount(debit_text, separator) if debit_text else None
    credit = parse_amount(credit_text, separator) if credit_text else None
    bad = False
    if debit_text and debit is None:
        parsed.problem(number, mapping.debit_column, str(BAD_AMOUNT.format(value=debit_text)))
        bad = True
    if credit_text and credit is None:
        parsed.problem(number, mapping.credit_column, str(BAD_AMOUNT.format(value=credit_text)))
        bad = True
    if bad:
        return None
    if debit and credit:
        problem = BOTH_AMOUNTS.format(debit=debit_text, credit=credit_text)
        parsed.problem(number, "", str(problem))
        return None
    if debit is None and credit is None:
        parsed.problem(number, "", str(NO_AMOUNT))
        return None
    # A withdrawal is money out, a deposit money in, whatever sign the bank wrote.
    return abs(credit) if credit else -abs(debit or Decimal(0))
