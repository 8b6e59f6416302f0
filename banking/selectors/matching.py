"""Which book lines each unmatched statement line may be: same amount, dated within a
window of days, ranked by how much their texts share (the entry's piece reference in
the bank's text counts most) and how close their dates are.

Reads only the bank account's unmatched lines around the period asked (two indexed
queries, the book side from the ledger's covering index), then pairs them in memory by
amount: never the whole ledger.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from banking.models import BankAccount
from banking.selectors.books import unmatched_book_lines, unmatched_statement_lines

DEFAULT_WINDOW = 5  # days either side
MAX_WINDOW = 60
_WORD = re.compile(r"[A-Z0-9]+")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")


@dataclass(frozen=True)
class StatementItem:
    id: int
    booking_date: date
    value_date: date | None
    amount: Decimal
    description: str
    reference: str

    @property
    def text(self) -> str:
        return f"{self.description} {self.reference}"


@dataclass(frozen=True)
class BookItem:
    id: int
    date: date
    amount: Decimal  # debit - credit: money in is positive, as on the statement
    label: str
    entry_id: int
    number: str
    piece_ref: str
    entry_label: str
    journal: str

    @property
    def text(self) -> str:
        return f"{self.entry_label} {self.label} {self.piece_ref} {self.number}"


@dataclass(frozen=True)
class Suggestion:
    statement: StatementItem
    book: BookItem
    days: int  # book date - bank date
    text_score: float  # 0 to 1
    score: int  # 0 to 100, what the list is ranked by
    obvious: bool  # the only candidate of each other


def statement_items(
    bank_account: BankAccount, date_from: date | None, date_to: date | None
) -> list[StatementItem]:
    """The unmatched statement lines booked between the two dates (both included)."""
    lines = unmatched_statement_lines(bank_account)
    if date_from is not None:
        lines = lines.filter(booking_date__gte=date_from)
    if date_to is not None:
        lines = lines.filter(booking_date__lte=date_to)
    return [
        StatementItem(*row)
        for row in lines.order_by("booking_date", "id").values_list(
            "id", "booking_date", "value_date", "amount", "description", "reference"
        )
    ]


def book_items(
    bank_account: BankAccount, date_from: date | None, date_to: date | None
) -> list[BookItem]:
    """The unmatched book lines dated between the two dates (both included)."""
    lines = unmatched_book_lines(bank_account)
    if date_from is not None:
        lines = lines.filter(entry_date__gte=date_from)
    if date_to is not None:
        lines = lines.filter(entry_date__lte=date_to)
    rows = lines.order_by("entry_date", "id").values_list(
        "id",
        "entry_date",
        "debit",
        "credit",
        "label",
        "entry_id",
        "entry__number",
        "entry__piece_ref",
        "entry__label",
        "entry__journal__code",
    )
    return [
        BookItem(
            pk,
            cast(date, on),
            debit - credit,
            label,
            entry,
            number or "",
            piece,
            entry_label,
            journal,
        )
        for pk, on, debit, credit, label, entry, number, piece, entry_label, journal in rows
    ]


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.upper()) if len(w) >= 3}


def text_score(statement: StatementItem, book: BookItem) -> float:
    """1 when the bank's text holds the entry's piece reference (or number); else the
    share of words the two texts have in common."""
    bank_text = _NOT_ALNUM.sub("", statement.text.upper())
    for ref in (book.piece_ref, book.number):
        key = _NOT_ALNUM.sub("", ref.upper())
        if len(key) >= 4 and key in bank_text:
            return 1.0
    ours, theirs = _words(statement.text), _words(book.text)
    if not ours or not theirs:
        return 0.0
    return len(ours & theirs) / len(ours | theirs)


def suggestions(
    bank_account: BankAccount,
    date_from: date,
    date_to: date,
    *,
    window: int = DEFAULT_WINDOW,
) -> list[Suggestion]:
    """Every (statement line, book line) of equal amounts within `window` days, for the
    statement lines booked between the dates, best first for each statement line (then
    by date). `obvious`: the statement line has this one candidate and the book line no
    other (statement lines just outside the period count as others too)."""
    margin = timedelta(days=window)
    # The book lines an in-period statement line may be, and every statement line that
    # may be one of them too.
    books = book_items(bank_account, date_from - margin, date_to + margin)
    bank = statement_items(bank_account, date_from - 2 * margin, date_to + 2 * margin)
    by_amount: dict[Decimal, list[BookItem]] = defaultdict(list)
    for book in books:
        by_amount[book.amount].append(book)
    candidates: dict[int, list[BookItem]] = {}
    taken_by: dict[int, int] = defaultdict(int)  # book line -> statement lines it may be
    for item in bank:
        near = [
            b
            for b in by_amount.get(item.amount, ())
            if abs((b.date - item.booking_date).days) <= window
        ]
        candidates[item.id] = near
        for book in near:
            taken_by[book.id] += 1
    found = []
    for item in bank:
        if not date_from <= item.booking_date <= date_to:
            continue
        near = candidates[item.id]
        ranked = []
        for book in near:
            days = (book.date - item.booking_date).days
            similarity = text_score(item, book)
            closeness = 1 - abs(days) / (window + 1)
            score = round(100 * (0.6 * similarity + 0.4 * closeness))
            obvious = len(near) == 1 and taken_by[book.id] == 1
            ranked.append(Suggestion(item, book, days, similarity, score, obvious))
        ranked.sort(key=lambda s: (-s.score, abs(s.days), s.book.id))
        found.extend(ranked)
    return found


def obvious_pairs(
    bank_account: BankAccount, date_from: date, date_to: date, *, window: int = DEFAULT_WINDOW
) -> list[Suggestion]:
    """The suggestions that are each other's only candidate."""
    return [s for s in suggestions(bank_account, date_from, date_to, window=window) if s.obvious]
