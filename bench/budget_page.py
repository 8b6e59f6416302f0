"""Budget page benchmark: the director's budget page of a lab with many budget lines
over a large ledger, rendered server-side.

    .venv/bin/python bench/budget_page.py [--lines 1000000] [--budget-lines 200]
        [--database sqlite|postgres|both] [--runs 15] [--warmup 3] [--keep] [--reuse]

For each database: a fresh database (SQLite: a file under bench/out/; PostgreSQL: the
database `irl_bench_budget` on 127.0.0.1:5432, created and dropped), Django's migrate,
the ledger of bench/generate.py with `--budget-lines` budget lines a lab and year (the
big lab's year also gets amendments and open commitments, some partly invoiced), ANALYZE,
then a director of the big lab (`force_login`) asks Django's test Client for

- `/labs/<LAB>/budget/<year>/` (the budget page, in book currency, SGD),
- the same with `?currency=EUR`,
- `/labs/<LAB>/budget/<year>/lines/<id>/` for the budget line with the most postings
  (its first page of postings), and its last page,
- `/`, the director's home (the lab at a glance: figures, forecasts, last month).

"Today" is pinned to 5 December of the bench's year, so the pages show the year under
way with its forecast (issue 16) and its charts.

The whole request is timed (middleware, session, view, selector, template): a few
unmeasured rounds, then `--runs` rounds, the pages taking turns within a round; median
and p90 in ms, and the CPU time of this process (on SQLite the queries run in-process).
Each page is also requested once under CaptureQueriesContext (the number of queries and
their SQL), once with the time split between the view's phases (the selector
`budget_execution`, the template, the rest; and the SQL run in each) and once under
cProfile (the top functions).

Prints a table and writes bench/out/budget-page-<database>-<lines>.json. Figures are
reported, never asserted: see bench/README.md. `--keep` keeps the database (SQLite:
bench/out/budget-<lines>.sqlite3), `--reuse` measures a kept one without generating.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env

PG_DATABASE = os.environ.get("BENCH_PG_BUDGET_DATABASE", "irl_bench_budget")
DIRECTOR = "bench.director"
TARGET_MS = 150.0
DRIVER_METHODS = ("execute", "executemany", "fetchone", "fetchmany", "fetchall")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Budget page benchmark.")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines of the big lab")
    parser.add_argument("--budget-lines", type=int, default=200, help="per lab and year")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=15, help="measured runs (median reported)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured runs first")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", action="store_true", help="keep the database after the run")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a --keep run left"
    )
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    if args.database != "both":
        _report([run(args.database, args)])
        return
    results = env.each_database(__file__, args, lambda db: _json_path(db, args.lines))
    print("\n== Both databases ==")
    _summary(results)


def _json_path(database: str, lines: int) -> Path:
    return env.OUT / f"budget-page-{database}-{lines}.json"


def run(database: str, args: argparse.Namespace) -> dict[str, Any]:
    """The benchmark on one database (fresh unless --reuse); returns and writes results."""
    sqlite_file = env.OUT / f"budget-{args.lines}.sqlite3"
    with env.database(
        database, sqlite_file=sqlite_file, pg_name=PG_DATABASE, reuse=args.reuse, keep=args.keep
    ):
        result = _measure(database, args)
    _json_path(database, args.lines).write_text(json.dumps(result, indent=2, default=str))
    return result


def _measure(database: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.core import load
    from bench.generate import LedgerSpec, analyze, generate

    spec = LedgerSpec(lines=args.lines, seed=args.seed, budget_lines=args.budget_lines)
    result: dict[str, Any] = {"database": database, "spec": spec.__dict__}
    result["server_version"] = env.server_version()
    if not args.reuse:
        result["migrate_s"] = env.migrate()
        print(f"[{database}] generating {args.lines:,} lines ...", flush=True)
        generated = generate(spec, log=lambda text: print(f"[{database}] {text}", flush=True))
        result["generated"] = generated.__dict__
        result["analyze_s"] = analyze()
    page = BudgetPage.of(spec)
    result["ledger"] = page.describe()
    print(f"[{database}] {result['ledger']}", flush=True)
    result["load_before"] = load()
    result["cpu_pressure_before"] = cpu_pressure()
    result["pages"] = page.measure(args.runs, args.warmup)
    result["load_after"] = load()
    result["cpu_pressure_after"] = cpu_pressure()
    return result


def cpu_pressure() -> str:
    """Linux's CPU pressure: the share of time some runnable task waited for a CPU (avg10,
    avg60, avg300), the contention the load average only hints at."""
    try:
        return Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return "n/a"


def quantile_ms(runs: list[float], q: int) -> float:
    """The q-th percentile (inclusive method) of `runs` seconds, in ms."""
    return 1000 * statistics.quantiles(runs, n=100, method="inclusive")[q - 1]


@contextmanager
def timed_phases(phases: dict[str, list[tuple[Any, str]]]) -> Iterator[dict[str, Any]]:
    """Wall time spent in each of `phases` (name: (module, attribute) of the functions the
    views call), and the time and number of the SQL queries run in each; what runs
    outside them is counted under "rest". On SQLite a query's rows are stepped through
    as they are fetched, mostly after `execute` returns: its `sql_s` is only a floor."""
    from unittest import mock

    from django.db import connection

    wall: dict[str, float] = defaultdict(float)
    sql: dict[str, float] = defaultdict(float)
    queries: dict[str, int] = defaultdict(int)
    current = ["rest"]

    def wrap(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            outer, current[0] = current[0], name
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                wall[name] += time.perf_counter() - started
                current[0] = outer

        return wrapped

    def on_query(execute: Any, sql_text: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            sql[current[0]] += time.perf_counter() - started
            queries[current[0]] += 1

    patches = [
        mock.patch.object(module, attribute, wrap(name, getattr(module, attribute)))
        for name, targets in phases.items()
        for module, attribute in targets
    ]
    found: dict[str, Any] = {}
    started = time.perf_counter()
    with connection.execute_wrapper(on_query):
        for patch in patches:
            patch.start()
        try:
            yield found
        finally:
            for patch in patches:
                patch.stop()
    total = time.perf_counter() - started
    found["total_ms"] = 1000 * total
    found["rest_ms"] = 1000 * (total - sum(wall.values()))
    for name in [*phases, "rest"]:
        if name != "rest":
            found[f"{name}_ms"] = 1000 * wall[name]
        found[f"{name}_sql_ms"] = 1000 * sql[name]
        found[f"{name}_queries"] = queries[name]


def profile(action: Callable[[], object], top: int = 30) -> dict[str, Any]:
    """One call of `action` under cProfile: the top functions by cumulative time, and
    the time spent inside the database driver's cursor methods (execute, fetch)."""
    profiler = cProfile.Profile()
    profiler.enable()
    action()
    profiler.disable()
    stats = pstats.Stats(profiler)
    driver = 0.0
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _, name), (_, _, tottime, cumtime, _) in raw.items():
        if filename == "~" and "of 'sqlite3.Cursor' objects" in name:
            driver += tottime  # SQLite: the C methods, the query runs inside them
        elif filename.endswith("psycopg/cursor.py") and name in DRIVER_METHODS:
            driver += cumtime  # PostgreSQL: the client's methods, waiting for the server
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    by_tottime = io.StringIO()
    pstats.Stats(profiler, stream=by_tottime).sort_stats("tottime").print_stats(top)
    return {
        "total_s": stats.total_tt,  # type: ignore[attr-defined]
        "driver_s": driver,
        "cumulative": text.getvalue(),
        "tottime": by_tottime.getvalue(),
    }


