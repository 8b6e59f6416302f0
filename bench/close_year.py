"""Closing a fiscal year benchmark: the checklist, the closing and opening entries and
the database guard, over the big lab's year of bench/generate.py.

    .venv/bin/python bench/close_year.py [--lines 1000000] [--database sqlite|postgres|both]
    .venv/bin/python bench/close_year.py --report      # the table of every run written so far

For each database: a fresh database (SQLite: a file under bench/out/; PostgreSQL: the
database `irl_bench_close` on 127.0.0.1:5432, created and dropped; override with
BENCH_PG_CLOSE_DATABASE), Django's migrate, the ledger of bench/generate.py with
`--budget-lines` budget lines a lab and year (the big lab's year also gets amendments and
open commitments, some partly invoiced), then, not timed, what the office does before
closing the big lab's year N:

- the lab's result accounts 120 and 129 added to the chart (bench/chart.py has none;
  the checklist's "setup" item asks for them);
- the year before (N-1, 5% of the lines) closed through the services, months first
  (years close in order; its checklist's chain verification is skipped there: the
  chain is verified, and timed, on year N);
- N+1 opened, with a budget line for each line of N (same code and funding source: the
  carry-overs of commitments and of unspent grants need them);
- the open commitments of N cancelled with a reason (`--cancel-share`, a quarter) or
  carried over to N+1 (the rest), by the bench accountant;
- the twelve months of N closed in order (`period_close`, acting_user=None);

then ANALYZE, and, timed (each close in a new database session, as a request would be):

- each item of `fiscal_year_checklist` alone (`_previous_item` ... `_setup_item` of
  ledger/services/years.py): median of `--runs`, after one unmeasured run; the chain
  verification (`_chain_item`, the whole lab's hash chain) once;
- on PostgreSQL, two closes rolled back, the chain verification left out, under
  `auto_explain`: the plans of the statements the guards' trigger functions run, with
  the plans PostgreSQL picks, then with a generic plan (the one a session may keep
  after five closes);
- `fiscal_year_close` end to end, once, committed, under CaptureQueriesContext, with
  the time split between its phases: the module functions of ledger/services/years.py
  are wrapped by a timer for the run (the service is not edited), every query is timed
  (the final `UPDATE ledger_fiscalyear SET status` is the database guard that checks
  opening = closing balances over every line of the year), and so is the commit;
- the lines of the closing and opening entries, and `ledger_verify` after the close;
- the plan of every query of the close slower than `--explain-over` seconds and of the
  guard's query (`db_guards._OPENING_DIFFERS`, run as a SELECT).

Prints a table and writes bench/out/close-year-<database>-<lines>.json. Figures are
reported, never asserted: see bench/README.md ("Closing a year").
"""

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env

PG_DATABASE = os.environ.get("BENCH_PG_CLOSE_DATABASE", "irl_bench_close")
TARGET_S = 5.0
# The checklist's items (ledger/services/years.py), in the order the checklist runs them;
# an item the service does not have is left out, one it has and this list lacks is added.
ITEMS = (
    "_previous_item",
    "_months_item",
    "_drafts_item",
    "_imports_item",
    "_commitments_item",
    "_budgets_item",
    "_balanced_item",
    "_chain_item",
    "_setup_item",
)
# The functions of ledger/services/years.py timed during the close, and their names (the
# selectors and services it imports included); one the module no longer has is an error.
PHASES = (
    ("fiscal_year_checklist", "checklist"),
    ("next_fiscal_year", "next_fiscal_year"),
    ("fiscal_year_open", "fiscal_year_open"),
    ("_closing_entry", "closing entry (_closing_entry)"),
    ("result_balances", "result_balances"),
    ("_result_lines", "_result_lines"),
    ("_opening_entry", "opening entry (_opening_entry)"),
    ("closing_balances", "closing_balances"),
    ("opening_balances", "opening_balances"),
    ("_post_year_end", "_post_year_end"),
    ("entry_create_draft", "entry_create_draft"),
    ("entry_post", "entry_post"),
    ("_carry_budgets", "budget carry-over (_carry_budgets)"),
    ("audit_record", "audit_record"),
)
RESULT_ACCOUNTS = (
    ("120", "Résultat de l'exercice (bénéfice)", "Profit for the year"),
    ("129", "Résultat de l'exercice (perte)", "Loss for the year"),
)
STATUS_UPDATE = "status update (guard: opening = closing)"
COMMIT = "commit"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Closing a fiscal year benchmark.")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines of the big lab")
    parser.add_argument("--budget-lines", type=int, default=200, help="per lab and year")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5, help="runs of each checklist item")
    parser.add_argument(
        "--cancel-share",
        type=float,
        default=0.25,
        help="share of the open commitments cancelled (the others are carried over)",
    )
    parser.add_argument(
        "--explain-over", type=float, default=0.05, help="EXPLAIN the close's queries over (s)"
    )
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", action="store_true", help="keep the database after the run")
    parser.add_argument(
        "--report", action="store_true", help="print the table of bench/out/close-year-*.json"
    )
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    if args.report:
        _summary([json.loads(p.read_text()) for p in sorted(env.OUT.glob("close-year-*-*.json"))])
        return
    if args.database != "both":
        _report([run(args.database, args)])
        return
    results = env.each_database(__file__, args, lambda db: _json_path(db, args.lines))
    print("\n== Both databases ==")
    _summary(results)


