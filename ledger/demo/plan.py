"""Planned entries, and the booking rules every kind of demo entry shares.

A plan is pure data: it reads the demo data and converts currencies with the function
it is given (the stored chancellery rates when loading). `load.py` writes it through
the ledger services, so the entries are numbered, hashed and audited like any other.

Every class 6 and class 2 line names its funding source and budget envelope; a line on
an account that needs a budget line (accounts.csv), outside the opening entry, names the
lab's budget line of that funding source, envelope and the account's nature, in the
fiscal year of the entry.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from ledger.demo.data import (
    ALL_LABS,
    AccountRow,
    BudgetLineRow,
    DemoData,
    DemoDataError,
    FundingSourceRow,
    JournalRow,
    LabRow,
    SupplierRow,
)
from ledger.demo.years import DemoCalendar
from ledger.fields import round_cents

ZERO = Decimal("0.00")
Side = Literal["debit", "credit"]
Convert = Callable[[Decimal, str, date], Decimal]
"""The book amount of (amount, currency) at the chancellery rate in force on a date."""

FX_LOSS, FX_GAIN = "666", "766"

UNBALANCED_PLAN = "Demo entry {key} of {lab} does not balance: debit {debit}, credit {credit}"
NO_BUDGET = "Demo entry {key} of {lab}: the line on {account} names no funding source or envelope"
MISSING = "{lab}: {what} {code!r} is not defined for this lab"
NEEDS_BANK_RATE = "{lab} {key}: {currency} through bank account {bank} needs a bank_rate"
BAD_ROW = "{lab} {key}: {problem}"
NO_BUDGET_LINE = (
    "Demo entry {key} of {lab}: no {year} budget line for funding source {funding}, "
    "envelope {envelope} and nature {nature} (the nature of account {account})"
)
TWO_BUDGET_LINES = (
    "{lab}: budget lines {first} and {second} of {year} both hold funding source {funding}, "
    "envelope {envelope} and nature {nature}"
)


@dataclass(frozen=True)
class PlannedLine:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    label: str = ""
    currency: str = ""  # the foreign currency of `amount`; "" on a book-currency line
    amount: Decimal | None = None
    bank_rate: bool = False  # the book amount is the bank's; otherwise the chancellery rate's
    third_party: str = ""
    funding: str = ""  # code of the funding source the line consumes (class 6 and 2 lines)
    envelope: str = ""  # personnel, operating or equipment
    budget_line: str = ""  # code of the budget line it consumes (set by DemoLab.entry)
    commitment: str = ""  # reference of the purchase or mission order it settles


@dataclass(frozen=True)
class PlannedEntry:
    key: str
    journal: str
    date: datetime.date
    label: str
    lines: tuple[PlannedLine, ...] = ()
    piece_ref: str = ""
    piece_date: datetime.date | None = None
    draft: bool = False  # left unposted, to show what a draft looks like
    # Key of the posted entry this reversal undoes: its lines come from that entry,
    # `label` is the reason, and the services prefix it with "Reversal of <number>: ".
    reverses: str = ""

    @property
    def debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)


def needs_budget(account: str) -> bool:
    """Expense (class 6) and fixed-asset (class 2) lines will consume a budget line."""
    return account[0] in ("2", "6")


def _sides(side: Side, book: Decimal) -> dict[str, Any]:
    return {"debit": book} if side == "debit" else {"credit": book}


class DemoLab:
    """One lab's view of the demo data, and the booking rules shared by every entry kind."""

    def __init__(self, data: DemoData, code: str, calendar: DemoCalendar, convert: Convert) -> None:
        self.data = data
        self.row: LabRow = data.lab(code)
        self.code = code
        self.calendar = calendar
        self.start = date(calendar.previous, 1, 1)  # the first day the demo books
        self.cutoff = calendar.cutoff  # and the last
        self.convert = convert
        self.book_currency = self.row.book_currency
        self.accounts: dict[str, AccountRow] = {a.code: a for a in data.accounts}
        self.budget_lines: list[BudgetLineRow] = [
            replace(line, lab=code, allocated=self.scaled(line, line.allocated))
            for line in self.rows(data.budget_lines)
            if line.year in (calendar.previous, calendar.current)
        ]
        self._budget_keys: dict[tuple[int, str, str, str], str] = {}
        for line in self.budget_lines:
            key = (line.year, line.funding, line.envelope, line.nature)
            if key in self._budget_keys:
                raise DemoDataError(
                    TWO_BUDGET_LINES.format(
                        lab=code,
                        first=self._budget_keys[key],
                        second=line.code,
                        year=line.year,
                        funding=line.funding,
                        envelope=line.envelope,
                        nature=line.nature,
                    )
                )
            self._budget_keys[key] = line.code

    def months(self, first: date, last: date) -> list[date]:
        """The first days of the months from `first` to `last` that the demo books."""
        begin, end = max(first, self.start), min(last, self.cutoff)
        months = []
        month = date(begin.year, begin.month, 1)
        while month <= end:
            months.append(month)
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        return months

    def rows(self, table: Sequence[Any]) -> list[Any]:
        """The rows of `table` this lab books: its own and those shared by every lab."""
        return [row for row in table if row.lab in (ALL_LABS, self.code)]

    def scaled(self, row: Any, amount: Decimal) -> Decimal:
        """Amounts of rows shared by every lab follow the lab's size; its own rows do not."""
        return round_cents(amount * self.row.demo_scale) if row.lab == ALL_LABS else amount

    def find(self, what: str, code: object, rows: Sequence[Any], attr: str = "code") -> Any:
        for row in rows:
            if getattr(row, attr) == code:
                return row
        raise DemoDataError(MISSING.format(lab=self.code, what=what, code=code))

    def budget_line(self, key: str, funding: str, envelope: str, account: str, year: int) -> str:
        """The code of the budget line of `year` that an expense of `funding` and
        `envelope` on `account` consumes."""
        nature = self.accounts[account].budget_nature
        code = self._budget_keys.get((year, funding, envelope, nature))
        if code is None:
            raise DemoDataError(
                NO_BUDGET_LINE.format(
                    key=key,
                    lab=self.code,
                    year=year,
                    funding=funding,
                    envelope=envelope,
                    nature=nature,
                    account=account,
                )
            )
        return code

    def fail(self, key: str, problem: str) -> DemoDataError:
        return DemoDataError(BAD_ROW.format(lab=self.code, key=key, problem=problem))

    def supplier(self, code: str) -> SupplierRow:
        found: SupplierRow = self.find("supplier", code, self.data.suppliers)
        return found

    def funding(self, code: str) -> FundingSourceRow:
        found: FundingSourceRow = self.find(
            "funding source", code, self.rows(self.data.funding_sources)
        )
        return found

    def journal(self, kind: str) -> str:
        found: JournalRow = self.find("journal of kind", kind, self.data.journals, "kind")
        return found.code

    def bank(self, account: str) -> JournalRow:
        found: JournalRow = self.find("bank account", account, self.data.journals, "bank_account")
        return found

    def book_bank(self) -> str:
        """The bank account kept in book currency (salaries and claims are paid from it)."""
        found: JournalRow = self.find(
            "bank account in", self.book_currency, self.data.journals, "currency"
        )
        return found.bank_account

    def gst_percent(self, on: date) -> Decimal:
        rates = [r for r in self.data.gst_rates if r.valid_from <= on]
        if not rates:
            raise DemoDataError(MISSING.format(lab=self.code, what="GST rate on", code=on))
        return max(rates, key=lambda r: r.valid_from).rate_percent

    def line(
        self, account: str, side: Side, amount: Decimal, currency: str, on: date, **kw: Any
    ) -> PlannedLine:
        """A line of `amount` in `currency`, converted at the chancellery rate of `on`."""
        if currency == self.book_currency:
            return PlannedLine(account, **_sides(side, amount), **kw)
        book = self.convert(amount, currency, on)
        return PlannedLine(account, **_sides(side, book), currency=currency, amount=amount, **kw)

    def bank_line(
        self,
        bank: str,
        side: Side,
        amount: Decimal,
        currency: str,
        on: date,
        *,
        bank_rate: Decimal | None,
        key: str,
        label: str = "",
    ) -> PlannedLine:
        """The bank's side of a movement: at the chancellery rate when the account is kept
        in `currency`, else at the rate the bank applied when converting."""
        account_currency = self.bank(bank).currency
        if currency == account_currency:
            return self.line(bank, side, amount, currency, on, label=label)
        if bank_rate is None or account_currency != self.book_currency:
            raise DemoDataError(
                NEEDS_BANK_RATE.format(lab=self.code, key=key, currency=currency, bank=bank)
            )
        book = round_cents(amount * bank_rate)
        return PlannedLine(
            bank,
            **_sides(side, book),
            label=f"{label}: {currency} {amount:,.2f} converted by the bank at {bank_rate}",
            currency=currency,
            amount=amount,
            bank_rate=True,
        )

    def entry(
        self,
        key: str,
        journal: str,
        on: date,
        label: str,
        lines: Sequence[PlannedLine],
        *,
        unbalanced: bool = False,
        **kw: Any,
    ) -> PlannedEntry:
        """A planned entry, its expense lines tagged with their budget line (but in the
        opening entry); refuses one that does not balance (but a draft keyed with a
        mistake, `unbalanced`) or an expense without funding."""
        kept = tuple(line for line in lines if line.debit or line.credit)
        for line in kept:
            if needs_budget(line.account) and not (line.funding and line.envelope):
                raise DemoDataError(NO_BUDGET.format(key=key, lab=self.code, account=line.account))
        if self.find("journal", journal, self.data.journals).kind != "opening":
            kept = tuple(self._budgeted(key, line, on.year) for line in kept)
        planned = PlannedEntry(key, journal, on, label[:200], kept, **kw)
        if planned.debit != planned.credit and not (unbalanced and planned.draft):
            raise DemoDataError(
                UNBALANCED_PLAN.format(
                    key=key, lab=self.code, debit=planned.debit, credit=planned.credit
                )
            )
        return planned

    def _budgeted(self, key: str, line: PlannedLine, year: int) -> PlannedLine:
        if line.budget_line or not self.accounts[line.account].needs_budget_line:
            return line
        code = self.budget_line(key, line.funding, line.envelope, line.account, year)
        return replace(line, budget_line=code)

    def expense_lines(
        self,
        *,
        key: str,
        account: str,
        net: Decimal,
        currency: str,
        gst: bool,
        on: date,
        label: str,
        funding: str,
        envelope: str,
        commitment: str = "",
    ) -> list[PlannedLine]:
        """The cost lines of an invoice (settling `commitment`, if any). The lab is not
        GST-registered, so GST is part of the cost: same account, on a line of its own so
        that it shows."""
        budget: dict[str, Any] = {
            "funding": funding,
            "envelope": envelope,
            "commitment": commitment,
        }
        lines = [self.line(account, "debit", net, currency, on, label=label, **budget)]
        if gst:
            if currency != self.book_currency:
                raise self.fail(key, "GST applies to invoices in book currency only")
            rate = self.gst_percent(on)
            lines.append(
                PlannedLine(
                    account,
                    debit=round_cents(net * rate / 100),
                    label=f"GST {rate:g}% (not recoverable: the lab is not GST-registered)",
                    **budget,
                )
            )
        return lines

    def settlement(
        self,
        *,
        key: str,
        on: date,
        receive: bool,
        bank: str,
        owed: PlannedLine,
        amount: Decimal,
        currency: str,
        bank_rate: Decimal | None = None,
        funding: str,
        label: str,
        **kw: Any,
    ) -> PlannedEntry:
        """Pay or receive what was booked on an invoice (`owed`: the supplier, partner or
        staff line that clears it); a rate change since the invoice is an FX difference."""
        bank_side: Side = "debit" if receive else "credit"
        moved = self.bank_line(
            bank, bank_side, amount, currency, on, bank_rate=bank_rate, key=key, label=label
        )
        lines = fx_difference([owed, moved], funding=funding, label=label)
        return self.entry(key, self.bank(bank).code, on, label, lines, **kw)


def clearing(invoiced: PlannedLine, *, booked_on: date) -> PlannedLine:
    """The line that clears `invoiced` at the book amount it was booked at; for a foreign
    invoice its label says which amount and which rate date it stands for."""
    label = invoiced.label
    if invoiced.currency:
        label = (
            f"{label}: {invoiced.currency} {invoiced.amount:,.2f} booked at the rate of {booked_on}"
        )
    return PlannedLine(
        invoiced.account,
        debit=invoiced.credit,
        credit=invoiced.debit,
        label=label,
        third_party=invoiced.third_party,
    )


def fx_difference(lines: list[PlannedLine], *, funding: str, label: str) -> list[PlannedLine]:
    """Book what a settlement leaves unbalanced on the exchange loss (666) or gain (766)."""
    gap = sum((ln.debit for ln in lines), ZERO) - sum((ln.credit for ln in lines), ZERO)
    if gap > 0:
        lines.append(PlannedLine(FX_GAIN, credit=gap, label=f"Exchange gain: {label}"))
    elif gap < 0:
        loss = PlannedLine(
            FX_LOSS,
            debit=-gap,
            label=f"Exchange loss: {label}",
            funding=funding,
            envelope="operating",
        )
        lines.append(loss)
    return lines
