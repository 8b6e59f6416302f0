"""Many draft entries at once (a spreadsheet import kept as drafts).

`entries_create_drafts` makes the checks of `entry_create_draft` for every entry and
line against the lab's books read once, then writes entries and lines with multi-row
INSERTs instead of one ORM object a row (`entries_bulk_post` posts them in the same
pass when the import posts). Entry ids are reserved first
(PostgreSQL: from the table's sequence; SQLite: after the highest id ever given, under
the write lock that IMMEDIATE transactions take at BEGIN), so lines can point to their
entry without reading anything back. The database guards check every row again.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from irls.models import Lab
from ledger.exceptions import (
    ANOTHER_LAB,
    CROSS_LAB,
    KEYED_REF,
    LINE_CONVERSION_INCOMPLETE,
    LINE_NEGATIVE,
    LINE_NOT_FOREIGN_AMOUNT,
    LINE_NOT_RATE,
    LINE_ONE_SIDE,
    LINE_SHAPE,
    LINE_TEXT_TOO_LONG,
    NO_PERIOD,
    WHAT_ACCOUNT,
    WHAT_BUDGET_LINE,
    WHAT_JOURNAL,
    CrossLabError,
    InvalidLineError,
    NoPeriodError,
)
from ledger.fields import CENT
from ledger.models import (
    Account,
    BudgetLine,
    FiscalYear,
    ImportBatch,
    Journal,
)
from ledger.services.access import require_role
from ledger.services.guarded import db_guarded
from ledger.services.rows import copy_rows, execute_in_blocks

ENTRY = "ledger_journalentry"
LINE = "ledger_journalline"
WRITE_BATCH = 10_000
# From this many entries PostgreSQL's statistics are refreshed after the first batch.
ANALYZE_FROM = 5_000

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class LineDraft:
    """One line to write; `debit` and `credit` in cents of the book currency."""

    account_id: int
    debit: int
    credit: int
    label: str = ""
    currency: str = ""
    amount_currency: Decimal | None = None
    fx_rate: Decimal | None = None
    fx_rate_date: date | None = None
    fx_rate_source: str = ""
    third_party: str = ""  # the third party's code; blank for none
    due_date: date | None = None
    budget_line_id: int | None = None
    source_row: int | None = None
    # Not stored: how the line was read, for the preview and the rounding check.
    budget_code: str = ""
    converted: bool = False


@dataclass(slots=True)
class EntryDraft:
    journal_id: int
    fiscal_year_id: int
    date: date
    label: str
    piece_ref: str = ""
    piece_date: datetime.date | None = None
    source_key: str = ""
    lines: list[LineDraft] = field(default_factory=list)
    year_end: str = ""
    reversal_of_id: int | None = None  # the bulk path writes no reversal


RATE_PLACES = Decimal("0.00000001")
MAX_FOREIGN = Decimal(10**13)
MAX_RATE = Decimal(10**7)


def rate_kept(rate: Decimal) -> bool:
    """A rate the books keep and hash as written: above 0, below MAX_RATE, 8 decimals at
    most (a posting rule the journal import's preview applies too)."""
    return 0 < rate < MAX_RATE and rate == rate.quantize(RATE_PLACES)


# The columns of an entry row as insert_entries builds it, then of what posting adds.
ENTRY_COLUMNS = (
    "id",
    "lab_id",
    "journal_id",
    "fiscal_year_id",
    "date",
    "label",
    "piece_ref",
    "piece_date",
    "created_by_id",
    "created_at",
    "import_batch_id",
    "source_key",
)
POSTED_COLUMNS = ("seq", "number", "chain_index", "prev_hash", "hash", "posted_by_id", "posted_at")
LINE_COLUMNS = (
    "entry_id",
    "lab_id",
    "account_id",
    "label",
    "debit",
    "credit",
    "amount_currency",
    "amount_currency_currency",
    "fx_rate",
    "fx_rate_date",
    "fx_rate_source",
    "third_party",
    "due_date",
    "budget_line_id",
    "source_row",
    "entry_date",
)
_ENTRY_COLUMNS = f"INSERT INTO ledger_journalentry ({', '.join(ENTRY_COLUMNS)},"
_DRAFT_SQL = _ENTRY_COLUMNS + " status, prev_hash, hash) VALUES "
_DRAFT_VALUES = "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'draft', '', '')"
_POSTED_SQL = (
    _ENTRY_COLUMNS + " status, seq, number, chain_index, prev_hash, hash, posted_by_id,"
    " posted_at) VALUES "
)
_POSTED_VALUES = (
    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'posted', %s, %s, %s, %s, %s, %s, %s)"
)
_LINE_SQL = f"INSERT INTO ledger_journalline ({', '.join(LINE_COLUMNS)}) VALUES "  # noqa: S608
_LINE_VALUES = "(" + ", ".join(["%s"] * len(LINE_COLUMNS)) + ")"


