"""Writing letterings in bulk: codes from each account's counter, ids taken beforehand,
then a few multi-row INSERTs (COPY on PostgreSQL from 1,000 rows), so that confirming
45,000 letterings costs a few statements, not 45,000 ORM saves; then the audit.

Called by the services of parties/lettering/services.py inside their transaction, after
their checks; the database guards (parties/db_guards.py) check the rows again. The
letterings are written before their lines: a lettered line's lettering is no foreign key
(parties/models.py), and the guards refuse a line whose lettering is not there yet.
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from irls.models import Lab
from ledger.models import Account
from ledger.services.audit import audit_record
from ledger.services.rows import copy_rows, execute_in_blocks
from parties.lettering.codes import LAST_NUMBER, lettering_code
from parties.lettering.exceptions import CODES_EXHAUSTED, LetteringError
from parties.lettering.selectors import ProposedGroup
from parties.models import Lettering, LetteringCounter

LETTERING = "parties_lettering"
ITEM = "parties_letteredline"
# From this many rows PostgreSQL writes them by COPY (as the ledger's bulk paths do).
COPY_FROM = 1_000


class GroupToLetter(NamedTuple):
    """Lines of one account and third party to letter together under a new code (the
    automatic proposal's groups, `ProposedGroup`, are written as they are)."""

    account_id: int
    third_party: str | None
    line_ids: tuple[int, ...]
    balance: Decimal  # debit - credit of the lines: complete when zero
    rule: str = "hand"  # how the group was found: hand, confirmed, piece, amount


class Lettered(NamedTuple):
    """A lettering written: its id and code."""

    id: int
    code: str
    account_id: int
    complete: bool


def lock_counters(account_ids: Sequence[int]) -> dict[int, LetteringCounter]:
    """The counters of the accounts, created when missing, locked in account order (the
    first write of the transaction: on SQLite it takes the write lock)."""
    # Each account once: a confirmation passes one account a group (43,828 of them).
    accounts = sorted(set(account_ids))
    LetteringCounter.objects.bulk_create(
        [LetteringCounter(account_id=a) for a in accounts], ignore_conflicts=True
    )
    counters = LetteringCounter.objects.select_for_update().filter(account_id__in=accounts)
    return {c.account_id: c for c in counters.order_by("account_id")}


def _ids(count: int) -> list[int]:
    """`count` new ids for letterings, taken before the rows are written."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence looked up once (OFFSET 0 keeps the subquery apart): named in
            # nextval()'s argument, the lookup ran for each id (0.13 s for 43,828 ids,
            # against 0.014 s).
            cursor.execute(
                "SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence(%s, 'id')::regclass"
                " AS seq OFFSET 0) s, generate_series(1, %s)",
                [LETTERING, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the write lock (IMMEDIATE, and the counters were
        # written first); AUTOINCREMENT's own counter keeps deleted ids from coming back.
        # The table's name, not input.
        highest = (
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"  # noqa: S608
            f" COALESCE((SELECT MAX(id) FROM {LETTERING}), 0))"
        )
        cursor.execute(highest, [LETTERING])
        first = int(cursor.fetchone()[0]) + 1
        return list(range(first, first + count))


def _write(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
        copy_rows(table, columns, rows)
        return
    marks = ", ".join(["%s"] * len(columns))
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608 (table names)
    execute_in_blocks(head, f"({marks})", rows)


def letterings_write(
    *,
    acting_user: User | None,
    lab: Lab,
    groups: Sequence[GroupToLetter | ProposedGroup],
    lettered_on: date,
    action: str,
) -> list[Lettered]:
    """Write `groups` as new letterings of `lab` (in a transaction the caller opened):
    codes from each account's counter, in the order of `groups`; then their lines; then
    the complete ones marked so (the guards check their sums); one audit event each."""
    if not groups:
        return []
    counters = lock_counters([g.account_id for g in groups])
    numbers = {a: c.last_number for a, c in counters.items()}
    ids = _ids(len(groups))
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    day = ops.adapt_datefield_value(lettered_on)
    user_id = acting_user.pk if acting_user is not None else None
    # PostgreSQL checks complete letterings at commit: they are written complete, before
    # their lines. SQLite checks as rows are written: partial, then marked complete.
    at_commit = connection.vendor == "postgresql"
    written: list[Lettered] = []
    rows: list[tuple[Any, ...]] = []
    items: list[tuple[int, int]] = []
    for lettering_id, group in zip(ids, groups, strict=True):
        number = numbers[group.account_id] + 1
        if number > LAST_NUMBER:
            account = Account.objects.get(pk=group.account_id)
            raise LetteringError(CODES_EXHAUSTED.format(account=account.code))
        numbers[group.account_id] = number
        code = lettering_code(number)
        complete = group.balance == 0
        written.append(Lettered(lettering_id, code, group.account_id, complete))
        rows.append(
            (lettering_id, lab.pk, group.account_id, group.third_party, code,
             complete and at_commit, day, user_id, now)
        )  # fmt: skip
        items.extend([(lettering_id, line_id) for line_id in group.line_ids])
    _write(
        LETTERING,
        ("id", "lab_id", "account_id", "third_party", "code", "complete", "lettered_on",
         "created_by_id", "created_at"),
        rows,
    )  # fmt: skip
    _write(ITEM, ("lettering_id", "line_id"), items)
    if not at_commit:
        _mark_complete([w.id for w in written if w.complete])
    for account_id, number in numbers.items():
        LetteringCounter.objects.filter(account_id=account_id).update(last_number=number)
    _audit(acting_user, lab, action, written, groups, lettered_on)
    return written


def _audit(
    acting_user: User | None,
    lab: Lab,
    action: str,
    written: Sequence[Lettered],
    groups: Sequence[GroupToLetter | ProposedGroup],
    lettered_on: date,
) -> None:
    """One lettering by hand: one event with its lines. A confirmation (of the whole
    proposal, or of groups ticked): one event for the action, with how many letterings,
    lines and which codes, per account (each lettering's lines are in its rows; undoing
    one is audited with them). 45,000 events for one click would flood the trail, and
    cost more than the letterings themselves (rows, and their foreign keys checked)."""
    accounts = dict(
        Account.objects.filter(pk__in={w.account_id for w in written}).values_list("pk", "code")
    )
    if len(written) == 1 and action == "lettering.letter":
        [w], [group] = written, groups
        audit_record(
            actor=acting_user,
            action=action,
            obj=Lettering(pk=w.id, code=w.code),
            lab=lab,
            after={
                "code": w.code,
                "account": accounts[w.account_id],
                "third_party": group.third_party,
                "lines": list(group.line_ids),
                "balance": str(group.balance),
                "complete": w.complete,
                "lettered_on": lettered_on.isoformat(),
            },
        )
        return
    codes: dict[str, list[str]] = {}
    for w in written:
        first_last = codes.setdefault(accounts[w.account_id], [w.code, w.code])
        first_last[1] = w.code
    rules: dict[str, int] = {}
    for group in groups:
        rules[group.rule] = rules.get(group.rule, 0) + 1
    audit_record(
        actor=acting_user,
        action=action,
        lab=lab,
        after={
            "letterings": len(written),
            "complete": sum(1 for w in written if w.complete),
            "lines": sum(len(group.line_ids) for group in groups),
            "rules": rules,
            "codes": {account: " - ".join(pair) for account, pair in sorted(codes.items())},
            "lettered_on": lettered_on.isoformat(),
        },
    )


def _mark_complete(ids: list[int]) -> None:
    """Mark the letterings complete, one UPDATE per run of consecutive ids."""
    runs: list[list[int]] = []
    for lettering_id in sorted(ids):
        if runs and runs[-1][1] == lettering_id - 1:
            runs[-1][1] = lettering_id
        else:
            runs.append([lettering_id, lettering_id])
    for first, last in runs:
        Lettering.objects.filter(pk__gte=first, pk__lte=last).update(complete=True)
