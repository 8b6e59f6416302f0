"""Supplier invoices and payments for the lettering tests, posted through the services.

Each helper posts one entry and returns its line on the supplier account 401 (the line
lettering marks): an invoice credits 401, a payment debits it.
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User

from irls.models import Lab
from ledger import services
from ledger.models import JournalEntry, JournalLine
from tests.books import account, journal


def _posted(
    user: User,
    lab: Lab,
    journal_code: str,
    lines: list[tuple[str, str, str, str | None]],
    *,
    on: date,
    piece: str,
    label: str,
    post: bool = True,
) -> JournalEntry:
    entry = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, journal_code),
        date=on,
        label=label,
        piece_ref=piece,
        piece_date=on,
        lines=[
            services.LineInput(
                account=account(lab, code),
                debit=Decimal(debit),
                credit=Decimal(credit),
                label=label,
                third_party=party,
            )
            for code, debit, credit, party in lines
        ],
    )
    return services.entry_post(acting_user=user, entry=entry) if post else entry


def _supplier_line(entry: JournalEntry, code: str = "401") -> JournalLine:
    return entry.lines.get(account__code=code)


def invoice(
    user: User,
    lab: Lab,
    amount: str,
    *,
    party: str = "SUP-A",
    on: date = date(2025, 3, 14),
    piece: str = "INV-1",
    post: bool = True,
) -> JournalLine:
    """A supplier invoice: supplies debited, the supplier (401) credited."""
    entry = _posted(
        user,
        lab,
        "ACH",
        [("6064", amount, "0", None), ("401", "0", amount, party)],
        on=on,
        piece=piece,
        label=f"Invoice {piece}",
        post=post,
    )
    return _supplier_line(entry)


def payment(
    user: User,
    lab: Lab,
    amount: str,
    *,
    party: str = "SUP-A",
    on: date = date(2025, 4, 10),
    piece: str = "",
) -> JournalLine:
    """A payment to the supplier: 401 debited, the bank (512) credited."""
    entry = _posted(
        user,
        lab,
        "BQS",
        [("401", amount, "0", party), ("512", "0", amount, None)],
        on=on,
        piece=piece,
        label=f"Payment {piece}".strip(),
    )
    return _supplier_line(entry)


def receivable(
    user: User, lab: Lab, amount: str, *, party: str = "THALES", on: date = date(2025, 3, 1)
) -> JournalLine:
    """A partner's contribution invoiced (411 debited), for a line of another account."""
    entry = _posted(
        user,
        lab,
        "OD",
        [("411", amount, "0", party), ("741", "0", amount, None)],
        on=on,
        piece="CALL-1",
        label="Contribution",
    )
    return _supplier_line(entry, "411")


def receipt(
    user: User, lab: Lab, amount: str, *, party: str = "THALES", on: date = date(2025, 4, 1)
) -> JournalLine:
    """A partner's contribution received: the bank debited, 411 credited."""
    entry = _posted(
        user,
        lab,
        "BQS",
        [("512", amount, "0", None), ("411", "0", amount, party)],
        on=on,
        piece="",
        label="Contribution received",
    )
    return _supplier_line(entry, "411")
