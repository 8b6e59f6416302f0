"""Entries list benchmark: a lab's Entries page over a large ledger, rendered
server-side (issue 12: "entries list, filtered over 1,000,000 lines: server time under
100 ms median").

    .venv/bin/python bench/entry_list.py [--lines 1000000] [--database sqlite|postgres|both]
        [--runs 15] [--warmup 3] [--drafts 200] [--keep] [--reuse]

For each database: a fresh database (SQLite: bench/out/entries-<lines>.sqlite3;
PostgreSQL: `irl_bench_entries` on 127.0.0.1:5432, or BENCH_PG_ENTRIES_DATABASE),
Django's migrate, the ledger of bench/generate.py, `--drafts` drafts of the big lab
written through `entry_create_draft` (one in ten unbalanced), ANALYZE; then an
office-wide accountant (`force_login`) asks Django's test Client for the Entries page
of the big lab:

- unfiltered (its first page),
- filtered by account (6064 supplies, ~4% of the lines; and 512 bank, the busiest),
- filtered by month (March),
- searched by an amount of one of its lines, as English writes it ("1,234.56"),
- the second page of the unfiltered list (its "Older" link).

The whole request is timed (middleware, session, view, selector, template): `--warmup`
unmeasured rounds, then `--runs` rounds, the pages taking turns; median, p90, the CPU
time of this process (on SQLite the queries run in-process). Each page is also asked
once under CaptureQueriesContext (queries and SQL) and once with the time split between
the page's entries (`_page_ids`), their rows (`entry_rows`), the totals
(`entry_totals`), the template and the rest. The posted entries' totals are kept in
Django's cache until the next posting (`entry_list._posted_totals`): the rounds above
are what an accountant paging and filtering sees; then `--runs` more rounds with the
cache emptied before each request ("cold": the first look at a filter since the cache
was emptied), and `--runs` rounds each after posting one entry through the services
("after a posting": the kept totals plus those of the entry posted since).

Writes bench/out/entry-list-<database>-<lines>.json; figures are reported in
bench/README.md, never asserted.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env

PG_DATABASE = os.environ.get("BENCH_PG_ENTRIES_DATABASE", "irl_bench_entries")
ACCOUNTANT = "bench.accountant"
TARGET_MS = 100.0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Entries list benchmark.")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines of the big lab")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=15, help="measured runs (median reported)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured runs first")
    parser.add_argument("--drafts", type=int, default=200, help="drafts added to the big lab")
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
    results = env.each_database(__file__, args, lambda vendor: _json_path(vendor, args.lines))
    print("\n== Both databases ==")
    _summary(results)


def _json_path(database: str, lines: int) -> Path:
    return env.OUT / f"entry-list-{database}-{lines}.json"


def run(database: str, args: argparse.Namespace) -> dict[str, Any]:
    """The benchmark on one database (fresh unless --reuse); returns and writes results."""
    with env.database(
        database,
        sqlite_file=env.OUT / f"entries-{args.lines}.sqlite3",
        pg_name=PG_DATABASE,
        reuse=args.reuse,
        keep=args.keep,
    ):
        result = _measure(database, args)
    _json_path(database, args.lines).write_text(json.dumps(result, indent=2, default=str))
    return result


def _measure(database: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.budget_page import cpu_pressure
    from bench.core import load
    from bench.generate import LedgerSpec, analyze, generate

    spec = LedgerSpec(lines=args.lines, seed=args.seed)
    result: dict[str, Any] = {"database": database, "spec": spec.__dict__}
    result["server_version"] = env.server_version()
    if not args.reuse:
        result["migrate_s"] = env.migrate()
        print(f"[{database}] generating {args.lines:,} lines ...", flush=True)
        generated = generate(spec, log=lambda text: print(f"[{database}] {text}", flush=True))
        result["generated"] = generated.__dict__
        result["drafts_s"] = add_drafts(spec, args.drafts)
        result["analyze_s"] = analyze()
    page = EntriesPage.of(spec)
    result["ledger"] = page.describe()
    print(f"[{database}] {result['ledger']}", flush=True)
    result["load_before"] = load()
    result["cpu_pressure_before"] = cpu_pressure()
    result["pages"] = page.measure(args.runs, args.warmup)
    result["load_after"] = load()
    result["cpu_pressure_after"] = cpu_pressure()
    return result


def add_drafts(spec: Any, count: int) -> float:
    """`count` drafts in the big lab's year, through the service (one in ten unbalanced,
    as an accountant leaves them): the list reads drafts and posted entries apart."""
    from bench.chart import LAB_CODES
    from bench.generate import bench_user
    from irls.models import Lab
    from ledger import services
    from ledger.models import Account, Journal

    started = time.perf_counter()
    lab = Lab.objects.get(code=LAB_CODES[0])
    user = bench_user()
    purchases = Journal.objects.filter(lab=lab, kind="purchases").order_by("code")[0]
    misc = Account.objects.get(lab=lab, code="6068")
    supplier = Account.objects.get(lab=lab, code="401")
    for n in range(count):
        amount = Decimal(100 + n) + Decimal("0.25")
        services.entry_create_draft(
            acting_user=user,
            lab=lab,
            journal=purchases,
            date=date(spec.year, 1 + n % 12, 1 + n % 28),
            label=f"Draft {n}",
            piece_ref=f"DRAFT-{n}",
            lines=[
                services.LineInput(account=misc, debit=amount, third_party="S0001"),
                services.LineInput(
                    account=supplier,
                    credit=amount - (1 if n % 10 == 0 else 0),
                    third_party="S0001",
                ),
            ],
        )
    return time.perf_counter() - started


def post_one(year: int, n: int) -> None:
    """Post one supplier payment by bank (accounts 401 and 512, 15 March), through the
    services: the lab's hash chain moves on."""
    from bench.chart import LAB_CODES
    from bench.generate import bench_user
    from irls.models import Lab
    from ledger import services
    from ledger.models import Account, Journal

    lab = Lab.objects.get(code=LAB_CODES[0])
    user = bench_user()
    amount = Decimal(500 + n) + Decimal("0.75")
    entry = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=Journal.objects.filter(lab=lab, kind="purchases").order_by("code")[0],
        date=date(year, 3, 15),
        label=f"Posted while measuring {n}",
        piece_ref=f"LIVE-{n}",
        lines=[
            services.LineInput(account=Account.objects.get(lab=lab, code="401"), debit=amount),
            services.LineInput(account=Account.objects.get(lab=lab, code="512"), credit=amount),
        ],
    )
    services.entry_post(acting_user=user, entry=entry)


