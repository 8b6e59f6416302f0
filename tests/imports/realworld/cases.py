"""The cases of the real-world corpus: one a file, with how it is made and what it must do.

Each case names its file (tests/imports/realworld/files/NAME), its kind, how it was made
(program, locale, filter), the recipe that makes it (run by make_realworld.py), and the
outcome an accountant expects: either the exact lines that land in the books (entry date,
journal, account, label, debit, credit in book currency SGD, and the amount in currency
when foreign), budget lines or rates; or the exact problems, in the order the import lists
them (file-level first, then by row). Messages are built from the constants of
ledger.imports.problems: a `Says` fills the parameters the file determines and leaves the
others (an example the code picks, a hint) to the code.

The books are those of tests/imports/conftest.py: CINTRA, book currency SGD, February
2025 closed by the test, budget lines OP-SUP and OP-MIS, chancellery rates of 2025
(March: 1 EUR = 1.4530 SGD, April: 1.4540 SGD). The template cases are checked against the
demo data set (`books="demo"`), since the issue asks that the template's example import
"into the demo as it comes".
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from ledger.imports.problems import (
    AMOUNT_AMBIGUOUS,
    AMOUNT_CURRENCY,
    AMOUNT_OTHER_MARK,
    AMOUNT_READ_DECIMALS,
    AMOUNT_SYMBOL,
    COLUMN_MISSING,
    DATE_MONTH_FIRST,
    DATES_DAY_FIRST,
    ENTRY_UNBALANCED,
    FILE_ALL_HIDDEN,
    HEADER_BELOW,
    HIDDEN_ROWS,
    HIDDEN_SHEETS,
    NEGATIVE_SIDE,
    NOT_AN_AMOUNT,
    OTHER_SHEETS,
    PERIOD_CLOSED,
    READ_CP1252,
    READ_CSV,
    READ_SHEET,
    UNKNOWN_ACCOUNT,
    UNKNOWN_BUDGET_LINE,
    rows_text,
)
from ledger.imports.templates import template_workbook
from tests.imports.realworld.make_realworld import (
    AMOUNT_FORMAT,
    DATE_FORMAT_14,
    NNBSP,
    Maker,
    Office,
    SheetSpec,
    csv_filter,
    day_first,
    delimited,
    en,
    every_sheet_hidden,
    exact_floats,
    excel_csv,
    excel_serial,
    fr,
    grouped,
    month_first,
    unicode_text,
    workbook,
)
from tests.imports.sheets import JOURNAL_HEADER

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LAB = "CINTRA"

# -- what must land --------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Booked:
    """One journal line as it must land: amounts as Decimal text with two places;
    amount_currency and currency only on foreign lines."""

    date: str
    journal: str
    account: str
    label: str
    debit: str
    credit: str
    amount_currency: str = ""
    currency: str = ""


@dataclass(frozen=True, order=True)
class BudgetBooked:
    code: str
    year: int
    label_fr: str
    envelope: str
    nature: str
    allocated: str
    allocated_on: str
    policy: str = "warn"


@dataclass(frozen=True, order=True)
class RateBooked:
    currency: str
    valid_from: str
    units_per_eur: str  # eight places, as stored
    source: str = "chancellery"


class Says:
    """A message of ledger.imports.problems with the parameters the file determines; the
    parameters left out (an example the code chooses, a hint) may be any text."""

    def __init__(self, template: StrOrPromise, **params: Any) -> None:
        self.template = template = str(template)  # a lazy (translated) constant: its English
        self.params = params
        parts = []
        for literal, name, spec, _ in string.Formatter().parse(template):
            parts.append(re.escape(literal))
            if name is None:
                continue
            if name in params:
                parts.append(re.escape(format(params[name], spec or "")))
            else:
                parts.append(".*?")
        self.pattern = re.compile("".join(parts), re.DOTALL)
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        unknown = set(params) - names
        if unknown:
            raise ValueError(f"{sorted(unknown)} are not parameters of {template!r}")

    def matches(self, message: str) -> bool:
        return self.pattern.fullmatch(message) is not None

    def __repr__(self) -> str:
        known = {name: self.params.get(name, "{" + name + "}") for name in self._names()}
        return repr(self.template.format(**known))

    def _names(self) -> list[str]:
        return [name for _, name, _, _ in string.Formatter().parse(self.template) if name]


# A message as written, or a translated constant (compared in the active language).
Expected: TypeAlias = "StrOrPromise | Says"


def matches(expected: Expected, message: str) -> bool:
    return expected.matches(message) if isinstance(expected, Says) else expected == message


@dataclass(frozen=True)
class Case:
    name: str
    made: str  # program, locale, filter: how the file was made
    make: Maker
    kind: str = "journal"
    lines: tuple[Booked, ...] = ()
    budget_lines: tuple[BudgetBooked, ...] = ()
    rates: tuple[RateBooked, ...] = ()
    problems: tuple[Expected, ...] = ()
    notes: tuple[Expected, ...] = ()  # notes that must be among the import's notes
    options: dict[str, Any] = field(default_factory=dict)  # import_file keyword arguments
    books: str = "test"  # "demo": imported into the demo data set's CINTRA
    template_rows: bool = False  # the lines expected are the file's own rows

    @property
    def refused(self) -> bool:
        return bool(self.problems)


# -- the accountant's entries ----------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One row as the accountant means it; `book` is the (debit, credit) in SGD of an
    amount in currency converted by the import at the chancellery rate."""

    entry: str
    on: date
    journal: str
    account: str
    label: str
    debit: str = ""
    credit: str = ""
    currency: str = ""
    amount_currency: str = ""
    side: str = ""
    budget_line: str = ""
    piece_ref: str = ""
    book: tuple[str, str] | None = None


def d(day: int, month: int = 3) -> date:
    return date(2025, month, day)


MARCH = (
    Line(
        "A-101",
        d(14),
        "ACH",
        "6064",
        "Gants nitrile, boîtes de 100",
        debit="1500.00",
        piece_ref="F-2025-031",
    ),
    Line("A-101", d(14), "ACH", "401", "Sigma-Aldrich", credit="1500.00", piece_ref="F-2025-031"),
    Line(
        "A-102",
        d(21),
        "ACH",
        "6063",
        "Microscope à fluorescence",
        debit="25000.00",
        budget_line="OP-SUP",
        piece_ref="F-2025-044",
    ),
    Line(
        "A-102",
        d(21),
        "ACH",
        "401",
        "Carl Zeiss Pte Ltd",
        credit="25000.00",
        piece_ref="F-2025-044",
    ),
    Line(
        "A-103",
        d(20),
        "ACH",
        "6064",
        "Réactifs, facture en euros",
        currency="EUR",
        amount_currency="1000.00",
        side="debit",
        piece_ref="F-2025-047",
        book=("1453.00", "0.00"),
    ),
    Line(
        "A-103",
        d(20),
        "ACH",
        "401",
        "Merck KGaA",
        currency="EUR",
        amount_currency="1000.00",
        side="credit",
        piece_ref="F-2025-047",
        book=("0.00", "1453.00"),
    ),
    Line(
        "B-201",
        d(28),
        "BQS",
        "401",
        "Règlement Sigma-Aldrich",
        debit="1234.56",
        piece_ref="VIR-0328",
    ),
    Line(
        "B-201",
        d(28),
        "BQS",
        "512",
        "Règlement Sigma-Aldrich",
        credit="1234.56",
        piece_ref="VIR-0328",
    ),
)


