"""A demo lab's two years, entry kind by entry kind (DOMAIN.md, "Demo data").

Each function turns the rows of one file of fixtures/demo/ into planned entries: the
rules (accounts, journal, rate) are here and in `purchases.py`, the amounts and dates
are in the files. `lab_plan` puts every entry of the lab, with the orders signed and
the budget amendments made, in date order (the order they are booked in), from the
first day of the closed year to the last day of the last full month (`DemoCalendar`):
what the files date later has not happened yet.
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.demo.budget import (
    PlannedAmendment,
    PlannedCommitment,
    PlannedRelease,
    YearEndOrder,
    amendments_plan,
    mission_releases,
    orders_plan,
    year_end_orders,
)
from ledger.demo.data import (
    BankChargeRow,
    BudgetLineRow,
    DemoData,
    DemoDataError,
    IncomeRow,
    MissionRow,
    PayrollRow,
    PurchaseRow,
    TransferRow,
    staff_code,
)
from ledger.demo.plan import (
    ZERO,
    Convert,
    DemoLab,
    PlannedEntry,
    PlannedLine,
    Side,
    clearing,
    fx_difference,
)
from ledger.demo.purchases import (
    Asset,
    accrual_book,
    assets_build,
    depreciation_book,
    drafts_book,
    invoice_lines,
    purchases_book,
)
from ledger.demo.years import DemoCalendar
from ledger.fields import round_cents

# Accounts of the chart (accounts.csv) that the booking rules name.
PARTNER_RECEIVABLES, SALARIES_PAYABLE, EXPENSE_CLAIMS = "411", "421", "467"
TRAVEL, MISSIONS, BANK_CHARGES, SALARIES = "6251", "6256", "627", "641"

# Abroad the daily allowance splits 65% night, 17.5% lunch, 17.5% dinner (DOMAIN.md);
# the daily rates per country are a table (per_diem_rates.csv).
NIGHT_SHARE, MEAL_SHARE = Decimal("0.65"), Decimal("0.175")
PAYROLL_DAY, SALARY_PAYMENT_DAY = 25, 28

DUPLICATE_KEY = "{lab}: two demo entries have the key {key}"

Step = PlannedEntry | PlannedCommitment | PlannedAmendment | PlannedRelease
# Within a day: orders are signed and budgets amended first, then entries are booked,
# then closed orders release what they did not use.
RANK = {PlannedCommitment: 0, PlannedAmendment: 0, PlannedEntry: 1, PlannedRelease: 2}


@dataclass(frozen=True)
class LabPlan:
    """The lab's budget lines of both years, its two years step by step in date order,
    and what closing the first does with the purchase orders still open."""

    calendar: DemoCalendar
    budget_lines: tuple[BudgetLineRow, ...]
    steps: tuple[Step, ...]
    year_end: dict[str, YearEndOrder]

    @property
    def entries(self) -> list[PlannedEntry]:
        return [step for step in self.steps if isinstance(step, PlannedEntry)]

    def budget_lines_of(self, year: int) -> list[BudgetLineRow]:
        return [line for line in self.budget_lines if line.year == year]

    def steps_of(self, year: int) -> list[Step]:
        return [step for step in self.steps if step.date.year == year]


def lab_plan(*, data: DemoData, lab_code: str, calendar: DemoCalendar, convert: Convert) -> LabPlan:
    """The lab's budget lines, and every entry, order and amendment of its two years, up
    to the calendar's cutoff. `data` is the data set moved to the calendar's years."""
    lab = DemoLab(data, lab_code, calendar, convert)
    orders = orders_plan(lab)
    purchases: list[PurchaseRow] = lab.rows(data.purchases)
    assets = assets_build(lab, purchases)
    entries = [_opening(lab, assets, purchases), *purchases_book(lab, purchases, orders)]
    for income in lab.rows(data.income):
        entries += _income(lab, income)
    entries += [_transfer(lab, row) for row in lab.rows(data.transfers)]
    entries += [_bank_charge(lab, row) for row in lab.rows(data.bank_charges)]
    for mission in lab.rows(data.missions):
        entries += _mission(lab, mission)
    for payroll in lab.rows(data.payroll):
        entries += _payroll(lab, payroll)
    entries += depreciation_book(lab, assets)
    for accrual in lab.rows(data.accruals):
        entries += accrual_book(lab, accrual)
    entries += drafts_book(lab)
    keys: set[str] = set()
    for entry in entries:
        if entry.key in keys:
            raise DemoDataError(DUPLICATE_KEY.format(lab=lab_code, key=entry.key))
        keys.add(entry.key)
    entries = [entry for entry in entries if entry.date <= lab.cutoff]
    steps: list[Step] = [
        *(order for order in orders.values() if order.date <= lab.cutoff),
        *(amendment for amendment in amendments_plan(lab) if amendment.date <= lab.cutoff),
        *entries,
        *mission_releases(lab, orders, entries),
    ]
    # Stable: entries of one day keep the order above (a reversal before its rebooking).
    steps.sort(key=lambda step: (step.date, RANK[type(step)]))
    return LabPlan(calendar, tuple(lab.budget_lines), tuple(steps), year_end_orders(lab))


def _opening(lab: DemoLab, assets: list[Asset], purchases: list[PurchaseRow]) -> PlannedEntry:
    """Opening balances of the demo's first year (AN, 1 January, typed in: the lab's
    books start there): banks, assets and their depreciation to date, invoices of the
    year before still unpaid, and the row without amounts takes the balance. The next
    year's opening entry is written by closing this one."""
    on = lab.start
    rows = lab.rows(lab.data.opening_balances)
    balancing = [row for row in rows if row.debit is None and row.credit is None]
    if len(balancing) != 1:
        raise lab.fail("opening", "exactly one opening row must have no amount")
    lines = []
    for row in rows:
        if row is balancing[0]:
            continue
        side: Side = "debit" if row.debit is not None else "credit"
        amount = lab.scaled(row, row.debit if row.debit is not None else row.credit)
        lines.append(lab.line(row.account, side, amount, row.currency, on, label=row.label))
    for asset in (a for a in assets if a.in_service < on):
        budget: dict[str, Any] = {"funding": asset.funding, "envelope": asset.envelope}
        to_date = asset.accumulated(on.year - 1, 12)
        lines += [
            PlannedLine(asset.account, debit=asset.cost, label=asset.description, **budget),
            PlannedLine(
                asset.depreciation_account,
                credit=to_date,
                label=f"{asset.description}: depreciation to date",
                **budget,
            ),
        ]
    for row in (r for r in purchases if r.invoice_date < on):
        owed = invoice_lines(lab, row, row.account)[-1]
        unpaid = f"{owed.label}: invoice {row.invoice_ref} of {row.invoice_date}, unpaid"
        lines.append(replace(owed, label=unpaid))
    gap = sum((ln.debit for ln in lines), ZERO) - sum((ln.credit for ln in lines), ZERO)
    last = balancing[0]
    lines.append(
        PlannedLine(last.account, debit=max(-gap, ZERO), credit=max(gap, ZERO), label=last.label)
    )
    return lab.entry("opening", lab.journal("opening"), on, f"Opening balances at {on}", lines)