class BudgetPage:
    """The pages a director of the big lab asks for, and how they are measured."""

    def __init__(self, lab: Any, year: int, fiscal_year: Any, heaviest: Any) -> None:
        from django.conf import settings
        from django.contrib.auth.models import User
        from django.test import Client
        from django.urls import reverse

        import ledger.views
        from irls import services as irls_services
        from irls.models import Role, RoleGrant

        self.lab, self.year, self.fiscal_year, self.heaviest = lab, year, fiscal_year, heaviest
        # What the views call: the time spent in each is measured apart (timed_phases).
        self.phases: dict[str, list[tuple[Any, str]]] = {
            "selector": [(ledger.views, "budget_execution")],
            "template": [(ledger.views, "render")],
        }
        director, _ = User.objects.get_or_create(username=DIRECTOR)
        if not RoleGrant.objects.filter(user_id=director.pk, role=Role.DIRECTOR).exists():
            irls_services.role_grant(acting_user=None, user=director, role=Role.DIRECTOR, lab=lab)
        host = next((h for h in settings.ALLOWED_HOSTS if h and h[0] not in ".*"), "localhost")
        self.client = Client(SERVER_NAME=host)
        self.client.force_login(director)
        budget = reverse("ledger:budget", args=[lab.code, year])
        line = reverse("ledger:budget_line", args=[lab.code, year, heaviest.pk])
        self.postings = heaviest.lines.filter(entry_date__isnull=False).count()
        from ledger.views import POSTINGS_PER_PAGE

        last = max(1, -(-self.postings // POSTINGS_PER_PAGE))
        self.urls = {
            "budget SGD": budget,
            "budget EUR": f"{budget}?currency=EUR",
            "line": line,
            f"line, page {last}": f"{line}?page={last}",
            "home": "/",
        }

    @classmethod
    def of(cls, spec: Any) -> "BudgetPage":
        from django.db.models import Count

        from bench.chart import LAB_CODES
        from irls.models import Lab
        from ledger.models import BudgetLine, FiscalYear

        lab = Lab.objects.get(code=LAB_CODES[0])
        fiscal_year = FiscalYear.objects.get(lab=lab, year=spec.year)
        heaviest = (
            BudgetLine.objects.filter(lab=lab, fiscal_year=fiscal_year)
            .annotate(n=Count("lines"))
            .order_by("-n", "id")
            .first()
        )
        return cls(lab, spec.year, fiscal_year, heaviest)

    def describe(self) -> dict[str, Any]:
        from ledger.models import BudgetAmendment, BudgetLine, Commitment, JournalLine
        from ledger.selectors.budget import OPEN_STATUSES

        lines = JournalLine.objects.filter(
            lab=self.lab, entry_date__year=self.year, entry_date__isnull=False
        )
        budget_lines = BudgetLine.objects.filter(lab=self.lab, fiscal_year=self.fiscal_year)
        return {
            "lab": self.lab.code,
            "year": self.year,
            "ledger_lines_in_year": lines.count(),
            "ledger_lines_tagged": lines.filter(budget_line__isnull=False).count(),
            "ledger_lines_all_labs_years": JournalLine.objects.count(),
            "budget_lines": budget_lines.count(),
            "funding_sources": budget_lines.values("funding_source").distinct().count(),
            "amendments": BudgetAmendment.objects.filter(budget_line__in=budget_lines).count(),
            "open_commitments": Commitment.objects.filter(
                budget_line__in=budget_lines, status__in=OPEN_STATUSES
            ).count(),
            "heaviest_line": self.heaviest.code,
            "heaviest_line_postings": self.postings,
            "urls": self.urls,
        }

    def get(self, url: str) -> Any:
        from unittest import mock

        today = date(self.year, 12, 5)
        with mock.patch("django.utils.timezone.localdate", return_value=today):
            response = self.client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"{url}: {response.status_code}")
        return response

    def check(self, urls: dict[str, str]) -> dict[str, int]:
        """Every page answers 200 and shows what it should; their sizes in bytes."""
        from ledger.models import BudgetLine

        codes = list(
            BudgetLine.objects.filter(lab=self.lab, fiscal_year=self.fiscal_year).values_list(
                "code", flat=True
            )
        )
        sizes = {}
        for name, url in urls.items():
            html = self.get(url).content.decode()
            if name.startswith("budget") and not all(f">{code}<" in html for code in codes):
                raise AssertionError(f"{name}: some budget lines are missing")
            if name.startswith("line") and self.heaviest.code not in html:
                raise AssertionError(f"{name}: not the page of {self.heaviest.code}")
            if name.startswith("budget EUR") and "Conversion to EUR" not in html:
                raise AssertionError("budget EUR: the amounts are not in EUR")
            if name.startswith("budget") and 'id="forecast-title"' not in html:
                raise AssertionError(f"{name}: no forecast")
            if name == "home" and f'id="overview-{self.lab.code}"' not in html:
                raise AssertionError("home: the lab is not at a glance")
            sizes[name] = len(html.encode())
        return sizes

    def queries(self, url: str) -> list[str]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            self.get(url)
        return [f"[{q['time']} s] {q['sql']}" for q in captured.captured_queries]

    def measure(self, runs: int, warmup: int, urls: dict[str, str] | None = None) -> dict[str, Any]:
        """Timings, queries, phases and a profile of each page of `urls` (default: all)."""
        urls = urls or self.urls
        sizes = self.check(urls)
        for _ in range(warmup):
            for url in urls.values():
                self.get(url)
        wall: dict[str, list[float]] = {name: [] for name in urls}
        cpu: dict[str, list[float]] = {name: [] for name in urls}
        for _ in range(runs):
            for name, url in urls.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                self.get(url)
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - started_cpu)
        result: dict[str, Any] = {}
        for name, url in urls.items():
            sql = self.queries(url)
            with timed_phases(self.phases) as phases:
                self.get(url)
            result[name] = {
                "url": url,
                "median_ms": 1000 * statistics.median(wall[name]),
                "p90_ms": quantile_ms(wall[name], 90),
                "min_ms": 1000 * min(wall[name]),
                "cpu_median_ms": 1000 * statistics.median(cpu[name]),
                "queries": len(sql),
                "bytes": sizes.get(name),
                "runs_ms": [round(1000 * t, 2) for t in wall[name]],
                "phases": phases,
                "profile": profile(lambda url=url: self.get(url)),  # type: ignore[misc]
                "sql": sql,
            }
        return result