@dataclass(slots=True)
class Posting:
    """What posting gives an entry: its number, its place in the chain and its hash."""

    entry_id: int
    seq: int
    number: str
    chain_index: int
    prev_hash: str = ""
    hash: str = ""


@dataclass(frozen=True, slots=True)
class PostedAtOnce:
    """Entries written posted (`postings` in the order they are written), by whom, when."""

    postings: Sequence[Posting]
    user_id: int
    at: datetime.datetime
    hashed: Callable[[int], None]  # returns once the first n postings are hashed


def entries_create_drafts(
    *,
    acting_user: User,
    lab: Lab,
    entries: Sequence[EntryDraft],
    import_batch: ImportBatch | None = None,
    progress: Progress | None = None,
) -> list[int]:
    """Record drafts in bulk, in date order (so their ids follow their dates); returns
    the ids of `entries` in the order given."""
    require_role(acting_user, lab, "record entries")
    # No savepoint: inside the caller's transaction, SQLite would keep a copy of every
    # page written under it, and walk that copy again at the end of each statement.
    with db_guarded(), transaction.atomic(savepoint=False):
        check_drafts(lab, entries)
        order = sorted(range(len(entries)), key=lambda i: entries[i].date)
        ids = reserve_ids(len(entries))
        id_of = {index: ids[position] for position, index in enumerate(order)}
        insert_entries(lab, acting_user, entries, order, id_of, import_batch, progress)
        return [id_of[index] for index in range(len(entries))]


def check_drafts(lab: Lab, entries: Sequence[EntryDraft]) -> None:
    """What entry_create_draft checks, against the lab's books read once."""
    journals = dict(Journal.objects.filter(lab=lab).values_list("id", "code"))
    years = {
        pk: (start, end)
        for pk, start, end in FiscalYear.objects.filter(lab=lab).values_list(
            "id", "start_date", "end_date"
        )
    }
    accounts = set(Account.objects.filter(lab=lab).values_list("id", flat=True))
    budget_lines = set(BudgetLine.objects.filter(lab=lab).values_list("id", flat=True))
    for entry in entries:
        if entry.journal_id not in journals:
            raise CrossLabError(
                CROSS_LAB.format(
                    what=WHAT_JOURNAL, code=entry.journal_id, other=ANOTHER_LAB, lab=lab.code
                )
            )
        span = years.get(entry.fiscal_year_id)
        if span is None or not span[0] <= entry.date <= span[1]:
            ref = KEYED_REF.format(
                journal=journals[entry.journal_id], key=entry.source_key or "", date=entry.date
            )
            raise NoPeriodError(NO_PERIOD.format(ref=ref, date=entry.date, lab=lab.code))
        for n, line in enumerate(entry.lines, start=1):
            _check_line(lab, n, line, accounts, budget_lines)


