"""The files of the demo data set: one CSV a table, read into frozen dataclasses.

Each file's header must list exactly the fields of its row class, in order, so a
renamed or forgotten column fails loudly instead of rotting. Amounts are `Decimal`,
dates ISO `YYYY-MM-DD`, flags `yes`/`no`, empty cells are None (or "" for text).

The `lab` column of a scenario file holds a lab code, or `*` for a row that every demo
lab books, its amounts multiplied by the lab's `demo_scale` (labs.csv) so that the labs'
figures differ while the story stays the same.

Dates are written for the reference years (`years.py`): 2025 is the year the demo
closes, 2026 the year in progress; `DemoData.shifted` moves the dated tables (DATED) to
the years of the date of loading.
"""

import csv
import datetime
import re
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from ledger.demo.years import shift_row
from ledger.exceptions import LedgerError

ALL_LABS = "*"
ENVELOPES = ("personnel", "operating", "equipment")

BAD_HEADER = "{file}: the columns are {found}; expected {expected}"
BAD_VALUE = "{file}, line {line}, column {column}: {problem}"
UNKNOWN = "{file}: {what} {code!r} is not defined{where}"
DUPLICATE = "{file}: {what} {code!r} appears twice"
MISSING_FILE = "The demo data file {path} is missing"
NATURE_IFF_BUDGET = (
    "accounts.csv: account {code} needs a budget_nature if and only if it needs a budget line"
)
BAD_YEAR_END = (
    "purchase_orders.csv: order {code}: year_end is {value!r}; expected carry_over, cancel "
    "or nothing (and a year_end_reason to cancel)"
)
NO_LINE_THAT_YEAR = "budget_amendments.csv: {key} names {code}, not a {lab} line of {year}"


class DemoDataError(LedgerError):
    """A file of the demo data set is malformed or refers to something undefined."""


@dataclass(frozen=True)
class InstitutionRow:
    code: str
    name: str
    kind: str
    country: str


@dataclass(frozen=True)
class LabRow:
    code: str
    unit_number: str
    name: str
    field: str
    fec_identifier: str
    start_date: date
    book_currency: str
    demo_scale: Decimal


@dataclass(frozen=True)
class PartnershipRow:
    lab: str
    institution: str
    role: str
    start_date: date


@dataclass(frozen=True)
class FundingSourceRow:
    lab: str
    code: str
    name: str
    funder: str
    kind: str
    reference: str
    currency: str
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class AccountRow:
    code: str
    name_fr: str
    name_en: str
    needs_budget_line: bool  # its lines (outside the opening entry) name a budget line
    budget_nature: str  # the nature of the budget line they consume ("" if none)


@dataclass(frozen=True)
class JournalRow:
    code: str
    name_fr: str
    name_en: str
    kind: str
    bank_account: str  # the bank account a bank journal records ("" for other journals)
    currency: str  # the currency of that bank account


@dataclass(frozen=True)
class RateRow:
    currency: str
    valid_from: date
    units_per_eur: Decimal
    source: str


@dataclass(frozen=True)
class GstRateRow:
    valid_from: date
    rate_percent: Decimal


@dataclass(frozen=True)
class PerDiemRow:
    country: str
    city: str
    currency: str
    daily_rate: Decimal


def staff_code(role: str) -> str:
    """The third-party code of a staff member, by role (the demo names no one)."""
    slug = re.sub(r"[^A-Z0-9]+", "-", role.upper()).strip("-")
    code = f"STAFF-{slug}"
    while len(code) > 40:  # a code holds 40 characters: whole words are dropped, never cut
        code = code.rsplit("-", 1)[0]
    return code


@dataclass(frozen=True)
class SupplierRow:
    code: str
    name: str
    country: str


@dataclass(frozen=True)
class UserRow:
    username: str
    password: str
    role: str
    lab: str  # "" for an office-wide role
    email: str  # where the budget alerts go (.example.org: nobody's); "" for none


@dataclass(frozen=True)
class OpeningRow:
    """A line of the opening entry; the one row without amounts takes the balance."""

    lab: str
    account: str
    debit: Decimal | None
    credit: Decimal | None
    currency: str
    label: str


