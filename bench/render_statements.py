"""Renderers benchmark: statements of a generated shape rendered as PDF and XLSX.

    .venv/bin/python bench/render_statements.py                  # all cases
    .venv/bin/python bench/render_statements.py --case pdf:general-ledger:10000
    .venv/bin/python bench/render_statements.py --skip-million   # all but the 1M XLSX
    .venv/bin/python bench/render_statements.py --database sqlite [--lines 1000000]
        [--keep] [--reuse]                                       # from a generated ledger

Statements are generated in memory (rows streamed from generators, as the builders
stream them from the database), so only the renderers are measured: the builders' SQL
is measured by bench/run_core.py. Each case runs in its own process, so its peak
resident memory (getrusage) is its own; `--tracemalloc` also reports the Python heap
peak (it slows the render: its time is then not comparable).

With `--database sqlite|postgres` the statement comes from a database instead: a fresh
one (SQLite: bench/out/statements-<lines>.sqlite3; PostgreSQL: `irl_bench_statements`,
or BENCH_PG_STATEMENTS_DATABASE) holding the ledger of bench/generate.py (`--lines` in
the big lab's year), or with `--reuse` the one a `--keep` run left. The big lab's
general ledger of the year as XLSX is measured twice, each in a process of its own:
`general_ledger_build` + `render_xlsx` (the lines read from the database as the sheet
is written), then `statement_issue` end to end (build, render, sha256, archive, audit
event), what a worker runs for a web request. Time, CPU, peak RSS, file size; the file
is checked to be a whole zip.

Prints a table and writes bench/out/render-statements.json (in memory) or
bench/out/render-statements-<database>-<lines>.json. Figures are reported, never
asserted: see bench/README.md.
"""

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env
from reports.statement import Column, LabHeader, Row, Section, Statement

OUT = Path(__file__).resolve().parent / "out"
PG_DATABASE = os.environ.get("BENCH_PG_STATEMENTS_DATABASE", "irl_bench_statements")
DATABASE_CASES = ("db:general-ledger-xlsx:render", "db:general-ledger-xlsx:issue")
DATABASE_TARGET_S = 40.0
DATABASE_TARGET_MB = 200.0
CASES = (
    "pdf:general-ledger:10000",
    "pdf:general-ledger:50000",
    "pdf:trial-balance:300",
    "xlsx:trial-balance:300",
    "xlsx:general-ledger:1000000",
)
TARGETS_S = {
    "pdf:general-ledger:10000": 1.5,
    "pdf:general-ledger:50000": 10.0,
    "pdf:trial-balance:300": 1.0,
    "xlsx:trial-balance:300": 1.0,
    "xlsx:general-ledger:1000000": 40.0,
}
LAB = LabHeader(
    code="BENCH",
    name="Benchmark laboratory of the CNRS office in Singapore",
    unit_number="IRL 9999",
    partners=("CNRS", "NUS", "NTU"),
)
LABELS = (
    "Office supplies",
    "Mission Singapore - Paris, return flight and per diem",
    "Chemicals and reagents for the clean room",
    "Allocation CNRS",
    "Bank charges",
    "Salaries and social charges of the contract staff, monthly payroll",
)


