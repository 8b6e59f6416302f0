"""A bank account month by month: balances at each month's end, lines, what is still
open at each month's end, and its state (banking/selectors/state.py: reconciled / N
unmatched / balances differ / no statement), which the account pages and the Closing
page show. A few grouped queries a bank account, whatever the number of lines: the
figures of a month equal those of `reconciliation_at` at its end (its page and
statement).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DateField, F, Max, OuterRef, Q, Subquery
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Greatest

from banking.models import BankAccount, BankMatchBookLine, BankMatchStatementLine, BankStatement
from banking.selectors.books import book_lines, cents_sum, opening_entry_ids, statement_lines
from banking.selectors.state import (
    BEFORE_START,
    DIFFERENCE,
    NO_STATEMENT,
    RECONCILED,
    UNMATCHED,
    month_state,
)
from irls.models import Lab
from ledger.models import JournalLine
from reports.builders.common import MonthStart

ZERO = Decimal("0.00")
__all__ = [
    "BEFORE_START",
    "DIFFERENCE",
    "NO_STATEMENT",
    "RECONCILED",
    "UNMATCHED",
    "BankMonth",
    "BankMonthState",
    "bank_account_months",
    "bank_month_states",
    "lab_has_bank_accounts",
    "month_end",
]


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
    unmatched: int  # bank lines dated on or before the month's end not matched yet
    book_lines: int
    book_unmatched: int  # book lines not yet on the bank at the month's end
    bank_balance: Decimal | None  # at the month's end (None: no statement line yet)
    book_balance: Decimal
    adjusted_difference: Decimal  # adjusted book - adjusted bank balance at the month's end

    @property
    def end(self) -> date:
        return month_end(self.month)

    @property
    def difference(self) -> Decimal | None:
        return None if self.bank_balance is None else self.book_balance - self.bank_balance


def cleared_on(match_id: str) -> Combinable:
    """The day the match of a line (`match_id`: the path to its match's id) is whole: the
    latest date of its lines; None for a line not matched. A line is open at every date
    from its own to the day before this one."""
    match = OuterRef(match_id)
    bank = Subquery(
        BankMatchStatementLine.objects.filter(match_id=match)
        .values("match_id")
        .annotate(day=Max("statement_line__booking_date"))
        .values("day"),
        output_field=DateField(),
    )
    books = Subquery(
        BankMatchBookLine.objects.filter(match_id=match)
        .values("match_id")
        .annotate(day=Max("journal_line__entry_date"))
        .values("day"),
        output_field=DateField(),
    )
    # A match may hold lines of one side only; GREATEST of SQLite is NULL with a NULL.
    return Greatest(Coalesce(bank, books), Coalesce(books, bank), output_field=DateField())


@dataclass(frozen=True)
class _Open:
    """Lines open at each month's end: their count and total, by month."""

    count: dict[date, int]
    total: dict[date, Decimal]


def _open_by_month(rows: list[dict[str, object]]) -> _Open:
    """From groups (month, cleared month, lines, total): what is open at each month's end
    (a group opens in its month and closes in the month its matches are whole)."""
    count: dict[date, int] = defaultdict(int)
    total: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        opened = _month(row["month"])  # type: ignore[arg-type]
        lines, amount = int(row["lines"]), Decimal(row["total"])  # type: ignore[call-overload,arg-type]
        count[opened] += lines
        total[opened] += amount
        if row["cleared"] is not None:
            closed = _month(row["cleared"])  # type: ignore[arg-type]
            count[closed] -= lines
            total[closed] -= amount
    return _Open(count, total)


def _open_statement_lines(bank_account: BankAccount) -> _Open:
    rows = (
        statement_lines(bank_account)
        .annotate(
            month=MonthStart("booking_date"),
            cleared=MonthStart(cleared_on("match_link__match_id")),
        )
        .values("month", "cleared")
        .annotate(lines=Count("id"), total=cents_sum("amount"))
        .order_by()
    )
    return _open_by_month(list(rows))


def _open_book_lines(bank_account: BankAccount) -> _Open:
    rows = (
        book_lines(bank_account)
        .annotate(
            month=MonthStart("entry_date"),
            cleared=MonthStart(cleared_on("bank_match_link__match_id")),
        )
        .values("month", "cleared")
        .annotate(lines=Count("id"), total=cents_sum(F("debit") - F("credit")))
        .order_by()
    )
    return _open_by_month(list(rows))


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


def _book_months(bank_account: BankAccount) -> dict[date, int]:
    rows = (
        book_lines(bank_account)
        .annotate(month=MonthStart("entry_date"))
        .values("month")
        .annotate(lines=Count("id"))
        .order_by()
    )
    return {_month(r["month"]): r["lines"] for r in rows}


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


def _before_start(bank_account: BankAccount, end: date) -> bool:
    return bank_account.opening_date is not None and end <= bank_account.opening_date


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
    bank_open, book_open = _open_statement_lines(bank_account), _open_book_lines(bank_account)
    first = min(starts)
    last = max([*statements, *books, today.replace(day=1)])
    bank_running = bank_account.opening_balance
    book_running = sum((v for m, v in moves.items() if m < first), ZERO)
    seen_bank = bank_account.opening_date is not None
    unmatched_running = 0
    open_bank = open_book = 0
    open_bank_total = open_book_total = ZERO
    result = []
    for month in _months_between(first, last):
        lines, unmatched, total = statements.get(month, (0, 0, ZERO))
        bank_running += total
        unmatched_running += unmatched
        seen_bank = seen_bank or bool(lines)
        book_running += moves.get(month, ZERO)
        open_bank += bank_open.count.get(month, 0)
        open_bank_total += bank_open.total.get(month, ZERO)
        open_book += book_open.count.get(month, 0)
        open_book_total += book_open.total.get(month, ZERO)
        end = month_end(month)
        difference = (book_running + open_bank_total) - (bank_running + open_book_total)
        state = month_state(
            before_start=_before_start(bank_account, end),
            open_bank_lines=unmatched_running,
            covered=bool(lines) or any(s <= end and e >= month for s, e in covered),
            difference=difference,
        )
        result.append(
            BankMonth(
                bank_account=bank_account,
                month=month,
                state=state,
                statement_lines=lines,
                unmatched=unmatched_running,
                book_lines=books.get(month, 0),
                book_unmatched=open_book,
                bank_balance=bank_running if seen_bank else None,
                book_balance=book_running,
                adjusted_difference=difference,
            )
        )
    return list(reversed(result))


def lab_has_bank_accounts(lab: Lab) -> bool:
    return BankAccount.objects.filter(lab=lab).exists()


@dataclass(frozen=True)
class BankMonthState:
    """One bank account's state in one month, as the Closing page shows it."""

    bank_account_id: int
    name: str
    state: str
    unmatched: int
    difference: Decimal = ZERO


def bank_month_states(*, lab: Lab, months: list[date]) -> dict[date, tuple[BankMonthState, ...]]:
    """For each month (first days) of `lab`, the state of each of its bank accounts, as
    its pages show it (before its starting date: left out). For information: closing a
    month does not wait for it."""
    states: dict[date, list[BankMonthState]] = defaultdict(list)
    wanted = sorted({m.replace(day=1) for m in months})
    if not wanted:
        return {}
    for bank_account in BankAccount.objects.filter(lab=lab).order_by("name"):
        known = {m.month: m for m in bank_account_months(bank_account, today=wanted[-1])}
        covered = _covered(bank_account)
        for month in wanted:
            found = known.get(month)
            if found is None:  # before its first line: nothing open, nothing to differ
                end = month_end(month)
                state = month_state(
                    before_start=_before_start(bank_account, end),
                    open_bank_lines=0,
                    covered=any(s <= end and e >= month for s, e in covered),
                    difference=ZERO,
                )
                found_state = BankMonthState(bank_account.pk, bank_account.name, state, 0)
            else:
                found_state = BankMonthState(
                    bank_account.pk,
                    bank_account.name,
                    found.state,
                    found.unmatched,
                    found.adjusted_difference,
                )
            if found_state.state != BEFORE_START:
                states[month].append(found_state)
    return {month: tuple(found) for month, found in states.items()}
