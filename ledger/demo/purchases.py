"""Supplier invoices and their payments, the assets they buy and their depreciation,
the year-end cut-off of costs and its reversal, and the drafts of the month left open
(DOMAIN.md, "Demo data")."""

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.demo.budget import PURCHASE_ORDER, PlannedCommitment
from ledger.demo.data import AccrualRow, CorrectionRow, DraftRow, PurchaseRow
from ledger.demo.plan import ZERO, DemoLab, PlannedEntry, PlannedLine, clearing
from ledger.fields import round_cents

# Accounts of the chart (accounts.csv) that the booking rules name.
SUPPLIERS, ASSET_SUPPLIERS, INVOICES_NOT_RECEIVED = "401", "404", "408"
PREPAID, DEPRECIATION = "486", "6811"

OVER_ORDER = "the invoices ({amount}) exceed their purchase order {po} ({ordered})"


@dataclass(frozen=True)
class Asset:
    key: str
    description: str
    account: str
    cost: Decimal
    in_service: date
    life_months: int
    funding: str
    envelope: str

    @property
    def depreciation_account(self) -> str:
        # PCG: the depreciation of 2xxx is booked on 28xxx (2183 -> 28183).
        return "28" + self.account[1:]

    def accumulated(self, year: int, month: int) -> Decimal:
        """Depreciation to the end of `month` (0 is December of the year before): straight
        line by whole months from the month after going into service, a monthly form of
        prorata temporis; the last month takes the rounding."""
        months = (year * 12 + month) - (self.in_service.year * 12 + self.in_service.month)
        if months <= 0:
            return ZERO
        if months >= self.life_months:
            return self.cost
        return round_cents(self.cost / self.life_months) * months


def invoice_lines(lab: DemoLab, row: PurchaseRow, account: str) -> list[PlannedLine]:
    """The cost lines of a supplier invoice (settling its order, if any), then the
    supplier's line (always last)."""
    supplier = lab.supplier(row.supplier)
    net = lab.scaled(row, row.net)
    lines = lab.expense_lines(
        key=row.key,
        account=account,
        net=net,
        currency=row.currency,
        gst=row.gst,
        on=row.invoice_date,
        label=row.description,
        funding=row.funding,
        envelope=row.envelope,
        commitment=row.order,
    )
    payable = ASSET_SUPPLIERS if account.startswith("2") else SUPPLIERS
    party: dict[str, Any] = {"label": supplier.name, "third_party": supplier.code}
    if row.currency == lab.book_currency:
        owed = PlannedLine(payable, credit=sum((ln.debit for ln in lines), ZERO), **party)
    else:
        owed = lab.line(payable, "credit", net, row.currency, row.invoice_date, **party)
    return [*lines, owed]


def assets_build(lab: DemoLab, purchases: list[PurchaseRow]) -> list[Asset]:
    """Assets owned before the demo's first year (at their cost) and those bought since
    (at the cost booked on their invoice, GST included; not before the invoice)."""
    assets = []
    for row in lab.rows(lab.data.equipment):
        life = row.life_years * 12
        if row.purchase:
            bought: PurchaseRow = lab.find("purchase", row.purchase, purchases, "key")
            if bought.invoice_date > lab.cutoff:
                continue
            cost = invoice_lines(lab, bought, bought.account)[-1].credit
            assets.append(
                Asset(
                    row.key,
                    bought.description,
                    bought.account,
                    cost,
                    row.in_service,
                    life,
                    bought.funding,
                    bought.envelope,
                )
            )
        elif row.cost is None:
            raise lab.fail(row.key, "an asset needs a cost or the purchase that bought it")
        else:
            cost = lab.scaled(row, row.cost)
            assets.append(
                Asset(
                    row.key,
                    row.description,
                    row.account,
                    cost,
                    row.in_service,
                    life,
                    row.funding,
                    row.envelope,
                )
            )
    return assets


