"""Many entries recorded and posted in one pass (a journal import with "post").

`entries_create_posted` makes every check of `entries_create_drafts` and of
`entries_post` against the lab's books read once, then numbers and hashes the entries
from the values it is about to write, instead of writing drafts, reading them back and
updating them:

1. the counters of the lab's journals and its hash chain are locked, as `entries_post`
   locks them, so concurrent postings queue behind the import;
2. numbers and chain places follow the entries' dates (ids too), and each hash is
   computed from the values about to be written, in the form the database gives them
   back (`check_drafts` made sure amounts and rates keep their digits), so
   `ledger_verify`, which reads them back, finds the same hash;
3. each entry's lines are written first, dated with the entry's date, then the entry
   itself, posted (multi-row INSERTs, in date order).

The database guards check every row on the way as they check a posting: the entry's
insert guard finds its lines and refuses it unless they balance, are dated with its
date and of its lab, its number follows the last one, it extends the chain, its month
is open and its budget tags are right; a dated line cannot be added to an entry that
exists, and the lines' foreign key to their entry is checked at commit. The lines feed
the budget spending as they are written.
"""

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from irls.models import Lab
from ledger import rules
from ledger.hashing import chain_hash_plain
from ledger.models import (
    ImportBatch,
    JournalEntry,
    LedgerChain,
    LedgerSequence,
)
from ledger.services.access import require_role
from ledger.services.audit import audit_json, audit_record, audit_rows_insert
from ledger.services.budget import posting_budget_check
from ledger.services.entries import locked_chains, locked_sequences
from ledger.services.entries_bulk import (
    EntryDraft,
    LineDraft,
    PostedAtOnce,
    Posting,
    Progress,
    check_drafts,
    insert_entries,
    reserve_ids,
)
from ledger.services.guarded import db_guarded

REPORT_EVERY = 1_000
# While the hashes are computed beside the writing, Python switches threads every 0.2 ms
# instead of 5 ms: a statement that returns from the database gets its thread back
# quickly (measured: 4.4 s instead of 5.2 s for a 100,000-line import).
SWITCH_INTERVAL = 0.0002
_switching = threading.Lock()
_switching_users = 0
_switching_before = 0.0


@contextmanager
def _short_switch_interval() -> Iterator[None]:
    global _switching_users, _switching_before
    with _switching:
        if _switching_users == 0:
            _switching_before = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL)
        _switching_users += 1
    try:
        yield
    finally:
        with _switching:
            _switching_users -= 1
            if _switching_users == 0:
                sys.setswitchinterval(_switching_before)


class _BackgroundHashing:
    """The hashes, computed in a second thread while the database writes the lines: the
    database drivers let go of Python's lock while a statement runs. `wait(n)` returns
    once the first n postings are hashed (or raises what the hashing raised). The thread
    touches no database."""

    def __init__(self, hash_all: Callable[[Callable[[int], bool]], None]) -> None:
        self._hash_all = hash_all
        self._ready = threading.Condition()
        self._hashed = 0
        self._error: BaseException | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="ledger-hash", daemon=True)
        self._switching = _short_switch_interval()

    def __enter__(self) -> "_BackgroundHashing":
        self._switching.__enter__()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop = True
        self._thread.join()
        self._switching.__exit__(None, None, None)

    def wait(self, count: int) -> None:
        with self._ready:
            self._ready.wait_for(lambda: self._hashed >= count)
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            self._hash_all(self._report)
        except BaseException as error:  # handed to the writing thread by wait()
            self._error = error
        finally:
            self._report(sys.maxsize)

    def _report(self, hashed: int) -> bool:
        with self._ready:
            self._hashed = hashed
            self._ready.notify_all()
        return not self._stop


def entries_create_posted(
    *,
    acting_user: User,
    lab: Lab,
    entries: Sequence[EntryDraft],
    import_batch: ImportBatch | None = None,
    progress: Progress | None = None,
) -> list[int]:
    """Record and post `entries` at once, in date order, all or none with the caller's
    transaction; returns their ids in the order given."""
    require_role(acting_user, lab, "record entries")
    require_role(acting_user, lab, "post entries")
    # No savepoint (see entries_create_drafts).
    with db_guarded(), transaction.atomic(savepoint=False):
        check_drafts(lab, entries)
        books = rules.books_read(lab)
        order = sorted(range(len(entries)), key=lambda i: entries[i].date)
        ids = reserve_ids(len(entries))
        id_of = {index: ids[position] for position, index in enumerate(order)}
        rules.check_postable(books, ((entries[i], _ref(books, entries[i])) for i in order))
        overspent = posting_budget_check(
            [
                {
                    "entry_id": id_of[index],
                    "budget_line_id": line.budget_line_id,
                    "commitment_id": None,
                    "debit": Decimal(line.debit) / 100,
                    "credit": Decimal(line.credit) / 100,
                }
                for index in order
                for line in entries[index].lines
                if line.budget_line_id is not None
            ],
            f"posting {len(entries)} entries",
        )
        chains = locked_chains([lab.pk])
        sequences = locked_sequences(
            sorted({(lab.pk, entries[i].journal_id, entries[i].fiscal_year_id) for i in order})
        )
        now = timezone.now()
        chain = chains[lab.pk]
        posted = _number(lab, books, entries, order, id_of, chain, sequences)
        audit_afters: list[str] = []  # what each entry.post event keeps, made with the hash
        with _BackgroundHashing(
            lambda report: _hash(
                lab.code,
                acting_user.pk,
                books,
                entries,
                order,
                posted,
                chain,
                now,
                report,
                audit_afters,
            )
        ) as hashing:
            insert_entries(
                lab,
                acting_user,
                entries,
                order,
                id_of,
                import_batch,
                progress,
                PostedAtOnce(posted, acting_user.pk, now, hashing.wait),
            )
        chain.save(update_fields=["length", "head_hash"])
        for sequence in sequences.values():
            sequence.save(update_fields=["last_seq"])
        audit_rows_insert(
            actor=acting_user,
            action="entry.post",
            object_type=JournalEntry._meta.label,
            rows=[
                (lab.pk, str(p.entry_id), p.number, after)
                for p, after in zip(posted, audit_afters, strict=True)
            ],
            at=now,
        )
        number_of = {p.entry_id: p.number for p in posted}
        for flag in overspent:
            audit_record(
                actor=acting_user,
                action="budget_line.overspent",
                obj=flag.budget_line,
                lab=lab,
                after={
                    "excess": str(flag.excess),
                    "by": ", ".join(number_of[pk] for pk in flag.entry_ids),
                },
            )
        return [id_of[index] for index in range(len(entries))]