def cents(text: str) -> str:
    return str(Decimal(text or "0").quantize(Decimal("0.01")))


def booked(lines: Sequence[Line]) -> tuple[Booked, ...]:
    """The lines that land for `lines`, as an accountant reads them."""
    result = []
    for line in lines:
        debit, credit = line.book or (line.debit, line.credit)
        result.append(
            Booked(
                line.on.isoformat(),
                line.journal,
                line.account,
                line.label,
                cents(debit),
                cents(credit),
                cents(line.amount_currency) if line.amount_currency else "",
                line.currency,
            )
        )
    return tuple(sorted(result))


MARCH_BOOKED = booked(MARCH)

# The March entries dated with ambiguous days: 5, 10 and 11 March and 3 April (A-103,
# converted at April's rate, 1.4540: read month first it would be 4 March at 1.4530).
AMBIGUOUS_DAYS = {"A-101": d(5), "A-102": d(10), "A-103": d(3, 4), "B-201": d(11)}
APRIL = {"1453.00": "1454.00", "0.00": "0.00"}  # 1000.00 EUR at 1.4530, then at 1.4540
AMBIGUOUS = tuple(
    replace(
        line,
        on=AMBIGUOUS_DAYS[line.entry],
        book=None if line.book is None else (APRIL[line.book[0]], APRIL[line.book[1]]),
    )
    for line in MARCH
)

# A US file: 5 March (ambiguous) and 14 March (only month first); dates on first rows only.
US = (
    Line("U-1", d(5), "ACH", "6064", "Pipette tips", debit="310.00"),
    Line("U-1", d(5), "ACH", "401", "Thermo Fisher", credit="310.00"),
    Line("U-2", d(14), "ACH", "6064", "Gloves", debit="1500.00"),
    Line("U-2", d(14), "ACH", "401", "Sigma-Aldrich", credit="1500.00"),
)

# Formula results pasted as values: what Excel shows as 1 166,30 is stored as a float.
NOISE = (
    Line("N-1", d(14), "ACH", "6064", "Consommables (1000,10 + 166,20)", debit="1166.30"),
    Line("N-1", d(14), "ACH", "401", "VWR International", credit="1166.30"),
    Line("N-2", d(17), "ACH", "6064", "3 x 120,10", debit="360.30"),
    Line("N-2", d(17), "ACH", "401", "VWR International", credit="360.30"),
    Line("N-3", d(31), "BQS", "627", "Frais bancaires 0,10 + 0,20", debit="0.30"),
    Line("N-3", d(31), "BQS", "512", "Frais bancaires 0,10 + 0,20", credit="0.30"),
)
NOISE_FLOATS = {  # (entry, account) -> the float in the numeric cell
    ("N-1", "6064"): 1166.3000000000002,
    ("N-1", "401"): 1166.3,
    ("N-2", "6064"): 120.1 * 3,  # 360.29999999999995
    ("N-2", "401"): 360.3,
    ("N-3", "627"): 0.1 + 0.2,  # 0.30000000000000004
    ("N-3", "512"): 0.3,
}

# -- how each program writes a journal ---------------------------------------------------------


def rendered(
    lines: Sequence[Line],
    amount: Callable[[str], str],
    on: Callable[[date], str],
    *,
    sides: tuple[str, str] = ("debit", "credit"),
    header: Sequence[str] = JOURNAL_HEADER,
    dates_once: bool = False,
) -> list[list[str]]:
    """The rows of `lines` as a program displays them (header first). `dates_once`: the
    date only on the first row of each entry."""
    rows: list[list[str]] = [list(header)]
    seen: set[str] = set()
    for line in lines:
        written = on(line.on) if not (dates_once and line.entry in seen) else ""
        seen.add(line.entry)
        side = {"debit": sides[0], "credit": sides[1], "": ""}[line.side]
        rows.append(
            [
                line.entry,
                written,
                line.journal,
                line.account,
                line.label,
                amount(line.debit) if line.debit else "",
                amount(line.credit) if line.credit else "",
                line.currency,
                amount(line.amount_currency) if line.amount_currency else "",
                side,
                line.budget_line,
                line.piece_ref,
                "",
                "",
            ]
        )
    return rows


def patched(rows: list[list[str]], changes: dict[tuple[int, str], str]) -> list[list[str]]:
    """`rows` with cells changed: (row number in the file, 1 = header; column name)."""
    header = rows[0]
    copy = [list(row) for row in rows]
    for (number, column), value in changes.items():
        copy[number - 1][header.index(column)] = value
    return copy


def typed(lines: Sequence[Line], *, dates_once: bool = False) -> list[list[Any]]:
    """The rows of `lines` as typed in a spreadsheet: dates, numbers, account numbers as
    numbers, text."""
    rows: list[list[Any]] = [list(JOURNAL_HEADER)]
    seen: set[str] = set()
    for line in lines:
        on = line.on if not (dates_once and line.entry in seen) else None
        seen.add(line.entry)
        rows.append(
            [
                line.entry,
                on,
                line.journal,
                int(line.account),
                line.label,
                Decimal(line.debit) if line.debit else None,
                Decimal(line.credit) if line.credit else None,
                line.currency or None,
                Decimal(line.amount_currency) if line.amount_currency else None,
                line.side or None,
                line.budget_line or None,
                line.piece_ref or None,
                None,
                None,
            ]
        )
    return rows


COLUMN = {name: index for index, name in enumerate(JOURNAL_HEADER)}
JOURNAL_FORMATS = {
    COLUMN["date"]: DATE_FORMAT_14,
    COLUMN["piece_date"]: DATE_FORMAT_14,
    COLUMN["debit"]: AMOUNT_FORMAT,
    COLUMN["credit"]: AMOUNT_FORMAT,
    COLUMN["amount_currency"]: AMOUNT_FORMAT,
}


def journal_sheet(
    rows: Sequence[Sequence[Any]], title: str = "Journal", **formats: str
) -> SheetSpec:
    """A journal sheet typed in a spreadsheet, with the usual formats (format 14 for
    dates, #,##0.00 for amounts) or others by column name."""
    chosen = dict(JOURNAL_FORMATS)
    for name, number_format in formats.items():
        chosen[COLUMN[name]] = number_format
    return SheetSpec(title, rows, chosen)


def lo(locale: str, target: str, *sheets: SheetSpec, active: int = 0) -> Maker:
    """A workbook opened by LibreOffice in `locale` and saved as `target`."""
    return lambda office: office.save_as(workbook(*sheets, active=active), locale, target)


def lo_csv(locale: str, separator: str, *sheets: SheetSpec, bom: bool = False) -> Maker:
    """A workbook opened by LibreOffice in `locale`, saved as CSV UTF-8, values as shown."""

    def make(office: Office) -> bytes:
        data = office.save_as(
            workbook(*sheets),
            locale,
            "csv:Text - txt - csv (StarCalc):" + csv_filter(separator, locale),
        )
        return (b"\xef\xbb\xbf" + data) if bom else data

    return make


def lo_typed(locale: str, separator: str, text: str, target: str) -> Maker:
    """Values typed into LibreOffice (`locale`), saved as `target`."""
    return lambda office: office.typed(text, locale, separator, target)