@dataclass(frozen=True)
class IncomeRow:
    """Money in: invoiced to a partner (VT, then received) or received without invoice."""

    key: str
    lab: str
    funding: str
    account: str
    description: str
    amount: Decimal
    currency: str
    piece_ref: str  # our invoice number, or the funder's payment notice
    invoice_date: date | None  # None: received without an invoice of ours
    received_date: date
    bank: str
    # Received in part (the partner paid less than invoiced; the rest is still due):
    # empty when the whole invoice was received. Only for an invoice of ours.
    received_amount: Decimal | None


@dataclass(frozen=True)
class BudgetLineRow:
    """A budget line of a fiscal year: lab x funding source x envelope and nature."""

    lab: str
    year: int
    funding: str
    code: str
    label_fr: str
    label_en: str
    envelope: str
    nature: str
    funder_category: str  # the grant funder's cost category ("" for other sources)
    allocated: Decimal  # in `currency`
    currency: str  # the currency the allocation is notified in ("" for book currency)
    allocated_on: date  # when the allocation was notified
    policy: str  # "warn" or "block" when spending exceeds the line


@dataclass(frozen=True)
class BudgetAmendmentRow:
    """A top-up (amount > 0) or cut (amount < 0) of `line`, or with `from_line` a transfer."""

    key: str
    lab: str
    date: date
    line: str
    from_line: str
    amount: Decimal
    justification: str


@dataclass(frozen=True)
class PurchaseOrderRow:
    """A purchase order, committed on its budget line the day it is signed."""

    number: str
    lab: str
    date: date
    supplier: str
    description: str
    account: str  # the account its invoices are booked to (gives the budget line's nature)
    amount: Decimal  # GST included, as signed
    funding: str
    envelope: str
    # What closing its year does with it if it is still open: "carry_over" (to the
    # same budget line of the next year) or "cancel" (with `year_end_reason`).
    year_end: str
    year_end_reason: str


@dataclass(frozen=True)
class PurchaseRow:
    """A supplier invoice (ACH) and, once `paid_date` is set, its payment (BQS/BQE)."""

    key: str
    lab: str
    supplier: str
    invoice_ref: str
    invoice_date: date
    account: str
    description: str
    net: Decimal
    currency: str
    gst: bool
    order: str  # the purchase order or mission order the invoice settles ("" if none)
    funding: str
    envelope: str
    paid_date: date | None
    paid_from: str
    bank_rate: Decimal | None  # book units per unit of `currency` the bank applied


@dataclass(frozen=True)
class CorrectionRow:
    """A purchase first booked to the wrong account, reversed and rebooked on `corrected_on`."""

    key: str
    lab: str
    purchase: str
    booked_account: str
    corrected_on: date
    reason: str


@dataclass(frozen=True)
class EquipmentRow:
    """A depreciated asset: owned before the year (`cost`), or bought by `purchase`."""

    key: str
    lab: str
    description: str
    account: str
    cost: Decimal | None
    in_service: date
    life_years: int
    purchase: str
    funding: str
    envelope: str


@dataclass(frozen=True)
class MissionRow:
    key: str
    lab: str
    traveller: str  # a role, never a name
    purpose: str
    city: str
    country: str
    start_date: date
    end_date: date
    nights: int
    lunches: int
    dinners: int
    local_transport: Decimal
    local_currency: str
    claim_date: date
    reimbursed: date
    order_ref: str  # the mission order, committed on `order_date` for `order_amount`
    order_date: date
    order_amount: Decimal  # estimated cost in book currency: ticket, lodging, per diem, transport
    funding: str
    envelope: str


@dataclass(frozen=True)
class TransferRow:
    key: str
    lab: str
    date: date
    from_bank: str
    to_bank: str
    amount: Decimal  # in the currency of `from_bank`
    bank_rate: Decimal  # units of the `to_bank` currency the bank gave for one unit
    description: str
    funding: str  # charged with an exchange loss, if any


