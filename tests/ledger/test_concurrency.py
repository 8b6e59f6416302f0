"""Posting under concurrency (invariant 4): numbers stay continuous, with no gap, no
duplicate, no deadlock and no lock error, while several posters write into one journal.

PostgreSQL serves many app servers, so its test uses OS processes, each with its own
connection; some postings roll back on purpose and must give their number back. SQLite
serves one machine, so its test uses threads; IMMEDIATE transactions make the writers
queue instead of failing with "database is locked".
"""

import itertools
import multiprocessing
import queue
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from multiprocessing.synchronize import Barrier as ProcessBarrier

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connections, transaction

from irls import services as irls_services
from irls.models import Lab, Role
from ledger import services
from ledger.models import Account, Journal, JournalEntry, LedgerSequence
from ledger.selectors import lab_totals, ledger_verify
from tests.books import lab_with_books

JOURNAL = "ACH"
YEAR = 2025
TIMEOUT = 120  # seconds for a whole run; a deadlock or a stuck lock fails the test


class _RollBack(Exception):
    """Raised after a posting to undo it, as a failing caller would."""


@dataclass(frozen=True)
class PosterReport:
    worker: int
    committed: int = 0
    rolled_back: int = 0
    error: str = ""


def _post_many(
    *,
    worker: int,
    user_id: int,
    lab_id: int,
    count: int,
    roll_back_every: int,
    start: Callable[[], object],
) -> PosterReport:
    """Record `count` purchases, wait for `start`, then post them one by one; every
    `roll_back_every`-th posting is undone by an exception raised inside the caller's
    transaction after `entry_post` returned, so its number must be given back."""
    user = User.objects.get(pk=user_id)
    lab = Lab.objects.get(pk=lab_id)
    journal = Journal.objects.get(lab=lab, code=JOURNAL)
    supplies = Account.objects.get(lab=lab, code="6064")
    supplier = Account.objects.get(lab=lab, code="401")
    drafts = []
    for i in range(1, count + 1):
        amount = Decimal(f"{worker + 1}{i:03d}.{i % 100:02d}")
        drafts.append(
            services.entry_create_draft(
                acting_user=user,
                lab=lab,
                journal=journal,
                date=date(YEAR, 1 + i % 12, 1 + worker % 28),
                label=f"Supplies {worker}-{i}",
                piece_ref=f"W{worker}-{i}",
                lines=[
                    services.LineInput(account=supplies, debit=amount),
                    services.LineInput(account=supplier, credit=amount),
                ],
            )
        )
    start()
    committed = rolled_back = 0
    for i, entry in enumerate(drafts, start=1):
        try:
            with transaction.atomic():
                services.entry_post(acting_user=user, entry=entry)
                if i % roll_back_every == 0:
                    raise _RollBack
        except _RollBack:
            rolled_back += 1
        else:
            committed += 1
    return PosterReport(worker, committed, rolled_back)


def _setup(code: str) -> tuple[Lab, User]:
    """A lab with its books and an accountant of that lab (committed: transaction=True)."""
    lab = lab_with_books(code)
    user = get_user_model().objects.create_user(username=f"poster_{code.lower()}")
    irls_services.role_grant(acting_user=None, user=user, role=Role.ACCOUNTANT, lab=lab)
    return lab, user


def _assert_interleaved(lab: Lab, reports: list[PosterReport]) -> None:
    """The posters really ran side by side: their numbers interleave. (Not asked of
    SQLite's threads: its busy handler lets the writer that holds the lock win again.)"""
    posted = JournalEntry.objects.filter(lab=lab, status=JournalEntry.Status.POSTED)
    posters = [
        ref.split("-")[0] for ref in posted.order_by("seq").values_list("piece_ref", flat=True)
    ]
    switches = sum(a != b for a, b in itertools.pairwise(posters))
    assert switches >= len(reports), f"postings hardly interleaved ({switches} switches)"