def _report(results: list[dict[str, Any]]) -> None:
    for result in results:
        print(f"\n== {result['database']} {result['server_version']} ==")
        if "generated" in result:
            generated = result["generated"]
            seconds = ", ".join(f"{k} {v:.1f} s" for k, v in generated["seconds"].items())
            print(
                f"ledger: {generated['lines']:,} lines, {generated['entries']:,} entries"
                f" ({seconds}); ANALYZE {result['analyze_s']:.1f} s"
            )
        ledger = result["ledger"]
        print(
            f"{ledger['lab']} {ledger['year']}: {ledger['ledger_lines_in_year']:,} lines"
            f" ({ledger['ledger_lines_tagged']:,} on a budget line),"
            f" {ledger['budget_lines']} budget lines of {ledger['funding_sources']} sources,"
            f" {ledger['amendments']} amendments, {ledger['open_commitments']} open"
            f" commitments; heaviest line {ledger['heaviest_line']}"
            f" ({ledger['heaviest_line_postings']:,} postings)"
            f" (load average {result['load_before']} -> {result['load_after']})"
        )
        print(f"CPU pressure: {result['cpu_pressure_before']} -> {result['cpu_pressure_after']}")
        _table(result["pages"])
        print(f"written: {_json_path(result['database'], result['spec']['lines'])}")
    print()
    _summary(results)