@dataclass(frozen=True)
class BankChargeRow:
    key: str
    lab: str
    date: date
    bank: str
    amount: Decimal
    currency: str
    description: str
    funding: str
    envelope: str


@dataclass(frozen=True)
class PayrollRow:
    key: str
    lab: str
    role: str
    monthly_gross: Decimal
    first_month: date  # the contract's first month (its first day)
    last_month: date  # and its last
    funding: str
    envelope: str


@dataclass(frozen=True)
class AccrualRow:
    key: str
    lab: str
    date: date
    kind: str  # "invoice_not_received" (408) or "prepaid" (486)
    account: str
    supplier: str
    net: Decimal
    gst: bool
    funding: str
    envelope: str
    description: str
    reversed_on: datetime.date | None  # reversed when the next year starts (contre-passation)


@dataclass(frozen=True)
class DraftRow:
    """A supplier invoice keyed in but not posted, on `day` of the month left open; with
    `typo`, the supplier's line was keyed that much too high and the draft does not
    balance."""

    key: str
    lab: str
    day: int
    supplier: str
    invoice_ref: str
    account: str
    description: str
    net: Decimal
    gst: bool
    funding: str
    envelope: str
    typo: Decimal | None


@dataclass(frozen=True)
class DemoData:
    """Every table of the demo data set, and the files they were read from."""

    institutions: tuple[InstitutionRow, ...]
    labs: tuple[LabRow, ...]
    partnerships: tuple[PartnershipRow, ...]
    funding_sources: tuple[FundingSourceRow, ...]
    accounts: tuple[AccountRow, ...]
    journals: tuple[JournalRow, ...]
    exchange_rates: tuple[RateRow, ...]
    gst_rates: tuple[GstRateRow, ...]
    per_diem_rates: tuple[PerDiemRow, ...]
    suppliers: tuple[SupplierRow, ...]
    users: tuple[UserRow, ...]
    budget_lines: tuple[BudgetLineRow, ...]
    budget_amendments: tuple[BudgetAmendmentRow, ...]
    opening_balances: tuple[OpeningRow, ...]
    income: tuple[IncomeRow, ...]
    purchase_orders: tuple[PurchaseOrderRow, ...]
    purchases: tuple[PurchaseRow, ...]
    corrections: tuple[CorrectionRow, ...]
    equipment: tuple[EquipmentRow, ...]
    missions: tuple[MissionRow, ...]
    transfers: tuple[TransferRow, ...]
    bank_charges: tuple[BankChargeRow, ...]
    payroll: tuple[PayrollRow, ...]
    accruals: tuple[AccrualRow, ...]
    drafts: tuple[DraftRow, ...]
    files: tuple[Path, ...]

    def lab(self, code: str) -> LabRow:
        for lab in self.labs:
            if lab.code == code:
                return lab
        raise DemoDataError(UNKNOWN.format(file="labs.csv", what="lab", code=code, where=""))

    def shifted(self, years: int) -> "DemoData":
        """The data set with its dated tables (DATED) moved by `years`."""
        if not years:
            return self
        moved = {
            table: tuple(shift_row(row, years) for row in getattr(self, table)) for table in DATED
        }
        return replace(self, **moved)