def _ledger_rows(account: int, count: int) -> Iterator[Row]:
    """An account of the general ledger: opening row, `count` lines, closing row."""
    balance = Decimal(account % 7 * 1000)
    debits = credits = Decimal(0)
    yield Row((None, "", "", "Opening balance", None, None, balance), "subtotal")
    for number in range(count):
        amount = Decimal((account * 7919 + number * 104729) % 900_000) / 100
        debit, credit = (amount, None) if number % 3 else (None, amount)
        balance += amount if debit else -amount
        debits += debit or 0
        credits += credit or 0
        yield Row(
            (
                date(2025, 1, 1) + timedelta(days=number * 365 // max(count, 1)),
                f"AC-2025-{account:03d}{number:06d}",
                f"INV-{number:06d}",
                LABELS[(account + number) % len(LABELS)],
                debit,
                credit,
                balance,
            )
        )
    yield Row((None, "", "", "Total and closing balance", debits, credits, balance), "subtotal")


def general_ledger(lines: int, language: str = "en") -> Statement:
    """A general ledger of `lines` lines over up to 300 accounts, rows from generators."""
    accounts = min(300, max(1, lines // 100))
    share, extra = divmod(lines, accounts)
    sections = tuple(
        Section(
            f"{600000 + account * 10} Account {account}",
            _ledger_rows(account, share + (account < extra)),
        )
        for account in range(accounts)
    )
    columns = (
        Column("date", "Date", "date", 10),
        Column("entry", "Entry", "text", 15),
        Column("piece", "Piece", "text", 14),
        Column("label", "Label", "text", 34),
        Column("debit", "Debit", "amount", 13),
        Column("credit", "Credit", "amount", 13),
        Column("balance", "Balance", "amount", 14, running=True),
    )
    return _statement("general-ledger", "General ledger 2025", columns, sections, language)


def trial_balance(accounts: int, language: str = "en") -> Statement:
    """A trial balance of `accounts` accounts in the seven classes, with subtotals."""
    columns = (
        Column("account", "Account", "text", 8),
        Column("name", "Name", "text", 30),
        Column("opening", "Opening balance", "amount", 13),
        Column("debit", "Debit", "amount", 13),
        Column("credit", "Credit", "amount", 13),
        Column("closing", "Closing balance", "amount", 13),
    )
    sections = []
    for klass in range(1, 8):
        rows = []
        total = [Decimal(0)] * 4
        for number in range(klass - 1, accounts, 7):
            figures = [Decimal(number * 12345 % 10_000_000) / 100 for _ in range(3)]
            figures.append(figures[0] + figures[1] - figures[2])
            total = [t + f for t, f in zip(total, figures, strict=True)]
            rows.append(
                Row((f"{klass}{number:05d}", f"Account {number} {LABELS[number % 6]}", *figures))
            )
        rows.append(Row(("", f"Total class {klass}", *total), "subtotal"))
        sections.append(Section(f"Class {klass}", rows))
    return _statement("trial-balance", "Trial balance 2025", columns, tuple(sections), language)


def _statement(
    kind: str, title: str, columns: tuple[Column, ...], sections: tuple[Section, ...], language: str
) -> Statement:
    return Statement(
        kind=kind,
        title=title,
        lab=LAB,
        period_from=date(2025, 1, 1),
        period_to=date(2025, 12, 31),
        currency="SGD",
        language=language,  # type: ignore[arg-type]
        generated_at=datetime(2026, 1, 15, 9, 30),
        columns=columns,
        sections=sections,
        notes=("Amounts in SGD, the book currency.",),
        annex_title="Chancellery rates used",
        annex_columns=(
            Column("month", "Month", "text", 10),
            Column("rate", "SGD per EUR", "number"),
        ),
        annex_rows=tuple(Row((f"2025-{m:02d}", Decimal("1.4500"))) for m in range(1, 13)),
        landscape=kind == "general-ledger",
    )


def measure(case: str, use_tracemalloc: bool) -> dict[str, Any]:
    """Render one case in this process: time, CPU time, peak memory, output size."""
    from reports.render.pdf import render_pdf
    from reports.render.xlsx import render_xlsx

    fmt, kind, size = case.split(":")
    make = general_ledger if kind == "general-ledger" else trial_balance
    statement = make(int(size))
    render = render_pdf if fmt == "pdf" else render_xlsx
    rss_before = _peak_rss_mb()
    if use_tracemalloc:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    output = render(statement)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    result: dict[str, Any] = {
        "case": case,
        "format": fmt,
        "kind": kind,
        "size": int(size),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "rss_before_mb": round(rss_before, 1),
        "output_mb": round(len(output) / 1e6, 2),
        "target_s": TARGETS_S.get(case),
    }
    if fmt == "pdf":
        result["pages"] = len(re.findall(rb"/Type /Page\b", output))
    if use_tracemalloc:
        result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
        tracemalloc.stop()
    return result


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="PDF and XLSX renderers benchmark.")
    parser.add_argument(
        "--case", action="append", help="format:kind:size, e.g. pdf:trial-balance:300"
    )
    parser.add_argument("--skip-million", action="store_true", help="leave out the 1M-line XLSX")
    parser.add_argument("--tracemalloc", action="store_true", help="also the Python heap peak")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--database", choices=["sqlite", "postgres"], help="from a generated ledger in it"
    )
    parser.add_argument("--lines", type=int, default=1_000_000, help="with --database")
    parser.add_argument("--seed", type=int, default=2025, help="with --database")
    parser.add_argument("--keep", action="store_true", help="keep the database after the run")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a --keep run left"
    )
    parser.add_argument("--url", help=argparse.SUPPRESS)  # the database of a --child
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    if args.database:
        if args.child:
            print(json.dumps(measure_database(args.case[0], args.url, args.lines, args.seed)))
        else:
            database_run(args)
        return
    cases = args.case or [c for c in CASES if not (args.skip_million and "1000000" in c)]
    if args.child:  # one case, measured in this fresh process
        print(json.dumps(measure(cases[0], args.tracemalloc)))
        return
    results = []
    for case in cases:
        print(f"{case} ...", flush=True)
        argv = [sys.executable, __file__, "--child", "--case", case]
        argv += ["--tracemalloc"] if args.tracemalloc else []
        done = subprocess.run(argv, check=True, capture_output=True, text=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    report = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_after": os.getloadavg(),
        "results": results,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "render-statements.json"
    path.write_text(json.dumps(report, indent=2))
    _table(results)
    print(f"\nload average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}; written {path}")


def database_run(args: argparse.Namespace) -> None:
    """The database cases on a generated ledger (fresh unless --reuse), each measured in a
    child process; prints a table and writes the JSON."""
    vendor = args.database
    sqlite_file = env.OUT / f"statements-{args.lines}.sqlite3"
    report: dict[str, Any] = {"database": vendor, "lines": args.lines}
    with env.database(
        vendor, sqlite_file=sqlite_file, pg_name=PG_DATABASE, reuse=args.reuse, keep=args.keep
    ) as url:
        from bench.generate import LedgerSpec, analyze, generate

        report["server_version"] = env.server_version()
        if not args.reuse:
            report["migrate_s"] = env.migrate()
            print(f"[{vendor}] generating {args.lines:,} lines ...", flush=True)
            spec = LedgerSpec(lines=args.lines, seed=args.seed)
            report["generated"] = generate(spec, log=lambda t: print(f"[{vendor}] {t}")).__dict__
            report["analyze_s"] = analyze()
        from django.db import connections

        connections.close_all()  # the children read the database alone
        results = []
        for case in DATABASE_CASES:
            print(f"[{vendor}] {case} ...", flush=True)
            argv = [sys.executable, __file__, "--child", "--case", case, "--database", vendor]
            argv += ["--url", url, "--lines", str(args.lines), "--seed", str(args.seed)]
            done = subprocess.run(argv, capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"{case} failed:\n{done.stderr}")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    report.update(
        when=datetime.now().isoformat(timespec="seconds"),
        python=platform.python_version(),
        cpus=os.cpu_count(),
        load_average_after=os.getloadavg(),
        results=results,
    )
    path = OUT / f"render-statements-{vendor}-{args.lines}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\n{vendor} {report['server_version']}, {args.lines:,} lines")
    heads = ("wall s", "cpu s", "target", "peak MB", "out MB", "lines")
    print(f"{'case':32} " + " ".join(f"{h:>9}" for h in heads))
    for r in results:
        print(
            f"{r['case']:32} {r['wall_s']:9.2f} {r['cpu_s']:9.2f} {r['target_s']:9.1f} "
            f"{r['peak_rss_mb']:9.1f} {r['output_mb']:9.2f} {r['lines']:9,}"
        )
    print(f"\nload average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}; written {path}")


