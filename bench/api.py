"""REST API benchmark (issue 15): over a ledger of 1,000,000 lines, the entries listing
one page of 100 at a time (target: median under 50 ms) and the account balances at a
date, the trial balance's figures (target: under 0.3 s), on SQLite and PostgreSQL.

    .venv/bin/python bench/api.py                          # both databases, 1,000,000 lines
    .venv/bin/python bench/api.py --database sqlite        # or postgres
    .venv/bin/python bench/api.py --lines 200000 --runs 11

For each database: a fresh database (SQLite: bench/out/api-<lines>.sqlite3; PostgreSQL:
`irl_bench_api` on 127.0.0.1:5432, or BENCH_PG_API_DATABASE), Django's migrate, the
ledger of bench/generate.py (the big lab holds `--lines` lines of its year), ANALYZE;
then an office-wide accountant's personal token (api/services.py) sends, through
Django's test Client (the whole request: middleware, token lookup, rate limit, role
check, selector, JSON), timed after `--warmup` unmeasured rounds, `--runs` rounds of:

- `GET /api/v1/labs/<lab>/entries?limit=100`: the first page;
- the same, four pages further by `next_cursor` (the fifth page);
- `GET .../entries?limit=100&account=6064`: filtered by account;
- `GET .../entries?limit=100&date_from=<year>-03-01&date_to=<year>-03-31`: a month;
- `GET .../balances?date_to=<year>-12-31`: every account's balance at the year's end;
- `GET .../balances?date_to=<year>-06-30`: at mid-year (opening plus half a year).

Median, p90 and the CPU time of this process (SQLite's queries run in it). Writes
bench/out/api-<database>-<lines>.json; figures are reported in bench/README.md, never
asserted.
"""

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env

PG_DATABASE = os.environ.get("BENCH_PG_API_DATABASE", "irl_bench_api")
ACCOUNTANT = "bench.api"
TARGETS_MS = {"entries": 50.0, "balances": 300.0}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="REST API benchmark.")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines of the big lab")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse the database kept before")
    return parser.parse_args()


def _json_path(database: str, lines: int) -> Path:
    return env.OUT / f"api-{database}-{lines}.json"


def main() -> None:
    args = _arguments()
    if args.database != "both":
        _report([run(args.database, args)])
        return
    results = env.each_database(__file__, args, lambda vendor: _json_path(vendor, args.lines))
    print("\n== Both databases ==")
    _report(results)


def run(database: str, args: argparse.Namespace) -> dict[str, Any]:
    with env.database(
        database,
        sqlite_file=env.OUT / f"api-{args.lines}.sqlite3",
        pg_name=PG_DATABASE,
        reuse=args.reuse,
        keep=args.keep,
    ):
        result = _measure(database, args)
    env.OUT.mkdir(parents=True, exist_ok=True)
    _json_path(database, args.lines).write_text(json.dumps(result, indent=2, default=str))
    return result


def _client_and_urls(year: int) -> tuple[Any, dict[str, str], dict[str, Any]]:
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    from api.services import token_create
    from bench.chart import LAB_CODES
    from irls import services as irls_services
    from irls.models import Role, RoleGrant
    from ledger.models import JournalLine

    settings.API_RATE_LIMIT = 0  # a benchmark is no abuse
    user, _ = User.objects.get_or_create(username=ACCOUNTANT)
    if not RoleGrant.objects.filter(user_id=user.pk, role=Role.ACCOUNTANT).exists():
        irls_services.role_grant(acting_user=None, user=user, role=Role.ACCOUNTANT, lab=None)
    _token, secret = token_create(acting_user=user, name="bench", days=1)
    host = next((h for h in settings.ALLOWED_HOSTS if h and h[0] not in ".*"), "localhost")
    client = Client(SERVER_NAME=host, HTTP_AUTHORIZATION=f"Bearer {secret}")
    code = LAB_CODES[0]
    base = f"/api/v1/labs/{code}"
    first = f"{base}/entries?limit=100"
    url = first
    for _page in range(4):
        cursor = client.get(url).json()["next_cursor"]
        url = f"{first}&cursor={cursor}"
    urls = {
        "entries: first page": first,
        "entries: fifth page": url,
        "entries: account 6064": f"{first}&account=6064",
        "entries: a month": f"{first}&date_from={year}-03-01&date_to={year}-03-31",
        "balances: year end": f"{base}/balances?date_to={year}-12-31",
        "balances: mid-year": f"{base}/balances?date_to={year}-06-30",
    }
    ledger = {
        "lab": code,
        "lines": JournalLine.objects.filter(lab__code=code).count(),
        "lines_all_labs": JournalLine.objects.count(),
    }
    return client, urls, ledger


def _measure(database: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.core import load
    from bench.generate import LedgerSpec, analyze, generate

    logging.disable(logging.INFO)  # the request log would print every request
    spec = LedgerSpec(lines=args.lines, seed=args.seed)
    result: dict[str, Any] = {"database": database, "server_version": env.server_version()}
    if not args.reuse:
        result["migrate_s"] = env.migrate()
        print(f"[{database}] generating {args.lines:,} lines ...", flush=True)
        generate(spec, log=lambda text: print(f"[{database}] {text}", flush=True))
        result["analyze_s"] = analyze()
    client, urls, result["ledger"] = _client_and_urls(spec.year)
    print(f"[{database}] {result['ledger']}", flush=True)
    for url in urls.values():
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code, answer.content[:300])
    result["items_first_page"] = len(client.get(urls["entries: first page"]).json()["items"])
    result["accounts_year_end"] = len(client.get(urls["balances: year end"]).json()["accounts"])
    result["load_before"] = load()
    timings: dict[str, list[float]] = {name: [] for name in urls}
    cpu: dict[str, list[float]] = {name: [] for name in urls}
    for round_ in range(args.warmup + args.runs):
        for name, url in urls.items():
            wall, used = time.perf_counter(), time.process_time()
            client.get(url)
            wall, used = time.perf_counter() - wall, time.process_time() - used
            if round_ >= args.warmup:
                timings[name].append(wall * 1000)
                cpu[name].append(used * 1000)
    result["load_after"] = load()
    result["requests"] = {
        name: {
            "url": urls[name],
            "median_ms": round(statistics.median(values), 1),
            "p90_ms": round(statistics.quantiles(values, n=10)[-1], 1),
            "cpu_median_ms": round(statistics.median(cpu[name]), 1),
        }
        for name, values in timings.items()
    }
    return result


def _report(results: list[dict[str, Any]]) -> None:
    names = list(results[0]["requests"])
    header = "request".ljust(26) + "".join(f"{r['database']:>22}" for r in results) + "   target"
    print(header)
    for name in names:
        target = TARGETS_MS[name.split(":")[0]]
        cells = "".join(
            f"{r['requests'][name]['median_ms']:>10.1f} (p90 {r['requests'][name]['p90_ms']:>6.1f})"
            for r in results
        )
        print(f"{name:<26}{cells}   < {target:.0f} ms")
    for r in results:
        print(f"{r['database']}: {r['ledger']}, load {r['load_before']} -> {r['load_after']}")


if __name__ == "__main__":
    main()