# Each table of DemoData and the file it is read from (DemoData's field order).
FILES: dict[str, tuple[str, type]] = {
    "institutions": ("institutions.csv", InstitutionRow),
    "labs": ("labs.csv", LabRow),
    "partnerships": ("partnerships.csv", PartnershipRow),
    "funding_sources": ("funding_sources.csv", FundingSourceRow),
    "accounts": ("accounts.csv", AccountRow),
    "journals": ("journals.csv", JournalRow),
    "exchange_rates": ("exchange_rates.csv", RateRow),
    "gst_rates": ("gst_rates.csv", GstRateRow),
    "per_diem_rates": ("per_diem_rates.csv", PerDiemRow),
    "suppliers": ("suppliers.csv", SupplierRow),
    "users": ("users.csv", UserRow),
    "budget_lines": ("budget_lines.csv", BudgetLineRow),
    "budget_amendments": ("budget_amendments.csv", BudgetAmendmentRow),
    "opening_balances": ("opening_balances.csv", OpeningRow),
    "income": ("income.csv", IncomeRow),
    "purchase_orders": ("purchase_orders.csv", PurchaseOrderRow),
    "purchases": ("purchases.csv", PurchaseRow),
    "corrections": ("corrections.csv", CorrectionRow),
    "equipment": ("equipment.csv", EquipmentRow),
    "missions": ("missions.csv", MissionRow),
    "transfers": ("transfers.csv", TransferRow),
    "bank_charges": ("bank_charges.csv", BankChargeRow),
    "payroll": ("payroll.csv", PayrollRow),
    "accruals": ("accruals.csv", AccrualRow),
    "drafts": ("drafts.csv", DraftRow),
}
# The tables of the story, moved with the years; the others (institutions, labs and
# their partners, the chart, journals, suppliers, per diem rates, users) are not dated.
DATED = (
    "funding_sources",
    "exchange_rates",
    "gst_rates",
    "budget_lines",
    "budget_amendments",
    "opening_balances",
    "income",
    "purchase_orders",
    "purchases",
    "corrections",
    "equipment",
    "missions",
    "transfers",
    "bank_charges",
    "payroll",
    "accruals",
    "drafts",
)

Row = TypeVar("Row")


def _value(kind: Any, text: str) -> Any:
    """`text` as a value of the annotated type `kind` (str, int, Decimal, date, bool, X | None)."""
    if isinstance(kind, types.UnionType):
        if text == "":
            return None
        (kind,) = (k for k in typing.get_args(kind) if k is not type(None))
    if kind is str:
        return text
    if text == "":
        raise ValueError("a value is required")
    if kind is Decimal:
        amount = Decimal(text)
        if not amount.is_finite():
            raise ValueError(f"{text!r} is not a number")
        return amount
    if kind is int:
        return int(text)
    if kind is date:
        return date.fromisoformat(text)
    if kind is bool:
        if text not in ("yes", "no"):
            raise ValueError(f"{text!r} is neither yes nor no")
        return text == "yes"
    raise TypeError(f"no reader for {kind}")


def _read(path: Path, row_type: type[Row]) -> tuple[Row, ...]:
    hints = typing.get_type_hints(row_type)
    expected = [f.name for f in fields(row_type)]  # type: ignore[arg-type]
    if not path.is_file():
        raise DemoDataError(MISSING_FILE.format(path=path))
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        if reader.fieldnames != expected:
            raise DemoDataError(
                BAD_HEADER.format(file=path.name, found=reader.fieldnames, expected=expected)
            )
        rows = []
        for raw in reader:
            values = {}
            for name in expected:
                try:
                    values[name] = _value(hints[name], (raw[name] or "").strip())
                except (ValueError, InvalidOperation) as exc:
                    raise DemoDataError(
                        BAD_VALUE.format(
                            file=path.name, line=reader.line_num, column=name, problem=exc
                        )
                    ) from None
            rows.append(row_type(**values))
    return tuple(rows)


def demo_data_read(directory: Path) -> DemoData:
    """Read and cross-check every file of the demo data set in `directory`."""
    tables: dict[str, Any] = {
        table: _read(directory / name, row_type) for table, (name, row_type) in FILES.items()
    }
    data = DemoData(**tables, files=tuple(directory / name for name, _row_type in FILES.values()))
    _check(data)
    return data


