"""The budget side of a demo lab's years: its budget lines, their amendments, the
commitments (purchase orders, mission orders) that the invoices and claims settle, and
what closing the year does with the orders still open."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.demo.data import BudgetAmendmentRow, staff_code
from ledger.demo.plan import ZERO, DemoLab, PlannedEntry
from ledger.fields import round_cents

# Accounts of the chart (accounts.csv) that the booking rules name.
MISSIONS = "6256"
PURCHASE_ORDER, MISSION_ORDER = "purchase_order", "mission_order"


@dataclass(frozen=True)
class PlannedCommitment:
    """A purchase or mission order, reserving part of its budget line from `date`."""

    reference: str
    date: date
    budget_line: str
    kind: str
    third_party: str
    label: str
    amount: Decimal

    @property
    def title(self) -> str:
        """How an invoice names the order it settles."""
        what = "PO" if self.kind == PURCHASE_ORDER else "mission order"
        return f"{what} {self.reference} of {self.date}"


@dataclass(frozen=True)
class PlannedAmendment:
    """A top-up or cut of `budget_line`, or with `from_line` a transfer into it."""

    key: str
    date: date
    budget_line: str
    amount: Decimal
    justification: str
    from_line: str = ""


@dataclass(frozen=True)
class PlannedRelease:
    """What a closed mission order did not use, given back to its budget line."""

    reference: str
    date: date
    reason: str


@dataclass(frozen=True)
class YearEndOrder:
    """What closing its year does with a purchase order still open: carried over to the
    same budget line of the next year, or cancelled with a reason."""

    reference: str
    carry_over: bool
    reason: str


def orders_plan(lab: DemoLab) -> dict[str, PlannedCommitment]:
    """The lab's purchase orders and mission orders, by reference."""
    orders: dict[str, PlannedCommitment] = {}
    for po in lab.rows(lab.data.purchase_orders):
        orders[po.number] = PlannedCommitment(
            reference=po.number,
            date=po.date,
            budget_line=lab.budget_line(
                po.number, po.funding, po.envelope, po.account, po.date.year
            ),
            kind=PURCHASE_ORDER,
            third_party=lab.supplier(po.supplier).code,
            label=f"{lab.supplier(po.supplier).name}: {po.description}",
            amount=lab.scaled(po, po.amount),
        )
    for mission in lab.rows(lab.data.missions):
        ref = mission.order_ref
        if ref in orders:
            raise lab.fail(mission.key, f"order {ref} is defined twice")
        orders[ref] = PlannedCommitment(
            reference=ref,
            date=mission.order_date,
            budget_line=lab.budget_line(
                ref, mission.funding, mission.envelope, MISSIONS, mission.order_date.year
            ),
            kind=MISSION_ORDER,
            third_party=staff_code(mission.traveller),
            label=f"Mission {mission.city}, {mission.start_date} to {mission.end_date}: "
            f"{mission.purpose}"[:200],
            amount=lab.scaled(mission, mission.order_amount),
        )
    return orders


def year_end_orders(lab: DemoLab) -> dict[str, YearEndOrder]:
    """The instructions for the purchase orders that may be open when a year closes."""
    return {
        po.number: YearEndOrder(po.number, po.year_end == "carry_over", po.year_end_reason)
        for po in lab.rows(lab.data.purchase_orders)
        if po.year_end
    }


def amendments_plan(lab: DemoLab) -> list[PlannedAmendment]:
    def planned(row: BudgetAmendmentRow) -> PlannedAmendment:
        return PlannedAmendment(
            key=row.key,
            date=row.date,
            budget_line=row.line,
            amount=lab.scaled(row, row.amount),
            justification=row.justification,
            from_line=row.from_line,
        )

    return [planned(row) for row in lab.rows(lab.data.budget_amendments)]


def mission_releases(
    lab: DemoLab, orders: dict[str, PlannedCommitment], entries: list[PlannedEntry]
) -> list[PlannedRelease]:
    """Once a mission is reimbursed its order is closed: what the ticket and the claim did
    not use is released (an order they exceeded is settled already). `entries` are
    those booked by the demo's last day; a mission reimbursed later stays open."""
    invoiced: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        if not entry.draft:
            for line in entry.lines:
                if line.commitment:
                    invoiced[line.commitment] += line.debit - line.credit
    releases = []
    for mission in lab.rows(lab.data.missions):
        if mission.reimbursed > lab.cutoff:
            continue
        order = orders[mission.order_ref]
        left = round_cents(order.amount - invoiced[order.reference])
        if left > 0:
            reason = f"Mission {mission.key} closed: {left:,.2f} of the order not used"
            releases.append(PlannedRelease(order.reference, mission.reimbursed, reason))
    return releases