def _check_line(
    lab: Lab, n: int, line: LineDraft, accounts: set[int], budget_lines: set[int]
) -> None:
    if line.account_id not in accounts:
        raise CrossLabError(
            CROSS_LAB.format(
                what=WHAT_ACCOUNT, code=line.account_id, other=ANOTHER_LAB, lab=lab.code
            )
        )
    if line.budget_line_id is not None and line.budget_line_id not in budget_lines:
        raise CrossLabError(
            CROSS_LAB.format(
                what=WHAT_BUDGET_LINE, code=line.budget_line_id, other=ANOTHER_LAB, lab=lab.code
            )
        )
    if line.debit < 0 or line.credit < 0:
        raise InvalidLineError(LINE_SHAPE.format(n=n, problem=LINE_NEGATIVE))
    if (line.debit > 0) == (line.credit > 0):
        raise InvalidLineError(LINE_SHAPE.format(n=n, problem=LINE_ONE_SIDE))
    if len(line.label) > 200 or len(line.third_party) > 40:
        raise InvalidLineError(LINE_SHAPE.format(n=n, problem=LINE_TEXT_TOO_LONG))
    foreign, rate = line.amount_currency, line.fx_rate
    if foreign is None:
        return
    if (
        not line.currency
        or rate is None
        or rate <= 0
        or line.fx_rate_date is None
        or not line.fx_rate_source
    ):
        raise InvalidLineError(LINE_SHAPE.format(n=n, problem=LINE_CONVERSION_INCOMPLETE))
    # Stored as given and hashed as the database gives them back: at most 15 significant
    # digits (SQLite keeps decimals as REAL), 2 decimals for the amount, 8 for the rate.
    if not 0 < foreign < MAX_FOREIGN or foreign != foreign.quantize(CENT):
        raise InvalidLineError(
            LINE_SHAPE.format(n=n, problem=LINE_NOT_FOREIGN_AMOUNT.format(value=foreign))
        )
    if not rate_kept(rate):
        raise InvalidLineError(LINE_SHAPE.format(n=n, problem=LINE_NOT_RATE.format(value=rate)))