def measure_database(case: str, url: str, lines: int, seed: int) -> dict[str, Any]:
    """One database case in this fresh process: the big lab's general ledger of the
    generated year as XLSX, built and rendered, or issued end to end."""
    import hashlib
    import tempfile
    import zipfile

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from bench.chart import LAB_CODES
    from bench.generate import LedgerSpec
    from irls.models import Lab
    from reports.archive import archive_chunks
    from reports.builders.general_ledger import general_ledger_build
    from reports.render.xlsx import render_xlsx
    from reports.selectors import statement_line_count
    from reports.services import statement_issue

    year = LedgerSpec(lines=lines, seed=seed).year
    lab = Lab.objects.get(code=LAB_CODES[0])
    count = statement_line_count(lab=lab, date_from=date(year, 1, 1), date_to=date(year, 12, 31))
    rss_before = _peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    extra: dict[str, Any] = {}
    with tempfile.TemporaryFile() as output:
        if case.endswith(":render"):
            output.write(render_xlsx(general_ledger_build(lab=lab, year=year)))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            peak = _peak_rss_mb()
        else:
            issued = statement_issue(
                acting_user=None, lab=lab, kind="general-ledger", year=year, format="xlsx"
            )
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            peak = _peak_rss_mb()
            # The file read back from the archive in chunks, as a download reads it.
            digest, read_from = hashlib.sha256(), time.perf_counter()
            for chunk in archive_chunks(issued):
                output.write(chunk)
                digest.update(chunk)
            extra = {
                "read_back_s": round(time.perf_counter() - read_from, 3),
                "read_back_peak_rss_mb": round(_peak_rss_mb(), 1),
                "sha256_matches": digest.hexdigest() == issued.sha256,
            }
        size = output.tell()
        output.seek(0)
        with zipfile.ZipFile(output) as archive:
            whole = archive.testzip() is None
    return {
        "case": case,
        "lines": count,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "peak_rss_mb": round(peak, 1),
        "rss_before_mb": round(rss_before, 1),
        "output_mb": round(size / 1e6, 2),
        "whole_zip": whole,
        **extra,
        "target_s": DATABASE_TARGET_S,
        "target_mb": DATABASE_TARGET_MB,
    }


def _table(results: list[dict[str, Any]]) -> None:
    heads = ("wall s", "cpu s", "target", "peak MB", "out MB")
    print(f"\n{'case':30} " + " ".join(f"{h:>8}" for h in heads) + f" {'pages':>6}")
    for r in results:
        print(
            f"{r['case']:30} {r['wall_s']:8.2f} {r['cpu_s']:8.2f} {r['target_s'] or 0:8.1f} "
            f"{r['peak_rss_mb']:8.1f} {r['output_mb']:8.2f} {r.get('pages', ''):>6}"
        )


if __name__ == "__main__":
    main()