def _unique(file: str, what: str, codes: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise DemoDataError(DUPLICATE.format(file=file, what=what, code=code))
        seen.add(code)
    return seen


def _known(
    file: str, what: str, code: str, known: set[str] | dict[str, Any], where: str = ""
) -> None:
    if code not in known:
        raise DemoDataError(
            UNKNOWN.format(file=file, what=what, code=code, where=f" ({where})" if where else "")
        )


def _check(data: DemoData) -> None:
    """Refuse duplicate codes, and references to undefined labs, institutions, accounts,
    bank accounts, suppliers, funding sources, envelopes or budget lines. (The plan checks
    the rest: balance, a funding source and envelope on every expense line, a budget line
    for each, orders that exist and are not exceeded.)"""
    labs = _unique("labs.csv", "lab", (lab.code for lab in data.labs))
    institutions = _unique("institutions.csv", "institution", (i.code for i in data.institutions))
    accounts = _unique("accounts.csv", "account", (a.code for a in data.accounts))
    suppliers = _unique("suppliers.csv", "supplier", (s.code for s in data.suppliers))
    banks = {j.bank_account for j in data.journals if j.bank_account}
    funding: dict[str, set[str]] = {code: set() for code in labs}
    for source in data.funding_sources:
        _known("funding_sources.csv", "lab", source.lab, labs)
        _known("funding_sources.csv", "institution", source.funder, institutions)
        funding[source.lab].add(source.code)
    for partnership in data.partnerships:
        _known("partnerships.csv", "lab", partnership.lab, labs)
        _known("partnerships.csv", "institution", partnership.institution, institutions)
    for user in data.users:
        if user.lab:
            _known("users.csv", "lab", user.lab, labs)
    for journal in data.journals:
        if journal.bank_account:
            _known("journals.csv", "account", journal.bank_account, accounts)
    for account in data.accounts:
        if account.needs_budget_line != bool(account.budget_nature):
            raise DemoDataError(NATURE_IFF_BUDGET.format(code=account.code))
    for table, (file, _row_type) in FILES.items():
        rows = getattr(data, table)
        if not rows or not hasattr(rows[0], "lab") or table in ("partnerships", "users"):
            continue
        for row in rows:
            _check_row(file, row, labs, accounts, suppliers, banks, funding)
    _check_budget(data, labs)


def _check_budget(data: DemoData, labs: set[str]) -> None:
    """Budget line codes are unique in each lab and year; amendments name lines of their
    lab and year; an order's year-end instruction is known."""
    codes: dict[tuple[str, int], set[str]] = {}
    for line in data.budget_lines:
        for lab in labs if line.lab == ALL_LABS else {line.lab}:
            held = codes.setdefault((lab, line.year), set())
            if line.code in held:
                raise DemoDataError(
                    DUPLICATE.format(
                        file="budget_lines.csv", what=f"{lab} {line.year} line", code=line.code
                    )
                )
            held.add(line.code)
    for row in data.budget_amendments:
        for lab in labs if row.lab == ALL_LABS else {row.lab}:
            for code in filter(None, (row.line, row.from_line)):
                if code not in codes.get((lab, row.date.year), set()):
                    raise DemoDataError(
                        NO_LINE_THAT_YEAR.format(
                            key=row.key, code=code, lab=lab, year=row.date.year
                        )
                    )
    for order in data.purchase_orders:
        cancel_reason = order.year_end != "cancel" or order.year_end_reason
        if order.year_end not in ("", "carry_over", "cancel") or not cancel_reason:
            raise DemoDataError(BAD_YEAR_END.format(code=order.number, value=order.year_end))


def _check_row(
    file: str,
    row: Any,
    labs: set[str],
    accounts: set[str],
    suppliers: set[str],
    banks: set[str],
    funding: dict[str, set[str]],
) -> None:
    if row.lab != ALL_LABS:
        _known(file, "lab", row.lab, labs)
    for name in ("account", "booked_account"):
        if getattr(row, name, ""):
            _known(file, "account", getattr(row, name), accounts)
    for name in ("bank", "paid_from", "from_bank", "to_bank"):
        if getattr(row, name, ""):
            _known(file, "bank account", getattr(row, name), banks)
    if getattr(row, "supplier", ""):
        _known(file, "supplier", row.supplier, suppliers)
    if getattr(row, "funding", ""):
        for lab in labs if row.lab == ALL_LABS else {row.lab}:
            _known(file, "funding source", row.funding, funding[lab], where=f"lab {lab}")
    if getattr(row, "envelope", "") and row.envelope not in ENVELOPES:
        raise DemoDataError(UNKNOWN.format(file=file, what="envelope", code=row.envelope, where=""))