def _ref(books: rules.Books, entry: EntryDraft) -> str:
    return f"{books.journals[entry.journal_id][0]} entry {entry.source_key} of {entry.date}"


def _number(
    lab: Lab,
    books: rules.Books,
    entries: Sequence[EntryDraft],
    order: list[int],
    id_of: dict[int, int],
    chain: LedgerChain,
    sequences: dict[tuple[int, int, int], LedgerSequence],
) -> list[Posting]:
    """Numbers and places in the chain, in id (= date) order; advances the locked
    counters (the hashes come next)."""
    posted = []
    lab_id = lab.pk
    for index in order:
        entry = entries[index]
        sequence = sequences[(lab_id, entry.journal_id, entry.fiscal_year_id)]
        sequence.last_seq += 1
        seq = sequence.last_seq
        number = rules.entry_number(
            books.journals[entry.journal_id][0], books.years[entry.fiscal_year_id].year, seq
        )
        chain.length += 1
        posted.append(Posting(id_of[index], seq, number, chain.length, "", ""))
    return posted


def _hash(
    lab_code: str,
    user_id: int,
    books: rules.Books,
    entries: Sequence[EntryDraft],
    order: list[int],
    posted: list[Posting],
    chain: LedgerChain,
    now: datetime,
    report: Callable[[int], bool],
    audit_afters: list[str],
) -> None:
    """Hash every entry from the values about to be written, in the plain form of the
    canonical form (`ledger.hashing`) as `ledger_verify` makes it from the database,
    each after the previous one; leaves the chain's head on the last. `report(n)` every
    REPORT_EVERY entries and at the end; it answers False to stop. Also encodes what
    each entry's audit event keeps (its number and hash) into `audit_afters`."""
    head = chain.head_hash
    hashed = 0
    posted_at = now.astimezone(UTC).isoformat()
    accounts, journals = books.accounts, books.journals
    for index, posting in zip(order, posted, strict=True):
        entry = entries[index]
        piece_date = entry.piece_date
        values = (
            lab_code,
            journals[entry.journal_id][0],
            posting.number,
            entry.date.isoformat(),
            entry.label[:200],
            entry.piece_ref,
            piece_date.isoformat() if piece_date is not None else None,
            user_id,
            posted_at,
            None,  # reversal_of__number: imports are not reversals
            posting.chain_index,
        )
        lines = [_hashed_line(accounts, line) for line in entry.lines]
        posting.prev_hash = head
        head = posting.hash = chain_hash_plain(head, values, lines)
        audit_afters.append(audit_json({"number": posting.number, "hash": head}))
        hashed += 1
        if hashed % REPORT_EVERY == 0 and not report(hashed):
            return
    chain.head_hash = head
    report(hashed)


def _hashed_line(accounts: dict[int, tuple[str, bool]], line: LineDraft) -> list[Any]:
    """The line as `ledger_verify` reads it back, in the order of HASHED_LINE_KEYS
    (check_drafts made sure the amounts and rates keep their digits in both databases)."""
    if line.amount_currency is None or line.fx_rate is None or line.fx_rate_date is None:
        foreign = currency = rate = rate_date = None
        source = ""
    else:
        foreign = f"{line.amount_currency:.2f}"
        currency = line.currency
        rate = f"{line.fx_rate:.8f}"
        rate_date = line.fx_rate_date.isoformat()
        source = line.fx_rate_source
    values = [
        accounts[line.account_id][0],
        line.label,
        f"{line.debit // 100}.{line.debit % 100:02d}",
        f"{line.credit // 100}.{line.credit % 100:02d}",
        foreign,
        currency,
        rate,
        rate_date,
        source,
        line.third_party or "",
    ]
    if line.due_date is not None:
        values.append(line.due_date.isoformat())
    return values
