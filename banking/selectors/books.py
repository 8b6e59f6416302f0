"""The two sides of a bank account, read by the database: its statement lines and the
lines of its ledger account, their balances at a date, and which of them are still
unmatched.

The book side of a bank account is every posted line of its ledger account, less what
is not money through the bank: the opening entries (journal AN, and those the year-end
closing writes) are never matched; the entries the closing writes into the next year
(year_end = opening) repeat balances already counted, so the book balance leaves them
out too, and stays right across any number of years, closed or not. Lines dated on or
before the bank account's starting date come before its statements: they are in the
balances, never in the lists.
"""

from datetime import date
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum, Value

from banking.models import BankAccount, BankStatementLine
from irls.models import Lab
from ledger.fields import CentsField
from ledger.models import Account, Journal, JournalEntry, JournalLine
from ledger.rules import needs_third_party

# Retained earnings (11) and the result for the year (12): written by the year-end
# closing and the opening it carries, never by a bank line.
YEAR_END_PREFIXES = ("11", "12")

ZERO = Decimal("0.00")
OPENING = Q(journal__kind=Journal.Kind.OPENING) | Q(year_end=JournalEntry.YearEnd.OPENING)


def cents_sum(expression: object) -> Sum:
    """An exact SUM of cents on both databases (never through floating point)."""
    return Sum(expression, output_field=CentsField(), default=Value(0, output_field=CentsField()))


def counter_account_bookable(account: Account) -> bool:
    """Whether an entry created from a bank line (which names no third party) can book
    `account` against the bank: not a bank account, not a year-end account, and not one
    whose lines need a third party (the rulebook, ledger/rules.py, says which)."""
    return not (
        account.code.startswith("512")
        or account.code.startswith(YEAR_END_PREFIXES)
        or needs_third_party(account.needs_third_party)
    )


def counter_accounts(lab: Lab) -> QuerySet[Account]:
    """The active accounts of `lab` an entry created from a bank line can book, by code."""
    accounts = Account.objects.filter(lab=lab, is_active=True).order_by("code")
    bookable = [a.pk for a in accounts if counter_account_bookable(a)]  # a chart: ~100
    return accounts.filter(pk__in=bookable)


def opening_entry_ids(bank_account: BankAccount, *, carried_only: bool = False) -> list[int]:
    """The lab's posted opening entries (a few a year): all of them, or only those the
    year-end closing carried (which the balance leaves out)."""
    condition = Q(year_end=JournalEntry.YearEnd.OPENING) if carried_only else OPENING
    return list(
        JournalEntry.objects.filter(
            condition, lab_id=bank_account.lab_id, status=JournalEntry.Status.POSTED
        ).values_list("id", flat=True)
    )


def book_lines(bank_account: BankAccount) -> QuerySet[JournalLine]:
    """The posted lines of the bank account's ledger account that can meet the bank:
    after its starting date, opening entries left out."""
    lines = JournalLine.objects.filter(
        lab_id=bank_account.lab_id,
        account_id=bank_account.account_id,
        entry_date__isnull=False,
    ).exclude(entry_id__in=opening_entry_ids(bank_account))
    if bank_account.opening_date is not None:
        lines = lines.filter(entry_date__gt=bank_account.opening_date)
    return lines


def statement_lines(bank_account: BankAccount) -> QuerySet[BankStatementLine]:
    """The bank account's statement lines after its starting date."""
    lines = BankStatementLine.objects.filter(bank_account=bank_account)
    if bank_account.opening_date is not None:
        lines = lines.filter(booking_date__gt=bank_account.opening_date)
    return lines


def unmatched_book_lines(bank_account: BankAccount) -> QuerySet[JournalLine]:
    return book_lines(bank_account).filter(bank_match_link__isnull=True)


def unmatched_statement_lines(bank_account: BankAccount) -> QuerySet[BankStatementLine]:
    return statement_lines(bank_account).filter(match_link__isnull=True)


def account_balance(lab_id: int, account_id: int, on: date) -> Decimal:
    """The balance (debit - credit) of a ledger account at the end of `on`, the openings
    carried by year-end closings left out (they repeat what is counted)."""
    lines = JournalLine.objects.filter(
        lab_id=lab_id, account_id=account_id, entry_date__isnull=False, entry_date__lte=on
    )
    carried = list(
        JournalEntry.objects.filter(
            lab_id=lab_id, status=JournalEntry.Status.POSTED, year_end=JournalEntry.YearEnd.OPENING
        ).values_list("id", flat=True)
    )
    if carried:
        lines = lines.exclude(entry_id__in=carried)
    total = lines.aggregate(total=cents_sum(F("debit") - F("credit")))["total"]
    return total if total is not None else ZERO


def book_balance(bank_account: BankAccount, on: date) -> Decimal:
    """The balance (debit - credit) of the bank account's ledger account at the end of `on`."""
    return account_balance(bank_account.lab_id, bank_account.account_id, on)


def bank_balance(bank_account: BankAccount, on: date) -> Decimal:
    """The bank's balance at the end of `on`: the starting balance, then every statement
    line after the starting date."""
    lines = BankStatementLine.objects.filter(bank_account=bank_account, booking_date__lte=on)
    if bank_account.opening_date is not None:
        if on < bank_account.opening_date:
            return bank_account.opening_balance
        lines = lines.filter(booking_date__gt=bank_account.opening_date)
    total = lines.aggregate(total=cents_sum("amount"))["total"]
    return bank_account.opening_balance + (total if total is not None else ZERO)