def purchases_book(
    lab: DemoLab, purchases: list[PurchaseRow], orders: dict[str, PlannedCommitment]
) -> list[PlannedEntry]:
    """The lab's supplier invoices and payments, corrections included; the invoices of a
    purchase order together stay within it."""
    corrections: dict[str, CorrectionRow] = {c.purchase: c for c in lab.rows(lab.data.corrections)}
    for key in set(corrections) - {row.key for row in purchases}:
        raise lab.fail(corrections[key].key, f"corrects the unknown purchase {key}")
    invoiced: dict[str, Decimal] = defaultdict(lambda: ZERO)
    entries = []
    for row in purchases:
        order = (
            lab.find("order", row.order, list(orders.values()), "reference") if row.order else None
        )
        entries += _purchase(lab, row, corrections.get(row.key), order)
        if order is not None and order.kind == PURCHASE_ORDER:
            invoiced[order.reference] += invoice_lines(lab, row, row.account)[-1].credit
            if invoiced[order.reference] > order.amount:
                raise lab.fail(
                    row.key,
                    OVER_ORDER.format(
                        amount=invoiced[order.reference], po=order.reference, ordered=order.amount
                    ),
                )
    return entries


def _purchase(
    lab: DemoLab,
    row: PurchaseRow,
    correction: CorrectionRow | None,
    order: PlannedCommitment | None,
) -> list[PlannedEntry]:
    """A supplier invoice (ACH) and its payment. A correction books the invoice on the
    wrong account first, then reverses and rebooks it on the day the error was seen."""
    supplier = lab.supplier(row.supplier)
    lines = invoice_lines(lab, row, row.account)
    owed = lines[-1]
    label = f"{supplier.name}: {row.description}"
    if order is not None:
        label += f" ({order.title})"
    piece: dict[str, Any] = {"piece_ref": row.invoice_ref, "piece_date": row.invoice_date}
    journal = lab.journal("purchases")
    entries = []
    # An invoice of the year before the demo's first is in its opening entry: only its
    # payment is booked. (One of the closed year unpaid at its end is carried by the
    # opening entry that closing the year writes.)
    if row.invoice_date >= lab.start and correction is None:
        invoice = lab.entry(f"{row.key}/invoice", journal, row.invoice_date, label, lines, **piece)
        entries.append(invoice)
    elif row.invoice_date >= lab.start and correction is not None:
        wrong = invoice_lines(lab, row, correction.booked_account)
        on = correction.corrected_on
        entries += [
            lab.entry(f"{row.key}/invoice", journal, row.invoice_date, label, wrong, **piece),
            PlannedEntry(
                f"{row.key}/reversal",
                journal,
                on,
                f"invoice {row.invoice_ref}: {correction.reason}",
                reverses=f"{row.key}/invoice",
            ),
            lab.entry(f"{row.key}/rebooked", journal, on, f"{label}, rebooked", lines, **piece),
        ]
    if row.paid_date:
        payment = lab.settlement(
            key=f"{row.key}/payment",
            on=row.paid_date,
            receive=False,
            bank=row.paid_from,
            owed=clearing(owed, booked_on=row.invoice_date),
            amount=owed.amount if owed.amount is not None else owed.credit,
            currency=row.currency,
            bank_rate=row.bank_rate,
            funding=row.funding,
            label=f"Payment of invoice {row.invoice_ref}, {supplier.name}",
            **piece,
        )
        entries.append(payment)
    return entries