def fixed(data: Callable[[], bytes]) -> Maker:
    """A file written without LibreOffice."""
    return lambda office: data()


def grouped_swiss(amount: str) -> str:
    """Windows de-CH: 1’500.00 (U+2019)."""
    return grouped(amount, "\u2019", ".")


def patched_text(rows: list[list[str]], changes: dict[tuple[int, str], str]) -> bytes:
    """CSV UTF-8 without BOM, LF line ends, as a script writes it."""
    return delimited(patched(rows, changes), ",", newline="\n").encode("utf-8")


def german_sheet() -> SheetSpec:
    """The journal with dates formatted YYYY-MM-DD and the whole amounts of A-102 #,##0."""
    sheet = journal_sheet(typed(MARCH), date="YYYY-MM-DD")
    whole = {(4, COLUMN["debit"]): "#,##0", (5, COLUMN["credit"]): "#,##0"}
    return replace(sheet, cell_formats=whole)


def datetime_sheet() -> SheetSpec:
    """The journal whose date cells hold date-times (A-103 at 09:30), shown with the
    format YYYY-MM-DD HH:MM:SS."""
    rows = typed(MARCH)
    for row in rows[1:]:
        on = row[COLUMN["date"]]
        hour, minute = (9, 30) if row[COLUMN["entry"]] == "A-103" else (0, 0)
        row[COLUMN["date"]] = datetime(on.year, on.month, on.day, hour, minute)
    return journal_sheet(rows, date="YYYY-MM-DD HH:MM:SS")


def six_mistakes_workbook() -> bytes:
    rows = typed(SIX_MISTAKES)
    rows[1][COLUMN["date"]] = "12/31/2025"
    rows[2][COLUMN["date"]] = None
    rows[20][COLUMN["credit"]] = "45,5O"
    return workbook(journal_sheet(rows))


def quoted_csv(rows: Sequence[Sequence[str]], separator: str) -> str:
    """Plain CSV text (LF), for LibreOffice to import as typed values."""
    return delimited(rows, separator, newline="\n")


# -- messages --------------------------------------------------------------------------------


def month_first_only(row: int, value: str, on: date) -> Says:
    return Says(DATE_MONTH_FIRST, row=row, column="date", value=value, reading=reading(on))


MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def reading(on: date) -> str:
    """date(2025, 12, 31) -> '31 December 2025', as the messages echo a date read."""
    return f"{on.day} {MONTHS[on.month - 1]} {on.year}"


US_REFUSED = (month_first_only(4, "3/14/2025", d(14)),)


def sheet_names(*names: str) -> str:
    """Sheets named in a message, in workbook order: 'Brouillon', 'Journal'."""
    return ", ".join(f"'{name}'" for name in names)


def sheet_note(sheet: str, row: int = 1) -> str:
    return READ_SHEET.format(sheet=sheet, row=row)


# -- the special journals ----------------------------------------------------------------------

SIX_MISTAKES = (
    Line("E01", d(31, 12), "ACH", "6064", "Fournitures décembre", debit="310.00"),
    Line("E01", d(31, 12), "ACH", "401", "Fournisseur Labo Plus", credit="310.00"),
    Line("E02", d(14), "ACH", "6064", "Tubes Falcon", debit="120.00"),
    Line("E02", d(14), "ACH", "401", "Fournisseur Labo Plus", credit="120.00"),
    Line("E03", d(17), "ACH", "6064", "Azote liquide", debit="1500.00"),
    Line("E03", d(17), "ACH", "401", "Air Liquide", credit="1450.00"),
    Line("E04", d(18), "BQS", "401", "Règlement Labo Plus", debit="120.00"),
    Line("E04", d(18), "BQS", "512", "Règlement Labo Plus", credit="120.00"),
    Line("E05", d(14, 2), "ACH", "6064", "Papier", debit="75.00"),
    Line("E05", d(14, 2), "ACH", "401", "Bureau Vallée", credit="75.00"),
    Line("E06", d(19), "ACH", "6063", "Centrifugeuse", debit="640.00", budget_line="OP-SUP"),
    Line("E06", d(19), "ACH", "401", "Eppendorf", credit="640.00"),
    Line("E07", d(20), "ACH", "6063", "Agitateur", debit="800.00", budget_line="OP-EQUIP"),
    Line("E07", d(20), "ACH", "401", "IKA", credit="800.00"),
    Line("E08", d(21), "OD", "6258", "Réception séminaire", debit="95.00"),
    Line("E08", d(21), "OD", "401", "Traiteur", credit="95.00"),
    Line("E09", d(24), "BQS", "401", "Règlement Eppendorf", debit="640.00"),
    Line("E09", d(24), "BQS", "512", "Règlement Eppendorf", credit="640.00"),
    Line("E10", d(25), "ACH", "6064", "Gants", debit="45.50"),
    Line("E10", d(25), "ACH", "401", "Fournisseur Labo Plus", credit="45.50"),
)


def six_mistakes() -> bytes:
    rows = rendered(SIX_MISTAKES, fr, day_first, sides=("D", "C"))
    rows = patched(
        rows,
        {(2, "date"): "12/31/2025", (3, "date"): "", (21, "credit"): "45,5O"},
    )
    return excel_csv(rows, delimiter=";")


SIX_MISTAKES_PROBLEMS: tuple[Expected, ...] = (
    month_first_only(2, "12/31/2025", d(31, 12)),
    ENTRY_UNBALANCED.format(key="E03", rows="rows 6-7", debit="1,500.00", credit="1,450.00"),
    PERIOD_CLOSED.format(
        row=10, written="14/02/2025", reading="14 February 2025", period="2025-02"
    ),
    UNKNOWN_BUDGET_LINE.format(row=14, code="OP-EQUIP", lab=LAB, year=2025),
    UNKNOWN_ACCOUNT.format(row=16, code="6258", lab=LAB),
    NOT_AN_AMOUNT.format(row=21, column="credit", value="45,5O"),
)

# A French file in a day-first hand, with one date that only reads month first.
MONTH_FIRST_INSIDE = (
    *MARCH[:6],
    Line("B-201", d(31, 12), "BQS", "401", "Règlement Sigma-Aldrich", debit="1234.56"),
    Line("B-201", d(31, 12), "BQS", "512", "Règlement Sigma-Aldrich", credit="1234.56"),
)


def negatives() -> bytes:
    short = ["entry", "date", "journal", "account", "label", "debit", "credit", "piece_ref"]
    rows = [
        short,
        ["N-1", "14/03/2025", "ACH", "6064", "Gants", "1 234,56", "", "F-1"],
        ["N-1", "14/03/2025", "ACH", "401", "Sigma", "", "1 234,56", "F-1"],
        ["N-2", "17/03/2025", "ACH", "401", "Avoir Sigma", "1 234,56", "", "AV-1"],
        ["N-2", "17/03/2025", "ACH", "6064", "Avoir Sigma", "(1 234,56)", "", "AV-1"],
        ["N-3", "18/03/2025", "BQS", "512", "Remboursement", "1234,56", "", "R-1"],
        ["N-3", "18/03/2025", "BQS", "401", "Remboursement", "", "-1234,56", "R-1"],
        ["N-4", "19/03/2025", "ACH", "6064", "Avoir Merck", "1234,56-", "", "AV-2"],
        ["N-4", "19/03/2025", "ACH", "401", "Avoir Merck", "1234,56", "", "AV-2"],
    ]
    return excel_csv(rows, delimiter=";")