def reserve_ids(count: int) -> list[int]:
    """`count` new entry ids nobody else can be given (inside the write transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('ledger_journalentry', 'id'))"
                " FROM generate_series(1, %s)",
                [count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        # SQLite AUTOINCREMENT: never reuse an id, even one of a deleted draft.
        cursor.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence"
            " WHERE name = 'ledger_journalentry'), 0),"
            " COALESCE((SELECT MAX(id) FROM ledger_journalentry), 0))"
        )
        last = int(cursor.fetchone()[0])
        return list(range(last + 1, last + 1 + count))


def insert_entries(
    lab: Lab,
    user: User,
    entries: Sequence[EntryDraft],
    order: list[int],
    id_of: dict[int, int],
    batch: ImportBatch | None,
    progress: Progress | None,
    posted: PostedAtOnce | None = None,
) -> None:
    """Write `entries` in `order`, WRITE_BATCH at a time: drafts (the entries, then their
    lines), or, with `posted`, entries posted at once (the lines first, dated with their
    entry's date, then the entries with their numbers and hashes, once hashed; the guards
    check each entry as a posting, and the lines' foreign key is checked at commit)."""
    ops = connection.ops
    day = ops.adapt_datefield_value
    now = ops.adapt_datetimefield_value(timezone.now())
    batch_id = batch.pk if batch is not None else None
    lab_id, user_id = lab.pk, user.pk
    total = len(order)
    phase = "write" if posted is None else "post"
    if progress is not None:
        progress(phase, 0, total)
    with connection.cursor() as cursor:
        for start in range(0, total, WRITE_BATCH):
            stop = min(start + WRITE_BATCH, total)
            entry_rows: list[tuple[Any, ...]] = []
            line_rows: list[tuple[Any, ...]] = []
            for position in range(start, stop):
                index = order[position]
                entry = entries[index]
                entry_id = id_of[index]
                dated = day(entry.date) if posted is not None else None
                entry_rows.append(
                    (
                        entry_id,
                        lab_id,
                        entry.journal_id,
                        entry.fiscal_year_id,
                        day(entry.date),
                        entry.label[:200],
                        entry.piece_ref,
                        day(entry.piece_date),
                        user_id,
                        now,
                        batch_id,
                        entry.source_key,
                    )
                )
                for line in entry.lines:
                    line_rows.append(_line_row(ops, entry_id, lab_id, line, dated))
            if posted is None:
                _write_drafts(entry_rows)
                _write_lines(line_rows)
            else:
                _write_lines(line_rows)
                posted.hashed(stop)
                _write_posted(_posted_rows(ops, entry_rows, posted, start))
            if start == 0 and total >= ANALYZE_FROM and connection.vendor == "postgresql":
                _refresh_statistics(cursor)
            if progress is not None:
                progress(phase, stop, total)


# PostgreSQL: COPY (see ledger.services.rows), the constant columns added to each row.
def _write_drafts(rows: list[tuple[Any, ...]]) -> None:
    if connection.vendor == "postgresql":
        columns = (*ENTRY_COLUMNS, "status", "prev_hash", "hash")
        copy_rows(ENTRY, columns, [(*row, "draft", "", "") for row in rows])
    else:
        execute_in_blocks(_DRAFT_SQL, _DRAFT_VALUES, rows)


def _write_posted(rows: list[tuple[Any, ...]]) -> None:
    if connection.vendor == "postgresql":
        columns = (*ENTRY_COLUMNS, *POSTED_COLUMNS, "status")
        copy_rows(ENTRY, columns, [(*row, "posted") for row in rows])
    else:
        execute_in_blocks(_POSTED_SQL, _POSTED_VALUES, rows)


def _write_lines(rows: list[tuple[Any, ...]]) -> None:
    if connection.vendor == "postgresql":
        copy_rows(LINE, LINE_COLUMNS, rows)
    else:
        execute_in_blocks(_LINE_SQL, _LINE_VALUES, rows)


def _posted_rows(
    ops: Any, entry_rows: list[tuple[Any, ...]], posted: PostedAtOnce, start: int
) -> list[tuple[Any, ...]]:
    """The entry rows with what posting gives them (`postings` from `start` on)."""
    at = ops.adapt_datetimefield_value(posted.at)
    rows = []
    for row, p in zip(entry_rows, posted.postings[start : start + len(entry_rows)], strict=True):
        if p.entry_id != row[0] or not p.hash:
            raise RuntimeError(f"entry {row[0]} is not numbered and hashed")
        rows.append((*row, p.seq, p.number, p.chain_index, p.prev_hash, p.hash, posted.user_id, at))
    return rows


def _refresh_statistics(cursor: Any) -> None:
    """ANALYZE the entry and line tables inside the import's transaction (it sees the rows
    just written). Planned while the tables looked small, the guard triggers' queries
    would scan whole tables for every row inserted and posted afterwards: measured on
    50,000 entries of a new lab, posting took 237 s instead of 31 s."""
    cursor.execute("ANALYZE ledger_journalentry, ledger_journalline")


def _line_row(
    ops: Any, entry_id: int, lab_id: int, line: LineDraft, entry_date: Any
) -> tuple[Any, ...]:
    if line.amount_currency is None:
        return (
            entry_id,
            lab_id,
            line.account_id,
            line.label,
            line.debit,
            line.credit,
            None,
            None,
            None,
            None,
            "",
            line.third_party or None,
            ops.adapt_datefield_value(line.due_date),
            line.budget_line_id,
            line.source_row,
            entry_date,
        )
    return (
        entry_id,
        lab_id,
        line.account_id,
        line.label,
        line.debit,
        line.credit,
        ops.adapt_decimalfield_value(line.amount_currency, 18, 2),
        line.currency,
        ops.adapt_decimalfield_value(line.fx_rate, 18, 8),
        ops.adapt_datefield_value(line.fx_rate_date),
        line.fx_rate_source,
        line.third_party or None,
        ops.adapt_datefield_value(line.due_date),
        line.budget_line_id,
        line.source_row,
        entry_date,
    )