def _table(pages: dict[str, Any]) -> None:
    print(
        f"  {'page':<26} {'median ms':>9} {'p90 ms':>7} {'cpu ms':>7} {'queries':>7}"
        f" {'selector':>9} {'template':>9} {'rest':>6} {'sql':>6} {'KB':>5}"
    )
    for name, page in pages.items():
        phases = page["phases"]
        sql = sum(v for k, v in phases.items() if k.endswith("_sql_ms"))
        print(
            f"  {name:<26} {page['median_ms']:>9.1f} {page['p90_ms']:>7.1f}"
            f" {page['cpu_median_ms']:>7.1f} {page['queries']:>7}"
            f" {phases['selector_ms']:>9.1f} {phases['template_ms']:>9.1f}"
            f" {phases['rest_ms']:>6.1f} {sql:>6.1f} {(page['bytes'] or 0) / 1024:>5.0f}"
        )


def _summary(results: list[dict[str, Any]]) -> None:
    """One line a database and page: median / p90 / CPU ms and queries (target: median
    under 150 ms)."""
    print(
        f"{'database':<10} {'page':<16} {'median ms':>9} {'p90 ms':>7} {'cpu ms':>7}"
        f" {'queries':>7}  {'target':<6}"
    )
    for result in results:
        for name, page in result["pages"].items():
            state = "ok" if page["median_ms"] < TARGET_MS else "OVER"
            print(
                f"{result['database']:<10} {name:<16} {page['median_ms']:>9.1f}"
                f" {page['p90_ms']:>7.1f} {page['cpu_median_ms']:>7.1f} {page['queries']:>7}"
                f"  {state}"
            )


if __name__ == "__main__":
    main()