def depreciation_book(lab: DemoLab, assets: list[Asset]) -> list[PlannedEntry]:
    """One OD entry at each month end: 6811 against each asset's 28xxx account."""
    entries = []
    for first in lab.months(lab.start, lab.cutoff):
        year, month = first.year, first.month
        lines = []
        for asset in assets:
            charge = asset.accumulated(year, month) - asset.accumulated(year, month - 1)
            budget: dict[str, Any] = {"funding": asset.funding, "envelope": asset.envelope}
            lines += [
                PlannedLine(DEPRECIATION, debit=charge, label=asset.description, **budget),
                PlannedLine(
                    asset.depreciation_account, credit=charge, label=asset.description, **budget
                ),
            ]
        end = date(year, month, calendar.monthrange(year, month)[1])
        if any(line.debit for line in lines) and end <= lab.cutoff:
            label = f"Depreciation of fixed assets, {end:%Y-%m}"
            entries.append(
                lab.entry(
                    f"DEP-{end:%Y-%m}",
                    lab.journal("misc"),
                    end,
                    label,
                    lines,
                    piece_ref=f"DEPRECIATION-{end:%Y%m}",
                    piece_date=end,
                )
            )
    return entries


def accrual_book(lab: DemoLab, row: AccrualRow) -> list[PlannedEntry]:
    """Year-end cut-off (OD): a cost of the year whose invoice has not come (408), or a
    cost paid this year that belongs to the next one (486); and its reversal on the
    first day of the next year (contre-passation), in the next year's budget."""
    supplier = lab.supplier(row.supplier)
    party: dict[str, Any] = {"label": supplier.name, "third_party": supplier.code}
    costs = lab.expense_lines(
        key=row.key,
        account=row.account,
        net=lab.scaled(row, row.net),
        currency=lab.book_currency,
        gst=row.gst,
        on=row.date,
        label=row.description,
        funding=row.funding,
        envelope=row.envelope,
    )
    total = sum((ln.debit for ln in costs), ZERO)
    if row.kind == "invoice_not_received":
        lines = [*costs, PlannedLine(INVOICES_NOT_RECEIVED, credit=total, **party)]
    elif row.kind == "prepaid":
        budget: dict[str, Any] = {"funding": row.funding, "envelope": row.envelope}
        lines = [
            PlannedLine(PREPAID, debit=total, **party),
            PlannedLine(row.account, credit=total, label=row.description, **budget),
        ]
    else:
        raise lab.fail(row.key, f"unknown accrual kind {row.kind!r}")
    piece: dict[str, Any] = {"piece_ref": f"YEAR-END-{row.key}", "piece_date": row.date}
    journal = lab.journal("misc")
    entries = [
        lab.entry(row.key, journal, row.date, f"Year-end: {row.description}", lines, **piece)
    ]
    if row.reversed_on is not None:
        reason = f"year-end cut-off reversed at the start of {row.reversed_on.year}"
        entries.append(
            PlannedEntry(f"{row.key}/reversal", journal, row.reversed_on, reason, reverses=row.key)
        )
    return entries


def drafts_book(lab: DemoLab) -> list[PlannedEntry]:
    """Supplier invoices keyed in the month left open and not posted yet; one was keyed
    with a mistake on the supplier's line and does not balance."""
    month = date(lab.cutoff.year, lab.cutoff.month, 1)
    last_day = lab.cutoff.day
    return [
        _draft(lab, row, month.replace(day=min(row.day, last_day)))
        for row in lab.rows(lab.data.drafts)
    ]


def _draft(lab: DemoLab, row: DraftRow, on: date) -> PlannedEntry:
    supplier = lab.supplier(row.supplier)
    costs = lab.expense_lines(
        key=row.key,
        account=row.account,
        net=lab.scaled(row, row.net),
        currency=lab.book_currency,
        gst=row.gst,
        on=on,
        label=row.description,
        funding=row.funding,
        envelope=row.envelope,
    )
    keyed = sum((ln.debit for ln in costs), ZERO) + (row.typo or ZERO)
    owed = PlannedLine(SUPPLIERS, credit=keyed, label=supplier.name, third_party=supplier.code)
    return lab.entry(
        f"{row.key}/draft",
        lab.journal("purchases"),
        on,
        f"{supplier.name}: {row.description}",
        [*costs, owed],
        draft=True,
        unbalanced=row.typo is not None,
        piece_ref=f"{row.invoice_ref}-{on:%Y%m}",
        piece_date=on,
    )