def _income(lab: DemoLab, row: IncomeRow) -> list[PlannedEntry]:
    """Money in: invoiced to a partner (VT) then received, or received without invoice
    (the CNRS allocation, grant payments)."""
    amount = lab.scaled(row, row.amount)
    funder = lab.funding(row.funding).funder
    name = lab.find("institution", funder, lab.data.institutions).name
    bank = lab.bank(row.bank).code
    if row.invoice_date is None:
        on = row.received_date
        lines = [
            lab.bank_line(
                row.bank, "debit", amount, row.currency, on, bank_rate=None, key=row.key, label=name
            ),
            # The funder is named on the income line, so its partner or grant statement
            # finds money that came without an invoice.
            lab.line(
                row.account,
                "credit",
                amount,
                row.currency,
                on,
                label=row.description,
                funding=row.funding,
                third_party=funder,
            ),
        ]
        return [
            lab.entry(
                f"{row.key}/receipt",
                bank,
                on,
                f"{name}: {row.description}",
                lines,
                piece_ref=row.piece_ref,
                piece_date=on,
            )
        ]
    on = row.invoice_date
    receivable = lab.line(
        PARTNER_RECEIVABLES, "debit", amount, row.currency, on, label=name, third_party=funder
    )
    income = lab.line(
        row.account, "credit", amount, row.currency, on, label=row.description, funding=row.funding
    )
    piece: dict[str, Any] = {"piece_ref": row.piece_ref, "piece_date": on}
    invoice = lab.entry(
        f"{row.key}/invoice",
        lab.journal("sales"),
        on,
        f"Invoice to {name}: {row.description}",
        [receivable, income],
        **piece,
    )
    owed = clearing(receivable, booked_on=on)
    received = amount
    if row.received_amount is not None:
        # Paid in part: the receipt clears what came in; the rest stays due on 411.
        received = lab.scaled(row, row.received_amount)
        if owed.currency or not ZERO < received < amount:
            raise lab.fail(
                row.key, "received_amount: less than the amount, on an invoice in book currency"
            )
        owed = replace(owed, credit=received)
    receipt = lab.settlement(
        key=f"{row.key}/receipt",
        on=row.received_date,
        receive=True,
        bank=row.bank,
        owed=owed,
        amount=received,
        currency=row.currency,
        funding=row.funding,
        label=f"Receipt of invoice {row.piece_ref}, {name}",
        **piece,
    )
    return [invoice, receipt]


