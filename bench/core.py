"""The measurements of `run_core.py`, on the database Django is set up on.

Timings are wall-clock (`time.perf_counter`) on a warm database: a few unmeasured rounds
first, then the median (and the fastest) of several rounds, the queries compared taking
turns within each round; the CPU time of this process is recorded alongside.
"""

import calendar
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection

from irls.models import Lab
from ledger import selectors, services
from ledger.models import Account, BudgetLine, Journal, JournalEntry, JournalLine

# The reference: the bare aggregate over the same rows as the selector.
RAW_SQL = (
    "SELECT account_id, SUM(debit), SUM(credit) FROM ledger_journalline"
    " WHERE lab_id = %s AND entry_date >= %s AND entry_date <= %s GROUP BY account_id"
)
# The same, entered on (lab, account, date range) as the selector does.
RAW_SQL_BY_ACCOUNT = (
    "SELECT account_id, SUM(debit), SUM(credit) FROM ledger_journalline"
    " WHERE lab_id = %s AND account_id IN (SELECT id FROM ledger_account WHERE lab_id = %s)"
    " AND entry_date >= %s AND entry_date <= %s GROUP BY account_id"
)
INDEX = "line_balance_idx"


@dataclass(frozen=True)
class Timing:
    median: float
    fastest: float
    cpu: float
    runs: list[float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "median_s": self.median,
            "min_s": self.fastest,
            "cpu_s": self.cpu,
            "runs_s": self.runs,
        }


def load() -> float:
    """The machine's one-minute load average (other work skews timings; it is recorded)."""
    return round(os.getloadavg()[0], 2)


def _fetch(sql: str, params: Sequence[Any]) -> Callable[[], list[Any]]:
    def run() -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


