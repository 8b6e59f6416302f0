"""Spreadsheets for the import tests, written the way Excel and French spreadsheets do."""

import io
from collections.abc import Sequence
from typing import Any

import openpyxl

from ledger.imports.columns import export_columns

# The columns a journal sheet holds, as the templates and exports write them.
JOURNAL_HEADER = export_columns("journal")


def xlsx(rows: Sequence[Sequence[Any]], title: str = "Journal") -> bytes:
    """An .xlsx workbook whose first sheet holds `rows` (the first one is the header)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_text(rows: Sequence[Sequence[Any]], delimiter: str = ",") -> str:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], delimiter: str = ",", bom: bool = False) -> bytes:
    data = csv_text(rows, delimiter).encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def line(
    entry: str,
    account: str,
    debit: Any = None,
    credit: Any = None,
    *,
    date: Any = "2025-03-14",
    journal: str = "ACH",
    label: str = "Supplies",
    currency: str = "",
    amount_currency: Any = None,
    side: str = "",
    budget_line: str = "",
    piece_ref: str = "",
    piece_date: Any = None,
    third_party: str = "",
) -> list[Any]:
    """One journal row in the order of JOURNAL_HEADER."""
    return [
        entry,
        date,
        journal,
        account,
        label,
        debit,
        credit,
        currency,
        amount_currency,
        side,
        budget_line,
        piece_ref or f"INV-{entry}",
        piece_date,
        third_party,
    ]