def _transfer(lab: DemoLab, row: TransferRow) -> PlannedEntry:
    """Money changed between two bank accounts: the bank's rate against the chancellery
    rate the money was carried at gives an FX difference."""
    amount = lab.scaled(row, row.amount)
    currency = lab.bank(row.from_bank).currency
    lines = [
        lab.bank_line(
            row.to_bank,
            "debit",
            amount,
            currency,
            row.date,
            bank_rate=row.bank_rate,
            key=row.key,
            label=row.description,
        ),
        lab.bank_line(
            row.from_bank,
            "credit",
            amount,
            currency,
            row.date,
            bank_rate=None,
            key=row.key,
            label=row.description,
        ),
    ]
    lines = fx_difference(lines, funding=row.funding, label=row.description)
    journal = lab.bank(row.from_bank).code
    return lab.entry(
        row.key,
        journal,
        row.date,
        row.description,
        lines,
        piece_ref=f"TRANSFER-{row.date:%Y%m%d}",
        piece_date=row.date,
    )


def _bank_charge(lab: DemoLab, row: BankChargeRow) -> PlannedEntry:
    """Charges read on a bank statement (627), in the currency of the account."""
    amount = lab.scaled(row, row.amount)
    budget: dict[str, Any] = {"funding": row.funding, "envelope": row.envelope}
    lines = [
        lab.line(
            BANK_CHARGES, "debit", amount, row.currency, row.date, label=row.description, **budget
        ),
        lab.bank_line(
            row.bank,
            "credit",
            amount,
            row.currency,
            row.date,
            bank_rate=None,
            key=row.key,
            label=row.description,
        ),
    ]
    piece: dict[str, Any] = {
        "piece_ref": f"STATEMENT-{row.bank}-{row.date:%Y%m}",
        "piece_date": row.date,
    }
    return lab.entry(row.key, lab.bank(row.bank).code, row.date, row.description, lines, **piece)