NEGATIVES_PROBLEMS = (
    NEGATIVE_SIDE.format(row=5, column="debit", value="(1 234,56)", other="credit"),
    NEGATIVE_SIDE.format(row=7, column="credit", value="-1234,56", other="debit"),
    NEGATIVE_SIDE.format(row=8, column="debit", value="1234,56-", other="credit"),
)

# Two entries whose amounts say nothing of their decimal mark.
AMBIGUOUS_TEXT = (
    Line("T-1", d(14), "ACH", "6064", "Gants", debit="1.500"),
    Line("T-1", d(14), "ACH", "401", "Sigma-Aldrich", credit="1.500"),
    Line("T-2", d(21), "ACH", "6064", "Pipettes", debit="2.250"),
    Line("T-2", d(21), "ACH", "401", "Sigma-Aldrich", credit="2.250"),
)


def ambiguous_text_amounts() -> bytes:
    rows: list[list[Any]] = [list(JOURNAL_HEADER)]
    for line in AMBIGUOUS_TEXT:
        rows.append(
            [
                line.entry,
                line.on,
                line.journal,
                line.account,
                line.label,
                line.debit or None,
                line.credit or None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ]
        )
    return workbook(SheetSpec("Journal", rows, {COLUMN["date"]: "dd/mm/yyyy"}))


def ambiguous_problems() -> tuple[Expected, ...]:
    return tuple(
        Says(AMOUNT_AMBIGUOUS, row=row, column=column, value=value)
        for row, column, value in (
            (2, "debit", "1.500"),
            (3, "credit", "1.500"),
            (4, "debit", "2.250"),
            (5, "credit", "2.250"),
        )
    )


def noise_workbook() -> bytes:
    rows = typed(NOISE)
    floats = {}
    for number, row in enumerate(rows[1:], start=2):
        key = (row[COLUMN["entry"]], str(row[COLUMN["account"]]))
        column = COLUMN["debit"] if row[COLUMN["debit"]] is not None else COLUMN["credit"]
        row[column] = NOISE_FLOATS[key]
        floats[f"{'ABCDEFG'[column]}{number}"] = NOISE_FLOATS[key]
    return exact_floats(workbook(journal_sheet(rows)), floats)


def title_rows(lines: Sequence[Line], title: str) -> list[list[Any]]:
    return [[title], [], *typed(lines)]


FRENCH_HEADER = [
    "N° écriture",
    "Date",
    "Code journal",
    "N° pièce",
    "Compte",
    "Libellé",
    "Débit",
    "Crédit",
    "Devise",
    "Montant devise",
    "Sens",
    "Ligne budgétaire",
]


def french_header_sheet(lines: Sequence[Line], *, entry_column: bool = True) -> SheetSpec:
    """The journal with its columns named as a French accountant names them; without
    `entry_column`, nothing but the N° pièce ties the lines of an entry together."""
    rows: list[list[Any]] = [FRENCH_HEADER]
    for line in lines:
        rows.append(
            [
                line.entry,
                line.on,
                line.journal,
                line.piece_ref,
                int(line.account),
                line.label,
                Decimal(line.debit) if line.debit else None,
                Decimal(line.credit) if line.credit else None,
                line.currency or None,
                Decimal(line.amount_currency) if line.amount_currency else None,
                {"debit": "D", "credit": "C", "": None}[line.side],
                line.budget_line or None,
            ]
        )
    formats = {1: DATE_FORMAT_14, 6: AMOUNT_FORMAT, 7: AMOUNT_FORMAT, 9: AMOUNT_FORMAT}
    if not entry_column:
        rows = [row[1:] for row in rows]
        formats = {index - 1: value for index, value in formats.items()}
    return SheetSpec("Écritures", rows, formats)


def montant_sens(lines: Sequence[Line]) -> bytes:
    """French Excel CSV whose amounts are one column, Montant, with its side in Sens."""
    rows: list[list[str]] = [
        [
            "Écriture",
            "Date",
            "Journal",
            "Compte",
            "Libellé",
            "Montant",
            "Sens",
            "Devise",
            "Montant devise",
            "Ligne budgétaire",
            "Pièce",
        ],
    ]
    for line in lines:
        amount = line.debit or line.credit
        side = "D" if (line.debit or line.side == "debit") else "C"
        rows.append(
            [
                line.entry,
                day_first(line.on),
                line.journal,
                line.account,
                line.label,
                fr(amount) if amount else "",
                side,
                line.currency,
                fr(line.amount_currency) if line.amount_currency else "",
                line.budget_line,
                line.piece_ref,
            ]
        )
    return excel_csv(rows, delimiter=";")


def hidden_sheet_workbook(hidden_title: str, visible_title: str) -> bytes:
    """A stale draft on a hidden sheet (first), the real journal on the visible one."""
    stale = [
        replace(line, debit="15.00" if line.debit else "", credit="15.00" if line.credit else "")
        for line in MARCH[:4]
    ]
    return workbook(
        SheetSpec(hidden_title, typed(stale), JOURNAL_FORMATS, hidden=True),
        journal_sheet(typed(MARCH), visible_title),
        active=1,
    )


def notes_then_ecritures() -> bytes:
    notes = [
        ["Saisie du journal de mars 2025"],
        ["Préparé par", "Gestionnaire CINTRA"],
        ["À vérifier", "Rapprochement bancaire au 31/03/2025"],
    ]
    return workbook(
        SheetSpec("Notes", notes, widths=40),
        journal_sheet(typed(MARCH), "Écritures"),
        active=0,
    )


# -- budget lines and rates ---------------------------------------------------------------------

BUDGET_FR_HEADER = [
    "code",
    "exercice",
    "origine des crédits",
    "libellé",
    "libellé anglais",
    "enveloppe",
    "nature",
    "montant alloué",
    "date de notification",
    "politique",
]
BUDGET_HEADER = [
    "code",
    "year",
    "funding_source",
    "label_fr",
    "label_en",
    "envelope",
    "nature",
    "allocated",
    "allocated_on",
    "policy",
]

BUDGET_FR_BOOKED = (
    BudgetBooked(
        "OP-EQP",
        2025,
        "Équipement scientifique",
        "equipment",
        "equipment",
        "12500.00",
        "2025-01-15",
    ),
    BudgetBooked(
        "OP-REC", 2025, "Réceptions", "operating", "receptions", "1750.50", "2025-03-17", "block"
    ),
)


def budget_fr_csv() -> bytes:
    rows = [
        BUDGET_FR_HEADER,
        [
            "OP-EQP",
            "2025",
            "CNRS-DOT",
            "Équipement scientifique",
            "Scientific equipment",
            "investissement",
            "équipement",
            fr("12500"),
            "15/01/2025",
            "avertir",
        ],
        [
            "OP-REC",
            "2025",
            "CNRS-DOT",
            "Réceptions",
            "Receptions",
            "fonctionnement",
            "réceptions",
            fr("1750.50"),
            "17/03/2025",
            "bloquer",
        ],
    ]
    return excel_csv(rows, delimiter=";")


