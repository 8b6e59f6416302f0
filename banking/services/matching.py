"""Matching statement lines with book lines, and undoing a match; atomic and audited.

A match is written as the database guard expects it (banking/db_guards.py): its id is
reserved, its links written, then the match row, whose INSERT checks that both sides
agree. Many matches at once (the obvious ones of a month) are written the same way by a
few multi-row INSERTs, with one audit event each.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from banking.exceptions import (
    ALREADY_MATCHED,
    AMOUNTS_DISAGREE,
    BOOK_LINE_NOT_OF_ACCOUNT,
    LINE_NOT_OF_ACCOUNT,
    NO_SUCH_MATCH,
    NOTHING_SELECTED,
    REASON_NEEDED,
    WHAT_BOOK_LINE,
    WHAT_STATEMENT_LINE,
    MatchError,
    from_integrity_error,
)
from banking.models import (
    BankAccount,
    BankMatch,
    BankMatchBookLine,
    BankMatchStatementLine,
)
from banking.selectors.books import book_lines, statement_lines
from banking.selectors.matching import DEFAULT_WINDOW, obvious_pairs
from ledger.selectors.books import format_amount
from ledger.services.audit import audit_record, audit_rows_insert
from ledger.services.rows import execute_in_blocks

from .access import require

ZERO = Decimal("0.00")
# Table names (from the models, never from input) of the raw INSERTs.
BANK_MATCH = BankMatch._meta.db_table
MATCH_LINE = BankMatchStatementLine._meta.db_table
MATCH_BOOK = BankMatchBookLine._meta.db_table


@dataclass(frozen=True)
class MatchGroup:
    """The lines of one match to write, and their agreed amount (cents)."""

    statement_line_ids: tuple[int, ...]
    book_line_ids: tuple[int, ...]
    amount: int
    after: dict[str, Any]  # what the audit event keeps


def reserve_match_ids(count: int) -> list[int]:
    """`count` new match ids nobody else is given (inside the write transaction)."""
    table = BANK_MATCH
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))"  # noqa: S608
                " FROM generate_series(1, %s)",
                [count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"  # noqa: S608
            f" COALESCE((SELECT MAX(id) FROM {table}), 0))",
            [table],
        )
        last = int(cursor.fetchone()[0])
        return list(range(last + 1, last + 1 + count))


def _locked(bank_account: BankAccount) -> BankAccount:
    """The bank account, locked: one matcher of an account at a time."""
    return (
        BankAccount.objects.select_for_update()
        .select_related("lab", "account")
        .get(pk=bank_account.pk)
    )


def _write(
    acting_user: User | None, bank_account: BankAccount, kind: str, groups: Sequence[MatchGroup]
) -> list[int]:
    """Write `groups` as matches (links first, then the matches), one event each."""
    if not groups:
        return []
    ids = reserve_match_ids(len(groups))
    stamp = timezone.now()
    execute_in_blocks(
        f"INSERT INTO {MATCH_LINE} (match_id, statement_line_id) VALUES ",  # noqa: S608
        "(%s, %s)",
        [(mid, line) for mid, g in zip(ids, groups, strict=True) for line in g.statement_line_ids],
    )
    execute_in_blocks(
        f"INSERT INTO {MATCH_BOOK} (match_id, journal_line_id) VALUES ",  # noqa: S608
        "(%s, %s)",
        [(mid, line) for mid, g in zip(ids, groups, strict=True) for line in g.book_line_ids],
    )
    at = connection.ops.adapt_datetimefield_value(stamp)
    user_id = acting_user.pk if acting_user is not None else None
    execute_in_blocks(
        f"INSERT INTO {BANK_MATCH}"  # noqa: S608
        " (id, lab_id, bank_account_id, kind, amount, matched_by_id, matched_at) VALUES ",
        "(%s, %s, %s, %s, %s, %s, %s)",
        [
            (mid, bank_account.lab_id, bank_account.pk, kind, g.amount, user_id, at)
            for mid, g in zip(ids, groups, strict=True)
        ],
    )
    audit_rows_insert(
        actor=acting_user,
        action="bank_match.create",
        object_type=BankMatch._meta.label,
        rows=[
            (
                bank_account.lab_id,
                str(mid),
                f"match #{mid} {Decimal(g.amount) / 100:.2f}",
                {"bank_account": bank_account.name, "kind": kind, **g.after},
            )
            for mid, g in zip(ids, groups, strict=True)
        ],
        at=stamp,
    )
    return ids


def _guarded_write(
    acting_user: User | None, bank_account: BankAccount, kind: str, groups: Sequence[MatchGroup]
) -> list[int]:
    try:
        with transaction.atomic():
            return _write(acting_user, bank_account, kind, groups)
    except IntegrityError as error:
        refused = from_integrity_error(error)
        if refused is None:
            raise
        raise refused from error


def _cents(value: Decimal) -> int:
    return int(value * 100)


def _statement_rows(bank_account: BankAccount, ids: Sequence[int]) -> list[Any]:
    rows = list(
        statement_lines(bank_account)
        .filter(id__in=ids)
        .values("id", "booking_date", "amount", "description", "reference", "match_link")
    )
    found = {row["id"] for row in rows}
    for line_id in ids:
        if line_id not in found:
            raise MatchError(LINE_NOT_OF_ACCOUNT.format(id=line_id, name=bank_account.name))
    for row in rows:
        if row["match_link"] is not None:
            raise MatchError(ALREADY_MATCHED.format(what=WHAT_STATEMENT_LINE, id=row["id"]))
    return rows


def _book_rows(bank_account: BankAccount, ids: Sequence[int]) -> list[Any]:
    rows = list(
        book_lines(bank_account)
        .filter(id__in=ids)
        .values("id", "entry_date", "debit", "credit", "entry__number", "bank_match_link")
    )
    found = {row["id"] for row in rows}
    for line_id in ids:
        if line_id not in found:
            raise MatchError(
                BOOK_LINE_NOT_OF_ACCOUNT.format(
                    id=line_id,
                    code=bank_account.account.code,
                    lab=bank_account.lab.code,
                    name=bank_account.name,
                )
            )
    for row in rows:
        if row["bank_match_link"] is not None:
            raise MatchError(ALREADY_MATCHED.format(what=WHAT_BOOK_LINE, id=row["id"]))
    return rows


def _group(statement_rows: list[dict[str, Any]], book_rows: list[dict[str, Any]]) -> MatchGroup:
    statement_total = sum((row["amount"] for row in statement_rows), ZERO)
    book_total = sum((row["debit"] - row["credit"] for row in book_rows), ZERO)
    if statement_total != book_total:
        raise MatchError(
            AMOUNTS_DISAGREE.format(
                statement=format_amount(statement_total),
                book=format_amount(book_total),
                difference=format_amount(statement_total - book_total),
            )
        )
    return MatchGroup(
        statement_line_ids=tuple(row["id"] for row in statement_rows),
        book_line_ids=tuple(row["id"] for row in book_rows),
        amount=_cents(statement_total),
        after={
            "amount": str(statement_total),
            "statement_lines": [
                [row["id"], row["booking_date"].isoformat(), str(row["amount"]), row["description"]]
                for row in statement_rows
            ],
            "book_lines": [
                [
                    row["id"],
                    row["entry__number"],
                    row["entry_date"].isoformat(),
                    str(row["debit"] - row["credit"]),
                ]
                for row in book_rows
            ],
        },
    )


def bank_match_create(
    *,
    acting_user: User | None,
    bank_account: BankAccount,
    statement_line_ids: Sequence[int],
    book_line_ids: Sequence[int],
    kind: str = BankMatch.Kind.MANUAL,
) -> BankMatch:
    """Match statement lines of `bank_account` with book lines of its ledger account
    whose totals agree (one or more on either side; book lines alone that sum to zero,
    such as an entry and its reversal, too)."""
    require(acting_user, bank_account.lab, "reconcile bank accounts")
    statement_ids, book_ids = sorted(set(statement_line_ids)), sorted(set(book_line_ids))
    if not statement_ids and not book_ids:
        raise MatchError(str(NOTHING_SELECTED))
    with transaction.atomic():
        bank_account = _locked(bank_account)
        group = _group(
            _statement_rows(bank_account, statement_ids), _book_rows(bank_account, book_ids)
        )
        (match_id,) = _guarded_write(acting_user, bank_account, kind, [group])
    return BankMatch.objects.get(pk=match_id)


def bank_matches_confirm_obvious(
    *,
    acting_user: User | None,
    bank_account: BankAccount,
    date_from: date,
    date_to: date,
    window: int = DEFAULT_WINDOW,
) -> int:
    """Match every obvious pair of the period (a statement line with one candidate book
    line, which has no other); returns how many."""
    require(acting_user, bank_account.lab, "reconcile bank accounts")
    with transaction.atomic():
        bank_account = _locked(bank_account)
        pairs = obvious_pairs(bank_account, date_from, date_to, window=window)
        groups = [
            MatchGroup(
                statement_line_ids=(pair.statement.id,),
                book_line_ids=(pair.book.id,),
                amount=_cents(pair.statement.amount),
                after={
                    "amount": str(pair.statement.amount),
                    "statement_lines": [
                        [pair.statement.id, pair.statement.booking_date.isoformat()]
                    ],
                    "book_lines": [[pair.book.id, pair.book.number, pair.book.date.isoformat()]],
                },
            )
            for pair in pairs
        ]
        _guarded_write(acting_user, bank_account, BankMatch.Kind.OBVIOUS, groups)
    return len(groups)


def bank_match_undo(
    *, acting_user: User | None, bank_account: BankAccount, match_id: int, reason: str
) -> None:
    """Undo a match of `bank_account`, saying why (kept in the audit trail): its lines
    are unmatched again (an entry created from a statement line stays: posted entries
    are reversed, never deleted)."""
    require(acting_user, bank_account.lab, "reconcile bank accounts")
    reason = (reason or "").strip()
    if not reason:
        raise MatchError(str(REASON_NEEDED))
    with transaction.atomic():
        bank_account = _locked(bank_account)
        match = BankMatch.objects.filter(pk=match_id, bank_account=bank_account).first()
        if match is None:
            raise MatchError(NO_SUCH_MATCH.format(name=bank_account.name))
        statement_ids = list(
            BankMatchStatementLine.objects.filter(match=match).values_list(
                "statement_line_id", flat=True
            )
        )
        book_ids = list(
            BankMatchBookLine.objects.filter(match=match).values_list("journal_line_id", flat=True)
        )
        before = {
            "bank_account": bank_account.name,
            "kind": match.kind,
            "amount": str(match.amount),
            "statement_lines": statement_ids,
            "book_lines": book_ids,
            "matched_by": match.matched_by.username if match.matched_by else None,
            "matched_at": match.matched_at.isoformat(),
        }
        audit_record(
            actor=acting_user,
            action="bank_match.delete",
            obj=match,
            lab=bank_account.lab,
            before=before,
            after={"reason": reason},
        )
        # The match first, then its links (the guard refuses a link leaving a match).
        BankMatch.objects.filter(pk=match.pk).delete()
        BankMatchStatementLine.objects.filter(match_id=match.pk).delete()
        BankMatchBookLine.objects.filter(match_id=match.pk).delete()
