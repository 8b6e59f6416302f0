"""A bank account month by month: balances at each month's end, lines, what is still
unmatched, and the state the Closing page shows (reconciled / N unmatched / no
statement). A few grouped queries a bank account, whatever the number of lines.

A month is reconciled once the bank's statement covers it (an imported statement's
period or a line of the month) and every statement line of the month is matched. Book
lines not yet on the bank's statement (a cheque not cleared) are normal at a month's end:
they are listed on the month's page and statement, and leave the month reconciled.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q

from banking.models import BankAccount, BankStatement
from banking.selectors.books import book_lines, cents_sum, opening_entry_ids, statement_lines
from irls.models import Lab
from ledger.models import JournalLine
from reports.builders.common import MonthStart

ZERO = Decimal("0.00")
RECONCILED, UNMATCHED, NO_STATEMENT, BEFORE_START = (
    "reconciled",
    "unmatched",
    "no_statement",
    "before_start",
)


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _month(value: date | str) -> date:
    """A month's first day, whether the database gave a date or (SQLite) its text."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.replace(day=1)


@dataclass(frozen=True)
class BankMonth:
    bank_account: BankAccount
    month: date  # first day
    state: str
    statement_lines: int
    unmatched: int  # statement lines of the month not matched
    book_lines: int
    book_unmatched: int  # book lines of the month not matched (yet)
    bank_balance: Decimal | None  # at the month's end (None: no statement line yet)
    book_balance: Decimal

    @property
    def end(self) -> date:
        return month_end(self.month)

    @property
    def difference(self) -> Decimal | None:
        return None if self.bank_balance is None else self.book_balance - self.bank_balance


def _statement_months(bank_account: BankAccount) -> dict[date, tuple[int, int, Decimal]]:
    rows = (
        statement_lines(bank_account)
        .annotate(month=MonthStart("booking_date"))
        .values("month")
        .annotate(
            lines=Count("id"),
            unmatched=Count("id", filter=Q(match_link__isnull=True)),
            total=cents_sum("amount"),
        )
        .order_by()
    )
    return {_month(r["month"]): (r["lines"], r["unmatched"], r["total"]) for r in rows}


def _book_months(bank_account: BankAccount) -> dict[date, tuple[int, int]]:
    rows = (
        book_lines(bank_account)
        .annotate(month=MonthStart("entry_date"))
        .values("month")
        .annotate(lines=Count("id"), unmatched=Count("id", filter=Q(bank_match_link__isnull=True)))
        .order_by()
    )
    return {_month(r["month"]): (r["lines"], r["unmatched"]) for r in rows}


def _book_moves(bank_account: BankAccount) -> dict[date, Decimal]:
    """debit - credit of the ledger account per month, carried openings left out."""
    lines = JournalLine.objects.filter(
        lab_id=bank_account.lab_id, account_id=bank_account.account_id, entry_date__isnull=False
    )
    carried = opening_entry_ids(bank_account, carried_only=True)
    if carried:
        lines = lines.exclude(entry_id__in=carried)
    rows = (
        lines.annotate(month=MonthStart("entry_date"))
        .values("month")
        .annotate(total=cents_sum(F("debit") - F("credit")))
        .order_by()
    )
    return {_month(r["month"]): r["total"] for r in rows}


def _covered(bank_account: BankAccount) -> list[tuple[date, date]]:
    return list(
        BankStatement.objects.filter(bank_account=bank_account).values_list(
            "period_start", "period_end"
        )
    )


def _months_between(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def bank_account_months(bank_account: BankAccount, *, today: date) -> list[BankMonth]:
    """The months of `bank_account` from its starting date (or first line) to the month
    of `today` or of its last line, latest first."""
    statements = _statement_months(bank_account)
    books = _book_months(bank_account)
    moves = _book_moves(bank_account)
    covered = _covered(bank_account)
    starts = [*statements, *books]
    if bank_account.opening_date is not None:
        starts.append((bank_account.opening_date + timedelta(days=1)).replace(day=1))
    if not starts:
        return []
    first = min(starts)
    last = max([*statements, *books, today.replace(day=1)])
    bank_running = bank_account.opening_balance
    book_running = sum((v for m, v in moves.items() if m < first), ZERO)
    seen_bank = bank_account.opening_date is not None
    result = []
    for month in _months_between(first, last):
        lines, unmatched, total = statements.get(month, (0, 0, ZERO))
        bank_running += total
        seen_bank = seen_bank or bool(lines)
        book_running += moves.get(month, ZERO)
        book_count, book_unmatched = books.get(month, (0, 0))
        result.append(
            BankMonth(
                bank_account=bank_account,
                month=month,
                state=_state(bank_account, month, lines, unmatched, covered),
                statement_lines=lines,
                unmatched=unmatched,
                book_lines=book_count,
                book_unmatched=book_unmatched,
                bank_balance=bank_running if seen_bank else None,
                book_balance=book_running,
            )
        )
    return list(reversed(result))


def _state(
    bank_account: BankAccount,
    month: date,
    lines: int,
    unmatched: int,
    covered: list[tuple[date, date]],
) -> str:
    end = month_end(month)
    if bank_account.opening_date is not None and end <= bank_account.opening_date:
        return BEFORE_START
    if unmatched:
        return UNMATCHED
    if lines or any(start <= end and stop >= month for start, stop in covered):
        return RECONCILED
    return NO_STATEMENT


def lab_has_bank_accounts(lab: Lab) -> bool:
    return BankAccount.objects.filter(lab=lab).exists()


@dataclass(frozen=True)
class BankMonthState:
    """One bank account's state in one month, as the Closing page shows it."""

    bank_account_id: int
    name: str
    state: str
    unmatched: int


def bank_month_states(*, lab: Lab, months: list[date]) -> dict[date, tuple[BankMonthState, ...]]:
    """For each month (first days) of `lab`, the state of each of its bank accounts:
    reconciled, N unmatched statement lines, or no statement (before its starting date:
    left out). For information: closing a month does not wait for it."""
    accounts = list(BankAccount.objects.filter(lab=lab).order_by("name"))
    states: dict[date, list[BankMonthState]] = defaultdict(list)
    wanted = {m.replace(day=1) for m in months}
    for bank_account in accounts:
        statements = _statement_months(bank_account)
        covered = _covered(bank_account)
        for month in sorted(wanted):
            lines, unmatched, _total = statements.get(month, (0, 0, ZERO))
            state = _state(bank_account, month, lines, unmatched, covered)
            if state != BEFORE_START:
                states[month].append(
                    BankMonthState(bank_account.pk, bank_account.name, state, unmatched)
                )
    return {month: tuple(found) for month, found in states.items()}
