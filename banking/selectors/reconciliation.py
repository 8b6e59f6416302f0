"""The reconciliation of a bank account at a date (état de rapprochement): the bank's
balance, the book balance, and the items that explain the difference.

An item is open at a date when it is dated on or before it and not in a match whose
lines are all dated on or before it: a cheque booked on 30 March and cleared on 2 April
is a book item not yet on the bank's statement at 31 March, reconciled at 30 April.

    adjusted bank balance = bank balance + book items not yet on the bank's statement
    adjusted book balance = book balance + bank items not yet in the books
    difference            = adjusted book balance - adjusted bank balance   (0: they agree)

A difference left is what the items do not explain: the bank's starting balance not
agreeing with the books on the starting date, or a line of either side dated before it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db.models import Q, QuerySet

from banking.models import BankAccount, BankMatch, BankStatement
from banking.selectors.books import (
    bank_balance,
    book_balance,
    book_lines,
    statement_lines,
    unmatched_statement_lines,
)
from banking.selectors.state import RECONCILED, month_state

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OpenBookItem:
    id: int
    date: date
    number: str
    piece_ref: str
    label: str
    amount: Decimal  # debit - credit


@dataclass(frozen=True)
class OpenBankItem:
    id: int
    date: date
    description: str
    reference: str
    amount: Decimal


@dataclass(frozen=True)
class Reconciliation:
    bank_account: BankAccount
    on: date
    bank_balance: Decimal
    book_balance: Decimal
    book_items: tuple[OpenBookItem, ...]
    bank_items: tuple[OpenBankItem, ...]
    # The closing balance the bank gave for this day (a statement ending on it), if any.
    statement_closing: Decimal | None
    statement_file: str
    # What the state needs (banking/selectors/state.py): bank lines dated on or before
    # `on` not matched yet, whether a statement covers its month, whether `on` comes on
    # or before the starting date.
    open_bank_lines: int = 0
    covered: bool = False
    before_start: bool = False

    @property
    def book_items_total(self) -> Decimal:
        return sum((item.amount for item in self.book_items), ZERO)

    @property
    def bank_items_total(self) -> Decimal:
        return sum((item.amount for item in self.bank_items), ZERO)

    @property
    def adjusted_bank(self) -> Decimal:
        return self.bank_balance + self.book_items_total

    @property
    def adjusted_book(self) -> Decimal:
        return self.book_balance + self.bank_items_total

    @property
    def difference(self) -> Decimal:
        return self.adjusted_book - self.adjusted_bank

    @property
    def balances_agree(self) -> bool:
        return self.difference == ZERO

    @property
    def state(self) -> str:
        return month_state(
            before_start=self.before_start,
            open_bank_lines=self.open_bank_lines,
            covered=self.covered,
            difference=self.difference,
        )

    @property
    def reconciled(self) -> bool:
        """Every bank line so far matched or booked, and the adjusted balances agree."""
        return self.state == RECONCILED

    @property
    def statement_gap(self) -> Decimal | None:
        """The bank's own closing balance less the one its imported lines give."""
        if self.statement_closing is None:
            return None
        return self.statement_closing - self.bank_balance


def late_matches(bank_account: BankAccount, on: date) -> QuerySet[BankMatch, Any]:
    """The matches of `bank_account` holding a line dated after `on`."""
    return (
        BankMatch.objects.filter(bank_account=bank_account)
        .filter(
            Q(statement_links__statement_line__booking_date__gt=on)
            | Q(book_links__journal_line__entry_date__gt=on)
        )
        .values("id")
    )


def reconciliation_at(bank_account: BankAccount, on: date) -> Reconciliation:
    """The reconciliation of `bank_account` at the end of `on`."""
    late = late_matches(bank_account, on)
    books = (
        book_lines(bank_account)
        .filter(entry_date__lte=on)
        .filter(Q(bank_match_link__isnull=True) | Q(bank_match_link__match_id__in=late))
        .order_by("entry_date", "id")
        .values_list(
            "id",
            "entry_date",
            "entry__number",
            "entry__piece_ref",
            "entry__label",
            "label",
            "debit",
            "credit",
        )
    )
    bank = (
        statement_lines(bank_account)
        .filter(booking_date__lte=on)
        .filter(Q(match_link__isnull=True) | Q(match_link__match_id__in=late))
        .order_by("booking_date", "id")
        .values_list("id", "booking_date", "description", "reference", "amount")
    )
    closing = (
        BankStatement.objects.filter(
            bank_account=bank_account, period_end=on, closing_balance__isnull=False
        )
        .order_by("-imported_at", "-id")
        .values_list("closing_balance", "file_name")
        .first()
    )
    return Reconciliation(
        bank_account=bank_account,
        on=on,
        bank_balance=bank_balance(bank_account, on),
        book_balance=book_balance(bank_account, on),
        book_items=tuple(
            OpenBookItem(
                pk, cast(date, day), number or "", piece, entry_label or label, debit - credit
            )
            for pk, day, number, piece, entry_label, label, debit, credit in books
        ),
        bank_items=tuple(OpenBankItem(*row) for row in bank),
        statement_closing=closing[0] if closing else None,
        statement_file=closing[1] if closing else "",
        open_bank_lines=unmatched_statement_lines(bank_account)
        .filter(booking_date__lte=on)
        .count(),
        covered=_covered(bank_account, on),
        before_start=bank_account.opening_date is not None and on <= bank_account.opening_date,
    )


def _covered(bank_account: BankAccount, on: date) -> bool:
    """A statement of the bank covers the month of `on` (its period, or a line of it)."""
    first = on.replace(day=1)
    return (
        statement_lines(bank_account).filter(booking_date__gte=first, booking_date__lte=on).exists()
        or BankStatement.objects.filter(
            bank_account=bank_account, period_start__lte=on, period_end__gte=first
        ).exists()
    )
