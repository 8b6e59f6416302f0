"""Core benchmark: trial balance over a large ledger, and posting throughput.

    .venv/bin/python bench/run_core.py [--lines 1000000] [--database sqlite|postgres|both]

For each database: a fresh database (SQLite: a file under bench/out/; PostgreSQL: the
database `irl_bench` on 127.0.0.1:5432, created and dropped), Django's migrate, the
ledger of bench/generate.py, ANALYZE, then

- `ledger.selectors.trial_balance` over the full year of the big lab, against the bare
  `GROUP BY account_id` over the same rows (and entered per account, as the selector
  does), and over part of the year;
- drafts created with `entry_create_draft`, posted with `entries_post` in batches and
  with `entry_post` one by one (two-line entries; numbering, hashing, audit included);
- with --verify, `ledger_verify` over the big lab (the generated chain and the posted
  one are sound).

Prints a table and writes bench/out/core-<database>-<lines>.json. Figures are reported,
never asserted: see bench/README.md.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env

INDEX = "line_balance_idx"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Trial balance and posting benchmark.")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines of the big lab")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=9, help="measured runs (median reported)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured runs first")
    parser.add_argument("--post-entries", type=int, default=5000, help="entries posted batched")
    parser.add_argument("--post-batch", type=int, default=500, help="entries per entries_post")
    parser.add_argument("--post-single", type=int, default=500, help="entries posted one by one")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--verify", action="store_true", help="also run ledger_verify over the big lab"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database after the run")
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
    return env.OUT / f"core-{database}-{lines}.json"


def run(database: str, args: argparse.Namespace) -> dict[str, Any]:
    """The whole benchmark on one fresh database; returns (and writes) its results."""
    sqlite_file = env.OUT / f"core-{args.lines}.sqlite3"
    with env.database(database, sqlite_file=sqlite_file, keep=args.keep):
        result = _measure(database, args)
    _json_path(database, args.lines).write_text(json.dumps(result, indent=2, default=str))
    return result


def _measure(database: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench import core
    from bench.generate import LedgerSpec, analyze, bench_user, generate
    from irls.models import Lab

    spec = LedgerSpec(lines=args.lines, seed=args.seed)
    result: dict[str, Any] = {"database": database, "spec": spec.__dict__}
    result["server_version"] = env.server_version()
    result["migrate_s"] = env.migrate()
    print(f"[{database}] generating {args.lines:,} lines ...", flush=True)
    generated = generate(spec, log=lambda text: print(f"[{database}] {text}", flush=True))
    result["generated"] = generated.__dict__
    lab = Lab.objects.get(code=generated.main_lab)
    if database == "sqlite":
        # Django never runs ANALYZE: SQLite's plan without statistics, for comparison.
        print(f"[{database}] trial balance before ANALYZE ...", flush=True)
        result["trial_balance_before_analyze"] = core.trial_balance(
            lab, spec.year, runs=3, warmup=1, variants=False
        )
    result["analyze_s"] = analyze()
    print(f"[{database}] trial balance ...", flush=True)
    result["trial_balance"] = core.trial_balance(lab, spec.year, args.runs, args.warmup)
    print(f"[{database}] posting ...", flush=True)
    result["posting"] = core.posting(
        bench_user(),
        lab,
        spec.year,
        args.post_entries,
        args.post_batch,
        args.post_single,
        args.seed,
    )
    if args.verify:
        print(f"[{database}] ledger_verify ...", flush=True)
        result["verify"] = core.verify(lab)
    return result


def _report(results: list[dict[str, Any]]) -> None:
    for result in results:
        tb = result["trial_balance"]
        print(f"\n== {result['database']} {result['server_version']} ==")
        generated = result["generated"]
        seconds = ", ".join(f"{k} {v:.1f} s" for k, v in generated["seconds"].items())
        print(
            f"ledger: {generated['lines']:,} lines, {generated['entries']:,} entries in"
            f" {len(generated['labs'])} labs ({seconds}); ANALYZE {result['analyze_s']:.1f} s"
        )
        print(
            f"trial balance of {tb['lab']} {tb['date_from']}..{tb['date_to']}:"
            f" {tb['lines']:,} lines, {tb['accounts']} accounts"
            f" (load average {tb['load_before']} -> {tb['load_after']})"
        )
        _timings(tb)
        if "trial_balance_before_analyze" in result:
            print("before ANALYZE (no planner statistics):")
            _timings(result["trial_balance_before_analyze"])
        post = result["posting"]
        print(
            f"posting (two-line entries, load {post['load_before']} -> {post['load_after']}):"
            f" create_draft {post['create_draft_per_s']:.0f}/s,"
            f" entries_post batches of {post['batch']} {post['entries_post_batched_per_s']:.0f}/s,"
            f" entry_post one by one {post['entry_post_single_per_s']:.0f}/s"
        )
        print(
            f"  per CPU second of this process: create_draft {post['create_draft_per_cpu_s']:.0f},"
            f" entries_post {post['entries_post_batched_per_cpu_s']:.0f},"
            f" entry_post {post['entry_post_single_per_cpu_s']:.0f}"
        )
        print(
            f"  queries per call: entry_create_draft {post['queries_entry_create_draft']},"
            f" entry_post {post['queries_entry_post']},"
            f" entries_post of {post['batch']} {post['queries_entries_post_batch']}"
        )
        if "verify" in result:
            v = result["verify"]
            state = "ok" if v["ok"] else f"FAILED at {v['first_bad']}: {v['reason']}"
            print(f"ledger_verify {tb['lab']}: {v['entries']:,} entries {state}", end="")
            print(f" ({v['seconds']:.1f} s)")
        print(f"written: {_json_path(result['database'], result['spec']['lines'])}")
    print()
    _summary(results)


def _timings(tb: dict[str, Any]) -> None:
    print(f"  {'query':<36} {'median s':>9} {'min s':>7} {'cpu s':>7} {'x raw':>6}")
    raw = tb["timings"]["raw_group_by"]["median_s"]
    for name, t in tb["timings"].items():
        print(
            f"  {name:<36} {t['median_s']:>9.3f} {t['min_s']:>7.3f} {t['cpu_s']:>7.3f}"
            f" {t['median_s'] / raw:>6.2f}"
        )
    print(f"  {INDEX} in the plan: {tb['plans_use_index']}")
    for name, plan in tb["plans"].items():
        print(f"  plan {name}:")
        print("\n".join(f"    {line}" for line in plan.splitlines()))


def _summary(results: list[dict[str, Any]]) -> None:
    """One line a database: the figures the issue asks for (medians)."""
    print(
        f"{'database':<10} {'lines':>10} {'trial_balance':>14} {'raw GROUP BY':>13}"
        f" {'ratio':>6} {'per account':>12} {'posted/s batched':>17} {'posted/s single':>16}"
    )
    for result in results:
        tb, post = result["trial_balance"], result["posting"]
        median = {name: t["median_s"] for name, t in tb["timings"].items()}
        print(
            f"{result['database']:<10} {tb['lines']:>10,} {median['trial_balance']:>13.3f}s"
            f" {median['raw_group_by']:>12.3f}s"
            f" {median['trial_balance'] / median['raw_group_by']:>6.2f}"
            f" {median.get('raw_group_by_per_account', float('nan')):>11.3f}s"
            f" {post['entries_post_batched_per_s']:>17.0f}"
            f" {post['entry_post_single_per_s']:>16.0f}"
        )


if __name__ == "__main__":
    main()