def _mission(lab: DemoLab, row: MissionRow) -> list[PlannedEntry]:
    """The traveller's expense claim (MIS), settling the mission order: lodging and meals
    at the country's daily rate, local transport at cost; then its reimbursement. The
    ticket is a purchase on the same order."""
    rates = [r for r in lab.data.per_diem_rates if r.country == row.country]
    rate = lab.find("per diem rate for", row.city, rates, "city")
    daily = f"{rate.currency} {rate.daily_rate:,.2f}"
    budget: dict[str, Any] = {
        "funding": row.funding,
        "envelope": row.envelope,
        "commitment": row.order_ref,
    }
    on = row.claim_date
    lodging = round_cents(row.nights * rate.daily_rate * NIGHT_SHARE)
    meals = round_cents((row.lunches + row.dinners) * rate.daily_rate * MEAL_SHARE)
    lines = [
        lab.line(
            MISSIONS,
            "debit",
            lodging,
            rate.currency,
            on,
            label=f"Lodging: {row.nights} nights x 65% of {daily}",
            **budget,
        ),
        lab.line(
            MISSIONS,
            "debit",
            meals,
            rate.currency,
            on,
            label=f"Per diem: {row.lunches} lunches and {row.dinners} dinners x 17.5% of {daily}",
            **budget,
        ),
        lab.line(
            TRAVEL,
            "debit",
            lab.scaled(row, row.local_transport),
            row.local_currency,
            on,
            label="Local transport (taxis, trains)",
            **budget,
        ),
    ]
    total = sum((ln.debit for ln in lines), ZERO)
    claim = PlannedLine(
        EXPENSE_CLAIMS,
        credit=total,
        label=f"Expense claim of the {row.traveller}",
        third_party=staff_code(row.traveller),
    )
    piece: dict[str, Any] = {"piece_ref": row.key, "piece_date": on}
    title = f"Mission {row.city}, {row.start_date} to {row.end_date}: {row.purpose}"
    return [
        lab.entry(
            f"{row.key}/claim",
            lab.journal("missions"),
            on,
            f"{title} ({row.traveller}, mission order {row.order_ref})",
            [*lines, claim],
            **piece,
        ),
        lab.settlement(
            key=f"{row.key}/reimbursement",
            on=row.reimbursed,
            receive=False,
            bank=lab.book_bank(),
            owed=clearing(claim, booked_on=on),
            amount=total,
            currency=lab.book_currency,
            funding=row.funding,
            label=f"Reimbursement of the {row.traveller}, mission {row.city}",
            **piece,
        ),
    ]


def _payroll(lab: DemoLab, row: PayrollRow) -> list[PlannedEntry]:
    """Monthly salary of a fixed-term post (OD on the 25th), paid on the 28th, each month
    of the contract the demo books. Illustrative: the gross is paid in full, without
    deductions or employer contributions."""
    gross = lab.scaled(row, row.monthly_gross)
    budget: dict[str, Any] = {"funding": row.funding, "envelope": row.envelope}
    entries = []
    for first in lab.months(row.first_month, row.last_month):
        year, month = first.year, first.month
        period = f"{year}-{month:02d}"
        booked_on = date(year, month, PAYROLL_DAY)
        piece: dict[str, Any] = {"piece_ref": f"PAYSLIP-{period}", "piece_date": booked_on}
        salary = PlannedLine(SALARIES, debit=gross, label=f"Salary {period}", **budget)
        due = PlannedLine(
            SALARIES_PAYABLE,
            credit=gross,
            label=f"Salary due, {period}",
            third_party=staff_code(row.role),
        )
        entries += [
            lab.entry(
                f"{row.key}/{period}",
                lab.journal("misc"),
                booked_on,
                f"Salary {period}, {row.role}",
                [salary, due],
                **piece,
            ),
            lab.settlement(
                key=f"{row.key}/{period}/payment",
                on=date(year, month, SALARY_PAYMENT_DAY),
                receive=False,
                bank=lab.book_bank(),
                owed=clearing(due, booked_on=booked_on),
                amount=gross,
                currency=lab.book_currency,
                funding=row.funding,
                label=f"Salary payment {period}, {row.role}",
                **piece,
            ),
        ]
    return entries
