"""The shape every statement is built into, and that every renderer reads.

A builder (reports/builders/) computes a `Statement` by SQL aggregation; renderers
(reports/render/) turn the same object into PDF, XLSX or text, so every format carries
the same figures. Amounts are `Decimal`s in the statement's currency; formatting for
the language is the renderers' job (`format_amount`).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

CellValue = str | Decimal | date | int | None
ColumnKind = Literal["text", "amount", "date", "percent", "number"]
RowStyle = Literal["normal", "heading", "subtotal", "total", "note"]


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # already in the statement's language
    kind: ColumnKind = "text"
    width: int = 10  # relative width: renderers scale it to the page or sheet
    # A running balance: carried to the next page as its last value, never summed.
    running: bool = False


@dataclass(frozen=True)
class Row:
    cells: tuple[CellValue, ...]
    style: RowStyle = "normal"


@dataclass(frozen=True)
class Section:
    """A titled block of rows (an account in the general ledger, a journal, a group)."""

    title: str
    rows: Iterable[Row]  # may be a generator: large ledgers are streamed, never held whole


@dataclass(frozen=True)
class Schedule:
    """A table of its own after the statement's figures, with its own columns (the
    burn-rate forecast, say): what stands out first (`lead`), the table, then its notes."""

    title: str
    columns: tuple[Column, ...]
    sections: tuple[Section, ...]
    lead: tuple[str, ...] = ()  # a line or two that stand out (a flag), before the table
    notes: tuple[str, ...] = ()  # how to read it (the method, the day it is as of)
    short_title: str = ""  # the name of its sheet in a workbook (the title's when empty)


@dataclass(frozen=True)
class LabHeader:
    code: str
    name: str
    unit_number: str
    partners: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    kind: str  # trial-balance, general-ledger, journal, budget-execution, partner, grant, ...
    title: str
    lab: LabHeader
    period_from: date
    period_to: date
    currency: str
    language: Literal["en", "fr"]
    generated_at: datetime
    columns: tuple[Column, ...]
    sections: tuple[Section, ...]
    totals: tuple[Row, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. how EUR amounts were converted
    annex_title: str = ""
    annex_columns: tuple[Column, ...] = ()
    annex_rows: tuple[Row, ...] = ()  # e.g. the chancellery rates used
    schedules: tuple[Schedule, ...] = ()  # after the totals, before the notes
    landscape: bool = False
    parameters: dict[str, str] = field(default_factory=dict)


def format_amount(value: Decimal, language: str) -> str:
    """1234.5 -> '1,234.50' in English, '1 234,50' in French (no-break space)."""
    text = f"{value:,.2f}"
    if language == "fr":
        return text.replace(",", "\u00a0").replace(".", ",")
    return text


def format_date(value: date, language: str) -> str:
    """31/12/2025 in French, 2025-12-31 in English (ISO, unambiguous for partners)."""
    return value.strftime("%d/%m/%Y") if language == "fr" else value.isoformat()