class EntriesPage:
    """The Entries pages an accountant of the big lab asks for, and how they are measured."""

    def __init__(self, lab: Any, year: int) -> None:
        from django.conf import settings
        from django.contrib.auth.models import User
        from django.test import Client
        from django.urls import reverse

        import ledger.selectors.entry_list as selector
        import ledger.views_entry_list as view
        from irls import services as irls_services
        from irls.models import Role, RoleGrant
        from ledger.models import Account, JournalLine

        self.lab, self.year = lab, year
        self.phases: dict[str, list[tuple[Any, str]]] = {
            "page_ids": [(selector, "_page_ids")],
            "rows": [(selector, "entry_rows")],
            "totals": [(selector, "entry_totals")],
            "template": [(view, "render")],
        }
        user, _ = User.objects.get_or_create(username=ACCOUNTANT)
        if not RoleGrant.objects.filter(user_id=user.pk, role=Role.ACCOUNTANT).exists():
            irls_services.role_grant(acting_user=None, user=user, role=Role.ACCOUNTANT, lab=None)
        host = next((h for h in settings.ALLOWED_HOSTS if h and h[0] not in ".*"), "localhost")
        self.client = Client(SERVER_NAME=host)
        self.client.force_login(user)
        url = reverse("ledger:entries", args=[lab.code])
        accounts = {a.code: a.pk for a in Account.objects.filter(lab=lab, code__in=["6064", "512"])}
        # An amount of one line of the middle of the year, as English writes it.
        middle = (
            JournalLine.objects.filter(lab=lab, entry_date=date(year, 6, 16), debit__gt=0)
            .order_by("id")
            .values_list("debit", flat=True)
            .first()
        ) or Decimal("1000.50")
        self.amount = f"{middle:,.2f}"
        self.urls = {
            "first page": url,
            "account 6064": f"{url}?account={accounts['6064']}",
            "account 512": f"{url}?account={accounts['512']}",
            "month": f"{url}?month={year}-03",
            "search amount": f"{url}?q={self.amount}",
        }
        html = self.get(url).content.decode()
        older = html.split('rel="next"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
        self.urls["second page"] = url + older.replace("&amp;", "&")

    @classmethod
    def of(cls, spec: Any) -> "EntriesPage":
        from bench.chart import LAB_CODES
        from irls.models import Lab

        return cls(Lab.objects.get(code=LAB_CODES[0]), spec.year)

    def describe(self) -> dict[str, Any]:
        from ledger.models import JournalEntry, JournalLine

        return {
            "lab": self.lab.code,
            "entries": JournalEntry.objects.filter(lab=self.lab).count(),
            "drafts": JournalEntry.objects.filter(lab=self.lab, status="draft").count(),
            "lines": JournalLine.objects.filter(lab=self.lab).count(),
            "lines_all_labs": JournalLine.objects.count(),
            "amount_searched": self.amount,
            "urls": self.urls,
        }

    def get(self, url: str) -> Any:
        response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        if response.status_code != 200:
            raise AssertionError(f"{url}: {response.status_code}")
        return response

    def check(self) -> dict[str, dict[str, Any]]:
        """Every page answers 200 with rows; what each says of its totals, and its size."""
        found = {}
        for name, url in self.urls.items():
            html = self.get(url).content.decode()
            rows = html.count('<tr class="entry-row')
            if rows == 0:
                raise AssertionError(f"{name}: no entry listed")
            count = html.split('id="entries-title"', 1)[1].split("</h2>", 1)[0]
            found[name] = {
                "rows": rows,
                "heading": " ".join(count.split(">", 1)[1].split()),
                "bytes": len(html.encode()),
            }
        return found

    def queries(self, url: str) -> list[str]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            self.get(url)
        return [f"[{q['time']} s] {q['sql']}" for q in captured.captured_queries]

    def measure(self, runs: int, warmup: int) -> dict[str, Any]:
        from bench.budget_page import quantile_ms, timed_phases

        shown = self.check()
        for _ in range(warmup):
            for url in self.urls.values():
                self.get(url)
        wall: dict[str, list[float]] = {name: [] for name in self.urls}
        cpu: dict[str, list[float]] = {name: [] for name in self.urls}
        for _ in range(runs):
            for name, url in self.urls.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                self.get(url)
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - started_cpu)
        # Cold: the cache emptied before each request (the first look at a filter).
        from django.core.cache import cache

        cold: dict[str, list[float]] = {name: [] for name in self.urls}
        for _ in range(runs):
            for name, url in self.urls.items():
                cache.clear()
                started = time.perf_counter()
                self.get(url)
                cold[name].append(time.perf_counter() - started)
        # After a posting: the kept totals plus those of the entry posted since.
        for url in self.urls.values():  # every page's totals kept at the current head
            self.get(url)
        after: dict[str, list[float]] = {name: [] for name in self.urls}
        for n in range(runs):
            post_one(self.year, n)
            for name, url in self.urls.items():
                started = time.perf_counter()
                self.get(url)
                after[name].append(time.perf_counter() - started)
        result: dict[str, Any] = {}
        for name, url in self.urls.items():
            cache.clear()
            cold_sql = self.queries(url)
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
                "shown": shown[name],
                "runs_ms": [round(1000 * t, 2) for t in wall[name]],
                "cold_median_ms": 1000 * statistics.median(cold[name]),
                "cold_p90_ms": quantile_ms(cold[name], 90),
                "cold_queries": len(cold_sql),
                "after_posting_median_ms": 1000 * statistics.median(after[name]),
                "after_posting_p90_ms": quantile_ms(after[name], 90),
                "phases": phases,
                "sql": sql,
            }
        return result