def budget_lo_workbook() -> bytes:
    rows: list[list[Any]] = [
        BUDGET_FR_HEADER,
        [
            "OP-EQP",
            2025,
            "CNRS-DOT",
            "Équipement scientifique",
            "Scientific equipment",
            "investissement",
            "équipement",
            12500.0,
            d(15, 1),
            "avertir",
        ],
        [
            "OP-REC",
            2025,
            "CNRS-DOT",
            "Réceptions",
            "Receptions",
            "fonctionnement",
            "réceptions",
            1750.5,
            d(17),
            "bloquer",
        ],
    ]
    return workbook(SheetSpec("Budget", rows, {7: AMOUNT_FORMAT, 8: DATE_FORMAT_14}))


BUDGET_EN_BOOKED = (
    BudgetBooked("OP-EQP", 2025, "Équipement", "equipment", "equipment", "12500.00", "2025-01-15"),
    BudgetBooked("OP-SRV", 2025, "Prestations", "operating", "services", "1750.50", "2025-03-17"),
)


def budget_en_csv() -> bytes:
    rows = [
        BUDGET_HEADER,
        [
            "OP-EQP",
            "2025",
            "CNRS-DOT",
            "Équipement",
            "Equipment",
            "equipment",
            "equipment",
            en("12500", places=0),
            "15/01/2025",
            "warn",
        ],
        [
            "OP-SRV",
            "2025",
            "CNRS-DOT",
            "Prestations",
            "Services",
            "operating",
            "services",
            en("1750.50"),
            "17/03/2025",
            "warn",
        ],
    ]
    return excel_csv(rows, delimiter=",")


RATES_BOOKED = (
    RateBooked("GBP", "2025-03-01", "0.83450000"),
    RateBooked("JPY", "2025-03-01", "162.35000000"),
    RateBooked("CHF", "2025-04-01", "0.95120000", "ecb"),
)


def rates_workbook() -> bytes:
    rows: list[list[Any]] = [
        ["currency", "valid_from", "units_per_eur", "source"],
        ["JPY", d(1), 162.35, "chancellery"],
        ["GBP", d(1), 0.8345, "chancellery"],
        ["CHF", d(1, 4), 0.9512, "ecb"],
    ]
    return workbook(SheetSpec("Rates", rows, {1: DATE_FORMAT_14, 2: "0.0000"}))


RATES_FR_BOOKED = (
    RateBooked("GBP", "2025-03-01", "0.83450000"),
    RateBooked("JPY", "2025-03-01", "162.35000000"),
    RateBooked("JPY", "2025-04-01", "163.10000000"),
)


def rates_fr_csv() -> bytes:
    rows = [
        ["devise", "valable du", "taux", "origine"],
        ["JPY", "01/03/2025", "162,35", "chancellery"],
        ["GBP", "01/03/2025", "0,8345", "chancellery"],
        ["JPY", "01/04/2025", "163,1", "chancellery"],
    ]
    return excel_csv(rows, delimiter=";")


# -- the template -------------------------------------------------------------------------------


# The day the template files were made on (by LibreOffice, from the template of then).
TEMPLATE_DAY = date(2025, 11, 14)


def template() -> bytes:
    return template_workbook("journal", on=TEMPLATE_DAY)


def template_in_libreoffice(office: Office) -> bytes:
    return office.convert(office.source("journal-template.xlsx", template()), "fr-FR", "ods")


# -- the corpus ---------------------------------------------------------------------------------

FR_CP1252 = "Excel fr-FR 'CSV (séparateur: point-virgule)': Windows-1252, ';', CRLF"
EN_CSV = "Excel 'CSV (Comma delimited)': Windows-1252, ',', CRLF, quoted when holding ','"
LO_XLSX = "LibreOffice 7.4 {locale}: openpyxl workbook (format 14 dates, #,##0.00) saved as {t}"
TYPED = "LibreOffice 7.4 {locale}: values typed (CSV import, detect special numbers) saved as CSV"


def lo_made(locale: str, target: str) -> str:
    return LO_XLSX.format(locale=locale, t=target)