def _json_path(database: str, lines: int) -> Path:
    return env.OUT / f"close-year-{database}-{lines}.json"


def run(database: str, args: argparse.Namespace) -> dict[str, Any]:
    """The whole benchmark on one fresh database; returns (and writes) its results."""
    sqlite_file = env.OUT / f"close-year-{args.lines}.sqlite3"
    with env.database(database, sqlite_file=sqlite_file, pg_name=PG_DATABASE, keep=args.keep):
        result = _measure(database, args)
    _json_path(database, args.lines).write_text(json.dumps(result, indent=2, default=str))
    return result


def machine_load() -> dict[str, str]:
    """`uptime` and Linux's CPU pressure (the share of time a runnable task waited for a
    CPU: the machine has 2 cores and other work runs on it)."""
    try:
        pressure = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        pressure = "n/a"
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return {"uptime": uptime, "cpu_pressure": pressure}


def _measure(database: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.generate import LedgerSpec, analyze, bench_user, generate
    from irls.models import Lab
    from ledger.models import FiscalYear

    spec = LedgerSpec(lines=args.lines, seed=args.seed, budget_lines=args.budget_lines)
    result: dict[str, Any] = {"database": database, "spec": spec.__dict__}
    result["server_version"] = env.server_version()
    result["migrate_s"] = env.migrate()
    print(f"[{database}] generating {args.lines:,} lines ...", flush=True)
    generated = generate(spec, log=lambda text: print(f"[{database}] {text}", flush=True))
    result["generated"] = generated.__dict__
    lab = Lab.objects.get(code=generated.main_lab)
    user = bench_user()
    print(f"[{database}] setup: {spec.year - 1} closed, months and commitments ...", flush=True)
    result["setup"] = setup(lab, spec.year, user, args.cancel_share, args.seed)
    print(f"[{database}] setup: {result['setup']}", flush=True)
    result["analyze_s"] = analyze()
    fiscal_year = FiscalYear.objects.select_related("lab").get(lab=lab, year=spec.year)
    result["ledger"] = describe(fiscal_year)
    print(f"[{database}] {result['ledger']}", flush=True)

    result["load_before"] = machine_load()
    print(f"[{database}] checklist items ({result['load_before']['uptime']}) ...", flush=True)
    result["checklist_items"] = checklist_items(fiscal_year, args.runs)
    result["trigger_plans"] = trigger_plans(user, fiscal_year)
    print(f"[{database}] fiscal_year_close ...", flush=True)
    result["load_close"] = machine_load()
    result["close"] = close(user, fiscal_year)
    result["load_after_close"] = machine_load()
    result["year_end_entries"] = year_end_entries(fiscal_year)
    print(f"[{database}] ledger_verify ...", flush=True)
    result["verify"] = verify(lab)
    print(f"[{database}] plans ...", flush=True)
    result["plans"] = plans(fiscal_year, result["close"]["slow_queries"], args.explain_over)
    result["load_after"] = machine_load()
    return result


# -- setup (not timed as the benchmark) ---------------------------------------------------


def close_months(fiscal_year: Any) -> int:
    from ledger import services
    from ledger.models import Period

    closed = 0
    for period in Period.objects.filter(fiscal_year=fiscal_year).order_by("month"):
        if period.status == Period.Status.OPEN:
            services.period_close(acting_user=None, period=period)
            closed += 1
    return closed


def setup(lab: Any, year: int, user: Any, cancel_share: float, seed: int) -> dict[str, Any]:
    """What the office does before closing `year` (see the module docstring)."""
    from unittest import mock

    from ledger import services
    from ledger.models import BudgetLine, Commitment, FiscalYear
    from ledger.selectors.budget import OPEN_STATUSES
    from ledger.services import commitments as commitment_services
    from ledger.services import years

    done: dict[str, Any] = {}
    started = time.perf_counter()
    # The bench chart (bench/chart.py) has no result accounts: added as the checklist asks.
    held_codes = set(lab.accounts.values_list("code", flat=True))
    done["accounts_added"] = [
        services.account_create(
            acting_user=user, lab=lab, code=code, name_fr=name_fr, name_en=name_en
        ).code
        for code, name_fr, name_en in RESULT_ACCOUNTS
        if code not in held_codes
    ]
    previous = FiscalYear.objects.filter(lab=lab, year=year - 1).first()
    if previous is not None:
        close_months(previous)
        skipped = years.ChecklistItem("chain", True, "verified on the year measured")
        with mock.patch.object(years, "_chain_item", lambda lab: skipped):
            years.fiscal_year_close(acting_user=user, fiscal_year=previous)
        done["previous_year_closed"] = previous.year
    fiscal_year = FiscalYear.objects.get(lab=lab, year=year)
    following = FiscalYear.objects.filter(lab=lab, year=year + 1).first()
    if following is None:
        following = services.fiscal_year_open(acting_user=user, lab=lab, year=year + 1)
    held = set(BudgetLine.objects.filter(fiscal_year=following).values_list("code", flat=True))
    created = 0
    for line in BudgetLine.objects.filter(fiscal_year=fiscal_year).order_by("code"):
        if line.code in held:
            continue
        services.budget_line_create(
            acting_user=user,
            lab=lab,
            fiscal_year=following,
            funding_source=line.funding_source,
            code=line.code,
            label_fr=line.label_fr,
            label_en=line.label_en,
            envelope=line.envelope,
            nature=line.nature,
            allocated=line.allocated,
            allocated_on=following.start_date,
            policy=line.policy,
        )
        created += 1
    done["next_year_budget_lines"] = created
    r = random.Random(seed * 7 + year)
    cancelled = carried = 0
    pending = Commitment.objects.filter(
        budget_line__fiscal_year=fiscal_year, status__in=OPEN_STATUSES
    ).order_by("reference")
    for commitment in pending:
        if r.random() < cancel_share:
            commitment_services.commitment_cancel(
                acting_user=user, commitment=commitment, reason="Order withdrawn by the supplier"
            )
            cancelled += 1
        else:
            commitment_services.commitment_carry_over(acting_user=user, commitment=commitment)
            carried += 1
    done["commitments_cancelled"] = cancelled
    done["commitments_carried_over"] = carried
    done["months_closed"] = close_months(fiscal_year)
    done["seconds"] = round(time.perf_counter() - started, 2)
    return done


def describe(fiscal_year: Any) -> dict[str, Any]:
    from ledger.models import JournalEntry, JournalLine
    from ledger.selectors.years import year_lines

    lab_id = fiscal_year.lab_id
    return {
        "lab": fiscal_year.lab.code,
        "year": fiscal_year.year,
        "year_lines": year_lines(fiscal_year).count(),
        "year_entries": JournalEntry.objects.filter(fiscal_year=fiscal_year).count(),
        "lab_entries": JournalEntry.objects.filter(lab_id=lab_id).count(),
        "table_lines": JournalLine.objects.count(),
        "class4_lines_with_third_party": year_lines(fiscal_year)
        .filter(account__code__startswith="4")
        .exclude(third_party__isnull=True)
        .count(),
        "class4_lines": year_lines(fiscal_year).filter(account__code__startswith="4").count(),
    }


# -- timing -------------------------------------------------------------------------------


class Clock:
    """Wall time and queries per phase, phases nested as the calls are (a phase is the
    path of the timed functions being run: ("checklist", "_chain_item")). Every query is
    timed; those slower than `slow` seconds are kept with their SQL and parameters. On
    SQLite a SELECT's rows are stepped through as they are fetched, partly after
    `execute` returns: a query's own time is a floor there (its phase's time is not)."""

    def __init__(self, slow: float = 0.01) -> None:
        self.slow = slow
        self.stack: list[str] = []
        self.wall: dict[tuple[str, ...], float] = defaultdict(float)
        self.calls: dict[tuple[str, ...], int] = defaultdict(int)
        self.queries: dict[tuple[str, ...], int] = defaultdict(int)
        self.sql: dict[tuple[str, ...], float] = defaultdict(float)
        self.slow_queries: list[dict[str, Any]] = []

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self.stack.append(name)
        path = tuple(self.stack)
        self.wall.setdefault(path, 0.0)  # listed in the order phases begin
        started = time.perf_counter()
        try:
            yield
        finally:
            self.wall[path] += time.perf_counter() - started
            self.calls[path] += 1
            self.stack.pop()

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.phase(name):
                return function(*args, **kwargs)

        return timed

    def on_query(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        # The final status update fires the guard that compares opening and closing
        # balances: a phase of its own.
        status = sql.startswith('UPDATE "ledger_fiscalyear" SET "status"')
        if status:
            self.stack.append(STATUS_UPDATE)
        path = tuple(self.stack)
        if status:
            self.wall.setdefault(path, 0.0)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds = time.perf_counter() - started
            if status:
                self.wall[path] += seconds
                self.calls[path] += 1
                self.stack.pop()
            self.queries[path] += 1
            self.sql[path] += seconds
            if seconds >= self.slow:
                # Parameters kept to EXPLAIN the query again, unless there are many (the
                # chain verification's lists of 2,000 entry ids).
                kept = None if many or len(params or ()) > 100 else list(params or ())
                self.slow_queries.append(
                    {
                        "phase": " > ".join(path),
                        "seconds": seconds,
                        "sql": sql if kept is not None else sql[:2000],
                        "params": kept,
                    }
                )

    def table(self) -> list[dict[str, Any]]:
        """Phases in the order they began, with their totals (a phase's queries and SQL
        time include those of the phases inside it)."""
        rows = []
        for path in self.wall:
            inside = [p for p in self.queries if p[: len(path)] == path]
            rows.append(
                {
                    "phase": list(path),
                    "seconds": self.wall[path],
                    "calls": self.calls[path],
                    "queries": sum(self.queries[p] for p in inside),
                    "sql_s": sum(self.sql[p] for p in inside),
                }
            )
        return rows


@contextmanager
def timed_close(clock: Clock) -> Iterator[None]:
    """The functions of ledger/services/years.py wrapped by `clock` (restored after), the
    connection's queries and commit timed."""
    from unittest import mock

    from django.db import connection

    from ledger.services import years

    missing = [attribute for attribute, _ in PHASES if not hasattr(years, attribute)]
    if missing:
        raise AttributeError(f"ledger.services.years has no {', '.join(missing)}: update PHASES")
    phases = [(item, item) for item in checklist_item_names()]
    phases += [(attribute, name) for attribute, name in PHASES]
    patches = [
        mock.patch.object(years, attribute, clock.wrap(name, getattr(years, attribute)))
        for attribute, name in phases
    ]
    patches.append(mock.patch.object(connection, "commit", clock.wrap(COMMIT, connection.commit)))
    for patch in patches:
        patch.start()
    try:
        with connection.execute_wrapper(clock.on_query):
            yield
    finally:
        for patch in reversed(patches):
            patch.stop()


def checklist_item_names() -> list[str]:
    from ledger.services import years

    names = [name for name in ITEMS if hasattr(years, name)]
    return names + sorted(
        name
        for name in vars(years)
        if name.startswith("_") and name.endswith("_item") and name not in names
    )


def checklist_items(fiscal_year: Any, runs: int) -> dict[str, Any]:
    """Each item of the checklist alone: median and fastest of `runs` after one
    unmeasured run; the chain verification once (it reads the lab's whole chain)."""
    from ledger.services import years

    measured: dict[str, Any] = {}
    for name in checklist_item_names():
        item = getattr(years, name)
        argument = fiscal_year.lab if name == "_chain_item" else fiscal_year
        times, cpu = [], []
        for k in range(1 if name == "_chain_item" else runs + 1):
            started, started_cpu = time.perf_counter(), time.process_time()
            outcome = item(argument)
            if name == "_chain_item" or k > 0:
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
        measured[name] = {
            "median_s": statistics.median(times),
            "min_s": min(times),
            "cpu_s": statistics.median(cpu),
            "runs": len(times),
            "ok": outcome.ok,
            "message": outcome.message,
        }
    return measured


def close(user: Any, fiscal_year: Any) -> dict[str, Any]:
    """`fiscal_year_close` end to end, once, committed, phase by phase."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ledger.services import years

    fresh_session()
    clock = Clock()
    with CaptureQueriesContext(connection) as captured, timed_close(clock):
        started, started_cpu = time.perf_counter(), time.process_time()
        with clock.phase("fiscal_year_close"):
            closed = years.fiscal_year_close(acting_user=user, fiscal_year=fiscal_year)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
    phases = clock.table()
    chain = sum(row["seconds"] for row in phases if row["phase"][-1] == "_chain_item")
    return {
        "status": closed.status,
        "seconds": seconds,
        "cpu_s": cpu,
        "chain_s": chain,
        "without_chain_s": seconds - chain,
        "queries": len(captured),
        "phases": phases,
        "slow_queries": sorted(clock.slow_queries, key=lambda q: -q["seconds"]),
    }


def fresh_session() -> None:
    """A new database session before each close, as the office's request would have:
    PostgreSQL plans a statement of a plpgsql function (the guards) with the values of
    its first five runs in a session, and may keep a generic plan after that."""
    from django.db import connection

    connection.close()
    connection.ensure_connection()


def trigger_plans(user: Any, fiscal_year: Any, over_ms: int = 50) -> dict[str, Any]:
    """PostgreSQL: the plans of the statements run inside the close slower than `over_ms`,
    those of the guards' trigger functions included (`auto_explain` with nested
    statements, its messages sent to this client), in a close rolled back in a fresh
    session, the chain verification left out; then the same with `plan_cache_mode =
    force_generic_plan` (the plan a session keeps after five closes). On SQLite:
    nothing (EXPLAIN shows what a trigger runs only as opcodes)."""
    from unittest import mock

    from django.db import connection, transaction

    from ledger.services import years

    if connection.vendor != "postgresql":
        return {}
    skipped = years.ChecklistItem("chain", True, "timed apart")
    found: dict[str, Any] = {}
    for mode in ("auto", "force_generic_plan"):
        fresh_session()
        raw = connection.connection
        plans: list[str] = []

        def on_notice(diagnostic: Any, plans: list[str] = plans) -> None:
            if diagnostic.message_primary and "plan:" in diagnostic.message_primary:
                plans.append(diagnostic.message_primary)

        raw.add_notice_handler(on_notice)
        settings = (
            ("plan_cache_mode", mode),
            ("auto_explain.log_min_duration", str(over_ms)),
            ("auto_explain.log_nested_statements", "on"),
            ("auto_explain.log_analyze", "on"),
            ("auto_explain.log_buffers", "on"),
            ("client_min_messages", "log"),
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute("LOAD 'auto_explain'")
                for name, value in settings:
                    cursor.execute(f"SET {name} = '{value}'")
            with (
                mock.patch.object(years, "_chain_item", lambda lab: skipped),
                transaction.atomic(),
            ):
                years.fiscal_year_close(acting_user=user, fiscal_year=fiscal_year)
                transaction.set_rollback(True)
        finally:
            with connection.cursor() as cursor:
                for name, _ in settings:
                    cursor.execute(f"RESET {name}")
            raw.remove_notice_handler(on_notice)
        guard = [p for p in plans if "moves GROUP BY account_id, party" in p]
        found[mode] = {
            "plans": plans,
            "guard_ms": float(guard[0].split("duration: ")[1].split(" ms")[0]) if guard else None,
        }
    fresh_session()
    return found


def year_end_entries(fiscal_year: Any) -> dict[str, Any]:
    from django.db.models import Count

    from ledger.models import JournalEntry

    entries = (
        JournalEntry.objects.filter(
            lab_id=fiscal_year.lab_id,
            year_end__in=[JournalEntry.YearEnd.CLOSING, JournalEntry.YearEnd.OPENING],
            fiscal_year__year__in=[fiscal_year.year, fiscal_year.year + 1],
        )
        .exclude(year_end=JournalEntry.YearEnd.OPENING, fiscal_year__year=fiscal_year.year)
        .exclude(year_end=JournalEntry.YearEnd.CLOSING, fiscal_year__year=fiscal_year.year + 1)
        .annotate(line_count=Count("lines"))
        .order_by("chain_index")
    )
    return {
        e.year_end: {"number": e.number, "date": e.date.isoformat(), "lines": e.line_count}
        for e in entries
    }


def verify(lab: Any) -> dict[str, Any]:
    from ledger.selectors import ledger_verify

    started = time.perf_counter()
    outcome = ledger_verify(lab=lab)
    return {
        "ok": outcome.ok,
        "entries": outcome.entries,
        "first_bad": outcome.first_bad,
        "reason": outcome.reason,
        "seconds": time.perf_counter() - started,
    }


# -- plans --------------------------------------------------------------------------------


def guard_query(fiscal_year: Any) -> tuple[str, list[Any]]:
    """The guard's check that the next year's opening balances equal the closing ones
    (ledger/db_guards.py, run by the status update), as a SELECT of its own."""
    from ledger import db_guards

    values = {
        "lab_id": fiscal_year.lab_id,
        "start_date": fiscal_year.start_date,
        "end_date": fiscal_year.end_date,
        "year": fiscal_year.year,
    }
    params: list[Any] = []

    def placeholder(match: re.Match[str]) -> str:
        params.append(values[match.group(1)])
        return "%s"

    sql = re.sub(
        r"NEW\.(lab_id|start_date|end_date|year)\b", placeholder, db_guards._OPENING_DIFFERS
    )
    return f"SELECT {sql}", params


def plans(fiscal_year: Any, slow: list[dict[str, Any]], over: float) -> dict[str, str]:
    """The plan of each query of the close slower than `over` seconds (one per distinct
    SQL, chain verification aside) and of the guard's query."""
    from bench.core import explain

    found: dict[str, str] = {}
    for query in slow:
        if query["seconds"] < over or query["params"] is None:
            continue
        if "_chain_item" in query["phase"] or query["sql"].startswith("UPDATE"):
            continue
        key = f"{query['phase']}: {query['sql'][:60]}"
        if key not in found:
            found[key] = explain(query["sql"], query["params"])
    sql, params = guard_query(fiscal_year)
    found["guard (status update), as a SELECT"] = explain(sql, params)
    return found


# -- report -------------------------------------------------------------------------------


def _report(results: list[dict[str, Any]]) -> None:
    for result in results:
        print(f"\n== {result['database']} {result['server_version']} ==")
        ledger = result["ledger"]
        print(
            f"{ledger['lab']} {ledger['year']}: {ledger['year_lines']:,} lines,"
            f" {ledger['year_entries']:,} entries ({ledger['lab_entries']:,} in the lab's chain,"
            f" {ledger['table_lines']:,} lines in the table); class 4 lines naming a third"
            f" party: {ledger['class4_lines_with_third_party']:,} of {ledger['class4_lines']:,}"
        )
        print(f"setup: {result['setup']}")
        print(f"load: {result['load_before']['uptime']}; {result['load_before']['cpu_pressure']}")
        print(f"  {'checklist item, alone':<40} {'median s':>9} {'min s':>7} {'cpu s':>7}  ok")
        for name, item in result["checklist_items"].items():
            print(
                f"  {name:<40} {item['median_s']:>9.3f} {item['min_s']:>7.3f}"
                f" {item['cpu_s']:>7.3f}  {item['ok']}"
            )
        c = result["close"]
        print(
            f"fiscal_year_close: {c['seconds']:.2f} s (CPU {c['cpu_s']:.2f} s), of which the"
            f" chain {c['chain_s']:.2f} s: {c['without_chain_s']:.2f} s without it;"
            f" {c['queries']} queries; load {result['load_close']['uptime']}"
        )
        print(f"  {'phase':<52} {'s':>8} {'calls':>5} {'queries':>7} {'sql s':>7}")
        for row in c["phases"]:
            name = "  " * (len(row["phase"]) - 1) + row["phase"][-1]
            print(
                f"  {name:<52} {row['seconds']:>8.3f} {row['calls']:>5} {row['queries']:>7}"
                f" {row['sql_s']:>7.3f}"
            )
        entries = result["year_end_entries"]
        print(
            "year-end entries: "
            + ", ".join(f"{kind} {e['number']} {e['lines']} lines" for kind, e in entries.items())
        )
        v = result["verify"]
        state = "ok" if v["ok"] else f"FAILED at {v['first_bad']}: {v['reason']}"
        print(
            f"ledger_verify after the close: {v['entries']:,} entries {state}"
            f" ({v['seconds']:.1f} s)"
        )
        print("slowest queries of the close:")
        for query in c["slow_queries"][:8]:
            print(f"  {query['seconds']:.3f} s  [{query['phase']}]  {query['sql'][:110]}")
        for name, plan in result["plans"].items():
            print(f"plan {name}:")
            print("\n".join(f"    {line}" for line in plan.splitlines()))
        for mode, captured in result.get("trigger_plans", {}).items():
            for plan in captured["plans"]:
                print(f"plan inside the close (auto_explain, plan_cache_mode {mode}):")
                print("\n".join(f"    {line}" for line in plan.splitlines()))
            print(f"guard, plan_cache_mode {mode}: {captured['guard_ms']} ms")
        print(f"written: {_json_path(result['database'], result['spec']['lines'])}")
    print()
    _summary(results)


def phase_seconds(close: dict[str, Any], name: str) -> float:
    """The time of the phases named `name` at their first level of the close."""
    return sum(
        row["seconds"]
        for row in close["phases"]
        if row["phase"][-1] == name and len(row["phase"]) <= 3
    )


def _summary(results: list[dict[str, Any]]) -> None:
    """One line a run: the figures the issue asks for (seconds)."""
    print(
        f"{'database':<9} {'lines':>9} {'items*':>7} {'chain':>7} {'close':>7} {'-chain':>7}"
        f" {'closing':>8} {'opening':>8} {'carry':>6} {'guard':>7} {'commit':>7}"
        f" {'queries':>7} {'lines C/O':>10} {'verify':>7} {'generic':>7}  load"
    )
    for result in results:
        items = result["checklist_items"]
        c = result["close"]
        entries = result["year_end_entries"]
        counts = "/".join(str(entries.get(k, {}).get("lines", 0)) for k in ("closing", "opening"))
        generic_ms = result.get("trigger_plans", {}).get("force_generic_plan", {}).get("guard_ms")
        generic = generic_ms / 1000 if generic_ms is not None else float("nan")
        print(
            f"{result['database']:<9} {result['ledger']['year_lines']:>9,}"
            f" {sum(i['median_s'] for n, i in items.items() if n != '_chain_item'):>7.3f}"
            f" {items['_chain_item']['median_s']:>7.2f} {c['seconds']:>7.2f}"
            f" {c['without_chain_s']:>7.2f}"
            f" {phase_seconds(c, 'closing entry (_closing_entry)'):>8.3f}"
            f" {phase_seconds(c, 'opening entry (_opening_entry)'):>8.3f}"
            f" {phase_seconds(c, 'budget carry-over (_carry_budgets)'):>6.3f}"
            f" {phase_seconds(c, STATUS_UPDATE):>7.3f} {phase_seconds(c, COMMIT):>7.3f}"
            f" {c['queries']:>7} {counts:>10} {result['verify']['seconds']:>7.1f}"
            f" {generic:>7.3f}"
            f"  {result['load_close']['uptime'].split('load average: ')[-1]}"
        )
    print(
        f"items*: the checklist items but the chain, alone; -chain: the close less its chain"
        f" verification; generic: the guard's query in a rolled-back close with"
        f" plan_cache_mode = force_generic_plan (PostgreSQL); target {TARGET_S:.0f} s"
    )


if __name__ == "__main__":
    main()