def _assert_continuous(lab: Lab, reports: list[PosterReport]) -> None:
    """The journal holds exactly the committed postings, numbered 1..N, and nothing else."""
    committed = sum(r.committed for r in reports)
    rolled_back = sum(r.rolled_back for r in reports)
    assert committed > 0 and rolled_back > 0
    entries = JournalEntry.objects.filter(lab=lab, journal__code=JOURNAL, fiscal_year__year=YEAR)
    posted = entries.filter(status=JournalEntry.Status.POSTED)
    seqs = list(posted.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, committed + 1)), (
        f"{committed} postings committed, numbers seen: gaps "
        f"{sorted(set(range(1, committed + 1)) - set(seqs))}, "
        f"duplicates {[s for s, n in Counter(seqs).items() if n > 1]}"
    )
    assert set(posted.values_list("number", flat=True)) == {
        f"{JOURNAL}-{YEAR}-{n:06d}" for n in range(1, committed + 1)
    }
    # A rolled-back posting leaves its draft a draft, without a number.
    drafts = entries.filter(status=JournalEntry.Status.DRAFT)
    assert drafts.count() == rolled_back
    assert not drafts.filter(number__isnull=False).exists()
    sequence = LedgerSequence.objects.get(lab=lab, journal__code=JOURNAL, fiscal_year__year=YEAR)
    assert sequence.last_seq == committed
    debit, credit = lab_totals(lab=lab)
    assert debit == credit > 0
    result = ledger_verify(lab=lab)
    assert result.ok, f"{result.first_bad}: {result.reason}"
    assert result.entries == committed


# --- PostgreSQL: OS processes --------------------------------------------------------

PROCESSES = 8
PER_PROCESS = 50
ROLL_BACK_EVERY = 7


def _process_main(
    reports: "multiprocessing.Queue[PosterReport]",
    barrier: ProcessBarrier,
    worker: int,
    user_id: int,
    lab_id: int,
) -> None:
    # The parent closed its connections before forking; never reuse an inherited socket.
    connections.close_all()
    try:
        reports.put(
            _post_many(
                worker=worker,
                user_id=user_id,
                lab_id=lab_id,
                count=PER_PROCESS,
                roll_back_every=ROLL_BACK_EVERY,
                start=lambda: barrier.wait(timeout=TIMEOUT),
            )
        )
    except BaseException:
        barrier.abort()  # the others stop waiting for this poster
        reports.put(PosterReport(worker, error=traceback.format_exc()))
    finally:
        connections.close_all()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_processes_post_into_one_journal_without_gap_or_duplicate() -> None:
    lab, user = _setup("CONCPG")
    context = multiprocessing.get_context("fork")
    reports: multiprocessing.Queue[PosterReport] = context.Queue()
    barrier = context.Barrier(PROCESSES)
    connections.close_all()  # a forked child must not share the parent's socket
    processes = [
        context.Process(
            target=_process_main,
            args=(reports, barrier, worker, user.pk, lab.pk),
            name=f"poster-{worker}",
            daemon=True,
        )
        for worker in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    received: list[PosterReport] = []
    deadline = time.monotonic() + TIMEOUT
    try:
        while len(received) < PROCESSES:
            received.append(reports.get(timeout=max(0.1, deadline - time.monotonic())))
    except queue.Empty:
        pass
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join()
    failures = [f"poster {r.worker}:\n{r.error}" for r in received if r.error]
    assert not failures, "\n".join(failures)
    assert len(received) == PROCESSES, (
        f"only {len(received)} of {PROCESSES} posters reported within {TIMEOUT}s; exit codes "
        f"{[p.exitcode for p in processes]}"
    )
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    assert all(r.committed + r.rolled_back == PER_PROCESS for r in received)
    _assert_continuous(lab, received)
    _assert_interleaved(lab, received)


# --- SQLite: threads -----------------------------------------------------------------

THREADS = 4
PER_THREAD = 25


@pytest.mark.sqlite_only
@pytest.mark.django_db(transaction=True)
def test_threads_post_on_sqlite_without_database_is_locked() -> None:
    lab, user = _setup("CONCLITE")
    barrier = threading.Barrier(THREADS)
    received: list[PosterReport] = []

    def run(worker: int) -> None:
        try:
            received.append(
                _post_many(
                    worker=worker,
                    user_id=user.pk,
                    lab_id=lab.pk,
                    count=PER_THREAD,
                    roll_back_every=ROLL_BACK_EVERY,
                    start=lambda: barrier.wait(timeout=TIMEOUT),
                )
            )
        except BaseException:
            barrier.abort()
            received.append(PosterReport(worker, error=traceback.format_exc()))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [
        threading.Thread(target=run, args=(worker,), name=f"poster-{worker}", daemon=True)
        for worker in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), f"posters still running after {TIMEOUT}s"
    failures = [f"poster {r.worker}:\n{r.error}" for r in received if r.error]
    assert not failures, "\n".join(failures)
    assert len(received) == THREADS
    assert all(r.committed + r.rolled_back == PER_THREAD for r in received)
    _assert_continuous(lab, received)