def _report(results: list[dict[str, Any]]) -> None:
    for result in results:
        print(f"\n== {result['database']} {result['server_version']} ==")
        ledger = result["ledger"]
        print(
            f"{ledger['lab']}: {ledger['entries']:,} entries ({ledger['drafts']} drafts),"
            f" {ledger['lines']:,} lines ({ledger['lines_all_labs']:,} in all labs);"
            f" load {result['load_before']} -> {result['load_after']};"
            f" CPU pressure {result['cpu_pressure_before']}"
        )
        print(
            f"  {'page':<14} {'median':>7} {'p90':>7} {'cpu':>6} {'q':>3}"
            f" {'ids':>6} {'rows':>6} {'totals':>7} {'tmpl':>6} {'rest':>6}"
            f" {'cold':>7} {'p90':>7} {'posted':>7}  shown"
        )
        for name, page in result["pages"].items():
            p = page["phases"]
            print(
                f"  {name:<14} {page['median_ms']:>7.1f} {page['p90_ms']:>7.1f}"
                f" {page['cpu_median_ms']:>6.1f} {page['queries']:>3}"
                f" {p['page_ids_ms']:>6.1f} {p['rows_ms']:>6.1f} {p['totals_ms']:>7.1f}"
                f" {p['template_ms']:>6.1f} {p['rest_ms']:>6.1f}"
                f" {page['cold_median_ms']:>7.1f} {page['cold_p90_ms']:>7.1f}"
                f" {page['after_posting_median_ms']:>7.1f}  {page['shown']['heading']}"
            )
        print(f"written: {_json_path(result['database'], result['spec']['lines'])}")
    print()
    _summary(results)


def _summary(results: list[dict[str, Any]]) -> None:
    print(
        f"{'database':<10} {'page':<14} {'median ms':>9} {'p90 ms':>7} {'queries':>7}  target"
        f"  {'cold ms':>8}  target  {'after a posting':>15}  target"
    )
    for result in results:
        for name, page in result["pages"].items():
            state = "ok" if page["median_ms"] < TARGET_MS else "OVER"
            cold = "ok" if page["cold_median_ms"] < TARGET_MS else "OVER"
            fresh = "ok" if page["after_posting_median_ms"] < TARGET_MS else "OVER"
            print(
                f"{result['database']:<10} {name:<14} {page['median_ms']:>9.1f}"
                f" {page['p90_ms']:>7.1f} {page['queries']:>7}  {state:<6}"
                f"  {page['cold_median_ms']:>8.1f}  {cold:<6}"
                f"  {page['after_posting_median_ms']:>15.1f}  {fresh}"
            )


if __name__ == "__main__":
    main()
