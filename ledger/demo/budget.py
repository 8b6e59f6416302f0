"""The budget side of a demo lab's year: its budget lines, their amendments, and the
commitments (purchase orders, mission orders) that the invoices and claims settle."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.demo.data import BudgetAmendmentRow
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


def orders_plan(lab: DemoLab) -> dict[str, PlannedCommitment]:
    """The lab's purchase orders and mission orders, by reference."""
    orders: dict[str, PlannedCommitment] = {}
    for po in lab.rows(lab.data.purchase_orders):
        orders[po.number] = PlannedCommitment(
            reference=po.number,
            date=po.date,
            budget_line=lab.budget_line(po.number, po.funding, po.envelope, po.account),
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
            budget_line=lab.budget_line(ref, mission.funding, mission.envelope, MISSIONS),
            kind=MISSION_ORDER,
            third_party=mission.traveller[:60],
            label=f"Mission {mission.city}, {mission.start_date} to {mission.end_date}: "
            f"{mission.purpose}"[:200],
            amount=lab.scaled(mission, mission.order_amount),
        )
    return orders


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
    not use is released (an order they exceeded is settled already)."""
    invoiced: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        if not entry.draft:
            for line in entry.lines:
                if line.commitment:
                    invoiced[line.commitment] += line.debit - line.credit
    releases = []
    for mission in lab.rows(lab.data.missions):
        order = orders[mission.order_ref]
        left = round_cents(order.amount - invoiced[order.reference])
        if left > 0:
            reason = f"Mission {mission.key} closed: {left:,.2f} of the order not used"
            releases.append(PlannedRelease(order.reference, mission.reimbursed, reason))
    return releases