CASES: list[Case] = [
    # -- CSV as Excel writes it ----------------------------------------------------------------
    Case(
        "excel-en-gb-comma.csv",
        EN_CSV + " (en-GB): '1,500.00', '1,500' and '25,000' quoted, dates 14/03/2025",
        fixed(
            lambda: excel_csv(
                patched(
                    rendered(MARCH, en, day_first),
                    {(3, "credit"): "1,500", (4, "debit"): "25,000"},
                )
            )
        ),
        lines=MARCH_BOOKED,
        notes=(READ_CP1252,),
    ),
    Case(
        "excel-en-us-comma-mdy.csv",
        EN_CSV + " (en-US): dates 3/14/2025, '25,000'; imported with date_order=mdy",
        fixed(
            lambda: excel_csv(patched(rendered(MARCH, en, month_first), {(4, "debit"): "25,000"}))
        ),
        lines=MARCH_BOOKED,
        options={"date_order": "mdy"},
        notes=(READ_CP1252,),
    ),
    Case(
        "excel-en-us-no-date-order.csv",
        EN_CSV + " (en-US): 3/5/2025 and 3/14/2025, imported without a date order",
        fixed(lambda: excel_csv(rendered(US, en, month_first, dates_once=True))),
        problems=US_REFUSED,
    ),
    Case(
        "excel-fr-cp1252-nbsp.csv",
        FR_CP1252 + ", '1 500,00' grouped with U+00A0 (byte A0), sides D/C",
        fixed(lambda: excel_csv(rendered(MARCH, fr, day_first, sides=("D", "C")), delimiter=";")),
        lines=MARCH_BOOKED,
        notes=(READ_CP1252,),
    ),
    Case(
        "excel-fr-cp1252-spaces.csv",
        FR_CP1252 + ", grouping typed as plain spaces: '1 500,00', '25 000'",
        fixed(
            lambda: excel_csv(
                patched(
                    rendered(MARCH, lambda a: fr(a, " "), day_first, sides=("D", "C")),
                    {(4, "debit"): "25 000", (5, "credit"): "25 000"},
                ),
                delimiter=";",
            )
        ),
        lines=MARCH_BOOKED,
        notes=(READ_CP1252,),
    ),
    Case(
        "excel-fr-utf8-bom-nnbsp.csv",
        "Excel fr-FR (Windows 11) 'CSV UTF-8': BOM, ';', CRLF, '1 500,00' grouped with U+202F",
        fixed(
            lambda: excel_csv(
                rendered(MARCH, lambda a: fr(a, NNBSP), day_first, sides=("D", "C")),
                delimiter=";",
                encoding="utf-8",
                bom=True,
            )
        ),
        lines=MARCH_BOOKED,
    ),
    Case(
        "excel-fr-sep-line.csv",
        FR_CP1252 + ", with Excel's 'sep=;' hint on the first line",
        fixed(
            lambda: excel_csv(
                rendered(MARCH, fr, day_first, sides=("D", "C")), delimiter=";", sep_line=True
            )
        ),
        lines=MARCH_BOOKED,
        # How the note names the separator, and whether the hint line counts as a row
        # (Excel hides it), is the code's choice.
        notes=(Says(READ_CSV), READ_CP1252),
    ),
    Case(
        "excel-en-unicode-text.csv",
        "Excel en-GB 'Unicode text': UTF-16LE with BOM, tab, CRLF, '\"1,500.00\"' quoted",
        fixed(lambda: unicode_text(rendered(MARCH, en, day_first))),
        lines=MARCH_BOOKED,
    ),
    Case(
        "excel-fr-unicode-text.csv",
        "Excel fr-FR 'Unicode text': UTF-16LE with BOM, tab, CRLF, '1 500,00' with U+202F",
        fixed(
            lambda: unicode_text(
                rendered(MARCH, lambda a: fr(a, NNBSP), day_first, sides=("D", "C"))
            )
        ),
        lines=MARCH_BOOKED,
    ),
    Case(
        "excel-fr-german-grouping.csv",
        FR_CP1252 + ", amounts pasted German-style: '1.500,00', '25.000', '1.234,56'",
        fixed(
            lambda: excel_csv(
                patched(
                    rendered(MARCH, lambda a: fr(a, "."), day_first, sides=("D", "C")),
                    {(4, "debit"): "25.000", (5, "credit"): "25.000"},
                ),
                delimiter=";",
            )
        ),
        lines=MARCH_BOOKED,
        notes=(READ_CP1252,),
    ),
    Case(
        "excel-de-ch-apostrophe.csv",
        "Excel de-CH CSV: Windows-1252, ';', \"1’500.00\" grouped with U+2019 (byte 92), "
        "dates formatted YYYY-MM-DD",
        fixed(
            lambda: excel_csv(
                rendered(MARCH, lambda a: grouped_swiss(a), lambda on: on.isoformat()),
                delimiter=";",
            )
        ),
        lines=MARCH_BOOKED,
        notes=(READ_CP1252,),
    ),
    Case(
        "excel-en-currency-symbols.csv",
        "Excel en-SG 'CSV UTF-8': BOM, ',', 'S$1,500.00', 'SGD 25,000.00' in SGD columns, "
        "'€1,000.00' in amount_currency (EUR)",
        fixed(
            lambda: excel_csv(
                patched(
                    rendered(MARCH, lambda a: "S$" + en(a), day_first),
                    {
                        (4, "debit"): "SGD 25,000.00",
                        (5, "credit"): "SGD 25,000.00",
                        (6, "amount_currency"): "€1,000.00",
                        (7, "amount_currency"): "€1,000.00",
                    },
                ),
                encoding="utf-8",
                bom=True,
            )
        ),
        lines=MARCH_BOOKED,
    ),
    Case(
        "excel-fr-currency-suffix.csv",
        FR_CP1252 + ", currency formats: '25 000,00 SGD', '1 000,00 €' (€ is byte 80)",
        fixed(
            lambda: excel_csv(
                patched(
                    rendered(MARCH, fr, day_first, sides=("D", "C")),
                    {
                        (4, "debit"): fr("25000") + " SGD",
                        (5, "credit"): fr("25000") + " SGD",
                        (6, "amount_currency"): fr("1000") + " €",
                        (7, "amount_currency"): fr("1000") + " €",
                    },
                ),
                delimiter=";",
            )
        ),
        lines=MARCH_BOOKED,
        notes=(READ_CP1252,),
    ),
    Case(
        "excel-en-currency-mismatch.csv",
        EN_CSV + " (en-GB): '€1,500.00' in debit (SGD), '$25,000.00' in credit",
        fixed(
            lambda: excel_csv(
                patched(
                    rendered(MARCH[:4], en, day_first),
                    {(2, "debit"): "€1,500.00", (5, "credit"): "$25,000.00"},
                )
            )
        ),
        problems=(
            Says(AMOUNT_CURRENCY, row=2, column="debit", value="€1,500.00", expected="SGD"),
            Says(AMOUNT_SYMBOL, row=5, column="credit", value="$25,000.00", symbol="$"),
        ),
    ),
    Case(
        "excel-fr-negatives.csv",
        FR_CP1252 + ", negative amounts written (1 234,56), -1234,56 and 1234,56-",
        fixed(negatives),
        problems=NEGATIVES_PROBLEMS,
    ),
    Case(
        "excel-fr-mixed-marks.csv",
        FR_CP1252 + ", decimal comma, with '99.90' (a decimal point) and '1,234'",
        fixed(
            lambda: excel_csv(
                patched(
                    rendered(MARCH[:6], fr, day_first, sides=("D", "C")),
                    {
                        (4, "debit"): "99.90",
                        (5, "credit"): "99,90",
                        (6, "debit"): "1,234",
                        (6, "amount_currency"): "",
                        (6, "currency"): "",
                        (6, "side"): "",
                    },
                ),
                delimiter=";",
            )
        ),
        problems=(
            Says(
                AMOUNT_OTHER_MARK,
                row=4,
                column="debit",
                value="99.90",
                mark="point",
                file_mark="comma",
            ),
            Says(
                AMOUNT_READ_DECIMALS, row=6, column="debit", value="1,234", mark="comma", places=2
            ),
        ),
    ),
    Case(
        "excel-en-mixed-marks.csv",
        EN_CSV + " (en-GB), decimal point, with '25.000' and '12,50'",
        fixed(
            lambda: excel_csv(
                patched(
                    rendered(MARCH[:4] + MARCH[6:], en, day_first),
                    {
                        (4, "debit"): "25.000",
                        (6, "debit"): "12,50",
                        (7, "credit"): "12.50",
                    },
                )
            )
        ),
        problems=(
            Says(
                AMOUNT_READ_DECIMALS, row=4, column="debit", value="25.000", mark="point", places=2
            ),
            Says(
                AMOUNT_OTHER_MARK,
                row=6,
                column="debit",
                value="12,50",
                mark="comma",
                file_mark="point",
            ),
        ),
    ),
    Case(
        "excel-en-serial-dates.csv",
        EN_CSV + " (en-GB), the date column in General format: serial numbers (45730)",
        fixed(lambda: excel_csv(rendered(MARCH, en, excel_serial))),
        lines=MARCH_BOOKED,
        notes=(READ_CP1252,),
    ),
    Case(
        "script-iso-datetimes.csv",
        "CSV UTF-8 without BOM from a script: ',', LF, plain amounts, dates "
        "'2025-03-14 00:00:00' and '2025-03-20T09:30:00'",
        fixed(
            lambda: patched_text(
                rendered(MARCH, cents, lambda on: f"{on.isoformat()} 00:00:00"),
                {(6, "date"): "2025-03-20T09:30:00", (7, "date"): "2025-03-20T09:30:00"},
            )
        ),
        lines=MARCH_BOOKED,
    ),
    Case(
        "excel-fr-month-first-date.csv",
        FR_CP1252 + ", dates day first (14/03/2025) and one '12/31/2025'",
        fixed(
            lambda: excel_csv(
                patched(
                    rendered(MONTH_FIRST_INSIDE, fr, day_first, sides=("D", "C")),
                    {(8, "date"): "12/31/2025", (9, "date"): ""},
                ),
                delimiter=";",
            )
        ),
        problems=(month_first_only(8, "12/31/2025", d(31, 12)),),
    ),
    Case(
        "excel-fr-ambiguous-dates.csv",
        FR_CP1252 + ", every date ambiguous: 05/03/2025, 10/03/2025, 03/04/2025, 11/03/2025",
        fixed(
            lambda: excel_csv(rendered(AMBIGUOUS, fr, day_first, sides=("D", "C")), delimiter=";")
        ),
        lines=booked(AMBIGUOUS),
        notes=(
            READ_CP1252,
            Says(DATES_DAY_FIRST, example="05/03/2025", row=2, reading="5 March 2025"),
        ),
    ),
    Case(
        "excel-fr-six-mistakes.csv",
        FR_CP1252 + ": ten entries, six mistakes (month-first date, unbalanced entry, "
        "closed month, unknown budget line, unknown account, bad amount)",
        fixed(six_mistakes),
        problems=SIX_MISTAKES_PROBLEMS,
    ),
    Case(
        "excel-fr-montant-sens.csv",
        FR_CP1252 + ", French columns: Écriture, Date, Journal, Compte, Libellé, Montant, "
        "Sens, Devise, Montant devise, Ligne budgétaire, Pièce",
        fixed(lambda: montant_sens(MARCH)),
        lines=MARCH_BOOKED,
        notes=(READ_CP1252,),
    ),
    Case(
        "excel-fr-budget.csv",
        FR_CP1252 + ": budget lines, French columns and choices, '12 500,00' (U+00A0)",
        fixed(budget_fr_csv),
        kind="budget",
        budget_lines=BUDGET_FR_BOOKED,
        notes=(READ_CP1252,),
    ),
    Case(
        "excel-en-budget.csv",
        EN_CSV + " (en-GB): budget lines, allocated '12,500' and '1,750.50'",
        fixed(budget_en_csv),
        kind="budget",
        budget_lines=BUDGET_EN_BOOKED,
        notes=(READ_CP1252,),
    ),
    Case(
        "excel-fr-rates.csv",
        FR_CP1252 + ": rates '162,35', '0,8345', first-of-month dates 01/03/2025 (ambiguous)",
        fixed(rates_fr_csv),
        kind="rates",
        rates=RATES_FR_BOOKED,
        notes=(Says(DATES_DAY_FIRST, example="01/03/2025", row=2, reading="1 March 2025"),),
    ),
    # -- written by LibreOffice ----------------------------------------------------------------
    Case(
        "lo-fr-journal.xlsx",
        lo_made("fr-FR", "xlsx (Calc MS Excel 2007 XML)"),
        lo("fr-FR", "xlsx", journal_sheet(typed(MARCH))),
        lines=MARCH_BOOKED,
        notes=(sheet_note("Journal"),),
    ),
    Case(
        "lo-fr-journal.ods",
        lo_made("fr-FR", "ods (calc8)"),
        lo("fr-FR", "ods", journal_sheet(typed(MARCH))),
        lines=MARCH_BOOKED,
        notes=(sheet_note("Journal"),),
    ),
    Case(
        "lo-fr-journal.xls",
        lo_made("fr-FR", "xls (MS Excel 97)"),
        lo("fr-FR", "xls", journal_sheet(typed(MARCH))),
        lines=MARCH_BOOKED,
        notes=(sheet_note("Journal"),),
    ),
    Case(
        "lo-en-us-journal.xlsx",
        lo_made("en-US", "xlsx (Calc MS Excel 2007 XML)"),
        lo("en-US", "xlsx", journal_sheet(typed(MARCH))),
        lines=MARCH_BOOKED,
    ),
    Case(
        "lo-en-us-journal.ods",
        lo_made("en-US", "ods (calc8)"),
        lo("en-US", "ods", journal_sheet(typed(MARCH))),
        lines=MARCH_BOOKED,
    ),
    Case(
        "lo-en-gb-journal.xls",
        lo_made("en-GB", "xls (MS Excel 97)"),
        lo("en-GB", "xls", journal_sheet(typed(MARCH))),
        lines=MARCH_BOOKED,
    ),
    Case(
        "lo-fr-journal.csv",
        lo_made(
            "fr-FR", "CSV (59,34,76,1,,1036,false,true,true): '1 500,00' with U+00A0, 14/03/2025"
        ),
        lo_csv("fr-FR", ";", journal_sheet(typed(MARCH))),
        lines=MARCH_BOOKED,
    ),
    Case(
        "lo-fr-journal-bom.csv",
        lo_made("fr-FR", "CSV (59,34,76,...) as lo-fr-journal.csv, BOM added as LO 7.6 writes it"),
        lo_csv("fr-FR", ";", journal_sheet(typed(MARCH[::-1])), bom=True),
        lines=MARCH_BOOKED,
    ),
    Case(
        "lo-en-us-journal-mdy.csv",
        lo_made(
            "en-US",
            "CSV (44,34,76,1,,1033,false,true,true): '\"1,500.00\"', 3/14/2025; "
            "imported with date_order=mdy",
        ),
        lo_csv("en-US", ",", journal_sheet(typed(MARCH))),
        lines=MARCH_BOOKED,
        options={"date_order": "mdy"},
    ),
    Case(
        "lo-en-us-no-date-order.csv",
        lo_made(
            "en-US", "CSV (44,34,76,...): 3/5/2025 and 3/14/2025, imported without a date order"
        ),
        lo_csv("en-US", ",", journal_sheet(typed(US, dates_once=True))),
        problems=US_REFUSED,
    ),
    Case(
        "lo-en-gb-journal-bom.csv",
        lo_made("en-GB", "CSV (44,34,76,1,,2057,...): '\"1,500.00\"', 14/03/2025, BOM added"),
        lo_csv("en-GB", ",", journal_sheet(typed(MARCH)), bom=True),
        lines=MARCH_BOOKED,
    ),
    Case(
        "lo-fr-typed.csv",
        TYPED.format(locale="fr-FR") + ": default date format JJ/MM/AA (14/03/25), General "
        "amounts (1500, 1234,56)",
        lo_typed(
            "fr-FR",
            ";",
            quoted_csv(
                rendered(
                    MARCH,
                    lambda a: format(Decimal(a).normalize(), "f").replace(".", ","),
                    day_first,
                    sides=("D", "C"),
                ),
                ";",
            ),
            "csv:Text - txt - csv (StarCalc):" + csv_filter(";", "fr-FR"),
        ),
        lines=MARCH_BOOKED,
    ),
    Case(
        "lo-en-us-typed-mdy.csv",
        TYPED.format(locale="en-US") + ": default date format MM/DD/YY (03/14/25), General "
        "amounts; imported with date_order=mdy",
        lo_typed(
            "en-US",
            ",",
            quoted_csv(
                rendered(MARCH, lambda a: format(Decimal(a).normalize(), "f"), month_first), ","
            ),
            "csv:Text - txt - csv (StarCalc):" + csv_filter(",", "en-US"),
        ),
        lines=MARCH_BOOKED,
        options={"date_order": "mdy"},
    ),
    Case(
        "lo-de-journal.csv",
        "LibreOffice 7.4 de-DE: openpyxl workbook (dates YYYY-MM-DD, #,##0.00, 25000 as "
        "#,##0) saved as CSV (59,34,76,1,,1031,...): '1.500,00', '25.000'",
        lo_csv("de-DE", ";", german_sheet()),
        lines=MARCH_BOOKED,
    ),
    Case(
        "lo-de-ch-journal.csv",
        "LibreOffice 7.4 de-CH: openpyxl workbook (dates YYYY-MM-DD, #,##0.00) saved as CSV "
        '(59,34,76,1,,2055,...): "1\'500.00" with an ASCII apostrophe',
        lo_csv("de-CH", ";", journal_sheet(typed(MARCH), date="YYYY-MM-DD")),
        lines=MARCH_BOOKED,
    ),
    Case(
        "lo-en-gb-iso-datetimes.csv",
        "LibreOffice 7.4 en-GB: openpyxl workbook (date-time cells formatted YYYY-MM-DD "
        "HH:MM:SS) saved as CSV (44,34,76,1,,2057,...): '2025-03-20 09:30:00'",
        lo_csv("en-GB", ",", datetime_sheet()),
        lines=MARCH_BOOKED,
    ),
    Case(
        "lo-fr-formula-noise.xls",
        "LibreOffice 7.4 fr-FR: openpyxl-formula-noise.xlsx saved as xls (MS Excel 97): the "
        "8-byte doubles 1166.3000000000002, 360.29999999999995, 0.30000000000000004 kept",
        lambda office: office.save_as(noise_workbook(), "fr-FR", "xls", "noise"),
        lines=booked(NOISE),
    ),
    Case(
        "lo-fr-title-row.ods",
        lo_made("fr-FR", "ods") + "; a title on row 1, row 2 blank, the header on row 3",
        lo("fr-FR", "ods", journal_sheet(title_rows(MARCH, "Journal des achats — mars 2025"))),
        lines=MARCH_BOOKED,
        notes=(Says(HEADER_BELOW, row=3), sheet_note("Journal", 3)),
    ),
    Case(
        "lo-fr-ecritures-second.ods",
        lo_made("fr-FR", "ods") + "; sheet 'Notes' first and active, the journal on "
        "'Écritures', second",
        lambda office: office.save_as(notes_then_ecritures(), "fr-FR", "ods"),
        lines=MARCH_BOOKED,
        notes=(sheet_note("Écritures"), OTHER_SHEETS.format(names=sheet_names("Notes"))),
    ),
    Case(
        "lo-fr-hidden-first-sheet.ods",
        lo_made("fr-FR", "ods") + "; first sheet 'Brouillon' hidden (a stale draft), the "
        "journal on 'Mars 2025', visible and active",
        lambda office: office.save_as(
            hidden_sheet_workbook("Brouillon", "Mars 2025"), "fr-FR", "ods"
        ),
        lines=MARCH_BOOKED,
        notes=(sheet_note("Mars 2025"), HIDDEN_SHEETS.format(names=sheet_names("Brouillon"))),
    ),
    Case(
        "lo-fr-french-headers.ods",
        lo_made("fr-FR", "ods") + "; French columns: N° écriture, Date, Code journal, "
        "N° pièce, Compte, Libellé, Débit, Crédit, Devise, Montant devise, Sens, Ligne "
        "budgétaire",
        lo("fr-FR", "ods", french_header_sheet(MARCH)),
        lines=MARCH_BOOKED,
        notes=(sheet_note("Écritures"),),
    ),
    Case(
        "lo-fr-no-entry-column.ods",
        lo_made("fr-FR", "ods") + "; the French columns without N° écriture: only the N° "
        "pièce (a supporting document, which several entries may share) ties lines together",
        lo("fr-FR", "ods", french_header_sheet(MARCH, entry_column=False)),
        # Grouping lines by their piece would guess: a bank statement is the piece of many
        # entries. The file is refused, saying which column is missing.
        problems=(COLUMN_MISSING.format(column="entry", found=", ".join(FRENCH_HEADER[1:])),),
    ),
    Case(
        "lo-fr-budget.ods",
        lo_made("fr-FR", "ods") + ": budget lines, French columns, 12 500,00 in a numeric "
        "cell, dates in date cells",
        lambda office: office.save_as(budget_lo_workbook(), "fr-FR", "ods", "budget"),
        kind="budget",
        budget_lines=BUDGET_FR_BOOKED,
    ),
    Case(
        "lo-en-gb-rates.xlsx",
        lo_made("en-GB", "xlsx") + ": rates 162.35, 0.8345, 0.9512 (ecb) in numeric cells",
        lambda office: office.save_as(rates_workbook(), "en-GB", "xlsx", "rates"),
        kind="rates",
        rates=RATES_BOOKED,
    ),
    # -- written by openpyxl --------------------------------------------------------------------
    Case(
        "openpyxl-hidden-journal-sheet.xlsx",
        "openpyxl: first sheet 'Journal' hidden (a stale draft), the journal on 'Saisie', "
        "visible and active",
        fixed(lambda: hidden_sheet_workbook("Journal", "Saisie")),
        lines=MARCH_BOOKED,
        notes=(sheet_note("Saisie"), HIDDEN_SHEETS.format(names=sheet_names("Journal"))),
    ),
    Case(
        "openpyxl-every-sheet-hidden.xlsx",
        "openpyxl: sheets 'Journal' and 'Brouillon', both hidden (workbook.xml edited)",
        fixed(lambda: every_sheet_hidden(hidden_sheet_workbook("Brouillon", "Journal"))),
        problems=(FILE_ALL_HIDDEN.format(names=sheet_names("Brouillon", "Journal")),),
    ),
    Case(
        "openpyxl-autofilter-hidden-rows.xlsx",
        "openpyxl: an autofilter over the journal, rows 4 and 5 (entry A-102) hidden by it",
        fixed(
            lambda: workbook(
                replace(journal_sheet(typed(MARCH)), hidden_rows=(4, 5), autofilter=True)
            )
        ),
        lines=MARCH_BOOKED,
        notes=(HIDDEN_ROWS.format(count=2, rows=rows_text([4, 5])),),
    ),
    Case(
        "openpyxl-formula-noise.xlsx",
        "openpyxl: formula results pasted as values in numeric cells: 1166.3000000000002, "
        "360.29999999999995, 0.30000000000000004",
        fixed(noise_workbook),
        lines=booked(NOISE),
    ),
    Case(
        "openpyxl-title-blank-row.xlsx",
        "openpyxl: title 'Journal des achats' on row 1, row 2 blank, the header on row 3",
        fixed(lambda: workbook(journal_sheet(title_rows(MARCH, "Journal des achats")))),
        lines=MARCH_BOOKED,
        notes=(Says(HEADER_BELOW, row=3), sheet_note("Journal", 3)),
    ),
    Case(
        "openpyxl-text-amounts-ambiguous.xlsx",
        "openpyxl: amounts stored as text '1.500' and '2.250', nothing else in the file",
        fixed(ambiguous_text_amounts),
        problems=ambiguous_problems(),
    ),
    Case(
        "openpyxl-six-mistakes.xlsx",
        "openpyxl: the ten entries with six mistakes of excel-fr-six-mistakes.csv, typed in "
        "a workbook (text dates '12/31/2025' and a text amount '45,5O')",
        fixed(six_mistakes_workbook),
        problems=(
            *SIX_MISTAKES_PROBLEMS[:2],
            # The date is a date cell: how the message writes it is the code's choice.
            Says(PERIOD_CLOSED, row=10, reading="14 February 2025", period="2025-02"),
            *SIX_MISTAKES_PROBLEMS[3:],
        ),
    ),
    # -- the template ---------------------------------------------------------------------------
    Case(
        "journal-template.xlsx",
        "The journal template as downloaded (ledger.imports.templates, openpyxl)",
        fixed(template),
        books="demo",
        template_rows=True,
    ),
    Case(
        "journal-template-lo-fr.ods",
        "The journal template opened in LibreOffice 7.4 fr-FR and saved as .ods (calc8)",
        template_in_libreoffice,
        books="demo",
        template_rows=True,
    ),
]