@contextmanager
def captured() -> Iterator[list[tuple[str, Sequence[Any]]]]:
    """The SQL and parameters of every query run inside the block."""
    queries: list[tuple[str, Sequence[Any]]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield queries


def line_queries(action: Callable[[], object]) -> list[tuple[str, Sequence[Any]]]:
    """The queries on journal lines that `action` runs."""
    with captured() as queries:
        action()
    return [(sql, params) for sql, params in queries if "ledger_journalline" in sql]


def explain(sql: str, params: Sequence[Any]) -> str:
    """The plan of `sql`: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on
    PostgreSQL (which runs the query and reports actual times)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(f"{row[0]:>3} {row[1]:>3} {row[3]}" for row in cursor.fetchall())


def _as_cents(rows: list[selectors.BalanceRow]) -> dict[str, tuple[int, int, int]]:
    return {
        r.account_code: (int(r.opening * 100), int(r.debit * 100), int(r.credit * 100))
        for r in rows
    }


def timed_together(
    actions: dict[str, Callable[[], object]], runs: int, warmup: int
) -> dict[str, Timing]:
    """Wall-clock median and fastest, and median CPU time of this process, of each
    action over `runs` rounds. The actions take turns within a round, so that a burst of
    load from elsewhere hits them alike and their ratios stay meaningful. On SQLite the
    query runs in-process: CPU time is its cost on an idle core; on PostgreSQL it is
    only the client's share."""
    for _ in range(warmup):
        for action in actions.values():
            action()
    wall: dict[str, list[float]] = {name: [] for name in actions}
    cpu: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            action()
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
    return {
        name: Timing(
            statistics.median(wall[name]),
            min(wall[name]),
            statistics.median(cpu[name]),
            [round(t, 5) for t in wall[name]],
        )
        for name in actions
    }


# Periods besides the full year: with opening balances, and one month.
PARTIAL = (("mar-dec", 3, 12), ("march", 3, 3))


def trial_balance(
    lab: Lab, year: int, runs: int, warmup: int, *, variants: bool = True
) -> dict[str, Any]:
    """The selector against the bare GROUP BY over the full year, first checked to give
    the same figures, to the cent; with `variants`, also the bare GROUP BY entered per
    account (the selector's shape) and the selector over shorter periods."""
    start, end = date(year, 1, 1), date(year, 12, 31)

    def selector(first: date, last: date) -> Callable[[], list[selectors.BalanceRow]]:
        return lambda: selectors.trial_balance(lab=lab, date_from=first, date_to=last)

    current = selector(start, end)
    raw = _fetch(RAW_SQL, [lab.pk, start, end])
    selector_sql, selector_params = line_queries(current)[0]

    rows = current()
    by_id = {a.pk: a.code for a in Account.objects.filter(lab=lab)}
    bare = {by_id[a]: (0, int(d), int(c)) for a, d, c in raw()}
    if _as_cents(rows) != bare:
        raise AssertionError("the trial balance differs from the bare GROUP BY")
    debit, credit = sum(r.debit for r in rows), sum(r.credit for r in rows)
    if debit != credit:
        raise AssertionError(f"the trial balance does not balance: {debit} != {credit}")

    actions: dict[str, Callable[[], object]] = {
        "trial_balance": current,
        "selector_sql": _fetch(selector_sql, selector_params),
        "raw_group_by": raw,
    }
    plans = {
        "selector": explain(selector_sql, selector_params),
        "raw_group_by": explain(RAW_SQL, [lab.pk, start, end]),
    }
    if variants:
        actions["raw_group_by_per_account"] = _fetch(
            RAW_SQL_BY_ACCOUNT, [lab.pk, lab.pk, start, end]
        )
        for name, first_month, last_month in PARTIAL:
            first = date(year, first_month, 1)
            last = date(year, last_month, calendar.monthrange(year, last_month)[1])
            actions[f"{name}: trial_balance"] = selector(first, last)

    result: dict[str, Any] = {
        "lab": lab.code,
        "date_from": start.isoformat(),
        "date_to": end.isoformat(),
        "lines": JournalLine.objects.filter(
            lab=lab, entry_date__gte=start, entry_date__lte=end
        ).count(),
        "accounts": len(rows),
        "total_debit": str(debit),
        "load_before": load(),
    }
    timings = timed_together(actions, runs, warmup)
    result["load_after"] = load()
    result["timings"] = {name: timing.as_dict() for name, timing in timings.items()}
    result["plans"] = plans
    result["plans_use_index"] = {name: INDEX in plan for name, plan in plans.items()}
    return result


@dataclass(frozen=True)
class Purchase:
    """What a two-line purchase draft needs: supplies debited on the CNRS supplies budget
    line, the supplier credited."""

    journal: Journal
    expense: Account
    supplier: Account
    budget_line: BudgetLine

    @classmethod
    def of(cls, lab: Lab, year: int) -> "Purchase":
        return cls(
            Journal.objects.get(lab=lab, code="ACH"),
            Account.objects.select_related("lab").get(lab=lab, code="6064"),
            Account.objects.select_related("lab").get(lab=lab, code="4010001"),
            BudgetLine.objects.get(lab=lab, fiscal_year__year=year, code="DOT-FOU"),
        )

    def draft(self, user: User, k: int, on: date, amount: Decimal) -> JournalEntry:
        return services.entry_create_draft(
            acting_user=user,
            lab=self.journal.lab,
            journal=self.journal,
            date=on,
            label=f"Bench invoice {k}",
            piece_ref=f"BENCH-{k:06d}",
            piece_date=on,
            lines=[
                services.LineInput(
                    account=self.expense,
                    debit=amount,
                    label="Supplies",
                    budget_line=self.budget_line,
                ),
                services.LineInput(account=self.supplier, credit=amount, label="Supplies"),
            ],
        )


def _drafts(
    user: User, purchase: Purchase, count: int, year: int, r: random.Random
) -> tuple[list[JournalEntry], float]:
    """`count` drafts through `entry_create_draft`, dated over the year, and the seconds
    their creation took."""
    days = (date(year, 12, 31) - date(year, 1, 1)).days
    plan = [
        (date(year, 1, 1) + timedelta(days=r.randrange(days + 1)), r.randrange(100, 500_000))
        for _ in range(count)
    ]
    started = time.perf_counter()
    drafts = [
        purchase.draft(user, k, on, Decimal(cents).scaleb(-2)) for k, (on, cents) in enumerate(plan)
    ]
    return drafts, time.perf_counter() - started


def posting(
    user: User, lab: Lab, year: int, entries: int, batch: int, single: int, seed: int
) -> dict[str, Any]:
    """Entries per second through the services: drafts created one by one, posted with
    `entries_post` in batches of `batch`, and posted one by one with `entry_post`; and
    the queries one call of each makes."""
    r = random.Random(seed)
    purchase = Purchase.of(lab, year)
    result: dict[str, Any] = {"entries": entries, "batch": batch, "single": single}
    result["load_before"] = load()
    # Rates per wall-clock second, and per CPU second of this process (on SQLite, what
    # an idle core would do; on PostgreSQL the server's share is not counted).
    started_cpu = time.process_time()
    drafts, seconds = _drafts(user, purchase, entries, year, r)
    result["create_draft_per_s"] = entries / seconds
    result["create_draft_per_cpu_s"] = entries / (time.process_time() - started_cpu)
    started, started_cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(drafts), batch):
        services.entries_post(acting_user=user, entries=drafts[i : i + batch])
    result["entries_post_batched_per_s"] = entries / (time.perf_counter() - started)
    result["entries_post_batched_per_cpu_s"] = entries / (time.process_time() - started_cpu)
    drafts, seconds = _drafts(user, purchase, single, year, r)
    started, started_cpu = time.perf_counter(), time.process_time()
    for draft in drafts:
        services.entry_post(acting_user=user, entry=draft)
    result["entry_post_single_per_s"] = single / (time.perf_counter() - started)
    result["entry_post_single_per_cpu_s"] = single / (time.process_time() - started_cpu)
    result["load_after"] = load()

    with captured() as queries:
        draft = purchase.draft(user, 0, date(year, 6, 30), Decimal("12.34"))
    result["queries_entry_create_draft"] = len(queries)
    with captured() as queries:
        services.entry_post(acting_user=user, entry=draft)
    result["queries_entry_post"] = len(queries)
    drafts, _ = _drafts(user, purchase, batch, year, r)
    with captured() as queries:
        services.entries_post(acting_user=user, entries=drafts)
    result["queries_entries_post_batch"] = len(queries)
    return result


def verify(lab: Lab) -> dict[str, Any]:
    """ledger_verify over the whole lab: proves the generated and posted chain is sound."""
    started = time.perf_counter()
    outcome = selectors.ledger_verify(lab=lab)
    return {
        "ok": outcome.ok,
        "entries": outcome.entries,
        "head_hash": outcome.head_hash,
        "first_bad": outcome.first_bad,
        "reason": outcome.reason,
        "seconds": time.perf_counter() - started,
    }
